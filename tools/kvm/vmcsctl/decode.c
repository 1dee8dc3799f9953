// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * "vmcsctl show": the fields of a VMCS snapshot, grouped by the areas of
 * the VMCS and each with its meaning.
 *
 * Bit names, bit positions and value encodings are those of the Intel SDM,
 * Vol. 3C, chapters "Virtual Machine Control Structures" (formats of the
 * guest-state, control and exit-information fields), "VM Exits" (exit
 * qualifications) and "VMX Instruction Reference" (VM-instruction error
 * numbers); Vol. 3A, chapter 2 (CR0, CR4, EFLAGS, IA32_EFER), chapter 3
 * (segment descriptor types), chapter 6 (exception vectors), chapter 13
 * (IA32_PAT) and chapter 18 (DR7, DR6).  Section and table numbers are
 * those of the 2024-2025 editions, as in check.c.  The tables below are
 * data: a list of {bit, name} per register or control field, decoded by one
 * function.
 *
 * Fields are looked up by name; a field that no table knows is still
 * printed, raw, in the group its type gives it.
 */
#include <stdarg.h>
#include <string.h>
#include <asm/vmx.h>

#include "vmcsctl.h"

/* A bounded string being built: never overflows, silently truncates. */
struct sbuf {
	char *buf;
	size_t size;
	size_t len;
};

/**
 * sb_add() - append to a string buffer
 * @sb: the buffer
 * @sep: printed first if the buffer is not empty (NULL for none)
 * @fmt: printf format of what to append
 */
static void sb_add(struct sbuf *sb, const char *sep, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->len + 1 >= sb->size)
		return;
	if (sep && sb->len) {
		n = snprintf(sb->buf + sb->len, sb->size - sb->len, "%s", sep);
		sb->len += n;
		if (sb->len >= sb->size)
			sb->len = sb->size - 1;
	}
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += n;
	if (sb->len >= sb->size)
		sb->len = sb->size - 1;
}

/*
 * One named bit, or a field of @len bits at @bit (printed as NAME=value when
 * not zero).
 */
struct bit_name {
	unsigned char bit;
	unsigned char len;
	const char *name;
};

/*
 * A register or control field as a list of named bits.  @quiet: bits not
 * named that are not reported (reserved-to-one bits of the VMX controls,
 * fixed bits); @none: the text for a value with no bit set.
 */
struct bit_table {
	const struct bit_name *bits;
	unsigned int nr;
	const char *sep;
	uint64_t quiet;
	const char *none;
};

/*
 * SDM Vol. 3C, Table 26-5 (25-5 in 2019-2023, 24-5 in 2016 editions):
 * pin-based VM-execution controls.
 */
static const struct bit_name pin_bits[] = {
	{ 0, 1, "external-interrupt exiting" },
	{ 3, 1, "NMI exiting" },
	{ 5, 1, "virtual NMIs" },
	{ 6, 1, "activate VMX-preemption timer" },
	{ 7, 1, "process posted interrupts" },
};

/* Table 26-6: primary processor-based VM-execution controls. */
static const struct bit_name proc_bits[] = {
	{ 2, 1, "interrupt-window exiting" },
	{ 3, 1, "use TSC offsetting" },
	{ 7, 1, "HLT exiting" },
	{ 9, 1, "INVLPG exiting" },
	{ 10, 1, "MWAIT exiting" },
	{ 11, 1, "RDPMC exiting" },
	{ 12, 1, "RDTSC exiting" },
	{ 15, 1, "CR3-load exiting" },
	{ 16, 1, "CR3-store exiting" },
	{ 17, 1, "activate tertiary controls" },
	{ 19, 1, "CR8-load exiting" },
	{ 20, 1, "CR8-store exiting" },
	{ 21, 1, "use TPR shadow" },
	{ 22, 1, "NMI-window exiting" },
	{ 23, 1, "MOV-DR exiting" },
	{ 24, 1, "unconditional I/O exiting" },
	{ 25, 1, "use I/O bitmaps" },
	{ 27, 1, "monitor trap flag" },
	{ 28, 1, "use MSR bitmaps" },
	{ 29, 1, "MONITOR exiting" },
	{ 30, 1, "PAUSE exiting" },
	{ 31, 1, "activate secondary controls" },
};

/* Table 26-7: secondary processor-based VM-execution controls. */
static const struct bit_name proc2_bits[] = {
	{ 0, 1, "virtualize APIC accesses" },
	{ 1, 1, "enable EPT" },
	{ 2, 1, "descriptor-table exiting" },
	{ 3, 1, "enable RDTSCP" },
	{ 4, 1, "virtualize x2APIC mode" },
	{ 5, 1, "enable VPID" },
	{ 6, 1, "WBINVD exiting" },
	{ 7, 1, "unrestricted guest" },
	{ 8, 1, "APIC-register virtualization" },
	{ 9, 1, "virtual-interrupt delivery" },
	{ 10, 1, "PAUSE-loop exiting" },
	{ 11, 1, "RDRAND exiting" },
	{ 12, 1, "enable INVPCID" },
	{ 13, 1, "enable VM functions" },
	{ 14, 1, "VMCS shadowing" },
	{ 15, 1, "enable ENCLS exiting" },
	{ 16, 1, "RDSEED exiting" },
	{ 17, 1, "enable PML" },
	{ 18, 1, "EPT-violation #VE" },
	{ 19, 1, "conceal VMX from PT" },
	{ 20, 1, "enable XSAVES/XRSTORS" },
	{ 21, 1, "PASID translation" },
	{ 22, 1, "mode-based execute control for EPT" },
	{ 23, 1, "sub-page write permissions for EPT" },
	{ 24, 1, "Intel PT uses guest physical addresses" },
	{ 25, 1, "use TSC scaling" },
	{ 26, 1, "enable user wait and pause" },
	{ 27, 1, "enable PCONFIG" },
	{ 28, 1, "enable ENCLV exiting" },
	{ 30, 1, "VMM bus-lock detection" },
	{ 31, 1, "instruction timeout" },
};

/* Table 26-8: tertiary processor-based VM-execution controls. */
static const struct bit_name proc3_bits[] = {
	{ 0, 1, "LOADIWKEY exiting" },
	{ 1, 1, "enable HLAT" },
	{ 2, 1, "EPT paging-write control" },
	{ 3, 1, "guest-paging verification" },
	{ 4, 1, "IPI virtualization" },
	{ 7, 1, "virtualize IA32_SPEC_CTRL" },
};

/* Table 26-13: (primary) VM-exit controls. */
static const struct bit_name exit_bits[] = {
	{ 2, 1, "save debug controls" },
	{ 9, 1, "host address-space size" },
	{ 12, 1, "load IA32_PERF_GLOBAL_CTRL" },
	{ 15, 1, "acknowledge interrupt on exit" },
	{ 18, 1, "save IA32_PAT" },
	{ 19, 1, "load IA32_PAT" },
	{ 20, 1, "save IA32_EFER" },
	{ 21, 1, "load IA32_EFER" },
	{ 22, 1, "save VMX-preemption timer value" },
	{ 23, 1, "clear IA32_BNDCFGS" },
	{ 24, 1, "conceal VMX from PT" },
	{ 25, 1, "clear IA32_RTIT_CTL" },
	{ 26, 1, "clear IA32_LBR_CTL" },
	{ 27, 1, "clear UINV" },
	{ 28, 1, "load CET state" },
	{ 29, 1, "load PKRS" },
	{ 30, 1, "save IA32_PERF_GLOBAL_CTL" },
	{ 31, 1, "activate secondary controls" },
};

