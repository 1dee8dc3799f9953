// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl writes: a privileged user may change whitelisted guest-state
 * fields of a stopped vCPU's vmcs01, when the kernel was built with
 * CONFIG_KVM_VMCSCTL_WRITE and kvm_intel was loaded with vmcsctl_write=1.
 *
 * A write is the vCPU ioctl that userspace would use, run by KVM's own
 * code with vcpu->mutex held (trylock: a vCPU inside KVM_RUN gets -EBUSY):
 * KVM_GET_REGS/KVM_SET_REGS for RIP, RSP and RFLAGS, which also drops an
 * exception queued at the old RIP; KVM_GET_SREGS2/KVM_SET_SREGS2 for the
 * segment and descriptor-table registers, with their validity checks and
 * the PDPTRs kept; KVM_SET_MSRS's path for the SYSENTER MSRs, and
 * KVM_SET_VCPU_EVENTS's for interruptibility.  So KVM's caches stay
 * coherent and the vCPU is left in a state that its owner could have
 * produced.  None of them reads or writes guest memory, which the writer,
 * not being the VMM, could only reach through its own address space.  The
 * next VM entry runs with it.
 *
 * Who may write: the opener of the file, with the credentials it opened
 * it with: CAP_SYS_ADMIN (checked for every file of vmcsctl), the right to
 * ptrace-attach to the thread that runs the vCPU (or, before its first
 * KVM_RUN, to the process that created it), and no lockdown.  Every write
 * taints the kernel and is logged, and audited where CONFIG_AUDIT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmcsctl: " fmt

#include <linux/audit.h>
#include <linux/ctype.h>
#include <linux/kstrtox.h>
#include <linux/kvm_host.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/slab.h>

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
 * May the opener of @file change the guest of @vcpu?  It must have been
 * allowed to attach to the thread that runs the vCPU, as a debugger
 * would, or to the process that created it if that thread is gone or
 * never ran it.  The opener's credentials, not the writer's: a file
 * passed to a more privileged process gains nothing.  (What ptrace
 * decides by task rather than by credentials, Yama's ptracer relation
 * under ptrace_scope=1, it can only decide for the writing task.)
 */
