// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl_check_test: does "vmcsctl check" predict what the CPU does?
 *
 * A 64-bit guest stops at an I/O exit.  One field of its guest state is
 * changed, through KVM's own ioctls (KVM_SET_SREGS, KVM_SET_REGS) or
 * through "vmcsctl set", which writes the field's file; "vmcsctl check"
 * then evaluates the SDM's VM-entry checks on the vCPU's VMCS, and
 * KVM_RUN asks the CPU.  The VM entry must fail (KVM_EXIT_FAIL_ENTRY,
 * "invalid guest state") exactly when check failed, check must have
 * evaluated every rule and name the SDM rule the change breaks with the
 * changed field, and "vmcsctl set" must refuse exactly the values check
 * fails (after KVM's own adjustments of what is written).  The CPU's
 * checks are the silicon's on real hardware and Bochs' own implementation
 * of the SDM under the emulator: in both cases code written by others than
 * vmcsctl's checker.  Prints the confusion matrix.
 *
 * Needs vmcsctl(8) on PATH, kvm_intel with unrestricted guest (else KVM
 * emulates invalid guest state instead of entering) and, for the writes,
 * kvm_intel.vmcsctl_write=1.  With the argument "bochs" (the CPU is Bochs
 * 2.7), the one change where Bochs is known to differ from the SDM may
 * enter; it still counts as such in the matrix.  With the argument
 * "writes", only the unchanged state, the changes written through
 * "vmcsctl set" and those that need next_entry run: the cases that go
 * through the kernel's write path, KVM's adjustments of what is written
 * and its caches (for a backport, where the checker itself, the same
 * program, needs no second run).
 *
 * With kvm_intel.dump_invalid_vmcs on for the run, KVM logs the VMCS of
 * every failed entry, and "vmcsctl explain" on that log alone must name
 * the rule that check named, fail no rule that check passed, and show
 * every field as "vmcsctl save" reads it after the failure.  An entry
 * that succeeds must leave no dump.  With the argument "golden", each
 * case's log and snapshot are printed too, for explain's unit tests
 * (tools/kvm/vmcsctl/tests/logs).
 */
#define _GNU_SOURCE /* strchrnul(); lib.mk defines it only since 6.12 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "kselftest.h"

#define VMCSCTL			"/sys/kernel/vmcsctl"
#define DUMP_PARAM		"/sys/module/kvm_intel/parameters/dump_invalid_vmcs"
#define CASE_LOG		"/tmp/vmcsctl-check.log"
#define CASE_SNAP		"/tmp/vmcsctl-check.snap"
#define INVALID_GUEST_STATE	0x80000021	/* VM-entry failure, exit reason 33 */

static void guest_code(void)
{
	for (;;)
		GUEST_SYNC(0);
}

enum seg { ES, CS, SS, DS, FS, GS, LDTR, TR, GDTR, IDTR };
enum member { TYPE, S, DPL, PRESENT, L, DB, G, LIMIT, BASE, UNUSABLE };
enum how {
	NOTHING,
	SREGS,		/* KVM_SET_SREGS: one member of a segment or table */
	RFLAGS,		/* KVM_SET_REGS */
	WRITE,		/* vmcsctl set DIR FIELD VALUE */
	COMPAT_RIP,	/* KVM_SET_SREGS: CS.L 0, CS.D 1; KVM_SET_REGS: RIP |= value */
	PENDING_OUT,	/* the OUT not completed; KVM_SET_VCPU_EVENTS: shadow = value */
};

/* One change of one VMCS field, and what the SDM says of it. */
struct change {
	const char *what;
	const char *field;
	enum how how;
	enum seg seg;
	enum member member;
	uint64_t value;
	const char *rule;	/* the check that fails, per the SDM; NULL: enters */
	const char *bochs;	/* where Bochs 2.7 enters anyway, and why */
};

/*
 * Bochs 2.7 checks CS.DPL against CS.RPL, not against SS.DPL as the SDM
 * says; fixed in Bochs after 2.7 (bochs-emu/Bochs pull request #51).
 */
#define BOCHS_CS_DPL	"Bochs 2.7 compares CS.DPL with CS.RPL, not with SS.DPL"

static const struct change changes[] = {
	{ "nothing changed", "GUEST_RIP", NOTHING },
	{ "DS base 0x1000", "GUEST_DS_BASE", SREGS, DS, BASE, 0x1000 },
	{ "FS base 2^32 (canonical)", "GUEST_FS_BASE", SREGS, FS, BASE, 1ull << 32 },
	{ "DS not present (KVM: unusable)", "GUEST_DS_AR_BYTES", SREGS, DS, PRESENT, 0 },
	{ "DS DPL 3 (DPL >= RPL)", "GUEST_DS_AR_BYTES", SREGS, DS, DPL, 3 },
	{ "SS type 7 (expand-down data)", "GUEST_SS_AR_BYTES", SREGS, SS, TYPE, 7 },
	{ "RFLAGS.AC", "GUEST_RFLAGS", RFLAGS, 0, 0, 1 << 18 },
	{ "blocking by MOV SS", "GUEST_INTERRUPTIBILITY_INFO", WRITE, 0, 0, 2 },
	/* Allowed with unrestricted guest, as for real mode. */
	{ "CS type 3 (data)", "GUEST_CS_AR_BYTES", SREGS, CS, TYPE, 3 },
	/* KVM sets the accessed bit, and makes a segment without P unusable. */
	{ "DS type 2 (not accessed)", "GUEST_DS_AR_BYTES", WRITE, 0, 0, 0x8092 },
	{ "DS P 0", "GUEST_DS_AR_BYTES", WRITE, 0, 0, 0x8013 },
	{ "CS.D with CS.L", "GUEST_CS_AR_BYTES", SREGS, CS, DB, 1, "guest-cs-db" },
	{ "CS.G 0, limit 0xffffffff", "GUEST_CS_AR_BYTES", SREGS, CS, G, 0, "guest-seg-limit-g" },
	{ "SS type 11 (code)", "GUEST_SS_AR_BYTES", SREGS, SS, TYPE, 11, "guest-ss-type" },
	{ "SS DPL 3, CS DPL 0", "GUEST_SS_AR_BYTES", SREGS, SS, DPL, 3, "guest-cs-dpl",
	  BOCHS_CS_DPL },
	{ "DS S 0 (system)", "GUEST_DS_AR_BYTES", SREGS, DS, S, 0, "guest-seg-s" },
	{ "DS limit 0xfffff000, G 1", "GUEST_DS_LIMIT", SREGS, DS, LIMIT, 0xfffff000,
	  "guest-seg-limit-g" },
	{ "ES G 0, limit 0xffffffff", "GUEST_ES_AR_BYTES", SREGS, ES, G, 0, "guest-seg-limit-g" },
	{ "DS base 2^32", "GUEST_DS_BASE", SREGS, DS, BASE, 1ull << 32, "guest-seg-base-high" },
	{ "FS base non-canonical", "GUEST_FS_BASE", SREGS, FS, BASE, 1ull << 63,
	  "guest-seg-base-canonical" },
	{ "TR type 3 (16-bit TSS)", "GUEST_TR_AR_BYTES", SREGS, TR, TYPE, 3, "guest-tr-type" },
	{ "TR S 1", "GUEST_TR_AR_BYTES", SREGS, TR, S, 1, "guest-seg-s" },
	{ "TR unusable", "GUEST_TR_AR_BYTES", SREGS, TR, UNUSABLE, 1, "guest-tr-unusable" },
	{ "TR G 1, limit 0x67", "GUEST_TR_AR_BYTES", SREGS, TR, G, 1, "guest-seg-limit-g" },
	{ "LDTR usable, type 3", "GUEST_LDTR_AR_BYTES", WRITE, 0, 0, 0x83, "guest-ldtr-type" },
	{ "GDTR base non-canonical", "GUEST_GDTR_BASE", SREGS, GDTR, BASE, 1ull << 63,
	  "guest-dt-base-canonical" },
	{ "IDTR base non-canonical", "GUEST_IDTR_BASE", SREGS, IDTR, BASE, 1ull << 63,
	  "guest-dt-base-canonical" },
	{ "RFLAGS bit 3", "GUEST_RFLAGS", RFLAGS, 0, 0, 1 << 3, "guest-rflags-reserved" },
	{ "RFLAGS bit 22", "GUEST_RFLAGS", RFLAGS, 0, 0, 1 << 22, "guest-rflags-reserved" },
	{ "RFLAGS.VM in IA-32e mode", "GUEST_RFLAGS", RFLAGS, 0, 0, 1 << 17, "guest-rflags-vm" },
	{ "blocking by STI, RFLAGS.IF 0", "GUEST_INTERRUPTIBILITY_INFO", WRITE, 0, 0, 1,
	  "guest-intr-sti-if" },
	/*
	 * The VMCS is not all the next entry loads (next_entry): KVM writes
	 * a RIP set by KVM_SET_REGS only at the entry, and completes the OUT
	 * first, which clears STI blocking.  Checked on the VMCS alone, the
	 * first would pass and the second fail.
	 */
	{ "RIP bit 32 in compatibility mode", "GUEST_RIP", COMPAT_RIP, 0, 0, 1ull << 32,
	  "guest-rip-high" },
	{ "blocking by STI, RFLAGS.IF 0, at an OUT to complete", "GUEST_INTERRUPTIBILITY_INFO",
	  PENDING_OUT, 0, 0, KVM_X86_SHADOW_INT_STI },
};

static struct kvm_segment *segment(struct kvm_sregs *sregs, enum seg seg)
{
	struct kvm_segment *segs[] = {
		&sregs->es, &sregs->cs, &sregs->ss, &sregs->ds,
		&sregs->fs, &sregs->gs, &sregs->ldt, &sregs->tr,
	};

	return segs[seg];
}

static void change_sregs(struct kvm_vcpu *vcpu, const struct change *c)
{
	struct kvm_sregs sregs;
	struct kvm_segment *seg;
	struct kvm_dtable *dt;

	vcpu_sregs_get(vcpu, &sregs);
	if (c->seg == GDTR || c->seg == IDTR) {
		dt = c->seg == GDTR ? &sregs.gdt : &sregs.idt;
		dt->base = c->value;
		vcpu_sregs_set(vcpu, &sregs);
		return;
	}
	seg = segment(&sregs, c->seg);
	switch (c->member) {
	case TYPE:
		seg->type = c->value;
		break;
	case S:
		seg->s = c->value;
		break;
	case DPL:
		seg->dpl = c->value;
		break;
	case PRESENT:
		seg->present = c->value;
		break;
	case L:
		seg->l = c->value;
		break;
	case DB:
		seg->db = c->value;
		break;
	case G:
		seg->g = c->value;
		break;
	case LIMIT:
		seg->limit = c->value;
		break;
	case BASE:
		seg->base = c->value;
		break;
	case UNUSABLE:
		seg->unusable = c->value;
		break;
	}
	vcpu_sregs_set(vcpu, &sregs);
}

/* Run a command line; its exit status (-1 if it did not exit), output in @out. */
static int run(const char *cmd, char *out, size_t size)
{
	size_t len = 0;
	int status;
	FILE *f;

	f = popen(cmd, "r");
	TEST_ASSERT(f, "popen %s: %s", cmd, strerror(errno));
	while (len + 1 < size && fgets(out + len, size - len, f))
		len += strlen(out + len);
	out[len] = '\0';
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * The directory of this thread's only vCPU: vmcs<tid> or vmcs<tid>.<id>.
 * It comes from a work item after KVM_CREATE_VCPU: wait for it, as udev
 * would wait for its KOBJ_ADD, 30 s at most.
 */
static void find_dir(char *dir, size_t size)
{
	char prefix[32];
	struct dirent *de;
	int ms;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "vmcs%ld", (long)syscall(SYS_gettid));
	dir[0] = '\0';
	for (ms = 0; !dir[0] && ms < 30000; ms += 10) {
		if (ms)
			usleep(10000);
		d = opendir(VMCSCTL);
		TEST_ASSERT(d, VMCSCTL ": %s", strerror(errno));
		while ((de = readdir(d)))
			if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
			    (!de->d_name[strlen(prefix)] || de->d_name[strlen(prefix)] == '.'))
				snprintf(dir, size, "%.63s", de->d_name);
		closedir(d);
	}
	TEST_ASSERT(dir[0], "no %s directory", prefix);
}

