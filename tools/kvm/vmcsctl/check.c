// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * "vmcsctl check": the checks a VM entry makes on a VMCS, evaluated on a
 * snapshot, written from the Intel SDM.
 *
 * Edition and numbering: Intel 64 and IA-32 Architectures Software
 * Developer's Manual, Vol. 3C, 2024-2025 editions (order no. 325462-08x),
 * chapter 28 "VM Entries":
 *   28.2.1.1 VM-execution control fields   28.2.1.2 VM-exit control fields
 *   28.2.1.3 VM-entry control fields       28.2.2   host control registers, MSRs
 *   28.2.3   host segment and descriptor-table registers
 *   28.2.4   address-space size            28.3.1.1 guest CRs, DRs and MSRs
 *   28.3.1.2 guest segment registers       28.3.1.3 guest descriptor tables
 *   28.3.1.4 guest RIP and RFLAGS          28.3.1.5 guest non-register state
 *   28.3.1.6 guest PDPTEs
 * (the same sections are 27.x in the 2019-2023 editions, 26.x in 2016, 22.x
 * in 2008; the VMCS chapter is 26 here, 25 in 2019-2023).
 *
 * A rule has an id, a section, and a function that reads its inputs with
 * field() and vmx_msr(); an input the snapshot lacks makes the rule "not
 * evaluated" (listed, never failed).  A rule that is one check applied to
 * several registers (segments, host selectors, bases) reports one failure
 * per register.  The processor is taken to be outside SMM (a KVM host), to
 * support Intel 64, and, where the snapshot does not say, to have 48-bit
 * linear addresses; physical-address-width checks are skipped when the
 * width is unknown.
 *
 * Not implemented (need memory, CPUID or model-specific data the snapshot
 * does not hold, or fields the kernel's vmx.h does not name):
 *  - 28.2.1.1: TPR threshold vs VTPR on the virtual-APIC page; sub-page
 *    write permissions' SPPTP checks; IPI virtualization (PID-pointer table,
 *    last PID-pointer index); HLAT prefix size; "enable PT in VMX",
 *    "enable user wait and pause" and instruction-timeout (notify) checks;
 *    EPTP bit 7 (supervisor shadow-stack control) is not checked.
 *  - 28.2.1.2: secondary VM-exit controls (IA32_VMX_EXIT_CTLS2, no field in
 *    vmx.h); the last byte of the MSR areas is checked, the MSR count limit of
 *    IA32_VMX_MISC[27:25] is only a recommendation and is not.
 *  - 28.2.2/28.3.1.1: IA32_PERF_GLOBAL_CTRL, IA32_RTIT_CTL reserved bits
 *    (model-specific); PKRS, LBR_CTL, FRED state (no fields in vmx.h);
 *    IA32_DEBUGCTL: bits 63:16 and 5:3 are taken as reserved (bit 2 is
 *    bus-lock detect on newer CPUs); CR3 bits 62:61 are allowed (LAM, which
 *    the snapshot cannot tell).
 *  - CET ("load CET state"; vmx.h names the fields from Linux 7.3): the
 *    reserved bits of IA32_S_CET are taken to be 9:6 (SDM Vol. 4, Table
 *    2-2); the guest's IA32_S_CET and SSP are not checked for bits 63:32
 *    outside IA-32e mode (Bochs checks them; the SDM's text found says
 *    nothing of it).  The guest's IA32_S_CET is checked canonical as the
 *    SDM says, although KVM's nested checks (nested.c) do not.  A CET rule
 *    reads its fields only when its control is 1, so a snapshot from an
 *    older kernel, without them, still has every rule evaluated.
 *  - 28.3.1.5: the VMCS link pointer's memory checks (revision identifier,
 *    shadow-VMCS indicator); the "processor may require STI blocking be 0
 *    when injecting an NMI" check (processor-specific); the SGX and RTM
 *    CPUID requirements of the enclave-interruption and RTM bits; SMM entry
 *    is treated as "not in SMM" throughout.
 *  - 28.3.1.6: PDPTEs loaded from memory (without EPT) are not checked.
 */
#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "vmcsctl.h"

#define BIT(n)		(1ULL << (n))
#define GENMASK(h, l)	((~0ULL >> (63 - (h))) & ~(BIT(l) - 1))
#define FIELDS(...)	((const char *const []){ __VA_ARGS__, NULL })

/* The rule being evaluated and what it lacked. */
struct ctx {
	const struct snapshot *s;
	struct check_report *r;
	const struct rule *rule;
	const char *missing[8];
	int nr_missing;
};

struct rule {
	const char *id;
	const char *section;
	void (*run)(struct ctx *c, const void *data);
	const void *data;
};

/* ---- inputs ------------------------------------------------------------ */

static const char *const msr_names[NR_VMX_MSRS] = {
	"IA32_VMX_BASIC", "IA32_VMX_PINBASED_CTLS", "IA32_VMX_PROCBASED_CTLS",
	"IA32_VMX_EXIT_CTLS", "IA32_VMX_ENTRY_CTLS", "IA32_VMX_MISC",
	"IA32_VMX_CR0_FIXED0", "IA32_VMX_CR0_FIXED1", "IA32_VMX_CR4_FIXED0",
	"IA32_VMX_CR4_FIXED1", "IA32_VMX_VMCS_ENUM", "IA32_VMX_PROCBASED_CTLS2",
	"IA32_VMX_EPT_VPID_CAP", "IA32_VMX_TRUE_PINBASED_CTLS",
	"IA32_VMX_TRUE_PROCBASED_CTLS", "IA32_VMX_TRUE_EXIT_CTLS",
	"IA32_VMX_TRUE_ENTRY_CTLS", "IA32_VMX_VMFUNC", "IA32_VMX_PROCBASED_CTLS3",
	"IA32_VMX_EXIT_CTLS2",
};

enum {
	MSR_BASIC = 0x480, MSR_PINBASED, MSR_PROCBASED, MSR_EXIT, MSR_ENTRY, MSR_MISC,
	MSR_CR0_FIXED0, MSR_CR0_FIXED1, MSR_CR4_FIXED0, MSR_CR4_FIXED1, MSR_VMCS_ENUM,
	MSR_PROCBASED2, MSR_EPT_VPID_CAP, MSR_TRUE_PINBASED, MSR_TRUE_PROCBASED,
	MSR_TRUE_EXIT, MSR_TRUE_ENTRY, MSR_VMFUNC, MSR_PROCBASED3,
};

static void need(struct ctx *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr_missing; i++)
		if (!strcmp(c->missing[i], name))
			return;
	if (c->nr_missing < (int)ARRAY_SIZE(c->missing))
		c->missing[c->nr_missing++] = name;
}

/* A field's value; 0 and the rule not evaluated if the snapshot lacks it. */
static uint64_t field(struct ctx *c, const char *name)
{
	uint64_t v;

	if (snap_get(c->s, name, &v))
		return v;
	need(c, name);
	return 0;
}

static uint64_t vmx_msr(struct ctx *c, uint32_t index)
{
	uint64_t v;

	if (snap_msr(c->s, index, &v))
		return v;
	need(c, msr_names[index - MSR_VMX_FIRST]);
	return 0;
}

static const char *msr_name(uint32_t index)
{
	return msr_names[index - MSR_VMX_FIRST];
}

static void fail(struct ctx *c, const char *const *fields, const char *fmt, ...)
{
	struct check_report *r = c->r;
	struct check_failure *f;
	va_list ap;
	int i;

	if (r->nr_failures == CHECK_MAX_FAILURES) {
		r->nr_dropped++;
		return;
	}
	f = &r->failures[r->nr_failures++];
	memset(f, 0, sizeof(*f));
	f->id = c->rule->id;
	f->section = c->rule->section;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	for (i = 0; fields && fields[i] && i < CHECK_MAX_FIELDS; i++)
		f->fields[i] = fields[i];
}

/* Canonical for the processor's linear-address width (48 if unknown). */
static bool canonical(const struct ctx *c, uint64_t v)
{
	int n = c->s->linear_bits;
	uint64_t top;

	if (n < 32)
		n = 48;
	if (n >= 64)
		return true;
	top = v >> (n - 1);
	return !top || top == (~0ULL >> (n - 1));
}

/* The linear-address width: CPUID's, or 48 if unknown. */
static int linear_width(const struct ctx *c)
{
	return c->s->linear_bits < 32 ? 48 : c->s->linear_bits;
}

/*
 * Bits 63:N identical, N the linear-address width: one bit looser than
 * canonical, the SDM's wording for RIP and SSP on VM entry.
 */
static bool high_identical(const struct ctx *c, uint64_t v)
{
	int n = linear_width(c);
	uint64_t top;

	if (n >= 64)
		return true;
	top = v >> n;
	return !top || top == (~0ULL >> n);
}

/* Sets bits beyond the physical-address width (false if the width is unknown). */
static bool beyond_pa(const struct ctx *c, uint64_t v)
{
	int n = c->s->phys_bits;
	uint64_t basic;

	/* IA32_VMX_BASIC[48]: addresses are limited to 32 bits. */
	if (snap_msr(c->s, MSR_BASIC, &basic) && (basic & BIT(48)) && (!n || n > 32))
		n = 32;
	return n > 0 && n < 64 && v >> n;
}

/* Control-register bits. */
#define CR0_PE		BIT(0)
#define CR0_WP		BIT(16)
#define CR0_NW		BIT(29)
#define CR0_CD		BIT(30)
#define CR0_PG		BIT(31)
#define CR4_PAE		BIT(5)
#define CR4_PCIDE	BIT(17)
#define CR4_CET		BIT(23)

/* ---- VMX controls ------------------------------------------------------ */

enum ctl { PIN, PROC, PROC2, PROC3, EXIT, ENTRY, VMFUNC };

static const char *const ctl_fields[] = {
	[PIN] = "PIN_BASED_VM_EXEC_CONTROL",
	[PROC] = "CPU_BASED_VM_EXEC_CONTROL",
	[PROC2] = "SECONDARY_VM_EXEC_CONTROL",
	[PROC3] = "TERTIARY_VM_EXEC_CONTROL",
	[EXIT] = "VM_EXIT_CONTROLS",
	[ENTRY] = "VM_ENTRY_CONTROLS",
	[VMFUNC] = "VM_FUNCTION_CONTROL",
};

/* Control bits the rules use (SDM Vol. 3C, 26.6 to 26.8). */
#define PIN_EXT_INTR		0
#define PIN_NMI_EXITING		3
#define PIN_VIRTUAL_NMIS	5
#define PIN_PREEMPTION_TIMER	6
#define PIN_POSTED_INTR		7
#define PROC_TERTIARY		17
#define PROC_TPR_SHADOW		21
#define PROC_NMI_WINDOW		22
#define PROC_IO_BITMAPS		25
#define PROC_MTF		27
#define PROC_MSR_BITMAPS	28
#define PROC_SECONDARY		31
#define PROC2_APIC_ACCESS	0
#define PROC2_EPT		1
#define PROC2_X2APIC		4
#define PROC2_VPID		5
#define PROC2_UNRESTRICTED	7
#define PROC2_APIC_REGISTER	8
#define PROC2_VID		9
#define PROC2_VMFUNC		13
#define PROC2_SHADOW_VMCS	14
#define PROC2_PML		17
#define PROC2_EPT_VE		18
#define PROC2_MBEC		22
#define PROC2_SPP		23
#define EXIT_HOST_ADDR_SPACE	9
#define EXIT_ACK_INTR		15
#define EXIT_LOAD_PAT		19
#define EXIT_LOAD_EFER		21
#define EXIT_SAVE_PREEMPTION	22
#define EXIT_LOAD_CET		28
#define ENTRY_LOAD_DEBUG	2
#define ENTRY_IA32E		9
#define ENTRY_SMM		10
#define ENTRY_DUAL_MONITOR	11
#define ENTRY_LOAD_PAT		14
#define ENTRY_LOAD_EFER		15
#define ENTRY_LOAD_BNDCFGS	16
#define ENTRY_LOAD_CET		20
#define VMFUNC_EPTP_SWITCHING	0

/*
 * A control word as VM entry sees it: the secondary controls are 0 unless
 * primary bit 31, the tertiary unless primary bit 17, the VM-function
 * controls unless "enable VM functions".
 */
