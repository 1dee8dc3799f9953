/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Minimal KVM VM for the vmcsctl selftests: real-mode guests made of a few
 * bytes of code, driven through the raw /dev/kvm ioctls.
 */
#ifndef SELFTEST_VMCSCTL_VM_H
#define SELFTEST_VMCSCTL_VM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VM_MEM_SIZE	0x10000		/* guest RAM at GPA 0 */
#define VM_CODE_GPA	0x1000		/* where vm_load_code() puts the code */
#define VM_MAX_VCPUS	8

struct vcpu {
	int fd;
	int id;
	struct kvm_run *run;
	size_t run_size;
};

struct vm {
	int kvm_fd;
	int fd;
	uint8_t *mem;
	int nr_vcpus;
	struct vcpu vcpus[VM_MAX_VCPUS];
};

/* kvm_intel.vmcsctl: are vCPUs shown in /sys/kernel/vmcsctl? */
#define VMCSCTL_SWITCH	"/sys/module/kvm_intel/parameters/vmcsctl"

/* Every function returns 0 or -errno; none of them exits. */
int vm_create(struct vm *vm);
/*
 * Wait until every vCPU created so far is shown (or hidden) as
 * kvm_intel.vmcsctl says, by writing its value back: root only.  0 on a
 * kernel without the switch.
 */
int vmcsctl_settle(void);
/* A new vCPU, with its directory in /sys/kernel/vmcsctl if it gets one. */
int vm_add_vcpu(struct vm *vm, struct vcpu **out);
void vm_load_code(struct vm *vm, uint64_t gpa, const void *code, size_t len);
int vcpu_start_at(struct vcpu *vcpu, uint64_t ip);
int vcpu_run(struct vcpu *vcpu);
/* Complete the last exit to userspace; the guest does not run. */
int vcpu_complete_exit(struct vcpu *vcpu);
int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs);
int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vm_destroy(struct vm *vm);

/* Pin the calling thread to one CPU. */
int pin_to_cpu(int cpu);

/* KVM_RUN of one vCPU in a thread of its own, pinned to a CPU. */
struct vcpu_thread {
	pthread_t thread;
	struct vcpu *vcpu;
	int cpu;
	int ret;		/* of pin_to_cpu() or vcpu_run() */
};

int vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu, int cpu);
/* Waits for the thread; returns its ret. */
int vcpu_thread_join(struct vcpu_thread *t);

#endif
