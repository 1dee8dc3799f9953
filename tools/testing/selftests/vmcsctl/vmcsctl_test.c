// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl selftests: run real KVM guests and check /sys/kernel/vmcsctl
 * against KVM's own view (exit information, KVM_GET_REGS/SREGS, VMX MSRs).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/netlink.h>

#include "../kselftest_harness.h"
#include "harness_field.h"
#include "sysfs.h"
#include "vm.h"

/* mov al, 0x42; out 0xf1, al; hlt */
static const uint8_t out_hlt[] = { 0xb0, 0x42, 0xe6, 0xf1, 0xf4 };
#define OUT_PORT	0xf1
#define OUT_VALUE	0x42

#define EXIT_REASON_HLT		12
#define EXIT_REASON_IO		30
#define MSR_IA32_VMX_BASIC	0x480
#define MSR_IA32_CR_PAT		0x277
#define VM_ENTRY_LOAD_IA32_PAT	0x4000
#define PAT_HALVES_DIFFER	0x0007040100060406ull	/* a valid PAT */

/* Informational files of each directory, besides the fields. */
static const char * const info_files[] = {
	"vcpu_id", "pid", "tid", "vm", "id", "cpu", "revision_id", "abort", "current",
	"guest_mode", "dump", "next_entry",
};

/* Subdirectories of a vCPU's directory when KVM offers nested VMX. */
static bool is_nested_dir(const char *name)
{
	return !strcmp(name, "vmcs02") || !strcmp(name, "shadow");
}

/* The single directory of the calling thread's only vCPU. */
static void own_dir(char *name, size_t size)
{
	snprintf(name, size, "vmcs%d", gettid_());
}

static bool is_info_file(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(info_files); i++)
		if (!strcmp(name, info_files[i]))
			return true;
	return false;
}

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
#define SYSLOG_ACTION_READ_ALL	3	/* include/linux/syslog.h */

/*
 *	mov al, 1; out 0x10, al
 *	mov al, 2; out 0x11, al		; 0x1006: the exit read on CPU 1
 *	hlt
 */
static const uint8_t two_outs[] = { 0xb0, 1, 0xe6, 0x10, 0xb0, 2, 0xe6, 0x11, 0xf4 };

/*
 * A CPU that comes online after the fields were probed is probed when a
 * VMCS is first read on it: every field file then reads there, or fails
 * with EOPNOTSUPP exactly when the kernel logged that the CPU lacks
 * fields, and no VMREAD fails on the vCPU's VMCS (VM_INSTRUCTION_ERROR
 * unchanged).  The boot starts with maxcpus=1, and this is the boot's
 * first test: its vCPU is the first, so the fields are probed on CPU 0
 * alone.  It leaves CPU 1 online for the tests after it.
 */
TEST(cpu_onlined_later)
{
	static struct vmcsctl_field_info infos[512];
	static struct vmcsctl_dump_entry entries[512];
	static char log[1 << 20];
	int i, n, ret, read_ok = 0, refused = 0;
	uint64_t error_before, error_after, value;
	char dir[64], path[512], lacks[64];
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct vm vm;
	long cpu;
	int len;

	FILE *f = fopen(CPU1_ONLINE, "r");

	if (!f || !fgets(path, sizeof(path), f) || strcmp(path, "0\n")) {
		if (f)
			fclose(f);
		SKIP(return, "CPU 1 is not present and offline (boot with 2 CPUs, maxcpus=1)");
	}
	fclose(f);
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	snprintf(dir, sizeof(dir), "vmcs%d", gettid_());
	vm_load_code(&vm, VM_CODE_GPA, two_outs, sizeof(two_outs));
	ASSERT_EQ(0, vcpu_start_at(vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	ASSERT_EQ(0, vmcsctl_read_field(dir, "VM_INSTRUCTION_ERROR", &error_before));

	ASSERT_EQ(0, write_file(CPU1_ONLINE, "1")) TH_LOG("online CPU 1");
	ASSERT_EQ(0, pin_to_cpu(1));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	ASSERT_EQ(0x11, vcpu->run->io.port);
	ASSERT_EQ(0, vmcsctl_read_int(dir, "cpu", &cpu));
	ASSERT_EQ(1, cpu) TH_LOG("the VMCS is active on CPU %ld", cpu);

	n = vmcsctl_read_field_infos(infos, 512);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, dir, infos[i].name);
		if (access(path, F_OK))
			continue;	/* not shown: not on every CPU probed */
		ret = vmcsctl_read_field(dir, infos[i].name, &value);
		EXPECT_TRUE(!ret || ret == -EOPNOTSUPP)
			TH_LOG("%s: %s", infos[i].name, strerror(-ret));
		read_ok += !ret;
		refused += ret == -EOPNOTSUPP;
	}
	ASSERT_EQ(0, vmcsctl_read_field(dir, "VM_INSTRUCTION_ERROR", &error_after));
	EXPECT_EQ(error_before, error_after) TH_LOG("a VMREAD failed on the vCPU's VMCS");
	ASSERT_EQ(0, vcpu_get_regs(vcpu, &regs));
	ASSERT_EQ(0, vmcsctl_read_field(dir, "GUEST_RIP", &value));
	EXPECT_EQ(0x1006, regs.rip);
	EXPECT_EQ(regs.rip, value);
	ret = vmcsctl_read_dump(dir, entries, 512);
	EXPECT_TRUE(ret > 0 ? !refused : ret == -EOPNOTSUPP && refused)
		TH_LOG("dump: %s, %d fields refused", ret > 0 ? "read" : strerror(-ret), refused);

	len = klogctl(SYSLOG_ACTION_READ_ALL, log, sizeof(log) - 1);
	ASSERT_LT(0, len);
	log[len] = 0;
	snprintf(lacks, sizeof(lacks), "vmcsctl: CPU 1 lacks %d of the fields shown", refused);
	if (!refused)
		lacks[strlen("vmcsctl: CPU 1 lacks")] = 0;
	EXPECT_EQ(!!refused, !!strstr(log, lacks)) TH_LOG("\"%s\" logged or not", lacks);
	TH_LOG("on CPU 1, onlined after the probe: %d fields read, %d refused (EOPNOTSUPP)",
	       read_ok, refused);
	vm_destroy(&vm);
}