/* Does a FAIL line of check's output name @rule and @field? */
static bool names_rule(const char *out, const char *rule, const char *field)
{
	char id[64], key[64], line[512];
	const char *p, *end;

	snprintf(id, sizeof(id), " %s: ", rule);
	snprintf(key, sizeof(key), "%s=", field);
	for (p = out; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(end - p), p);
		if (!strncmp(line, "FAIL ", 5) && strstr(line, id) && strstr(line, key))
			return true;
	}
	return false;
}

/*
 * SS as a 64-bit kernel has it, a flat data segment.  The selftest library
 * leaves SS at its reset value, a null selector, for which Bochs 2.7 skips
 * every SS check in 64-bit mode (the SDM goes by the unusable bit only).
 */
static void flat_ss(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vcpu_sregs_get(vcpu, &sregs);
	sregs.ss = sregs.ds;
	vcpu_sregs_set(vcpu, &sregs);
}

static int matrix[2][2];	/* [check failed][entry failed] */
static bool under_bochs;	/* argument "bochs": the CPU is Bochs */
static bool writes_only;	/* argument "writes": the cases of vmcsctl set */
static bool golden;		/* argument "golden": print each case's log and snapshot */
static int deviations;
static int explained;		/* failed entries that explain agreed on */
static int kmsg = -1;		/* /dev/kmsg, at the end of the log; -1: no dumps */

