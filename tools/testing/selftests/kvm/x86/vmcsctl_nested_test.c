// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl_nested_test: vmcs02 and the shadow VMCS in /sys/kernel/vmcsctl.
 *
 * An L1 guest enters VMX operation, runs a small L2, leaves VMX operation,
 * then enters and leaves it 1000 times more.  At each step the host
 * compares the vCPU's directory with what KVM and L1 see: vmcs02/ and
 * shadow/ appear after L1's first VMXON, made by a work item, stay for the
 * vCPU's life and answer ENODATA while L1 is outside VMX operation;
 * "current" and "guest_mode" while L2 runs;
 * vmcs02's exit reason and RIP against what L1 reads from vmcs12 with
 * VMREAD; reads of vmcs01 and vmcs02 from another CPU while L1 and L2
 * bounce between each other, every one of which must succeed; no kernfs
 * node made or freed by 1000 VMXON/VMXOFF; nothing left after destroying
 * a VM whose vCPU is in L2.  A read that fails where it must not ends the
 * test (field()).
 */
#define _GNU_SOURCE /* sched_setaffinity(); lib.mk defines it only since 6.12 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "vmx.h"
#include "kselftest.h"

#define VMCSCTL			"/sys/kernel/vmcsctl"
#define PORT_L2_IO		0x2000	/* L1 does not intercept it: exits to us */
#define L2_SPIN			500	/* L2's counts between two VMCALLs */
#define READS_PER_FILE		200	/* while L1 and L2 bounce */
#define VMCALL_LEN		3
#define VMXON_LOOPS		1000
#define VMXON_BATCHES		10
#define NR_CHECKS		23

enum {
	SYNC_BEFORE_VMXON = 1,
	SYNC_AFTER_VMXON,
	SYNC_L2_EXITED,
	SYNC_L2_COUNTED,
	SYNC_AFTER_VMXOFF,
	SYNC_VMXON_LOOPS,
};

static uint64_t l2_count;
static bool stop_l1;		/* set by the host once it has read enough */

/* L2: one I/O exit to userspace, one VMCALL to L1, then count and VMCALL. */
static void l2_guest_code(void)
{
	int i;

	asm volatile("inb %%dx, %%al" : : "d" (PORT_L2_IO) : "rax");
	vmcall();
	for (;;) {
		for (i = 0; i < L2_SPIN; i++)
			WRITE_ONCE(l2_count, l2_count + 1);
		vmcall();
	}
}

/*
 * L2 runs with IF=1: under Bochs, an external interrupt makes a VM exit only
 * when the guest could take it, and the host's IPIs to this CPU must get
 * through while L2 runs.  L1 does not ask for external-interrupt exits and
 * nothing is injected, so L2 never sees an interrupt.
 */
static void l1_start_l2(struct vmx_pages *vmx_pages)
{
	GUEST_ASSERT(load_vmcs(vmx_pages));
	prepare_vmcs(vmx_pages, l2_guest_code);
	vmwrite(GUEST_RFLAGS, X86_EFLAGS_FIXED | X86_EFLAGS_IF);
	GUEST_ASSERT(!vmlaunch());
}

static void l1_guest_code(struct vmx_pages *vmx_pages)
{
	uint64_t exits;

	GUEST_SYNC(SYNC_BEFORE_VMXON);
	GUEST_ASSERT(prepare_for_vmx_operation(vmx_pages));
	GUEST_SYNC(SYNC_AFTER_VMXON);

	l1_start_l2(vmx_pages);
	GUEST_SYNC_ARGS(SYNC_L2_EXITED, vmreadz(VM_EXIT_REASON), vmreadz(GUEST_RIP), 0, 0);

	/* Resume L2 past each VMCALL until the host says stop. */
	for (exits = 0;; exits++) {
		GUEST_ASSERT_EQ(vmreadz(VM_EXIT_REASON), EXIT_REASON_VMCALL);
		if (exits && READ_ONCE(stop_l1))
			break;
		vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) + VMCALL_LEN);
		GUEST_ASSERT(!vmresume());
	}
	GUEST_SYNC_ARGS(SYNC_L2_COUNTED, exits, 0, 0, 0);

	vmxoff();
	GUEST_SYNC(SYNC_AFTER_VMXOFF);

	/* What a guest could do to make the host churn sysfs: nothing now. */
	for (exits = 0; exits < VMXON_LOOPS; exits++) {
		GUEST_ASSERT(!vmxon(vmx_pages->vmxon_gpa));
		vmxoff();
	}
	GUEST_SYNC(SYNC_VMXON_LOOPS);
	GUEST_DONE();
}