TEST(interface_exists)
{
	struct stat st;

	ASSERT_EQ(0, stat(VMCSCTL_DIR, &st)) TH_LOG("kernel without CONFIG_KVM_VMCSCTL?");
	EXPECT_TRUE(S_ISDIR(st.st_mode));
}

/* One vCPU: one directory, named after this thread, gone with the VM. */
TEST(lifecycle_one_vcpu)
{
	char names[4][64], dir[64];
	struct vcpu *vcpu;
	struct vm vm;
	long value;

	ASSERT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 4));
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	own_dir(dir, sizeof(dir));
	ASSERT_EQ(1, vmcsctl_dirs_of(gettid_(), names, 4));
	EXPECT_STREQ(dir, names[0]);
	ASSERT_EQ(0, vmcsctl_read_int(dir, "vcpu_id", &value));
	EXPECT_EQ(0, value);
	ASSERT_EQ(0, vmcsctl_read_int(dir, "pid", &value));
	EXPECT_EQ(getpid(), value);
	/* Named as KVM's debugfs names the VM: <creator TID>-<VM fd>. */
	ASSERT_EQ(0, vmcsctl_read_file(dir, "vm", names[1], sizeof(names[1])));
	snprintf(names[2], sizeof(names[2]), "%d-%d\n", gettid_(), vm.fd);
	EXPECT_STREQ(names[2], names[1]);
	ASSERT_EQ(0, vmcsctl_read_int(dir, "tid", &value));
	EXPECT_EQ(0, value) TH_LOG("tid before the first KVM_RUN");
	ASSERT_EQ(0, vmcsctl_read_int(dir, "id", &value));
	EXPECT_LT(0, value);
	vm_load_code(&vm, VM_CODE_GPA, out_hlt, sizeof(out_hlt));
	ASSERT_EQ(0, vcpu_start_at(vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(0, vmcsctl_read_int(dir, "tid", &value));
	EXPECT_EQ(gettid_(), value) TH_LOG("tid after KVM_RUN");
	/* KVM ran the vCPU's reset on this CPU: the VMCS is active here. */
	ASSERT_EQ(0, vmcsctl_read_int(dir, "cpu", &value));
	EXPECT_TRUE(value >= 0 && value < sysconf(_SC_NPROCESSORS_ONLN));
	vm_destroy(&vm);
	EXPECT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 4));
}

/*
 * Four vCPUs from one thread: vmcs<TID> and three vmcs<TID>.<id>, each
 * suffix the directory's own id; vcpu_id 0..3, all unique.
 */
static void four_vcpus(struct __test_metadata *_metadata, long *ids)
{
	char names[8][64], want[64];
	struct vcpu *vcpu;
	unsigned int seen = 0;
	struct vm vm;
	long id;
	int i, n, bare = 0;

	ASSERT_EQ(0, vm_create(&vm));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	n = vmcsctl_dirs_of(gettid_(), names, 8);
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, vmcsctl_read_int(names[i], "vcpu_id", &id)) TH_LOG("%s", names[i]);
		ASSERT_TRUE(id >= 0 && id < 4);
		EXPECT_FALSE(seen & (1u << id)) TH_LOG("vcpu_id %ld twice", id);
		seen |= 1u << id;
		ASSERT_EQ(0, vmcsctl_read_int(names[i], "id", &ids[id]));
		if (!strchr(names[i], '.')) {
			bare++;
			continue;
		}
		snprintf(want, sizeof(want), "vmcs%d.%ld", gettid_(), ids[id]);
		EXPECT_STREQ(want, names[i]);
	}
	EXPECT_EQ(0xfu, seen);
	EXPECT_EQ(1, bare);
	vm_destroy(&vm);
	EXPECT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 8));
}

/* Names and ids of destroyed vCPUs are not given to new ones. */
TEST(lifecycle_four_vcpus_one_thread)
{
	long ids[8];
	int i, j, reused = 0;

	four_vcpus(_metadata, ids);
	four_vcpus(_metadata, ids + 4);
	for (i = 0; i < 8; i++)
		for (j = i + 1; j < 8; j++)
			reused += ids[i] == ids[j];
	EXPECT_EQ(0, reused);
}

struct creator {
	struct vm *vm;
	pid_t tid;
	int ret;
};

static void *create_vcpu_thread(void *arg)
{
	struct creator *c = arg;
	struct vcpu *vcpu;

	c->tid = gettid_();
	c->ret = vm_add_vcpu(c->vm, &vcpu);
	return NULL;
}

/* vCPUs created by two threads are named after their own thread. */
TEST(lifecycle_two_threads)
{
	struct creator c[2];
	char names[4][64];
	pthread_t thread;
	struct vm vm;
	long id;
	int i;

	ASSERT_EQ(0, vm_create(&vm));
	for (i = 0; i < 2; i++) {
		c[i].vm = &vm;
		ASSERT_EQ(0, pthread_create(&thread, NULL, create_vcpu_thread, &c[i]));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		ASSERT_EQ(0, c[i].ret);
	}
	ASSERT_NE(c[0].tid, c[1].tid);
	for (i = 0; i < 2; i++) {
		char want[64];

		snprintf(want, sizeof(want), "vmcs%d", c[i].tid);
		ASSERT_EQ(1, vmcsctl_dirs_of(c[i].tid, names, 4));
		EXPECT_STREQ(want, names[0]);
		ASSERT_EQ(0, vmcsctl_read_int(names[0], "vcpu_id", &id));
		EXPECT_EQ(i, id);
	}
	vm_destroy(&vm);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, vmcsctl_dirs_of(c[i].tid, names, 4));
}

