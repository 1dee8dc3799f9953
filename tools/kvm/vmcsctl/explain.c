// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl explain: the VMCS dumps in a kernel log, turned into snapshots.
 *
 * KVM prints a dump of the current VMCS when a VM entry fails and
 * kvm_intel.dump_invalid_vmcs=1 (dump_vmcs() in arch/x86/kvm/vmx/vmx.c):
 * "*** Guest State ***", "CR0: actual=...", and so on.  Each line shows
 * one to seven fields in a fixed text; the table below names them.  A
 * dump shows about 80 of the VMCS's fields, and a few values that are not
 * fields at all (KVM's MSR lists, a computed EFER): those are parsed and
 * left out, so that "check" evaluates a rule only on the VMCS's own
 * values and reports the others as not evaluated.
 *
 * The text is that of Linux 6.1 to 7.3; 7.3 adds the CET lines and names
 * the MSR list "autostore", 6.12 and 7.3 add the #VE lines, and 6.1
 * prints without the "kvm_intel: " prefix.  Lines may come with the
 * prefixes of dmesg, dmesg -r/-x, /dev/kmsg, syslog and journalctl, be
 * wrapped in two, or have other messages between them.
 *
 * Xen prints its own dump of the same sections (vmcs_dump_vcpu() in
 * xen/arch/x86/hvm/vmx/vmcs.c), on a failed VM entry and for the debug key
 * 'v', every line after "(XEN) ": some lines have KVM's text, the others
 * have entries of their own below (Xen 4.12 and later; 4.19 moved
 * SecondaryExec to a line with TertiaryExec).  No line of one means
 * something else in the other, so one table serves both.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmcsctl.h"

/* Where a line may appear: the section after the last header. */
enum section { SEC_NONE, SEC_GUEST, SEC_HOST, SEC_CONTROL };

/* What a line is, beyond the fields it shows. */
enum line_kind {
	L_FIELDS,	/* fields only */
	L_START,	/* "VMCS %p, last attempted VM-entry on CPU %d" */
	L_GUEST,	/* the section headers */
	L_HOST,
	L_CONTROL,
	L_END,		/* Xen's line after a dump */
	L_VMREAD_FAILED,	/* the value printed for this field is not its own */
	L_NOT_FIELDS,	/* KVM's own data (MSR lists, computed EFER, #VE page) */
};

/*
 * Lines every dump has, in the order printed; a dump that ends without
 * one of them was cut off.  The lines after TSC_OFFSET depend on the
 * controls (expected_tail()).
 */
enum required {
	R_NONE, R_GUEST, R_CR0, R_CR4, R_CR3, R_RIP, R_RFLAGS, R_SYSENTER, R_CS, R_DS, R_SS,
	R_ES, R_FS, R_GS, R_GDTR, R_LDTR, R_IDTR, R_TR, R_EFER, R_DEBUGCTL, R_INTERRUPTIBILITY,
	R_HOST, R_HOST_RIP, R_HOST_SEL, R_HOST_BASE, R_HOST_DT, R_HOST_CR, R_HOST_SYSENTER,
	R_CONTROL, R_CPU_BASED, R_ENTRY_EXIT, R_EXCEPTIONS, R_VMENTRY, R_VMEXIT, R_REASON,
	R_IDT_VECTORING, R_TSC_OFFSET,
	/* The tail, after TSC Offset, if the controls say so. */
	R_TSC_MULTIPLIER, R_TPR, R_VIRT_APIC, R_POSTED, R_EPT, R_PLE, R_VPID,
	NR_REQUIRED
};

#define MAX_LINE_FIELDS	7

struct dump_line {
	enum section section;	/* SEC_NONE: in any section */
	enum line_kind kind;
	enum required required;
	/*
	 * The text, blanks and case as printed, but: a blank matches any
	 * run of blanks; %x is a hex number, the next of @fields (NULL: not
	 * a field); %d a decimal; %s a word; %* the rest of the line.
	 */
	const char *format;
	const char *fields[MAX_LINE_FIELDS];
};

static const struct dump_line dump_lines[] = {
	{ SEC_NONE, L_START, R_NONE, "VMCS %s last attempted VM-entry on CPU %d", { NULL } },
	{ SEC_NONE, L_GUEST, R_GUEST, "*** Guest State ***", { NULL } },
	{ SEC_NONE, L_HOST, R_HOST, "*** Host State ***", { NULL } },
	{ SEC_NONE, L_CONTROL, R_CONTROL, "*** Control State ***", { NULL } },
	{ SEC_NONE, L_END, R_NONE, "**************************************", { NULL } },
	{ SEC_NONE, L_VMREAD_FAILED, R_NONE, "vmread failed: field=%x", { NULL } },
	{ SEC_NONE, L_VMREAD_FAILED, R_NONE, "kvm: vmread failed: field=%x", { NULL } },

	{ SEC_GUEST, L_FIELDS, R_CR0, "CR0: actual=0x%x, shadow=0x%x, gh_mask=%x",
	  { "GUEST_CR0", "CR0_READ_SHADOW", "CR0_GUEST_HOST_MASK" } },
	{ SEC_GUEST, L_FIELDS, R_CR4, "CR4: actual=0x%x, shadow=0x%x, gh_mask=%x",
	  { "GUEST_CR4", "CR4_READ_SHADOW", "CR4_GUEST_HOST_MASK" } },
	{ SEC_GUEST, L_FIELDS, R_CR3, "CR3 = 0x%x", { "GUEST_CR3" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PDPTR0 = 0x%x PDPTR1 = 0x%x",
	  { "GUEST_PDPTR0", "GUEST_PDPTR1" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PDPTR2 = 0x%x PDPTR3 = 0x%x",
	  { "GUEST_PDPTR2", "GUEST_PDPTR3" } },
	{ SEC_GUEST, L_FIELDS, R_RIP, "RSP = 0x%x RIP = 0x%x", { "GUEST_RSP", "GUEST_RIP" } },
	{ SEC_GUEST, L_FIELDS, R_RFLAGS, "RFLAGS=0x%x DR7 = 0x%x",
	  { "GUEST_RFLAGS", "GUEST_DR7" } },
	{ SEC_GUEST, L_FIELDS, R_SYSENTER, "Sysenter RSP=%x CS:RIP=%x:%x",
	  { "GUEST_SYSENTER_ESP", "GUEST_SYSENTER_CS", "GUEST_SYSENTER_EIP" } },
#define SEGMENT(seg, req) \
	{ SEC_GUEST, L_FIELDS, req, #seg ": sel=0x%x, attr=0x%x, limit=0x%x, base=0x%x", \
	  { "GUEST_" #seg "_SELECTOR", "GUEST_" #seg "_AR_BYTES", "GUEST_" #seg "_LIMIT", \
	    "GUEST_" #seg "_BASE" } }
	SEGMENT(CS, R_CS), SEGMENT(DS, R_DS), SEGMENT(SS, R_SS), SEGMENT(ES, R_ES),
	SEGMENT(FS, R_FS), SEGMENT(GS, R_GS), SEGMENT(LDTR, R_LDTR), SEGMENT(TR, R_TR),
#undef SEGMENT
	{ SEC_GUEST, L_FIELDS, R_GDTR, "GDTR: limit=0x%x, base=0x%x",
	  { "GUEST_GDTR_LIMIT", "GUEST_GDTR_BASE" } },
	{ SEC_GUEST, L_FIELDS, R_IDTR, "IDTR: limit=0x%x, base=0x%x",
	  { "GUEST_IDTR_LIMIT", "GUEST_IDTR_BASE" } },
	/* Only the first is the field: KVM's MSR list, or what KVM computes. */
	{ SEC_GUEST, L_FIELDS, R_EFER, "EFER= 0x%x", { "GUEST_IA32_EFER" } },
	{ SEC_GUEST, L_NOT_FIELDS, R_EFER, "EFER= 0x%x (autoload)", { NULL } },
	{ SEC_GUEST, L_NOT_FIELDS, R_EFER, "EFER= 0x%x (effective)", { NULL } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PAT = 0x%x", { "GUEST_IA32_PAT" } },
	{ SEC_GUEST, L_FIELDS, R_DEBUGCTL, "DebugCtl = 0x%x DebugExceptions = 0x%x",
	  { "GUEST_IA32_DEBUGCTL", "GUEST_PENDING_DBG_EXCEPTIONS" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PerfGlobCtl = 0x%x", { "GUEST_IA32_PERF_GLOBAL_CTRL" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "BndCfgS = 0x%x", { "GUEST_BNDCFGS" } },
	{ SEC_GUEST, L_FIELDS, R_INTERRUPTIBILITY, "Interruptibility = %x ActivityState = %x",
	  { "GUEST_INTERRUPTIBILITY_INFO", "GUEST_ACTIVITY_STATE" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "InterruptStatus = %x", { "GUEST_INTR_STATUS" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "S_CET = 0x%x, SSP = 0x%x, SSP TABLE = 0x%x",
	  { "GUEST_S_CET", "GUEST_SSP", "GUEST_INTR_SSP_TABLE" } },
	/* Xen: values in parentheses are Xen's copies, not the VMCS's. */
	{ SEC_GUEST, L_FIELDS, R_NONE, "PDPTE0 = 0x%x PDPTE1 = 0x%x",
	  { "GUEST_PDPTR0", "GUEST_PDPTR1" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PDPTE2 = 0x%x PDPTE3 = 0x%x",
	  { "GUEST_PDPTR2", "GUEST_PDPTR3" } },
	{ SEC_GUEST, L_FIELDS, R_RIP, "RSP = 0x%x (0x%x) RIP = 0x%x (0x%x)",
	  { "GUEST_RSP", NULL, "GUEST_RIP", NULL } },
	{ SEC_GUEST, L_FIELDS, R_RFLAGS, "RFLAGS=0x%x (0x%x) DR7 = 0x%x",
	  { "GUEST_RFLAGS", NULL, "GUEST_DR7" } },
	{ SEC_GUEST, L_NOT_FIELDS, R_NONE, "sel attr limit base", { NULL } },
#define XEN_SEGMENT(seg, req) \
	{ SEC_GUEST, L_FIELDS, req, #seg ": %x %x %x %x", \
	  { "GUEST_" #seg "_SELECTOR", "GUEST_" #seg "_AR_BYTES", "GUEST_" #seg "_LIMIT", \
	    "GUEST_" #seg "_BASE" } }
	XEN_SEGMENT(CS, R_CS), XEN_SEGMENT(DS, R_DS), XEN_SEGMENT(SS, R_SS),
	XEN_SEGMENT(ES, R_ES), XEN_SEGMENT(FS, R_FS), XEN_SEGMENT(GS, R_GS),
	XEN_SEGMENT(LDTR, R_LDTR), XEN_SEGMENT(TR, R_TR),
#undef XEN_SEGMENT
	{ SEC_GUEST, L_FIELDS, R_GDTR, "GDTR: %x %x", { "GUEST_GDTR_LIMIT", "GUEST_GDTR_BASE" } },
	{ SEC_GUEST, L_FIELDS, R_IDTR, "IDTR: %x %x", { "GUEST_IDTR_LIMIT", "GUEST_IDTR_BASE" } },
	/* "MSR LL": Xen's MSR list, or Xen's own EFER; before 4.12, no "(...)". */
	{ SEC_GUEST, L_FIELDS, R_EFER, "EFER(VMCS) = 0x%x PAT = 0x%x",
	  { "GUEST_IA32_EFER", "GUEST_IA32_PAT" } },
	{ SEC_GUEST, L_FIELDS, R_EFER, "EFER(MSR LL) = 0x%x PAT = 0x%x",
	  { NULL, "GUEST_IA32_PAT" } },
	{ SEC_GUEST, L_FIELDS, R_EFER, "EFER = 0x%x PAT = 0x%x",
	  { "GUEST_IA32_EFER", "GUEST_IA32_PAT" } },
	/* SMBASE, and below EPTP index and SPEC_CTRL: fields vmx.h does not name. */
	{ SEC_GUEST, L_FIELDS, R_NONE, "PreemptionTimer = 0x%x SM Base = 0x%x",
	  { "VMX_PREEMPTION_TIMER_VALUE", NULL } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "PerfGlobCtl = 0x%x BndCfgS = 0x%x",
	  { "GUEST_IA32_PERF_GLOBAL_CTRL", "GUEST_BNDCFGS" } },
	{ SEC_GUEST, L_FIELDS, R_NONE, "SPEC_CTRL mask = 0x%x shadow = 0x%x", { NULL } },
	/* KVM's MSR lists, in any section: not the VMCS's MSR areas. */
	{ SEC_NONE, L_NOT_FIELDS, R_NONE, "MSR %*", { NULL } },
	{ SEC_NONE, L_NOT_FIELDS, R_NONE, "%d: msr=0x%x value=0x%x", { NULL } },

	{ SEC_HOST, L_FIELDS, R_HOST_RIP, "RIP = 0x%x RSP = 0x%x", { "HOST_RIP", "HOST_RSP" } },
	{ SEC_HOST, L_FIELDS, R_HOST_SEL, "CS=%x SS=%x DS=%x ES=%x FS=%x GS=%x TR=%x",
	  { "HOST_CS_SELECTOR", "HOST_SS_SELECTOR", "HOST_DS_SELECTOR", "HOST_ES_SELECTOR",
	    "HOST_FS_SELECTOR", "HOST_GS_SELECTOR", "HOST_TR_SELECTOR" } },
	{ SEC_HOST, L_FIELDS, R_HOST_BASE, "FSBase=%x GSBase=%x TRBase=%x",
	  { "HOST_FS_BASE", "HOST_GS_BASE", "HOST_TR_BASE" } },
	{ SEC_HOST, L_FIELDS, R_HOST_DT, "GDTBase=%x IDTBase=%x",
	  { "HOST_GDTR_BASE", "HOST_IDTR_BASE" } },
	{ SEC_HOST, L_FIELDS, R_HOST_CR, "CR0=%x CR3=%x CR4=%x",
	  { "HOST_CR0", "HOST_CR3", "HOST_CR4" } },
	{ SEC_HOST, L_FIELDS, R_HOST_SYSENTER, "Sysenter RSP=%x CS:RIP=%x:%x",
	  { "HOST_IA32_SYSENTER_ESP", "HOST_IA32_SYSENTER_CS", "HOST_IA32_SYSENTER_EIP" } },
	{ SEC_HOST, L_FIELDS, R_NONE, "EFER= 0x%x", { "HOST_IA32_EFER" } },
	{ SEC_HOST, L_FIELDS, R_NONE, "PAT = 0x%x", { "HOST_IA32_PAT" } },
	{ SEC_HOST, L_FIELDS, R_NONE, "PerfGlobCtl = 0x%x", { "HOST_IA32_PERF_GLOBAL_CTRL" } },
	{ SEC_HOST, L_FIELDS, R_NONE, "S_CET = 0x%x, SSP = 0x%x, SSP TABLE = 0x%x",
	  { "HOST_S_CET", "HOST_SSP", "HOST_INTR_SSP_TABLE" } },
	/* Xen: HOST_RIP's symbol, and " [name]" if it is a live patch's. */
	{ SEC_HOST, L_FIELDS, R_HOST_RIP, "RIP = 0x%x %s RSP = 0x%x", { "HOST_RIP", "HOST_RSP" } },
	{ SEC_HOST, L_FIELDS, R_HOST_RIP, "RIP = 0x%x %s %s RSP = 0x%x",
	  { "HOST_RIP", "HOST_RSP" } },
	{ SEC_HOST, L_FIELDS, R_NONE, "EFER = 0x%x PAT = 0x%x",
	  { "HOST_IA32_EFER", "HOST_IA32_PAT" } },

	/* KVM prints 0 for controls the CPU lacks: see feature_fields[]. */
	{ SEC_CONTROL, L_FIELDS, R_CPU_BASED, "CPUBased=0x%x SecondaryExec=0x%x TertiaryExec=0x%x",
	  { "CPU_BASED_VM_EXEC_CONTROL", "SECONDARY_VM_EXEC_CONTROL",
	    "TERTIARY_VM_EXEC_CONTROL" } },
	{ SEC_CONTROL, L_FIELDS, R_ENTRY_EXIT, "PinBased=0x%x EntryControls=%x ExitControls=%x",
	  { "PIN_BASED_VM_EXEC_CONTROL", "VM_ENTRY_CONTROLS", "VM_EXIT_CONTROLS" } },
	{ SEC_CONTROL, L_FIELDS, R_EXCEPTIONS, "ExceptionBitmap=%x PFECmask=%x PFECmatch=%x",
	  { "EXCEPTION_BITMAP", "PAGE_FAULT_ERROR_CODE_MASK", "PAGE_FAULT_ERROR_CODE_MATCH" } },
	{ SEC_CONTROL, L_FIELDS, R_VMENTRY, "VMEntry: intr_info=%x errcode=%x ilen=%x",
	  { "VM_ENTRY_INTR_INFO_FIELD", "VM_ENTRY_EXCEPTION_ERROR_CODE",
	    "VM_ENTRY_INSTRUCTION_LEN" } },
	{ SEC_CONTROL, L_FIELDS, R_VMEXIT, "VMExit: intr_info=%x errcode=%x ilen=%x",
	  { "VM_EXIT_INTR_INFO", "VM_EXIT_INTR_ERROR_CODE", "VM_EXIT_INSTRUCTION_LEN" } },
	{ SEC_CONTROL, L_FIELDS, R_REASON, "reason=%x qualification=%x",
	  { "VM_EXIT_REASON", "EXIT_QUALIFICATION" } },
	{ SEC_CONTROL, L_FIELDS, R_IDT_VECTORING, "IDTVectoring: info=%x errcode=%x",
	  { "IDT_VECTORING_INFO_FIELD", "IDT_VECTORING_ERROR_CODE" } },
	{ SEC_CONTROL, L_FIELDS, R_TSC_OFFSET, "TSC Offset = 0x%x", { "TSC_OFFSET" } },
	{ SEC_CONTROL, L_FIELDS, R_TSC_MULTIPLIER, "TSC Multiplier = 0x%x", { "TSC_MULTIPLIER" } },
	/* Two lines each, or one when the first is not printed (pr_cont). */
	{ SEC_CONTROL, L_FIELDS, R_TPR, "SVI|RVI = %x|%x TPR Threshold = 0x%x",
	  { NULL, NULL, "TPR_THRESHOLD" } },
	{ SEC_CONTROL, L_FIELDS, R_TPR, "TPR Threshold = 0x%x", { "TPR_THRESHOLD" } },
	{ SEC_CONTROL, L_FIELDS, R_VIRT_APIC, "APIC-access addr = 0x%x virt-APIC addr = 0x%x",
	  { "APIC_ACCESS_ADDR", "VIRTUAL_APIC_PAGE_ADDR" } },
	{ SEC_CONTROL, L_FIELDS, R_VIRT_APIC, "virt-APIC addr = 0x%x",
	  { "VIRTUAL_APIC_PAGE_ADDR" } },
	{ SEC_CONTROL, L_FIELDS, R_POSTED, "PostedIntrVec = 0x%x", { "POSTED_INTR_NV" } },
	{ SEC_CONTROL, L_FIELDS, R_EPT, "EPT pointer = 0x%x", { "EPT_POINTER" } },
	{ SEC_CONTROL, L_FIELDS, R_PLE, "PLE Gap=%x Window=%x", { "PLE_GAP", "PLE_WINDOW" } },
	{ SEC_CONTROL, L_FIELDS, R_VPID, "Virtual processor ID = 0x%x",
	  { "VIRTUAL_PROCESSOR_ID" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "VE info address = 0x%x", { "VE_INFORMATION_ADDRESS" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "VE info address = 0x%x(corrupted!)",
	  { "VE_INFORMATION_ADDRESS" } },
	{ SEC_CONTROL, L_NOT_FIELDS, R_NONE, "ve_info: %*", { NULL } },

	/* Xen */
	{ SEC_CONTROL, L_FIELDS, R_CPU_BASED, "PinBased=%x CPUBased=%x",
	  { "PIN_BASED_VM_EXEC_CONTROL", "CPU_BASED_VM_EXEC_CONTROL" } },
	{ SEC_CONTROL, L_FIELDS, R_CPU_BASED, "PinBased=%x CPUBased=%x SecondaryExec=%x",
	  { "PIN_BASED_VM_EXEC_CONTROL", "CPU_BASED_VM_EXEC_CONTROL",
	    "SECONDARY_VM_EXEC_CONTROL" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "SecondaryExec=%x TertiaryExec=%x",
	  { "SECONDARY_VM_EXEC_CONTROL", "TERTIARY_VM_EXEC_CONTROL" } },
	{ SEC_CONTROL, L_FIELDS, R_ENTRY_EXIT, "EntryControls=%x ExitControls=%x",
	  { "VM_ENTRY_CONTROLS", "VM_EXIT_CONTROLS" } },
	{ SEC_CONTROL, L_FIELDS, R_TSC_OFFSET, "TSC Offset = 0x%x TSC Multiplier = 0x%x",
	  { "TSC_OFFSET", "TSC_MULTIPLIER" } },
	{ SEC_CONTROL, L_FIELDS, R_TPR, "TPR Threshold = 0x%x PostedIntrVec = 0x%x",
	  { "TPR_THRESHOLD", "POSTED_INTR_NV" } },
	{ SEC_CONTROL, L_FIELDS, R_EPT, "EPT pointer = 0x%x EPTP index = 0x%x",
	  { "EPT_POINTER", NULL } },
	/* As many as CR3_TARGET_COUNT says; only 0 to 3 exist. */
	{ SEC_CONTROL, L_FIELDS, R_NONE, "CR3 target0=%x target1=%x",
	  { "CR3_TARGET_VALUE0", "CR3_TARGET_VALUE1" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "CR3 target2=%x target3=%x",
	  { "CR3_TARGET_VALUE2", "CR3_TARGET_VALUE3" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "CR3 target0=%x", { "CR3_TARGET_VALUE0" } },
	{ SEC_CONTROL, L_FIELDS, R_NONE, "CR3 target2=%x", { "CR3_TARGET_VALUE2" } },
	{ SEC_CONTROL, L_FIELDS, R_VPID, "Virtual processor ID = 0x%x VMfunc controls = %x",
	  { "VIRTUAL_PROCESSOR_ID", "VM_FUNCTION_CONTROL" } },
};

/* The fields a dump shows, with their encodings (SDM Vol. 3D, Appendix B). */
static const struct {
	const char *name;
	uint32_t encoding;
} encodings[] = {
	{ "VIRTUAL_PROCESSOR_ID", 0x0000 }, { "POSTED_INTR_NV", 0x0002 },
	{ "GUEST_ES_SELECTOR", 0x0800 }, { "GUEST_CS_SELECTOR", 0x0802 },
	{ "GUEST_SS_SELECTOR", 0x0804 }, { "GUEST_DS_SELECTOR", 0x0806 },
	{ "GUEST_FS_SELECTOR", 0x0808 }, { "GUEST_GS_SELECTOR", 0x080a },
	{ "GUEST_LDTR_SELECTOR", 0x080c }, { "GUEST_TR_SELECTOR", 0x080e },
	{ "GUEST_INTR_STATUS", 0x0810 },
	{ "HOST_ES_SELECTOR", 0x0c00 }, { "HOST_CS_SELECTOR", 0x0c02 },
	{ "HOST_SS_SELECTOR", 0x0c04 }, { "HOST_DS_SELECTOR", 0x0c06 },
	{ "HOST_FS_SELECTOR", 0x0c08 }, { "HOST_GS_SELECTOR", 0x0c0a },
	{ "HOST_TR_SELECTOR", 0x0c0c },
	{ "TSC_OFFSET", 0x2010 }, { "VIRTUAL_APIC_PAGE_ADDR", 0x2012 },
	{ "APIC_ACCESS_ADDR", 0x2014 }, { "VM_FUNCTION_CONTROL", 0x2018 },
	{ "EPT_POINTER", 0x201a },
	{ "VE_INFORMATION_ADDRESS", 0x202a }, { "TSC_MULTIPLIER", 0x2032 },
	{ "TERTIARY_VM_EXEC_CONTROL", 0x2034 },
	{ "GUEST_IA32_DEBUGCTL", 0x2802 }, { "GUEST_IA32_PAT", 0x2804 },
	{ "GUEST_IA32_EFER", 0x2806 }, { "GUEST_IA32_PERF_GLOBAL_CTRL", 0x2808 },
	{ "GUEST_PDPTR0", 0x280a }, { "GUEST_PDPTR1", 0x280c }, { "GUEST_PDPTR2", 0x280e },
	{ "GUEST_PDPTR3", 0x2810 }, { "GUEST_BNDCFGS", 0x2812 },
	{ "HOST_IA32_PAT", 0x2c00 }, { "HOST_IA32_EFER", 0x2c02 },
	{ "HOST_IA32_PERF_GLOBAL_CTRL", 0x2c04 },
	{ "PIN_BASED_VM_EXEC_CONTROL", 0x4000 }, { "CPU_BASED_VM_EXEC_CONTROL", 0x4002 },
	{ "EXCEPTION_BITMAP", 0x4004 }, { "PAGE_FAULT_ERROR_CODE_MASK", 0x4006 },
	{ "PAGE_FAULT_ERROR_CODE_MATCH", 0x4008 }, { "VM_EXIT_CONTROLS", 0x400c },
	{ "VM_ENTRY_CONTROLS", 0x4012 }, { "VM_ENTRY_INTR_INFO_FIELD", 0x4016 },
	{ "VM_ENTRY_EXCEPTION_ERROR_CODE", 0x4018 }, { "VM_ENTRY_INSTRUCTION_LEN", 0x401a },
	{ "TPR_THRESHOLD", 0x401c }, { "SECONDARY_VM_EXEC_CONTROL", 0x401e },
	{ "PLE_GAP", 0x4020 }, { "PLE_WINDOW", 0x4022 },
	{ "VM_EXIT_REASON", 0x4402 }, { "VM_EXIT_INTR_INFO", 0x4404 },
	{ "VM_EXIT_INTR_ERROR_CODE", 0x4406 }, { "IDT_VECTORING_INFO_FIELD", 0x4408 },
	{ "IDT_VECTORING_ERROR_CODE", 0x440a }, { "VM_EXIT_INSTRUCTION_LEN", 0x440c },
	{ "GUEST_ES_LIMIT", 0x4800 }, { "GUEST_CS_LIMIT", 0x4802 },
	{ "GUEST_SS_LIMIT", 0x4804 }, { "GUEST_DS_LIMIT", 0x4806 },
	{ "GUEST_FS_LIMIT", 0x4808 }, { "GUEST_GS_LIMIT", 0x480a },
	{ "GUEST_LDTR_LIMIT", 0x480c }, { "GUEST_TR_LIMIT", 0x480e },
	{ "GUEST_GDTR_LIMIT", 0x4810 }, { "GUEST_IDTR_LIMIT", 0x4812 },
	{ "GUEST_ES_AR_BYTES", 0x4814 }, { "GUEST_CS_AR_BYTES", 0x4816 },
	{ "GUEST_SS_AR_BYTES", 0x4818 }, { "GUEST_DS_AR_BYTES", 0x481a },
	{ "GUEST_FS_AR_BYTES", 0x481c }, { "GUEST_GS_AR_BYTES", 0x481e },
	{ "GUEST_LDTR_AR_BYTES", 0x4820 }, { "GUEST_TR_AR_BYTES", 0x4822 },
	{ "GUEST_INTERRUPTIBILITY_INFO", 0x4824 }, { "GUEST_ACTIVITY_STATE", 0x4826 },
	{ "GUEST_SYSENTER_CS", 0x482a }, { "VMX_PREEMPTION_TIMER_VALUE", 0x482e },
	{ "HOST_IA32_SYSENTER_CS", 0x4c00 },
	{ "CR0_GUEST_HOST_MASK", 0x6000 }, { "CR4_GUEST_HOST_MASK", 0x6002 },
	{ "CR0_READ_SHADOW", 0x6004 }, { "CR4_READ_SHADOW", 0x6006 },
	{ "CR3_TARGET_VALUE0", 0x6008 }, { "CR3_TARGET_VALUE1", 0x600a },
	{ "CR3_TARGET_VALUE2", 0x600c }, { "CR3_TARGET_VALUE3", 0x600e },
	{ "EXIT_QUALIFICATION", 0x6400 },
	{ "GUEST_CR0", 0x6800 }, { "GUEST_CR3", 0x6802 }, { "GUEST_CR4", 0x6804 },
	{ "GUEST_ES_BASE", 0x6806 }, { "GUEST_CS_BASE", 0x6808 }, { "GUEST_SS_BASE", 0x680a },
	{ "GUEST_DS_BASE", 0x680c }, { "GUEST_FS_BASE", 0x680e }, { "GUEST_GS_BASE", 0x6810 },
	{ "GUEST_LDTR_BASE", 0x6812 }, { "GUEST_TR_BASE", 0x6814 },
	{ "GUEST_GDTR_BASE", 0x6816 }, { "GUEST_IDTR_BASE", 0x6818 }, { "GUEST_DR7", 0x681a },
	{ "GUEST_RSP", 0x681c }, { "GUEST_RIP", 0x681e }, { "GUEST_RFLAGS", 0x6820 },
	{ "GUEST_PENDING_DBG_EXCEPTIONS", 0x6822 }, { "GUEST_SYSENTER_ESP", 0x6824 },
	{ "GUEST_SYSENTER_EIP", 0x6826 }, { "GUEST_S_CET", 0x6828 }, { "GUEST_SSP", 0x682a },
	{ "GUEST_INTR_SSP_TABLE", 0x682c },
	{ "HOST_CR0", 0x6c00 }, { "HOST_CR3", 0x6c02 }, { "HOST_CR4", 0x6c04 },
	{ "HOST_FS_BASE", 0x6c06 }, { "HOST_GS_BASE", 0x6c08 }, { "HOST_TR_BASE", 0x6c0a },
	{ "HOST_GDTR_BASE", 0x6c0c }, { "HOST_IDTR_BASE", 0x6c0e },
	{ "HOST_IA32_SYSENTER_ESP", 0x6c10 }, { "HOST_IA32_SYSENTER_EIP", 0x6c12 },
	{ "HOST_RSP", 0x6c14 }, { "HOST_RIP", 0x6c16 }, { "HOST_S_CET", 0x6c18 },
	{ "HOST_SSP", 0x6c1a }, { "HOST_INTR_SSP_TABLE", 0x6c1c },
};

/* Control bits: which lines a dump ends with, which of its zeros are fields. */
#define CPU_BASED_TERTIARY		0x00020000	/* bit 17 */
#define CPU_BASED_TPR_SHADOW		0x00200000	/* bit 21 */
#define CPU_BASED_SECONDARY		0x80000000	/* bit 31 */
#define PIN_BASED_PREEMPTION		0x00000040	/* bit 6 */
#define PIN_BASED_POSTED_INTR		0x00000080	/* bit 7 */
#define SECONDARY_EPT			0x00000002	/* bit 1 */
#define SECONDARY_VPID			0x00000020	/* bit 5 */
#define SECONDARY_PLE			0x00000400	/* bit 10 */
#define SECONDARY_VMFUNC		0x00002000	/* bit 13 */
#define SECONDARY_TSC_SCALING		0x02000000	/* bit 25 */
#define EXIT_LOAD_PERF_GLOBAL		0x00001000	/* bit 12 */
#define EXIT_LOAD_PAT			0x00080000	/* bit 19 */
#define EXIT_LOAD_EFER			0x00200000	/* bit 21 */
#define ENTRY_LOAD_PERF_GLOBAL		0x00002000	/* bit 13 */
#define ENTRY_LOAD_PAT			0x00004000	/* bit 14 */
#define ENTRY_LOAD_BNDCFGS		0x00010000	/* bit 16 */

/* A line of input and where it came from. */
struct line {
	char *text;	/* without newline, prefixes stripped (payload()) */
	int number;	/* 1-based */
	bool xen;	/* printed by Xen: "(XEN) " */
};

/* Lines longer than any of a dump's are not looked at. */
#define MAX_PAYLOAD	512

static bool skip_blanks(const char **p)
{
	const char *s = *p;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s == *p)
		return false;
	*p = s;
	return true;
}

/*
 * Match @text against @format (see struct dump_line), whole.  Stores the
 * %x numbers in @values (at most MAX_LINE_FIELDS) and %d's in @decimal.
 */
static bool match(const char *format, const char *text, uint64_t *values, int *nr_values,
		  long *decimal)
{
	const char *f = format, *t = text;
	char *end;

	*nr_values = 0;
	skip_blanks(&t);
	while (*f) {
		if (*f == ' ') {
			f++;
			/* "0x%x(corrupted!)" and "%x|%x" have none; else one or more. */
			if (!skip_blanks(&t))
				return false;
			continue;
		}
		if (*f != '%') {
			if (*t++ != *f++)
				return false;
			continue;
		}
		f++;
		switch (*f++) {
		case 'x':
			if (!isxdigit((unsigned char)*t) || *nr_values == MAX_LINE_FIELDS)
				return false;
			errno = 0;
			values[(*nr_values)++] = strtoull(t, &end, 16);
			if (errno || end - t > 16)
				return false;
			t = end;
			break;
		case 'd':
			errno = 0;
			*decimal = strtol(t, &end, 10);
			if (end == t || errno)
				return false;
			t = end;
			break;
		case 's':
			if (!*t || isspace((unsigned char)*t))
				return false;
			while (*t && !isspace((unsigned char)*t))
				t++;
			break;
		case '*':
			return true;
		default:
			return false;
		}
	}
	while (*t == ' ' || *t == '\t')
		t++;
	return !*t;
}

/* How many leading characters of @s are all in @set. */
static size_t span(const char *s, const char *set)
{
	return strspn(s, set);
}

/* @p after a time in brackets and its blank ("[  12.345678] "), if it starts with one. */
static char *skip_time(char *p)
{
	char *k = p[0] == '[' ? strchr(p, ']') : NULL;

	if (!k || k - p >= 40)
		return p;
	return k[1] == ' ' ? k + 2 : k + 1;
}

/*
 * The message of a log line: without the prefixes of /dev/kmsg
 * ("6,1234,5678,-;"), dmesg -r ("<3>"), dmesg -x ("kern  :err   : "),
 * syslog and journalctl ("Dec  7 10:00:00 host kernel: "), dmesg's time
 * ("[  12.345678] ", "[Mon Dec  7 10:00:00 2026] "), kvm_intel's
 * "kvm_intel: ", and Xen's "(XEN) " with its optional time (@xen is set).
 * @line is changed in place.
 */
static char *payload(char *line, bool *xen)
{
	char *p = line, *k;
	size_t n;

	p[strcspn(p, "\r\n")] = '\0';
	/* /dev/kmsg: "PRI,SEQ,TIME,FLAGS;" */
	n = span(p, "0123456789,");
	if (n && p[n] == '-' && p[n + 1] == ';')
		p += n + 2;
	else if (n && (p[n] == 'c' || p[n] == '+') && p[n + 1] == ';')
		p += n + 2;
	/* dmesg -r: "<3>" */
	n = p[0] == '<' ? span(p + 1, "0123456789") : 0;
	if (n && p[n + 1] == '>')
		p += n + 2;
	/* syslog, journalctl: everything up to "kernel: " if that comes early */
	k = strstr(p, " kernel: ");
	if (k && k - p < 64)
		p = k + strlen(" kernel: ");
	/* dmesg -x: "kern  :err   : " */
	k = strncmp(p, "kern  :", 7) ? NULL : strstr(p + 7, ": ");
	if (k && k - p < 16)
		p = k + 2;
	/* dmesg's time, in brackets */
	p = skip_time(p);
	if (!strncmp(p, "kvm_intel: ", 11))
		p += 11;
	*xen = !strncmp(p, "(XEN) ", 6);
	if (*xen)
		p = skip_time(p + 6);
	return p;
}

static int encoding_of(const char *name, uint32_t *encoding)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(encodings); i++)
		if (!strcmp(encodings[i].name, name)) {
			*encoding = encodings[i].encoding;
			return 0;
		}
	return -1;
}

/* The width of a field from bits 14:13 of its encoding; natural width is 64 here. */
static unsigned int width_of(uint32_t encoding)
{
	static const unsigned int widths[] = { 16, 64, 32, 64 };

	return widths[(encoding >> 13) & 3];
}

struct dump {
	struct snapshot *s;
	const char *source;
	int first, last;	/* input lines */
	enum section section;
	bool seen[NR_REQUIRED];
	uint32_t failed[32];	/* fields whose VMREAD failed: their 0 is not theirs */
	int nr_failed;
	int nr_unparsed;
	bool guest_efer_not_field;
	bool xen;	/* Xen's vmcs_dump_vcpu(), not KVM's dump_vmcs() */
};

static bool read_failed(const struct dump *d, uint32_t encoding)
{
	int i;

	for (i = 0; i < d->nr_failed; i++)
		if (d->failed[i] == encoding)
			return true;
	return false;
}

static void add_field(struct dump *d, const char *name, uint64_t value, int number)
{
	struct snapshot *s = d->s;
	struct snap_field *f;
	uint32_t encoding;

	if (encoding_of(name, &encoding)) {
		fprintf(stderr, "vmcsctl: internal: no encoding for %s\n", name);
		return;
	}
	if (read_failed(d, encoding))
		return;
	if (width_of(encoding) < 64 && value >> width_of(encoding)) {
		fprintf(stderr, "vmcsctl: %s:%d: %s: 0x%llx is wider than the field; left out\n",
			d->source, number, name, (unsigned long long)value);
		return;
	}
	f = (struct snap_field *)snap_find(s, name);
	if (!f) {
		if (s->nr_fields == SNAP_MAX_FIELDS)
			return;
		f = &s->fields[s->nr_fields++];
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->encoding = encoding;
	f->width = width_of(encoding);
	f->type = (encoding >> 10) & 3;
	f->flags = f->type == VMCSCTL_TYPE_HOST ? VMCSCTL_FIELD_HOST : 0;
	f->value = value;
}

/*
 * Fields that a CPU has only with a feature, and that the dumps print as
 * 0 when it lacks them (KVM: SecondaryExec, TertiaryExec; Xen: every
 * line of two values where either control asks for the line, and reads
 * that fail): a 0 is the field's only if its control is set.  In order:
 * a control is decided before the fields that depend on it.
 */
static const struct {
	const char *name;
	const char *control;
	uint64_t bit;
} feature_fields[] = {
	{ "SECONDARY_VM_EXEC_CONTROL", "CPU_BASED_VM_EXEC_CONTROL", CPU_BASED_SECONDARY },
	{ "TERTIARY_VM_EXEC_CONTROL", "CPU_BASED_VM_EXEC_CONTROL", CPU_BASED_TERTIARY },
	{ "TSC_MULTIPLIER", "SECONDARY_VM_EXEC_CONTROL", SECONDARY_TSC_SCALING },
	{ "VIRTUAL_PROCESSOR_ID", "SECONDARY_VM_EXEC_CONTROL", SECONDARY_VPID },
	{ "VM_FUNCTION_CONTROL", "SECONDARY_VM_EXEC_CONTROL", SECONDARY_VMFUNC },
	{ "POSTED_INTR_NV", "PIN_BASED_VM_EXEC_CONTROL", PIN_BASED_POSTED_INTR },
	{ "VMX_PREEMPTION_TIMER_VALUE", "PIN_BASED_VM_EXEC_CONTROL", PIN_BASED_PREEMPTION },
	{ "GUEST_IA32_PERF_GLOBAL_CTRL", "VM_ENTRY_CONTROLS", ENTRY_LOAD_PERF_GLOBAL },
	{ "GUEST_IA32_PAT", "VM_ENTRY_CONTROLS", ENTRY_LOAD_PAT },
	{ "GUEST_BNDCFGS", "VM_ENTRY_CONTROLS", ENTRY_LOAD_BNDCFGS },
	{ "HOST_IA32_PERF_GLOBAL_CTRL", "VM_EXIT_CONTROLS", EXIT_LOAD_PERF_GLOBAL },
	{ "HOST_IA32_PAT", "VM_EXIT_CONTROLS", EXIT_LOAD_PAT },
	{ "HOST_IA32_EFER", "VM_EXIT_CONTROLS", EXIT_LOAD_EFER },
};

/* Leave out the fields of feature_fields[] that are 0 with their control clear. */
static void drop_absent(struct snapshot *s)
{
	const struct snap_field *f;
	uint64_t control;
	size_t i;
	int j;

	for (i = 0; i < ARRAY_SIZE(feature_fields); i++) {
		f = snap_find(s, feature_fields[i].name);
		if (!f || f->value)
			continue;
		if (snap_get(s, feature_fields[i].control, &control) &&
		    (control & feature_fields[i].bit))
			continue;
		j = f - s->fields;
		memmove(&s->fields[j], &s->fields[j + 1],
			(s->nr_fields - j - 1) * sizeof(s->fields[0]));
		s->nr_fields--;
	}
}

/* Try @text as a line of a dump in section @section: the entry, or NULL. */
static const struct dump_line *classify(const char *text, enum section section,
					uint64_t *values, int *nr, long *decimal)
{
	const struct dump_line *l;
	size_t i;

	if (strlen(text) > MAX_PAYLOAD)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(dump_lines); i++) {
		l = &dump_lines[i];
		if (l->section != SEC_NONE && l->section != section)
			continue;
		if (match(l->format, text, values, nr, decimal))
			return l;
	}
	return NULL;
}

static void take_line(struct dump *d, const struct dump_line *l, const uint64_t *values,
		      int nr, long decimal, int number)
{
	int i;

	d->last = number;
	d->seen[l->required] = true;
	/* A guest EFER line whose first value is not the field. */
	if (l->required == R_EFER && !l->fields[0])
		d->guest_efer_not_field = true;
	switch (l->kind) {
	case L_START:
		d->s->cpu = decimal;
		return;
	case L_GUEST:
		d->section = SEC_GUEST;
		return;
	case L_HOST:
		d->section = SEC_HOST;
		return;
	case L_CONTROL:
		d->section = SEC_CONTROL;
		return;
	case L_VMREAD_FAILED:
		if (d->nr_failed < 32)
			d->failed[d->nr_failed++] = values[0];
		return;
	case L_END:
	case L_NOT_FIELDS:
		return;
	case L_FIELDS:
		break;
	}
	for (i = 0; i < nr; i++)
		if (l->fields[i])
			add_field(d, l->fields[i], values[i], number);
}

static const char *const required_names[NR_REQUIRED] = {
	[R_GUEST] = "*** Guest State ***", [R_CR0] = "CR0", [R_CR4] = "CR4", [R_CR3] = "CR3",
	[R_RIP] = "RSP/RIP", [R_RFLAGS] = "RFLAGS", [R_SYSENTER] = "Sysenter", [R_CS] = "CS",
	[R_DS] = "DS", [R_SS] = "SS", [R_ES] = "ES", [R_FS] = "FS", [R_GS] = "GS",
	[R_GDTR] = "GDTR", [R_LDTR] = "LDTR", [R_IDTR] = "IDTR", [R_TR] = "TR",
	[R_EFER] = "EFER", [R_DEBUGCTL] = "DebugCtl", [R_INTERRUPTIBILITY] = "Interruptibility",
	[R_HOST] = "*** Host State ***", [R_HOST_RIP] = "host RIP/RSP",
	[R_HOST_SEL] = "host selectors", [R_HOST_BASE] = "FSBase", [R_HOST_DT] = "GDTBase",
	[R_HOST_CR] = "host CR0", [R_HOST_SYSENTER] = "host Sysenter",
	[R_CONTROL] = "*** Control State ***", [R_CPU_BASED] = "CPUBased",
	[R_ENTRY_EXIT] = "EntryControls", [R_EXCEPTIONS] = "ExceptionBitmap",
	[R_VMENTRY] = "VMEntry", [R_VMEXIT] = "VMExit", [R_REASON] = "reason",
	[R_IDT_VECTORING] = "IDTVectoring",
	[R_TSC_OFFSET] = "TSC Offset", [R_TSC_MULTIPLIER] = "TSC Multiplier",
	[R_TPR] = "TPR Threshold", [R_VIRT_APIC] = "virt-APIC addr",
	[R_POSTED] = "PostedIntrVec", [R_EPT] = "EPT pointer", [R_PLE] = "PLE Gap",
	[R_VPID] = "Virtual processor ID",
};

/*
 * Is line @r due in this dump?  The tail follows the controls the dump
 * printed; Xen prints TSC Multiplier, virt-APIC and PostedIntrVec on
 * other lines or not at all, and VPID also for VM functions.
 */
static bool expected(const struct dump *d, enum required r)
{
	uint64_t cpu = 0, pin = 0, sec = 0;

	if (r < R_TSC_MULTIPLIER)
		return r != R_NONE;
	snap_get(d->s, "CPU_BASED_VM_EXEC_CONTROL", &cpu);
	snap_get(d->s, "PIN_BASED_VM_EXEC_CONTROL", &pin);
	snap_get(d->s, "SECONDARY_VM_EXEC_CONTROL", &sec);
	switch (r) {
	case R_TSC_MULTIPLIER:
		return !d->xen && (sec & SECONDARY_TSC_SCALING);
	case R_TPR:
		return cpu & CPU_BASED_TPR_SHADOW;
	case R_VIRT_APIC:
		return !d->xen && (cpu & CPU_BASED_TPR_SHADOW);
	case R_POSTED:
		return !d->xen && (pin & PIN_BASED_POSTED_INTR);
	case R_EPT:
		return sec & SECONDARY_EPT;
	case R_PLE:
		return sec & SECONDARY_PLE;
	case R_VPID:
		return sec & (SECONDARY_VPID | (d->xen ? SECONDARY_VMFUNC : 0));
	default:
		return false;
	}
}

/*
 * The first line a complete dump would have and this one lacks, or NULL;
 * @cut says whether the dump has none of the lines after it (it was cut
 * off there) or lacks that line in its middle (not understood, or lost).
 */
static const char *missing_line(const struct dump *d, bool *cut)
{
	int r, later;

	for (r = R_GUEST; r < NR_REQUIRED; r++) {
		if (d->seen[r] || !expected(d, r))
			continue;
		for (later = r + 1; later < NR_REQUIRED && !d->seen[later]; later++)
			;
		*cut = later == NR_REQUIRED;
		return required_names[r];
	}
	return NULL;
}

struct input {
	const char *name;
	struct line *lines;
	int nr;
};

static int read_input(FILE *f, struct input *in)
{
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	int cap = 0;

	while ((len = getline(&buf, &size, f)) >= 0) {
		if (in->nr == cap) {
			cap = cap ? 2 * cap : 1024;
			in->lines = realloc(in->lines, cap * sizeof(*in->lines));
			if (!in->lines)
				return -1;
		}
		/* A NUL ends the text: binary junk never matches a dump line. */
		in->lines[in->nr].text = strdup(payload(buf, &in->lines[in->nr].xen));
		in->lines[in->nr].number = in->nr + 1;
		if (!in->lines[in->nr].text)
			return -1;
		in->nr++;
	}
	free(buf);
	if (ferror(f)) {
		fprintf(stderr, "vmcsctl: %s: read error\n", in->name);
		return -1;
	}
	return 0;
}

/*
 * Line @i and the next, joined as a line wrapped in two would be: with
 * or without the blank the wrap replaced.  Returns the entry or NULL.
 */
static const struct dump_line *classify_wrapped(const struct input *in, int i,
						enum section section, uint64_t *values,
						int *nr, long *decimal)
{
	const struct dump_line *l = NULL;
	char joined[2 * MAX_PAYLOAD + 2];
	int sep;

	if (i + 1 >= in->nr || strlen(in->lines[i].text) > MAX_PAYLOAD ||
	    strlen(in->lines[i + 1].text) > MAX_PAYLOAD || !in->lines[i + 1].text[0])
		return NULL;
	for (sep = 0; sep < 2 && !l; sep++) {
		snprintf(joined, sizeof(joined), "%s%s%s", in->lines[i].text, sep ? " " : "",
			 in->lines[i + 1].text);
		l = classify(joined, section, values, nr, decimal);
	}
	return l;
}

#define MAX_STRANGERS	48

/* A line that may start a dump: its first line, or the guest header. */
static bool starts_dump(const struct dump_line *l)
{
	return l && (l->kind == L_START || l->kind == L_GUEST);
}

/*
 * Parse the dump that starts at line @i: fill @d, return the index of the
 * first line after it.
 */
static int parse_dump(const struct input *in, int i, struct dump *d)
{
	const struct dump_line *l;
	uint64_t values[MAX_LINE_FIELDS];
	int nr, step, strangers = 0;
	long decimal = -1;
	bool cut;

	d->first = in->lines[i].number;
	d->xen = in->lines[i].xen;
	d->section = SEC_NONE;
	for (; i < in->nr; i += step) {
		step = 1;
		l = classify(in->lines[i].text, d->section, values, &nr, &decimal);
		if (!l) {
			l = classify_wrapped(in, i, d->section, values, &nr, &decimal);
			step = l ? 2 : 1;
		}
		/* Another dump begins: this one was cut off (missing_line() says so). */
		if (starts_dump(l) && d->last && (l->kind == L_START || d->seen[R_GUEST]))
			break;
		if (l && l->kind == L_END)
			break;
		if (l) {
			take_line(d, l, values, nr, decimal, in->lines[i + step - 1].number);
			strangers = 0;
			continue;
		}
		/*
		 * Other messages may come between its lines (a WARN is some
		 * 40).  It ends at the first of them once it has every line
		 * due, or after MAX_STRANGERS in a row: then it was cut off.
		 */
		if (!missing_line(d, &cut) || ++strangers > MAX_STRANGERS)
			break;
		if (in->lines[i].text[0]) {
			fprintf(stderr,
				"vmcsctl: %s:%d: not a line of a VMCS dump, skipped: %.60s\n",
				in->name, in->lines[i].number, in->lines[i].text);
			d->nr_unparsed++;
		}
	}
	return i;
}

/* The capability MSRs for check: from --msrs, else this host's, else none. */
static int load_msrs(const char *msrs, struct snapshot *caps, char *from, size_t size)
{
	if (msrs) {
		if (snap_load(msrs, caps))
			return -1;
		snprintf(from, size, "IA32_VMX_* from %s", msrs);
		return 0;
	}
	snap_init(caps);
	caps->cpu = 0;
	snap_read_cpu(caps);
	if (caps->msr_valid)
		snprintf(from, size, "IA32_VMX_* of this host (/dev/cpu/0/msr)");
	else
		snprintf(from, size,
			 "no IA32_VMX_* MSRs (--msrs FILE, or run as root on the host with the msr module)");
	return 0;
}

static void print_dump(FILE *f, const struct dump *d, const struct check_report *r,
		       const char *caps, const struct show_opts *so, bool first)
{
	bool cut = false;
	const char *missing = missing_line(d, &cut);

	if (so->json) {
		fprintf(f, "%s{\"source\":", first ? "" : ",");
		json_str(f, d->source);
		fprintf(f, ",\"first_line\":%d,\"last_line\":%d,\"format\":\"%s\",\"cpu\":%ld",
			d->first, d->last, d->xen ? "xen" : "linux", d->s->cpu);
		fprintf(f, ",\"fields\":%d,\"unparsed_lines\":%d,\"lacks\":", d->s->nr_fields,
			d->nr_unparsed);
		if (missing)
			json_str(f, missing);
		else
			fputs("null", f);
		fprintf(f, ",\"cut_off\":%s", cut ? "true" : "false");
		fprintf(f, ",\"capabilities\":");
		json_str(f, caps);
		fprintf(f, ",\"show\":");
		show(f, d->s, so);
		fprintf(f, ",\"check\":");
		check_print(f, d->s, r, true);
		fputs("}", f);
		return;
	}
	fprintf(f, "%s%s lines %d-%d: a VMCS dump of %s, %d fields\n",
		first ? "" : "\n", d->source, d->first, d->last,
		d->xen ? "Xen's vmcs_dump_vcpu()" : "Linux's dump_vmcs()", d->s->nr_fields);
	if (missing && cut)
		fprintf(f, "CUT OFF: the dump ends before its \"%s\" line\n", missing);
	else if (missing)
		fprintf(f, "INCOMPLETE: the dump lacks its \"%s\" line\n", missing);
	if (d->nr_unparsed)
		fprintf(f, "%d lines inside it were not part of it (named on stderr)\n",
			d->nr_unparsed);
	if (d->guest_efer_not_field)
		fprintf(f, "guest EFER: the dump shows %s value, not the VMCS field\n",
			d->xen ? "Xen's" : "KVM's");
	fputc('\n', f);
	show(f, d->s, so);
	fprintf(f, "\ncheck (%s):\n", caps);
	check_print(f, d->s, r, false);
}

/**
 * explain_stream() - find the VMCS dumps in a kernel log and check each
 * @f: the log
 * @name: its name, for messages
 * @so: how to print the fields: show's, raw (NAME VALUE) or JSON
 * @caps: the IA32_VMX_* MSRs and address widths to check with
 * @from: where @caps came from, in words
 *
 * Return: 0 if every dump passes every rule evaluated and none was left
 * out; 1 if a rule fails in a dump; 3 if none fails but some could not
 * be evaluated; 2 if there is no dump or the input cannot be read.
 */
int explain_stream(FILE *f, const char *name, const struct show_opts *so,
		   const struct snapshot *caps, const char *from)
{
	struct check_report *r = malloc(sizeof(*r));
	struct snapshot *s = malloc(sizeof(*s));
	int i, nr = 0, worst = 0, nr_incomplete = 0, ret = 2, n;
	struct input in = { .name = name };
	uint64_t values[MAX_LINE_FIELDS];
	struct dump d;
	long decimal;
	bool cut;

	if (!r || !s || read_input(f, &in))
		goto out;
	if (so->json)
		fputs("{\"dumps\":[", stdout);
	for (i = 0; i < in.nr;) {
		if (!starts_dump(classify(in.lines[i].text, SEC_NONE, values, &n, &decimal))) {
			i++;
			continue;
		}
		memset(&d, 0, sizeof(d));
		d.s = s;
		d.source = name;
		snap_init(s);
		i = parse_dump(&in, i, &d);
		drop_absent(s);
		snprintf(s->dir, sizeof(s->dir), "%.100s:%d", name, d.first);
		memcpy(s->msr, caps->msr, sizeof(s->msr));
		s->msr_valid = caps->msr_valid;
		s->phys_bits = caps->phys_bits;
		s->linear_bits = caps->linear_bits;
		memset(r, 0, sizeof(*r));
		nr_incomplete += !!missing_line(&d, &cut);
		ret = check(s, r) ? 1 : r->nr_skipped ? 3 : 0;
		if (ret == 1 || (ret == 3 && worst != 1))
			worst = ret;
		print_dump(stdout, &d, r, from, so, !nr);
		nr++;
	}
	if (so->json)
		printf("],\"incomplete\":%d}\n", nr_incomplete);
	if (!nr) {
		fprintf(stderr,
			"vmcsctl: %s: no VMCS dump found (KVM logs one on a failed VM entry with kvm_intel.dump_invalid_vmcs=1)\n",
			name);
		ret = 2;
	} else {
		ret = worst;
		if (nr_incomplete)
			fprintf(stderr, "vmcsctl: %s: %d of %d dumps incomplete\n", name,
				nr_incomplete, nr);
	}
out:
	for (i = 0; i < in.nr; i++)
		free(in.lines[i].text);
	free(in.lines);
	free(s);
	free(r);
	return ret;
}

int explain(const char *path, const struct show_opts *so, const char *msrs)
{
	bool std = !strcmp(path, "-");
	struct snapshot *caps = malloc(sizeof(*caps));
	FILE *f = std ? stdin : fopen(path, "r");
	char from[160];
	int ret = 2;

	if (!f)
		fprintf(stderr, "vmcsctl: %s: %s\n", path, strerror(errno));
	else if (caps && !load_msrs(msrs, caps, from, sizeof(from)))
		ret = explain_stream(f, std ? "(stdin)" : path, so, caps, from);
	if (f && !std)
		fclose(f);
	free(caps);
	return ret;
}
