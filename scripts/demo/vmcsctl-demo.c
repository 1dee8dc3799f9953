// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The main job's workload: start a small KVM guest, stop it at an OUT exit,
 * print what /sys/kernel/vmcsctl shows for its vCPU beside KVM's own
 * KVM_GET_REGS/SREGS view, then inject a fault: flip bit 12 of the guest's
 * DS base and watch the guest load the wrong byte.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/syscall.h>

#include "vm.h"

#define SYSFS	"/sys/kernel/vmcsctl"

/* mov al, 0x42; out 0xf1, al; mov al, [0x10]; out 0xf2, al; hlt */
static const uint8_t code[] = {
	0xb0, 0x42, 0xe6, 0xf1, 0xa0, 0x10, 0x00, 0xe6, 0xf2, 0xf4,
};
#define DATA_GPA	0x10		/* the byte the guest loads via DS */
#define FAULT_BIT	0x1000		/* flipped in the DS base */
#define SYSLOG_ACTION_READ_ALL	3	/* include/linux/syslog.h */

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

static uint8_t out_value(struct vcpu *vcpu)
{
	return *((uint8_t *)vcpu->run + vcpu->run->io.data_offset);
}

/* What the write left behind: the taint flags and the kernel's log line. */
static void show_audit(void)
{
	static char log[1 << 16];
	char *line, *last = NULL;
	char tainted[32] = "?";
	FILE *f;
	int len;

	f = fopen("/proc/sys/kernel/tainted", "r");
	if (f) {
		if (!fgets(tainted, sizeof(tainted), f))
			strcpy(tainted, "?");
		fclose(f);
	}
	tainted[strcspn(tainted, "\n")] = 0;
	len = klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof(log) - 1);
	log[len > 0 ? len : 0] = 0;
	for (line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, "vmcsctl: write "))
			last = line;
	printf("demo: /proc/sys/kernel/tainted = %s (TAINT_USER is 64); kernel log: %s\n",
	       tainted, last ? last : "(none)");
}

/* A single-bit fault in a segment base, the way a fault-injection run would. */
static void inject_fault(struct vm *vm, struct vcpu *vcpu, const char *dir)
{
	char path[512], value[32];
	struct kvm_sregs sregs;
	int fd, len;

	vm->mem[DATA_GPA] = 0x11;
	vm->mem[DATA_GPA + FAULT_BIT] = 0x99;
	snprintf(path, sizeof(path), "%s/%s/GUEST_DS_BASE", SYSFS, dir);
	len = snprintf(value, sizeof(value), "0x%x\n", FAULT_BIT);
	printf("demo: fault injection: echo 0x%x > %s\n", FAULT_BIT, path);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, value, len) != len) {
		printf("demo: write refused: %s (writes need CONFIG_KVM_VMCSCTL_WRITE=y and kvm_intel.vmcsctl_write=1)\n",
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	show(dir, "GUEST_DS_BASE", NULL, 0);
	if (vcpu_run(vcpu) || vcpu_get_sregs(vcpu, &sregs)) {
		perror("demo: KVM_RUN");
		return;
	}
	printf("demo: guest loaded [ds:0x%x] and wrote 0x%x to port 0x%x (0x11 without the fault); "
	       "KVM_GET_SREGS ds.base=0x%llx\n", DATA_GPA, out_value(vcpu), vcpu->run->io.port,
	       sregs.ds.base);
	show_audit();
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
	       out_value(vcpu));
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
	inject_fault(&vm, vcpu, dir);
	vm_destroy(&vm);
	return 0;
}