/* Many create/destroy cycles leave nothing behind. */
TEST(lifecycle_cycles)
{
	char names[4][64];
	struct vcpu *vcpu;
	int before, i;
	struct vm vm;

	before = vmcsctl_count_dirs();
	ASSERT_GE(before, 0);
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, vm_create(&vm));
		ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
		ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
		ASSERT_EQ(2, vmcsctl_dirs_of(gettid_(), names, 4)) TH_LOG("cycle %d", i);
		vm_destroy(&vm);
		ASSERT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 4)) TH_LOG("cycle %d", i);
	}
	EXPECT_EQ(before, vmcsctl_count_dirs());
}

FIXTURE(stopped) {
	struct vm vm;
	struct vcpu *vcpu;
	char dir[64];
};

/* A vCPU stopped at the OUT of out_hlt[]. */
FIXTURE_SETUP(stopped)
{
	ASSERT_EQ(0, vm_create(&self->vm));
	ASSERT_EQ(0, vm_add_vcpu(&self->vm, &self->vcpu));
	own_dir(self->dir, sizeof(self->dir));
	vm_load_code(&self->vm, VM_CODE_GPA, out_hlt, sizeof(out_hlt));
	ASSERT_EQ(0, vcpu_start_at(self->vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_IO, self->vcpu->run->exit_reason);
}

FIXTURE_TEARDOWN(stopped)
{
	vm_destroy(&self->vm);
}

/* Exit information after OUT and after HLT, beside kvm_run and KVM_GET_REGS. */
TEST_F(stopped, exit_information)
{
	struct kvm_run *run = self->vcpu->run;
	struct kvm_regs regs;

	ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	ASSERT_EQ(OUT_PORT, run->io.port);
	ASSERT_EQ(OUT_VALUE, *((uint8_t *)run + run->io.data_offset));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	/* KVM skips a userspace-handled OUT only on the next KVM_RUN. */
	ASSERT_EQ(VM_CODE_GPA + 2, regs.rip);

	EXPECT_EQ(EXIT_REASON_IO, FIELD(VM_EXIT_REASON));
	/* Port 0xf1 in bits 31:16, immediate operand (bit 6), OUT, 1 byte. */
	EXPECT_EQ(0xf10040, FIELD(EXIT_QUALIFICATION));
	EXPECT_EQ(2, FIELD(VM_EXIT_INSTRUCTION_LEN));
	EXPECT_EQ(regs.rip, FIELD(GUEST_RIP));
	EXPECT_EQ(regs.rsp, FIELD(GUEST_RSP));
	EXPECT_EQ(regs.rflags, FIELD(GUEST_RFLAGS));

	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_HLT, run->exit_reason);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	ASSERT_EQ(VM_CODE_GPA + sizeof(out_hlt), regs.rip);
	EXPECT_EQ(EXIT_REASON_HLT, FIELD(VM_EXIT_REASON));
	EXPECT_EQ(1, FIELD(VM_EXIT_INSTRUCTION_LEN));
	/* KVM advanced RIP past HLT before exiting to userspace. */
	EXPECT_EQ(regs.rip - 1, FIELD(GUEST_RIP));
}

/* next_entry's contents: struct vmcsctl_next_entry and its records. */
struct next_entry {
	struct vmcsctl_next_entry head;
	struct vmcsctl_dump_entry records[VMCSCTL_NEXT_MAX_RECORDS];
};

/* One read of next_entry: its size, or -errno. */
static int read_next_entry(const char *dir, struct next_entry *n, size_t size, off_t off)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/next_entry", VMCSCTL_DIR, dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	memset(n, 0, sizeof(*n));
	ret = pread(fd, n, size, off);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The value of field @name's record, or ~0 if next_entry has none. */
static uint64_t next_value(const struct next_entry *n, const char *name)
{
	uint32_t encoding = vmcs_field_by_name(name)->encoding;
	unsigned int i;

	for (i = 0; i < n->head.nr_records; i++)
		if (n->records[i].encoding == encoding)
			return n->records[i].value;
	return ~0ull;
}

/*
 * next_entry against KVM: at the OUT, the completion KVM still owes and
 * no newer register; after it, KVM's RIP past the OUT while the VMCS
 * still holds the OUT's; after KVM_SET_REGS, its RIP and RSP; after HLT,
 * which KVM skipped before exiting, its RIP again.
 */
TEST_F(stopped, next_entry)
{
	struct kvm_regs regs;
	struct next_entry n;
	int size;

	size = read_next_entry(self->dir, &n, sizeof(n), 0);
	ASSERT_EQ(sizeof(n.head), size);
	EXPECT_EQ(VMCSCTL_NEXT_COMPLETION, n.head.flags);
	EXPECT_EQ(0, n.head.nr_records);

	ASSERT_EQ(0, vcpu_complete_exit(self->vcpu));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	size = read_next_entry(self->dir, &n, sizeof(n), 0);
	ASSERT_EQ(sizeof(n.head) + sizeof(n.records[0]), size);
	EXPECT_EQ(0, n.head.flags);
	EXPECT_EQ(regs.rip, next_value(&n, "GUEST_RIP"));
	EXPECT_EQ(regs.rip - 2, FIELD(GUEST_RIP));

	regs.rsp = 0x800;
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_REGS, &regs));
	size = read_next_entry(self->dir, &n, sizeof(n), 0);
	EXPECT_EQ(sizeof(n.head) + 2 * sizeof(n.records[0]), size);
	EXPECT_EQ(regs.rip, next_value(&n, "GUEST_RIP"));
	EXPECT_EQ(0x800, next_value(&n, "GUEST_RSP"));
	EXPECT_NE(0x800, FIELD(GUEST_RSP));
	/* One read takes it all: a read at an offset ends it, a short buffer is refused. */
	EXPECT_EQ(0, read_next_entry(self->dir, &n, sizeof(n), sizeof(n.head)));
	EXPECT_EQ(-EINVAL, read_next_entry(self->dir, &n, sizeof(n.head), 0));

	ASSERT_EQ(0, vcpu_run(self->vcpu));
	ASSERT_EQ(KVM_EXIT_HLT, self->vcpu->run->exit_reason);
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0x800, FIELD(GUEST_RSP));
	size = read_next_entry(self->dir, &n, sizeof(n), 0);
	ASSERT_EQ(sizeof(n.head) + sizeof(n.records[0]), size);
	EXPECT_EQ(0, n.head.flags);
	EXPECT_EQ(regs.rip, next_value(&n, "GUEST_RIP"));
	EXPECT_EQ(regs.rip - 1, FIELD(GUEST_RIP));
}