/* Turn KVM's dumps of failed entries on (true), or back to how they were. */
static void dump_invalid_vmcs(bool on)
{
	static bool was;
	FILE *f;

	if (on)
		was = get_kvm_intel_param_bool("dump_invalid_vmcs");
	f = fopen(DUMP_PARAM, "w");
	TEST_ASSERT(f && fputs(on || was ? "Y" : "N", f) >= 0 && !fclose(f), DUMP_PARAM ": %s",
		    strerror(errno));
	if (on) {
		kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		TEST_ASSERT(kmsg >= 0 && lseek(kmsg, 0, SEEK_END) >= 0, "/dev/kmsg: %s",
			    strerror(errno));
	} else {
		close(kmsg);
		kmsg = -1;
	}
}

/* Write the kernel log since the last call to CASE_LOG, as /dev/kmsg has it. */
static void save_log(void)
{
	char record[8192];
	ssize_t n;
	FILE *f;

	f = fopen(CASE_LOG, "w");
	TEST_ASSERT(f, CASE_LOG ": %s", strerror(errno));
	while ((n = read(kmsg, record, sizeof(record))) > 0 || (n < 0 && errno == EPIPE))
		if (n > 0)
			fwrite(record, 1, n, f);
	TEST_ASSERT(n < 0 && errno == EAGAIN, "/dev/kmsg: %s", strerror(errno));
	TEST_ASSERT(!fclose(f), CASE_LOG ": %s", strerror(errno));
}

