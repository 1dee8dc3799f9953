// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The main job's workload: start a small KVM guest, stop it at an OUT exit,
 * and print what /sys/kernel/vmcsctl shows for its vCPU beside KVM's own
 * KVM_GET_REGS/SREGS view.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "vm.h"

#define SYSFS	"/sys/kernel/vmcsctl"

/* mov al, 0x42; out 0xf1, al; hlt */
static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0xf1, 0xf4 };

static void show(const char *dir, const char *field, const char *kvm_name,
		 unsigned long long kvm_value)
{
	char path[512], buf[64] = "(unreadable)";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", SYSFS, dir, field);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "(read error)");
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	if (kvm_name)
		printf("  %-28s %-20s %-12s 0x%llx\n", field, buf, kvm_name, kvm_value);
	else
		printf("  %-28s %s\n", field, buf);
}

int main(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct dirent *de;
	struct vm vm;
	char dir[64];
	DIR *d;
	int ret;

	ret = vm_create(&vm);
	if (!ret)
		ret = vm_add_vcpu(&vm, &vcpu);
	if (ret) {
		fprintf(stderr, "demo: cannot create a VM: %s\n", strerror(-ret));
		return 1;
	}
	vm_load_code(&vm, VM_CODE_GPA, code, sizeof(code));
	if (vcpu_start_at(vcpu, VM_CODE_GPA) || vcpu_run(vcpu) ||
	    vcpu_get_regs(vcpu, &regs) || vcpu_get_sregs(vcpu, &sregs)) {
		perror("demo: KVM_RUN");
		return 1;
	}
	printf("demo: KVM guest exited with reason %u (KVM_EXIT_IO) on port 0x%x, value 0x%x\n",
	       vcpu->run->exit_reason, vcpu->run->io.port,
	       *((uint8_t *)vcpu->run + vcpu->run->io.data_offset));
	printf("demo: KVM_GET_REGS rip=0x%llx rsp=0x%llx rflags=0x%llx\n",
	       regs.rip, regs.rsp, regs.rflags);

	d = opendir(SYSFS);
	if (!d) {
		printf("demo: %s is not there (kernel without CONFIG_KVM_VMCSCTL)\n", SYSFS);
		vm_destroy(&vm);
		return 0;
	}
	printf("demo: ls %s\n", SYSFS);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			printf("  %s\n", de->d_name);
	closedir(d);

	/* The vCPU was created by this thread: its directory starts with our TID. */
	snprintf(dir, sizeof(dir), "vmcs%ld", (long)syscall(SYS_gettid));
	printf("demo: %s/%s beside KVM's view\n", SYSFS, dir);
	show(dir, "vcpu_id", NULL, 0);
	show(dir, "cpu", NULL, 0);
	show(dir, "revision_id", NULL, 0);
	show(dir, "VM_EXIT_REASON", NULL, 0);
	show(dir, "EXIT_QUALIFICATION", NULL, 0);
	show(dir, "VM_EXIT_INSTRUCTION_LEN", NULL, 0);
	show(dir, "GUEST_RIP", "rip", regs.rip);
	show(dir, "GUEST_RSP", "rsp", regs.rsp);
	show(dir, "GUEST_RFLAGS", "rflags", regs.rflags);
	show(dir, "GUEST_CS_SELECTOR", "cs.selector", sregs.cs.selector);
	show(dir, "GUEST_CS_BASE", "cs.base", sregs.cs.base);
	show(dir, "GUEST_IDTR_LIMIT", "idt.limit", sregs.idt.limit);
	show(dir, "VMCS_LINK_POINTER", NULL, 0);
	vm_destroy(&vm);
	return 0;
}