static uint32_t ar_bytes(const struct kvm_segment *s)
{
	if (s->unusable)
		return 1u << 16;
	return s->type | s->s << 4 | s->dpl << 5 | s->present << 7 |
	       s->avl << 12 | s->l << 13 | s->db << 14 | s->g << 15;
}

/* Segment and descriptor-table state beside KVM_GET_SREGS. */
TEST_F(stopped, segments)
{
	struct kvm_sregs sregs;

	ASSERT_EQ(0, vcpu_get_sregs(self->vcpu, &sregs));
	EXPECT_EQ(sregs.cs.selector, FIELD(GUEST_CS_SELECTOR));
	EXPECT_EQ(sregs.cs.base, FIELD(GUEST_CS_BASE));
	EXPECT_EQ(sregs.cs.limit, FIELD(GUEST_CS_LIMIT));
	EXPECT_EQ(ar_bytes(&sregs.cs), FIELD(GUEST_CS_AR_BYTES));
	EXPECT_EQ(sregs.ss.selector, FIELD(GUEST_SS_SELECTOR));
	EXPECT_EQ(sregs.ss.base, FIELD(GUEST_SS_BASE));
	EXPECT_EQ(sregs.idt.base, FIELD(GUEST_IDTR_BASE));
	EXPECT_EQ(sregs.idt.limit, FIELD(GUEST_IDTR_LIMIT));
	EXPECT_EQ(sregs.gdt.base, FIELD(GUEST_GDTR_BASE));
	EXPECT_EQ(sregs.gdt.limit, FIELD(GUEST_GDTR_LIMIT));
}

/* Values fixed by the architecture or by the CPU. */
TEST_F(stopped, architectural_values)
{
	char buf[64];
	uint64_t basic;
	int fd;

	fd = open("/dev/cpu/0/msr", O_RDONLY);
	ASSERT_GE(fd, 0) TH_LOG("/dev/cpu/0/msr: %s", strerror(errno));
	ASSERT_EQ(sizeof(basic), pread(fd, &basic, sizeof(basic), MSR_IA32_VMX_BASIC));
	close(fd);
	snprintf(buf, sizeof(buf), "0x%08llx\n", (unsigned long long)(basic & 0x7fffffff));
	ASSERT_EQ(0, vmcsctl_read_file(self->dir, "revision_id", buf + 32, 32));
	EXPECT_STREQ(buf, buf + 32);

	ASSERT_EQ(0, vmcsctl_read_file(self->dir, "abort", buf, sizeof(buf)));
	EXPECT_STREQ("0x00000000\n", buf);
	EXPECT_EQ(~0ull, FIELD(VMCS_LINK_POINTER));
	/* The upper half of a 64-bit field on its own. */
	EXPECT_EQ(0xffffffffull, FIELD(VMCS_LINK_POINTER_HIGH));
#ifdef __x86_64__
	/* Full 64 bits of a natural-width host field: a kernel text address. */
	EXPECT_GE(FIELD(HOST_RIP), 0xffffffff80000000ull);
	EXPECT_GE(FIELD(HOST_GDTR_BASE), 0xffff800000000000ull);
#else
	/* A 32-bit kernel's addresses, above PAGE_OFFSET (3G/1G split). */
	EXPECT_GE(FIELD(HOST_RIP), 0xc0000000ull);
	EXPECT_GE(FIELD(HOST_GDTR_BASE), 0xc0000000ull);
#endif
}

/*
 * Widths: a natural-width field has the kernel's width (8 hex digits on a
 * 32-bit kernel, 16 on a 64-bit one); a 64-bit field has 16 digits on both,
 * read with two VMREADs on a 32-bit kernel.  A guest PAT set with
 * KVM_SET_MSRS, with different halves, must read back whole.
 */
TEST_F(stopped, widths)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} msrs = { .hdr.nmsrs = 1, .entry.index = MSR_IA32_CR_PAT };
	uint64_t pat, pat_high;
	struct utsname u;
	char buf[64];

	/* The selftest is built for the kernel's architecture. */
	ASSERT_EQ(0, uname(&u));
	ASSERT_EQ(sizeof(long) == 8, !strcmp(u.machine, "x86_64"))
		TH_LOG("a %zu-bit test on %s", 8 * sizeof(long), u.machine);

	ASSERT_EQ(0, vmcsctl_read_file(self->dir, "GUEST_RIP", buf, sizeof(buf)));
	EXPECT_EQ(3 + 2 * sizeof(long), strlen(buf)) TH_LOG("GUEST_RIP reads %s", buf);
	EXPECT_EQ(0x1002, strtoull(buf, NULL, 16));
	ASSERT_EQ(0, vmcsctl_read_file(self->dir, "VMCS_LINK_POINTER", buf, sizeof(buf)));
	EXPECT_STREQ("0xffffffffffffffff\n", buf);
	ASSERT_EQ(0, vmcsctl_read_file(self->dir, "GUEST_SYSENTER_CS", buf, sizeof(buf)));
	EXPECT_EQ(11, strlen(buf)) TH_LOG("GUEST_SYSENTER_CS reads %s", buf);

	/*
	 * KVM keeps the guest's PAT in the VMCS where the CPU loads it on entry
	 * (VM_ENTRY_LOAD_IA32_PAT).  The reset value has equal halves: set one
	 * whose halves differ, as a VMM may.
	 */
	ASSERT_TRUE(FIELD(VM_ENTRY_CONTROLS) & VM_ENTRY_LOAD_IA32_PAT);
	msrs.entry.data = PAT_HALVES_DIFFER;
	ASSERT_EQ(1, ioctl(self->vcpu->fd, KVM_SET_MSRS, &msrs));
	msrs.entry.data = 0;
	ASSERT_EQ(1, ioctl(self->vcpu->fd, KVM_GET_MSRS, &msrs));
	ASSERT_EQ(PAT_HALVES_DIFFER, msrs.entry.data);
	pat = FIELD(GUEST_IA32_PAT);
	pat_high = FIELD(GUEST_IA32_PAT_HIGH);
	EXPECT_EQ(msrs.entry.data, pat);
	EXPECT_EQ(pat >> 32, pat_high);
}