/* Print a file as TAP comments, each line after @tag. */
static void print_file(const char *path, const char *tag)
{
	char line[512];
	FILE *f = fopen(path, "r");

	TEST_ASSERT(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		ksft_print_msg("%s %s", tag, line);
	fclose(f);
}

/* The value of field @name in snapshot file @snap ("field NAME ... VALUE"). */
static bool snap_value(const char *snap, const char *name, unsigned long long *value)
{
	char key[80];
	const char *p;

	snprintf(key, sizeof(key), "\nfield %s ", name);
	p = strstr(snap, key);
	if (!p)
		return false;
	p = strchrnul(p + 1, '\n');
	while (p[-1] != ' ')
		p--;
	return sscanf(p, "0x%llx", value) == 1;
}

/*
 * The dump KVM logged for this failed entry, explained: exit status 1,
 * the failures a subset of @check's (which named @c's rule), @c's rule
 * among them, and every field equal to what the VMCS holds now.
 */
static bool explain_agrees(const struct change *c, const char *dir, const char *check)
{
	static char out[32768], snap[32768];
	char cmd[256], id[64], tag[16];
	unsigned long long a, b;
	int rc, compared = 0;
	const char *p, *end;
	bool ok = true;

	save_log();
	/* The snapshot as a file for --msrs, and save's own exit status. */
	snprintf(cmd, sizeof(cmd),
		 "vmcsctl save %s >" CASE_SNAP " 2>&1; s=$?; cat " CASE_SNAP "; exit $s", dir);
	TEST_ASSERT(!run(cmd, snap, sizeof(snap)), "%s failed: %s", cmd, snap);
	if (golden) {
		snprintf(tag, sizeof(tag), "log%02d", (int)(c - changes));
		print_file(CASE_LOG, tag);
		snprintf(tag, sizeof(tag), "snap%02d", (int)(c - changes));
		print_file(CASE_SNAP, tag);
	}
	/* --raw: the fields as NAME 0xVALUE lines, then check's verdict. */
	rc = run("vmcsctl explain --raw --msrs " CASE_SNAP " " CASE_LOG " 2>&1", out, sizeof(out));
	if (rc != 1 || (c->rule && !names_rule(out, c->rule, c->field)))
		ok = false;
	for (p = out; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '\n');
		/* Every rule explain fails, check failed on the state before the entry. */
		if (sscanf(p, "FAIL %*s %63[^:]", id) == 1) {
			snprintf(cmd, sizeof(cmd), " %s: ", id);
			if (!strstr(check, cmd)) {
				ksft_print_msg("explain fails %s, check did not\n", id);
				ok = false;
			}
			continue;
		}
		if (sscanf(p, "%63[A-Z0-9_] 0x%llx", id, &a) != 2 || p[strlen(id)] != ' ' ||
		    !snap_value(snap, id, &b))
			continue;
		compared++;
		if (a != b) {
			ksft_print_msg("%s: the dump says 0x%llx, the VMCS holds 0x%llx\n", id,
				       a, b);
			ok = false;
		}
	}
	/* A dump shows about 80 of the fields of a VMCS. */
	if (compared < 60) {
		ksft_print_msg("explain showed %d fields of the VMCS\n", compared);
		ok = false;
	}
	if (!ok)
		ksft_print_msg("vmcsctl explain --raw (exit %d) says:\n%s", rc, out);
	explained += ok;
	return ok;
}