static uint64_t ctl(struct ctx *c, enum ctl w)
{
	if (w == PROC2 && !(field(c, ctl_fields[PROC]) & BIT(PROC_SECONDARY)))
		return 0;
	if (w == PROC3 && !(field(c, ctl_fields[PROC]) & BIT(PROC_TERTIARY)))
		return 0;
	if (w == VMFUNC && !(ctl(c, PROC2) & BIT(PROC2_VMFUNC)))
		return 0;
	return field(c, ctl_fields[w]);
}

static bool on(struct ctx *c, enum ctl w, int bit)
{
	return ctl(c, w) & BIT(bit);
}

static bool unrestricted(struct ctx *c)
{
	return on(c, PROC2, PROC2_UNRESTRICTED);
}

static bool ia32e_guest(struct ctx *c)
{
	return on(c, ENTRY, ENTRY_IA32E);
}

static bool host_ia32e(struct ctx *c)
{
	return on(c, EXIT, EXIT_HOST_ADDR_SPACE);
}

/* Reserved bits of a control word against its capability MSR (A.3-A.5). */
struct ctl_cap {
	enum ctl word;
	uint32_t msr, true_msr;	/* true_msr 0: none; msr 64-bit allowed-1 if !allowed0 */
	bool allowed0;
	const char *what;
};

static void rule_ctl_reserved(struct ctx *c, const void *data)
{
	const struct ctl_cap *cap = data;
	uint64_t v, m, must0, must1;
	uint32_t index = cap->msr;

	if ((cap->word == PROC2 && !on(c, PROC, PROC_SECONDARY)) ||
	    (cap->word == PROC3 && !on(c, PROC, PROC_TERTIARY)))
		return;
	v = ctl(c, cap->word);
	if (cap->true_msr && (vmx_msr(c, MSR_BASIC) & BIT(55)))
		index = cap->true_msr;
	m = vmx_msr(c, index);
	if (cap->allowed0) {
		must1 = (uint32_t)m & ~v;
		must0 = v & ~(m >> 32);
	} else {
		must1 = 0;
		must0 = v & ~m;
	}
	if (must0 || must1)
		fail(c, FIELDS(ctl_fields[cap->word], msr_name(index)),
		     "%s controls: bits 0x%llx set but not allowed to be 1, bits 0x%llx clear but required to be 1 (%s)",
		     cap->what, (unsigned long long)must0, (unsigned long long)must1,
		     msr_name(index));
}

static const struct ctl_cap cap_pin = { PIN, MSR_PINBASED, MSR_TRUE_PINBASED, true, "pin-based" };
static const struct ctl_cap cap_proc = {
	PROC, MSR_PROCBASED, MSR_TRUE_PROCBASED, true, "primary processor-based"
};

static const struct ctl_cap cap_proc2 = {
	PROC2, MSR_PROCBASED2, 0, true, "secondary processor-based"
};

static const struct ctl_cap cap_proc3 = {
	PROC3, MSR_PROCBASED3, 0, false, "tertiary processor-based"
};

static const struct ctl_cap cap_exit = { EXIT, MSR_EXIT, MSR_TRUE_EXIT, true, "VM-exit" };
static const struct ctl_cap cap_entry = { ENTRY, MSR_ENTRY, MSR_TRUE_ENTRY, true, "VM-entry" };

/* "If control A is 1, control B must be 1 (or 0)." */
struct ctl_dep {
	enum ctl word;
	int bit;
	enum ctl req_word;
	int req_bit;
	bool req_value;
	const char *message;
};

static void rule_ctl_dep(struct ctx *c, const void *data)
{
	const struct ctl_dep *d = data;

	if (on(c, d->word, d->bit) && on(c, d->req_word, d->req_bit) != d->req_value)
		fail(c, d->word == d->req_word ? FIELDS(ctl_fields[d->word]) :
		     FIELDS(ctl_fields[d->word], ctl_fields[d->req_word]), "%s", d->message);
}

static const struct ctl_dep dep_x2apic_tpr = {
	PROC2, PROC2_X2APIC, PROC, PROC_TPR_SHADOW, true,
	"\"virtualize x2APIC mode\" requires \"use TPR shadow\""
};

static const struct ctl_dep dep_apic_reg_tpr = {
	PROC2, PROC2_APIC_REGISTER, PROC, PROC_TPR_SHADOW, true,
	"\"APIC-register virtualization\" requires \"use TPR shadow\""
};

static const struct ctl_dep dep_vid_tpr = {
	PROC2, PROC2_VID, PROC, PROC_TPR_SHADOW, true,
	"\"virtual-interrupt delivery\" requires \"use TPR shadow\""
};

static const struct ctl_dep dep_vnmi = {
	PIN, PIN_VIRTUAL_NMIS, PIN, PIN_NMI_EXITING, true,
	"\"virtual NMIs\" requires \"NMI exiting\""
};

static const struct ctl_dep dep_nmi_window = {
	PROC, PROC_NMI_WINDOW, PIN, PIN_VIRTUAL_NMIS, true,
	"\"NMI-window exiting\" requires \"virtual NMIs\""
};

static const struct ctl_dep dep_x2apic_apic_access = {
	PROC2, PROC2_X2APIC, PROC2, PROC2_APIC_ACCESS, false,
	"\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" cannot both be 1"
};

static const struct ctl_dep dep_vid_ext_int = {
	PROC2, PROC2_VID, PIN, PIN_EXT_INTR, true,
	"\"virtual-interrupt delivery\" requires \"external-interrupt exiting\""
};

static const struct ctl_dep dep_posted_vid = {
	PIN, PIN_POSTED_INTR, PROC2, PROC2_VID, true,
	"\"process posted interrupts\" requires \"virtual-interrupt delivery\""
};

static const struct ctl_dep dep_posted_ack = {
	PIN, PIN_POSTED_INTR, EXIT, EXIT_ACK_INTR, true,
	"\"process posted interrupts\" requires \"acknowledge interrupt on exit\""
};

static const struct ctl_dep dep_pml_ept = {
	PROC2, PROC2_PML, PROC2, PROC2_EPT, true, "\"enable PML\" requires \"enable EPT\""
};

static const struct ctl_dep dep_ug_ept = {
	PROC2, PROC2_UNRESTRICTED, PROC2, PROC2_EPT, true,
	"\"unrestricted guest\" requires \"enable EPT\""
};

static const struct ctl_dep dep_spp_ept = {
	PROC2, PROC2_SPP, PROC2, PROC2_EPT, true,
	"\"sub-page write permissions for EPT\" requires \"enable EPT\""
};

static const struct ctl_dep dep_mbec_ept = {
	PROC2, PROC2_MBEC, PROC2, PROC2_EPT, true,
	"\"mode-based execute control for EPT\" requires \"enable EPT\""
};

static const struct ctl_dep dep_eptp_switching_ept = {
	VMFUNC, VMFUNC_EPTP_SWITCHING, PROC2, PROC2_EPT, true,
	"the \"EPTP switching\" VM function requires \"enable EPT\""
};

static const struct ctl_dep dep_preemption_save = {
	EXIT, EXIT_SAVE_PREEMPTION, PIN, PIN_PREEMPTION_TIMER, true,
	"\"save VMX-preemption timer value\" requires \"activate VMX-preemption timer\""
};

/* "If control C is 1, address field F must be aligned and within the physical-address width." */
struct ctl_addr {
	enum ctl word;
	int bit;
	const char *fields[3];	/* NULL-terminated */
	uint64_t align;		/* bits that must be 0 */
	const char *what;
};

static void rule_ctl_addr(struct ctx *c, const void *data)
{
	const struct ctl_addr *a = data;
	const char *const *name;
	uint64_t v;

	if (!on(c, a->word, a->bit))
		return;
	for (name = a->fields; *name; name++) {
		v = field(c, *name);
		if (v & a->align)
			fail(c, FIELDS(*name, ctl_fields[a->word]),
			     "%s: %s must be %llu-byte aligned", a->what, *name,
			     (unsigned long long)a->align + 1);
		else if (beyond_pa(c, v))
			fail(c, FIELDS(*name, ctl_fields[a->word]),
			     "%s: %s sets bits beyond the %d-bit physical-address width",
			     a->what, *name, c->s->phys_bits);
	}
}

static const struct ctl_addr addr_io_bitmaps = {
	PROC, PROC_IO_BITMAPS, { "IO_BITMAP_A", "IO_BITMAP_B" }, 0xfff, "\"use I/O bitmaps\""
};

static const struct ctl_addr addr_msr_bitmap = {
	PROC, PROC_MSR_BITMAPS, { "MSR_BITMAP" }, 0xfff, "\"use MSR bitmaps\""
};

static const struct ctl_addr addr_virtual_apic = {
	PROC, PROC_TPR_SHADOW, { "VIRTUAL_APIC_PAGE_ADDR" }, 0xfff, "\"use TPR shadow\""
};

static const struct ctl_addr addr_apic_access = {
	PROC2, PROC2_APIC_ACCESS, { "APIC_ACCESS_ADDR" }, 0xfff, "\"virtualize APIC accesses\""
};

static const struct ctl_addr addr_posted_desc = {
	PIN, PIN_POSTED_INTR, { "POSTED_INTR_DESC_ADDR" }, 0x3f, "\"process posted interrupts\""
};

static const struct ctl_addr addr_pml = {
	PROC2, PROC2_PML, { "PML_ADDRESS" }, 0xfff, "\"enable PML\""
};

static const struct ctl_addr addr_eptp_list = {
	VMFUNC, VMFUNC_EPTP_SWITCHING, { "EPTP_LIST_ADDRESS" }, 0xfff, "\"EPTP switching\""
};

static const struct ctl_addr addr_shadow_vmcs = {
	PROC2, PROC2_SHADOW_VMCS, { "VMREAD_BITMAP", "VMWRITE_BITMAP" }, 0xfff,
	"\"VMCS shadowing\""
};

static const struct ctl_addr addr_ve_info = {
	PROC2, PROC2_EPT_VE, { "VE_INFORMATION_ADDRESS" }, 0xfff, "\"EPT-violation #VE\""
};

/* 28.2.1.1 */

static void rule_cr3_target_count(struct ctx *c, const void *data)
{
	uint64_t n = field(c, "CR3_TARGET_COUNT");
	uint64_t max = vmx_msr(c, MSR_MISC) >> 16 & 0x1ff;

	(void)data;
	if (n > max)
		fail(c, FIELDS("CR3_TARGET_COUNT", "IA32_VMX_MISC"),
		     "CR3-target count %llu exceeds the %llu the processor supports (IA32_VMX_MISC[24:16])",
		     (unsigned long long)n, (unsigned long long)max);
}

static void rule_tpr_threshold(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, PROC, PROC_TPR_SHADOW) && !on(c, PROC2, PROC2_VID) &&
	    (field(c, "TPR_THRESHOLD") & GENMASK(31, 4)))
		fail(c, FIELDS("TPR_THRESHOLD", "CPU_BASED_VM_EXEC_CONTROL"),
		     "with \"use TPR shadow\" and without \"virtual-interrupt delivery\", TPR-threshold bits 31:4 must be 0");
}

static void rule_posted_intr_vector(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, PIN, PIN_POSTED_INTR) && (field(c, "POSTED_INTR_NV") & GENMASK(15, 8)))
		fail(c, FIELDS("POSTED_INTR_NV", "PIN_BASED_VM_EXEC_CONTROL"),
		     "the posted-interrupt notification vector must be 0-255 (bits 15:8 zero)");
}

static void rule_vpid(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, PROC2, PROC2_VPID) && !field(c, "VIRTUAL_PROCESSOR_ID"))
		fail(c, FIELDS("VIRTUAL_PROCESSOR_ID", "SECONDARY_VM_EXEC_CONTROL"),
		     "with \"enable VPID\", the VPID must not be 0000H");
}

