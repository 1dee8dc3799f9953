// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl selftests that need a boot of their own, with one CPU and writes
 * off (kvm_intel.vmcsctl_write=0): fault injection into publishing, the
 * switch kvm_intel.vmcsctl and the bound kvm_intel.vmcsctl_max_vcpus, the
 * unload and reload of kvm_intel (under Bochs, a 2-CPU guest stalls after
 * rmmod kvm_intel), and no file opened for writing while writes are off.
 * A program of their own, not a test filter: the harness of older kernels
 * has no -t/-T.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "../kselftest_harness.h"
#include "sysfs.h"
#include "vm.h"

/*
 * With writes off, every file of a vCPU's directory is 0400 and even root
 * cannot open one for writing (vmcsctl_test's every_file checks the 0600
 * files of a boot with writes on).
 */
TEST(writes_off)
{
	char path[512], dir[64];
	int files = 0, fd;
	struct dirent *de;
	struct vcpu *vcpu;
	struct stat st;
	struct vm vm;
	DIR *d;

	if (vmcsctl_writes_enabled() == 1)
		SKIP(return, "writes are on: kvm_intel.vmcsctl_write=1");
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	snprintf(dir, sizeof(dir), "%s/vmcs%d", VMCSCTL_DIR, gettid_());
	d = opendir(dir);
	ASSERT_TRUE(!!d);
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || S_ISDIR(st.st_mode))
			continue;
		files++;
		EXPECT_EQ(S_IFREG | 0400, st.st_mode) TH_LOG("%s", de->d_name);
		fd = open(path, O_WRONLY);
		EXPECT_EQ(-1, fd) TH_LOG("%s", de->d_name);
		EXPECT_EQ(EACCES, errno) TH_LOG("%s", de->d_name);
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	TH_LOG("%d files, none writable", files);
	EXPECT_GT(files, 100);
	vm_destroy(&vm);
}

/*
 * Where kvm_intel's .text is: from its start to the next section above it.
 * Returns 0 with the range, or -errno.
 */
static int kvm_intel_text(unsigned long *start, unsigned long *end)
{
	const char *dir = "/sys/module/kvm_intel/sections";
	unsigned long addr;
	struct dirent *de;
	char path[512];
	FILE *f;
	DIR *d;

	*start = 0;
	*end = ~0ul;
	f = fopen("/sys/module/kvm_intel/sections/.text", "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%lx", start) != 1)
		*start = 0;
	fclose(f);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lx", &addr) == 1 && addr > *start && addr < *end)
			*end = addr;
		fclose(f);
	}
	closedir(d);
	return *start && *end != ~0ul ? 0 : -ENOENT;
}

/*
 * Make the n-th slab allocation made by kvm_intel's code (a frame of its
 * .text on the stack) during KVM_CREATE_VCPU fail, for n from 1 until the
 * ioctl makes fewer: KVM's own and the one of vmcsctl's record of the
 * vCPU (its directories come later, from a work item).  Each time the
 * vCPU is either not created, or created and shown once the work is
 * done, or created and never shown; nothing is left after the VM goes,
 * and kvm_intel still unloads (a later test).  Where failslab has no stack
 * filter (6.1 has it on 32-bit kernels only), the n-th allocation of the
 * whole ioctl fails instead: more rounds, same rules.
 */
