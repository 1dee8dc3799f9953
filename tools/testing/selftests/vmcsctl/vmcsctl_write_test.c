// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl write selftests, for a kernel with CONFIG_KVM_VMCSCTL_WRITE=y and
 * kvm_intel loaded with vmcsctl_write=1: redirect stopped guests through
 * /sys/kernel/vmcsctl, check the guest's next exits and KVM_GET_REGS/SREGS
 * and VCPU_EVENTS, check every refusal, who may write (capabilities,
 * ptrace rights), the taint flag, the log line and audit record.  (With
 * writes off, vmcsctl_module_test checks that nothing can be opened for
 * writing; vmcsctl_lockdown_test checks writes under lockdown.)  The guests
 * run in real mode, which needs unrestricted_guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/capability.h>

#include "../kselftest_harness.h"
#include "harness_field.h"
#include "sysfs.h"
#include "vm.h"
#include "write_fixture.h"

#define TAINT_USER		0x40	/* 'U', bit 6 of /proc/sys/kernel/tainted */
#define SYSLOG_ACTION_READ_ALL	3	/* include/linux/syslog.h */
#define X86_EFLAGS_IF		0x200
/*
 * What a value above 32 bits in a natural-width field gets: ERANGE on a
 * 32-bit kernel, where the field has 32 bits, else err (0: accepted).
 */
#define WIDE(err)		(sizeof(long) == 4 ? ERANGE : (err))

static long taint_flags(void)
{
	long value = -1;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%ld", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

static bool kernel_log_has(const char *text)
{
	static char log[1 << 20];
	int len = klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof(log) - 1);

	if (len < 0)
		return false;
	log[len] = 0;
	return strstr(log, text);
}

/* The first write taints the kernel; every write is logged with its writer. */
TEST_F(writes, taint_and_log)
{
	char line[256], record[256], comm[32] = "";
	long before, after;
	FILE *f;

	if (!self->ready)
		return;
	START(three_outs);
	ASSERT_EQ(0x1002, FIELD(GUEST_RIP));
	before = taint_flags();
	ASSERT_LE(0, before);
	/* This is the boot's first write: nothing may have set 'U' before. */
	ASSERT_FALSE(before & TAINT_USER) TH_LOG("tainted %ld before the first write", before);
	/* A write KVM_SET_SREGS refuses (CS.L=1 in real mode) changes nothing: no taint. */
	ASSERT_EQ(-EINVAL, WRITE(GUEST_CS_AR_BYTES, "0x209b\n"));
	ASSERT_EQ(before, taint_flags()) TH_LOG("a refused write tainted the kernel");

	ASSERT_EQ(0, WRITE(GUEST_RIP, "0x1008\n"));
	after = taint_flags();
	EXPECT_TRUE(after & TAINT_USER) TH_LOG("tainted %ld after a write", after);
	TH_LOG("TAINT_USER set by this write (tainted %ld -> %ld)", before, after);

	f = fopen("/proc/self/comm", "r");
	ASSERT_TRUE(!!f);
	ASSERT_TRUE(!!fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	snprintf(line, sizeof(line), "vmcsctl: write %s/GUEST_RIP: 0x1004 -> 0x1008 by %s[%d]",
		 self->dir, comm, gettid_());
	EXPECT_TRUE(kernel_log_has(line)) TH_LOG("no \"%s\" in the kernel log", line);

	/*
	 * With CONFIG_AUDIT (/proc/PID/loginuid exists) the write is audited
	 * too.  Without auditd, kauditd prints the record to the kernel log.
	 */
	if (access("/proc/self/loginuid", F_OK)) {
		TH_LOG("no CONFIG_AUDIT: no audit record to check");
	} else {
		int tries;

		snprintf(line, sizeof(line), "type=%d audit(", AUDIT_KERNEL_OTHER);
		snprintf(record, sizeof(record), "op=vmcsctl_write dir=%s %s", self->dir,
			 "field=GUEST_RIP old=0x1004 new=0x1008");
		for (tries = 0; tries < 50 && !kernel_log_has(record); tries++)
			usleep(100000);	/* kauditd prints asynchronously */
		EXPECT_TRUE(kernel_log_has(record)) TH_LOG("no audit record \"%s\"", record);
		/* The refused write is audited with its errno. */
		snprintf(record, sizeof(record), "op=vmcsctl_write dir=%s %s", self->dir,
			 "field=GUEST_CS_AR_BYTES new=0x209b res=0 errno=22");
		EXPECT_TRUE(kernel_log_has(record)) TH_LOG("no audit record \"%s\"", record);
		EXPECT_TRUE(kernel_log_has(line)) TH_LOG("no \"%s\" in the kernel log", line);
	}

	/* And the guest went on at the RIP written. */
	RUN_TO_OUT(0x12, 3);
}

/* GUEST_RIP past an OUT: the next exit is the following OUT. */
TEST_F(writes, redirect_rip)
{
	struct kvm_regs regs;

	if (!self->ready)
		return;
	START(three_outs);
	ASSERT_EQ(0x1002, FIELD(GUEST_RIP));
	ASSERT_EQ(0, WRITE(GUEST_RIP, "0x1008\n"));
	EXPECT_EQ(0x1008, FIELD(GUEST_RIP));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x1008, regs.rip);

	RUN_TO_OUT(0x12, 3);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x100c, regs.rip);
	ASSERT_EQ(0, vcpu_run(self->vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, self->vcpu->run->exit_reason);
}