static void rule_eptp_memtype(struct ctx *c, const void *data)
{
	uint64_t eptp, cap;
	unsigned int type;

	(void)data;
	if (!on(c, PROC2, PROC2_EPT))
		return;
	eptp = field(c, "EPT_POINTER");
	cap = vmx_msr(c, MSR_EPT_VPID_CAP);
	type = eptp & 7;
	if (!((type == 0 && (cap & BIT(8))) || (type == 6 && (cap & BIT(14)))))
		fail(c, FIELDS("EPT_POINTER", "IA32_VMX_EPT_VPID_CAP"),
		     "EPT memory type (EPTP bits 2:0) %u is not one the processor supports (UC if IA32_VMX_EPT_VPID_CAP[8], WB if [14])",
		     type);
}

static void rule_eptp_walk(struct ctx *c, const void *data)
{
	uint64_t eptp, cap;
	unsigned int walk;

	(void)data;
	if (!on(c, PROC2, PROC2_EPT))
		return;
	eptp = field(c, "EPT_POINTER");
	cap = vmx_msr(c, MSR_EPT_VPID_CAP);
	walk = eptp >> 3 & 7;
	if (!((walk == 3 && (cap & BIT(6))) || (walk == 4 && (cap & BIT(7)))))
		fail(c, FIELDS("EPT_POINTER", "IA32_VMX_EPT_VPID_CAP"),
		     "EPTP bits 5:3 (page-walk length - 1) are %u: must be 3 (4 levels) or, if IA32_VMX_EPT_VPID_CAP[7], 4 (5 levels)",
		     walk);
}

static void rule_eptp_ad(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, PROC2, PROC2_EPT) && (field(c, "EPT_POINTER") & BIT(6)) &&
	    !(vmx_msr(c, MSR_EPT_VPID_CAP) & BIT(21)))
		fail(c, FIELDS("EPT_POINTER", "IA32_VMX_EPT_VPID_CAP"),
		     "EPTP bit 6 (accessed and dirty flags) must be 0: IA32_VMX_EPT_VPID_CAP[21] says they are not supported");
}

static void rule_eptp_reserved(struct ctx *c, const void *data)
{
	uint64_t eptp;

	(void)data;
	if (!on(c, PROC2, PROC2_EPT))
		return;
	eptp = field(c, "EPT_POINTER");
	if ((eptp & GENMASK(11, 8)) || beyond_pa(c, eptp))
		fail(c, FIELDS("EPT_POINTER"),
		     "EPTP reserved bits 11:8 and bits beyond the physical-address width must be 0");
}

static void rule_vmfunc_reserved(struct ctx *c, const void *data)
{
	uint64_t v, bad;

	(void)data;
	if (!on(c, PROC2, PROC2_VMFUNC))
		return;
	v = field(c, "VM_FUNCTION_CONTROL");
	bad = v & ~vmx_msr(c, MSR_VMFUNC);
	if (bad)
		fail(c, FIELDS("VM_FUNCTION_CONTROL", "IA32_VMX_VMFUNC"),
		     "VM-function controls set bits 0x%llx that IA32_VMX_VMFUNC does not allow",
		     (unsigned long long)bad);
}

/* 28.2.1.2, 28.2.1.3: the MSR-store and MSR-load areas. */
struct msr_area {
	const char *count, *addr, *what;
};

static void rule_msr_area(struct ctx *c, const void *data)
{
	const struct msr_area *a = data;
	uint64_t n = field(c, a->count), addr;

	if (!n)
		return;
	addr = field(c, a->addr);
	if (addr & 0xf)
		fail(c, FIELDS(a->addr, a->count), "the %s address must be 16-byte aligned",
		     a->what);
	else if (beyond_pa(c, addr) || beyond_pa(c, addr + n * 16 - 1))
		fail(c, FIELDS(a->addr, a->count),
		     "the %s area (%llu entries) reaches beyond the physical-address width",
		     a->what, (unsigned long long)n);
}

static const struct msr_area area_exit_store = {
	"VM_EXIT_MSR_STORE_COUNT", "VM_EXIT_MSR_STORE_ADDR", "VM-exit MSR-store"
};

static const struct msr_area area_exit_load = {
	"VM_EXIT_MSR_LOAD_COUNT", "VM_EXIT_MSR_LOAD_ADDR", "VM-exit MSR-load"
};

static const struct msr_area area_entry_load = {
	"VM_ENTRY_MSR_LOAD_COUNT", "VM_ENTRY_MSR_LOAD_ADDR", "VM-entry MSR-load"
};

/* 28.2.1.3: event injection. */
#define INTR_VALID		BIT(31)
#define INTR_DELIVER_CODE	BIT(11)
#define INTR_TYPE(info)		((unsigned int)((info) >> 8 & 7))
#define INTR_VECTOR(info)	((unsigned int)((info) & 0xff))
enum {
	TYPE_EXT_INTR = 0, TYPE_NMI = 2, TYPE_HW_EXCEPTION = 3, TYPE_SW_INTR = 4,
	TYPE_PRIV_SW_EXCEPTION = 5, TYPE_SW_EXCEPTION = 6, TYPE_OTHER = 7,
};

/* The VM-entry interruption-information field if it is valid, else 0. */
static uint64_t injected(struct ctx *c)
{
	uint64_t info = field(c, "VM_ENTRY_INTR_INFO_FIELD");

	return info & INTR_VALID ? info : 0;
}

static bool injecting(struct ctx *c, unsigned int type)
{
	uint64_t info = injected(c);

	return info && INTR_TYPE(info) == type;
}

static void rule_entry_intr_type(struct ctx *c, const void *data)
{
	uint64_t info = injected(c), procbased;
	unsigned int type = INTR_TYPE(info);

	(void)data;
	if (!info)
		return;
	if (type == 1) {
		fail(c, FIELDS("VM_ENTRY_INTR_INFO_FIELD"),
		     "interruption type 1 is reserved");
		return;
	}
	if (type != TYPE_OTHER)
		return;
	procbased = vmx_msr(c, vmx_msr(c, MSR_BASIC) & BIT(55) ? MSR_TRUE_PROCBASED :
			    MSR_PROCBASED);
	if (!(procbased & BIT(32 + PROC_MTF)))
		fail(c, FIELDS("VM_ENTRY_INTR_INFO_FIELD"),
		     "interruption type 7 (other event) needs support for \"monitor trap flag\"");
}

static void rule_entry_intr_vector(struct ctx *c, const void *data)
{
	uint64_t info = injected(c);
	unsigned int type = INTR_TYPE(info), vector = INTR_VECTOR(info);

	(void)data;
	if (!info)
		return;
	if ((type == TYPE_NMI && vector != 2) || (type == TYPE_HW_EXCEPTION && vector > 31) ||
	    (type == TYPE_OTHER && vector != 0))
		fail(c, FIELDS("VM_ENTRY_INTR_INFO_FIELD"),
		     "vector %u does not fit interruption type %u (NMI: 2, hardware exception: 0-31, other event: 0)",
		     vector, type);
}

static bool exception_has_code(unsigned int vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

static void rule_entry_intr_error_code(struct ctx *c, const void *data)
{
	uint64_t info = injected(c);
	unsigned int type = INTR_TYPE(info), vector = INTR_VECTOR(info);
	bool pe, any, code, must, may;

	(void)data;
	if (!info)
		return;
	pe = !unrestricted(c) || (field(c, "GUEST_CR0") & CR0_PE);
	any = vmx_msr(c, MSR_BASIC) & BIT(56);	/* any exception may deliver a code */
	code = info & INTR_DELIVER_CODE;
	/* Must for #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP in protected mode; may if [56]. */
	must = type == TYPE_HW_EXCEPTION && pe && !any && exception_has_code(vector);
	may = type == TYPE_HW_EXCEPTION && pe && (any || exception_has_code(vector));
	if ((code && !may) || (!code && must))
		fail(c, FIELDS("VM_ENTRY_INTR_INFO_FIELD", "GUEST_CR0",
			       "SECONDARY_VM_EXEC_CONTROL"),
		     "deliver-error-code (bit 11) must be %d for type %u vector %u%s",
		     !code, type, vector, pe ? "" : " in real mode (CR0.PE=0)");
}

static void rule_entry_intr_reserved(struct ctx *c, const void *data)
{
	(void)data;
	if (injected(c) & GENMASK(30, 12))
		fail(c, FIELDS("VM_ENTRY_INTR_INFO_FIELD"),
		     "reserved bits 30:12 of the interruption-information field must be 0");
}

static void rule_entry_error_code(struct ctx *c, const void *data)
{
	(void)data;
	if ((injected(c) & INTR_DELIVER_CODE) &&
	    (field(c, "VM_ENTRY_EXCEPTION_ERROR_CODE") & GENMASK(31, 16)))
		fail(c, FIELDS("VM_ENTRY_EXCEPTION_ERROR_CODE", "VM_ENTRY_INTR_INFO_FIELD"),
		     "bits 31:16 of the VM-entry exception error code must be 0");
}

static void rule_entry_insn_len(struct ctx *c, const void *data)
{
	uint64_t info = injected(c), len;
	unsigned int type = INTR_TYPE(info);

	(void)data;
	if (!info || (type != TYPE_SW_INTR && type != TYPE_PRIV_SW_EXCEPTION &&
		      type != TYPE_SW_EXCEPTION))
		return;
	len = field(c, "VM_ENTRY_INSTRUCTION_LEN");
	if (len > 15 || (!len && !(vmx_msr(c, MSR_MISC) & BIT(30))))
		fail(c, FIELDS("VM_ENTRY_INSTRUCTION_LEN", "VM_ENTRY_INTR_INFO_FIELD"),
		     "a software interrupt or exception needs an instruction length of 1-15 (0 only if IA32_VMX_MISC[30])");
}

static void rule_entry_smm(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, ENTRY, ENTRY_SMM) || on(c, ENTRY, ENTRY_DUAL_MONITOR))
		fail(c, FIELDS("VM_ENTRY_CONTROLS"),
		     "outside SMM, \"entry to SMM\" and \"deactivate dual-monitor treatment\" must be 0");
}

/* ---- host state: 28.2.2 to 28.2.4 -------------------------------------- */

/* Bits of a CR0/CR4 value that IA32_VMX_CRn_FIXED0/1 do not allow, less @ignore. */
static void cr_fixed(struct ctx *c, const char *name, uint32_t fixed0, uint64_t ignore)
{
	uint64_t v = field(c, name);
	uint64_t f0 = vmx_msr(c, fixed0) & ~ignore, f1 = vmx_msr(c, fixed0 + 1) | ignore;
	uint64_t must1 = f0 & ~v, must0 = v & ~f1;

	if (must0 || must1)
		fail(c, FIELDS(name, msr_name(fixed0), msr_name(fixed0 + 1)),
		     "%s: bits 0x%llx must be 0 and bits 0x%llx must be 1 in VMX operation (%s/1)",
		     name, (unsigned long long)must0, (unsigned long long)must1,
		     msr_name(fixed0));
}

static void rule_host_cr0_fixed(struct ctx *c, const void *data)
{
	(void)data;
	cr_fixed(c, "HOST_CR0", MSR_CR0_FIXED0, 0);
}

static void rule_host_cr4_fixed(struct ctx *c, const void *data)
{
	(void)data;
	cr_fixed(c, "HOST_CR4", MSR_CR4_FIXED0, 0);
}

/* "If bit 23 in the CR4 field (CET) is 1, bit 16 in the CR0 field (WP) must also be 1." */
struct cr_pair {
	const char *cr0, *cr4;
};

static void rule_cet_wp(struct ctx *c, const void *data)
{
	const struct cr_pair *p = data;

	if ((field(c, p->cr4) & CR4_CET) && !(field(c, p->cr0) & CR0_WP))
		fail(c, FIELDS(p->cr4, p->cr0), "CR4.CET=1 requires CR0.WP=1");
}

static const struct cr_pair host_crs = { "HOST_CR0", "HOST_CR4" };
static const struct cr_pair guest_crs = { "GUEST_CR0", "GUEST_CR4" };

/* CR3: bits 63:52 and those beyond the physical-address width are 0 (62:61: LAM). */
static void cr3_width(struct ctx *c, const char *name)
{
	uint64_t v = field(c, name) & ~GENMASK(62, 61);

	if ((v & GENMASK(63, 52)) || beyond_pa(c, v))
		fail(c, FIELDS(name), "%s sets bits beyond the physical-address width", name);
}

