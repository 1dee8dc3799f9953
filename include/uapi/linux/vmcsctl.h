/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * The binary files of /sys/kernel/vmcsctl (KVM's VMCSs in sysfs):
 * Documentation/ABI/testing/sysfs-kernel-vmcsctl.
 */
#ifndef _UAPI_LINUX_VMCSCTL_H
#define _UAPI_LINUX_VMCSCTL_H

#include <linux/types.h>

/**
 * struct vmcsctl_dump_entry - one record of a VMCS directory's dump file
 * @encoding: the field's encoding (Intel SDM Vol. 3, Appendix B)
 * @reserved: zero
 * @value: the field's value, zero-extended
 */
struct vmcsctl_dump_entry {
	__u32 encoding;
	__u32 reserved;
	__u64 value;
};

/**
 * struct vmcsctl_next_entry - the head of a vCPU directory's next_entry file
 * @flags: VMCSCTL_NEXT_*
 * @nr_records: the struct vmcsctl_dump_entry records that follow it: the
 *	fields whose value the next VM entry takes from KVM, not from the
 *	VMCS, and that value (at most VMCSCTL_NEXT_MAX_RECORDS)
 */
struct vmcsctl_next_entry {
	__u32 flags;
	__u32 nr_records;
};

#define VMCSCTL_NEXT_MAX_RECORDS	8

/* The next VM entry is to L2, with vmcs02. */
#define VMCSCTL_NEXT_L2		(1 << 0)
/* KVM first completes an exit to userspace (e.g. skips an OUT). */
#define VMCSCTL_NEXT_COMPLETION	(1 << 1)
/* KVM holds an event to inject (exception, NMI): decided at the entry. */
#define VMCSCTL_NEXT_EVENT	(1 << 2)

/* Field types: bits 11:10 of an encoding. */
#define VMCSCTL_TYPE_CONTROL	0
#define VMCSCTL_TYPE_EXIT_INFO	1	/* VM-exit information, read-only */
#define VMCSCTL_TYPE_GUEST	2
#define VMCSCTL_TYPE_HOST	3

/* A vCPU directory's file of the field is writable (kvm_intel.vmcsctl_write). */
#define VMCSCTL_FIELD_WRITABLE	(1 << 0)
/* The field reveals the host; lockdown=confidentiality hides it. */
#define VMCSCTL_FIELD_HOST	(1 << 1)

#define VMCSCTL_NAME_SIZE	40

/**
 * struct vmcsctl_field_info - one record of /sys/kernel/vmcsctl/fields
 * @encoding: the field's encoding
 * @flags: VMCSCTL_FIELD_*
 * @width: bits of the value as this kernel reads it: 16, 32 or 64
 *	(natural-width fields have the kernel's word size)
 * @type: VMCSCTL_TYPE_*
 * @name: the name of the field's file, NUL-terminated
 */
struct vmcsctl_field_info {
	__u32 encoding;
	__u16 flags;
	__u8 width;
	__u8 type;
	char name[VMCSCTL_NAME_SIZE];
};

#endif /* _UAPI_LINUX_VMCSCTL_H */