/* Table 26-15: VM-entry controls. */
static const struct bit_name entry_bits[] = {
	{ 2, 1, "load debug controls" },
	{ 9, 1, "IA-32e mode guest" },
	{ 10, 1, "entry to SMM" },
	{ 11, 1, "deactivate dual-monitor treatment" },
	{ 13, 1, "load IA32_PERF_GLOBAL_CTRL" },
	{ 14, 1, "load IA32_PAT" },
	{ 15, 1, "load IA32_EFER" },
	{ 16, 1, "load IA32_BNDCFGS" },
	{ 17, 1, "conceal VMX from PT" },
	{ 18, 1, "load IA32_RTIT_CTL" },
	{ 19, 1, "load UINV" },
	{ 20, 1, "load CET state" },
	{ 21, 1, "load guest IA32_LBR_CTL" },
	{ 22, 1, "load PKRS" },
};

/*
 * The "default1" bits of the controls (SDM Vol. 3D, Appendix A.2-A.5):
 * reserved, set by every VMM, so not worth a "bit N" each.
 */
#define PIN_DEFAULT1	0x00000016ULL	/* bits 1, 2, 4 */
#define PROC_DEFAULT1	0x0401e172ULL	/* bits 1, 4-6, 8, 13-16, 26 */
#define EXIT_DEFAULT1	0x00036dffULL	/* bits 0-8, 10, 11, 13, 14, 16, 17 */
#define ENTRY_DEFAULT1	0x000011ffULL	/* bits 0-8, 12 */

static const struct bit_table pin_ctls = {
	.bits = pin_bits, .nr = ARRAY_SIZE(pin_bits), .sep = ", ", .quiet = PIN_DEFAULT1,
};

static const struct bit_table proc_ctls = {
	.bits = proc_bits, .nr = ARRAY_SIZE(proc_bits), .sep = ", ", .quiet = PROC_DEFAULT1,
};

static const struct bit_table proc2_ctls = {
	.bits = proc2_bits, .nr = ARRAY_SIZE(proc2_bits), .sep = ", ",
};

static const struct bit_table proc3_ctls = {
	.bits = proc3_bits, .nr = ARRAY_SIZE(proc3_bits), .sep = ", ",
};

static const struct bit_table exit_ctls = {
	.bits = exit_bits, .nr = ARRAY_SIZE(exit_bits), .sep = ", ", .quiet = EXIT_DEFAULT1,
};

static const struct bit_table entry_ctls = {
	.bits = entry_bits, .nr = ARRAY_SIZE(entry_bits), .sep = ", ", .quiet = ENTRY_DEFAULT1,
};

/* SDM Vol. 3A, Table 6-1: exception and interrupt vectors. */
static const struct bit_name vector_bits[] = {
	{ 0, 1, "#DE" }, { 1, 1, "#DB" }, { 2, 1, "NMI" }, { 3, 1, "#BP" },
	{ 4, 1, "#OF" }, { 5, 1, "#BR" }, { 6, 1, "#UD" }, { 7, 1, "#NM" },
	{ 8, 1, "#DF" }, { 10, 1, "#TS" }, { 11, 1, "#NP" }, { 12, 1, "#SS" },
	{ 13, 1, "#GP" }, { 14, 1, "#PF" }, { 16, 1, "#MF" }, { 17, 1, "#AC" },
	{ 18, 1, "#MC" }, { 19, 1, "#XM" }, { 20, 1, "#VE" }, { 21, 1, "#CP" },
};

static const struct bit_table exception_bitmap = {
	.bits = vector_bits, .nr = ARRAY_SIZE(vector_bits), .sep = " ",
};

/* SDM Vol. 3A, 2.5: CR0 and CR4. */
static const struct bit_name cr0_bits[] = {
	{ 0, 1, "PE" }, { 1, 1, "MP" }, { 2, 1, "EM" }, { 3, 1, "TS" },
	{ 4, 1, "ET" }, { 5, 1, "NE" }, { 16, 1, "WP" }, { 18, 1, "AM" },
	{ 29, 1, "NW" }, { 30, 1, "CD" }, { 31, 1, "PG" },
};

static const struct bit_name cr4_bits[] = {
	{ 0, 1, "VME" }, { 1, 1, "PVI" }, { 2, 1, "TSD" }, { 3, 1, "DE" },
	{ 4, 1, "PSE" }, { 5, 1, "PAE" }, { 6, 1, "MCE" }, { 7, 1, "PGE" },
	{ 8, 1, "PCE" }, { 9, 1, "OSFXSR" }, { 10, 1, "OSXMMEXCPT" }, { 11, 1, "UMIP" },
	{ 12, 1, "LA57" }, { 13, 1, "VMXE" }, { 14, 1, "SMXE" }, { 16, 1, "FSGSBASE" },
	{ 17, 1, "PCIDE" }, { 18, 1, "OSXSAVE" }, { 19, 1, "KL" }, { 20, 1, "SMEP" },
	{ 21, 1, "SMAP" }, { 22, 1, "PKE" }, { 23, 1, "CET" }, { 24, 1, "PKS" },
	{ 25, 1, "UINTR" }, { 27, 1, "LASS" }, { 28, 1, "LAM_SUP" },
};

/* SDM Vol. 3A, 2.2.1: IA32_EFER. */
static const struct bit_name efer_bits[] = {
	{ 0, 1, "SCE" }, { 8, 1, "LME" }, { 10, 1, "LMA" }, { 11, 1, "NXE" },
	{ 12, 1, "SVME" }, { 13, 1, "LMSLE" }, { 14, 1, "FFXSR" }, { 15, 1, "TCE" },
};

/* SDM Vol. 1, 3.4.3: EFLAGS; bit 1 is always 1. */
static const struct bit_name rflags_bits[] = {
	{ 0, 1, "CF" }, { 2, 1, "PF" }, { 4, 1, "AF" }, { 6, 1, "ZF" },
	{ 7, 1, "SF" }, { 8, 1, "TF" }, { 9, 1, "IF" }, { 10, 1, "DF" },
	{ 11, 1, "OF" }, { 12, 2, "IOPL" }, { 14, 1, "NT" }, { 16, 1, "RF" },
	{ 17, 1, "VM" }, { 18, 1, "AC" }, { 19, 1, "VIF" }, { 20, 1, "VIP" },
	{ 21, 1, "ID" },
};

/* SDM Vol. 3B, 18.2.4: DR7; bit 10 is always 1. */
static const struct bit_name dr7_bits[] = {
	{ 0, 1, "L0" }, { 1, 1, "G0" }, { 2, 1, "L1" }, { 3, 1, "G1" },
	{ 4, 1, "L2" }, { 5, 1, "G2" }, { 6, 1, "L3" }, { 7, 1, "G3" },
	{ 8, 1, "LE" }, { 9, 1, "GE" }, { 11, 1, "RTM" }, { 13, 1, "GD" },
	{ 16, 2, "RW0" }, { 18, 2, "LEN0" }, { 20, 2, "RW1" }, { 22, 2, "LEN1" },
	{ 24, 2, "RW2" }, { 26, 2, "LEN2" }, { 28, 2, "RW3" }, { 30, 2, "LEN3" },
};

static const struct bit_table cr0_table = {
	.bits = cr0_bits, .nr = ARRAY_SIZE(cr0_bits), .sep = " ",
};

static const struct bit_table cr4_table = {
	.bits = cr4_bits, .nr = ARRAY_SIZE(cr4_bits), .sep = " ",
};

static const struct bit_table efer_table = {
	.bits = efer_bits, .nr = ARRAY_SIZE(efer_bits), .sep = " ",
};

static const struct bit_table rflags_table = {
	.bits = rflags_bits, .nr = ARRAY_SIZE(rflags_bits), .sep = " ", .quiet = 1ULL << 1,
};