/*
 * Every file: a known name, a field that reads in format or a clean errno,
 * mode 0400, or 0600 for the whitelisted fields when writes are enabled.
 */
TEST_F(stopped, every_file)
{
	int total = 0, readable = 0, failed = 0, info = 0, writable = 0;
	const struct vmcs_field_desc *desc;
	bool writes = vmcsctl_writes_enabled() == 1;
	char path[512];
	struct dirent *de;
	struct stat st;
	uint64_t value;
	DIR *d;
	int ret, fd;

	snprintf(path, sizeof(path), "%s/%s", VMCSCTL_DIR, self->dir);
	d = opendir(path);
	ASSERT_TRUE(!!d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, self->dir, de->d_name);
		ASSERT_EQ(0, stat(path, &st));
		if (is_nested_dir(de->d_name)) {
			EXPECT_TRUE(S_ISDIR(st.st_mode)) TH_LOG("%s", de->d_name);
			continue;
		}
		desc = vmcs_field_by_name(de->d_name);
		if (writes && desc && desc->writable) {
			writable++;
			EXPECT_EQ(S_IFREG | 0600, st.st_mode) TH_LOG("%s", de->d_name);
			fd = open(path, O_WRONLY);
			EXPECT_LE(0, fd) TH_LOG("%s: %s", de->d_name, strerror(errno));
			close(fd);
		} else {
			EXPECT_EQ(S_IFREG | 0400, st.st_mode) TH_LOG("%s", de->d_name);
			/* Not writable: even root cannot open for writing. */
			EXPECT_EQ(-1, open(path, O_WRONLY));
			EXPECT_EQ(EACCES, errno) TH_LOG("%s", de->d_name);
		}
		if (is_info_file(de->d_name)) {
			info++;
			continue;
		}
		ASSERT_TRUE(!!desc) TH_LOG("unknown file %s", de->d_name);
		total++;
		ret = vmcsctl_read_field(self->dir, de->d_name, &value);
		if (!ret) {
			readable++;
			continue;
		}
		failed++;
		EXPECT_TRUE(ret == -EIO || ret == -ENODATA)
			TH_LOG("%s: %s", de->d_name, strerror(-ret));
		TH_LOG("%s (0x%04x) does not read: %s", de->d_name, desc->encoding,
		       strerror(-ret));
	}
	closedir(d);
	TH_LOG("%d of %d fields shown, %d read, %d failed cleanly, %d writable", total,
	       nr_vmcs_fields, readable, failed, writable);
	EXPECT_EQ(ARRAY_SIZE(info_files), info);
	EXPECT_GT(total, 100);
	EXPECT_EQ(total, readable);
	/* All 43 guest-state fields of the whitelist exist on every VMX CPU. */
	EXPECT_EQ(writes ? 43 : 0, writable);
}

/* The dump file: every field file's value, in table order, in one read. */
TEST_F(stopped, dump)
{
	const struct vmcs_field_desc *desc, *prev = NULL;
	struct vmcsctl_dump_entry e[256];
	int i, n, files = 0;
	char path[512];
	struct dirent *de;
	uint64_t value;
	DIR *d;

	n = vmcsctl_read_dump(self->dir, e, ARRAY_SIZE(e));
	ASSERT_LT(0, n) TH_LOG("dump: %s", strerror(-n));
	for (i = 0; i < n; i++) {
		desc = vmcs_field_by_encoding(e[i].encoding);
		ASSERT_TRUE(!!desc) TH_LOG("record %d: unknown encoding %#x", i, e[i].encoding);
		EXPECT_EQ(0, e[i].reserved);
		EXPECT_TRUE(!prev || prev < desc) TH_LOG("%s after %s", desc->name, prev->name);
		prev = desc;
		ASSERT_EQ(0, vmcsctl_read_field(self->dir, desc->name, &value));
		EXPECT_EQ(value, e[i].value) TH_LOG("%s", desc->name);
	}
	snprintf(path, sizeof(path), "%s/%s", VMCSCTL_DIR, self->dir);
	d = opendir(path);
	ASSERT_TRUE(!!d);
	while ((de = readdir(d)))
		files += !!vmcs_field_by_name(de->d_name);
	closedir(d);
	EXPECT_EQ(files, n);
	TH_LOG("%d records, one per field file", n);
}

/*
 * The fields file describes every entry of the kernel's table as the
 * table and the encoding bits say, and names every record of dump.
 */
