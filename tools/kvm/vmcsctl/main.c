// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl(8): list KVM's VMCSs, show one decoded, check it against the
 * VM-entry rules, compare, watch and write fields.  See vmcsctl.8.
 */
#define _GNU_SOURCE	/* strverscmp() */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmcsctl.h"

/*
 * Exit status: 0 success, 1 "no" (check fails, diff differs, set refused),
 * 2 trouble, 3 "cannot tell" (check failed nothing but could not evaluate
 * every rule: a field or MSR was missing).
 */
#define EXIT_NO		1
#define EXIT_TROUBLE	2
#define EXIT_UNKNOWN	3

/* Access rights (SDM Vol. 3C, 26.4.1) and the control that set needs. */
#define VMX_AR_ACCESSED			0x00001	/* bit 0 */
#define VMX_AR_P			0x00080	/* bit 7 */
#define VMX_AR_UNUSABLE			0x10000	/* bit 16 */
#define SECONDARY_UNRESTRICTED_GUEST	0x00080	/* bit 7 */

static const char usage[] =
	"usage: vmcsctl COMMAND [OPTIONS] ...\n"
	"  list [--json]                          every VMCS directory in " VMCSCTL_SYSFS "\n"
	"  show [--raw|--json] SNAP [FIELD...]    fields grouped as the SDM does, with their meaning\n"
	"  check [--json] SNAP                    the SDM's VM-entry checks; exit 0 if it would enter\n"
	"  save DIR                               write a snapshot of DIR to standard output\n"
	"  diff SNAP SNAP                         fields that differ between two snapshots\n"
	"  diff --after MS DIR                    fields of DIR that change within MS milliseconds\n"
	"  watch [--count N] [--interval MS] DIR [FIELD...]\n"
	"                                         print changes as they happen, until N or a signal\n"
	"  set [--force] DIR FIELD VALUE          check, write (writes must be enabled), read back\n"
	"  explain [--raw|--json] [--msrs FILE] [LOG]\n"
	"                                         the VMCS dumps in a kernel log (default stdin),\n"
	"                                         shown and checked; FILE: a snapshot with the MSRs\n"
	"  help                                   this text\n"
	"SNAP is a directory name (vmcs1555, vmcs1555/vmcs02) or --file FILE (a saved snapshot).\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vmcsctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (vmcsctl help: usage)\n");
	return EXIT_TROUBLE;
}

