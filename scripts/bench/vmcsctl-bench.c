// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The vmcsctl benchmark, run inside the emulated guest by scripts/bench.sh
 * on a kernel with CONFIG_KVM_VMCSCTL=y and on its =n twin.  Costs are TSC
 * cycles: under Bochs the TSC advances with emulated instructions, so they
 * repeat from run to run.  Prints one "bench: <key> <value>" line per
 * measure; scripts/bench.sh turns the two runs into a table of ratios.
 *
 *   vmcsctl-bench all	every measure (needs CONFIG_KVM_VMCSCTL=y)
 *   vmcsctl-bench twin	only those that compare with the =n kernel
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <x86intrin.h>

#include "sysfs.h"
#include "vm.h"

#define REPEAT		1000
#define EXITS		10000
#define EXIT_BATCHES	20
#define LIFECYCLES	50
#define MEM_VCPUS	64
#define SCALE_VMS	4
#define SCALE_VCPUS	64	/* per VM: KVM_CREATE_VCPU ids 0..63 */
#define NAMING_VCPUS	1024	/* KVM_MAX_VCPUS without MAXSMP */
#define NAMING_STEP	64

/* mov al, 0x42; out 0xf1, al; hlt */
static const uint8_t out_hlt[] = { 0xb0, 0x42, 0xe6, 0xf1, 0xf4 };
/* 1: out 0xf1, al; jmp 1b */
static const uint8_t out_loop[] = { 0xe6, 0xf1, 0xeb, 0xfc };
/* 1: cmp byte [0x2000], 0; je 1b; out 0xf1, al; hlt */
static const uint8_t spin[] = { 0x80, 0x3e, 0x00, 0x20, 0x00, 0x74, 0xf9, 0xe6, 0xf1, 0xf4 };
#define SPIN_STOP	0x2000

static void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void check(int ret, const char *what)
{
	if (ret)
		die(what, ret);
}

static void pin_to(int cpu)
{
	check(pin_to_cpu(cpu), "sched_setaffinity");
}

static void report(const char *key, double value)
{
	printf("bench: %s %.1f\n", key, value);
	fflush(stdout);
}

/* A VM with one vCPU stopped at the OUT of out_hlt[]. */
static struct vcpu *stopped_vcpu(struct vm *vm)
{
	struct vcpu *vcpu;

	check(vm_create(vm), "KVM_CREATE_VM");
	check(vm_add_vcpu(vm, &vcpu), "KVM_CREATE_VCPU");
	vm_load_code(vm, VM_CODE_GPA, out_hlt, sizeof(out_hlt));
	check(vcpu_start_at(vcpu, VM_CODE_GPA), "start");
	check(vcpu_run(vcpu), "KVM_RUN");
	return vcpu;
}

/*
 * The cycles of one call, as the fastest of BATCHES batches: a timer
 * interrupt or other host work lands in some batches and not in others,
 * and moves a mean by as much as the differences measured here.
 */
#define BATCHES		10

static double get_regs_cycles(struct vcpu *vcpu)
{
	double batch, best = 0;
	struct kvm_regs regs;
	uint64_t t0;
	int b, i;

	for (b = 0; b < BATCHES; b++) {
		t0 = __rdtsc();
		for (i = 0; i < REPEAT / BATCHES; i++)
			check(vcpu_get_regs(vcpu, &regs), "KVM_GET_REGS");
		batch = (double)(__rdtsc() - t0) / (REPEAT / BATCHES);
		if (!b || batch < best)
			best = batch;
	}
	return best;
}

/* pread() of @len bytes or more at offset 0, fastest of BATCHES batches. */
static double pread_cycles(int fd, void *buf, size_t size, ssize_t len)
{
	double batch, best = 0;
	uint64_t t0;
	int b, i;

	for (b = 0; b < BATCHES; b++) {
		t0 = __rdtsc();
		for (i = 0; i < REPEAT / BATCHES; i++)
			if (pread(fd, buf, size, 0) < len)
				die("pread", errno ? errno : EPROTO);
		batch = (double)(__rdtsc() - t0) / (REPEAT / BATCHES);
		if (!b || batch < best)
			best = batch;
	}
	return best;
}

static int open_field(const char *dir, const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path, errno);
	return fd;
}