static const struct bit_table dr7_table = {
	.bits = dr7_bits, .nr = ARRAY_SIZE(dr7_bits), .sep = " ", .quiet = 1ULL << 10,
};

/*
 * SDM Vol. 1, chapter 17 (CET), and Vol. 4, Table 2-2: IA32_U_CET and
 * IA32_S_CET; bits 9:6 are reserved, 63:12 are EB_LEG_BITMAP_BASE, decoded
 * by dec_s_cet().
 */
static const struct bit_name cet_bits[] = {
	{ 0, 1, "SH_STK_EN" }, { 1, 1, "WR_SHSTK_EN" }, { 2, 1, "ENDBR_EN" },
	{ 3, 1, "LEG_IW_EN" }, { 4, 1, "NO_TRACK_EN" }, { 5, 1, "SUPPRESS_DIS" },
	{ 10, 1, "SUPPRESS" }, { 11, 1, "TRACKER" },
};

static const struct bit_table cet_table = {
	.bits = cet_bits, .nr = ARRAY_SIZE(cet_bits), .sep = " ",
};

/* SDM Vol. 3C, Table 26-3: interruptibility state. */
static const struct bit_name intr_state_bits[] = {
	{ 0, 1, "blocking by STI" },
	{ 1, 1, "blocking by MOV SS" },
	{ 2, 1, "blocking by SMI" },
	{ 3, 1, "blocking by NMI" },
	{ 4, 1, "enclave interruption" },
};

/* Table 26-4: pending debug exceptions. */
static const struct bit_name pending_dbg_bits[] = {
	{ 0, 1, "B0" }, { 1, 1, "B1" }, { 2, 1, "B2" }, { 3, 1, "B3" },
	{ 12, 1, "enabled breakpoint" }, { 14, 1, "BS" }, { 16, 1, "RTM" },
};

/* Table 26-20 (guest interrupt status): RVI and SVI. */
static const struct bit_name intr_status_bits[] = {
	{ 0, 8, "RVI" }, { 8, 8, "SVI" },
};

static const struct bit_table intr_state_table = {
	.bits = intr_state_bits, .nr = ARRAY_SIZE(intr_state_bits),
	.sep = ", ", .none = "no blocking",
};

static const struct bit_table pending_dbg_table = {
	.bits = pending_dbg_bits, .nr = ARRAY_SIZE(pending_dbg_bits), .sep = " ", .none = "none",
};

static const struct bit_table intr_status_table = {
	.bits = intr_status_bits, .nr = ARRAY_SIZE(intr_status_bits), .sep = " ",
};

/* SDM Vol. 3C, Table 26-18 (Format of Exit Reason): the bits above the basic reason. */
static const struct bit_name exit_reason_bits[] = {
	{ 27, 1, "enclave mode" },
	{ 28, 1, "pending MTF VM exit" },
	{ 29, 1, "VM exit from VMX root operation" },
	{ 31, 1, "VM-entry failure" },
};

static const struct bit_table exit_reason_flags = {
	.bits = exit_reason_bits, .nr = ARRAY_SIZE(exit_reason_bits), .sep = ", ", .quiet = 0xffff,
};

/*
 * Table 29-1 (28-1 in 2019-2023, 27-1 in 2016 editions): exit qualification
 * for debug exceptions.
 */
static const struct bit_name dbg_qual_bits[] = {
	{ 0, 1, "B0" }, { 1, 1, "B1" }, { 2, 1, "B2" }, { 3, 1, "B3" },
	{ 13, 1, "BD" }, { 14, 1, "BS" }, { 16, 1, "RTM" },
};

static const struct bit_table dbg_qual_table = {
	.bits = dbg_qual_bits, .nr = ARRAY_SIZE(dbg_qual_bits), .sep = " ",
};

/* Table 29-7: exit qualification for EPT violations, bits 9 and up. */
static const struct bit_name ept_qual_bits[] = {
	{ 9, 1, "user-mode linear address" },
	{ 10, 1, "read/write page" },
	{ 11, 1, "execute-disable page" },
	{ 12, 1, "NMI unblocking due to IRET" },
	{ 13, 1, "shadow-stack access" },
	{ 14, 1, "supervisor shadow-stack page" },
	{ 15, 1, "guest-paging verification" },
	{ 16, 1, "asynchronous to instruction execution" },
};

/* Bits 8:0 are decoded by dec_exit_qual(). */
static const struct bit_table ept_qual_table = {
	.bits = ept_qual_bits, .nr = ARRAY_SIZE(ept_qual_bits), .sep = ", ", .quiet = 0x1ff,
};

/* A value and its meaning. */
struct val_name {
	uint64_t val;
	const char *name;
};

/* @quiet: nothing for a value not in the table (else "unknown value N"). */
struct val_table {
	const struct val_name *vals;
	unsigned int nr;
	bool quiet;
};

/* SDM Vol. 3C, Table 26-2 (activity state). */
static const struct val_name activity_vals[] = {
	{ 0, "active" }, { 1, "HLT" }, { 2, "shutdown" }, { 3, "wait-for-SIPI" },
};

/*
 * SDM Vol. 3C, Table 32-1 (31-1 in 2019-2023, 30-1 in 2016 editions):
 * VM-instruction error numbers.
 */
static const struct val_name insn_error_vals[] = {
	{ 0, "no error" },
	{ 1, "VMCALL executed in VMX root operation" },
	{ 2, "VMCLEAR with invalid physical address" },
	{ 3, "VMCLEAR with VMXON pointer" },
	{ 4, "VMLAUNCH with non-clear VMCS" },
	{ 5, "VMRESUME with non-launched VMCS" },
	{ 6, "VMRESUME after VMXOFF" },
	{ 7, "VM entry with invalid control field(s)" },
	{ 8, "VM entry with invalid host-state field(s)" },
	{ 9, "VMPTRLD with invalid physical address" },
	{ 10, "VMPTRLD with VMXON pointer" },
	{ 11, "VMPTRLD with incorrect VMCS revision identifier" },
	{ 12, "VMREAD/VMWRITE from/to unsupported VMCS component" },
	{ 13, "VMWRITE to read-only VMCS component" },
	{ 15, "VMXON executed in VMX root operation" },
	{ 16, "VM entry with invalid executive-VMCS pointer" },
	{ 17, "VM entry with non-launched executive VMCS" },
	{ 18, "VM entry with executive-VMCS pointer not VMXON pointer" },
	{ 19, "VMCALL with non-clear VMCS" },
	{ 20, "VMCALL with invalid VM-exit control fields" },
	{ 22, "VMCALL with incorrect MSEG revision identifier" },
	{ 23, "VMXOFF under dual-monitor treatment of SMIs and SMM" },
	{ 24, "VMCALL with invalid SMM-monitor features" },
	{ 25, "VM entry with invalid VM-execution control fields in executive VMCS" },
	{ 26, "VM entry with events blocked by MOV SS" },
	{ 28, "invalid operand to INVEPT/INVVPID" },
};

/*
 * SDM Vol. 3C, 28.8 (27.8 in 2019-2023, 26.7 in 2016): exit qualification
 * of a VM-entry failure, reason 33.
 */
static const struct val_name entry_fail_vals[] = {
	{ 0, "" },
	{ 2, "failure loading PDPTEs" },
	{ 3, "NMI injection blocked by STI" },
	{ 4, "invalid VMCS link pointer" },
};

static const struct val_name link_pointer_vals[] = {
	{ UINT64_MAX, "none" },
};

static const struct val_table activity_table = {
	.vals = activity_vals, .nr = ARRAY_SIZE(activity_vals),
};