/*
 *	mov ax, 0x1234
 *	out 0x10, al		; stop here
 *	push ax
 *	out 0x11, al
 *	hlt
 */
static const uint8_t push_ax[] = {
	0xb8, 0x34, 0x12, 0xe6, 0x10, 0x50, 0xe6, 0x11, 0xf4,
};

/* A new GUEST_RSP, in decimal: the guest pushes to the new stack. */
TEST_F(writes, redirect_rsp)
{
	uint8_t *mem = self->vm.mem;
	struct kvm_regs regs;

	if (!self->ready)
		return;
	START(push_ax);
	ASSERT_EQ(0x8000, FIELD(GUEST_RSP));
	ASSERT_EQ(0, WRITE(GUEST_RSP, "24576\n"));
	EXPECT_EQ(0x6000, FIELD(GUEST_RSP));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x6000, regs.rsp);

	RUN_TO_OUT(0x11, 0x34);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x5ffe, regs.rsp);
	EXPECT_EQ(0x34, mem[0x5ffe]);
	EXPECT_EQ(0x12, mem[0x5fff]);
	EXPECT_EQ(0, mem[0x7ffe] | mem[0x7fff]) TH_LOG("pushed to the old stack");
}

/*
 *	out 0x10, al		; stop here
 *	mov al, [0x10]		; via DS
 *	out 0x11, al
 *	hlt
 */
static const uint8_t load_ds[] = { 0xe6, 0x10, 0xa0, 0x10, 0x00, 0xe6, 0x11, 0xf4 };

/* A new DS base: the guest loads from the moved segment. */
TEST_F(writes, segment_base)
{
	struct kvm_sregs sregs;

	if (!self->ready)
		return;
	self->vm.mem[0x10] = 0xaa;
	self->vm.mem[0x5010] = 0xbb;
	START(load_ds);
	ASSERT_EQ(0, FIELD(GUEST_DS_BASE));
	ASSERT_EQ(0, WRITE(GUEST_DS_BASE, "0x5000"));
	EXPECT_EQ(0x5000, FIELD(GUEST_DS_BASE));
	ASSERT_EQ(0, vcpu_get_sregs(self->vcpu, &sregs));
	EXPECT_EQ(0x5000, sregs.ds.base);
	EXPECT_EQ(0, sregs.ds.selector);

	RUN_TO_OUT(0x11, 0xbb);
	ASSERT_EQ(0, vcpu_get_sregs(self->vcpu, &sregs));
	EXPECT_EQ(0x5000, sregs.ds.base);
}