/* (1) one field with pread() vs KVM_GET_REGS; (2) every field vs KVM_GET_REGS. */
static void bench_reads(void)
{
	struct vcpu_thread runner;
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct dirent *de;
	struct vmcsctl_dump_entry dump[256];	/* include/uapi/linux/vmcsctl.h via sysfs.h */
	char dir[64], buf[64], path[512];
	int fd, i, fields = 0;
	uint64_t t0, sweep;
	struct vm vm;
	DIR *d;

	pin_to(0);
	vcpu = stopped_vcpu(&vm);
	snprintf(dir, sizeof(dir), "vmcs%d", gettid_());
	report("get_regs_stopped", get_regs_cycles(vcpu));
	fd = open_field(dir, "GUEST_RIP");
	report("pread_stopped", pread_cycles(fd, buf, sizeof(buf), 1));
	close(fd);
	/* The floor: a file of the same directory that touches no VMCS. */
	fd = open_field(dir, "vcpu_id");
	report("pread_info", pread_cycles(fd, buf, sizeof(buf), 1));
	close(fd);

	/* Every field file: open, read, close. */
	snprintf(path, sizeof(path), "%s/%s", VMCSCTL_DIR, dir);
	t0 = __rdtsc();
	for (i = 0; i < 10; i++) {
		d = opendir(path);
		if (!d)
			die(path, errno);
		fields = 0;
		while ((de = readdir(d))) {
			if (!vmcs_field_by_name(de->d_name))
				continue;
			fields++;
			fd = open_field(dir, de->d_name);
			if (read(fd, buf, sizeof(buf)) <= 0)
				die(de->d_name, errno);
			close(fd);
		}
		closedir(d);
	}
	sweep = (__rdtsc() - t0) / 10;
	report("all_fields", sweep);
	report("all_fields_count", fields);

	/* The same in one read of the dump file: open, read, close; and pread(). */
	t0 = __rdtsc();
	for (i = 0; i < 10; i++) {
		fd = open_field(dir, "dump");
		if (read(fd, dump, sizeof(dump)) != fields * (int)sizeof(dump[0]))
			die("dump", errno ? errno : EPROTO);
		close(fd);
	}
	report("dump_open_read_close", (double)(__rdtsc() - t0) / 10);
	fd = open_field(dir, "dump");
	report("dump_pread", pread_cycles(fd, dump, sizeof(dump), fields * sizeof(dump[0])));
	close(fd);
	vm_destroy(&vm);

	/*
	 * What the dump's copy to the reader costs here: a pread() of a file
	 * in RAM, of one record and of a dump's worth.  Under Bochs a byte
	 * copied by REP MOVSB is an emulated instruction, a TSC cycle.
	 */
	fd = open("/bench-copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pwrite(fd, dump, sizeof(dump), 0) != sizeof(dump))
		die("/bench-copy", errno);
	report("copy_pread_record", pread_cycles(fd, dump, sizeof(dump[0]), sizeof(dump[0])));
	report("copy_pread_dump", pread_cycles(fd, dump, fields * sizeof(dump[0]),
					       fields * sizeof(dump[0])));
	report("copy_dump_bytes", fields * sizeof(dump[0]));
	close(fd);
	unlink("/bench-copy");

	/* The same pread() while the vCPU runs on CPU 1. */
	check(vm_create(&vm), "KVM_CREATE_VM");
	check(vm_add_vcpu(&vm, &vcpu), "KVM_CREATE_VCPU");
	vm_load_code(&vm, VM_CODE_GPA, spin, sizeof(spin));
	check(vcpu_start_at(vcpu, VM_CODE_GPA), "start");
	check(vcpu_get_regs(vcpu, &regs), "KVM_GET_REGS");
	regs.rflags |= 0x200;	/* IF: see vmcsctl_test's concurrent_reads */
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS", errno);
	fd = open_field(dir, "GUEST_RIP");
	check(vcpu_thread_start(&runner, vcpu, 1), "pthread_create");
	usleep(100000);
	report("pread_running", pread_cycles(fd, buf, sizeof(buf), 1));
	close(fd);
	__atomic_store_n(vm.mem + SPIN_STOP, 1, __ATOMIC_RELEASE);
	check(vcpu_thread_join(&runner), "KVM_RUN (spinning vCPU)");
	vm_destroy(&vm);
}

/*
 * (3) KVM_RUN round trips of a guest that loops on OUT, in batches: the
 * fastest batch is the round trip without the timer interrupts and other
 * host work that land in some batches and not others (about 1% of the
 * mean under Bochs, as much as the difference to be measured); the mean
 * of all is reported too.
 */
static void bench_exits(void)
{
	double batch, best = 0, total = 0;
	struct vcpu *vcpu;
	struct vm vm;
	uint64_t t0;
	int b, i;

	pin_to(0);
	check(vm_create(&vm), "KVM_CREATE_VM");
	check(vm_add_vcpu(&vm, &vcpu), "KVM_CREATE_VCPU");
	vm_load_code(&vm, VM_CODE_GPA, out_loop, sizeof(out_loop));
	check(vcpu_start_at(vcpu, VM_CODE_GPA), "start");
	check(vcpu_run(vcpu), "KVM_RUN");
	for (b = 0; b < EXIT_BATCHES; b++) {
		t0 = __rdtsc();
		for (i = 0; i < EXITS / EXIT_BATCHES; i++) {
			check(vcpu_run(vcpu), "KVM_RUN");
			if (vcpu->run->exit_reason != KVM_EXIT_IO)
				die("exit reason", EPROTO);
		}
		batch = (double)(__rdtsc() - t0) / (EXITS / EXIT_BATCHES);
		total += batch;
		if (!b || batch < best)
			best = batch;
	}
	report("kvm_run_exit", best);
	report("kvm_run_exit_mean", total / EXIT_BATCHES);
	vm_destroy(&vm);
}

/* (4) VM + vCPU create and destroy. */
static void bench_lifecycle(void)
{
	struct vcpu *vcpu;
	struct vm vm;
	uint64_t t0;
	int i;

	pin_to(0);
	t0 = __rdtsc();
	for (i = 0; i < LIFECYCLES; i++) {
		check(vm_create(&vm), "KVM_CREATE_VM");
		check(vm_add_vcpu(&vm, &vcpu), "KVM_CREATE_VCPU");
		vm_destroy(&vm);
	}
	report("vcpu_lifecycle", (double)(__rdtsc() - t0) / LIFECYCLES);
}

static long meminfo_kib(const char *key)
{
	char line[128];
	long value = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			value = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return value;
}

/* vCPUs 0..n-1 by raw ioctl: struct vm holds only VM_MAX_VCPUS. */
static int create_vcpus(int vm_fd, int n, int *fds)
{
	int i;

	for (i = 0; i < n; i++) {
		fds[i] = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (fds[i] < 0)
			return -errno;
	}
	return 0;
}

static int create_vm(int kvm_fd)
{
	int fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);

	if (fd < 0)
		die("KVM_CREATE_VM", errno);
	return fd;
}