static const struct val_table insn_error_table = {
	.vals = insn_error_vals, .nr = ARRAY_SIZE(insn_error_vals),
};

static const struct val_table entry_fail_table = {
	.vals = entry_fail_vals, .nr = ARRAY_SIZE(entry_fail_vals),
};

static const struct val_table link_pointer_table = {
	.vals = link_pointer_vals, .nr = ARRAY_SIZE(link_pointer_vals), .quiet = true,
};

/* Basic exit reasons: the kernel's uapi table. */
static const struct {
	unsigned int reason;
	const char *name;
} exit_reasons[] = { VMX_EXIT_REASONS };

/* SDM Vol. 3C, Table 26-17 and 26-19: interruption types. */
static const char *const intr_types[8] = {
	"external interrupt", "reserved type 1", "NMI", "hardware exception",
	"software interrupt", "privileged software exception", "software exception",
	"other event",
};

/* The meaning of bits 11 and 12 of an interruption-information field. */
struct intr_format {
	const char *bit11;
	const char *bit12;	/* NULL: reserved */
};

static const struct intr_format intr_exit = { "error code valid", "NMI unblocking due to IRET" };
static const struct intr_format intr_idt = { "error code valid", NULL };
static const struct intr_format intr_entry = { "deliver error code", NULL };

/* SDM Vol. 3A, 13.12.2: memory types of IA32_PAT. */
static const char *const pat_types[8] = { "UC", "WC", "2?", "3?", "WT", "WP", "WB", "UC-" };

static const char *const gpr_names[16] = {
	"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
	"R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static const char *bit_name(const struct bit_table *t, unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->bits[i].bit == bit)
			return t->bits[i].name;
	return NULL;
}

/**
 * decode_bits() - the set bits of @v by name
 * @sb: where to append
 * @v: the value
 * @t: the names of the bits
 *
 * Named bits in ascending order, multi-bit fields as NAME=value when not
 * zero, other set bits as "bit N" unless @t->quiet has them.
 */
static void decode_bits(struct sbuf *sb, uint64_t v, const struct bit_table *t)
{
	const struct bit_name *b;
	unsigned int bit, i;
	uint64_t field;

	if (!v && t->none) {
		sb_add(sb, t->sep, "%s", t->none);
		return;
	}
	for (bit = 0; bit < 64; bit++) {
		for (i = 0, b = NULL; i < t->nr; i++)
			if (t->bits[i].bit == bit)
				b = &t->bits[i];
		if (b && b->len > 1) {
			field = (v >> bit) & ((1ULL << b->len) - 1);
			if (field)
				sb_add(sb, t->sep, "%s=%llu", b->name, (unsigned long long)field);
			bit += b->len - 1;
		} else if (v & (1ULL << bit)) {
			if (b)
				sb_add(sb, t->sep, "%s", b->name);
			else if (!(t->quiet & (1ULL << bit)))
				sb_add(sb, t->sep, "bit %u", bit);
		}
	}
}

static void decode_value(struct sbuf *sb, uint64_t v, const struct val_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++) {
		if (t->vals[i].val == v) {
			sb_add(sb, ", ", "%s", t->vals[i].name);
			return;
		}
	}
	if (!t->quiet)
		sb_add(sb, ", ", "unknown value %llu", (unsigned long long)v);
}

static void dec_bits(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	(void)s;
	decode_bits(sb, v, arg);
}

static void dec_value(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	(void)s;
	decode_value(sb, v, arg);
}

/*
 * A guest/host mask: the named bits the host owns (set: the guest reads
 * them from the read shadow, writing them exits) and those the guest owns.
 */
static void dec_mask(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	const struct bit_table *t = arg;
	unsigned int i, owner;

	(void)s;
	for (owner = 0; owner < 2; owner++) {
		sb_add(sb, "; ", "%s-owned", owner ? "guest" : "host");
		for (i = 0; i < t->nr; i++)
			if (((v >> t->bits[i].bit) & 1) == !owner)
				sb_add(sb, " ", "%s", t->bits[i].name);
	}
}

static void dec_pat(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	unsigned int i;

	(void)s;
	(void)arg;
	sb_add(sb, NULL, "PA0-7");
	for (i = 0; i < 8; i++)
		sb_add(sb, " ", "%s", pat_types[(v >> (8 * i)) & 7]);
	if (v & 0xf8f8f8f8f8f8f8f8ULL)
		sb_add(sb, ", ", "reserved bits set");
}

/*
 * Segment access rights (SDM Vol. 3C, Table 26-2; types: Vol. 3A, Tables
 * 3-1 and 3-2).
 */
static void dec_ar(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	static const char *const system_types[16] = {
		"reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
		"16-bit call gate", "task gate", "16-bit interrupt gate", "16-bit trap gate",
		"reserved", "32/64-bit TSS (available)", "reserved", "32/64-bit TSS (busy)",
		"32/64-bit call gate", "reserved", "32/64-bit interrupt gate",
		"32/64-bit trap gate",
	};
	static const struct bit_name flag_bits[] = {
		{ 7, 1, "P" }, { 12, 1, "AVL" }, { 13, 1, "L" }, { 14, 1, "D/B" },
		{ 15, 1, "G" },
	};
	static const struct bit_table flags = {
		.bits = flag_bits, .nr = ARRAY_SIZE(flag_bits), .sep = ", ",
	};
	unsigned int type = v & 0xf;

	(void)s;
	(void)arg;
	/* The other bits of an unusable segment are mostly ignored: after it. */
	if (v & 0x10000) {
		sb_add(sb, NULL, "unusable");
		if (!(v & 0xffff))
			return;
	}
	if (!(v & 0x10))
		sb_add(sb, ", ", "type %u %s", type, system_types[type]);
	else if (type & 8)
		sb_add(sb, ", ", "type %u code %s%s%s, S", type,
		       type & 2 ? "execute/read" : "execute-only",
		       type & 4 ? " conforming" : "", type & 1 ? " accessed" : "");
	else
		sb_add(sb, ", ", "type %u data %s%s%s, S", type,
		       type & 2 ? "read/write" : "read-only",
		       type & 4 ? " expand-down" : "", type & 1 ? " accessed" : "");
	sb_add(sb, ", ", "DPL %u", (unsigned int)(v >> 5) & 3);
	decode_bits(sb, v & ~0x1007fULL, &flags);
}

/* Interruption-information fields (SDM Vol. 3C, Tables 26-17, 26-19, 26-20). */
static void dec_intr_info(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	const struct intr_format *fmt = arg;
	unsigned int vector = v & 0xff, type = (v >> 8) & 7, bit;
	const char *name = NULL;

	(void)s;
	if (!v) {
		sb_add(sb, NULL, "not valid");
		return;
	}
	if (type == 2 || type == 3 || type == 5 || type == 6)
		name = bit_name(&exception_bitmap, vector);
	sb_add(sb, NULL, "vector %u%s%s, %s", vector, name ? " " : "", name ? name : "",
	       intr_types[type]);
	if (v & (1 << 11))
		sb_add(sb, ", ", "%s", fmt->bit11);
	if ((v & (1 << 12)) && fmt->bit12)
		sb_add(sb, ", ", "%s", fmt->bit12);
	for (bit = fmt->bit12 ? 13 : 12; bit < 31; bit++)
		if (v & (1ULL << bit))
			sb_add(sb, ", ", "bit %u", bit);
	sb_add(sb, ", ", "%s", v & (1ULL << 31) ? "valid" : "not valid");
}

static const char *exit_reason_name(unsigned int basic)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exit_reasons); i++)
		if (exit_reasons[i].reason == basic)
			return exit_reasons[i].name;
	return NULL;
}