/* An entry that succeeded: nothing for explain to find (exit status 2). */
static bool no_dump(void)
{
	char out[4096];

	save_log();
	return run("vmcsctl explain " CASE_LOG " 2>&1", out, sizeof(out)) == 2;
}

static void try_change(const struct change *c)
{
	static char out[16384];
	struct kvm_vcpu_events events;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	bool predicted, failed, named = true, refused = false, deviates, evaluated, ok;
	bool agrees = true;
	struct kvm_vm *vm;
	char dir[64], cmd[256];
	uint32_t reason = 0;
	struct ucall uc;
	int rc;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	flat_ss(vcpu);
	/*
	 * vcpu_run() completes the exit (its get_ucall() does), as a VMM does
	 * before it changes a stopped vCPU; PENDING_OUT leaves the OUT to the
	 * next KVM_RUN.
	 */
	if (c->how == PENDING_OUT)
		TEST_ASSERT(!__vcpu_run(vcpu), "%s: KVM_RUN: %s", c->what, strerror(errno));
	else
		vcpu_run(vcpu);
	TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO, "%s: guest did not stop at its OUT",
		    c->what);
	if (c->how != PENDING_OUT)
		TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "%s: not GUEST_SYNC", c->what);
	find_dir(dir, sizeof(dir));

	switch (c->how) {
	case NOTHING:
		break;
	case SREGS:
		change_sregs(vcpu, c);
		break;
	case RFLAGS:
		vcpu_regs_get(vcpu, &regs);
		regs.rflags |= c->value;
		vcpu_regs_set(vcpu, &regs);
		break;
	case COMPAT_RIP:
		change_sregs(vcpu, &(struct change){ .seg = CS, .member = L, .value = 0 });
		change_sregs(vcpu, &(struct change){ .seg = CS, .member = DB, .value = 1 });
		vcpu_regs_get(vcpu, &regs);
		regs.rip |= c->value;
		vcpu_regs_set(vcpu, &regs);
		break;
	case PENDING_OUT:
		vcpu_events_get(vcpu, &events);
		events.flags = KVM_VCPUEVENT_VALID_SHADOW;
		events.interrupt.shadow = c->value;
		vcpu_events_set(vcpu, &events);
		break;
	case WRITE:
		snprintf(cmd, sizeof(cmd), "vmcsctl set %s %s 0x%lx 2>&1", dir, c->field,
			 (unsigned long)c->value);
		rc = run(cmd, out, sizeof(out));
		TEST_ASSERT(rc == 0 || rc == 1, "%s: exit %d: %s", cmd, rc, out);
		refused = rc == 1;
		if (refused) {
			snprintf(cmd, sizeof(cmd), "vmcsctl set --force %s %s 0x%lx 2>&1", dir,
				 c->field, (unsigned long)c->value);
			rc = run(cmd, out, sizeof(out));
			TEST_ASSERT(!rc, "%s: exit %d: %s", cmd, rc, out);
		}
		break;
	}

	snprintf(cmd, sizeof(cmd), "vmcsctl check %s 2>&1", dir);
	rc = run(cmd, out, sizeof(out));
	TEST_ASSERT(rc == 0 || rc == 1, "%s: exit %d: %s", cmd, rc, out);
	predicted = rc == 1;
	evaluated = strstr(out, " failed, 0 not evaluated");
	if (c->rule)
		named = names_rule(out, c->rule, c->field);
	/* ...and check must say that it evaluated what KVM will load. */
	if (c->how == COMPAT_RIP)
		named &= strstr(out, "next VM entry: evaluated the state") &&
			 strstr(out, "; GUEST_RIP=0x1");
	if (c->how == PENDING_OUT)
		named &= !!strstr(out, "KVM first completes the I/O exit");

	if (kmsg >= 0)
		save_log();
	vcpu_run(vcpu);
	failed = vcpu->run->exit_reason == KVM_EXIT_FAIL_ENTRY;
	if (failed)
		reason = vcpu->run->fail_entry.hardware_entry_failure_reason;
	else
		TEST_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO ||
			    vcpu->run->exit_reason == KVM_EXIT_SHUTDOWN,
			    "%s: unexpected exit %u", c->what, vcpu->run->exit_reason);
	if (kmsg >= 0)
		agrees = failed ? explain_agrees(c, dir, out) : no_dump();
	kvm_vm_free(vm);

	matrix[predicted][failed]++;
	/* The emulator's known deviation, only under the emulator. */
	deviates = under_bochs && c->bochs && predicted && !failed;
	deviations += deviates;
	ok = (predicted == failed || deviates) && named && evaluated && predicted == !!c->rule &&
	     (!failed || reason == INVALID_GUEST_STATE) &&
	     (c->how != WRITE || refused == predicted) && agrees;
	if (!ok)
		ksft_print_msg("%s: vmcsctl check says:\n%s", c->what, out);
	ksft_test_result(ok, "%s (%s): check %s%s%s, VM entry %s (0x%x)%s%s%s%s\n", c->what,
			 c->field, predicted ? "fails" : "passes",
			 evaluated ? "" : " (rules skipped)",
			 !named ? " but not with the rule expected" : "",
			 failed ? "fails" : "succeeds", reason,
			 c->how == WRITE ? (refused ? ", set refused it" : ", set wrote it") : "",
			 kmsg < 0 ? "" : !agrees ? ", explain disagrees" :
			 failed ? ", explain agrees" : ", no dump",
			 deviates ? ": " : "", deviates ? c->bochs : "");
}