static void rule_host_cr3(struct ctx *c, const void *data)
{
	(void)data;
	cr3_width(c, "HOST_CR3");
}

/* Fields that must each hold a canonical address. */
struct canon {
	const char *fields[6];	/* NULL-terminated */
	const char *what;
};

static void rule_canonical(struct ctx *c, const void *data)
{
	const struct canon *k = data;
	const char *const *name;

	for (name = k->fields; *name; name++)
		if (!canonical(c, field(c, *name)))
			fail(c, FIELDS(*name), "%s must be canonical (%s)", *name, k->what);
}

static const struct canon host_sysenter = {
	{ "HOST_IA32_SYSENTER_ESP", "HOST_IA32_SYSENTER_EIP" }, "host IA32_SYSENTER_ESP/EIP"
};

static const struct canon host_bases = {
	{ "HOST_FS_BASE", "HOST_GS_BASE", "HOST_GDTR_BASE", "HOST_IDTR_BASE", "HOST_TR_BASE" },
	"host FS, GS, GDTR, IDTR and TR bases"
};

static const struct canon guest_sysenter = {
	{ "GUEST_SYSENTER_ESP", "GUEST_SYSENTER_EIP" }, "guest IA32_SYSENTER_ESP/EIP"
};

static const struct canon guest_dt_bases = {
	{ "GUEST_GDTR_BASE", "GUEST_IDTR_BASE" }, "GDTR and IDTR bases"
};

/* IA32_PAT: each byte 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-). */
struct loaded_msr {
	enum ctl word;
	int bit;
	const char *field;
};

static void rule_pat(struct ctx *c, const void *data)
{
	const struct loaded_msr *m = data;
	uint64_t pat;
	int i;

	if (!on(c, m->word, m->bit))
		return;
	pat = field(c, m->field);
	for (i = 0; i < 8; i++) {
		unsigned int type = pat >> (8 * i) & 0xff;

		if (type == 2 || type == 3 || type > 7) {
			fail(c, FIELDS(m->field, ctl_fields[m->word]),
			     "%s byte %d is %u: each byte must be a memory type 0, 1, 4, 5, 6 or 7",
			     m->field, i, type);
			return;
		}
	}
}

static const struct loaded_msr host_pat = { EXIT, EXIT_LOAD_PAT, "HOST_IA32_PAT" };
static const struct loaded_msr guest_pat = { ENTRY, ENTRY_LOAD_PAT, "GUEST_IA32_PAT" };
static const struct loaded_msr host_efer = { EXIT, EXIT_LOAD_EFER, "HOST_IA32_EFER" };
static const struct loaded_msr guest_efer = { ENTRY, ENTRY_LOAD_EFER, "GUEST_IA32_EFER" };

#define EFER_LME	BIT(8)
#define EFER_LMA	BIT(10)
#define EFER_VALID	(BIT(0) | EFER_LME | EFER_LMA | BIT(11))	/* SCE, LME, LMA, NXE */

static void rule_efer_reserved(struct ctx *c, const void *data)
{
	const struct loaded_msr *m = data;

	if (on(c, m->word, m->bit) && (field(c, m->field) & ~EFER_VALID))
		fail(c, FIELDS(m->field, ctl_fields[m->word]),
		     "%s sets reserved bits (only SCE, LME, LMA and NXE exist)", m->field);
}

static void rule_host_efer_lma(struct ctx *c, const void *data)
{
	uint64_t efer;
	bool hass;

	(void)data;
	if (!on(c, EXIT, EXIT_LOAD_EFER))
		return;
	efer = field(c, "HOST_IA32_EFER");
	hass = host_ia32e(c);
	if (!!(efer & EFER_LMA) != hass || !!(efer & EFER_LME) != hass)
		fail(c, FIELDS("HOST_IA32_EFER", "VM_EXIT_CONTROLS"),
		     "host EFER.LMA and EFER.LME must each equal \"host address-space size\" (%d)",
		     hass);
}

/*
 * CET state (28.2.2, 28.3.1.1, 28.3.1.4): with "load CET state", VM exit
 * (host) or VM entry (guest) loads IA32_S_CET, SSP and
 * IA32_INTERRUPT_SSP_TABLE_ADDR from these fields.
 */
struct cet_state {
	enum ctl word;
	int bit;
	const char *s_cet, *ssp;
	const char *canonical[3];	/* canonical whatever the mode; NULL-terminated */
};

/* The host's IA32_S_CET and SSP: as its address-space size needs (28.2.4). */
static const struct cet_state host_cet = {
	EXIT, EXIT_LOAD_CET, "HOST_S_CET", "HOST_SSP", { "HOST_INTR_SSP_TABLE" }
};

static const struct cet_state guest_cet = {
	ENTRY, ENTRY_LOAD_CET, "GUEST_S_CET", "GUEST_SSP",
	{ "GUEST_S_CET", "GUEST_INTR_SSP_TABLE" }
};

/* IA32_S_CET (SDM Vol. 1, chapter 17; Vol. 4, Table 2-2). */
#define S_CET_RESERVED		GENMASK(9, 6)
#define S_CET_SUPPRESS		BIT(10)
#define S_CET_TRACKER		BIT(11)

static void rule_cet_s_cet(struct ctx *c, const void *data)
{
	const struct cet_state *k = data;
	uint64_t v;

	if (!on(c, k->word, k->bit))
		return;
	v = field(c, k->s_cet);
	if (v & S_CET_RESERVED)
		fail(c, FIELDS(k->s_cet, ctl_fields[k->word]),
		     "with \"load CET state\", %s must not set reserved bits 9:6", k->s_cet);
	if ((v & S_CET_SUPPRESS) && (v & S_CET_TRACKER))
		fail(c, FIELDS(k->s_cet, ctl_fields[k->word]),
		     "with \"load CET state\", %s cannot set both SUPPRESS (bit 10) and TRACKER (bit 11)",
		     k->s_cet);
}

static void rule_cet_ssp_align(struct ctx *c, const void *data)
{
	const struct cet_state *k = data;

	if (on(c, k->word, k->bit) && (field(c, k->ssp) & 3))
		fail(c, FIELDS(k->ssp, ctl_fields[k->word]),
		     "with \"load CET state\", %s bits 1:0 must be 0 (4-byte aligned)", k->ssp);
}

static void rule_cet_canonical(struct ctx *c, const void *data)
{
	const struct cet_state *k = data;
	const char *const *name;

	if (!on(c, k->word, k->bit))
		return;
	for (name = k->canonical; *name; name++)
		if (!canonical(c, field(c, *name)))
			fail(c, FIELDS(*name, ctl_fields[k->word]),
			     "with \"load CET state\", %s must be canonical", *name);
}

/* 28.2.3 */
static const char *const host_selectors[] = {
	"HOST_ES_SELECTOR", "HOST_CS_SELECTOR", "HOST_SS_SELECTOR", "HOST_DS_SELECTOR",
	"HOST_FS_SELECTOR", "HOST_GS_SELECTOR", "HOST_TR_SELECTOR", NULL
};

static void rule_host_sel_rpl_ti(struct ctx *c, const void *data)
{
	const char *const *name;

	(void)data;
	for (name = host_selectors; *name; name++)
		if (field(c, *name) & 7)
			fail(c, FIELDS(*name), "%s: RPL (bits 1:0) and TI (bit 2) must be 0",
			     *name);
}

static void rule_host_sel_null(struct ctx *c, const void *data)
{
	(void)data;
	if (!field(c, "HOST_CS_SELECTOR"))
		fail(c, FIELDS("HOST_CS_SELECTOR"), "the host CS selector cannot be 0000H");
	if (!field(c, "HOST_TR_SELECTOR"))
		fail(c, FIELDS("HOST_TR_SELECTOR"), "the host TR selector cannot be 0000H");
	if (!host_ia32e(c) && !field(c, "HOST_SS_SELECTOR"))
		fail(c, FIELDS("HOST_SS_SELECTOR", "VM_EXIT_CONTROLS"),
		     "the host SS selector cannot be 0000H without \"host address-space size\"");
}

/* 28.2.4 */

/* The host runs in IA-32e mode iff its kernel is 64-bit: natural-width fields are. */
static bool host_lma(struct ctx *c)
{
	const struct snap_field *f = snap_find(c->s, "GUEST_RIP");

	if (!f)
		need(c, "GUEST_RIP");
	return f && f->width == 64;
}

static void rule_host_addr_space_mode(struct ctx *c, const void *data)
{
	(void)data;
	if (host_lma(c) && !host_ia32e(c))
		fail(c, FIELDS("VM_EXIT_CONTROLS"),
		     "the host is in IA-32e mode: \"host address-space size\" must be 1");
	else if (!host_lma(c) && (host_ia32e(c) || ia32e_guest(c)))
		fail(c, FIELDS("VM_EXIT_CONTROLS", "VM_ENTRY_CONTROLS"),
		     "the host is outside IA-32e mode: \"host address-space size\" and \"IA-32e mode guest\" must be 0");
}

static void rule_host_addr_space_guest(struct ctx *c, const void *data)
{
	(void)data;
	if (!host_ia32e(c) && ia32e_guest(c))
		fail(c, FIELDS("VM_EXIT_CONTROLS", "VM_ENTRY_CONTROLS"),
		     "\"IA-32e mode guest\" requires \"host address-space size\"");
}

static void rule_host_addr_space_0(struct ctx *c, const void *data)
{
	(void)data;
	if (host_ia32e(c))
		return;
	if (field(c, "HOST_CR4") & CR4_PCIDE)
		fail(c, FIELDS("HOST_CR4", "VM_EXIT_CONTROLS"),
		     "without \"host address-space size\", host CR4.PCIDE must be 0");
	if (field(c, "HOST_RIP") >> 32)
		fail(c, FIELDS("HOST_RIP", "VM_EXIT_CONTROLS"),
		     "without \"host address-space size\", host RIP bits 63:32 must be 0");
}

static void rule_host_addr_space_1(struct ctx *c, const void *data)
{
	(void)data;
	if (!host_ia32e(c))
		return;
	if (!(field(c, "HOST_CR4") & CR4_PAE))
		fail(c, FIELDS("HOST_CR4", "VM_EXIT_CONTROLS"),
		     "with \"host address-space size\", host CR4.PAE must be 1");
	if (!canonical(c, field(c, "HOST_RIP")))
		fail(c, FIELDS("HOST_RIP", "VM_EXIT_CONTROLS"),
		     "with \"host address-space size\", host RIP must be canonical");
}

/* IA32_S_CET and SSP as the host's mode after VM exit needs them. */
static void rule_host_addr_space_cet(struct ctx *c, const void *data)
{
	const char *names[2] = { host_cet.s_cet, host_cet.ssp };
	bool hass;
	int i;

	(void)data;
	if (!on(c, EXIT, EXIT_LOAD_CET))
		return;
	hass = host_ia32e(c);
	for (i = 0; i < 2; i++) {
		uint64_t v = field(c, names[i]);

		if (hass && !canonical(c, v))
			fail(c, FIELDS(names[i], "VM_EXIT_CONTROLS"),
			     "with \"host address-space size\" and \"load CET state\", %s must be canonical",
			     names[i]);
		else if (!hass && v >> 32)
			fail(c, FIELDS(names[i], "VM_EXIT_CONTROLS"),
			     "with \"load CET state\" and without \"host address-space size\", %s bits 63:32 must be 0",
			     names[i]);
	}
}

/* ---- guest control registers, debug registers, MSRs: 28.3.1.1 ---------- */

static void rule_guest_cr0_fixed(struct ctx *c, const void *data)
{
	uint64_t ignore = CR0_NW | CR0_CD;	/* never changed by VM entry */

	(void)data;
	if (unrestricted(c))
		ignore |= CR0_PE | CR0_PG;
	cr_fixed(c, "GUEST_CR0", MSR_CR0_FIXED0, ignore);
}

static void rule_guest_cr0_pg_pe(struct ctx *c, const void *data)
{
	uint64_t cr0 = field(c, "GUEST_CR0");

	(void)data;
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		fail(c, FIELDS("GUEST_CR0"), "CR0.PG=1 requires CR0.PE=1");
}

