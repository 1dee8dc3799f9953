// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of "vmcsctl check" (check.c) on hand-made snapshots: a valid
 * 64-bit KVM guest (check-base.snap) and a real-mode unrestricted guest at
 * reset (check-realmode.snap), as KVM on a Skylake-X with EPT would have
 * them.  Each case changes a few fields or MSRs and names the rule that must
 * then fail; every rule check() has must have a case.  Variants must
 * pass.  TAP output; exit status 1 if anything failed.
 *
 *   gcc -O2 -Wall -Wextra -std=gnu11 -I../../../include/uapi -I. \
 *       -o /tmp/check_test tests/check_test.c check.c snapshot.c
 *   /tmp/check_test [tests/snapshots]
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmcsctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum base { BASE, REALMODE };

/* Mutations, applied in order, space-separated:
 *   NAME=V  NAME|=V  NAME&~=V   a field (added as a 64-bit control field if absent)
 *   msr:0xNNN=V (|=, &~= too)   an IA32_VMX_* MSR; msr:0xNNN=- makes it unreadable
 *   -NAME                       remove a field
 *   width:NAME=W                a field's width
 *   phys=N  linear=N            CPUID 0x80000008 widths
 */
struct tcase {
	const char *rule;
	enum base base;
	const char *mutations;
};

/* A guest in virtual-8086 mode (from the real-mode base). */
#define V86 "GUEST_CR0|=0x1 GUEST_RFLAGS=0x20202 GUEST_CS_BASE=0xf0000 " \
	"GUEST_CS_AR_BYTES=0xf3 GUEST_SS_AR_BYTES=0xf3 GUEST_DS_AR_BYTES=0xf3 " \
	"GUEST_ES_AR_BYTES=0xf3 GUEST_FS_AR_BYTES=0xf3 GUEST_GS_AR_BYTES=0xf3 "
/* The 64-bit guest at CPL 3. */
#define USER "GUEST_CS_SELECTOR=0x33 GUEST_CS_AR_BYTES=0xa0fb GUEST_SS_SELECTOR=0x2b " \
	"GUEST_SS_AR_BYTES=0xc0f3 "
/* Without "unrestricted guest". */
#define NO_UG "SECONDARY_VM_EXEC_CONTROL&~=0x80 "
/* A 32-bit host kernel (natural-width fields of 32 bits), real-mode guest. */
#define HOST32 "width:GUEST_RIP=32 VM_EXIT_CONTROLS&~=0x200 HOST_IA32_EFER=0x801 "
/* 32-bit PAE paging, from the real-mode base. */
#define PAE "GUEST_CR0=0x80000031 GUEST_CR4=0x2020 "
/*
 * "load CET state" allowed on exit (bit 28) and entry (bit 20), and each
 * set with valid CET fields (the fields of Linux 7.3): a kernel with IBT.
 */
#define CET_CAPS "msr:0x48f|=0x1000000000000000 msr:0x490|=0x10000000000000 "
#define HOST_CET CET_CAPS "VM_EXIT_CONTROLS|=0x10000000 HOST_S_CET=0x4 HOST_SSP=0 " \
	"HOST_INTR_SSP_TABLE=0 "
#define GUEST_CET CET_CAPS "VM_ENTRY_CONTROLS|=0x100000 GUEST_S_CET=0x4 " \
	"GUEST_SSP=0xffffc90000a0fff8 GUEST_INTR_SSP_TABLE=0xffff88807dc1c000 "
#define HOST32_CET HOST32 "HOST_CR4&~=0x20000 HOST_RIP=0xc1234560 " HOST_CET
/* Stopped at a one-byte OUT to port 0x80, as KVM_EXIT_IO leaves it. */
#define OUT_EXIT "VM_EXIT_REASON=30 EXIT_QUALIFICATION=0x800000 VM_EXIT_INSTRUCTION_LEN=1 "