static void dec_exit_reason(struct sbuf *sb, const struct snapshot *s, uint64_t v,
			    const void *arg)
{
	const char *name = exit_reason_name(v & 0xffff);

	(void)s;
	(void)arg;
	if (name)
		sb_add(sb, NULL, "%s (%u)", name, (unsigned int)(v & 0xffff));
	else
		sb_add(sb, NULL, "reason %u", (unsigned int)(v & 0xffff));
	decode_bits(sb, v, &exit_reason_flags);
}

/* Exit qualification of an I/O instruction (SDM Vol. 3C, Table 29-5). */
static void io_qual(struct sbuf *sb, uint64_t v)
{
	static const char *const sizes[8] = {
		"1-byte", "2-byte", "size 2?", "4-byte", "size 4?", "size 5?", "size 6?", "size 7?"
	};

	sb_add(sb, NULL, "%s%s%s %s port 0x%04x (%s)", v & (1 << 5) ? "REP " : "",
	       v & (1 << 3) ? "IN" : "OUT", v & (1 << 4) ? "S" : "", sizes[v & 7],
	       (unsigned int)(v >> 16) & 0xffff, v & (1 << 6) ? "immediate" : "DX");
	if (v & ~0xffff007fULL)
		sb_add(sb, ", ", "reserved bits set");
}

/* Exit qualification of a control-register access (SDM Vol. 3C, Table 29-3). */
static void cr_qual(struct sbuf *sb, uint64_t v)
{
	unsigned int cr = v & 0xf, gpr = (v >> 8) & 0xf;

	switch ((v >> 4) & 3) {
	case 0:
		sb_add(sb, NULL, "MOV to CR%u from %s", cr, gpr_names[gpr]);
		break;
	case 1:
		sb_add(sb, NULL, "MOV from CR%u to %s", cr, gpr_names[gpr]);
		break;
	case 2:
		sb_add(sb, NULL, "CLTS");
		break;
	default:
		sb_add(sb, NULL, "LMSW from %s, source data 0x%04x",
		       v & (1 << 6) ? "memory" : "register", (unsigned int)(v >> 16) & 0xffff);
		break;
	}
}

/* Exit qualification of an EPT violation (SDM Vol. 3C, Table 29-7). */
static void ept_qual(struct sbuf *sb, uint64_t v)
{
	static const char *const access[] = { "data read", "data write", "instruction fetch" };
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (v & (1 << i))
			sb_add(sb, " and ", "%s", access[i]);
	if (!(v & 7))
		sb_add(sb, NULL, "no access bit");
	sb_add(sb, ", ", "EPT entry %c%c%c%s%s", v & (1 << 3) ? 'R' : '-',
	       v & (1 << 4) ? 'W' : '-', v & (1 << 5) ? 'X' : '-',
	       v & (1 << 6) ? " user-X" : "", v & 0x78 ? "" : " (not present)");
	if (v & (1 << 7))
		sb_add(sb, ", ", "guest linear address valid, %s",
		       v & (1 << 8) ? "access to the translated address" :
		       "access to a paging-structure entry");
	else
		sb_add(sb, ", ", "no guest linear address");
	decode_bits(sb, v, &ept_qual_table);
}

/**
 * dec_exit_qual() - the exit qualification, by the basic exit reason
 * @sb: where to append
 * @s: the snapshot, for VM_EXIT_REASON and VM_EXIT_INTR_INFO
 * @v: the exit qualification
 * @arg: unused
 *
 * I/O instructions, control-register and debug-register accesses, EPT
 * violations, #PF and #DB exceptions and VM-entry failures; nothing for
 * other reasons.
 */
static void dec_exit_qual(struct sbuf *sb, const struct snapshot *s, uint64_t v,
			  const void *arg)
{
	uint64_t reason, info;
	unsigned int vector;

	(void)arg;
	if (!snap_get(s, "VM_EXIT_REASON", &reason))
		return;
	if (reason & (1ULL << 31)) {
		if ((reason & 0xffff) == EXIT_REASON_INVALID_STATE)
			decode_value(sb, v, &entry_fail_table);
		else if ((reason & 0xffff) == EXIT_REASON_MSR_LOAD_FAIL)
			sb_add(sb, NULL, "MSR-load entry %llu failed", (unsigned long long)v);
		return;
	}
	switch (reason & 0xffff) {
	case EXIT_REASON_EXCEPTION_NMI:
		if (!snap_get(s, "VM_EXIT_INTR_INFO", &info) || ((info >> 8) & 7) != 3)
			break;
		vector = info & 0xff;
		if (vector == 14) {
			sb_add(sb, NULL, "#PF linear address 0x%llx", (unsigned long long)v);
		} else if (vector == 1) {
			sb_add(sb, NULL, "#DB:");
			decode_bits(sb, v, &dbg_qual_table);
		}
		break;
	case EXIT_REASON_CR_ACCESS:
		cr_qual(sb, v);
		break;
	case EXIT_REASON_DR_ACCESS:
		sb_add(sb, NULL, "MOV %s DR%u %s %s", v & (1 << 4) ? "from" : "to",
		       (unsigned int)v & 7, v & (1 << 4) ? "to" : "from",
		       gpr_names[(v >> 8) & 0xf]);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		io_qual(sb, v);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		ept_qual(sb, v);
		break;
	}
}

/* The EPT pointer (SDM Vol. 3C, Table 26-9). */
static void dec_eptp(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	static const char *const types[8] = { "UC", "1?", "2?", "3?", "4?", "5?", "WB", "7?" };

	(void)s;
	(void)arg;
	if (!v)
		return;
	sb_add(sb, NULL, "%s, %u-level", types[v & 7], (unsigned int)((v >> 3) & 7) + 1);
	if (v & (1 << 6))
		sb_add(sb, ", ", "A/D flags");
	if (v & (1 << 7))
		sb_add(sb, ", ", "supervisor shadow-stack control");
}

/* IA32_S_CET: its flags, then the legacy code-page bitmap's address. */
static void dec_s_cet(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg)
{
	(void)s;
	(void)arg;
	decode_bits(sb, v & 0xfff, &cet_table);
	if (v & ~0xfffULL)
		sb_add(sb, " ", "EB_LEG_BITMAP_BASE=0x%llx", (unsigned long long)(v & ~0xfffULL));
}

typedef void decode_fn(struct sbuf *sb, const struct snapshot *s, uint64_t v, const void *arg);