/* mov al, 0x42; out 0xf1, al; hlt */
static const uint8_t out_hlt[] = { 0xb0, 0x42, 0xe6, 0xf1, 0xf4 };

/* Every refusal has its errno, changes nothing, and the guest runs on. */
TEST_F(writes, refusals)
{
	static const struct {
		const char *field, *text;
		int err;
	} bad[] = {
		{ "GUEST_RIP", "garbage\n", EINVAL },
		{ "GUEST_RIP", "0x\n", EINVAL },
		{ "GUEST_RIP", "-1\n", EINVAL },
		{ "GUEST_RIP", "0x1004 0x1005\n", EINVAL },
		{ "GUEST_RIP", "0x10000000000000000\n", ERANGE },
		{ "GUEST_ES_SELECTOR", "0x10000\n", ERANGE },
		{ "GUEST_SYSENTER_CS", "4294967296\n", ERANGE },
		{ "GUEST_RIP", "0x8000000000000000\n", WIDE(EINVAL) },	/* not canonical */
		{ "GUEST_RFLAGS", "0\n", EINVAL },			/* bit 1 is 1 */
		{ "GUEST_RFLAGS", "0x400002\n", EINVAL },		/* reserved bit 22 */
		{ "GUEST_CS_AR_BYTES", "0x19b\n", EINVAL },		/* reserved bit 8 */
		{ "GUEST_DS_BASE", "0x100000000\n", WIDE(EINVAL) },	/* bits 63:32 */
		/* Natural-width fields are 32 bits wide on a 32-bit kernel. */
		{ "GUEST_RIP", "0x100000000\n", WIDE(0) },
		{ "GUEST_RSP", "0x100001000\n", WIDE(0) },
		{ "GUEST_RFLAGS", "0x100000002\n", WIDE(0) },
		{ "GUEST_SYSENTER_EIP", "0xffffffff00000000\n", WIDE(0) },
		{ "GUEST_GDTR_LIMIT", "0x10000\n", EINVAL },
		{ "GUEST_INTERRUPTIBILITY_INFO", "0x10\n", EINVAL },
		{ "GUEST_INTERRUPTIBILITY_INFO", "3\n", EINVAL },	/* STI + MOV SS */
		{ "GUEST_INTERRUPTIBILITY_INFO", "4\n", EINVAL },	/* SMI: only in SMM */
		/* L=1 outside long mode: KVM_SET_SREGS refuses it, so do we. */
		{ "GUEST_CS_AR_BYTES", "0x209b\n", EINVAL },
		{ "GUEST_PENDING_DBG_EXCEPTIONS", "0\n", EACCES },	/* no ioctl sets it */
		{ "HOST_RIP", "0x1000\n", EACCES },
		{ "HOST_CR3", "0\n", EACCES },
		{ "VMCS_LINK_POINTER", "0\n", EACCES },
		{ "MSR_BITMAP", "0\n", EACCES },
		{ "PIN_BASED_VM_EXEC_CONTROL", "0\n", EACCES },
		{ "VIRTUAL_PROCESSOR_ID", "0\n", EACCES },
		{ "GUEST_CR0", "0x31\n", EACCES },
		{ "VM_EXIT_REASON", "0\n", EACCES },
		{ "EXIT_QUALIFICATION", "0\n", EACCES },
	};
	struct kvm_regs regs;
	uint64_t before, after;
	unsigned int i;
	int ret;

	if (!self->ready)
		return;
	START(out_hlt);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!bad[i].err)
			continue;	/* WIDE(0): a value only a 32-bit kernel refuses */
		ASSERT_EQ(0, vmcsctl_read_field(self->dir, bad[i].field, &before))
			TH_LOG("%s", bad[i].field);
		ret = vmcsctl_write_field(self->dir, bad[i].field, bad[i].text);
		EXPECT_EQ(-bad[i].err, ret) TH_LOG("%s <- %s: %s", bad[i].field,
						   bad[i].text, strerror(-ret));
		ASSERT_EQ(0, vmcsctl_read_field(self->dir, bad[i].field, &after));
		EXPECT_EQ(before, after) TH_LOG("%s changed", bad[i].field);
	}
	EXPECT_EQ(-EACCES, vmcsctl_write_field(self->dir, "revision_id", "0\n"));

	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(VM_CODE_GPA + 4, regs.rip);	/* KVM completed the OUT */
	ASSERT_EQ(0, vcpu_run(self->vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, self->vcpu->run->exit_reason);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(VM_CODE_GPA + sizeof(out_hlt), regs.rip);
}