static void rule_guest_cr4_fixed(struct ctx *c, const void *data)
{
	(void)data;
	cr_fixed(c, "GUEST_CR4", MSR_CR4_FIXED0, 0);
}

static void rule_guest_debugctl(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, ENTRY, ENTRY_LOAD_DEBUG) &&
	    (field(c, "GUEST_IA32_DEBUGCTL") & (GENMASK(63, 16) | GENMASK(5, 3))))
		fail(c, FIELDS("GUEST_IA32_DEBUGCTL", "VM_ENTRY_CONTROLS"),
		     "with \"load debug controls\", reserved IA32_DEBUGCTL bits (63:16, 5:3) must be 0");
}

static void rule_guest_ia32e_paging(struct ctx *c, const void *data)
{
	(void)data;
	if (ia32e_guest(c) &&
	    (!(field(c, "GUEST_CR0") & CR0_PG) || !(field(c, "GUEST_CR4") & CR4_PAE)))
		fail(c, FIELDS("GUEST_CR0", "GUEST_CR4", "VM_ENTRY_CONTROLS"),
		     "an IA-32e mode guest needs CR0.PG=1 and CR4.PAE=1");
}

static void rule_guest_cr4_pcide(struct ctx *c, const void *data)
{
	(void)data;
	if (!ia32e_guest(c) && (field(c, "GUEST_CR4") & CR4_PCIDE))
		fail(c, FIELDS("GUEST_CR4", "VM_ENTRY_CONTROLS"),
		     "CR4.PCIDE must be 0 unless the guest is in IA-32e mode");
}

static void rule_guest_cr3(struct ctx *c, const void *data)
{
	(void)data;
	cr3_width(c, "GUEST_CR3");
}

static void rule_guest_dr7(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, ENTRY, ENTRY_LOAD_DEBUG) && (field(c, "GUEST_DR7") >> 32))
		fail(c, FIELDS("GUEST_DR7", "VM_ENTRY_CONTROLS"),
		     "with \"load debug controls\", DR7 bits 63:32 must be 0");
}

static void rule_guest_efer_lma(struct ctx *c, const void *data)
{
	uint64_t efer;
	bool ia32e;

	(void)data;
	if (!on(c, ENTRY, ENTRY_LOAD_EFER))
		return;
	efer = field(c, "GUEST_IA32_EFER");
	ia32e = ia32e_guest(c);
	if (!!(efer & EFER_LMA) != ia32e)
		fail(c, FIELDS("GUEST_IA32_EFER", "VM_ENTRY_CONTROLS"),
		     "EFER.LMA must equal \"IA-32e mode guest\" (%d)", ia32e);
	else if ((field(c, "GUEST_CR0") & CR0_PG) && !!(efer & EFER_LME) != ia32e)
		fail(c, FIELDS("GUEST_IA32_EFER", "GUEST_CR0"),
		     "with CR0.PG=1, EFER.LME must equal EFER.LMA");
}

static void rule_guest_bndcfgs(struct ctx *c, const void *data)
{
	uint64_t v;

	(void)data;
	if (!on(c, ENTRY, ENTRY_LOAD_BNDCFGS))
		return;
	v = field(c, "GUEST_BNDCFGS");
	if ((v & GENMASK(11, 2)) || !canonical(c, v & ~0xfffULL))
		fail(c, FIELDS("GUEST_BNDCFGS", "VM_ENTRY_CONTROLS"),
		     "IA32_BNDCFGS: reserved bits 11:2 must be 0 and the base (63:12) canonical");
}

/* ---- guest segment registers: 28.3.1.2 --------------------------------- */

enum seg { ES, CS, SS, DS, FS, GS, LDTR, TR, NR_SEGS };

#define SEG(r) { #r, "GUEST_" #r "_SELECTOR", "GUEST_" #r "_BASE", "GUEST_" #r "_LIMIT", \
		 "GUEST_" #r "_AR_BYTES" }
static const struct {
	const char *name, *sel, *base, *limit, *ar;
} segs[NR_SEGS] = {
	SEG(ES), SEG(CS), SEG(SS), SEG(DS), SEG(FS), SEG(GS), SEG(LDTR), SEG(TR),
};

#define AR_TYPE(ar)	((unsigned int)((ar) & 15))
#define AR_S		BIT(4)
#define AR_DPL(ar)	((unsigned int)((ar) >> 5 & 3))
#define AR_P		BIT(7)
#define AR_L		BIT(13)
#define AR_DB		BIT(14)
#define AR_G		BIT(15)
#define AR_UNUSABLE	BIT(16)
#define AR_RESERVED	(GENMASK(11, 8) | GENMASK(31, 17))

static uint64_t sel(struct ctx *c, enum seg i)
{
	return field(c, segs[i].sel);
}

static uint64_t ar(struct ctx *c, enum seg i)
{
	return field(c, segs[i].ar);
}

static bool usable(struct ctx *c, enum seg i)
{
	return !(ar(c, i) & AR_UNUSABLE);
}

static bool v8086(struct ctx *c)
{
	return field(c, "GUEST_RFLAGS") & BIT(17);
}

/* The checks on CS..GS that apply "if the register is CS or if it is usable". */
static bool cs_or_usable(struct ctx *c, enum seg i)
{
	return i == CS || usable(c, i);
}

/* The registers a per-register access-rights check covers, as the SDM words it. */
static bool ar_checked(struct ctx *c, enum seg i)
{
	if (i == TR)
		return true;
	if (i == LDTR)
		return usable(c, LDTR);
	return !v8086(c) && cs_or_usable(c, i);
}

static void rule_guest_tr_ti(struct ctx *c, const void *data)
{
	(void)data;
	if (sel(c, TR) & BIT(2))
		fail(c, FIELDS(segs[TR].sel), "the TR selector's TI flag (bit 2) must be 0");
}

static void rule_guest_ldtr_ti(struct ctx *c, const void *data)
{
	(void)data;
	if (usable(c, LDTR) && (sel(c, LDTR) & BIT(2)))
		fail(c, FIELDS(segs[LDTR].sel, segs[LDTR].ar),
		     "a usable LDTR's selector must have TI (bit 2) 0");
}

static void rule_guest_ss_rpl(struct ctx *c, const void *data)
{
	(void)data;
	if (!v8086(c) && !unrestricted(c) && (sel(c, SS) & 3) != (sel(c, CS) & 3))
		fail(c, FIELDS(segs[SS].sel, segs[CS].sel),
		     "SS.RPL must equal CS.RPL (outside virtual-8086 mode, without \"unrestricted guest\")");
}

static void rule_guest_base_v8086(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	if (!v8086(c))
		return;
	for (i = ES; i <= GS; i++)
		if (field(c, segs[i].base) != sel(c, i) << 4)
			fail(c, FIELDS(segs[i].base, segs[i].sel, "GUEST_RFLAGS"),
			     "virtual-8086 guest: the %s base must be its selector times 16",
			     segs[i].name);
}

static void rule_guest_base_canonical(struct ctx *c, const void *data)
{
	static const enum seg regs[] = { TR, FS, GS, LDTR };
	unsigned int k;

	(void)data;
	for (k = 0; k < ARRAY_SIZE(regs); k++) {
		enum seg i = regs[k];

		if (i == LDTR && !usable(c, LDTR))
			continue;
		if (!canonical(c, field(c, segs[i].base)))
			fail(c, FIELDS(segs[i].base),
			     "the %s base must be canonical%s", segs[i].name,
			     i == LDTR ? " (LDTR usable)" : "");
	}
}

static void rule_guest_base_high(struct ctx *c, const void *data)
{
	static const enum seg regs[] = { CS, SS, DS, ES };
	unsigned int k;

	(void)data;
	for (k = 0; k < ARRAY_SIZE(regs); k++) {
		enum seg i = regs[k];

		if (cs_or_usable(c, i) && (field(c, segs[i].base) >> 32))
			fail(c, FIELDS(segs[i].base, segs[i].ar),
			     "bits 63:32 of the %s base must be 0%s", segs[i].name,
			     i == CS ? "" : " (register usable)");
	}
}

static void rule_guest_limit_v8086(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	if (!v8086(c))
		return;
	for (i = ES; i <= GS; i++)
		if (field(c, segs[i].limit) != 0xffff)
			fail(c, FIELDS(segs[i].limit, "GUEST_RFLAGS"),
			     "virtual-8086 guest: the %s limit must be 0000FFFFH", segs[i].name);
}

static void rule_guest_ar_v8086(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	if (!v8086(c))
		return;
	for (i = ES; i <= GS; i++)
		if (ar(c, i) != 0xf3)
			fail(c, FIELDS(segs[i].ar, "GUEST_RFLAGS"),
			     "virtual-8086 guest: the %s access rights must be 000000F3H (present, DPL 3, accessed read/write data)",
			     segs[i].name);
}

static void rule_guest_cs_type(struct ctx *c, const void *data)
{
	unsigned int type;

	(void)data;
	if (v8086(c))
		return;
	type = AR_TYPE(ar(c, CS));
	if (type == 9 || type == 11 || type == 13 || type == 15)
		return;
	if (type == 3 && unrestricted(c))
		return;
	fail(c, FIELDS(segs[CS].ar), "CS type %u: must be 9, 11, 13 or 15 (accessed code)%s",
	     type, unrestricted(c) ? " or 3 (accessed read/write data)" : "");
}

static void rule_guest_ss_type(struct ctx *c, const void *data)
{
	unsigned int type;

	(void)data;
	if (v8086(c) || !usable(c, SS))
		return;
	type = AR_TYPE(ar(c, SS));
	if (type != 3 && type != 7)
		fail(c, FIELDS(segs[SS].ar),
		     "a usable SS must have type 3 or 7 (accessed read/write data), not %u", type);
}

static void rule_guest_seg_type(struct ctx *c, const void *data)
{
	static const enum seg regs[] = { DS, ES, FS, GS };
	unsigned int k, type;

	(void)data;
	if (v8086(c))
		return;
	for (k = 0; k < ARRAY_SIZE(regs); k++) {
		enum seg i = regs[k];

		if (!usable(c, i))
			continue;
		type = AR_TYPE(ar(c, i));
		if (!(type & 1) || ((type & 8) && !(type & 2)))
			fail(c, FIELDS(segs[i].ar),
			     "a usable %s must be accessed (type bit 0) and, if code, readable (type bit 1): type %u",
			     segs[i].name, type);
	}
}

static void rule_guest_seg_s(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	for (i = ES; i < NR_SEGS; i++) {
		bool system = i == TR || i == LDTR;

		if (ar_checked(c, i) && !!(ar(c, i) & AR_S) == system)
			fail(c, FIELDS(segs[i].ar), "%s: S (bit 4) must be %d", segs[i].name,
			     !system);
	}
}

static void rule_guest_cs_dpl(struct ctx *c, const void *data)
{
	unsigned int type, dpl, ss_dpl;

	(void)data;
	if (v8086(c))
		return;
	type = AR_TYPE(ar(c, CS));
	dpl = AR_DPL(ar(c, CS));
	ss_dpl = AR_DPL(ar(c, SS));
	if (type == 3 && dpl)
		fail(c, FIELDS(segs[CS].ar), "CS of type 3 (unrestricted guest) must have DPL 0");
	else if ((type == 9 || type == 11) && dpl != ss_dpl)
		fail(c, FIELDS(segs[CS].ar, segs[SS].ar),
		     "non-conforming CS: DPL %u must equal SS.DPL %u", dpl, ss_dpl);
	else if ((type == 13 || type == 15) && dpl > ss_dpl)
		fail(c, FIELDS(segs[CS].ar, segs[SS].ar),
		     "conforming CS: DPL %u cannot exceed SS.DPL %u", dpl, ss_dpl);
}

static void rule_guest_ss_dpl(struct ctx *c, const void *data)
{
	unsigned int dpl;

	(void)data;
	if (v8086(c))
		return;
	dpl = AR_DPL(ar(c, SS));
	if (!unrestricted(c) && dpl != (sel(c, SS) & 3))
		fail(c, FIELDS(segs[SS].ar, segs[SS].sel),
		     "SS.DPL %u must equal SS.RPL (without \"unrestricted guest\")", dpl);
	else if (dpl && (AR_TYPE(ar(c, CS)) == 3 || !(field(c, "GUEST_CR0") & CR0_PE)))
		fail(c, FIELDS(segs[SS].ar, segs[CS].ar, "GUEST_CR0"),
		     "SS.DPL must be 0 if CS type is 3 or CR0.PE is 0");
}