static bool selected(const struct change *c)
{
	return !writes_only || (c->how != SREGS && c->how != RFLAGS);
}

/* Bad input on a live directory: exit status 2, one line, nothing written. */
static void bad_input(void)
{
	static const char *const cmds[] = {
		"set %s GUEST_RIP 0xzz",		/* malformed */
		"set %s GUEST_RIP -1",
		"set %s GUEST_CS_SELECTOR 0x10000",	/* wider than 16 bits */
		"set %s NO_SUCH_FIELD 1",
		"set %s HOST_RIP 0x1000",		/* not writable */
		"set --force %s GUEST_RFLAGS 0x8",	/* the kernel's EINVAL */
		"show %s NO_SUCH_FIELD",
		"check %s.404",				/* no such directory */
	};
	char dir[64], fmt[128], cmd[256], out[1024], *nl;
	struct kvm_regs before, after;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	unsigned int i;
	bool ok = true;
	int rc;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_run(vcpu);
	find_dir(dir, sizeof(dir));
	vcpu_regs_get(vcpu, &before);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		snprintf(fmt, sizeof(fmt), "vmcsctl %s 2>&1", cmds[i]);
		snprintf(cmd, sizeof(cmd), fmt, dir);
		rc = run(cmd, out, sizeof(out));
		nl = strchr(out, '\n');
		if (rc != 2 || !nl || nl[1]) {
			ksft_print_msg("%s: exit %d, output:\n%s", cmd, rc, out);
			ok = false;
		}
	}
	vcpu_regs_get(vcpu, &after);
	kvm_vm_free(vm);
	ksft_test_result(ok && before.rip == after.rip && before.rflags == after.rflags,
			 "bad input: %zu commands, exit status 2 and one line each, state unchanged\n",
			 ARRAY_SIZE(cmds));
}