/*
 * Give every slab cache's empty slabs back (SLUB's shrink files), so that
 * what a measure allocates is not taken from slabs an earlier one freed.
 */
static void shrink_slabs(void)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/slab");
	int fd;

	if (!d)
		die("/sys/kernel/slab", errno);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
		fd = open(path, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "1", 1) != 1)
				die(path, errno);
			close(fd);
		}
	}
	closedir(d);
}

/*
 * (5) kernel memory for 64 vCPUs, once their directories are made (the
 * =n twin gives the part that is KVM's), and the mean KVM_CREATE_VCPU.
 * @suffix names the run: "" as booted, "_off" with kvm_intel.vmcsctl=N.
 * Slab is counted from shrunk caches: a run after another would
 * otherwise fill the slabs the first one left empty, and count nothing.
 */
static void bench_memory(const char *suffix)
{
	int kvm_fd, vm_fd, i, fds[MEM_VCPUS];
	uint64_t t0, cycles = 0;
	long slab0, slab1;
	char key[64];

	pin_to(0);
	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		die("/dev/kvm", errno);
	vm_fd = create_vm(kvm_fd);
	shrink_slabs();
	slab0 = meminfo_kib("Slab");
	for (i = 0; i < MEM_VCPUS; i++) {
		t0 = __rdtsc();
		fds[i] = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		cycles += __rdtsc() - t0;
		if (fds[i] < 0)
			die("KVM_CREATE_VCPU", errno);
	}
	check(vmcsctl_settle(), "kvm_intel.vmcsctl");
	slab1 = meminfo_kib("Slab");
	snprintf(key, sizeof(key), "slab_kib_64_vcpus%s", suffix);
	report(key, slab1 - slab0);
	snprintf(key, sizeof(key), "create_64_vcpus%s", suffix);
	report(key, (double)cycles / MEM_VCPUS);
	for (i = 0; i < MEM_VCPUS; i++)
		close(fds[i]);
	close(vm_fd);
	close(kvm_fd);
}