static void rule_guest_seg_dpl(struct ctx *c, const void *data)
{
	static const enum seg regs[] = { DS, ES, FS, GS };
	unsigned int k;

	(void)data;
	if (v8086(c) || unrestricted(c))
		return;
	for (k = 0; k < ARRAY_SIZE(regs); k++) {
		enum seg i = regs[k];

		if (usable(c, i) && AR_TYPE(ar(c, i)) <= 11 && AR_DPL(ar(c, i)) < (sel(c, i) & 3))
			fail(c, FIELDS(segs[i].ar, segs[i].sel),
			     "%s (data or non-conforming code): DPL cannot be less than the RPL",
			     segs[i].name);
	}
}

static void rule_guest_seg_p(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	for (i = ES; i < NR_SEGS; i++)
		if (ar_checked(c, i) && !(ar(c, i) & AR_P))
			fail(c, FIELDS(segs[i].ar), "%s must be present (P, bit 7)", segs[i].name);
}

static void rule_guest_ar_reserved(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	for (i = ES; i < NR_SEGS; i++)
		if (ar_checked(c, i) && (ar(c, i) & AR_RESERVED))
			fail(c, FIELDS(segs[i].ar),
			     "%s access rights: reserved bits 11:8 and 31:17 must be 0",
			     segs[i].name);
}

static void rule_guest_cs_db(struct ctx *c, const void *data)
{
	uint64_t cs = ar(c, CS);

	(void)data;
	if (!v8086(c) && ia32e_guest(c) && (cs & AR_L) && (cs & AR_DB))
		fail(c, FIELDS(segs[CS].ar, "VM_ENTRY_CONTROLS"),
		     "64-bit CS (IA-32e mode guest, L=1) must have D/B 0");
}

static void rule_guest_limit_g(struct ctx *c, const void *data)
{
	enum seg i;

	(void)data;
	for (i = ES; i < NR_SEGS; i++) {
		uint64_t limit, a;

		if (!ar_checked(c, i))
			continue;
		limit = field(c, segs[i].limit);
		a = ar(c, i);
		if ((limit & 0xfff) != 0xfff && (a & AR_G))
			fail(c, FIELDS(segs[i].limit, segs[i].ar),
			     "%s: G must be 0 as limit bits 11:0 are not all 1", segs[i].name);
		else if ((limit & GENMASK(31, 20)) && !(a & AR_G))
			fail(c, FIELDS(segs[i].limit, segs[i].ar),
			     "%s: G must be 1 as limit bits 31:20 are not all 0", segs[i].name);
	}
}

static void rule_guest_tr_type(struct ctx *c, const void *data)
{
	unsigned int type = AR_TYPE(ar(c, TR));

	(void)data;
	if (ia32e_guest(c) ? type != 11 : type != 3 && type != 11)
		fail(c, FIELDS(segs[TR].ar, "VM_ENTRY_CONTROLS"),
		     "TR type %u: must be 11 (busy 64-bit TSS)%s", type,
		     ia32e_guest(c) ? " in an IA-32e mode guest" : " or 3 (busy 16-bit TSS)");
}

static void rule_guest_tr_unusable(struct ctx *c, const void *data)
{
	(void)data;
	if (!usable(c, TR))
		fail(c, FIELDS(segs[TR].ar), "TR must be usable (unusable bit 16 is 0)");
}

static void rule_guest_ldtr_type(struct ctx *c, const void *data)
{
	(void)data;
	if (usable(c, LDTR) && AR_TYPE(ar(c, LDTR)) != 2)
		fail(c, FIELDS(segs[LDTR].ar), "a usable LDTR must have type 2 (LDT)");
}

/* ---- descriptor tables, RIP, RFLAGS: 28.3.1.3, 28.3.1.4 --------------- */

static void rule_guest_dt_limit(struct ctx *c, const void *data)
{
	static const char *const limits[] = { "GUEST_GDTR_LIMIT", "GUEST_IDTR_LIMIT" };
	int k;

	(void)data;
	for (k = 0; k < 2; k++)
		if (field(c, limits[k]) & GENMASK(31, 16))
			fail(c, FIELDS(limits[k]), "bits 31:16 of %s must be 0", limits[k]);
}

static bool cs_64bit(struct ctx *c)
{
	return ia32e_guest(c) && (ar(c, CS) & AR_L);
}

static void rule_guest_rip_high(struct ctx *c, const void *data)
{
	(void)data;
	if (!cs_64bit(c) && (field(c, "GUEST_RIP") >> 32))
		fail(c, FIELDS("GUEST_RIP", segs[CS].ar, "VM_ENTRY_CONTROLS"),
		     "RIP bits 63:32 must be 0 unless in 64-bit mode (IA-32e mode guest, CS.L=1)");
}

static void rule_guest_rip_canonical(struct ctx *c, const void *data)
{
	(void)data;
	if (cs_64bit(c) && !canonical(c, field(c, "GUEST_RIP")))
		fail(c, FIELDS("GUEST_RIP", segs[CS].ar, "VM_ENTRY_CONTROLS"),
		     "in 64-bit mode RIP must be canonical");
}

#define RFLAGS_TF	BIT(8)
#define RFLAGS_IF	BIT(9)
#define RFLAGS_VM	BIT(17)

/* SSP: bits 63:N identical, not canonical (the RIP rule's words). */
static void rule_guest_ssp_high(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, ENTRY, ENTRY_LOAD_CET) && !high_identical(c, field(c, guest_cet.ssp)))
		fail(c, FIELDS(guest_cet.ssp, "VM_ENTRY_CONTROLS"),
		     "with \"load CET state\", GUEST_SSP bits 63:%d must be identical (%d-bit linear addresses)",
		     linear_width(c), linear_width(c));
}

static void rule_guest_rflags_reserved(struct ctx *c, const void *data)
{
	uint64_t v = field(c, "GUEST_RFLAGS");

	(void)data;
	if ((v & (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))) || !(v & BIT(1)))
		fail(c, FIELDS("GUEST_RFLAGS"),
		     "RFLAGS reserved bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1");
}

static void rule_guest_rflags_vm(struct ctx *c, const void *data)
{
	(void)data;
	if (v8086(c) && (ia32e_guest(c) || !(field(c, "GUEST_CR0") & CR0_PE)))
		fail(c, FIELDS("GUEST_RFLAGS", "GUEST_CR0", "VM_ENTRY_CONTROLS"),
		     "RFLAGS.VM must be 0 in an IA-32e mode guest or with CR0.PE=0");
}

static void rule_guest_rflags_if(struct ctx *c, const void *data)
{
	(void)data;
	if (injecting(c, TYPE_EXT_INTR) && !(field(c, "GUEST_RFLAGS") & RFLAGS_IF))
		fail(c, FIELDS("GUEST_RFLAGS", "VM_ENTRY_INTR_INFO_FIELD"),
		     "injecting an external interrupt requires RFLAGS.IF=1");
}

/* ---- non-register state: 28.3.1.5 -------------------------------------- */

enum { ACTIVE, HLT, SHUTDOWN, WAIT_FOR_SIPI };
#define BLOCK_STI	BIT(0)
#define BLOCK_MOV_SS	BIT(1)
#define BLOCK_SMI	BIT(2)
#define BLOCK_NMI	BIT(3)
#define ENCLAVE_INTR	BIT(4)

static void rule_activity_state(struct ctx *c, const void *data)
{
	uint64_t act = field(c, "GUEST_ACTIVITY_STATE");

	(void)data;
	if (act > WAIT_FOR_SIPI)
		fail(c, FIELDS("GUEST_ACTIVITY_STATE"), "activity state %llu is reserved",
		     (unsigned long long)act);
	else if (act && !(vmx_msr(c, MSR_MISC) & BIT(5 + act)))
		fail(c, FIELDS("GUEST_ACTIVITY_STATE", "IA32_VMX_MISC"),
		     "activity state %llu is not supported (IA32_VMX_MISC[%d])",
		     (unsigned long long)act, (int)(5 + act));
}

static void rule_activity_hlt_dpl(struct ctx *c, const void *data)
{
	(void)data;
	if (field(c, "GUEST_ACTIVITY_STATE") == HLT && AR_DPL(ar(c, SS)))
		fail(c, FIELDS("GUEST_ACTIVITY_STATE", segs[SS].ar),
		     "activity state HLT requires SS.DPL=0");
}

static void rule_activity_blocking(struct ctx *c, const void *data)
{
	(void)data;
	if ((field(c, "GUEST_INTERRUPTIBILITY_INFO") & (BLOCK_STI | BLOCK_MOV_SS)) &&
	    field(c, "GUEST_ACTIVITY_STATE") != ACTIVE)
		fail(c, FIELDS("GUEST_ACTIVITY_STATE", "GUEST_INTERRUPTIBILITY_INFO"),
		     "blocking by STI or MOV SS requires the active state");
}

static void rule_activity_injection(struct ctx *c, const void *data)
{
	uint64_t info = injected(c), act;
	unsigned int type = INTR_TYPE(info), vector = INTR_VECTOR(info);
	bool ok;

	(void)data;
	if (!info)
		return;
	act = field(c, "GUEST_ACTIVITY_STATE");
	switch (act) {
	case HLT:
		ok = type == TYPE_EXT_INTR || type == TYPE_NMI ||
		     (type == TYPE_HW_EXCEPTION && (vector == 1 || vector == 18)) ||
		     (type == TYPE_OTHER && vector == 0);
		break;
	case SHUTDOWN:
		ok = type == TYPE_NMI || (type == TYPE_HW_EXCEPTION && vector == 18);
		break;
	case WAIT_FOR_SIPI:
		ok = false;
		break;
	default:
		ok = true;
	}
	if (!ok)
		fail(c, FIELDS("GUEST_ACTIVITY_STATE", "VM_ENTRY_INTR_INFO_FIELD"),
		     "activity state %llu blocks the injected event (type %u vector %u)",
		     (unsigned long long)act, type, vector);
}

static void rule_activity_sipi_smm(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, ENTRY, ENTRY_SMM) && field(c, "GUEST_ACTIVITY_STATE") == WAIT_FOR_SIPI)
		fail(c, FIELDS("GUEST_ACTIVITY_STATE", "VM_ENTRY_CONTROLS"),
		     "\"entry to SMM\" excludes the wait-for-SIPI state");
}

static uint64_t intr_state(struct ctx *c)
{
	return field(c, "GUEST_INTERRUPTIBILITY_INFO");
}

static void rule_intr_reserved(struct ctx *c, const void *data)
{
	(void)data;
	if (intr_state(c) & GENMASK(31, 5))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO"),
		     "interruptibility-state reserved bits 31:5 must be 0");
}

static void rule_intr_sti_movss(struct ctx *c, const void *data)
{
	(void)data;
	if ((intr_state(c) & (BLOCK_STI | BLOCK_MOV_SS)) == (BLOCK_STI | BLOCK_MOV_SS))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO"),
		     "blocking by STI and by MOV SS cannot both be 1");
}

static void rule_intr_sti_if(struct ctx *c, const void *data)
{
	(void)data;
	if ((intr_state(c) & BLOCK_STI) && !(field(c, "GUEST_RFLAGS") & RFLAGS_IF))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO", "GUEST_RFLAGS"),
		     "blocking by STI requires RFLAGS.IF=1");
}

static void rule_intr_ext_inj(struct ctx *c, const void *data)
{
	(void)data;
	if (injecting(c, TYPE_EXT_INTR) && (intr_state(c) & (BLOCK_STI | BLOCK_MOV_SS)))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO", "VM_ENTRY_INTR_INFO_FIELD"),
		     "injecting an external interrupt requires no blocking by STI or MOV SS");
}