/*
 * A write to RIP is KVM_SET_REGS: an exception that KVM had queued at the
 * old RIP is dropped, and the guest runs from the new RIP without it.
 */
TEST_F(writes, drops_pending_exception)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXCEPTION_PAYLOAD, .args = { 1 } };
	struct kvm_vcpu_events events;

	if (!self->ready)
		return;
	ASSERT_EQ(0, ioctl(self->vm.fd, KVM_ENABLE_CAP, &cap));
	START(three_outs);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	events.exception.pending = 1;
	events.exception.injected = 0;
	events.exception.nr = 6;	/* #UD */
	events.exception_has_payload = 0;
	events.flags = KVM_VCPUEVENT_VALID_PAYLOAD;	/* else KVM drops "pending" */
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_VCPU_EVENTS, &events));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	ASSERT_EQ(1, events.exception.pending);

	ASSERT_EQ(0, WRITE(GUEST_RIP, "0x1008\n"));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	EXPECT_EQ(0, events.exception.pending);
	EXPECT_EQ(0, events.exception.injected);
	/* With #UD delivered the guest would jump through IVT entry 6 (0:0). */
	RUN_TO_OUT(0x12, 3);
}

/*
 * The logged old value is KVM's: once KVM completed the OUT, its register
 * cache holds the RIP after it, the VMCS the OUT's until the next VM entry.
 */
TEST_F(writes, old_value_from_kvm)
{
	char line[256];
	struct kvm_regs regs;

	if (!self->ready)
		return;
	START(three_outs);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x1004, regs.rip);
	EXPECT_EQ(0x1002, FIELD(GUEST_RIP)) TH_LOG("the VMCS before the next VM entry");
	ASSERT_EQ(0, WRITE(GUEST_RIP, "0x1008\n"));
	snprintf(line, sizeof(line), "vmcsctl: write %s/GUEST_RIP: 0x1004 -> 0x1008 by ",
		 self->dir);
	EXPECT_TRUE(kernel_log_has(line)) TH_LOG("no \"%s\" in the kernel log", line);
	RUN_TO_OUT(0x12, 3);
}