static const struct tcase cases[] = {
	/* 28.2.1.1 */
	{ "ctl-pin-reserved", BASE, "PIN_BASED_VM_EXEC_CONTROL=0x1ff" },
	{ "ctl-pin-reserved", BASE, "PIN_BASED_VM_EXEC_CONTROL&~=0x2" },
	{ "ctl-proc-reserved", BASE, "CPU_BASED_VM_EXEC_CONTROL|=0x1" },
	{ "ctl-proc-reserved", BASE,
	  "msr:0x480&~=0x80000000000000 CPU_BASED_VM_EXEC_CONTROL&~=0x8000" },
	{ "ctl-proc2-reserved", BASE, "SECONDARY_VM_EXEC_CONTROL|=0x800000" },
	{
		"ctl-proc3-reserved", BASE,
		"msr:0x48e|=0x2000000000000 CPU_BASED_VM_EXEC_CONTROL|=0x20000 TERTIARY_VM_EXEC_CONTROL=0x10 msr:0x492=0x0",
	},
	{ "ctl-cr3-target-count", BASE, "CR3_TARGET_COUNT=5" },
	{ "ctl-io-bitmaps", BASE, "IO_BITMAP_B=0x10a3e6800" },
	{ "ctl-io-bitmaps", BASE, "IO_BITMAP_A=0x4000000000000" },
	{ "ctl-msr-bitmap", BASE, "MSR_BITMAP=0x10b7c4008" },
	{ "ctl-virtual-apic-addr", BASE, "VIRTUAL_APIC_PAGE_ADDR=0x10d5a9100" },
	{ "ctl-tpr-threshold", BASE,
	  "PIN_BASED_VM_EXEC_CONTROL=0x7f SECONDARY_VM_EXEC_CONTROL&~=0x200 TPR_THRESHOLD=0x10" },
	{
		"ctl-x2apic-tpr", BASE,
		"PIN_BASED_VM_EXEC_CONTROL=0x7f CPU_BASED_VM_EXEC_CONTROL&~=0x200000 SECONDARY_VM_EXEC_CONTROL&~=0x301 SECONDARY_VM_EXEC_CONTROL|=0x10",
	},
	{
		"ctl-apic-reg-tpr", BASE,
		"PIN_BASED_VM_EXEC_CONTROL=0x7f CPU_BASED_VM_EXEC_CONTROL&~=0x200000 SECONDARY_VM_EXEC_CONTROL&~=0x200",
	},
	{ "ctl-vid-tpr", BASE,
	  "CPU_BASED_VM_EXEC_CONTROL&~=0x200000 SECONDARY_VM_EXEC_CONTROL&~=0x100" },
	{ "ctl-virtual-nmis", BASE, "PIN_BASED_VM_EXEC_CONTROL&~=0x8" },
	{ "ctl-nmi-window", BASE,
	  "PIN_BASED_VM_EXEC_CONTROL&~=0x28 CPU_BASED_VM_EXEC_CONTROL|=0x400000" },
	{ "ctl-apic-access-addr", BASE, "APIC_ACCESS_ADDR=0x104b2c010" },
	{ "ctl-x2apic-apic-access", BASE, "SECONDARY_VM_EXEC_CONTROL|=0x10" },
	{ "ctl-vid-ext-int", BASE, "PIN_BASED_VM_EXEC_CONTROL&~=0x1" },
	{ "ctl-posted-intr-vid", BASE, "SECONDARY_VM_EXEC_CONTROL&~=0x200" },
	{ "ctl-posted-intr-ack", BASE, "VM_EXIT_CONTROLS&~=0x8000" },
	{ "ctl-posted-intr-vector", BASE, "POSTED_INTR_NV=0x1f2" },
	{ "ctl-posted-intr-desc", BASE, "POSTED_INTR_DESC_ADDR=0x10c2d0e48" },
	{ "ctl-vpid", BASE, "VIRTUAL_PROCESSOR_ID=0" },
	{ "ctl-eptp-memtype", BASE, "EPT_POINTER=0x1112ad05d" },
	{ "ctl-eptp-memtype", BASE, "msr:0x48c&~=0x4000" },
	{ "ctl-eptp-walk", BASE, "EPT_POINTER=0x1112ad066" },
	{ "ctl-eptp-ad", BASE, "msr:0x48c&~=0x200000" },
	{ "ctl-eptp-reserved", BASE, "EPT_POINTER=0x1112ad15e" },
	{ "ctl-eptp-reserved", BASE, "EPT_POINTER=0x40001112ad05e" },
	{ "ctl-pml-ept", BASE, "SECONDARY_VM_EXEC_CONTROL&~=0x82" },
	{ "ctl-pml-addr", BASE, "PML_ADDRESS=0x11f0e3008" },
	{ "ctl-unrestricted-ept", BASE, "SECONDARY_VM_EXEC_CONTROL&~=0x20002" },
	{
		"ctl-spp-ept", BASE,
		"msr:0x48b|=0x80000000000000 SECONDARY_VM_EXEC_CONTROL&~=0x20082 SECONDARY_VM_EXEC_CONTROL|=0x800000",
	},
	{ "ctl-mbec-ept", BASE,
	  "SECONDARY_VM_EXEC_CONTROL&~=0x20082 SECONDARY_VM_EXEC_CONTROL|=0x400000" },
	{ "ctl-vmfunc-reserved", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x2000 VM_FUNCTION_CONTROL=0x2" },
	{
		"ctl-eptp-switching-ept", BASE,
		"SECONDARY_VM_EXEC_CONTROL&~=0x20082 SECONDARY_VM_EXEC_CONTROL|=0x2000 VM_FUNCTION_CONTROL=1 EPTP_LIST_ADDRESS=0x10e000000",
	},
	{ "ctl-eptp-list-addr", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x2000 VM_FUNCTION_CONTROL=1 EPTP_LIST_ADDRESS=0x10e000004" },
	{ "ctl-shadow-vmcs-bitmaps", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x4000 VMWRITE_BITMAP=0x1069f2001" },
	{ "ctl-ve-info-addr", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x40000 VE_INFORMATION_ADDRESS=0x1000010" },
	/* 28.2.1.2 */
	{ "ctl-exit-reserved", BASE, "VM_EXIT_CONTROLS|=0x2000000" },
	{ "ctl-preemption-save", BASE,
	  "PIN_BASED_VM_EXEC_CONTROL&~=0x40 VM_EXIT_CONTROLS|=0x400000" },
	{ "ctl-exit-msr-store", BASE,
	  "VM_EXIT_MSR_STORE_COUNT=1 VM_EXIT_MSR_STORE_ADDR=0x10c2d1008" },
	{ "ctl-exit-msr-store", BASE,
	  "VM_EXIT_MSR_STORE_COUNT=16 VM_EXIT_MSR_STORE_ADDR=0x3ffffffffff0" },
	{ "ctl-exit-msr-load", BASE, "VM_EXIT_MSR_LOAD_ADDR=0x10c2d1a38" },
	/* 28.2.1.3 */
	{ "ctl-entry-reserved", BASE, "VM_ENTRY_CONTROLS|=0x40000" },
	{ "entry-intr-type", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000120" },
	{ "entry-intr-type", BASE,
	  "msr:0x48e&~=0x800000000000000 VM_ENTRY_INTR_INFO_FIELD=0x80000700" },
	{ "entry-intr-vector", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000203" },
	{ "entry-intr-vector", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000320" },
	{ "entry-intr-error-code", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x8000030d" },
	{ "entry-intr-error-code", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000b06" },
	{ "entry-intr-error-code", REALMODE, "VM_ENTRY_INTR_INFO_FIELD=0x80000b0d" },
	{ "entry-intr-reserved", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80001020" },
	{ "entry-error-code", BASE,
	  "VM_ENTRY_INTR_INFO_FIELD=0x80000b0e VM_ENTRY_EXCEPTION_ERROR_CODE=0x10000" },
	{ "entry-insn-len", BASE,
	  "VM_ENTRY_INTR_INFO_FIELD=0x80000480 VM_ENTRY_INSTRUCTION_LEN=16" },
	{ "entry-insn-len", BASE, "msr:0x485&~=0x40000000 VM_ENTRY_INTR_INFO_FIELD=0x80000603" },
	{ "ctl-entry-msr-load", BASE, "VM_ENTRY_MSR_LOAD_ADDR=0x10c2d1834" },
	{ "ctl-entry-smm", BASE, "VM_ENTRY_CONTROLS|=0x400" },
	/* 28.2.2 */
	{ "host-cr0-fixed", BASE, "HOST_CR0=0x80050032" },
	{ "host-cr4-fixed", BASE, "HOST_CR4=0x3706f0" },
	{ "host-cet-wp", BASE, "msr:0x489|=0x800000 HOST_CR4|=0x800000 HOST_CR0&~=0x10000" },
	{ "host-cr3-width", BASE, "HOST_CR3=0x400000000000" },
	{ "host-sysenter-canonical", BASE, "HOST_IA32_SYSENTER_EIP=0x800000000000" },
	{ "host-pat", BASE, "HOST_IA32_PAT=0x0407050600070206" },
	{ "host-efer-reserved", BASE, "HOST_IA32_EFER=0xd03" },
	{ "host-efer-lma-lme", BASE, "HOST_IA32_EFER=0x901" },
	{ "host-cet-s-cet", BASE, HOST_CET "HOST_S_CET=0x44" },
	{ "host-cet-s-cet", BASE, HOST_CET "HOST_S_CET=0xc04" },
	{ "host-cet-ssp-align", BASE, HOST_CET "HOST_SSP=0xffffc90000a0fffa" },
	{ "host-cet-ssp-table", BASE, HOST_CET "HOST_INTR_SSP_TABLE=0x800000000000" },
	/* 28.2.3 */
	{ "host-sel-rpl-ti", BASE, "HOST_DS_SELECTOR=0x3" },
	{ "host-sel-rpl-ti", BASE, "HOST_TR_SELECTOR=0x44" },
	{ "host-sel-null", BASE, "HOST_TR_SELECTOR=0" },
	{ "host-sel-null", REALMODE,
	  HOST32 "HOST_SS_SELECTOR=0 HOST_CR4&~=0x20000 HOST_RIP=0xc1234560" },
	{ "host-base-canonical", BASE, "HOST_GS_BASE=0x888000000000" },
	/* 28.2.4 */
	{ "host-addr-space-mode", BASE, "width:GUEST_RIP=32" },
	{ "host-addr-space-guest", BASE, "VM_EXIT_CONTROLS&~=0x200" },
	{ "host-addr-space-0", REALMODE, HOST32 },
	{ "host-addr-space-1", BASE, "HOST_RIP=0x800000000000" },
	{ "host-addr-space-1", BASE, "HOST_CR4&~=0x20" },
	{ "host-cet-addr-space", BASE, HOST_CET "HOST_SSP=0x800000000000" },
	{ "host-cet-addr-space", BASE, HOST_CET "HOST_S_CET=0xffff7ffffffff004" },
	{ "host-cet-addr-space", REALMODE, HOST32_CET "HOST_S_CET=0x100000004" },
	{ "host-cet-addr-space", REALMODE, HOST32_CET "HOST_SSP=0xffffffffc1000ff8" },
	/* 28.3.1.1 */
	{ "guest-cr0-fixed", BASE, "GUEST_CR0=0x80050013" },
	{ "guest-cr0-fixed", REALMODE, "GUEST_CR0=0x60000010" },
	{ "guest-cr0-fixed", REALMODE, NO_UG "SECONDARY_VM_EXEC_CONTROL&~=0x20002" },
	{ "guest-cr0-pg-pe", REALMODE, "GUEST_CR0=0xe0000030" },
	{ "guest-cr4-fixed", BASE, "GUEST_CR4=0x3706f0" },
	{ "guest-cet-wp", BASE, "msr:0x489|=0x800000 GUEST_CR4|=0x800000 GUEST_CR0&~=0x10000" },
	{ "guest-debugctl", BASE, "GUEST_IA32_DEBUGCTL=0x10000" },
	{ "guest-ia32e-paging", BASE, "GUEST_CR4&~=0x20" },
	{ "guest-cr4-pcide", REALMODE, "GUEST_CR4=0x22000" },
	{ "guest-cr3-width", BASE, "GUEST_CR3=0x400000000000" },
	{ "guest-dr7-high", BASE, "GUEST_DR7=0x100000400" },
	{ "guest-sysenter-canonical", BASE, "GUEST_SYSENTER_ESP=0x8000000000000000" },
	{ "guest-pat", BASE, "GUEST_IA32_PAT=0x0007040600070408" },
	{ "guest-efer-reserved", BASE, "GUEST_IA32_EFER=0x4d01" },
	{ "guest-efer-lma", BASE, "GUEST_IA32_EFER=0x901" },
	{ "guest-efer-lma", BASE, "GUEST_IA32_EFER=0xc01" },
	{ "guest-bndcfgs", BASE, "GUEST_BNDCFGS=0x4" },
	{ "guest-bndcfgs", BASE, "GUEST_BNDCFGS=0x800000000001" },
	{ "guest-cet-s-cet", BASE, GUEST_CET "GUEST_S_CET=0x204" },
	{ "guest-cet-s-cet", BASE, GUEST_CET "GUEST_S_CET=0xc00" },
	{ "guest-cet-canonical", BASE, GUEST_CET "GUEST_INTR_SSP_TABLE=0x800000000000" },
	{ "guest-cet-canonical", BASE, GUEST_CET "GUEST_S_CET=0xfffe7e0000000004" },
	/* 28.3.1.2 */
	{ "guest-tr-ti", BASE, "GUEST_TR_SELECTOR=0x44" },
	{ "guest-ldtr-ti", BASE,
	  "GUEST_LDTR_AR_BYTES=0x82 GUEST_LDTR_LIMIT=0xffff GUEST_LDTR_SELECTOR=0x4c" },
	{ "guest-ss-rpl", BASE, NO_UG "GUEST_CS_SELECTOR=0x13" },
	{ "guest-seg-base-v8086", REALMODE, V86 "GUEST_DS_BASE=0x10" },
	{ "guest-seg-base-canonical", BASE, "GUEST_FS_BASE=0x800000000000" },
	{ "guest-seg-base-canonical", BASE,
	  "GUEST_LDTR_AR_BYTES=0x82 GUEST_LDTR_LIMIT=0xffff GUEST_LDTR_BASE=0x800000000000" },
	{ "guest-seg-base-high", BASE, "GUEST_DS_BASE=0x100000000" },
	{ "guest-seg-base-high", BASE, "GUEST_CS_BASE=0x100000000" },
	{ "guest-seg-limit-v8086", REALMODE, V86 "GUEST_ES_LIMIT=0xfffff" },
	{ "guest-seg-ar-v8086", REALMODE, V86 "GUEST_GS_AR_BYTES=0xf2" },
	{ "guest-cs-type", BASE, "GUEST_CS_AR_BYTES=0xa09a" },
	{ "guest-cs-type", BASE, NO_UG "GUEST_CS_AR_BYTES=0xa093" },
	{ "guest-ss-type", BASE, "GUEST_SS_AR_BYTES=0xc091" },
	{ "guest-seg-type", BASE, "GUEST_DS_AR_BYTES=0xc092" },
	{ "guest-seg-type", BASE, "GUEST_ES_AR_BYTES=0xc099" },
	{ "guest-seg-s", BASE, "GUEST_DS_AR_BYTES=0xc083" },
	{ "guest-seg-s", BASE, "GUEST_TR_AR_BYTES=0x9b" },
	{ "guest-cs-dpl", BASE, "GUEST_CS_AR_BYTES=0xa0fb" },
	{ "guest-cs-dpl", BASE, "GUEST_CS_AR_BYTES=0xa0bf" },
	{ "guest-ss-dpl", REALMODE, "GUEST_CS_AR_BYTES=0x9f GUEST_SS_AR_BYTES=0xf3" },
	{
		"guest-ss-dpl", BASE,
		NO_UG
		"GUEST_SS_AR_BYTES=0xc0b3 GUEST_SS_SELECTOR=0x1a GUEST_CS_SELECTOR=0x12 GUEST_CS_AR_BYTES=0xa0bb",
	},
	{ "guest-seg-dpl", BASE, NO_UG "GUEST_DS_SELECTOR=0x1b" },
	{ "guest-seg-p", BASE, "GUEST_ES_AR_BYTES=0xc013" },
	{ "guest-seg-p", BASE, "GUEST_TR_AR_BYTES=0x0b" },
	{ "guest-seg-ar-reserved", BASE, "GUEST_DS_AR_BYTES=0xc193" },
	{ "guest-seg-ar-reserved", BASE, "GUEST_TR_AR_BYTES=0x2008b" },
	{ "guest-cs-db", BASE, "GUEST_CS_AR_BYTES=0xe09b" },
	{ "guest-seg-limit-g", BASE, "GUEST_DS_LIMIT=0xffff0" },
	{ "guest-seg-limit-g", BASE, "GUEST_TR_LIMIT=0x100fff" },
	{ "guest-tr-type", BASE, "GUEST_TR_AR_BYTES=0x83" },
	{ "guest-tr-type", REALMODE, "GUEST_TR_AR_BYTES=0x89" },
	{ "guest-tr-unusable", BASE, "GUEST_TR_AR_BYTES=0x1008b" },
	{ "guest-ldtr-type", BASE, "GUEST_LDTR_AR_BYTES=0x83 GUEST_LDTR_LIMIT=0xffff" },
	/* 28.3.1.3 */
	{ "guest-dt-base-canonical", BASE, "GUEST_IDTR_BASE=0xfffe7e0000000000" },
	{ "guest-dt-limit", BASE, "GUEST_GDTR_LIMIT=0x10000" },
	/* 28.3.1.4 */
	{ "guest-rip-high", REALMODE, "GUEST_RIP=0x100000fff0" },
	{ "guest-rip-high", BASE, "GUEST_CS_AR_BYTES=0xc09b" },
	{ "guest-rip-canonical", BASE, "GUEST_RIP=0x800000000000" },
	{ "guest-rflags-reserved", BASE, "GUEST_RFLAGS=0x244" },
	{ "guest-rflags-reserved", BASE, "GUEST_RFLAGS=0x400246" },
	{ "guest-rflags-vm", REALMODE, V86 "GUEST_CR0=0x60000030" },
	{ "guest-rflags-if", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000020 GUEST_RFLAGS=0x46" },
	{ "guest-cet-ssp-align", BASE, GUEST_CET "GUEST_SSP=0xffffc90000a0fffe" },
	{ "guest-cet-ssp-high", BASE, GUEST_CET "GUEST_SSP=0x1000000000000" },
	{ "guest-cet-ssp-high", BASE, GUEST_CET "linear=57 GUEST_SSP=0xfd00000000000000" },
	/* 28.3.1.5 */
	{ "guest-activity-state", BASE, "GUEST_ACTIVITY_STATE=4" },
	{ "guest-activity-state", BASE, "msr:0x485&~=0x100 GUEST_ACTIVITY_STATE=3" },
	{ "guest-activity-hlt-dpl", BASE, USER "GUEST_ACTIVITY_STATE=1" },
	{ "guest-activity-blocking", BASE, "GUEST_INTERRUPTIBILITY_INFO=1 GUEST_ACTIVITY_STATE=1" },
	{ "guest-activity-injection", BASE,
	  "GUEST_ACTIVITY_STATE=3 VM_ENTRY_INTR_INFO_FIELD=0x80000020" },
	{ "guest-activity-injection", BASE,
	  "GUEST_ACTIVITY_STATE=1 VM_ENTRY_INTR_INFO_FIELD=0x80000b0d" },
	{ "guest-activity-injection", BASE,
	  "GUEST_ACTIVITY_STATE=2 VM_ENTRY_INTR_INFO_FIELD=0x80000020" },
	{ "guest-activity-sipi-smm", BASE, "VM_ENTRY_CONTROLS|=0x400 GUEST_ACTIVITY_STATE=3" },
	{ "guest-intr-reserved", BASE, "GUEST_INTERRUPTIBILITY_INFO=0x20" },
	{ "guest-intr-sti-movss", BASE, "GUEST_INTERRUPTIBILITY_INFO=3" },
	{ "guest-intr-sti-if", BASE, "GUEST_INTERRUPTIBILITY_INFO=1 GUEST_RFLAGS=0x46" },
	{ "guest-intr-ext-inj", BASE,
	  "GUEST_INTERRUPTIBILITY_INFO=2 VM_ENTRY_INTR_INFO_FIELD=0x80000020" },
	{ "guest-intr-nmi-inj", BASE,
	  "GUEST_INTERRUPTIBILITY_INFO=2 VM_ENTRY_INTR_INFO_FIELD=0x80000202" },
	{ "guest-intr-smi", BASE, "GUEST_INTERRUPTIBILITY_INFO=4" },
	{ "guest-intr-vnmi-inj", BASE,
	  "GUEST_INTERRUPTIBILITY_INFO=8 VM_ENTRY_INTR_INFO_FIELD=0x80000202" },
	{ "guest-intr-enclave", BASE, "GUEST_INTERRUPTIBILITY_INFO=0x12" },
	{ "guest-pending-dbg-reserved", BASE, "GUEST_PENDING_DBG_EXCEPTIONS=0x10" },
	{ "guest-pending-dbg-bs", BASE, "GUEST_INTERRUPTIBILITY_INFO=1 GUEST_RFLAGS=0x346" },
	{ "guest-pending-dbg-bs", BASE,
	  "GUEST_ACTIVITY_STATE=1 GUEST_PENDING_DBG_EXCEPTIONS=0x4000" },
	{
		"guest-pending-dbg-bs", BASE,
		"GUEST_INTERRUPTIBILITY_INFO=1 GUEST_RFLAGS=0x346 GUEST_IA32_DEBUGCTL=0x2 GUEST_PENDING_DBG_EXCEPTIONS=0x4000",
	},
	{ "guest-pending-dbg-rtm", BASE, "GUEST_PENDING_DBG_EXCEPTIONS=0x10000" },
	{ "guest-pending-dbg-rtm", BASE,
	  "GUEST_PENDING_DBG_EXCEPTIONS=0x11000 GUEST_INTERRUPTIBILITY_INFO=2" },
	{ "guest-link-pointer", BASE, "VMCS_LINK_POINTER=0x10abc008" },
	{ "guest-link-pointer", BASE, "VMCS_LINK_POINTER=0x400010abc000" },
	/* 28.3.1.6 */
	{ "guest-pdpte-reserved", REALMODE, PAE "GUEST_PDPTR0=0x10a000003" },
	{ "guest-pdpte-reserved", REALMODE, PAE "GUEST_PDPTR3=0x40010a000001" },
};

/* Variants that must pass every rule. */
static const struct tcase variants[] = {
	{ "64-bit guest", BASE, "" },
	{ "real mode at reset (unrestricted guest)", REALMODE, "" },
	{ "64-bit guest without unrestricted guest", BASE, NO_UG },
	{ "64-bit guest at CPL 3", BASE, USER },
	{ "virtual-8086 mode", REALMODE, V86 },
	{
		"32-bit PAE paging with EPT, present PDPTEs", REALMODE,
		PAE
		"GUEST_PDPTR0=0x10a000001 GUEST_PDPTR1=0x10a001001 GUEST_PDPTR2=0 GUEST_PDPTR3=0x10a003001",
	},
	{ "32-bit PAE paging without EPT (PDPTEs from memory)", REALMODE,
	  PAE "SECONDARY_VM_EXEC_CONTROL&~=0x20082 GUEST_PDPTR0=0x10a000007" },
	{ "32-bit host, real-mode guest", REALMODE,
	  HOST32 "HOST_CR4&~=0x20000 HOST_RIP=0xc1234560" },
	{
		"tertiary controls allowed", BASE,
		"msr:0x48e|=0x2000000000000 CPU_BASED_VM_EXEC_CONTROL|=0x20000 TERTIARY_VM_EXEC_CONTROL=0x10 msr:0x492=0x10",
	},
	{
		"no TRUE controls (IA32_VMX_BASIC[55]=0), CR3 exiting", BASE,
		"msr:0x480&~=0x80000000000000 msr:0x48d=- msr:0x48e=- msr:0x48f=- msr:0x490=- CPU_BASED_VM_EXEC_CONTROL|=0x18000",
	},
	{ "external interrupt injected", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000020" },
	{ "external interrupt injected in HLT", BASE,
	  "GUEST_ACTIVITY_STATE=1 VM_ENTRY_INTR_INFO_FIELD=0x80000020" },
	{ "#PF injected with an error code", BASE,
	  "VM_ENTRY_INTR_INFO_FIELD=0x80000b0e VM_ENTRY_EXCEPTION_ERROR_CODE=0x2" },
	{ "#GP injected in real mode, no error code", REALMODE,
	  "VM_ENTRY_INTR_INFO_FIELD=0x8000030d" },
	{ "#UD with an error code, IA32_VMX_BASIC[56]", BASE,
	  "msr:0x480|=0x100000000000000 VM_ENTRY_INTR_INFO_FIELD=0x80000b06" },
	{ "INT 80H injected", BASE,
	  "VM_ENTRY_INTR_INFO_FIELD=0x80000480 VM_ENTRY_INSTRUCTION_LEN=2" },
	{ "zero-length INT3 (IA32_VMX_MISC[30])", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000603" },
	{ "NMI injected, virtual NMIs", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000202" },
	{ "pending MTF injected", BASE, "VM_ENTRY_INTR_INFO_FIELD=0x80000700" },
	{ "NMI injected in shutdown", BASE,
	  "GUEST_ACTIVITY_STATE=2 VM_ENTRY_INTR_INFO_FIELD=0x80000202" },
	{ "wait-for-SIPI", BASE, "GUEST_ACTIVITY_STATE=3" },
	{ "STI blocking, TF set, BS pending", BASE,
	  "GUEST_INTERRUPTIBILITY_INFO=1 GUEST_RFLAGS=0x346 GUEST_PENDING_DBG_EXCEPTIONS=0x4000" },
	{ "RTM pending debug exception", BASE, "GUEST_PENDING_DBG_EXCEPTIONS=0x11000" },
	{ "VMCS link pointer set", BASE, "VMCS_LINK_POINTER=0x10abc000" },
	{ "57-bit linear addresses", BASE, "linear=57 GUEST_RIP=0x800000000000" },
	{ "physical-address width unknown", BASE, "phys=0 IO_BITMAP_A=0x4000000000000" },
	{ "VMCS shadowing", BASE, "SECONDARY_VM_EXEC_CONTROL|=0x4000" },
	{ "EPT-violation #VE", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x40000 VE_INFORMATION_ADDRESS=0x1000000" },
	{ "EPTP switching", BASE,
	  "SECONDARY_VM_EXEC_CONTROL|=0x2000 VM_FUNCTION_CONTROL=1 EPTP_LIST_ADDRESS=0x10e000000" },
	{ "VM-exit MSR-store area", BASE, "VM_EXIT_MSR_STORE_COUNT=2" },
	{ "CET with CR0.WP", BASE, "msr:0x489|=0x800000 GUEST_CR4|=0x800000 HOST_CR4|=0x800000" },
	{ "usable LDTR", BASE,
	  "GUEST_LDTR_SELECTOR=0x48 GUEST_LDTR_AR_BYTES=0x82 GUEST_LDTR_LIMIT=0xffff" },
	{ "5-level EPT", BASE, "msr:0x48c|=0x80 EPT_POINTER=0x1112ad066" },
	{ "CET state loaded on VM entry and VM exit, CR4.CET", BASE,
	  HOST_CET GUEST_CET "msr:0x489|=0x800000 GUEST_CR4|=0x800000 HOST_CR4|=0x800000" },
	{
		"S_CET flags, SUPPRESS or TRACKER alone, a legacy bitmap", BASE,
		HOST_CET GUEST_CET "HOST_S_CET=0xffffffff81e0083f GUEST_S_CET=0x7f1234560437",
	},
	{ "guest SSP bits 63:47 not identical, 63:48 identical", BASE,
	  GUEST_CET "GUEST_SSP=0x800000000000" },
	{ "guest SSP with 57-bit linear addresses", BASE,
	  GUEST_CET "linear=57 GUEST_SSP=0x100000000000000" },
	{ "32-bit host loading CET state", REALMODE, HOST32_CET "HOST_SSP=0xc1000ff8" },
	{ "\"load CET state\" 0: CET fields not checked", BASE,
	  "HOST_S_CET=0xc40 HOST_SSP=3 GUEST_S_CET=0xc40 GUEST_SSP=0x1000000000003" },
};

/* The CET rules: each one not evaluated without its fields. */
static const char *const cet_rules[] = {
	"host-cet-s-cet", "host-cet-ssp-align", "host-cet-ssp-table", "host-cet-addr-space",
	"guest-cet-s-cet", "guest-cet-canonical", "guest-cet-ssp-align", "guest-cet-ssp-high",
};

static int nr_tests, nr_failed;

static void ok(bool pass, const char *fmt, const char *a, const char *b)
{
	nr_tests++;
	if (!pass)
		nr_failed++;
	printf("%sok %d - ", pass ? "" : "not ", nr_tests);
	printf(fmt, a, b);
	printf("\n");
}

static struct snap_field *add_field(struct snapshot *s, const char *name)
{
	struct snap_field *f = &s->fields[s->nr_fields++];

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->width = 64;
	f->type = VMCSCTL_TYPE_CONTROL;
	return f;
}

static int apply_one(struct snapshot *s, char *tok)
{
	char *eq = strchr(tok, '='), *name = tok, op = '=';
	struct snap_field *f;
	uint64_t v, *target;
	unsigned int msr;
	int i;

	if (tok[0] == '-') {
		for (i = 0; i < s->nr_fields && strcmp(s->fields[i].name, tok + 1); i++)
			;
		if (i == s->nr_fields)
			return -1;
		memmove(&s->fields[i], &s->fields[i + 1],
			(s->nr_fields - i - 1) * sizeof(s->fields[0]));
		s->nr_fields--;
		return 0;
	}
	if (!eq)
		return -1;
	*eq = '\0';
	if (eq > tok && (eq[-1] == '|' || eq[-1] == '~')) {
		op = eq[-1];
		eq[-1] = '\0';
		if (op == '~') {
			if (eq - 2 < tok || eq[-2] != '&')
				return -1;
			eq[-2] = '\0';
		}
	}
	if (!strcmp(name, "phys") || !strcmp(name, "linear")) {
		*(name[0] == 'p' ? &s->phys_bits : &s->linear_bits) = atoi(eq + 1);
		return 0;
	}
	if (!strncmp(name, "width:", 6)) {
		f = (struct snap_field *)snap_find(s, name + 6);
		if (!f)
			return -1;
		f->width = atoi(eq + 1);
		return 0;
	}
	if (!strncmp(name, "msr:", 4)) {
		msr = strtoul(name + 4, NULL, 0);
		if (msr < MSR_VMX_FIRST || msr > MSR_VMX_LAST)
			return -1;
		if (!strcmp(eq + 1, "-")) {
			s->msr_valid &= ~(1u << (msr - MSR_VMX_FIRST));
			return 0;
		}
		s->msr_valid |= 1u << (msr - MSR_VMX_FIRST);
		target = &s->msr[msr - MSR_VMX_FIRST];
	} else {
		f = (struct snap_field *)snap_find(s, name);
		if (!f)
			f = add_field(s, name);
		target = &f->value;
	}
	v = strtoull(eq + 1, NULL, 0);
	if (op == '|')
		*target |= v;
	else if (op == '~')
		*target &= ~v;
	else
		*target = v;
	return 0;
}

static int apply(struct snapshot *s, const char *mutations)
{
	char buf[1024], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", mutations);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (apply_one(s, tok)) {
			printf("# bad mutation '%s'\n", tok);
			return -1;
		}
	return 0;
}

static bool failed(const struct check_report *r, const char *id)
{
	int i;

	for (i = 0; i < r->nr_failures; i++)
		if (!strcmp(r->failures[i].id, id))
			return true;
	return false;
}

/* The report, each line a TAP comment. */
static void diag(const struct check_report *r, const struct snapshot *s)
{
	char *buf, *line, *save;
	size_t size;
	FILE *mem;

	mem = open_memstream(&buf, &size);
	if (!mem)
		return;
	check_print(mem, s, r, false);
	fclose(mem);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", line);
	free(buf);
}

static struct snapshot bases[2], snap, empty;
static struct check_report report, all_rules;

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/snapshots";
	const char *names[2] = { "check-base.snap", "check-realmode.snap" };
	char path[512], desc[1400], *buf;
	size_t size;
	unsigned int i, k, nr_cases = ARRAY_SIZE(cases);
	const char *const *ids;
	int nr_ids, id, others;
	uint64_t v;
	FILE *mem;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (snap_load(path, &bases[i])) {
			printf("Bail out! cannot load %s\n", path);
			return 2;
		}
	}

	/* The bases and the variants pass every rule, none skipped. */
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		snap = bases[variants[i].base];
		if (apply(&snap, variants[i].mutations)) {
			ok(false, "variant %s%s: mutations apply", variants[i].rule, "");
			continue;
		}
		check(&snap, &report);
		ok(!report.nr_failures && !report.nr_skipped, "%s passes every rule%s",
		   variants[i].rule, variants[i].mutations[0] ? "" : " (base snapshot)");
		if (report.nr_failures || report.nr_skipped)
			diag(&report, &snap);
	}

	/* Each case fails its rule. */
	for (i = 0; i < nr_cases; i++) {
		bool realmode = cases[i].base == REALMODE;

		snap = bases[cases[i].base];
		snprintf(desc, sizeof(desc), "%s%s", realmode ? "real mode + " : "",
			 cases[i].mutations);
		if (apply(&snap, cases[i].mutations)) {
			ok(false, "%s: mutations apply (%s)", cases[i].rule, desc);
			continue;
		}
		check(&snap, &report);
		ok(failed(&report, cases[i].rule), "%s fails on %s", cases[i].rule, desc);
		others = 0;
		for (k = 0; k < (unsigned int)report.nr_failures; k++)
			others += strcmp(report.failures[k].id, cases[i].rule) != 0;
		if (others || !failed(&report, cases[i].rule))
			diag(&report, &snap);
	}

	/*
	 * Every rule's id, in check()'s order: without fields and MSRs, every
	 * rule lacks an input, so the report lists each one as not evaluated.
	 */
	check(&empty, &all_rules);
	if (all_rules.nr_rules || !all_rules.nr_skipped) {
		printf("Bail out! %d rules evaluated on an empty snapshot\n", all_rules.nr_rules);
		return 2;
	}
	ids = all_rules.skipped;
	nr_ids = all_rules.nr_skipped;

	/* Coverage: every rule has a failing case. */
	for (id = 0; id < nr_ids; id++) {
		for (i = 0; i < nr_cases && strcmp(cases[i].rule, ids[id]); i++)
			;
		ok(i < nr_cases, "%s has a failing case%s", ids[id], "");
	}
	/* ...and every case names a rule. */
	for (i = 0; i < nr_cases; i++) {
		for (id = 0; id < nr_ids && strcmp(ids[id], cases[i].rule); id++)
			;
		if (id == nr_ids)
			ok(false, "case names a rule: %s%s", cases[i].rule, "");
	}

	/* A rule without its inputs is listed as not evaluated, never failed. */
	snap = bases[BASE];
	for (i = 0; i < (unsigned int)snap.nr_fields; ) {
		if (!(snap.fields[i].flags & VMCSCTL_FIELD_HOST)) {
			i++;
			continue;
		}
		snprintf(desc, sizeof(desc), "-%s", snap.fields[i].name);
		apply_one(&snap, desc);
	}
	check(&snap, &report);
	ok(!report.nr_failures && report.nr_skipped > 10 &&
	   report.nr_rules + report.nr_skipped == nr_ids,
	   "lockdown (no host fields): %s%s", "no failures, host rules not evaluated", "");
	snap = bases[BASE];
	snap.msr_valid = 0;
	snap_set(&snap, "GUEST_CS_AR_BYTES", 0xa09a);
	check(&snap, &report);
	for (k = 0, i = 0; i < (unsigned int)report.nr_skipped; i++)
		k += !strcmp(report.skipped[i], "ctl-pin-reserved") ||
		     !strcmp(report.skipped[i], "guest-cr0-fixed");
	ok(k == 2 && failed(&report, "guest-cs-type") && report.nr_failures == 1,
	   "no MSRs: capability rules not evaluated, %s%s", "the rest still checked", "");

	/* "load CET state" on a kernel without the CET fields (before 7.3). */
	snap = bases[BASE];
	apply(&snap, CET_CAPS "VM_EXIT_CONTROLS|=0x10000000 VM_ENTRY_CONTROLS|=0x100000");
	check(&snap, &report);
	for (k = 0, i = 0; i < (unsigned int)report.nr_skipped; i++)
		for (id = 0; id < (int)ARRAY_SIZE(cet_rules); id++)
			k += !strcmp(report.skipped[i], cet_rules[id]);
	ok(k == ARRAY_SIZE(cet_rules) && report.nr_skipped == (int)k && !report.nr_failures,
	   "\"load CET state\" without CET fields: %s%s",
	   "the CET rules not evaluated, nothing failed", "");
	if (k != ARRAY_SIZE(cet_rules) || report.nr_failures)
		diag(&report, &snap);
	/* ...and with one field missing, only the rules that read it. */
	snap = bases[BASE];
	apply(&snap, HOST_CET GUEST_CET "GUEST_SSP=3 -GUEST_S_CET");
	check(&snap, &report);
	ok(report.nr_skipped == 2 && !strcmp(report.skipped[0], "guest-cet-s-cet") &&
	   !strcmp(report.skipped[1], "guest-cet-canonical") && report.nr_missing == 1 &&
	   !strcmp(report.missing[0], "GUEST_S_CET") && failed(&report, "guest-cet-ssp-align") &&
	   report.nr_failures == 1,
	   "GUEST_S_CET missing: %s%s", "its rules not evaluated, a bad SSP still fails", "");
	if (report.nr_skipped != 2 || report.nr_failures != 1)
		diag(&report, &snap);

	/*
	 * next_entry: KVM's cached RIP replaces the VMCS's, a pending I/O
	 * completion is applied, what is chosen at the entry is not guessed.
	 */
	snap = bases[BASE];
	apply(&snap, "GUEST_CS_AR_BYTES=0xc09b GUEST_RIP=0x1000");	/* compatibility mode */
	snap.has_next = true;
	snap.nr_next = 1;
	snap.next[0].encoding = snap_find(&snap, "GUEST_RIP")->encoding;
	snap.next[0].value = 0x100001000ull;
	check(&snap, &report);
	k = !report.nr_failures;
	snap_next_entry(&snap);
	check(&snap, &report);
	ok(k && failed(&report, "guest-rip-high") && report.nr_failures == 1 &&
	   strstr(snap.next_note, "GUEST_RIP=0x100001000 from KVM"),
	   "next_entry: KVM's RIP %s%s", "0x100001000 in compatibility mode fails guest-rip-high",
	   " (the VMCS's 0x1000 passes)");
	if (report.nr_failures != 1)
		diag(&report, &snap);

	snap = bases[BASE];
	apply(&snap, OUT_EXIT "GUEST_RFLAGS=0x2 GUEST_INTERRUPTIBILITY_INFO=1 GUEST_RIP=0x1000");
	snap.has_next = true;
	snap.next_flags = VMCSCTL_NEXT_COMPLETION;
	check(&snap, &report);
	k = failed(&report, "guest-intr-sti-if");
	snap_next_entry(&snap);
	check(&snap, &report);
	snap_get(&snap, "GUEST_RIP", &v);
	ok(k && !report.nr_failures && !report.nr_skipped && v == 0x1001,
	   "next_entry: a pending OUT completion %s%s", "clears STI blocking (IF=0) and skips",
	   " the OUT: every rule passes");
	if (report.nr_failures || report.nr_skipped)
		diag(&report, &snap);

	snap = bases[BASE];
	apply(&snap, "GUEST_RFLAGS=0x2 GUEST_INTERRUPTIBILITY_INFO=1 VM_EXIT_REASON=48");
	snap.has_next = true;
	snap.next_flags = VMCSCTL_NEXT_COMPLETION | VMCSCTL_NEXT_EVENT;
	snap_next_entry(&snap);
	check(&snap, &report);
	ok(!report.nr_failures && report.nr_skipped && !snap_find(&snap, "GUEST_RIP") &&
	   !snap_find(&snap, "VM_ENTRY_INTR_INFO_FIELD"),
	   "next_entry: an MMIO completion and a pending event: %s%s",
	   "RIP, interruptibility and the event not evaluated", ", not failed");
	if (report.nr_failures)
		diag(&report, &snap);

	/* Output. */
	snap = bases[BASE];
	snap_set(&snap, "GUEST_CS_AR_BYTES", 0xa093);
	snap_set(&snap, "SECONDARY_VM_EXEC_CONTROL", 0x021a172b);
	check(&snap, &report);
	mem = open_memstream(&buf, &size);
	check_print(mem, &snap, &report, false);
	fclose(mem);
	ok(strstr(buf, "FAIL 28.3.1.2 guest-cs-type: ") &&
	   strstr(buf, "[GUEST_CS_AR_BYTES=0x0000a093]") &&
	   strstr(buf, " checks, 1 failed, 0 not evaluated\n"), "text output%s%s", "", "");
	if (!strstr(buf, "guest-cs-type"))
		diag(&report, &snap);
	free(buf);
	snap.msr_valid &= ~1u;
	check(&snap, &report);
	mem = open_memstream(&buf, &size);
	check_print(mem, &snap, &report, true);
	fclose(mem);
	ok(strstr(buf, "{\"dir\":\"vmcs1555\",\"rules\":") &&
	   strstr(buf, "\"id\":\"guest-cs-type\",\"section\":\"28.3.1.2\"") &&
	   strstr(buf, "\"fields\":{\"GUEST_CS_AR_BYTES\":\"0x0000a093\"}") &&
	   strstr(buf, "\"skipped\":[\"ctl-pin-reserved\"") &&
	   strstr(buf, "\"IA32_VMX_BASIC\"") && strstr(buf, "\"enters\":false}\n"),
	   "JSON output%s%s", "", "");
	printf("# %s", buf);
	free(buf);

	printf("1..%d\n", nr_tests);
	if (nr_failed)
		printf("# %d of %d failed\n", nr_failed, nr_tests);
	return nr_failed ? 1 : 0;
}