static void rule_intr_nmi_inj(struct ctx *c, const void *data)
{
	(void)data;
	if (injecting(c, TYPE_NMI) && (intr_state(c) & BLOCK_MOV_SS))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO", "VM_ENTRY_INTR_INFO_FIELD"),
		     "injecting an NMI requires no blocking by MOV SS");
}

static void rule_intr_smi(struct ctx *c, const void *data)
{
	(void)data;
	if (intr_state(c) & BLOCK_SMI)
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO"),
		     "blocking by SMI must be 0 outside SMM");
}

static void rule_intr_vnmi_inj(struct ctx *c, const void *data)
{
	(void)data;
	if (on(c, PIN, PIN_VIRTUAL_NMIS) && injecting(c, TYPE_NMI) &&
	    (intr_state(c) & BLOCK_NMI))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO", "VM_ENTRY_INTR_INFO_FIELD",
			       "PIN_BASED_VM_EXEC_CONTROL"),
		     "with \"virtual NMIs\", injecting an NMI requires no blocking by NMI");
}

static void rule_intr_enclave(struct ctx *c, const void *data)
{
	uint64_t v = intr_state(c);

	(void)data;
	if ((v & ENCLAVE_INTR) && (v & BLOCK_MOV_SS))
		fail(c, FIELDS("GUEST_INTERRUPTIBILITY_INFO"),
		     "enclave interruption (bit 4) requires no blocking by MOV SS");
}

#define PENDING_BS	BIT(14)
#define PENDING_RTM	BIT(16)

static void rule_pending_dbg_reserved(struct ctx *c, const void *data)
{
	(void)data;
	if (field(c, "GUEST_PENDING_DBG_EXCEPTIONS") &
	    (GENMASK(11, 4) | BIT(13) | BIT(15) | GENMASK(63, 17)))
		fail(c, FIELDS("GUEST_PENDING_DBG_EXCEPTIONS"),
		     "pending debug exceptions: bits 11:4, 13, 15 and 63:17 must be 0");
}

static void rule_pending_dbg_bs(struct ctx *c, const void *data)
{
	bool tf, btf, bs;

	(void)data;
	if (!(intr_state(c) & (BLOCK_STI | BLOCK_MOV_SS)) &&
	    field(c, "GUEST_ACTIVITY_STATE") != HLT)
		return;
	tf = field(c, "GUEST_RFLAGS") & RFLAGS_TF;
	btf = field(c, "GUEST_IA32_DEBUGCTL") & BIT(1);
	bs = field(c, "GUEST_PENDING_DBG_EXCEPTIONS") & PENDING_BS;
	if (bs != (tf && !btf))
		fail(c, FIELDS("GUEST_PENDING_DBG_EXCEPTIONS", "GUEST_RFLAGS",
			       "GUEST_IA32_DEBUGCTL", "GUEST_INTERRUPTIBILITY_INFO",
			       "GUEST_ACTIVITY_STATE"),
		     "with STI/MOV SS blocking or HLT, pending BS (bit 14) must be 1 exactly when RFLAGS.TF=1 and IA32_DEBUGCTL.BTF=0");
}

static void rule_pending_dbg_rtm(struct ctx *c, const void *data)
{
	uint64_t v = field(c, "GUEST_PENDING_DBG_EXCEPTIONS");

	(void)data;
	if (!(v & PENDING_RTM))
		return;
	if ((v & (GENMASK(11, 0) | GENMASK(15, 13))) || !(v & BIT(12)) ||
	    (intr_state(c) & BLOCK_MOV_SS))
		fail(c, FIELDS("GUEST_PENDING_DBG_EXCEPTIONS", "GUEST_INTERRUPTIBILITY_INFO"),
		     "with RTM (bit 16): bits 11:0 and 15:13 must be 0, bit 12 must be 1, and no blocking by MOV SS");
}

static void rule_link_pointer(struct ctx *c, const void *data)
{
	uint64_t v = field(c, "VMCS_LINK_POINTER");

	(void)data;
	if (v != ~0ULL && ((v & 0xfff) || beyond_pa(c, v)))
		fail(c, FIELDS("VMCS_LINK_POINTER"),
		     "a VMCS link pointer other than FFFFFFFF_FFFFFFFFH must be 4-KByte aligned and within the physical-address width");
}

/* ---- PDPTEs: 28.3.1.6 -------------------------------------------------- */

static void rule_pdpte_reserved(struct ctx *c, const void *data)
{
	static const char *const pdptrs[] = {
		"GUEST_PDPTR0", "GUEST_PDPTR1", "GUEST_PDPTR2", "GUEST_PDPTR3"
	};
	int k;

	(void)data;
	if (!on(c, PROC2, PROC2_EPT) || ia32e_guest(c) ||
	    !(field(c, "GUEST_CR0") & CR0_PG) || !(field(c, "GUEST_CR4") & CR4_PAE))
		return;
	for (k = 0; k < 4; k++) {
		uint64_t v = field(c, pdptrs[k]);

		if ((v & 1) && ((v & (GENMASK(2, 1) | GENMASK(8, 5) | GENMASK(63, 52))) ||
				beyond_pa(c, v)))
			fail(c, FIELDS(pdptrs[k], "GUEST_CR4"),
			     "PAE paging with EPT: present %s sets reserved bits (2:1, 8:5, beyond the physical-address width)",
			     pdptrs[k]);
	}
}

/* ---- the rules, in the SDM's order ------------------------------------- */

static const struct rule rules[] = {
	{ "ctl-pin-reserved", "28.2.1.1", rule_ctl_reserved, &cap_pin },
	{ "ctl-proc-reserved", "28.2.1.1", rule_ctl_reserved, &cap_proc },
	{ "ctl-proc2-reserved", "28.2.1.1", rule_ctl_reserved, &cap_proc2 },
	{ "ctl-proc3-reserved", "28.2.1.1", rule_ctl_reserved, &cap_proc3 },
	{ "ctl-cr3-target-count", "28.2.1.1", rule_cr3_target_count, NULL },
	{ "ctl-io-bitmaps", "28.2.1.1", rule_ctl_addr, &addr_io_bitmaps },
	{ "ctl-msr-bitmap", "28.2.1.1", rule_ctl_addr, &addr_msr_bitmap },
	{ "ctl-virtual-apic-addr", "28.2.1.1", rule_ctl_addr, &addr_virtual_apic },
	{ "ctl-tpr-threshold", "28.2.1.1", rule_tpr_threshold, NULL },
	{ "ctl-x2apic-tpr", "28.2.1.1", rule_ctl_dep, &dep_x2apic_tpr },
	{ "ctl-apic-reg-tpr", "28.2.1.1", rule_ctl_dep, &dep_apic_reg_tpr },
	{ "ctl-vid-tpr", "28.2.1.1", rule_ctl_dep, &dep_vid_tpr },
	{ "ctl-virtual-nmis", "28.2.1.1", rule_ctl_dep, &dep_vnmi },
	{ "ctl-nmi-window", "28.2.1.1", rule_ctl_dep, &dep_nmi_window },
	{ "ctl-apic-access-addr", "28.2.1.1", rule_ctl_addr, &addr_apic_access },
	{ "ctl-x2apic-apic-access", "28.2.1.1", rule_ctl_dep, &dep_x2apic_apic_access },
	{ "ctl-vid-ext-int", "28.2.1.1", rule_ctl_dep, &dep_vid_ext_int },
	{ "ctl-posted-intr-vid", "28.2.1.1", rule_ctl_dep, &dep_posted_vid },
	{ "ctl-posted-intr-ack", "28.2.1.1", rule_ctl_dep, &dep_posted_ack },
	{ "ctl-posted-intr-vector", "28.2.1.1", rule_posted_intr_vector, NULL },
	{ "ctl-posted-intr-desc", "28.2.1.1", rule_ctl_addr, &addr_posted_desc },
	{ "ctl-vpid", "28.2.1.1", rule_vpid, NULL },
	{ "ctl-eptp-memtype", "28.2.1.1", rule_eptp_memtype, NULL },
	{ "ctl-eptp-walk", "28.2.1.1", rule_eptp_walk, NULL },
	{ "ctl-eptp-ad", "28.2.1.1", rule_eptp_ad, NULL },
	{ "ctl-eptp-reserved", "28.2.1.1", rule_eptp_reserved, NULL },
	{ "ctl-pml-ept", "28.2.1.1", rule_ctl_dep, &dep_pml_ept },
	{ "ctl-pml-addr", "28.2.1.1", rule_ctl_addr, &addr_pml },
	{ "ctl-unrestricted-ept", "28.2.1.1", rule_ctl_dep, &dep_ug_ept },
	{ "ctl-spp-ept", "28.2.1.1", rule_ctl_dep, &dep_spp_ept },
	{ "ctl-mbec-ept", "28.2.1.1", rule_ctl_dep, &dep_mbec_ept },
	{ "ctl-vmfunc-reserved", "28.2.1.1", rule_vmfunc_reserved, NULL },
	{ "ctl-eptp-switching-ept", "28.2.1.1", rule_ctl_dep, &dep_eptp_switching_ept },
	{ "ctl-eptp-list-addr", "28.2.1.1", rule_ctl_addr, &addr_eptp_list },
	{ "ctl-shadow-vmcs-bitmaps", "28.2.1.1", rule_ctl_addr, &addr_shadow_vmcs },
	{ "ctl-ve-info-addr", "28.2.1.1", rule_ctl_addr, &addr_ve_info },
	{ "ctl-exit-reserved", "28.2.1.2", rule_ctl_reserved, &cap_exit },
	{ "ctl-preemption-save", "28.2.1.2", rule_ctl_dep, &dep_preemption_save },
	{ "ctl-exit-msr-store", "28.2.1.2", rule_msr_area, &area_exit_store },
	{ "ctl-exit-msr-load", "28.2.1.2", rule_msr_area, &area_exit_load },
	{ "ctl-entry-reserved", "28.2.1.3", rule_ctl_reserved, &cap_entry },
	{ "entry-intr-type", "28.2.1.3", rule_entry_intr_type, NULL },
	{ "entry-intr-vector", "28.2.1.3", rule_entry_intr_vector, NULL },
	{ "entry-intr-error-code", "28.2.1.3", rule_entry_intr_error_code, NULL },
	{ "entry-intr-reserved", "28.2.1.3", rule_entry_intr_reserved, NULL },
	{ "entry-error-code", "28.2.1.3", rule_entry_error_code, NULL },
	{ "entry-insn-len", "28.2.1.3", rule_entry_insn_len, NULL },
	{ "ctl-entry-msr-load", "28.2.1.3", rule_msr_area, &area_entry_load },
	{ "ctl-entry-smm", "28.2.1.3", rule_entry_smm, NULL },
	{ "host-cr0-fixed", "28.2.2", rule_host_cr0_fixed, NULL },
	{ "host-cr4-fixed", "28.2.2", rule_host_cr4_fixed, NULL },
	{ "host-cet-wp", "28.2.2", rule_cet_wp, &host_crs },
	{ "host-cr3-width", "28.2.2", rule_host_cr3, NULL },
	{ "host-sysenter-canonical", "28.2.2", rule_canonical, &host_sysenter },
	{ "host-pat", "28.2.2", rule_pat, &host_pat },
	{ "host-efer-reserved", "28.2.2", rule_efer_reserved, &host_efer },
	{ "host-efer-lma-lme", "28.2.2", rule_host_efer_lma, NULL },
	{ "host-cet-s-cet", "28.2.2", rule_cet_s_cet, &host_cet },
	{ "host-cet-ssp-align", "28.2.2", rule_cet_ssp_align, &host_cet },
	{ "host-cet-ssp-table", "28.2.2", rule_cet_canonical, &host_cet },
	{ "host-sel-rpl-ti", "28.2.3", rule_host_sel_rpl_ti, NULL },
	{ "host-sel-null", "28.2.3", rule_host_sel_null, NULL },
	{ "host-base-canonical", "28.2.3", rule_canonical, &host_bases },
	{ "host-addr-space-mode", "28.2.4", rule_host_addr_space_mode, NULL },
	{ "host-addr-space-guest", "28.2.4", rule_host_addr_space_guest, NULL },
	{ "host-addr-space-0", "28.2.4", rule_host_addr_space_0, NULL },
	{ "host-addr-space-1", "28.2.4", rule_host_addr_space_1, NULL },
	{ "host-cet-addr-space", "28.2.4", rule_host_addr_space_cet, NULL },
	{ "guest-cr0-fixed", "28.3.1.1", rule_guest_cr0_fixed, NULL },
	{ "guest-cr0-pg-pe", "28.3.1.1", rule_guest_cr0_pg_pe, NULL },
	{ "guest-cr4-fixed", "28.3.1.1", rule_guest_cr4_fixed, NULL },
	{ "guest-cet-wp", "28.3.1.1", rule_cet_wp, &guest_crs },
	{ "guest-debugctl", "28.3.1.1", rule_guest_debugctl, NULL },
	{ "guest-ia32e-paging", "28.3.1.1", rule_guest_ia32e_paging, NULL },
	{ "guest-cr4-pcide", "28.3.1.1", rule_guest_cr4_pcide, NULL },
	{ "guest-cr3-width", "28.3.1.1", rule_guest_cr3, NULL },
	{ "guest-dr7-high", "28.3.1.1", rule_guest_dr7, NULL },
	{ "guest-sysenter-canonical", "28.3.1.1", rule_canonical, &guest_sysenter },
	{ "guest-pat", "28.3.1.1", rule_pat, &guest_pat },
	{ "guest-efer-reserved", "28.3.1.1", rule_efer_reserved, &guest_efer },
	{ "guest-efer-lma", "28.3.1.1", rule_guest_efer_lma, NULL },
	{ "guest-bndcfgs", "28.3.1.1", rule_guest_bndcfgs, NULL },
	{ "guest-cet-s-cet", "28.3.1.1", rule_cet_s_cet, &guest_cet },
	{ "guest-cet-canonical", "28.3.1.1", rule_cet_canonical, &guest_cet },
	{ "guest-tr-ti", "28.3.1.2", rule_guest_tr_ti, NULL },
	{ "guest-ldtr-ti", "28.3.1.2", rule_guest_ldtr_ti, NULL },
	{ "guest-ss-rpl", "28.3.1.2", rule_guest_ss_rpl, NULL },
	{ "guest-seg-base-v8086", "28.3.1.2", rule_guest_base_v8086, NULL },
	{ "guest-seg-base-canonical", "28.3.1.2", rule_guest_base_canonical, NULL },
	{ "guest-seg-base-high", "28.3.1.2", rule_guest_base_high, NULL },
	{ "guest-seg-limit-v8086", "28.3.1.2", rule_guest_limit_v8086, NULL },
	{ "guest-seg-ar-v8086", "28.3.1.2", rule_guest_ar_v8086, NULL },
	{ "guest-cs-type", "28.3.1.2", rule_guest_cs_type, NULL },
	{ "guest-ss-type", "28.3.1.2", rule_guest_ss_type, NULL },
	{ "guest-seg-type", "28.3.1.2", rule_guest_seg_type, NULL },
	{ "guest-seg-s", "28.3.1.2", rule_guest_seg_s, NULL },
	{ "guest-cs-dpl", "28.3.1.2", rule_guest_cs_dpl, NULL },
	{ "guest-ss-dpl", "28.3.1.2", rule_guest_ss_dpl, NULL },
	{ "guest-seg-dpl", "28.3.1.2", rule_guest_seg_dpl, NULL },
	{ "guest-seg-p", "28.3.1.2", rule_guest_seg_p, NULL },
	{ "guest-seg-ar-reserved", "28.3.1.2", rule_guest_ar_reserved, NULL },
	{ "guest-cs-db", "28.3.1.2", rule_guest_cs_db, NULL },
	{ "guest-seg-limit-g", "28.3.1.2", rule_guest_limit_g, NULL },
	{ "guest-tr-type", "28.3.1.2", rule_guest_tr_type, NULL },
	{ "guest-tr-unusable", "28.3.1.2", rule_guest_tr_unusable, NULL },
	{ "guest-ldtr-type", "28.3.1.2", rule_guest_ldtr_type, NULL },
	{ "guest-dt-base-canonical", "28.3.1.3", rule_canonical, &guest_dt_bases },
	{ "guest-dt-limit", "28.3.1.3", rule_guest_dt_limit, NULL },
	{ "guest-rip-high", "28.3.1.4", rule_guest_rip_high, NULL },
	{ "guest-rip-canonical", "28.3.1.4", rule_guest_rip_canonical, NULL },
	{ "guest-rflags-reserved", "28.3.1.4", rule_guest_rflags_reserved, NULL },
	{ "guest-rflags-vm", "28.3.1.4", rule_guest_rflags_vm, NULL },
	{ "guest-rflags-if", "28.3.1.4", rule_guest_rflags_if, NULL },
	{ "guest-cet-ssp-align", "28.3.1.4", rule_cet_ssp_align, &guest_cet },
	{ "guest-cet-ssp-high", "28.3.1.4", rule_guest_ssp_high, NULL },
	{ "guest-activity-state", "28.3.1.5", rule_activity_state, NULL },
	{ "guest-activity-hlt-dpl", "28.3.1.5", rule_activity_hlt_dpl, NULL },
	{ "guest-activity-blocking", "28.3.1.5", rule_activity_blocking, NULL },
	{ "guest-activity-injection", "28.3.1.5", rule_activity_injection, NULL },
	{ "guest-activity-sipi-smm", "28.3.1.5", rule_activity_sipi_smm, NULL },
	{ "guest-intr-reserved", "28.3.1.5", rule_intr_reserved, NULL },
	{ "guest-intr-sti-movss", "28.3.1.5", rule_intr_sti_movss, NULL },
	{ "guest-intr-sti-if", "28.3.1.5", rule_intr_sti_if, NULL },
	{ "guest-intr-ext-inj", "28.3.1.5", rule_intr_ext_inj, NULL },
	{ "guest-intr-nmi-inj", "28.3.1.5", rule_intr_nmi_inj, NULL },
	{ "guest-intr-smi", "28.3.1.5", rule_intr_smi, NULL },
	{ "guest-intr-vnmi-inj", "28.3.1.5", rule_intr_vnmi_inj, NULL },
	{ "guest-intr-enclave", "28.3.1.5", rule_intr_enclave, NULL },
	{ "guest-pending-dbg-reserved", "28.3.1.5", rule_pending_dbg_reserved, NULL },
	{ "guest-pending-dbg-bs", "28.3.1.5", rule_pending_dbg_bs, NULL },
	{ "guest-pending-dbg-rtm", "28.3.1.5", rule_pending_dbg_rtm, NULL },
	{ "guest-link-pointer", "28.3.1.5", rule_link_pointer, NULL },
	{ "guest-pdpte-reserved", "28.3.1.6", rule_pdpte_reserved, NULL },
};