int main(int argc, char *argv[])
{
	unsigned int i, n = 0;
	char out[256];

	for (i = 1; i < (unsigned int)argc; i++) {
		under_bochs |= !strcmp(argv[i], "bochs");
		writes_only |= !strcmp(argv[i], "writes");
		golden |= !strcmp(argv[i], "golden");
	}
	for (i = 0; i < ARRAY_SIZE(changes); i++)
		n += selected(&changes[i]);

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	TEST_REQUIRE(!access(VMCSCTL, F_OK));
	/* Without it KVM emulates invalid guest state rather than enter. */
	TEST_REQUIRE(get_kvm_intel_param_bool("unrestricted_guest"));

	ksft_print_header();
	ksft_set_plan(n + 2);
	ksft_test_result(run("vmcsctl help >/dev/null 2>&1", out, sizeof(out)) == 0,
			 "vmcsctl(8) runs\n");
	dump_invalid_vmcs(true);
	for (i = 0; i < ARRAY_SIZE(changes); i++)
		if (selected(&changes[i]))
			try_change(&changes[i]);
	dump_invalid_vmcs(false);
	bad_input();

	ksft_print_msg("confusion matrix, %u cases (rows: vmcsctl check, columns: VM entry):\n",
		       n);
	ksft_print_msg("                 entry fails  entry succeeds\n");
	ksft_print_msg("  check fails    %11d  %14d\n", matrix[1][1], matrix[1][0]);
	ksft_print_msg("  check passes   %11d  %14d\n", matrix[0][1], matrix[0][0]);
	if (deviations)
		ksft_print_msg("%d of check fails/entry succeeds: Bochs' known deviations\n",
			       deviations);
	ksft_print_msg("vmcsctl explain agreed with check and the VMCS on %d failed entries\n",
		       explained);
	ksft_finished();
}