/*
 * L1 for the benchmark: VMXON/VMXOFF pairs timed with the TSC, after a
 * first VMXON whose one-time work (vmcs02/ and shadow/) the host lets
 * finish first.  The pairs run in VMXON_BATCHES batches; the fastest
 * batch is the one that no host interrupt or other work landed in.
 */
static void l1_vmxon_loop(struct vmx_pages *vmx_pages)
{
	uint64_t t0, t, best = ~0ull;
	int b, i;

	GUEST_ASSERT(prepare_for_vmx_operation(vmx_pages));
	vmxoff();
	GUEST_SYNC(SYNC_AFTER_VMXON);
	for (b = 0; b < VMXON_BATCHES; b++) {
		t0 = rdtsc();
		for (i = 0; i < VMXON_LOOPS / VMXON_BATCHES; i++) {
			GUEST_ASSERT(!vmxon(vmx_pages->vmxon_gpa));
			vmxoff();
		}
		t = rdtsc() - t0;
		if (t < best)
			best = t;
	}
	GUEST_SYNC_ARGS(SYNC_VMXON_LOOPS, best, 0, 0, 0);
	GUEST_DONE();
}

/* L1 of the second VM: start L2 and never come back. */
static void l1_stays_in_l2(struct vmx_pages *vmx_pages)
{
	GUEST_ASSERT(prepare_for_vmx_operation(vmx_pages));
	l1_start_l2(vmx_pages);
	GUEST_ASSERT(!"L2 exited to L1");
}

static char dir[64];

static int read_file(const char *file, char *buf, size_t size)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL, dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A field, "0x" and hex digits: 0 or -errno (-EPROTO: format). */
static int read_field(const char *file, uint64_t *value)
{
	char buf[64], *end;
	int ret;

	ret = read_file(file, buf, sizeof(buf));
	if (ret)
		return ret;
	if (strncmp(buf, "0x", 2))
		return -EPROTO;
	*value = strtoull(buf, &end, 16);
	return *end ? -EPROTO : 0;
}

/* A field that must read: a failure ends the test. */
static uint64_t field(const char *file)
{
	uint64_t value;
	int ret = read_field(file, &value);

	TEST_ASSERT(!ret, "%s/%s: %s", dir, file, strerror(-ret));
	return value;
}

/* The errno of a read that must fail, 0 if it read. */
static int read_error(const char *file)
{
	uint64_t value;

	return -read_field(file, &value);
}

/* Objects of the kernfs node cache, from /proc/slabinfo; -1 without it. */
static long kernfs_nodes(void)
{
	char line[512];
	long n = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "kernfs_node_cache %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* A field from a dump file (one read of every field); the test ends if absent. */
static uint64_t dump_field(const char *file, uint32_t encoding)
{
	struct {
		uint32_t encoding, reserved;
		uint64_t value;
	} e[256];
	char path[256];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL, dir, file);
	fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "%s: %s", path, strerror(errno));
	n = read(fd, e, sizeof(e));
	close(fd);
	for (i = 0; i < n / (ssize_t)sizeof(e[0]); i++)
		if (e[i].encoding == encoding)
			return e[i].value;
	TEST_FAIL("%s: no field %#x (read: %zd)", path, encoding, n);
	return 0;
}

static bool file_is(const char *file, const char *text)
{
	char buf[64];

	return !read_file(file, buf, sizeof(buf)) && !strcmp(buf, text);
}

static bool exists(const char *file)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL, dir, file);
	return !stat(path, &st);
}

/*
 * Directories come from a work item: the vCPU's after KVM_CREATE_VCPU,
 * vmcs02/ and shadow/ after L1's first VMXON.  Wait for files @a and @b
 * of them, as udev would wait for their KOBJ_ADD.  Return the
 * milliseconds waited, -1 if they did not come within 30 s.
 */
static int wait_for(const char *a, const char *b)
{
	int ms;

	for (ms = 0; ms < 30000; ms += 10) {
		if (exists(a) && exists(b))
			return ms;
		usleep(10000);
	}
	return -1;
}

static int wait_nested_dirs(void)
{
	return wait_for("vmcs02/GUEST_RIP", "shadow/GUEST_RIP");
}

