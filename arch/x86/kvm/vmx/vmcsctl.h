/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef __KVM_X86_VMX_VMCSCTL_H
#define __KVM_X86_VMX_VMCSCTL_H

#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/vmcsctl.h>

#ifdef CONFIG_KVM_VMCSCTL

/* Hooks for the rest of kvm-intel. */
void vmcsctl_init(void);
void vmcsctl_exit(void);
void vmcsctl_vcpu_postcreate(struct kvm_vcpu *vcpu);
void vmcsctl_vm_pre_destroy(struct kvm *kvm);
void vmcsctl_nested_enter(struct kvm_vcpu *vcpu);
void vmcsctl_nested_leave(struct kvm_vcpu *vcpu);

/* Between the vmcsctl files. */
struct loaded_vmcs;

/* What a written value must satisfy besides fitting the field's width. */
struct vmcsctl_write_rule {
	u64 reserved;		/* bits that must be 0 */
	u64 fixed1;		/* bits that must be 1 */
	bool canonical;		/* a linear address */
};

/*
 * One sysfs file per VMCS field; the encoding says everything else.  A
 * field without a write rule is never writable.
 */
struct vmcsctl_field {
	const struct bin_attribute battr;
	u32 encoding;
	const struct vmcsctl_write_rule *write;
	bool host_pa;		/* holds a host physical address */
};

/* Field type (VMCSCTL_TYPE_*), bits 11:10 of the encoding (SDM Vol. 3, B.1). */
static inline unsigned int vmcsctl_field_type(u32 encoding)
{
	return (encoding >> 10) & 3;
}

/* Width in bits of a field's value, from its encoding (SDM Vol. 3, B.1). */
static inline unsigned int vmcsctl_field_bits(u32 encoding)
{
	if (encoding & 1)		/* _HIGH: bits 63:32 of a 64-bit field */
		return 32;
	switch ((encoding >> 13) & 3) {
	case 0:
		return 16;
	case 1:
		return 64;
	case 2:
		return 32;
	default:			/* natural width */
		return BITS_PER_LONG;
	}
}

int vmcsctl_read(struct kvm_vcpu *vcpu, struct loaded_vmcs *lv, bool shadow,
		 const u32 *fields, struct vmcsctl_dump_entry *out, unsigned int n);
void vmcsctl_probe_exit(void);
int vmcsctl_probe_fields(const struct vmcsctl_field *fields, unsigned int n,
			 unsigned long *supported);

bool vmcsctl_opener_may_ptrace(struct file *file, struct task_struct *task, unsigned int mode);

#ifdef CONFIG_KVM_VMCSCTL_WRITE
bool vmcsctl_writes_enabled(void);
int vmcsctl_write(struct file *file, struct kvm_vcpu *vcpu, struct pid *owner,
		  const char *dir, const struct vmcsctl_field *field, const char *buf);
#else
static inline bool vmcsctl_writes_enabled(void)
{
	return false;
}

static inline int vmcsctl_write(struct file *file, struct kvm_vcpu *vcpu, struct pid *owner,
				const char *dir, const struct vmcsctl_field *field,
				const char *buf)
{
	return -EACCES;
}
#endif

#else

static inline void vmcsctl_init(void) {}
static inline void vmcsctl_exit(void) {}
static inline void vmcsctl_vm_pre_destroy(struct kvm *kvm) {}
static inline void vmcsctl_nested_enter(struct kvm_vcpu *vcpu) {}
static inline void vmcsctl_nested_leave(struct kvm_vcpu *vcpu) {}

#endif /* CONFIG_KVM_VMCSCTL */

#endif /* __KVM_X86_VMX_VMCSCTL_H */