/* (6) 256 vCPUs in 4 VMs, one thread: all shown, named, and removed. */
static void bench_scale(void)
{
	static int fds[SCALE_VMS][SCALE_VCPUS];
	static char names[VMCSCTL_MAX_DIRS][64];
	int kvm_fd, vm_fd[SCALE_VMS], i, j, shown, well_named = 0, left;
	char want[64];

	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		die("/dev/kvm", errno);
	for (i = 0; i < SCALE_VMS; i++) {
		vm_fd[i] = create_vm(kvm_fd);
		check(create_vcpus(vm_fd[i], SCALE_VCPUS, fds[i]), "KVM_CREATE_VCPU");
	}
	check(vmcsctl_settle(), "kvm_intel.vmcsctl");
	shown = vmcsctl_dirs_of(gettid_(), names, VMCSCTL_MAX_DIRS);
	/* One vmcs<TID>, the others vmcs<TID>.<id> with their own id file. */
	for (j = 0; j < shown && j < VMCSCTL_MAX_DIRS; j++) {
		long id;

		if (vmcsctl_read_int(names[j], "id", &id))
			continue;
		snprintf(want, sizeof(want), "vmcs%d.%ld", gettid_(), id);
		well_named += !strcmp(names[j], want) || !strchr(names[j], '.');
	}
	for (i = 0; i < SCALE_VMS; i++) {
		for (j = 0; j < SCALE_VCPUS; j++)
			close(fds[i][j]);
		close(vm_fd[i]);
	}
	close(kvm_fd);
	left = vmcsctl_dirs_of(gettid_(), names, VMCSCTL_MAX_DIRS);
	report("scale_vcpus", SCALE_VMS * SCALE_VCPUS);
	report("scale_shown", shown);
	report("scale_named", well_named);
	report("scale_left", left);
}

/*
 * (7) One thread creates NAMING_VCPUS vCPUs in one VM: what each creation
 * costs, for the first and the last NAMING_STEP of them.  vmcsctl names a
 * directory with one hashed lookup, so the last cost what the first do.
 * The total runs until every directory is there: the host's whole cost.
 */
static void bench_naming(void)
{
	static int fds[NAMING_VCPUS];
	uint64_t t0, first = 0, last = 0, total;
	int kvm_fd, vm_fd, i;

	struct rlimit files = { NAMING_VCPUS + 64, NAMING_VCPUS + 64 };

	if (setrlimit(RLIMIT_NOFILE, &files))
		die("RLIMIT_NOFILE", errno);
	pin_to(0);
	kvm_fd = open("/dev/kvm", O_RDWR);
	if (kvm_fd < 0)
		die("/dev/kvm", errno);
	vm_fd = create_vm(kvm_fd);
	total = __rdtsc();
	for (i = 0; i < NAMING_VCPUS; i++) {
		t0 = __rdtsc();
		fds[i] = ioctl(vm_fd, KVM_CREATE_VCPU, i);
		if (fds[i] < 0)
			die("KVM_CREATE_VCPU", errno);
		t0 = __rdtsc() - t0;
		if (i < NAMING_STEP)
			first += t0;
		else if (i >= NAMING_VCPUS - NAMING_STEP)
			last += t0;
	}
	check(vmcsctl_settle(), "kvm_intel.vmcsctl");
	total = __rdtsc() - total;
	report("naming_vcpus", NAMING_VCPUS);
	report("naming_total", total);
	report("naming_first", (double)first / NAMING_STEP);
	report("naming_last", (double)last / NAMING_STEP);
	for (i = 0; i < NAMING_VCPUS; i++)
		close(fds[i]);
	close(vm_fd);
	close(kvm_fd);
}

int main(int argc, char **argv)
{
	bool all = argc > 1 && !strcmp(argv[1], "all");

	if (argc != 2 || (!all && strcmp(argv[1], "twin"))) {
		fprintf(stderr, "usage: %s all|twin\n", argv[0]);
		return 2;
	}
	bench_exits();
	bench_lifecycle();
	bench_memory("");
	bench_naming();
	if (all) {
		check(write_file(VMCSCTL_SWITCH, "N"), VMCSCTL_SWITCH);
		bench_memory("_off");
		check(write_file(VMCSCTL_SWITCH, "Y"), VMCSCTL_SWITCH);
		bench_reads();
		bench_scale();
	}
	printf("bench: done\n");
	return 0;
}