static bool mode_is(const char *file, mode_t mode)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL, dir, file);
	return !stat(path, &st) && (st.st_mode & 07777) == mode;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d", cpu);
}

/* What TEST_ASSERT_KVM_EXIT_REASON() does on kernels that have it. */
static void assert_exit_io(struct kvm_vcpu *vcpu)
{
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO, "exit reason %s, expected KVM_EXIT_IO",
		    exit_reason_str(vcpu->run->exit_reason));
}

static struct ucall run_to_sync(struct kvm_vcpu *vcpu, uint64_t stage)
{
	struct ucall uc;

	vcpu_run(vcpu);
	assert_exit_io(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		TEST_ASSERT(uc.args[1] == stage, "stage %lu, expected %lu", uc.args[1], stage);
		return uc;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
	default:
		TEST_FAIL("unexpected ucall %lu", uc.cmd);
	}
	return uc;
}

static void run_to_l2_io(struct kvm_vcpu *vcpu)
{
	vcpu_run(vcpu);
	assert_exit_io(vcpu);
	TEST_ASSERT(vcpu->run->io.port == PORT_L2_IO, "I/O to port %#x", vcpu->run->io.port);
}

struct reader {
	struct kvm_vm *vm;
	bool shadow;
	long ok, failures, in_l2, shadow_ok, shadow_busy;
};

/*
 * From CPU 0, read vmcs01, vmcs02 and the shadow VMCS while L1 and L2 run
 * on CPU 1, then tell L1 to stop.  Every read of vmcs01 and vmcs02 must
 * succeed.  The shadow VMCS is EBUSY while L2 runs (KVM may sync it on
 * vmcs02's CPU), and reads only while L1 does.
 */
static void *read_loop(void *arg)
{
	static const char * const files[] = {
		"GUEST_RIP", "vmcs02/GUEST_RIP", "vmcs02/VM_EXIT_REASON",
	};
	struct reader *r = arg;
	uint64_t value;
	int i, j, ret;

	pin_to(0);
	for (i = 0; i < READS_PER_FILE; i++) {
		for (j = 0; j < ARRAY_SIZE(files); j++) {
			if (read_field(files[j], &value))
				r->failures++;
			else
				r->ok++;
		}
		if (r->shadow) {
			ret = read_field("shadow/GUEST_RIP", &value);
			if (!ret)
				r->shadow_ok++;
			else if (ret == -EBUSY)
				r->shadow_busy++;
			else
				r->failures++;
		}
		r->in_l2 += file_is("guest_mode", "1");
	}
	WRITE_ONCE(*(bool *)addr_gva2hva(r->vm, (gva_t)&stop_l1), true);
	return NULL;
}

static bool kvm_intel_param(const char *name)
{
	char path[128], c = 'N';
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kvm_intel/parameters/%s", name);
	f = fopen(path, "r");
	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == 'Y';
}