/* Which fields have a meaning: a name, or a pattern with one '*'. */
static const struct decoder {
	const char *pattern;
	decode_fn *fn;
	const void *arg;
} decoders[] = {
	{ "PIN_BASED_VM_EXEC_CONTROL", dec_bits, &pin_ctls },
	{ "CPU_BASED_VM_EXEC_CONTROL", dec_bits, &proc_ctls },
	{ "SECONDARY_VM_EXEC_CONTROL", dec_bits, &proc2_ctls },
	{ "TERTIARY_VM_EXEC_CONTROL", dec_bits, &proc3_ctls },
	{ "VM_EXIT_CONTROLS", dec_bits, &exit_ctls },
	{ "VM_ENTRY_CONTROLS", dec_bits, &entry_ctls },
	{ "EXCEPTION_BITMAP", dec_bits, &exception_bitmap },
	{ "EPT_POINTER", dec_eptp, NULL },
	{ "VM_EXIT_REASON", dec_exit_reason, NULL },
	{ "EXIT_QUALIFICATION", dec_exit_qual, NULL },
	{ "VM_EXIT_INTR_INFO", dec_intr_info, &intr_exit },
	{ "IDT_VECTORING_INFO_FIELD", dec_intr_info, &intr_idt },
	{ "VM_ENTRY_INTR_INFO_FIELD", dec_intr_info, &intr_entry },
	{ "VM_INSTRUCTION_ERROR", dec_value, &insn_error_table },
	{ "GUEST_*_AR_BYTES", dec_ar, NULL },
	{ "GUEST_INTERRUPTIBILITY_INFO", dec_bits, &intr_state_table },
	{ "GUEST_ACTIVITY_STATE", dec_value, &activity_table },
	{ "GUEST_PENDING_DBG_EXCEPTIONS", dec_bits, &pending_dbg_table },
	{ "GUEST_INTR_STATUS", dec_bits, &intr_status_table },
	{ "VMCS_LINK_POINTER", dec_value, &link_pointer_table },
	{ "GUEST_CR0", dec_bits, &cr0_table },
	{ "HOST_CR0", dec_bits, &cr0_table },
	{ "CR0_GUEST_HOST_MASK", dec_mask, &cr0_table },
	{ "CR0_READ_SHADOW", dec_bits, &cr0_table },
	{ "GUEST_CR4", dec_bits, &cr4_table },
	{ "HOST_CR4", dec_bits, &cr4_table },
	{ "CR4_GUEST_HOST_MASK", dec_mask, &cr4_table },
	{ "CR4_READ_SHADOW", dec_bits, &cr4_table },
	{ "GUEST_IA32_EFER", dec_bits, &efer_table },
	{ "HOST_IA32_EFER", dec_bits, &efer_table },
	{ "GUEST_RFLAGS", dec_bits, &rflags_table },
	{ "GUEST_DR7", dec_bits, &dr7_table },
	{ "GUEST_IA32_PAT", dec_pat, NULL },
	{ "HOST_IA32_PAT", dec_pat, NULL },
	{ "GUEST_S_CET", dec_s_cet, NULL },
	{ "HOST_S_CET", dec_s_cet, NULL },
};

/* @name matches @pattern, where a '*' stands for any string. */
static bool match(const char *pattern, const char *name)
{
	const char *star = strchr(pattern, '*');
	size_t pre, post, len = strlen(name);

	if (!star)
		return !strcmp(pattern, name);
	pre = star - pattern;
	post = strlen(star + 1);
	return len >= pre + post && !strncmp(pattern, name, pre) &&
	       !strcmp(star + 1, name + len - post);
}

void decode_brief(const struct snapshot *s, const struct snap_field *field,
		  char *buf, size_t size)
{
	struct sbuf sb = { .buf = buf, .size = size };
	unsigned int i;

	if (!size)
		return;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(decoders); i++) {
		if (match(decoders[i].pattern, field->name)) {
			decoders[i].fn(&sb, s, field->value, decoders[i].arg);
			return;
		}
	}
}

/* The groups of show, in the SDM's order of the VMCS areas. */
enum group {
	GROUP_GUEST,
	GROUP_HOST,
	GROUP_EXEC,
	GROUP_EXIT,
	GROUP_ENTRY,
	GROUP_INFO,
	NR_GROUPS
};

/* Special entries of an order list: a segment (4 fields) or a descriptor table (2). */
enum item_kind { ITEM_FIELD, ITEM_SEGMENT, ITEM_DTR };

struct item {
	const char *name;	/* field name, or GUEST_<SEG> / GUEST_<DTR> */
	enum item_kind kind;
};

#define F(n)	{ n, ITEM_FIELD }
#define SEG(n)	{ n, ITEM_SEGMENT }
#define DTR(n)	{ n, ITEM_DTR }

/* SDM Vol. 3C, 25.4.1 and 25.4.2: guest register and non-register state. */
static const struct item guest_order[] = {
	F("GUEST_CR0"), F("GUEST_CR3"), F("GUEST_CR4"), F("GUEST_DR7"),
	F("GUEST_RSP"), F("GUEST_RIP"), F("GUEST_RFLAGS"),
	SEG("GUEST_ES"), SEG("GUEST_CS"), SEG("GUEST_SS"), SEG("GUEST_DS"),
	SEG("GUEST_FS"), SEG("GUEST_GS"), SEG("GUEST_LDTR"), SEG("GUEST_TR"),
	DTR("GUEST_GDTR"), DTR("GUEST_IDTR"),
	F("GUEST_IA32_DEBUGCTL"), F("GUEST_SYSENTER_CS"), F("GUEST_SYSENTER_ESP"),
	F("GUEST_SYSENTER_EIP"), F("GUEST_IA32_PERF_GLOBAL_CTRL"), F("GUEST_IA32_PAT"),
	F("GUEST_IA32_EFER"), F("GUEST_BNDCFGS"), F("GUEST_IA32_RTIT_CTL"),
	F("GUEST_S_CET"), F("GUEST_INTR_SSP_TABLE"), F("GUEST_SSP"),
	F("GUEST_ACTIVITY_STATE"), F("GUEST_INTERRUPTIBILITY_INFO"),
	F("GUEST_PENDING_DBG_EXCEPTIONS"), F("VMCS_LINK_POINTER"),
	F("VMX_PREEMPTION_TIMER_VALUE"), F("GUEST_PDPTR0"), F("GUEST_PDPTR1"),
	F("GUEST_PDPTR2"), F("GUEST_PDPTR3"), F("GUEST_INTR_STATUS"), F("GUEST_PML_INDEX"),
};

/* 25.5: host state. */
static const struct item host_order[] = {
	F("HOST_CR0"), F("HOST_CR3"), F("HOST_CR4"), F("HOST_RSP"), F("HOST_RIP"),
	F("HOST_ES_SELECTOR"), F("HOST_CS_SELECTOR"), F("HOST_SS_SELECTOR"),
	F("HOST_DS_SELECTOR"), F("HOST_FS_SELECTOR"), F("HOST_GS_SELECTOR"),
	F("HOST_TR_SELECTOR"), F("HOST_FS_BASE"), F("HOST_GS_BASE"), F("HOST_TR_BASE"),
	F("HOST_GDTR_BASE"), F("HOST_IDTR_BASE"), F("HOST_IA32_SYSENTER_CS"),
	F("HOST_IA32_SYSENTER_ESP"), F("HOST_IA32_SYSENTER_EIP"),
	F("HOST_IA32_PERF_GLOBAL_CTRL"), F("HOST_IA32_PAT"), F("HOST_IA32_EFER"),
	F("HOST_S_CET"), F("HOST_INTR_SSP_TABLE"), F("HOST_SSP"),
};

/* 25.6: VM-execution control fields, the controls first; the rest in dump order. */
static const struct item exec_order[] = {
	F("PIN_BASED_VM_EXEC_CONTROL"), F("CPU_BASED_VM_EXEC_CONTROL"),
	F("SECONDARY_VM_EXEC_CONTROL"), F("TERTIARY_VM_EXEC_CONTROL"),
	F("EXCEPTION_BITMAP"), F("PAGE_FAULT_ERROR_CODE_MASK"),
	F("PAGE_FAULT_ERROR_CODE_MATCH"), F("IO_BITMAP_A"), F("IO_BITMAP_B"),
	F("TSC_OFFSET"), F("TSC_MULTIPLIER"), F("CR0_GUEST_HOST_MASK"), F("CR0_READ_SHADOW"),
	F("CR4_GUEST_HOST_MASK"), F("CR4_READ_SHADOW"), F("CR3_TARGET_COUNT"),
	F("CR3_TARGET_VALUE0"), F("CR3_TARGET_VALUE1"), F("CR3_TARGET_VALUE2"),
	F("CR3_TARGET_VALUE3"),
};