static int vmcsctl_may_write(struct file *file, struct kvm_vcpu *vcpu, struct pid *owner)
{
	struct task_struct *task;
	bool ok;
	int ret;

	/* A debugging interface that writes: refused as debugfs is. */
	ret = security_locked_down(LOCKDOWN_DEBUGFS);
	if (ret)
		return ret;

	/* vcpu->mutex, held here, keeps KVM_RUN from replacing vcpu->pid. */
	rcu_read_lock();
	task = pid_task(vcpu->pid, PIDTYPE_PID);
	if (!task)
		task = pid_task(owner, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (!task)
		return -ESRCH;
	ok = vmcsctl_opener_may_ptrace(file, task, PTRACE_MODE_ATTACH_FSCREDS);
	put_task_struct(task);
	return ok ? 0 : -EPERM;
}

/* Segment registers in the order of their VMCS encodings (SDM Vol. 3, B.1). */
static struct kvm_segment *vmcsctl_sreg(struct kvm_sregs2 *sregs, u32 encoding, u32 es)
{
	struct kvm_segment *segs[] = {
		&sregs->es, &sregs->cs, &sregs->ss, &sregs->ds,
		&sregs->fs, &sregs->gs, &sregs->ldt, &sregs->tr,
	};

	return segs[(encoding - es) / 2];
}

/* Access rights in the VMCS format (SDM Vol. 3, 26.4.1), and back. */
static u64 vmcsctl_ar_get(const struct kvm_segment *seg)
{
	if (seg->unusable)
		return VMX_AR_UNUSABLE_MASK;
	return seg->type | seg->s << 4 | seg->dpl << 5 | seg->present << 7 |
	       seg->avl << 12 | seg->l << 13 | seg->db << 14 | seg->g << 15;
}

static void vmcsctl_ar_set(struct kvm_segment *seg, u64 ar)
{
	seg->type = ar & 15;
	seg->s = (ar >> 4) & 1;
	seg->dpl = (ar >> 5) & 3;
	seg->present = (ar >> 7) & 1;
	seg->avl = (ar >> 12) & 1;
	seg->l = (ar >> 13) & 1;
	seg->db = (ar >> 14) & 1;
	seg->g = (ar >> 15) & 1;
	seg->unusable = !!(ar & VMX_AR_UNUSABLE_MASK);
}

/*
 * The member of struct kvm_sregs2 that holds @encoding, with its old value,
 * after storing @value in it; false if the field is not in kvm_sregs2.
 */
static bool vmcsctl_sregs_field(struct kvm_sregs2 *sregs, u32 encoding, u64 value, u64 *old)
{
	struct kvm_segment *seg;
	struct kvm_dtable *dt;

	switch (encoding) {
	case GUEST_ES_SELECTOR ... GUEST_TR_SELECTOR:
		seg = vmcsctl_sreg(sregs, encoding, GUEST_ES_SELECTOR);
		*old = seg->selector;
		seg->selector = value;
		return true;
	case GUEST_ES_BASE ... GUEST_TR_BASE:
		seg = vmcsctl_sreg(sregs, encoding, GUEST_ES_BASE);
		*old = seg->base;
		seg->base = value;
		return true;
	case GUEST_ES_LIMIT ... GUEST_TR_LIMIT:
		seg = vmcsctl_sreg(sregs, encoding, GUEST_ES_LIMIT);
		*old = seg->limit;
		seg->limit = value;
		return true;
	case GUEST_ES_AR_BYTES ... GUEST_TR_AR_BYTES:
		seg = vmcsctl_sreg(sregs, encoding, GUEST_ES_AR_BYTES);
		*old = vmcsctl_ar_get(seg);
		vmcsctl_ar_set(seg, value);
		return true;
	case GUEST_GDTR_BASE:
	case GUEST_GDTR_LIMIT:
	case GUEST_IDTR_BASE:
	case GUEST_IDTR_LIMIT:
		dt = encoding == GUEST_GDTR_BASE || encoding == GUEST_GDTR_LIMIT ?
		     &sregs->gdt : &sregs->idt;
		if (encoding == GUEST_GDTR_BASE || encoding == GUEST_IDTR_BASE) {
			*old = dt->base;
			dt->base = value;
		} else {
			*old = dt->limit;
			dt->limit = value;
		}
		return true;
	}
	return false;
}

static u64 *vmcsctl_regs_field(struct kvm_regs *regs, u32 encoding)
{
	switch (encoding) {
	case GUEST_RIP:
		return &regs->rip;
	case GUEST_RSP:
		return &regs->rsp;
	case GUEST_RFLAGS:
		return &regs->rflags;
	}
	return NULL;
}

/* KVM_SET_MSRS's path: vCPU loaded, kvm->srcu held. */
static int vmcsctl_write_msr(struct kvm_vcpu *vcpu, u32 index, u64 value, u64 *old)
{
	int idx, ret;

	vcpu_load(vcpu);
	idx = srcu_read_lock(&vcpu->kvm->srcu);
	ret = __kvm_emulate_msr_read(vcpu, index, old) ||
	      __kvm_emulate_msr_write(vcpu, index, value) ? -EINVAL : 0;
	srcu_read_unlock(&vcpu->kvm->srcu, idx);
	vcpu_put(vcpu);
	return ret;
}

/* KVM_SET_VCPU_EVENTS's path for the interrupt shadow and NMI blocking. */
static void vmcsctl_write_interruptibility(struct kvm_vcpu *vcpu, u64 value, u64 *old)
{
	int shadow = 0;

	if (value & GUEST_INTR_STATE_STI)
		shadow |= KVM_X86_SHADOW_INT_STI;
	if (value & GUEST_INTR_STATE_MOV_SS)
		shadow |= KVM_X86_SHADOW_INT_MOV_SS;

	vcpu_load(vcpu);
	*old = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	vmx_set_interrupt_shadow(vcpu, shadow);
	vmx_set_nmi_mask(vcpu, value & GUEST_INTR_STATE_NMI);
	kvm_make_request(KVM_REQ_EVENT, vcpu);
	vcpu_put(vcpu);
}

/*
 * Write @value to @encoding as the vCPU ioctls would; vcpu->mutex is held.
 *
 * Not between an exit to userspace that KVM must complete (KVM_EXIT_IO,
 * KVM_EXIT_MMIO, ...) and the KVM_RUN that completes it: that KVM_RUN
 * finishes the instruction from state saved at the exit, so it would undo
 * a new RIP (an emulated MMIO read writes back the RIP it decoded) or
 * clear written STI or MOV-SS blocking as it skips the instruction, and
 * KVM's API documentation calls the guest state consistent only after it.
 * The caller refuses with -EBUSY; a VMM completes the exit with KVM_RUN
 * and immediate_exit set, as it must before saving the state.
 */
static int vmcsctl_write_locked(struct kvm_vcpu *vcpu, u32 encoding, u64 value, u64 *old)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs2 sregs;
	} *state;
	u64 *reg;
	int ret;

	switch (encoding) {
	case GUEST_SYSENTER_CS:
		return vmcsctl_write_msr(vcpu, MSR_IA32_SYSENTER_CS, value, old);
	case GUEST_SYSENTER_ESP:
		return vmcsctl_write_msr(vcpu, MSR_IA32_SYSENTER_ESP, value, old);
	case GUEST_SYSENTER_EIP:
		return vmcsctl_write_msr(vcpu, MSR_IA32_SYSENTER_EIP, value, old);
	case GUEST_INTERRUPTIBILITY_INFO:
		vmcsctl_write_interruptibility(vcpu, value, old);
		return 0;
	}

	state = kzalloc_obj(*state, GFP_KERNEL_ACCOUNT);
	if (!state)
		return -ENOMEM;
	reg = vmcsctl_regs_field(&state->regs, encoding);
	if (reg) {
		ret = kvm_arch_vcpu_ioctl_get_regs(vcpu, &state->regs);
		if (!ret) {
			*old = *reg;
			*reg = value;
			ret = kvm_arch_vcpu_ioctl_set_regs(vcpu, &state->regs);
		}
		/*
		 * KVM writes a dirty RIP or RSP to the VMCS at the next VM
		 * entry; write it now as well, so that the file reads back
		 * what was written.  (RFLAGS goes to the VMCS at once.)
		 */
		if (!ret && encoding != GUEST_RFLAGS) {
			vcpu_load(vcpu);
			vmcs_writel(encoding, value);
			vcpu_put(vcpu);
		}
	} else {
		/*
		 * KVM_GET_SREGS2 and KVM_SET_SREGS2, with the vCPU loaded as
		 * their ioctl has it.  For a PAE guest the PDPTRs go back as
		 * they are (KVM_SREGS2_FLAGS_PDPTRS_VALID): KVM_SET_SREGS would
		 * reload them from guest memory, through current's address
		 * space, which is the writer's and not the VM's, and drop
		 * PDPTRs that the VMM set.  No write reads guest memory.
		 */
		vcpu_load(vcpu);
		kvm_vcpu_ioctl_x86_get_sregs2(vcpu, &state->sregs);
		if (WARN_ON_ONCE(!vmcsctl_sregs_field(&state->sregs, encoding, value, old)))
			ret = -EACCES;
		else
			ret = kvm_vcpu_ioctl_x86_set_sregs2(vcpu, &state->sregs);
		vcpu_put(vcpu);
	}
	kfree(state);
	return ret;
}