TEST(publish_failures)
{
	int injected = 0, unpublished = 0, created = 0, fd, vcpu_fd, n, i;
	char names[2][64], path[256], buf[32];
	unsigned long start, end;
	struct stat st;
	struct vm vm;

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid_());
	if (access(path, W_OK))
		SKIP(return, "no CONFIG_FAILSLAB with fail-nth");
	ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/verbose", "0"));
	if (!access("/sys/kernel/debug/failslab/require-start", F_OK)) {
		ASSERT_EQ(0, kvm_intel_text(&start, &end));
		snprintf(buf, sizeof(buf), "%lu", start);
		ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/require-start", buf));
		snprintf(buf, sizeof(buf), "%lu", end);
		ASSERT_EQ(0, write_file("/sys/kernel/debug/failslab/require-end", buf));
	} else {
		TH_LOG("no stack filter: failing allocations anywhere in KVM_CREATE_VCPU");
	}
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);

	for (n = 1; ; n += 1 + n / 16) {
		ASSERT_EQ(0, vm_create(&vm));
		snprintf(buf, sizeof(buf), "%d", n);
		ASSERT_EQ((ssize_t)strlen(buf), pwrite(fd, buf, strlen(buf), 0));
		vcpu_fd = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
		memset(buf, 0, sizeof(buf));
		ASSERT_LT(0, pread(fd, buf, sizeof(buf) - 1, 0));
		ASSERT_EQ(1, pwrite(fd, "0", 1, 0));
		ASSERT_EQ(0, vmcsctl_settle());
		i = vmcsctl_dirs_of(gettid_(), names, 2);
		if (vcpu_fd >= 0) {
			created++;
			EXPECT_GE(1, i);
			unpublished += !i;
			snprintf(path, sizeof(path), "%s/%s/vmcs02/GUEST_RIP", VMCSCTL_DIR,
				 names[0]);
			if (i == 1)
				EXPECT_EQ(-1, stat(path, &st))
					TH_LOG("n=%d: %s has a vmcs02/", n, names[0]);
			close(vcpu_fd);
		} else {
			EXPECT_EQ(0, i) TH_LOG("n=%d: a failed vCPU has a directory", n);
		}
		vm_destroy(&vm);
		EXPECT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 2)) TH_LOG("n=%d", n);
		if (atoi(buf) != 0)	/* not consumed: the ioctl allocated fewer */
			break;
		injected++;
	}
	close(fd);
	TH_LOG("%d failures injected into KVM_CREATE_VCPU's allocations (n up to %d)",
	       injected, n);
	TH_LOG("%d vCPUs created, %d of them not published", created, unpublished);
	EXPECT_LT(0, injected);
	EXPECT_LT(0, unpublished);
}

#define MAX_VCPUS_PARAM		"/sys/module/kvm_intel/parameters/vmcsctl_max_vcpus"
#define UNPUBLISHED_PARAM	"/sys/module/kvm_intel/parameters/vmcsctl_unpublished"

static long read_number(const char *path)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -EIO;
}

/* Kernel log lines from @fd (/dev/kmsg, non-blocking) that contain @text. */
static int kmsg_count(int fd, const char *text)
{
	char rec[1024];
	ssize_t n;
	int found = 0;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		found += !!strstr(rec, text);
	}
	return found;
}

/*
 * kvm_intel.vmcsctl_max_vcpus bounds the vCPU directories of all VMs, so
 * that an unprivileged /dev/kvm user cannot make the host allocate kernfs
 * nodes without limit.  With room for two more, a VM of four vCPUs gets
 * two directories; the other two work, unshown, counted in
 * vmcsctl_unpublished, the first of them logged; once the VM is gone its
 * room is back.
 */
