// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vm.h"

/* Where QEMU puts the real-mode TSS and identity map on Intel without URG. */
#define VM_TSS_ADDR	0xfffbd000

int vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = VM_MEM_SIZE,
	};

	memset(vm, 0, sizeof(*vm));
	vm->fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return -errno;
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return -EPROTO;
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0 || ioctl(vm->fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR))
		return -errno;
	vm->mem = mmap(NULL, VM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -errno;
	}
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	return 0;
}

int vmcsctl_settle(void)
{
	char value;
	int fd, ret = 0;

	fd = open(VMCSCTL_SWITCH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (read(fd, &value, 1) != 1 || pwrite(fd, &value, 1, 0) != 1)
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

int vm_add_vcpu(struct vm *vm, struct vcpu **out)
{
	struct vcpu *vcpu;
	int size;

	if (vm->nr_vcpus == VM_MAX_VCPUS)
		return -ENOSPC;
	vcpu = &vm->vcpus[vm->nr_vcpus];
	vcpu->id = vm->nr_vcpus;
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return -errno;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, vcpu->id);
	if (vcpu->fd < 0)
		return -errno;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		close(vcpu->fd);
		return -errno;
	}
	vcpu->run_size = size;
	vm->nr_vcpus++;
	*out = vcpu;
	return vmcsctl_settle();
}

void vm_load_code(struct vm *vm, uint64_t gpa, const void *code, size_t len)
{
	memcpy(vm->mem + gpa, code, len);
}

/* Real mode, CS = 0, so IP is the guest physical address of the code. */
int vcpu_start_at(struct vcpu *vcpu, uint64_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = ip, .rflags = 0x2, .rsp = 0x8000 };

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) || ioctl(vcpu->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

int vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
}

/*
 * Let KVM finish the instruction that exited to userspace (the OUT or IN,
 * the MMIO access) without entering the guest: KVM_RUN with immediate_exit
 * completes it and returns EINTR.
 */
int vcpu_complete_exit(struct vcpu *vcpu)
{
	int ret;

	vcpu->run->immediate_exit = 1;
	ret = ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : -EPROTO;
	vcpu->run->immediate_exit = 0;
	return ret == -EINTR ? 0 : ret;
}

int vcpu_get_regs(struct vcpu *vcpu, struct kvm_regs *regs)
{
	return ioctl(vcpu->fd, KVM_GET_REGS, regs) ? -errno : 0;
}

int vcpu_get_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	return ioctl(vcpu->fd, KVM_GET_SREGS, sregs) ? -errno : 0;
}

void vm_destroy(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpus[i].run, vm->vcpus[i].run_size);
		close(vm->vcpus[i].fd);
	}
	if (vm->mem)
		munmap(vm->mem, VM_MEM_SIZE);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->nr_vcpus = 0;
	vm->fd = -1;
	vm->kvm_fd = -1;
	vm->mem = NULL;
}

int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;

	t->ret = pin_to_cpu(t->cpu);
	if (!t->ret)
		t->ret = vcpu_run(t->vcpu);
	return NULL;
}

int vcpu_thread_start(struct vcpu_thread *t, struct vcpu *vcpu, int cpu)
{
	t->vcpu = vcpu;
	t->cpu = cpu;
	t->ret = 0;
	return -pthread_create(&t->thread, NULL, vcpu_thread_fn, t);
}

int vcpu_thread_join(struct vcpu_thread *t)
{
	int ret = pthread_join(t->thread, NULL);

	return ret ? -ret : t->ret;
}