/*
 * A write that changed the guest is logged and audited; one refused for
 * the writer's rights or the vCPU's state is audited with its errno, so
 * that attempts leave a trace too (a malformed value does not get here).
 */
static void vmcsctl_log(const char *dir, const struct vmcsctl_field *field, u64 old,
			u64 value, int ret)
{
	struct audit_buffer *ab;

	if (!ret)
		pr_notice("write %s/%s: %#llx -> %#llx by %s[%d]\n", dir,
			  field->battr.attr.name, old, value, current->comm,
			  task_pid_nr(current));

	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (!ab)
		return;
	audit_log_format(ab, "op=vmcsctl_write dir=%s field=%s", dir, field->battr.attr.name);
	if (!ret)
		audit_log_format(ab, " old=%#llx new=%#llx res=1", old, value);
	else
		audit_log_format(ab, " new=%#llx res=0 errno=%d", value, -ret);
	audit_log_task_info(ab);
	audit_log_end(ab);
}

/**
 * vmcsctl_write() - write one field of a stopped vCPU's vmcs01
 * @file: the field file, whose opener's rights count
 * @vcpu: the vCPU; it stays alive for the call
 * @owner: the process that created @vcpu
 * @dir: name of its vmcsctl directory, for the log
 * @field: the field; only fields with a write rule are writable
 * @buf: the new value as written to the file
 *
 * The caller has checked the opener's CAP_SYS_ADMIN.
 *
 * Context: process context, may sleep.
 * Return: 0; -EACCES if writes are off or @field is not writable; -EPERM
 * under lockdown (integrity or confidentiality) or if the opener may not
 * ptrace the vCPU's thread; -ESRCH if no task of the VM is left; -EINVAL
 * for a malformed value, a reserved bit set, a value that VM entry refuses
 * whatever the rest of the state (a non-canonical address, blocking by
 * STI and MOV SS together) or one that the vCPU ioctl refuses (e.g. CS.L
 * set outside long mode); -ERANGE for a value wider than @field; -EIO if
 * the VM is dead or bugged; -EBUSY if the vCPU is in KVM_RUN or another
 * vCPU ioctl, runs L2, is in real mode that KVM emulates with vm86 (KVM
 * keeps that segment state itself), or KVM still owes the guest the end
 * of an exit to userspace (see vmcsctl_write_locked()).  On error nothing
 * changed.  A
 * value that VM entry refuses only together with other state is
 * accepted, as KVM_SET_SREGS accepts it, and the next KVM_RUN ends in
 * KVM_EXIT_FAIL_ENTRY.
 */