TEST_F(stopped, fields_file)
{
	struct vmcsctl_field_info infos[256];
	struct vmcsctl_dump_entry e[256];
	const struct vmcs_field_desc *desc;
	bool writes = vmcsctl_writes_enabled() == 1;
	int i, j, n, records;
	char path[512];
	struct stat st;

	n = vmcsctl_read_field_infos(infos, ARRAY_SIZE(infos));
	ASSERT_EQ(nr_vmcs_fields, n) TH_LOG("fields: %s", n < 0 ? strerror(-n) : "count");
	snprintf(path, sizeof(path), "%s/fields", VMCSCTL_DIR);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(n * (long)sizeof(infos[0]), (long)st.st_size);
	EXPECT_EQ(0400, st.st_mode & 07777);
	for (i = 0; i < n; i++) {
		desc = &vmcs_fields[i];
		EXPECT_STREQ(desc->name, infos[i].name);
		EXPECT_EQ(desc->encoding, infos[i].encoding) TH_LOG("%s", desc->name);
		EXPECT_EQ(field_digits(desc->encoding) * 4, infos[i].width)
			TH_LOG("%s", desc->name);
		EXPECT_EQ((desc->encoding >> 10) & 3, infos[i].type) TH_LOG("%s", desc->name);
		EXPECT_EQ(writes && desc->writable, !!(infos[i].flags & VMCSCTL_FIELD_WRITABLE))
			TH_LOG("%s", desc->name);
		if (infos[i].type == VMCSCTL_TYPE_HOST || desc->writable)
			EXPECT_EQ(infos[i].type == VMCSCTL_TYPE_HOST,
				  !!(infos[i].flags & VMCSCTL_FIELD_HOST)) TH_LOG("%s", desc->name);
	}
	records = vmcsctl_read_dump(self->dir, e, ARRAY_SIZE(e));
	ASSERT_LT(0, records);
	for (i = 0; i < records; i++) {
		for (j = 0; j < n && infos[j].encoding != e[i].encoding; j++)
			;
		EXPECT_LT(j, n) TH_LOG("record %d (0x%x) unnamed", i, e[i].encoding);
	}
	TH_LOG("%d fields described, %d records of dump named", n, records);
}

/* An unprivileged process cannot read host state. */
TEST_F(stopped, root_only)
{
	char path[512];
	pid_t child;
	int status;

	snprintf(path, sizeof(path), "%s/%s/HOST_RIP", VMCSCTL_DIR, self->dir);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(path, O_RDONLY) < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * Root without CAP_SYS_ADMIN reads nothing: neither files it opens then
 * nor files it opened before.
 */
TEST_F(stopped, capability)
{
	struct vmcsctl_dump_entry e[256];
	char path[512], buf[64];
	int status;
	pid_t child;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int fd, bad = 0;

		if (prctl(PR_SET_KEEPCAPS, 0) || caps_keep_only(-1, -1))
			_exit(100);
		snprintf(path, sizeof(path), "%s/%s/HOST_RIP", VMCSCTL_DIR, self->dir);
		fd = open(path, O_RDONLY);
		bad |= (fd < 0 || read(fd, buf, sizeof(buf)) != -1 || errno != EPERM) << 0;
		snprintf(path, sizeof(path), "%s/%s/dump", VMCSCTL_DIR, self->dir);
		fd = open(path, O_RDONLY);
		bad |= (fd < 0 || read(fd, e, sizeof(e)) != -1 || errno != EPERM) << 1;
		snprintf(path, sizeof(path), "%s/%s/vcpu_id", VMCSCTL_DIR, self->dir);
		fd = open(path, O_RDONLY);
		bad |= (fd < 0 || read(fd, buf, sizeof(buf)) != -1 || errno != EPERM) << 2;
		fd = open(VMCSCTL_DIR "/fields", O_RDONLY);
		bad |= (fd < 0 || read(fd, buf, sizeof(buf)) != -1 || errno != EPERM) << 3;
		_exit(bad);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("failed, by bit: 0 HOST_RIP, 1 dump, 2 vcpu_id, 3 fields read; 100: capset");
}

/* The files of opener_rights: a host field, a guest field, info files, dump, fields. */
static const char *const opener_files[] = {
	"HOST_RIP", "GUEST_RSP", "vcpu_id", "tid", "dump", "../fields",
};

#define NR_OPENER_FILES		ARRAY_SIZE(opener_files)

static int open_opener_files(const char *dir, int *fds)
{
	char path[512];
	unsigned int i;

	for (i = 0; i < NR_OPENER_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, dir, opener_files[i]);
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0)
			return -1;
	}
	return 0;
}

/* Bit i set: file i did not read (@readable) or did not fail with EPERM. */
static int read_opener_files(const int *fds, bool readable)
{
	unsigned int i;
	char buf[4096];
	int bad = 0;
	ssize_t n;

	for (i = 0; i < NR_OPENER_FILES; i++) {
		n = pread(fds[i], buf, sizeof(buf), 0);
		if (readable ? n <= 0 : n != -1 || errno != EPERM)
			bad |= 1 << i;
	}
	return bad;
}

static void close_opener_files(const int *fds)
{
	unsigned int i;

	for (i = 0; i < NR_OPENER_FILES; i++)
		close(fds[i]);
}

/*
 * The opener's rights count, never the reader's, as for /proc/PID/stack.
 * A root process opens files while CAP_SYS_ADMIN is not in its effective
 * set, which file modes allow (uid 0 owns them), raises it again: the
 * files give EPERM, and they do in the privileged parent that takes them
 * with pidfd_getfd() (the same open file, as SCM_RIGHTS would pass it).
 * Files opened with the rights still read in a child that has become
 * nobody: an open file is a capability, as any is.
 */