TEST(max_vcpus)
{
	long max, unpublished, shown;
	char names[4][64], buf[32], line[64];
	struct kvm_regs regs;
	int fds[4], kmsg, i;
	struct vm vm;

	max = read_number(MAX_VCPUS_PARAM);
	ASSERT_LT(0, max);
	unpublished = read_number(UNPUBLISHED_PARAM);
	ASSERT_LE(0, unpublished);
	shown = vmcsctl_count_dirs();
	ASSERT_LE(0, shown);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);

	snprintf(buf, sizeof(buf), "%ld", shown + 2);
	ASSERT_EQ(0, write_file(MAX_VCPUS_PARAM, buf));
	ASSERT_EQ(0, vm_create(&vm));
	for (i = 0; i < 4; i++) {
		fds[i] = ioctl(vm.fd, KVM_CREATE_VCPU, i);
		EXPECT_LE(0, fds[i]) TH_LOG("vCPU %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, vmcsctl_settle());
	EXPECT_EQ(2, vmcsctl_dirs_of(gettid_(), names, 4));
	EXPECT_EQ(unpublished + 2, read_number(UNPUBLISHED_PARAM));
	snprintf(line, sizeof(line), "vmcsctl_max_vcpus=%ld reached", shown + 2);
	if (!unpublished)
		EXPECT_EQ(1, kmsg_count(kmsg, line));
	close(kmsg);
	/* An unshown vCPU is a vCPU all the same. */
	EXPECT_EQ(0, ioctl(fds[3], KVM_GET_REGS, &regs));
	for (i = 0; i < 4; i++)
		close(fds[i]);
	vm_destroy(&vm);
	EXPECT_EQ(0, vmcsctl_dirs_of(gettid_(), names, 4));

	/* The room is back. */
	ASSERT_EQ(0, vm_create(&vm));
	fds[0] = ioctl(vm.fd, KVM_CREATE_VCPU, 0);
	EXPECT_LE(0, fds[0]);
	ASSERT_EQ(0, vmcsctl_settle());
	EXPECT_EQ(1, vmcsctl_dirs_of(gettid_(), names, 4));
	close(fds[0]);
	vm_destroy(&vm);
	snprintf(buf, sizeof(buf), "%ld", max);
	EXPECT_EQ(0, write_file(MAX_VCPUS_PARAM, buf));
	TH_LOG("vmcsctl_max_vcpus %ld (default), %ld for the test: 2 of 4 vCPUs shown",
	       max, shown + 2);
}

#define SPIN_STOP_GPA	0x2000
#define SPIN_COUNT_GPA	0x3000
#define X86_EFLAGS_IF	0x200
#define GS_MARK		0x12345000

/* Count in the dword at SPIN_COUNT_GPA until the byte at SPIN_STOP_GPA is set. */
static const uint8_t spin[] = {
	0x66, 0xff, 0x07,					/* inc dword [bx] */
	0x80, 0x3e, SPIN_STOP_GPA & 0xff, SPIN_STOP_GPA >> 8, 0x00, /* cmp byte [stop], 0 */
	0x74, 0xf6,						/* je the inc */
	0xe6, 0xf1,						/* out 0xf1, al */
	0xf4,							/* hlt */
};

/* The directory of this thread's vCPU @vcpu_id of @vm, "" if none. */
static void dir_of(const struct vm *vm, long vcpu_id, char names[][64], int n, char *dir)
{
	char want[32], buf[64];
	long id;
	int i;

	snprintf(want, sizeof(want), "%d-%d\n", getpid(), vm->fd);
	dir[0] = '\0';
	for (i = 0; i < n; i++)
		if (!vmcsctl_read_file(names[i], "vm", buf, sizeof(buf)) && !strcmp(buf, want) &&
		    !vmcsctl_read_int(names[i], "vcpu_id", &id) && id == vcpu_id)
			snprintf(dir, 64, "%.63s", names[i]);
}

/*
 * kvm_intel.vmcsctl withdraws and publishes the directories of every vCPU
 * while its VMs run: a write returns once they are gone or back, a file
 * opened before stops working, a vCPU created while it is off is shown
 * when it comes on, each directory shows its own vCPU (a GS base set with
 * KVM_SET_SREGS on one of them), and the guest runs on throughout.  Three
 * rounds.
 */
TEST(switch_off_on)
{
	uint32_t *count;
	char names[4][64], dir[64], path[256], buf[64];
	struct vcpu *vcpu[3];
	struct kvm_sregs sregs, running;
	struct vcpu_thread t;
	struct kvm_regs regs;
	int fd, round, ms, n, i;
	struct vm vm[2];
	uint64_t gs_base;
	uint32_t before;

	ASSERT_EQ(1, kvm_intel_param("vmcsctl")) TH_LOG("kvm_intel.vmcsctl is not on");
	ASSERT_EQ(0, vmcsctl_count_dirs());
	ASSERT_EQ(0, vm_create(&vm[0]));
	ASSERT_EQ(0, vm_create(&vm[1]));
	vm_load_code(&vm[0], VM_CODE_GPA, spin, sizeof(spin));
	ASSERT_EQ(0, vm_add_vcpu(&vm[0], &vcpu[0]));
	ASSERT_EQ(0, vcpu_start_at(vcpu[0], VM_CODE_GPA));
	ASSERT_EQ(0, vcpu_get_regs(vcpu[0], &regs));
	regs.rbx = SPIN_COUNT_GPA;
	/* IF=1, or Bochs never delivers the host's ticks while the guest runs. */
	regs.rflags |= X86_EFLAGS_IF;
	ASSERT_EQ(0, ioctl(vcpu[0]->fd, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vm_add_vcpu(&vm[1], &vcpu[1]));
	ASSERT_EQ(2, vmcsctl_dirs_of(gettid_(), names, 4));
	/* KVM_SET_SREGS writes the VMCS at once: a mark to find vcpu[1] by. */
	ASSERT_EQ(0, vcpu_get_sregs(vcpu[1], &sregs));
	sregs.gs.base = GS_MARK;
	ASSERT_EQ(0, ioctl(vcpu[1]->fd, KVM_SET_SREGS, &sregs));
	snprintf(path, sizeof(path), "%s/vmcs%d/GUEST_RIP", VMCSCTL_DIR, gettid_());
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	count = (uint32_t *)(vm[0].mem + SPIN_COUNT_GPA);
	/* The guest never writes GS: KVM's view of it holds while it runs. */
	ASSERT_EQ(0, vcpu_get_sregs(vcpu[0], &running));
	ASSERT_EQ(0, vcpu_thread_start(&t, vcpu[0], 0));

	for (round = 0; round < 3; round++) {
		before = __atomic_load_n(count, __ATOMIC_RELAXED);
		ASSERT_EQ(0, write_file(VMCSCTL_SWITCH, "N"));
		EXPECT_EQ(0, kvm_intel_param("vmcsctl"));
		EXPECT_EQ(0, vmcsctl_count_dirs());
		if (!round) {
			EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
			EXPECT_EQ(ENODEV, errno);
			/* A vCPU made while off works, and is not shown. */
			ASSERT_EQ(0, vm_add_vcpu(&vm[1], &vcpu[2]));
			EXPECT_EQ(0, vmcsctl_count_dirs());
			EXPECT_EQ(0, vcpu_get_regs(vcpu[2], &regs));
		}
		ASSERT_EQ(0, write_file(VMCSCTL_SWITCH, "Y"));
		EXPECT_EQ(1, kvm_intel_param("vmcsctl"));
		n = vmcsctl_dirs_of(gettid_(), names, 4);
		EXPECT_EQ(3, n);
		EXPECT_EQ(3, vmcsctl_count_dirs());
		/* Each is its vCPU, against KVM_GET_SREGS. */
		for (i = 0; i < 3; i++) {
			dir_of(&vm[!!i], i == 2, names, n, dir);
			ASSERT_NE(0, dir[0]) TH_LOG("round %d: no directory of vcpu[%d]", round, i);
			sregs = running;
			ASSERT_EQ(0, i ? vcpu_get_sregs(vcpu[i], &sregs) : 0);
			ASSERT_EQ(0, vmcsctl_read_field(dir, "GUEST_GS_BASE", &gs_base));
			EXPECT_EQ(sregs.gs.base, gs_base) TH_LOG("round %d: vcpu[%d]", round, i);
			EXPECT_EQ(i == 1 ? GS_MARK : 0, gs_base)
				TH_LOG("round %d: vcpu[%d]", round, i);
		}
		/* The guest ran on. */
		for (ms = 0; __atomic_load_n(count, __ATOMIC_RELAXED) == before && ms < 10000; ms++)
			usleep(1000);
		EXPECT_NE(before, __atomic_load_n(count, __ATOMIC_RELAXED))
			TH_LOG("round %d: the guest stopped", round);
	}
	__atomic_store_n(vm[0].mem + SPIN_STOP_GPA, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(0, vcpu_thread_join(&t));
	EXPECT_EQ(KVM_EXIT_IO, vcpu[0]->run->exit_reason);
	TH_LOG("3 rounds off and on, 3 vCPUs of 2 VMs, %u guest loops",
	       __atomic_load_n(count, __ATOMIC_RELAXED));
	close(fd);
	vm_destroy(&vm[0]);
	vm_destroy(&vm[1]);
	EXPECT_EQ(0, vmcsctl_count_dirs());
}

static int load_kvm_intel(void)
{
	char path[256];
	struct utsname u;
	int fd, ret;

	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/kernel/arch/x86/kvm/kvm-intel.ko", u.release);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * kvm_intel as a module: /sys/kernel/vmcsctl goes with it and comes back;
 * a file held open across the unload gives an errno, not a value.
 */
TEST(module_unload_reload)
{
	char names[2][64], path[256], buf[64];
	struct vcpu *vcpu;
	struct stat st;
	struct vm vm;
	int fd;

	if (access("/sys/module/kvm_intel/initstate", F_OK))
		SKIP(return, "kvm_intel is not a module");
	ASSERT_EQ(0, stat(VMCSCTL_DIR, &st));
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	snprintf(path, sizeof(path), "%s/vmcs%d/GUEST_RIP", VMCSCTL_DIR, gettid_());
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	vm_destroy(&vm);
	ASSERT_EQ(0, syscall(SYS_delete_module, "kvm_intel", O_NONBLOCK))
		TH_LOG("rmmod kvm_intel: %s", strerror(errno));
	EXPECT_EQ(-1, stat(VMCSCTL_DIR, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
	ASSERT_EQ(0, load_kvm_intel());
	ASSERT_EQ(0, stat(VMCSCTL_DIR, &st));
	EXPECT_EQ(0, vmcsctl_count_dirs());

	/* And the reloaded module publishes new vCPUs. */
	ASSERT_EQ(0, vm_create(&vm));
	ASSERT_EQ(0, vm_add_vcpu(&vm, &vcpu));
	EXPECT_EQ(1, vmcsctl_dirs_of(gettid_(), names, 2));
	vm_destroy(&vm);
	EXPECT_EQ(0, vmcsctl_count_dirs());
}

TEST_HARNESS_MAIN