/* In a child process with only the capabilities @cap1, @cap2: errno of a write. */
static int write_as(const char *dir, const char *field, const char *text, int cap1, int cap2)
{
	int status;
	pid_t child = fork();

	if (child < 0)
		return -1000;
	if (!child) {
		if (caps_keep_only(cap1, cap2))
			_exit(200);
		_exit(-vmcsctl_write_field(dir, field, text));
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		return -1001;
	return -WEXITSTATUS(status);
}

/*
 * Who may write: CAP_SYS_ADMIN, and the right to ptrace the thread that
 * runs the vCPU (this one).  A writer with fewer capabilities than this
 * root process may attach to it only with CAP_SYS_PTRACE.
 */
TEST_F(writes, writer_privileges)
{
	if (!self->ready)
		return;
	START(three_outs);
	EXPECT_EQ(-EPERM, write_as(self->dir, "GUEST_RIP", "0x100c", CAP_SYS_PTRACE, -1));
	EXPECT_EQ(-EPERM, write_as(self->dir, "GUEST_RIP", "0x100c", CAP_SYS_ADMIN, -1));
	EXPECT_EQ(0x1002, FIELD(GUEST_RIP));
	EXPECT_EQ(0, write_as(self->dir, "GUEST_RIP", "0x1008", CAP_SYS_ADMIN,
			      CAP_SYS_PTRACE));
	EXPECT_EQ(0x1008, FIELD(GUEST_RIP));
	RUN_TO_OUT(0x12, 3);
}

/*
 * A 32-bit PAE guest (flat segments, one 2 MiB page at 0):
 *
 *	out 0x10, al		; stopped here
 *	mov al, [0x2000]	; through DS
 *	out 0x11, al
 *	hlt
 */
static const uint8_t pae_load_ds[] = {
	0xe6, 0x10, 0xa0, 0x00, 0x20, 0x00, 0x00, 0xe6, 0x11, 0xf4,
};

#define PAE_PDPT	0x4000	/* CR3: the PDPT in guest memory */
#define PAE_PD_MEMORY	0x5000	/* the page directory it points to */
#define PAE_PD_SREGS2	0x6000	/* the one KVM_SET_SREGS2's PDPTRs point to */
#define PDE_2M_AT_0	0x83	/* present, writable, 2 MiB page at 0 */

/*
 * The VMM sets PDPTRs with KVM_SET_SREGS2 that differ from the PDPT in
 * memory (both page directories map the same).  A write of DS's base from
 * another process keeps them: KVM_SET_SREGS would reload the PDPTRs from
 * guest memory, through the writer's address space, which is not the
 * VM's.  KVM_GET_SREGS2 shows the VMM's PDPTRs after the write, and the
 * guest runs on, loading through the new base.
 */
TEST_F(writes, pae_pdptrs_kept)
{
	struct kvm_regs regs = { .rip = VM_CODE_GPA, .rflags = 2 };
	struct kvm_segment data;
	struct kvm_sregs2 sregs;
	uint8_t *mem = self->vm.mem;

	if (!self->ready)
		return;
	*(uint64_t *)(mem + PAE_PDPT) = PAE_PD_MEMORY | 1;
	*(uint64_t *)(mem + PAE_PD_MEMORY) = PDE_2M_AT_0;
	*(uint64_t *)(mem + PAE_PD_SREGS2) = PDE_2M_AT_0;
	mem[0x2000] = 0x11;
	mem[0x2100] = 0x22;
	vm_load_code(&self->vm, VM_CODE_GPA, pae_load_ds, sizeof(pae_load_ds));

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_SREGS2, &sregs));
	sregs.cs = (struct kvm_segment){ .limit = 0xffffffff, .selector = 8, .type = 11,
					 .present = 1, .db = 1, .s = 1, .g = 1 };
	data = sregs.cs;
	data.selector = 0x10;
	data.type = 3;
	sregs.ds = data;
	sregs.es = data;
	sregs.fs = data;
	sregs.gs = data;
	sregs.ss = data;
	sregs.cr0 = 0x80000031;		/* PG, NE, ET, PE */
	sregs.cr4 = 0x20;		/* PAE */
	sregs.cr3 = PAE_PDPT;
	sregs.efer = 0;
	sregs.flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	memset(sregs.pdptrs, 0, sizeof(sregs.pdptrs));
	sregs.pdptrs[0] = PAE_PD_SREGS2 | 1;
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_SREGS2, &sregs));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, self->vcpu->run->exit_reason);
	ASSERT_EQ(0x10, self->vcpu->run->io.port);
	ASSERT_EQ(0, vcpu_complete_exit(self->vcpu));

	ASSERT_EQ(0, write_as(self->dir, "GUEST_DS_BASE", "0x100", CAP_SYS_ADMIN,
			      CAP_SYS_PTRACE));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_SREGS2, &sregs));
	EXPECT_EQ(0x100, sregs.ds.base);
	EXPECT_TRUE(sregs.flags & KVM_SREGS2_FLAGS_PDPTRS_VALID);
	EXPECT_EQ(PAE_PD_SREGS2 | 1, sregs.pdptrs[0])
		TH_LOG("PDPTR0 %#llx: reloaded from the PDPT in memory",
		       (unsigned long long)sregs.pdptrs[0]);
	RUN_TO_OUT(0x11, 0x22);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_SREGS2, &sregs));
	EXPECT_EQ(PAE_PD_SREGS2 | 1, sregs.pdptrs[0]);
}