static void test_l1_and_l2(bool shadow)
{
	struct reader reader = { .shadow = shadow };
	uint64_t exits;
	int waited;
	long nodes;
	gva_t vmx_pages_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	pthread_t thread;
	struct kvm_vm *vm;
	uint64_t revision;
	struct ucall uc;

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	vcpu_alloc_vmx(vm, &vmx_pages_gva);
	vcpu_args_set(vcpu, 1, vmx_pages_gva);
	vcpu_regs_get(vcpu, &regs);
	regs.rflags |= X86_EFLAGS_IF;	/* see l1_start_l2() */
	vcpu_regs_set(vcpu, &regs);

	run_to_sync(vcpu, SYNC_BEFORE_VMXON);
	ksft_test_result(wait_for("GUEST_RIP", "vcpu_id") >= 0 && !exists("vmcs02") &&
			 !exists("shadow"),
			 "before VMXON: no vmcs02/ and shadow/\n");
	ksft_test_result(file_is("current", "vmcs01") && file_is("guest_mode", "0"),
			 "before VMXON: current vmcs01, guest_mode 0\n");

	run_to_sync(vcpu, SYNC_AFTER_VMXON);
	waited = wait_nested_dirs();
	revision = field("revision_id");
	ksft_test_result(waited >= 0 && field("vmcs02/revision_id") == revision,
			 "after VMXON: vmcs02/ within %d ms, with revision_id %#lx\n", waited,
			 revision);
	ksft_test_result(shadow ? field("shadow/revision_id") == (revision | 1ull << 31) :
				  read_error("shadow/revision_id") == ENODATA,
			 "after VMXON: shadow/ %s (enable_shadow_vmcs=%c)\n",
			 shadow ? "with the shadow-VMCS indicator" : "ENODATA", shadow ? 'Y' : 'N');
	ksft_test_result(mode_is("vmcs02/GUEST_RIP", 0400) && mode_is("vmcs02/HOST_RIP", 0400) &&
			 !exists("vmcs02/vcpu_id") && exists("vmcs02/cpu"),
			 "vmcs02/: root-only, read-only, field and VMCS files only\n");

	run_to_l2_io(vcpu);
	vcpu_regs_get(vcpu, &regs);
	ksft_test_result(file_is("current", "vmcs02") && file_is("guest_mode", "1"),
			 "L2 exited to userspace: current vmcs02, guest_mode 1\n");
	ksft_test_result(field("vmcs02/VM_EXIT_REASON") == EXIT_REASON_IO_INSTRUCTION &&
			 field("vmcs02/GUEST_RIP") == regs.rip,
			 "L2 I/O exit: vmcs02 exit reason %lu, GUEST_RIP %#lx = KVM_GET_REGS rip %#llx\n",
			 field("vmcs02/VM_EXIT_REASON"), field("vmcs02/GUEST_RIP"), regs.rip);
	ksft_test_result(field("VM_EXIT_REASON") != EXIT_REASON_IO_INSTRUCTION,
			 "L2 exited: vmcs01 holds L1's state (L1 GUEST_RIP %#lx, exit reason %lu)\n",
			 field("GUEST_RIP"), field("VM_EXIT_REASON"));

	uc = run_to_sync(vcpu, SYNC_L2_EXITED);
	ksft_test_result(uc.args[2] == EXIT_REASON_VMCALL &&
			 field("vmcs02/VM_EXIT_REASON") == uc.args[2],
			 "L2 VMCALL: vmcs02 exit reason %lu = L1's VMREAD %lu\n",
			 field("vmcs02/VM_EXIT_REASON"), uc.args[2]);
	ksft_test_result(field("vmcs02/GUEST_RIP") == uc.args[3],
			 "L2 VMCALL: vmcs02 GUEST_RIP %#lx = L1's VMREAD %#lx\n",
			 field("vmcs02/GUEST_RIP"), uc.args[3]);
	ksft_test_result(dump_field("vmcs02/dump", VM_EXIT_REASON) == uc.args[2] &&
			 dump_field("vmcs02/dump", GUEST_RIP) == uc.args[3],
			 "L2 VMCALL: vmcs02/dump agrees (reason %lu, GUEST_RIP %#lx)\n",
			 dump_field("vmcs02/dump", VM_EXIT_REASON),
			 dump_field("vmcs02/dump", GUEST_RIP));
	ksft_test_result(file_is("current", "vmcs01") && file_is("guest_mode", "0"),
			 "back in L1: current vmcs01, guest_mode 0\n");
	ksft_test_result(!shadow || (field("shadow/VM_EXIT_REASON") == uc.args[2] &&
				     field("shadow/GUEST_RIP") == uc.args[3]),
			 "L1's VMREADs went to the shadow VMCS: it holds reason %lu, GUEST_RIP %#lx\n",
			 field("shadow/VM_EXIT_REASON"), field("shadow/GUEST_RIP"));

	reader.vm = vm;
	TEST_ASSERT(!pthread_create(&thread, NULL, read_loop, &reader), "reader thread");
	uc = run_to_sync(vcpu, SYNC_L2_COUNTED);
	TEST_ASSERT(!pthread_join(thread, NULL), "reader thread");
	sync_global_from_guest(vm, l2_count);
	exits = uc.args[2];
	ksft_test_result(!reader.failures && reader.ok == 3 * READS_PER_FILE && reader.in_l2 &&
			 (!shadow || reader.shadow_ok + reader.shadow_busy == READS_PER_FILE),
			 "%ld of %d reads of vmcs01 and vmcs02 from CPU 0 while L1 and L2 ran (L2 seen %ld times), %ld failed; shadow: %ld read, %ld EBUSY\n",
			 reader.ok, 3 * READS_PER_FILE, reader.in_l2, reader.failures,
			 reader.shadow_ok, reader.shadow_busy);
	ksft_test_result(exits > 0 && l2_count == exits * L2_SPIN,
			 "L1 handled %lu VMCALLs, L2 counted %lu = %lu x %d\n",
			 exits, l2_count, exits, L2_SPIN);

	run_to_sync(vcpu, SYNC_AFTER_VMXOFF);
	ksft_test_result(read_error("vmcs02/GUEST_RIP") == ENODATA &&
			 read_error("shadow/GUEST_RIP") == ENODATA && field("GUEST_RIP"),
			 "after VMXOFF: vmcs02/ and shadow/ ENODATA, vmcs01 reads\n");

	nodes = kernfs_nodes();
	uc = run_to_sync(vcpu, SYNC_VMXON_LOOPS);
	ksft_test_result(nodes < 0 || labs(kernfs_nodes() - nodes) < 16,
			 "%d VMXON/VMXOFF in L1: kernfs_node_cache objects %ld -> %ld\n",
			 VMXON_LOOPS, nodes, kernfs_nodes());
	ksft_test_result(read_error("vmcs02/GUEST_RIP") == ENODATA && exists("vmcs02/GUEST_RIP"),
			 "after the loop: vmcs02/ still there, ENODATA\n");
	vcpu_run(vcpu);
	ksft_test_result(get_ucall(vcpu, &uc) == UCALL_DONE, "L1 done\n");

	kvm_vm_free(vm);
	ksft_test_result(!exists(""), "VM destroyed: %s gone\n", dir);
}

