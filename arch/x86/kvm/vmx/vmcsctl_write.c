// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl writes: root may change whitelisted guest-state fields of a
 * stopped vCPU's vmcs01, when the kernel was built with
 * CONFIG_KVM_VMCSCTL_WRITE and kvm_intel was loaded with vmcsctl_write=1.
 *
 * A write is a vCPU ioctl in all but name: it takes vcpu->mutex (with
 * trylock, so a vCPU inside KVM_RUN gets -EBUSY), loads the vCPU, writes
 * the field with KVM's own VMWRITE and then tells KVM, whose caches of
 * RIP, RSP, RFLAGS and the segment registers would otherwise overwrite or
 * ignore the new value.  The next VM entry runs with it.  The first write
 * taints the kernel and every write is logged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmcsctl: " fmt

#include <linux/ctype.h>
#include <linux/kstrtox.h>
#include <linux/kvm_host.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>

#include "../kvm_cache_regs.h"
#include "../x86.h"
#include "vmx.h"
#include "vmcsctl.h"

static bool vmcsctl_write_on;
module_param_named(vmcsctl_write, vmcsctl_write_on, bool, 0444);
MODULE_PARM_DESC(vmcsctl_write,
		 "Let root write guest-state fields in /sys/kernel/vmcsctl (taints the kernel)");

/**
 * vmcsctl_writes_enabled() - whether field files may be writable
 *
 * Fixed from kvm_intel load on, so directories never disagree.
 *
 * Return: true if kvm_intel was loaded with vmcsctl_write=1.
 */
bool vmcsctl_writes_enabled(void)
{
	return vmcsctl_write_on;
}

/* Decimal, or hexadecimal with 0x, no wider than the field. */
static int vmcsctl_parse(const char *buf, u32 encoding, u64 *value)
{
	unsigned int bits = vmcsctl_field_bits(encoding);
	unsigned int base = buf[0] == '0' && tolower(buf[1]) == 'x' ? 16 : 10;
	int ret;

	ret = kstrtoull(buf, base, value);
	if (ret)
		return ret;
	if (bits < 64 && *value >> bits)
		return -ERANGE;
	return 0;
}

static bool vmcsctl_value_ok(struct kvm_vcpu *vcpu, const struct vmcsctl_field *field,
			     u64 value)
{
	const struct vmcsctl_write_rule *rule = field->write;

	if ((value & rule->reserved) || (value & rule->fixed1) != rule->fixed1)
		return false;
	/* Blocking by STI and by MOV SS at once fails VM entry in any state. */
	if (field->encoding == GUEST_INTERRUPTIBILITY_INFO &&
	    (value & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) ==
	    (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		return false;
	return !rule->canonical || !is_noncanonical_base_address(value, vcpu);
}

/*
 * The VMCS has the new value; make KVM's view agree, as KVM_SET_REGS and
 * KVM_SET_SREGS would.  RIP and RSP are cached and written back at VM entry
 * when dirty, and the emulator keeps its own copy; RFLAGS is cached, decides
 * emulation and carries KVM's single-step TF; NMI blocking is tracked in
 * nmi_known_unmasked; segment state is cached and decides CPL and
 * emulation.  A changed RFLAGS.IF or blocking state changes which events
 * KVM may inject.
 */
static void vmcsctl_sync_kvm(struct kvm_vcpu *vcpu, u32 encoding, unsigned long value)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	switch (encoding) {
	case GUEST_RIP:
		kvm_rip_write(vcpu, value);
		break;
	case GUEST_RSP:
		kvm_rsp_write(vcpu, value);
		break;
	case GUEST_RFLAGS:
		kvm_set_rflags(vcpu, value);
		break;
	case GUEST_INTERRUPTIBILITY_INFO:
		vmx_set_nmi_mask(vcpu, value & GUEST_INTR_STATE_NMI);
		break;
	}
	if (encoding == GUEST_RIP || encoding == GUEST_RSP || encoding == GUEST_RFLAGS) {
		vcpu->arch.emulate_regs_need_sync_from_vcpu = true;
		vcpu->arch.emulate_regs_need_sync_to_vcpu = false;
	}
	vmx_segment_cache_clear(vmx);
	vmx->emulation_required = vmx_emulation_required(vcpu);
	kvm_make_request(KVM_REQ_EVENT, vcpu);
}

/**
 * vmcsctl_write() - write one field of a stopped vCPU's vmcs01
 * @vcpu: the vCPU; it stays alive for the call
 * @dir: name of its vmcsctl directory, for the log
 * @field: the field; only fields with a write rule are writable
 * @buf: the new value as written to the file
 *
 * Context: process context, may sleep.
 * Return: 0; -EACCES if writes are off or @field is not writable;
 * -EINVAL for a malformed value, a reserved bit set, or a value that VM
 * entry refuses whatever the rest of the state (a non-canonical address,
 * blocking by STI and MOV SS together); -ERANGE for a value wider than
 * @field; -EBUSY if the vCPU is in KVM_RUN
 * or another vCPU ioctl, runs L2 (vmcs02 is loaded), or is in real mode
 * that KVM emulates with vm86 (KVM keeps that segment state itself).  On
 * error nothing changed.  A value that VM entry refuses only together with
 * other state (blocking by STI with RFLAGS.IF=0, say) is accepted, and the
 * next KVM_RUN ends in KVM_EXIT_FAIL_ENTRY, as it would after KVM_SET_REGS.
 */
int vmcsctl_write(struct kvm_vcpu *vcpu, const char *dir,
		  const struct vmcsctl_field *field, const char *buf)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	u32 encoding = field->encoding;
	unsigned long old = 0;
	u64 value;
	int ret;

	if (!vmcsctl_write_on || !field->write)
		return -EACCES;
	ret = vmcsctl_parse(buf, encoding, &value);
	if (ret)
		return ret;
	if (!vmcsctl_value_ok(vcpu, field, value))
		return -EINVAL;

	if (!mutex_trylock(&vcpu->mutex))
		return -EBUSY;
	vcpu_load(vcpu);
	if (vmx->loaded_vmcs != &vmx->vmcs01 || vmx->rmode.vm86_active) {
		ret = -EBUSY;
	} else {
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
		old = __vmcs_readl(encoding);
		__vmcs_writel(encoding, value);
		vmcsctl_sync_kvm(vcpu, encoding, value);
	}
	vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);

	if (!ret)
		pr_notice_ratelimited("write %s/%s: %#lx -> %#llx by %s[%d]\n", dir,
				      field->kattr.attr.name, old, value,
				      current->comm, task_pid_nr(current));
	return ret;
}