/*
 * A write counts the opener's rights, not the writer's: GUEST_RIP opened
 * by this root process while CAP_SYS_ADMIN was not effective gives EPERM
 * once it is again, and in this (privileged) process after it took the
 * file with pidfd_getfd(); opened with the rights, the file
 * writes in a child that has become nobody.  KVM_GET_REGS shows each.
 */
TEST_F(writes, opener_rights)
{
	struct kvm_regs regs;
	struct fd_pass pass;
	int fd, status;
	char path[512];
	pid_t child;

	if (!self->ready)
		return;
	START(three_outs);
	snprintf(path, sizeof(path), "%s/%s/GUEST_RIP", VMCSCTL_DIR, self->dir);
	ASSERT_EQ(0, fd_pass_init(&pass));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int bad;

		if (cap_effective(CAP_SYS_ADMIN, false))
			_exit(100);
		fd = open(path, O_WRONLY);
		if (fd < 0 || cap_effective(CAP_SYS_ADMIN, true))
			_exit(101);
		bad = write(fd, "0x100c", 6) != -1 || errno != EPERM;
		if (fd_pass_offer(&pass, &fd, 1))
			_exit(102);
		_exit(bad);
	}
	ASSERT_EQ(0, fd_pass_take(&pass, child, &fd, 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("1: the opener's write was not refused");
	EXPECT_EQ(-1, write(fd, "0x100c", 6));
	EXPECT_EQ(EPERM, errno);
	close(fd);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x1004, regs.rip);

	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(write(fd, "0x1008", 6) == 6 ? 0 : errno);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("nobody's write with root's file: errno");
	close(fd);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x1008, regs.rip);
	RUN_TO_OUT(0x12, 3);
}

/*
 *	in al, 0x10		; 0x1000: the first exit
 *	out 0x11, al		; what the VMM gave the IN
 *	mov ax, 0x1000
 *	mov ds, ax
 *	mov al, [0x10]		; 0x1009: GPA 0x10010, no memory: MMIO
 *	out 0x12, al
 *	hlt			; 0x100e
 */
static const uint8_t in_then_mmio[] = {
	0xe4, 0x10, 0xe6, 0x11, 0xb8, 0x00, 0x10, 0x8e, 0xd8, 0xa0, 0x10, 0x00, 0xe6, 0x12, 0xf4,
};

/* Writes to @dir give EBUSY; KVM's RIP and the VMCS's stay @rip. */
static void writes_refused(struct __test_metadata *_metadata, const char *dir,
			   struct vcpu *vcpu, const char *text, uint64_t rip)
{
	struct kvm_regs regs;

	EXPECT_EQ(-EBUSY, vmcsctl_write_field(dir, "GUEST_RIP", text));
	EXPECT_EQ(-EBUSY, vmcsctl_write_field(dir, "GUEST_INTERRUPTIBILITY_INFO", "1"));
	ASSERT_EQ(0, vcpu_get_regs(vcpu, &regs));
	EXPECT_EQ(rip, regs.rip);
	EXPECT_EQ(rip, field(_metadata, dir, "GUEST_RIP")) TH_LOG("reads work meanwhile");
}

/*
 * After an IN or an MMIO read exits to userspace, KVM owes the guest the
 * data, which the next KVM_RUN delivers as it finishes the instruction
 * from what it saved at the exit (the emulator writes back the RIP it
 * decoded): writes are refused with EBUSY until the VMM completes the
 * exit (KVM_RUN with immediate_exit), then accepted; the guest gets its
 * data both times.
 */