#define NR_RULES	((int)ARRAY_SIZE(rules))
static_assert(ARRAY_SIZE(rules) <= CHECK_MAX_RULES, "CHECK_MAX_RULES");

static void add_missing(struct check_report *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_missing; i++)
		if (!strcmp(r->missing[i], name))
			return;
	if (r->nr_missing < CHECK_MAX_RULES)
		r->missing[r->nr_missing++] = name;
}

int check(const struct snapshot *s, struct check_report *r)
{
	struct ctx c = { .s = s, .r = r };
	int i, k, failures, dropped;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < NR_RULES; i++) {
		c.rule = &rules[i];
		c.nr_missing = 0;
		failures = r->nr_failures;
		dropped = r->nr_dropped;
		rules[i].run(&c, rules[i].data);
		if (!c.nr_missing) {
			r->nr_rules++;
			continue;
		}
		/* Not evaluated: whatever it found rests on a value it did not have. */
		r->nr_failures = failures;
		r->nr_dropped = dropped;
		r->skipped[r->nr_skipped++] = rules[i].id;
		for (k = 0; k < c.nr_missing; k++)
			add_missing(r, c.missing[k]);
	}
	return r->nr_failures + r->nr_dropped;
}

/* ---- output ------------------------------------------------------------ */

/* The value of an involved field or MSR, as hex of its width; false if absent. */
static bool value_text(const struct snapshot *s, const char *name, char *buf, size_t size)
{
	const struct snap_field *f = snap_find(s, name);
	uint64_t v;
	int i;

	if (f) {
		snprintf(buf, size, "0x%0*llx", f->width / 4, (unsigned long long)f->value);
		return true;
	}
	for (i = 0; i < NR_VMX_MSRS; i++) {
		if (strcmp(msr_names[i], name))
			continue;
		if (!snap_msr(s, MSR_VMX_FIRST + i, &v))
			break;
		snprintf(buf, size, "0x%016llx", (unsigned long long)v);
		return true;
	}
	snprintf(buf, size, "absent");
	return false;
}

static int failed_rules(const struct check_report *r)
{
	int i, k, n = 0;

	for (i = 0; i < r->nr_failures; i++) {
		for (k = 0; k < i && strcmp(r->failures[k].id, r->failures[i].id); k++)
			;
		n += k == i;
	}
	return n;
}

static void print_text(FILE *f, const struct snapshot *s, const struct check_report *r)
{
	const struct check_failure *fl;
	char buf[32];
	int i, k;

	for (i = 0; i < r->nr_failures; i++) {
		fl = &r->failures[i];
		fprintf(f, "FAIL %s %s: %s", fl->section, fl->id, fl->message);
		for (k = 0; k < CHECK_MAX_FIELDS && fl->fields[k]; k++) {
			value_text(s, fl->fields[k], buf, sizeof(buf));
			fprintf(f, "%s%s=%s", k ? " " : " [", fl->fields[k], buf);
		}
		fprintf(f, "%s\n", k ? "]" : "");
	}
	if (r->nr_dropped)
		fprintf(f, "(%d more failures not shown)\n", r->nr_dropped);
	if (s->next_note[0])
		fprintf(f, "next VM entry: %s\n", s->next_note);
	fprintf(f, "%d checks, %d failed, %d not evaluated", r->nr_rules + r->nr_skipped,
		failed_rules(r), r->nr_skipped);
	if (r->nr_skipped) {
		fprintf(f, " (missing: ");
		for (i = 0; i < r->nr_missing; i++)
			fprintf(f, "%s%s", i ? ", " : "", r->missing[i]);
		fprintf(f, ")");
	}
	fprintf(f, "\n");
}

static void print_json(FILE *f, const struct snapshot *s, const struct check_report *r)
{
	const struct check_failure *fl;
	char buf[32];
	int i, k;

	fprintf(f, "{\"dir\":");
	json_str(f, s->dir);
	fprintf(f, ",\"rules\":%d,\"evaluated\":%d,\"failures\":[", r->nr_rules + r->nr_skipped,
		r->nr_rules);
	for (i = 0; i < r->nr_failures; i++) {
		fl = &r->failures[i];
		fprintf(f, "%s{\"id\":", i ? "," : "");
		json_str(f, fl->id);
		fprintf(f, ",\"section\":");
		json_str(f, fl->section);
		fprintf(f, ",\"message\":");
		json_str(f, fl->message);
		fprintf(f, ",\"fields\":{");
		for (k = 0; k < CHECK_MAX_FIELDS && fl->fields[k]; k++) {
			fprintf(f, "%s", k ? "," : "");
			json_str(f, fl->fields[k]);
			fputc(':', f);
			if (value_text(s, fl->fields[k], buf, sizeof(buf)))
				json_str(f, buf);
			else
				fprintf(f, "null");
		}
		fprintf(f, "}}");
	}
	fprintf(f, "],\"dropped\":%d,\"skipped\":[", r->nr_dropped);
	for (i = 0; i < r->nr_skipped; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, r->skipped[i]);
	}
	fprintf(f, "],\"missing\":[");
	for (i = 0; i < r->nr_missing; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, r->missing[i]);
	}
	fprintf(f, "],\"next_entry\":");
	if (s->next_note[0])
		json_str(f, s->next_note);
	else
		fprintf(f, "null");
	fprintf(f, ",\"enters\":%s}\n", r->nr_failures || r->nr_dropped ? "false" : "true");
}

void check_print(FILE *f, const struct snapshot *s, const struct check_report *r, bool json)
{
	if (json)
		print_json(f, s, r);
	else
		print_text(f, s, r);
}