/* Options shared by the commands; each accepts the ones its usage names. */
struct opts {
	bool json, raw, force;
	const char *file, *msrs;
	long count, interval, after;
};

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "raw", no_argument, NULL, 'r' },
	{ "force", no_argument, NULL, 'f' },
	{ "file", required_argument, NULL, 'F' },
	{ "count", required_argument, NULL, 'c' },
	{ "interval", required_argument, NULL, 'i' },
	{ "after", required_argument, NULL, 'a' },
	{ "msrs", required_argument, NULL, 'm' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static int parse_long(const char *arg, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(arg, &end, 10);
	return errno || !*arg || *end || *value < 0 ? -1 : 0;
}

/* Parse options; @allowed lists the long option letters the command takes. */
static int parse_opts(int argc, char **argv, const char *allowed, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 100;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:", long_options, NULL)) != -1) {
		if (c == ':') {
			usage_error("%s needs a value", argv[optind - 1]);
			return -1;
		}
		if (c == '?' || !strchr(allowed, c)) {
			usage_error("%s: option not accepted here", argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'r':
			o->raw = true;
			break;
		case 'f':
			o->force = true;
			break;
		case 'F':
			o->file = optarg;
			break;
		case 'm':
			o->msrs = optarg;
			break;
		case 'c':
		case 'i':
		case 'a':
			if (parse_long(optarg, c == 'c' ? &o->count : c == 'i' ? &o->interval :
				       &o->after)) {
				usage_error("not a number: %s", optarg);
				return -1;
			}
			break;
		}
	}
	return optind;
}

/* The snapshot a command names: --file FILE, or the next argument. */
static int get_snapshot(const struct opts *o, int argc, char **argv, int *arg,
			struct snapshot *s)
{
	if (o->file)
		return snap_load(o->file, s) ? -1 : 0;
	if (*arg >= argc) {
		usage_error("%s", "a VMCS directory or --file FILE is needed");
		return -1;
	}
	return snap_read_dir(argv[(*arg)++], s) ? -1 : 0;
}

static void list_one(const char *name, bool json, bool first)
{
	char path[300], buf[64];
	struct snapshot *s = calloc(1, sizeof(*s));
	bool vmcs02, shadow;
	int fd;

	if (!s)
		return;
	/* Identity only: the same reads as a snapshot's, without the dump. */
	snprintf(path, sizeof(path), "%s/%s/vmcs02/cpu", vmcsctl_root(), name);
	fd = open(path, O_RDONLY);
	vmcs02 = fd >= 0 && read(fd, buf, sizeof(buf)) > 0;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/%s/shadow/cpu", vmcsctl_root(), name);
	fd = open(path, O_RDONLY);
	shadow = fd >= 0 && read(fd, buf, sizeof(buf)) > 0;
	if (fd >= 0)
		close(fd);
	snap_read_identity(name, s);
	if (json) {
		printf("%s{\"dir\":", first ? "" : ",");
		json_str(stdout, name);
		printf(",\"pid\":%ld,\"comm\":", s->pid);
		json_str(stdout, s->comm);
		printf(",\"vcpu_id\":%ld,\"cpu\":%ld,\"current\":", s->vcpu_id, s->cpu);
		json_str(stdout, s->current);
		printf(",\"guest_mode\":%ld,\"vmcs02\":%s,\"shadow\":%s}", s->guest_mode,
		       vmcs02 ? "true" : "false", shadow ? "true" : "false");
	} else {
		printf("%-16s %7ld %-16s %4ld %4ld %-7s %5ld  %s\n", name, s->pid, s->comm,
		       s->vcpu_id, s->cpu, s->current, s->guest_mode,
		       vmcs02 && shadow ? "vmcs02 shadow" :
		       vmcs02 ? "vmcs02" : shadow ? "shadow" : "-");
	}
	free(s);
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A vCPU's directory comes from a work item after KVM_CREATE_VCPU, and
 * writing kvm_intel.vmcsctl returns once every vCPU is shown or hidden as
 * it says: as root, writing its own value back waits for the directories
 * of vCPUs created so far.  Nothing to wait for in a copy of the tree
 * (VMCSCTL_SYSFS set) or without the switch; a user who may not write it
 * lists what is there.
 */
static void settle(void)
{
	char value;
	int fd;

	if (strcmp(vmcsctl_root(), VMCSCTL_SYSFS))
		return;
	fd = open("/sys/module/kvm_intel/parameters/vmcsctl", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, &value, 1) == 1 && pwrite(fd, &value, 1, 0) != 1)
		fprintf(stderr, "vmcsctl: kvm_intel.vmcsctl: %s\n", strerror(errno));
	close(fd);
}

static int cmd_list(int argc, char **argv)
{
	struct opts o;
	char *names[4096];
	struct dirent *d;
	int i, n = 0;
	DIR *dir;

	if (parse_opts(argc, argv, "j", &o) < 0)
		return EXIT_TROUBLE;
	if (optind < argc)
		return usage_error("list takes no argument: %s", argv[optind]);
	settle();
	dir = opendir(vmcsctl_root());
	if (!dir) {
		fprintf(stderr, "vmcsctl: %s: %s\n", vmcsctl_root(), strerror(errno));
		return EXIT_TROUBLE;
	}
	while ((d = readdir(dir)) && n < 4096)
		if (d->d_type == DT_DIR && !strncmp(d->d_name, "vmcs", 4))
			names[n++] = strdup(d->d_name);
	closedir(dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	if (o.json)
		printf("[");
	else
		printf("%-16s %7s %-16s %4s %4s %-7s %5s  %s\n", "DIR", "PID", "COMMAND", "VCPU",
		       "CPU", "CURRENT", "GUEST", "NESTED");
	for (i = 0; i < n; i++) {
		list_one(names[i], o.json, !i);
		free(names[i]);
	}
	if (o.json)
		printf("]\n");
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct show_opts so = {};
	struct opts o;
	int arg, ret;

	arg = parse_opts(argc, argv, "jrF", &o);
	if (arg < 0 || !s || get_snapshot(&o, argc, argv, &arg, s))
		return EXIT_TROUBLE;
	if (o.raw && o.json)
		return usage_error("%s", "--raw or --json, not both");
	so.raw = o.raw;
	so.json = o.json;
	so.fields = argv + arg;
	so.nr = argc - arg;
	ret = show(stdout, s, &so) ? EXIT_TROUBLE : 0;
	free(s);
	return ret;
}

static int cmd_check(int argc, char **argv)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct check_report *r = calloc(1, sizeof(*r));
	struct opts o;
	int arg, ret;

	arg = parse_opts(argc, argv, "jF", &o);
	if (arg < 0 || !s || !r || get_snapshot(&o, argc, argv, &arg, s))
		return EXIT_TROUBLE;
	if (arg < argc)
		return usage_error("check takes one snapshot: %s", argv[arg]);
	snap_next_entry(s);
	ret = check(s, r) ? EXIT_NO : r->nr_skipped ? EXIT_UNKNOWN : 0;
	check_print(stdout, s, r, o.json);
	free(s);
	free(r);
	return ret;
}

static int cmd_save(int argc, char **argv)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct opts o;
	int arg;

	arg = parse_opts(argc, argv, "", &o);
	if (arg < 0 || !s || get_snapshot(&o, argc, argv, &arg, s))
		return EXIT_TROUBLE;
	if (arg < argc)
		return usage_error("save takes one directory: %s", argv[arg]);
	snap_save(stdout, s);
	free(s);
	return fflush(stdout) ? EXIT_TROUBLE : 0;
}

