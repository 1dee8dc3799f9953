/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef __KVM_X86_VMX_VMCSCTL_H
#define __KVM_X86_VMX_VMCSCTL_H

#include <linux/kobject.h>
#include <linux/kvm_host.h>

#ifdef CONFIG_KVM_VMCSCTL

/* Hooks for the rest of kvm-intel. */
void vmcsctl_init(void);
void vmcsctl_exit(void);
void vmcsctl_vcpu_postcreate(struct kvm_vcpu *vcpu);
void vmcsctl_vm_pre_destroy(struct kvm *kvm);

/* Between the vmcsctl files. */
struct loaded_vmcs;

/* One sysfs file per VMCS field; the encoding says everything else. */
struct vmcsctl_field {
	struct kobj_attribute kattr;
	u32 encoding;
};

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

int vmcsctl_read(struct kvm_vcpu *vcpu, struct loaded_vmcs *lv, u32 field, u64 *value);
int vmcsctl_probe_fields(const struct vmcsctl_field *fields, unsigned int n,
			 unsigned long *supported);

#else

static inline void vmcsctl_init(void) {}
static inline void vmcsctl_exit(void) {}

#endif /* CONFIG_KVM_VMCSCTL */

#endif /* __KVM_X86_VMX_VMCSCTL_H */