/* 25.9: VM-exit information fields; the VM-instruction error field last. */
static const struct item info_order[] = {
	F("VM_EXIT_REASON"), F("EXIT_QUALIFICATION"), F("GUEST_LINEAR_ADDRESS"),
	F("GUEST_PHYSICAL_ADDRESS"), F("VM_EXIT_INTR_INFO"), F("VM_EXIT_INTR_ERROR_CODE"),
	F("IDT_VECTORING_INFO_FIELD"), F("IDT_VECTORING_ERROR_CODE"),
	F("VM_EXIT_INSTRUCTION_LEN"), F("VMX_INSTRUCTION_INFO"), F("VM_INSTRUCTION_ERROR"),
};

static const struct item exit_order[] = {
	F("VM_EXIT_CONTROLS"),
};

static const struct item entry_order[] = {
	F("VM_ENTRY_CONTROLS"),
};

static const struct {
	const char *title;
	const char *json;
	const struct item *order;
	unsigned int nr;
} groups[NR_GROUPS] = {
	[GROUP_GUEST] = { "Guest state", "guest state", guest_order, ARRAY_SIZE(guest_order) },
	[GROUP_HOST] = { "Host state", "host state", host_order, ARRAY_SIZE(host_order) },
	[GROUP_EXEC] = { "VM-execution controls", "VM-execution controls", exec_order,
			 ARRAY_SIZE(exec_order) },
	[GROUP_EXIT] = { "VM-exit controls", "VM-exit controls", exit_order,
			 ARRAY_SIZE(exit_order) },
	[GROUP_ENTRY] = { "VM-entry controls", "VM-entry controls", entry_order,
			  ARRAY_SIZE(entry_order) },
	[GROUP_INFO] = { "VM-exit information", "VM-exit information", info_order,
			 ARRAY_SIZE(info_order) },
};

static enum group group_of(const struct snap_field *f)
{
	switch (f->type) {
	case VMCSCTL_TYPE_GUEST:
		return GROUP_GUEST;
	case VMCSCTL_TYPE_HOST:
		return GROUP_HOST;
	case VMCSCTL_TYPE_EXIT_INFO:
		return GROUP_INFO;
	}
	if (!strncmp(f->name, "VM_EXIT_", 8) || !strncmp(f->name, "SECONDARY_VM_EXIT_", 18))
		return GROUP_EXIT;
	if (!strncmp(f->name, "VM_ENTRY_", 9))
		return GROUP_ENTRY;
	return GROUP_EXEC;
}

/* X_HIGH when X is in the snapshot: the upper half of a field already shown whole. */
static bool folded(const struct snapshot *s, const struct snap_field *f)
{
	size_t len = strlen(f->name);
	char base[VMCSCTL_NAME_SIZE];

	if (len <= 5 || strcmp(f->name + len - 5, "_HIGH"))
		return false;
	memcpy(base, f->name, len - 5);
	base[len - 5] = '\0';
	return snap_find(s, base);
}

/* The fields of one segment or descriptor-table item; NULL where absent. */
static int item_fields(const struct snapshot *s, const struct item *it,
		       const struct snap_field *out[4])
{
	static const char *const seg_parts[] = { "_SELECTOR", "_BASE", "_LIMIT", "_AR_BYTES" };
	static const char *const dtr_parts[] = { "_BASE", "_LIMIT" };
	const char *const *parts = it->kind == ITEM_SEGMENT ? seg_parts : dtr_parts;
	int i, n = it->kind == ITEM_SEGMENT ? 4 : 2;
	char name[VMCSCTL_NAME_SIZE];

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%s", it->name, parts[i]);
		out[i] = snap_find(s, name);
	}
	return n;
}

/* Output state: the format and the column widths. */
struct out {
	FILE *f;
	const struct snapshot *s;
	bool json;
	bool first;		/* JSON: no comma before the next field */
	bool first_group;	/* JSON: no comma before the next group */
	int name_w;		/* text: width of the name column */
	int value_w;		/* text: hex digits of the widest value */
};

#define LINE_COLS	100

/**
 * put_meaning() - end a text line with a meaning, wrapped at LINE_COLS
 * @f: output
 * @col: the column the line is at
 * @col0: where continuation lines start
 * @text: the meaning ("" for none)
 *
 * Lines break after a ", " if one fits, else at a space.
 */
static void put_meaning(FILE *f, int col, int col0, const char *text)
{
	int len, brk, i;

	if (!text[0]) {
		fputc('\n', f);
		return;
	}
	if (col + 2 + (int)strlen(text) > LINE_COLS && col + 22 > LINE_COLS) {
		fprintf(f, "\n%*s", col0, "");
		col = col0;
	} else {
		fputs("  ", f);
		col += 2;
	}
	for (;;) {
		len = strlen(text);
		if (col + len <= LINE_COLS)
			break;
		brk = -1;
		for (i = LINE_COLS - col; i > 0 && brk < 0; i--)
			if (text[i] == ' ' && text[i - 1] == ',')
				brk = i;
		for (i = LINE_COLS - col; i > 0 && brk < 0; i--)
			if (text[i] == ' ')
				brk = i;
		if (brk < 0)
			break;
		fprintf(f, "%.*s\n%*s", brk, text, col0, "");
		col = col0;
		text += brk + 1;
	}
	fprintf(f, "%s\n", text);
}

static void print_field(struct out *o, const struct snap_field *f, const char *indent)
{
	char meaning[512];
	int col;

	decode_brief(o->s, f, meaning, sizeof(meaning));
	if (o->json) {
		fprintf(o->f, "%s{\"name\":", o->first ? "" : ",");
		json_str(o->f, f->name);
		fprintf(o->f, ",\"encoding\":\"0x%x\",\"width\":%u,", (unsigned int)f->encoding,
			f->width);
		fprintf(o->f, "\"value\":\"0x%0*llx\",\"meaning\":", f->width / 4,
			(unsigned long long)f->value);
		json_str(o->f, meaning);
		fputc('}', o->f);
		o->first = false;
		return;
	}
	fprintf(o->f, "%s%-*s  0x%0*llx", indent, o->name_w, f->name, f->width / 4,
		(unsigned long long)f->value);
	col = strlen(indent) + o->name_w + 4 + f->width / 4;
	if (meaning[0]) {
		fprintf(o->f, "%*s", o->value_w - f->width / 4, "");
		col += o->value_w - f->width / 4;
	}
	put_meaning(o->f, col, strlen(indent) + o->name_w + 6 + o->value_w, meaning);
}

/*
 * A segment register or descriptor table on one line (text), in a narrower
 * name column of its own: the line is long.
 */
#define COMPOUND_NAME_W	10
static void print_compound(struct out *o, const struct item *it, const struct snap_field **p)
{
	static const char *const seg_labels[] = { "sel", "base", "limit", "ar" };
	static const char *const dtr_labels[] = { "base", "limit" };
	const char *const *labels = it->kind == ITEM_SEGMENT ? seg_labels : dtr_labels;
	int i, col, n = it->kind == ITEM_SEGMENT ? 4 : 2;
	char meaning[512] = "";

	col = fprintf(o->f, "  %-*s ", COMPOUND_NAME_W, it->name);
	for (i = 0; i < n; i++)
		if (p[i])
			col += fprintf(o->f, " %s 0x%0*llx", labels[i], p[i]->width / 4,
				       (unsigned long long)p[i]->value);
	if (it->kind == ITEM_SEGMENT && p[3])
		decode_brief(o->s, p[3], meaning, sizeof(meaning));
	put_meaning(o->f, col, COMPOUND_NAME_W + 4, meaning);
}

/**
 * print_group() - one group: the fields of its order list, then the others
 *	of the group in dump order
 * @o: output state
 * @g: the group
 * @done: per field of the snapshot, already printed (updated)
 */