TEST_F(writes, busy_until_exit_completed)
{
	struct kvm_run *run = self->vcpu->run;
	struct kvm_regs regs;

	if (!self->ready)
		return;
	vm_load_code(&self->vm, VM_CODE_GPA, in_then_mmio, sizeof(in_then_mmio));
	ASSERT_EQ(0, vcpu_start_at(self->vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(0x10, run->io.port);
	*((uint8_t *)run + run->io.data_offset) = 0x5a;
	writes_refused(_metadata, self->dir, self->vcpu, "0x100e\n", 0x1000);
	RUN_TO_OUT(0x11, 0x5a);

	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
	ASSERT_FALSE(run->mmio.is_write);
	ASSERT_EQ(0x10010, run->mmio.phys_addr);
	ASSERT_EQ(1, run->mmio.len);
	run->mmio.data[0] = 0x77;
	writes_refused(_metadata, self->dir, self->vcpu, "0x1002\n", 0x1009);

	ASSERT_EQ(0, vcpu_complete_exit(self->vcpu));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x100c, regs.rip);
	EXPECT_EQ(0x77, regs.rax & 0xff);
	/* Completed: back to the first OUT, which now sends the MMIO data. */
	ASSERT_EQ(0, WRITE(GUEST_RIP, "0x1002\n"));
	RUN_TO_OUT(0x11, 0x77);
}

/*
 * 1:	inc word [0x3000]
 *	cmp byte [0x2000], 0
 *	je 1b
 *	out 0xf1, al		; 0x100b
 *	hlt
 */
#define LOOP_STOP	0x2000
#define LOOP_COUNT	0x3000
#define LOOP_OUT	0x100b
static const uint8_t count_until_stop[] = {
	0xff, 0x06, 0x00, 0x30, 0x80, 0x3e, 0x00, 0x20, 0x00, 0x74, 0xf5, 0xe6, 0xf1, 0xf4,
};

/* A vCPU inside KVM_RUN on the other CPU: -EBUSY, and it counts on undisturbed. */
TEST_F(writes, busy_while_running)
{
	uint16_t *count = (uint16_t *)(self->vm.mem + LOOP_COUNT);
	struct vcpu_thread runner;
	struct kvm_regs regs;
	uint64_t rip;
	int i, ret;

	if (!self->ready)
		return;
	ASSERT_GE(sysconf(_SC_NPROCESSORS_ONLN), 2);
	ASSERT_EQ(0, pin_to_cpu(0));
	vm_load_code(&self->vm, VM_CODE_GPA, count_until_stop, sizeof(count_until_stop));
	ASSERT_EQ(0, vcpu_start_at(self->vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	regs.rflags |= X86_EFLAGS_IF;	/* see vmcsctl_test's concurrent_reads */
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vcpu_thread_start(&runner, self->vcpu, 1));
	for (i = 0; i < 100000 && !__atomic_load_n(count, __ATOMIC_ACQUIRE); i++)
		usleep(100);
	ASSERT_NE(0, __atomic_load_n(count, __ATOMIC_ACQUIRE)) TH_LOG("the guest never ran");

	EXPECT_EQ(-EBUSY, WRITE(GUEST_RIP, "0x100b\n"));
	EXPECT_EQ(-EBUSY, WRITE(GUEST_RSP, "0x6000\n"));
	rip = FIELD(GUEST_RIP);
	EXPECT_TRUE(rip >= VM_CODE_GPA && rip < LOOP_OUT)
		TH_LOG("GUEST_RIP %#llx", (unsigned long long)rip);
	EXPECT_EQ(0x8000, FIELD(GUEST_RSP));

	__atomic_store_n(self->vm.mem + LOOP_STOP, 1, __ATOMIC_RELEASE);
	ret = vcpu_thread_join(&runner);
	ASSERT_EQ(0, ret) TH_LOG("KVM_RUN: %s", strerror(-ret));
	EXPECT_EQ(KVM_EXIT_IO, self->vcpu->run->exit_reason);
	EXPECT_EQ(0xf1, self->vcpu->run->io.port);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(LOOP_OUT, regs.rip);
	EXPECT_EQ(0x8000, regs.rsp);
	TH_LOG("the guest counted to %u while writes were refused", *count);
}

TEST_HARNESS_MAIN
