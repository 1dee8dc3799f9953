// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The main job's workload: start a small KVM guest, stop it at an OUT exit,
 * print what /sys/kernel/vmcsctl shows for its vCPU beside KVM's own
 * KVM_GET_REGS/SREGS view, decode and check it with vmcsctl(8), then inject
 * a fault: flip bit 12 of the guest's DS base and watch the guest load the
 * wrong byte; last, a write that breaks the guest state, which vmcsctl set
 * refuses, --force writes, vmcsctl check explains and the CPU confirms.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "vm.h"

#define SYSFS	"/sys/kernel/vmcsctl"

/* mov al, 0x42; out 0xf1, al; mov al, [0x10]; out 0xf2, al; out 0xf3, al; hlt */
static const uint8_t code[] = {
	0xb0, 0x42, 0xe6, 0xf1, 0xa0, 0x10, 0x00, 0xe6, 0xf2, 0xe6, 0xf3, 0xf4,
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

/* Run a vmcsctl(8) command line, echoed; its exit status. */
static int vmcsctl(const char *fmt, const char *dir, const char *args)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), fmt, dir, args);
	printf("\n# %s\n", cmd);
	fflush(stdout);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A single-bit fault in a segment base, the way a fault-injection run would. */
static int inject_fault(struct vm *vm, struct vcpu *vcpu, const char *dir)
{
	struct kvm_sregs sregs;

	vm->mem[DATA_GPA] = 0x11;
	vm->mem[DATA_GPA + FAULT_BIT] = 0x99;
	printf("\ndemo: fault injection: flip bit 12 of the DS base the guest loads through next\n");
	if (vmcsctl("vmcsctl set %s GUEST_DS_BASE %s", dir, "0x1000")) {
		printf("demo: writes need CONFIG_KVM_VMCSCTL_WRITE=y and kvm_intel.vmcsctl_write=1\n");
		return 1;
	}
	if (vcpu_run(vcpu) || vcpu_get_sregs(vcpu, &sregs)) {
		perror("demo: KVM_RUN");
		return 1;
	}
	printf("demo: guest loaded [ds:0x%x] and wrote 0x%x to port 0x%x (0x11 without the fault); "
	       "KVM_GET_SREGS ds.base=0x%llx\n", DATA_GPA, out_value(vcpu), vcpu->run->io.port,
	       sregs.ds.base);
	show_audit();
	if (vcpu_complete_exit(vcpu)) {
		perror("demo: KVM_RUN");
		return 1;
	}
	return 0;
}

/*
 * A write that breaks the guest state: vmcsctl set refuses it, --force
 * writes it, vmcsctl check names the rule, and the CPU agrees.
 */
static int break_entry(struct vcpu *vcpu, const char *dir)
{
	printf("\ndemo: a bad write: TR's access rights with S=1 (TR must be a system segment)\n");
	if (vmcsctl("vmcsctl set %s GUEST_TR_AR_BYTES %s", dir, "0x009b") != 1) {
		printf("demo: FAIL: vmcsctl set did not refuse it\n");
		return 1;
	}
	if (vmcsctl("vmcsctl set --force %s GUEST_TR_AR_BYTES %s", dir, "0x009b") ||
	    vmcsctl("vmcsctl check %s%s", dir, "") != 1) {
		printf("demo: FAIL: the write or vmcsctl check did not do as expected\n");
		return 1;
	}
	if (vcpu_run(vcpu)) {
		perror("demo: KVM_RUN");
		return 1;
	}
	if (vcpu->run->exit_reason != KVM_EXIT_FAIL_ENTRY) {
		printf("demo: FAIL: KVM_RUN exit %u, not KVM_EXIT_FAIL_ENTRY\n",
		       vcpu->run->exit_reason);
		return 1;
	}
	printf("\ndemo: KVM_RUN: KVM_EXIT_FAIL_ENTRY, hardware_entry_failure_reason 0x%llx "
	       "(VM-entry failure, invalid guest state): as vmcsctl check said\n",
	       (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	return 0;
}

int main(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct vm vm;
	char dir[64];
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
	printf("demo: a real-mode KVM guest exited with reason %u (KVM_EXIT_IO) on port 0x%x, value 0x%x\n",
	       vcpu->run->exit_reason, vcpu->run->io.port, out_value(vcpu));
	printf("demo: KVM_GET_REGS rip=0x%llx rsp=0x%llx rflags=0x%llx\n",
	       regs.rip, regs.rsp, regs.rflags);
	if (access(SYSFS, F_OK)) {
		printf("demo: %s is not there (kernel without CONFIG_KVM_VMCSCTL)\n", SYSFS);
		vm_destroy(&vm);
		return 1;
	}

	/* The vCPU was created by this thread: its directory is named after our TID. */
	snprintf(dir, sizeof(dir), "vmcs%ld", (long)syscall(SYS_gettid));
	printf("\ndemo: cat %s/%s/<FIELD> beside KVM's view\n", SYSFS, dir);
	show(dir, "GUEST_RIP", "rip", regs.rip);
	show(dir, "GUEST_RSP", "rsp", regs.rsp);
	show(dir, "GUEST_RFLAGS", "rflags", regs.rflags);
	show(dir, "GUEST_CS_SELECTOR", "cs.selector", sregs.cs.selector);
	show(dir, "GUEST_CS_BASE", "cs.base", sregs.cs.base);

	ret = vmcsctl("vmcsctl list%s%s", "", "");
	ret |= vmcsctl("vmcsctl show %s %s", dir,
		       "VM_EXIT_REASON EXIT_QUALIFICATION GUEST_RIP GUEST_CR0 GUEST_RFLAGS "
		       "GUEST_CS_AR_BYTES GUEST_TR_AR_BYTES GUEST_INTERRUPTIBILITY_INFO "
		       "CPU_BASED_VM_EXEC_CONTROL SECONDARY_VM_EXEC_CONTROL VM_ENTRY_CONTROLS");
	ret |= vmcsctl("vmcsctl check %s%s", dir, "");
	/* Writes wait until KVM has finished the OUT, as a VMM lets it when it stops a vCPU. */
	printf("\ndemo: KVM_RUN with immediate_exit: KVM completes the OUT, the guest does not run\n");
	if (vcpu_complete_exit(vcpu)) {
		perror("demo: KVM_RUN");
		return 1;
	}
	ret |= inject_fault(&vm, vcpu, dir);
	ret |= break_entry(vcpu, dir);
	vm_destroy(&vm);
	printf("\ndemo: %s\n", ret ? "FAILED" : "done: every step did what it should");
	return !!ret;
}