int vmcsctl_write(struct file *file, struct kvm_vcpu *vcpu, struct pid *owner,
		  const char *dir, const struct vmcsctl_field *field, const char *buf)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	u64 value, old = 0;
	int ret;

	if (!vmcsctl_write_on || !field->write)
		return -EACCES;
	ret = vmcsctl_parse(buf, field->encoding, &value);
	if (ret)
		return ret;
	if (!vmcsctl_value_ok(vcpu, field, value))
		return -EINVAL;

	if (!mutex_trylock(&vcpu->mutex)) {
		vmcsctl_log(dir, field, 0, value, -EBUSY);
		return -EBUSY;
	}
	ret = vmcsctl_may_write(file, vcpu, owner);
	if (!ret && vcpu->kvm->vm_dead)
		ret = -EIO;
	if (!ret && (is_guest_mode(vcpu) || vmx->rmode.vm86_active ||
		     vcpu->arch.complete_userspace_io))
		ret = -EBUSY;
	if (!ret)
		ret = vmcsctl_write_locked(vcpu, field->encoding, value, &old);
	/* Only a write that changed the guest taints: a refused one did not. */
	if (!ret)
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	mutex_unlock(&vcpu->mutex);

	vmcsctl_log(dir, field, old, value, ret);
	return ret;
}