TEST_F(stopped, opener_rights)
{
	int fds[NR_OPENER_FILES], status, bad;
	struct fd_pass pass;
	struct kvm_regs regs;
	char text[64];
	pid_t child;
	ssize_t n;

	ASSERT_EQ(0, fd_pass_init(&pass));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		if (cap_effective(CAP_SYS_ADMIN, false) || open_opener_files(self->dir, fds) ||
		    cap_effective(CAP_SYS_ADMIN, true))
			_exit(100);
		bad = read_opener_files(fds, false);
		if (fd_pass_offer(&pass, fds, NR_OPENER_FILES))
			_exit(101);
		_exit(bad);
	}
	ASSERT_EQ(0, fd_pass_take(&pass, child, fds, NR_OPENER_FILES));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("opened without CAP_SYS_ADMIN, read with it: bit i: file %s",
		       "i of opener_files[] read (100: capset or open, 101: passing)");
	EXPECT_EQ(0, read_opener_files(fds, false))
		TH_LOG("passed to a privileged process: bit i: file i of opener_files[] read");
	close_opener_files(fds);

	ASSERT_EQ(0, open_opener_files(self->dir, fds));
	ASSERT_EQ(0, vcpu_get_regs(self->vcpu, &regs));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		if (setgid(65534) || setuid(65534) || !access(VMCSCTL_DIR "/fields", R_OK))
			_exit(100);
		bad = read_opener_files(fds, true);
		n = pread(fds[1], text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = 0;
		bad |= (strtoull(text, NULL, 16) != regs.rsp) << 7;
		_exit(bad);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("opened by root, read by nobody: bit i: file i did not read, %s",
		       "7: GUEST_RSP is not KVM_GET_REGS' RSP; 100: setuid");
	close_opener_files(fds);
}

/*
 * A value or a dump is read in one read() at offset 0: a read inside it
 * would take a new snapshot and could tear, so it gives EINVAL; a read at
 * or past the end reads nothing, so cat and read-until-EOF work.
 */
TEST_F(stopped, one_snapshot_per_read)
{
	struct vmcsctl_dump_entry e[256];
	int fd, digits = field_digits(0x681e);	/* GUEST_RIP */
	char path[512], buf[64];
	ssize_t len;

	snprintf(path, sizeof(path), "%s/%s/GUEST_RIP", VMCSCTL_DIR, self->dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(digits + 3, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(4, pread(fd, buf, 4, 0));
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), digits + 3));
	close(fd);

	snprintf(path, sizeof(path), "%s/%s/dump", VMCSCTL_DIR, self->dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, e, sizeof(e));
	ASSERT_LT(0, len);
	EXPECT_EQ(0, len % (ssize_t)sizeof(e[0]));
	EXPECT_EQ(0, read(fd, e, sizeof(e)));
	EXPECT_EQ(sizeof(e[0]), pread(fd, e, sizeof(e[0]), 0));
	EXPECT_EQ(-1, pread(fd, e, sizeof(e), sizeof(e[0])));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, pread(fd, e, sizeof(e), len));
	close(fd);
	TH_LOG("GUEST_RIP: %d bytes, dump: %zd bytes, each in one read", digits + 3, len);
}

/*
 * udev hears of a directory once it is complete (KOBJ_ADD) and when it
 * goes (KOBJ_REMOVE), as "add@" and "remove@" its path under /sys.
 */
TEST(uevents)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval timeout = { .tv_sec = 5 };
	char name[64], add[128], remove[128], buf[4096];
	bool added = false, removed = false;
	struct vcpu *vcpu;
	struct vm vm;
	ssize_t n;
	int sock;

	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	ASSERT_LE(0, sock);
	ASSERT_EQ(0, bind(sock, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)));
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	own_dir(name, sizeof(name));
	vm_destroy(&vm);
	snprintf(add, sizeof(add), "add@/kernel/vmcsctl/%s", name);
	snprintf(remove, sizeof(remove), "remove@/kernel/vmcsctl/%s", name);
	while (!removed && (n = recv(sock, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = 0;
		/* The add comes first: the directory was complete before it. */
		if (!strcmp(buf, add))
			added = true;
		else if (!strcmp(buf, remove))
			removed = added;
	}
	EXPECT_TRUE(added) TH_LOG("no \"%s\"", add);
	EXPECT_TRUE(removed) TH_LOG("no \"%s\" after the add", remove);
	close(sock);
}

/* A file held open across VM destruction gives an errno, not a value. */
TEST(open_across_destroy)
{
	struct vmcsctl_dump_entry e[256];
	char path[512], buf[64];
	struct vcpu *vcpu;
	int fd, dump_fd;
	struct vm vm;

	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	snprintf(path, sizeof(path), "%s/vmcs%d/GUEST_RIP", VMCSCTL_DIR, gettid_());
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), "%s/vmcs%d/dump", VMCSCTL_DIR, gettid_());
	dump_fd = open(path, O_RDONLY);
	ASSERT_LE(0, dump_fd);
	ASSERT_LT(0, pread(fd, buf, sizeof(buf), 0));
	vm_destroy(&vm);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pread(dump_fd, e, sizeof(e), 0));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	close(dump_fd);
}

static int set_cpu_online(int cpu, bool online)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, online ? "1" : "0", 1) == 1 ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * CPU 1 goes offline while a vCPU that ran there is stopped: KVM VMCLEARs
 * its VMCS, which is then active on no CPU, and a file held open reads it
 * through the clear-VMCS path (vcpu->mutex, VMPTRLD here, VMCLEAR).
 */
TEST(cpu_offline)
{
	char path[512], buf[64];
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct vm vm;
	int fd, ret;
	long cpu;

	if (access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "CPU 1 cannot go offline");
	ASSERT_EQ(0, pin_to_cpu(1));
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	vm_load_code(&vm, VM_CODE_GPA, out_hlt, sizeof(out_hlt));
	ASSERT_EQ(0, vcpu_start_at(vcpu, VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason);
	ASSERT_EQ(0, pin_to_cpu(0));
	snprintf(buf, sizeof(buf), "vmcs%d", gettid_());
	ASSERT_EQ(0, vmcsctl_read_int(buf, "cpu", &cpu));
	EXPECT_EQ(1, cpu);
	snprintf(path, sizeof(path), "%s/%s/GUEST_RIP", VMCSCTL_DIR, buf);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, set_cpu_online(1, false));
	ret = vmcsctl_read_int(buf, "cpu", &cpu);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(-1, cpu) TH_LOG("the VMCS is still active after CPU 1 went offline");
	ASSERT_EQ(0, vcpu_get_regs(vcpu, &regs));
	memset(path, 0, sizeof(path));
	ret = pread(fd, path, sizeof(path) - 1, 0);
	EXPECT_LT(0, ret) TH_LOG("read of a clear VMCS: %s", strerror(errno));
	EXPECT_EQ(regs.rip, strtoull(path, NULL, 16));
	EXPECT_EQ(VM_CODE_GPA + 2, regs.rip);
	ASSERT_EQ(0, set_cpu_online(1, true));

	/* The vCPU runs on, now wherever the scheduler puts it. */
	ASSERT_EQ(0, vcpu_run(vcpu));
	EXPECT_EQ(KVM_EXIT_HLT, vcpu->run->exit_reason);
	ASSERT_EQ(0, vcpu_get_regs(vcpu, &regs));
	memset(path, 0, sizeof(path));
	ASSERT_LT(0, pread(fd, path, sizeof(path) - 1, 0));
	EXPECT_EQ(regs.rip - 1, strtoull(path, NULL, 16));
	close(fd);
	vm_destroy(&vm);
}