static void print_group(struct out *o, enum group g, bool *done)
{
	const struct snapshot *s = o->s;
	const struct snap_field *p[4];
	bool any = false;
	unsigned int i;
	int j, k, n;

	/* Print nothing, not even the title, for a group without a field. */
	for (j = 0; j < s->nr_fields; j++)
		if (group_of(&s->fields[j]) == g && !folded(s, &s->fields[j]))
			any = true;
	if (!any)
		return;
	if (o->json) {
		fprintf(o->f, "%s{\"name\":", o->first_group ? "" : ",");
		o->first_group = false;
		json_str(o->f, groups[g].json);
		fprintf(o->f, ",\"fields\":[");
		o->first = true;
	} else {
		fprintf(o->f, "\n%s\n", groups[g].title);
	}
	for (i = 0; i < groups[g].nr; i++) {
		const struct item *it = &groups[g].order[i];

		if (it->kind == ITEM_FIELD) {
			p[0] = snap_find(s, it->name);
			n = 1;
		} else {
			n = item_fields(s, it, p);
		}
		for (k = 0, any = false; k < n; k++)
			if (p[k] && group_of(p[k]) == g && !done[p[k] - s->fields])
				any = true;
		if (!any)
			continue;
		if (it->kind != ITEM_FIELD && !o->json)
			print_compound(o, it, p);
		for (k = 0; k < n; k++) {
			if (!p[k] || group_of(p[k]) != g || done[p[k] - s->fields])
				continue;
			if (it->kind == ITEM_FIELD || o->json)
				print_field(o, p[k], "  ");
			done[p[k] - s->fields] = true;
		}
	}
	for (j = 0; j < s->nr_fields; j++) {
		if (done[j] || group_of(&s->fields[j]) != g || folded(s, &s->fields[j]))
			continue;
		print_field(o, &s->fields[j], "  ");
		done[j] = true;
	}
	if (o->json)
		fprintf(o->f, "]}");
}

/*
 * One identity item of "show --json", unless absent (-1 or ""): "key":v, or
 * "key":"0x%08llx" if @hex; *@sep goes first and is "," after it.
 */
static void json_num(FILE *f, const char **sep, const char *key, long long v, bool hex)
{
	if (v == -1)
		return;
	if (hex)
		fprintf(f, "%s\"%s\":\"0x%08llx\"", *sep, key, v);
	else
		fprintf(f, "%s\"%s\":%lld", *sep, key, v);
	*sep = ",";
}

static void json_text(FILE *f, const char **sep, const char *key, const char *v)
{
	if (!v[0])
		return;
	fprintf(f, "%s\"%s\":", *sep, key);
	json_str(f, v);
	*sep = ",";
}

/* The same for the text output: "  key v" (or "  key 0x%08llx"). */
static void text_num(FILE *f, const char *key, long long v, bool hex)
{
	if (v == -1)
		return;
	if (hex)
		fprintf(f, "  %s 0x%08llx", key, v);
	else
		fprintf(f, "  %s %lld", key, v);
}

static void text_str(FILE *f, const char *key, const char *v)
{
	if (v[0])
		fprintf(f, "  %s %s", key, v);
}

static void print_identity(struct out *o)
{
	const struct snapshot *s = o->s;
	const char *sep = "";
	FILE *f = o->f;

	if (o->json) {
		fprintf(f, ",\"identity\":{");
		json_num(f, &sep, "pid", s->pid, false);
		json_num(f, &sep, "tid", s->tid, false);
		json_text(f, &sep, "comm", s->comm);
		json_num(f, &sep, "vcpu_id", s->vcpu_id, false);
		json_num(f, &sep, "cpu", s->cpu, false);
		json_text(f, &sep, "current", s->current);
		json_num(f, &sep, "guest_mode", s->guest_mode, false);
		json_num(f, &sep, "id", s->id, false);
		json_text(f, &sep, "vm", s->vm);
		json_num(f, &sep, "revision_id", s->revision_id, true);
		json_num(f, &sep, "abort", s->abort, true);
		fputc('}', f);
		return;
	}
	fprintf(f, "VMCS %s\n", s->dir[0] ? s->dir : "?");
	if (s->pid != -1)
		fprintf(f, "  pid %ld", s->pid);
	if (s->comm[0])
		fprintf(f, " (%s)", s->comm);
	text_num(f, "tid", s->tid, false);
	text_num(f, "vcpu_id", s->vcpu_id, false);
	text_num(f, "cpu", s->cpu, false);
	text_str(f, "vm", s->vm);
	text_num(f, "id", s->id, false);
	fputc('\n', f);
	text_str(f, "current", s->current);
	text_num(f, "guest_mode", s->guest_mode, false);
	text_num(f, "revision_id", s->revision_id, true);
	text_num(f, "abort", s->abort, true);
	fputc('\n', f);
}

/* Column widths for the fields that will be printed. */
static void measure(struct out *o, const struct snap_field **list, int nr)
{
	int i, len;

	o->name_w = 10;
	o->value_w = 4;
	for (i = 0; i < nr; i++) {
		len = strlen(list[i]->name);
		if (len > o->name_w)
			o->name_w = len;
		if (list[i]->width / 4 > o->value_w)
			o->value_w = list[i]->width / 4;
	}
}

/* Only the fields named in @opts, in their order. */
static int show_selected(struct out *o, const struct show_opts *opts)
{
	const struct snap_field *list[SNAP_MAX_FIELDS];
	int i, nr = opts->nr < SNAP_MAX_FIELDS ? opts->nr : SNAP_MAX_FIELDS;

	for (i = 0; i < nr; i++) {
		list[i] = snap_find(o->s, opts->fields[i]);
		if (!list[i]) {
			fprintf(stderr, "vmcsctl: no field %s in %s\n", opts->fields[i],
				o->s->dir[0] ? o->s->dir : "the snapshot");
			return -1;
		}
	}
	if (opts->raw) {
		for (i = 0; i < nr; i++)
			fprintf(o->f, "%s 0x%0*llx\n", list[i]->name, list[i]->width / 4,
				(unsigned long long)list[i]->value);
		return 0;
	}
	if (o->json) {
		fprintf(o->f, "{\"dir\":");
		json_str(o->f, o->s->dir);
		print_identity(o);
		fprintf(o->f, ",\"fields\":[");
		o->first = true;
	}
	measure(o, list, nr);
	for (i = 0; i < nr; i++)
		print_field(o, list[i], "");
	if (o->json)
		fprintf(o->f, "]}\n");
	return 0;
}

int show(FILE *f, const struct snapshot *s, const struct show_opts *opts)
{
	const struct snap_field *list[SNAP_MAX_FIELDS];
	bool done[SNAP_MAX_FIELDS] = { false };
	struct out o = { .f = f, .s = s, .json = opts->json, .first_group = true };
	int i, nr = 0;
	int g;

	if (opts->fields && opts->nr > 0)
		return show_selected(&o, opts);
	if (opts->raw) {
		for (i = 0; i < s->nr_fields; i++)
			fprintf(f, "%s 0x%0*llx\n", s->fields[i].name,
				s->fields[i].width / 4, (unsigned long long)s->fields[i].value);
		return 0;
	}
	for (i = 0; i < s->nr_fields; i++)
		if (!folded(s, &s->fields[i]))
			list[nr++] = &s->fields[i];
	measure(&o, list, nr);
	if (o.json) {
		fprintf(f, "{\"dir\":");
		json_str(f, s->dir);
		print_identity(&o);
		fprintf(f, ",\"groups\":[");
	} else {
		print_identity(&o);
	}
	for (g = 0; g < NR_GROUPS; g++)
		print_group(&o, g, done);
	if (o.json)
		fprintf(f, "]}\n");
	return 0;
}
