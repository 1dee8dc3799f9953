/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The fixture of vmcsctl_write_test and vmcsctl_lockdown_test: a VM with
 * one real-mode vCPU, in a boot with kvm_intel.vmcsctl_write=1 (else the
 * tests skip), and the helpers to start it and follow its exits.
 * Include after ../kselftest_harness.h.
 */
#ifndef SELFTEST_VMCSCTL_WRITE_FIXTURE_H
#define SELFTEST_VMCSCTL_WRITE_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>

#include "sysfs.h"
#include "vm.h"

FIXTURE(writes) {
	struct vm vm;
	struct vcpu *vcpu;
	char dir[64];
	bool ready;	/* setup did not skip */
};

FIXTURE_SETUP(writes)
{
	int on;

	ASSERT_EQ(0, vm_create(&self->vm));
	ASSERT_EQ(0, vm_add_vcpu(&self->vm, &self->vcpu));
	snprintf(self->dir, sizeof(self->dir), "vmcs%d", gettid_());
	on = vmcsctl_writes_enabled();
	if (on != 1)
		SKIP(return, "writes are off: kvm_intel.vmcsctl_write is %s",
		     on ? "missing" : "N");
	/* Without it KVM runs real mode in vm86, and refuses writes (EBUSY). */
	if (kvm_intel_param("unrestricted_guest") != 1)
		SKIP(return, "real-mode guests need kvm_intel.unrestricted_guest");
	self->ready = true;
}

/*
 * A SKIP in FIXTURE_SETUP keeps the test body from running only since the
 * 6.12 harness; before, the body ran anyway.  Every test of the fixture
 * therefore starts with "if (!self->ready) return;".
 */

FIXTURE_TEARDOWN(writes)
{
	vm_destroy(&self->vm);
}

#define WRITE(name, text)	vmcsctl_write_field(self->dir, #name, text)

/*
 * Load code at VM_CODE_GPA, start there and run to its first OUT, then
 * let KVM complete the OUT as a VMM that stops the vCPU does: writes are
 * refused until then.  KVM's RIP is then past the OUT; the VMCS's stays
 * at it until the next VM entry.
 */
static void start(struct __test_metadata *_metadata, struct vm *vm, struct vcpu *vcpu,
		  const uint8_t *code, size_t len)
{
	vm_load_code(vm, VM_CODE_GPA, code, len);
	ASSERT_EQ(0, vcpu_start_at(vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	ASSERT_EQ(0, vcpu_complete_exit(vcpu));
}

/* Run to the next exit, which must be an OUT of @value to @port; complete it. */
static void run_to_out(struct __test_metadata *_metadata, struct vcpu *vcpu, int port,
		       int value)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(value, *((uint8_t *)run + run->io.data_offset));
	ASSERT_EQ(0, vcpu_complete_exit(vcpu));
}

#define START(code)	start(_metadata, &self->vm, self->vcpu, code, sizeof(code))
#define RUN_TO_OUT(port, value)	run_to_out(_metadata, self->vcpu, port, value)

/*
 *	mov al, 1; out 0x10, al		; 0x1000; the first exit: GUEST_RIP 0x1002
 *	mov al, 2; out 0x11, al		; 0x1004
 *	mov al, 3; out 0x12, al		; 0x1008
 *	hlt				; 0x100c
 */
static const uint8_t three_outs[] = {
	0xb0, 1, 0xe6, 0x10, 0xb0, 2, 0xe6, 0x11, 0xb0, 3, 0xe6, 0x12, 0xf4,
};

#endif
