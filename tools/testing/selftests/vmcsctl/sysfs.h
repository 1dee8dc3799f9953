/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Helpers to read /sys/kernel/vmcsctl from the selftests. */
#ifndef SELFTEST_VMCSCTL_SYSFS_H
#define SELFTEST_VMCSCTL_SYSFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vmcsctl.h>

#define VMCSCTL_DIR	"/sys/kernel/vmcsctl"
#define VMCSCTL_MAX_DIRS	512

/* Fields by encoding, as in enum vmcs_field of arch/x86/include/asm/vmx.h. */
struct vmcs_field_desc {
	const char *name;
	uint32_t encoding;
	bool writable;		/* 0600 when writes are enabled */
};

extern const struct vmcs_field_desc vmcs_fields[];
extern const int nr_vmcs_fields;
const struct vmcs_field_desc *vmcs_field_by_name(const char *name);
const struct vmcs_field_desc *vmcs_field_by_encoding(uint32_t encoding);

/* Read the fields file; returns the number of records or -errno. */
int vmcsctl_read_field_infos(struct vmcsctl_field_info *infos, int max);
/* Read a dump file (one read()); returns the number of records or -errno. */
int vmcsctl_read_dump(const char *dir, struct vmcsctl_dump_entry *entries, int max);

/* Hex digits of a field's value: 4, 8 or 16 (natural width on x86_64). */
int field_digits(uint32_t encoding);

/* Read a file of a vmcsctl directory into buf; 0 or -errno. */
int vmcsctl_read_file(const char *dir, const char *file, char *buf, size_t size);
/* Read a field: checks the "0x<digits>\n" format; 0 or -errno (-EPROTO: format). */
int vmcsctl_read_field(const char *dir, const char *field, uint64_t *value);
/* Write @text to @path in one write(): 0, or -errno (-EIO if short). */
int write_file(const char *path, const char *text);
/* The same to a field file of a vmcsctl directory. */
int vmcsctl_write_field(const char *dir, const char *field, const char *text);
/* A bool parameter of kvm_intel: 1 if Y, 0 if N, -errno if absent. */
int kvm_intel_param(const char *name);
/* kvm_intel.vmcsctl_write: 1 if on, 0 if off, -errno if absent (no write support). */
int vmcsctl_writes_enabled(void);
/* Read a decimal file such as vcpu_id or cpu. */
int vmcsctl_read_int(const char *dir, const char *file, long *value);

/* Directories named vmcs<tid> or vmcs<tid>.<n>; returns the count, fills names. */
int vmcsctl_dirs_of(pid_t tid, char names[][64], int max);
/* All directories under /sys/kernel/vmcsctl; -errno if it is missing. */
int vmcsctl_count_dirs(void);

pid_t gettid_(void);
/* Drop every capability of the calling thread but cap1 and cap2 (-1: none); 0 or -1. */
int caps_keep_only(int cap1, int cap2);
/* Clear or set @cap in the effective set only (it stays permitted); 0 or -1. */
int cap_effective(int cap, bool on);

/*
 * Hand up to MAX_PASSED_FDS open files from a child to its parent: the
 * parent takes them with pidfd_getfd(), which installs the same open file
 * (its opener's credentials included), as SCM_RIGHTS would.  Init before
 * fork(); the child offers (and waits until they are taken), the parent
 * takes.  0 or -errno.
 */
#define MAX_PASSED_FDS	8
struct fd_pass {
	int ready[2];	/* child -> parent: the descriptor numbers */
	int done[2];	/* closed by the parent once it has the files */
};

int fd_pass_init(struct fd_pass *p);
int fd_pass_offer(struct fd_pass *p, const int *fds, int n);
int fd_pass_take(struct fd_pass *p, pid_t child, int *fds, int n);

#endif