static bool wanted(const char *name, char **fields, int nr)
{
	int i;

	if (!nr)
		return true;
	for (i = 0; i < nr; i++)
		if (!strcmp(fields[i], name))
			return true;
	return false;
}

/* A value as the kernel's field files show it: 0x and width / 4 hex digits. */
static const char *hex(char buf[20], const struct snap_field *field, uint64_t value)
{
	snprintf(buf, 20, "0x%0*llx", field->width / 4, (unsigned long long)value);
	return buf;
}

/* Print the fields that differ; returns their number. */
static int print_changes(const struct snapshot *a, const struct snapshot *b, char **fields,
			 int nr, const char *prefix)
{
	const struct snap_field *fa, *fb;
	char meaning[256], old[20], new[20];
	int i, changes = 0;

	for (i = 0; i < b->nr_fields; i++) {
		fb = &b->fields[i];
		fa = snap_find(a, fb->name);
		if ((fa && fa->value == fb->value) || !wanted(fb->name, fields, nr))
			continue;
		changes++;
		decode_brief(b, fb, meaning, sizeof(meaning));
		printf("%s%-32s %s -> %s%s%s\n", prefix, fb->name,
		       fa ? hex(old, fa, fa->value) : "(absent)", hex(new, fb, fb->value),
		       meaning[0] ? "  " : "", meaning);
	}
	for (i = 0; i < a->nr_fields; i++) {
		fa = &a->fields[i];
		if (!snap_find(b, fa->name) && wanted(fa->name, fields, nr)) {
			changes++;
			printf("%s%-32s %s -> (absent)\n", prefix, fa->name,
			       hex(old, fa, fa->value));
		}
	}
	return changes;
}

/* A snapshot from an argument: a saved file if it is a regular file, else a directory. */
static int snapshot_arg(const char *arg, struct snapshot *s)
{
	struct stat st;

	if (!stat(arg, &st) && S_ISREG(st.st_mode))
		return snap_load(arg, s);
	return snap_read_dir(arg, s) ? -1 : 0;
}

