/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * vmcsctl(8): KVM's VMCSs from /sys/kernel/vmcsctl, decoded and checked.
 *
 * A snapshot is everything the tool knows about one VMCS: its directory's
 * identity files, every field of one read of its dump file, named by
 * /sys/kernel/vmcsctl/fields, and the CPU's VMX capability MSRs.  It comes
 * from a live directory or from a file written by "vmcsctl save"; every
 * command works on snapshots.
 */
#ifndef VMCSCTL_TOOL_H
#define VMCSCTL_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/vmcsctl.h>

#define VMCSCTL_SYSFS		"/sys/kernel/vmcsctl"
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define SNAP_MAX_FIELDS		512

struct snap_field {
	char name[VMCSCTL_NAME_SIZE];
	uint32_t encoding;
	uint16_t flags;		/* VMCSCTL_FIELD_* */
	uint8_t width;		/* bits */
	uint8_t type;		/* VMCSCTL_TYPE_* */
	uint64_t value;
};

/* The VMX capability MSRs, IA32_VMX_BASIC (0x480) to IA32_VMX_EXIT_CTLS2 (0x493). */
#define MSR_VMX_FIRST		0x480
#define MSR_VMX_LAST		0x493
#define NR_VMX_MSRS		(MSR_VMX_LAST - MSR_VMX_FIRST + 1)

struct snapshot {
	char dir[128];		/* e.g. vmcs1555 or vmcs1555/vmcs02 */
	/* Identity, from the directory's files; -1 or "" where absent. */
	long pid, tid, vcpu_id, cpu, guest_mode;
	long long id;
	char comm[32];		/* /proc/<pid>/comm of the VMM */
	char vm[64];
	char current[16];	/* vmcs01 or vmcs02 */
	long long revision_id, abort;
	/* One read of dump, in its order. */
	int nr_fields;
	struct snap_field fields[SNAP_MAX_FIELDS];
	/* The CPU's, for check: a bit per MSR that could be read. */
	uint32_t msr_valid;
	uint64_t msr[NR_VMX_MSRS];
	int phys_bits, linear_bits;	/* CPUID 0x80000008 EAX; 0 if unknown */
	/*
	 * A vCPU directory's next_entry: what the next VM entry loads instead
	 * of the VMCS (VMCSCTL_NEXT_* and records).  has_next is false where
	 * there is none: vmcs02/ and shadow/, a vCPU inside KVM_RUN, a kernel
	 * without the file.
	 */
	bool has_next;
	uint32_t next_flags;
	int nr_next;
	struct vmcsctl_dump_entry next[VMCSCTL_NEXT_MAX_RECORDS];
	char next_note[512];	/* what snap_next_entry() did, "" if nothing */
};

/* snapshot.c */
/* An empty snapshot: no fields, identity unknown (-1). */
void snap_init(struct snapshot *s);
/* This CPU's physical and linear address bits, and the VMX MSRs of CPU s->cpu if readable. */
void snap_read_cpu(struct snapshot *s);
/* VMCSCTL_SYSFS, or the directory the environment variable of that name gives (tests). */
const char *vmcsctl_root(void);
const struct snap_field *snap_find(const struct snapshot *s, const char *name);
/* The value of field @name: true if the snapshot has it. */
bool snap_get(const struct snapshot *s, const char *name, uint64_t *value);
/* Set the value of a field the snapshot has (set, unit tests); false if absent. */
bool snap_set(struct snapshot *s, const char *name, uint64_t value);
/* An MSR by number (0x480...0x493): true if it was read. */
bool snap_msr(const struct snapshot *s, uint32_t index, uint64_t *value);
/* Read a live directory (name under VMCSCTL_SYSFS or a path): 0 or -errno, message printed. */
int snap_read_dir(const char *dir, struct snapshot *s);
/* The path of a directory: @dir if absolute, else under vmcsctl_root(). */
void snap_path(const char *dir, char *path, size_t size);
/* The identity files of a directory only (list). */
void snap_read_identity(const char *dir, struct snapshot *s);
/* Read a saved snapshot: 0 or -1 with a one-line message on stderr. */
int snap_load(const char *path, struct snapshot *s);
/* "vmcsctl save": the text format snap_load() reads. */
void snap_save(FILE *f, const struct snapshot *s);
/* Print @str as a JSON string, quoted and escaped. */
void json_str(FILE *f, const char *str);

/* snapshot.c: the next VM entry */
/*
 * Turn @s into the state its vCPU's next VM entry loads, as far as
 * next_entry tells: KVM's newer values in, what is decided only at the
 * entry out (so the rules that need it are not evaluated), and say so in
 * s->next_note.  Returns true if @s now holds that state.
 */
bool snap_next_entry(struct snapshot *s);

/* decode.c: "show".  fields: NULL for all, else names to show (nr of them). */
struct show_opts {
	bool raw;		/* numbers only */
	bool json;
	char **fields;
	int nr;
};

/* 0, or -1 if a name in opts->fields is not in the snapshot (message printed). */
int show(FILE *f, const struct snapshot *s, const struct show_opts *opts);
/* The meaning of one field's value in a few words ("" if none): for diff, watch, set. */
void decode_brief(const struct snapshot *s, const struct snap_field *field,
		  char *buf, size_t size);

/* check.c: the VM-entry checks of Intel SDM Vol. 3C, chapter 28 (27 in older editions). */
#define CHECK_MAX_FIELDS	6
#define CHECK_MAX_FAILURES	128
#define CHECK_MAX_RULES		160

struct check_failure {
	const char *id;		/* the rule's short name, e.g. "guest-cs-type" */
	const char *section;	/* e.g. "28.3.1.2" */
	char message[200];
	const char *fields[CHECK_MAX_FIELDS];	/* involved, NULL-terminated if fewer */
};

struct check_report {
	int nr_failures;
	struct check_failure failures[CHECK_MAX_FAILURES];
	int nr_dropped;		/* failures beyond CHECK_MAX_FAILURES, not kept */
	int nr_skipped;		/* rules that lacked a field or MSR */
	const char *skipped[CHECK_MAX_RULES];
	int nr_missing;		/* the fields and MSRs they lacked, each once */
	const char *missing[CHECK_MAX_RULES];
	int nr_rules;		/* rules evaluated */
};

/* Evaluate every rule in the SDM's order; returns the number of failures. */
int check(const struct snapshot *s, struct check_report *r);
void check_print(FILE *f, const struct snapshot *s, const struct check_report *r, bool json);

/*
 * explain.c: the VMCS dumps of a kernel log (a file, "-" for stdin), their
 * IA32_VMX_* MSRs from the snapshot file @msrs, or this host's if NULL;
 * returns an exit status as check's, 2 if there is no dump.
 */
int explain(const char *path, const struct show_opts *so, const char *msrs);
int explain_stream(FILE *f, const char *name, const struct show_opts *so,
		   const struct snapshot *caps, const char *from);

#endif