static void test_destroy_in_l2(void)
{
	gva_t vmx_pages_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct kvm_vm *vm;

	vm = vm_create_with_one_vcpu(&vcpu, l1_stays_in_l2);
	vcpu_alloc_vmx(vm, &vmx_pages_gva);
	vcpu_args_set(vcpu, 1, vmx_pages_gva);
	vcpu_regs_get(vcpu, &regs);
	regs.rflags |= X86_EFLAGS_IF;
	vcpu_regs_set(vcpu, &regs);

	run_to_l2_io(vcpu);
	ksft_test_result(wait_nested_dirs() >= 0 && file_is("guest_mode", "1"),
			 "second VM: its vCPU in L2, vmcs02/ shown\n");
	ksft_test_result(field("vmcs02/VM_EXIT_REASON") == EXIT_REASON_IO_INSTRUCTION,
			 "second VM: vmcs02 exit reason %lu\n", field("vmcs02/VM_EXIT_REASON"));
	kvm_vm_free(vm);
	ksft_test_result(!exists("vmcs02") && !exists(""),
			 "second VM destroyed while in L2: %s and its vmcs02/ gone\n", dir);
}

/*
 * -b: no checks, for scripts/bench.sh on kernels with and without vmcsctl:
 * the guest TSC cycles of one VMXON/VMXOFF pair in L1 (two exits to L0),
 * once the first VMXON's vmcs02/ and shadow/ are there.
 */
static void bench_vmxon(void)
{
	gva_t vmx_pages_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	vm = vm_create_with_one_vcpu(&vcpu, l1_vmxon_loop);
	vcpu_alloc_vmx(vm, &vmx_pages_gva);
	vcpu_args_set(vcpu, 1, vmx_pages_gva);
	run_to_sync(vcpu, SYNC_AFTER_VMXON);
	if (!access(VMCSCTL, F_OK))
		TEST_ASSERT(wait_nested_dirs() >= 0, "no vmcs02/ and shadow/");
	uc = run_to_sync(vcpu, SYNC_VMXON_LOOPS);
	printf("bench: vmxon_vmxoff_pair %.1f\n",
	       (double)uc.args[2] / (VMXON_LOOPS / VMXON_BATCHES));
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_DONE, "L1 not done");
	kvm_vm_free(vm);
}

int main(int argc, char *argv[])
{
	bool shadow;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	snprintf(dir, sizeof(dir), "vmcs%ld", syscall(SYS_gettid));
	if (argc > 1 && !strcmp(argv[1], "-b")) {
		pin_to(1);
		bench_vmxon();
		return 0;
	}
	TEST_REQUIRE(!access(VMCSCTL, F_OK));
	TEST_REQUIRE(sysconf(_SC_NPROCESSORS_ONLN) >= 2);

	ksft_print_header();
	ksft_set_plan(NR_CHECKS);
	shadow = kvm_intel_param("enable_shadow_vmcs");
	pin_to(1);
	test_l1_and_l2(shadow);
	test_destroy_in_l2();
	ksft_finished();
}