static int cmd_diff(int argc, char **argv)
{
	struct snapshot *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct timespec ts;
	struct opts o;
	int arg, ret;

	arg = parse_opts(argc, argv, "a", &o);
	if (arg < 0 || !a || !b)
		return EXIT_TROUBLE;
	if (o.after) {
		if (argc - arg != 1)
			return usage_error("%s", "diff --after MS takes one directory");
		if (snap_read_dir(argv[arg], a))
			return EXIT_TROUBLE;
		ts.tv_sec = o.after / 1000;
		ts.tv_nsec = o.after % 1000 * 1000000;
		nanosleep(&ts, NULL);
		if (snap_read_dir(argv[arg], b))
			return EXIT_TROUBLE;
	} else {
		if (argc - arg != 2)
			return usage_error("%s", "diff takes two snapshots (files or directories)");
		if (snapshot_arg(argv[arg], a) || snapshot_arg(argv[arg + 1], b))
			return EXIT_TROUBLE;
	}
	ret = print_changes(a, b, NULL, 0, "") ? EXIT_NO : 0;
	free(a);
	free(b);
	return ret;
}

static int cmd_watch(int argc, char **argv)
{
	struct snapshot *s[2] = { malloc(sizeof(*s[0])), malloc(sizeof(*s[1])) };
	struct timespec ts, now;
	long changes = 0;
	char stamp[32];
	int arg, i, cur = 0;
	struct opts o;
	sigset_t stop;

	arg = parse_opts(argc, argv, "ci", &o);
	if (arg < 0 || !s[0] || !s[1])
		return EXIT_TROUBLE;
	if (arg >= argc)
		return usage_error("%s", "watch needs a VMCS directory");
	if (!o.interval)
		return usage_error("%s", "--interval must be at least 1 ms");
	if (snap_read_dir(argv[arg], s[0]))
		return EXIT_TROUBLE;
	for (i = arg + 1; i < argc; i++) {
		if (!snap_find(s[0], argv[i])) {
			fprintf(stderr, "vmcsctl: no field %s in %s\n", argv[i], argv[arg]);
			return EXIT_TROUBLE;
		}
	}
	/* SIGINT and SIGTERM end the watch: waited for, never delivered. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	ts.tv_sec = o.interval / 1000;
	ts.tv_nsec = o.interval % 1000 * 1000000;
	while (!o.count || changes < o.count) {
		if (sigtimedwait(&stop, NULL, &ts) > 0)
			break;
		if (snap_read_dir(argv[arg], s[!cur]))
			return EXIT_TROUBLE;
		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(stamp, sizeof(stamp), "%5ld.%03ld ", (long)now.tv_sec,
			 now.tv_nsec / 1000000);
		changes += print_changes(s[cur], s[!cur], argv + arg + 1, argc - arg - 1, stamp);
		fflush(stdout);
		cur = !cur;
	}
	free(s[0]);
	free(s[1]);
	return 0;
}

/* Decimal, or hexadecimal with 0x, no wider than the field: as the kernel parses it. */
static int parse_value(const char *text, const struct snap_field *field, uint64_t *value)
{
	bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	char *end;

	if (!isdigit((unsigned char)*text))
		return -1;
	errno = 0;
	*value = strtoull(text, &end, hex ? 16 : 10);
	if (errno || *end || (hex && !text[2]))
		return -1;
	return field->width < 64 && *value >> field->width ? -1 : 0;
}

/*
 * What KVM stores for a written value.  A write of access rights goes
 * through KVM_SET_SREGS: KVM makes a segment that is not present unusable
 * and, with unrestricted guest, sets the accessed bit of every segment
 * but LDTR (__vmx_set_segment() in arch/x86/kvm/vmx/vmx.c).  Other fields
 * are stored as written.
 */
static uint64_t kvm_stores(const struct snapshot *s, const struct snap_field *field,
			   uint64_t value)
{
	const char *name = field->name;
	size_t len = strlen(name);
	uint64_t secondary;

	if (strncmp(name, "GUEST_", 6) || len < 9 || strcmp(name + len - 9, "_AR_BYTES"))
		return value;
	if (!(value & VMX_AR_P))
		value |= VMX_AR_UNUSABLE;
	if (strcmp(name, "GUEST_LDTR_AR_BYTES") &&
	    snap_get(s, "SECONDARY_VM_EXEC_CONTROL", &secondary) &&
	    (secondary & SECONDARY_UNRESTRICTED_GUEST))
		value |= VMX_AR_ACCESSED;
	return value;
}

static int cmd_set(int argc, char **argv)
{
	struct snapshot *s = malloc(sizeof(*s));
	struct check_report *before = calloc(1, sizeof(*before));
	struct check_report *after = calloc(1, sizeof(*after));
	const struct snap_field *field;
	char dir[256], path[300], text[32], meaning[256];
	uint64_t value;
	struct opts o;
	int arg, fd;
	ssize_t n;

	arg = parse_opts(argc, argv, "f", &o);
	if (arg < 0 || !s || !before || !after)
		return EXIT_TROUBLE;
	if (argc - arg != 3)
		return usage_error("%s", "set takes DIR FIELD VALUE");
	if (snap_read_dir(argv[arg], s))
		return EXIT_TROUBLE;
	field = snap_find(s, argv[arg + 1]);
	if (!field) {
		fprintf(stderr, "vmcsctl: no field %s in %s\n", argv[arg + 1], argv[arg]);
		return EXIT_TROUBLE;
	}
	if (parse_value(argv[arg + 2], field, &value)) {
		fprintf(stderr,
			"vmcsctl: malformed value '%s' for %s (%u-bit: 0x<hex> or decimal)\n",
			argv[arg + 2], field->name, field->width);
		return EXIT_TROUBLE;
	}
	if (!(field->flags & VMCSCTL_FIELD_WRITABLE)) {
		fprintf(stderr,
			"vmcsctl: %s is not writable (guest-state fields only, with kvm_intel.vmcsctl_write=1)\n",
			field->name);
		return EXIT_TROUBLE;
	}

	/* What the next VM entry would say, with the value KVM will store. */
	snap_next_entry(s);
	check(s, before);
	snap_set(s, field->name, kvm_stores(s, field, value));
	if (!o.force && (check(s, after) || after->nr_skipped)) {
		if (after->nr_failures)
			fprintf(stderr,
				"vmcsctl: refused: with %s=0x%llx the next VM entry fails%s (--force writes anyway):\n",
				field->name, (unsigned long long)value,
				before->nr_failures ? " (as it would now)" : "");
		else
			fprintf(stderr,
				"vmcsctl: refused: %d checks cannot be evaluated, so the write is not known to be safe (--force writes anyway):\n",
				after->nr_skipped);
		check_print(stderr, s, after, false);
		return EXIT_NO;
	}

	snap_path(argv[arg], dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, field->name);
	snprintf(text, sizeof(text), "0x%llx\n", (unsigned long long)value);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "vmcsctl: %s: %s\n", path, strerror(errno));
		return EXIT_TROUBLE;
	}
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text)) {
		fprintf(stderr, "vmcsctl: write %s to %s: %s\n", argv[arg + 2], path,
			strerror(n < 0 ? errno : EIO));
		close(fd);
		return EXIT_TROUBLE;
	}
	close(fd);

	if (snap_read_dir(argv[arg], s))
		return EXIT_TROUBLE;
	field = snap_find(s, argv[arg + 1]);
	decode_brief(s, field, meaning, sizeof(meaning));
	printf("%s = %s%s%s\n", field->name, hex(text, field, field->value),
	       meaning[0] ? "  " : "", meaning);
	free(s);
	free(before);
	free(after);
	return 0;
}

static int cmd_explain(int argc, char **argv)
{
	struct show_opts so = { 0 };
	struct opts o;
	int arg;

	arg = parse_opts(argc, argv, "jrm", &o);
	if (arg < 0)
		return EXIT_TROUBLE;
	if (argc - arg > 1)
		return usage_error("explain takes one log: %s", argv[arg + 1]);
	if (o.raw && o.json)
		return usage_error("%s", "--raw or --json, not both");
	so.raw = o.raw;
	so.json = o.json;
	return explain(arg < argc ? argv[arg] : "-", &so, o.msrs);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "check", cmd_check },
	{ "save", cmd_save },
	{ "diff", cmd_diff },
	{ "watch", cmd_watch },
	{ "set", cmd_set },
	{ "explain", cmd_explain },
};

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2)
		return usage_error("%s", "a command is needed");
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return usage_error("unknown command %s", argv[1]);
}