/*
 * Two vCPUs count in memory until told to stop, pinned to CPU 1, while a
 * thread on CPU 0 reads both VMCSs.  vCPU i runs with BX = COUNTERS + 16 i:
 *
 *	xor ecx, ecx
 * 1:	inc dword [bx]		; memory count
 *	inc ecx			; register count
 *	cmp byte [STOP], 0
 *	je 1b
 *	mov [bx + 4], ecx
 *	out 0xf1, al
 *	hlt
 */
#define STOP_GPA	0x2000
#define COUNTERS_GPA	0x3000
static const uint8_t count_loop[] = {
	0x66, 0x31, 0xc9,
	0x66, 0xff, 0x07,
	0x66, 0x41,
	0x80, 0x3e, STOP_GPA & 0xff, STOP_GPA >> 8, 0x00,
	0x74, 0xf4,
	0x66, 0x89, 0x4f, 0x04,
	0xe6, 0xf1,
	0xf4,
};

#define READS_PER_VMCS	1000
#define X86_EFLAGS_IF	0x200

TEST(concurrent_reads)
{
	static const char * const fields[] = {
		"GUEST_RIP", "GUEST_RFLAGS", "VM_EXIT_REASON", "GUEST_CS_SELECTOR", "HOST_RSP",
	};
	int i, j, ret, reads = 0, failures = 0, outside = 0;
	bool entered[2] = { false, false };
	char names[2][64];
	struct vcpu_thread r[2];
	struct vcpu *vcpu[2];
	struct kvm_regs regs;
	struct vm vm;
	uint64_t v;
	long id;

	ASSERT_GE(sysconf(_SC_NPROCESSORS_ONLN), 2);
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, vm_create(&vm));
	vm_load_code(&vm, VM_CODE_GPA, count_loop, sizeof(count_loop));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu[i]));
		ASSERT_EQ(0, vcpu_start_at(vcpu[i], VM_CODE_GPA));
		ASSERT_EQ(0, ioctl(vcpu[i]->fd, KVM_GET_REGS, &regs));
		regs.rbx = COUNTERS_GPA + 16 * i;
		/*
		 * IF=1: Bochs 2.7 takes the external-interrupt VM exit only
		 * when the guest could take the interrupt itself, so with
		 * IF=0 the host's IPIs and ticks never reach CPU 1.  No
		 * interrupt is ever injected into this guest.
		 */
		regs.rflags |= X86_EFLAGS_IF;
		ASSERT_EQ(0, ioctl(vcpu[i]->fd, KVM_SET_REGS, &regs));
	}
	ASSERT_EQ(2, vmcsctl_dirs_of(gettid_(), names, 2));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vcpu_thread_start(&r[i], vcpu[i], 1));

	for (i = 0; i < READS_PER_VMCS; i++) {
		if (i % 500 == 0)
			TH_LOG("%d reads so far", reads);
		for (j = 0; j < 2; j++) {
			const char *name = fields[i % ARRAY_SIZE(fields)];

			if (vmcsctl_read_field(names[j], name, &v)) {
				failures++;
				continue;
			}
			reads++;
			if (strcmp(name, "GUEST_RIP"))
				continue;
			if (v >= VM_CODE_GPA && v < VM_CODE_GPA + sizeof(count_loop)) {
				entered[j] = true;
				continue;
			}
			/*
			 * KVM_SET_REGS only fills KVM's register cache: until
			 * the first VM entry writes it, GUEST_RIP is still 0.
			 */
			if (v == 0 && !entered[j])
				continue;
			if (!outside++)
				TH_LOG("vCPU %d: GUEST_RIP %#llx", j, (unsigned long long)v);
		}
	}
	__atomic_store_n(vm.mem + STOP_GPA, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++) {
		ret = vcpu_thread_join(&r[i]);
		ASSERT_EQ(0, ret) TH_LOG("vCPU %d: %s", i, strerror(-ret));
		ASSERT_EQ(KVM_EXIT_IO, vcpu[i]->run->exit_reason);
	}

	TH_LOG("%d reads of 2 running VMCSs, %d failed", reads, failures);
	EXPECT_EQ(0, failures);
	EXPECT_EQ(0, outside) TH_LOG("GUEST_RIP outside the guest's code");
	EXPECT_TRUE(entered[0] && entered[1]) TH_LOG("a vCPU never seen in its loop");
	for (i = 0; i < 2; i++) {
		uint32_t *counter = (uint32_t *)(vm.mem + COUNTERS_GPA + 16 * i);

		ASSERT_EQ(0, vmcsctl_read_int(names[i], "vcpu_id", &id));
		TH_LOG("vCPU %d counted %u in memory, %u in ECX", i, counter[0], counter[1]);
		EXPECT_GT(counter[0], 0);
		EXPECT_EQ(counter[0], counter[1]);
	}
	vm_destroy(&vm);
}

TEST_HARNESS_MAIN
