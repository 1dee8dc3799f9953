// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl: VMREAD of any VMCS that KVM owns, from any CPU, without
 * disturbing KVM.
 *
 * A VMCS is either clear (loaded_vmcs->cpu == -1) or active on exactly one
 * CPU, and VMPTRLD of a VMCS that is active elsewhere corrupts it.  So an
 * active VMCS is only touched on its owner CPU, from an IPI handler that
 * rechecks ownership with IRQs off; a clear one only by a reader that holds
 * vcpu->mutex, the lock every path that loads the VMCS holds.  KVM itself may
 * have another VMCS (e.g. the shadow VMCS) current without recording it in
 * current_vmcs, so the hardware current-VMCS pointer is saved with VMPTRST
 * and restored, not taken from KVM's bookkeeping.  All VMX instructions here
 * have exception fixups: with VMX off they fail with -EIO instead of
 * faulting, and a VMfail is -EIO too.
 *
 * Nothing here runs on the VM-entry/exit path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmcsctl: " fmt

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/asm.h>

#include "vmx.h"
#include "vmcsctl.h"

/* Retries while the VMCS moves between CPUs under the reader. */
#define VMCSCTL_TRIES	16

/*
 * What the fields shown (those every CPU online at the first probe
 * implements) lack on one CPU: probed the first time a VMCS is read on
 * it, so that a CPU brought online later is never asked for a field it
 * does not have.  Such a VMREAD would fail and, as any VMfail with a
 * current VMCS, write VM_INSTRUCTION_ERROR into the vCPU's own VMCS.
 */
struct vmcsctl_cpu {
	bool probed;
	unsigned int nr_missing;
	u32 *missing;		/* encodings of shown fields VMREAD fails on */
};

static DEFINE_PER_CPU(struct vmcsctl_cpu, vmcsctl_cpus);
static DEFINE_MUTEX(vmcsctl_cpu_lock);	/* probes of single CPUs */
/* The fields shown, fixed by vmcsctl_probe_fields() before any read. */
static const struct vmcsctl_field *vmcsctl_shown_fields;
static const unsigned long *vmcsctl_shown;
static unsigned int vmcsctl_nr_fields;

/*
 * The VMX instructions below return -EIO on VMfail (CF or ZF set) and, via
 * their exception-table entry, on a fault such as #UD with VMX off: both
 * skip the instruction that clears @ret.
 */
static int vmcsctl_vmptrst(u64 *pa)
{
	int ret = -EIO;

	asm volatile("1: vmptrst (%[pa])\n\t"
		     "xor %[ret], %[ret]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [ret] "+r" (ret)
		     : [pa] "r" (pa)
		     : "cc", "memory");
	return ret;
}

static int vmcsctl_vmptrld(u64 pa)
{
	int ret = -EIO;

	asm volatile("1: vmptrld %[pa]\n\t"
		     "jna 2f\n\t"
		     "xor %[ret], %[ret]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [ret] "+r" (ret)
		     : [pa] "m" (pa)
		     : "cc", "memory");
	return ret;
}

static int vmcsctl_vmclear(u64 pa)
{
	int ret = -EIO;

	asm volatile("1: vmclear %[pa]\n\t"
		     "jna 2f\n\t"
		     "xor %[ret], %[ret]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [ret] "+r" (ret)
		     : [pa] "m" (pa)
		     : "cc", "memory");
	return ret;
}

/* VMREAD of the current VMCS; an unsupported field is a VMfail, -EIO. */
static int vmcsctl_vmread(unsigned long field, unsigned long *value)
{
	unsigned long v = 0;
	int ret = -EIO;

	asm volatile("1: vmread %[field], %[v]\n\t"
		     "jna 2f\n\t"
		     "xor %[ret], %[ret]\n\t"
		     "2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [ret] "+r" (ret), [v] "+r" (v)
		     : [field] "r" (field)
		     : "cc");
	*value = v;
	return ret;
}

/* A 64-bit field is two VMREADs on 32-bit hosts: the full and _HIGH halves. */
static int vmcsctl_vmread_field(u32 field, u64 *value)
{
	unsigned long lo, hi = 0;
	int ret;

	ret = vmcsctl_vmread(field, &lo);
	if (!ret && !IS_ENABLED(CONFIG_X86_64) && vmcsctl_field_bits(field) == 64)
		ret = vmcsctl_vmread(field + 1, &hi);
	*value = (u64)hi << 32 | lo;
	return ret;
}

/*
 * A record per field, written whole: the buffer may be a read() buffer.
 * The caller made the VMCS current on this CPU, which has every field
 * (vmcsctl_probe_cpu()), so no VMREAD can fail: KVM's own accessor, which
 * WARNs if one does, and no test per field.
 */
static void vmcsctl_vmread_fields(const u32 *fields, struct vmcsctl_dump_entry *out,
				  unsigned int n)
{
	unsigned int i;
	u64 value;
	u32 field;

	for (i = 0; i < n; i++) {
		field = fields[i];
		value = __vmcs_readl(field);
		if (!IS_ENABLED(CONFIG_X86_64) && vmcsctl_field_bits(field) == 64)
			value |= (u64)__vmcs_readl(field + 1) << 32;
		out[i].encoding = field;
		out[i].reserved = 0;
		out[i].value = value;
	}
}

/*
 * Make @vmcs current on this CPU, VMREAD @n @fields, make the previous VMCS
 * current again.  The caller guarantees, with IRQs off, that @vmcs is active
 * on this CPU or clear and owned by the caller.  With @clear, a VMCS that
 * was not current is VMCLEARed afterwards: a clear VMCS, so that KVM's
 * launch state for it stays true, and a shadow VMCS, which KVM keeps clear
 * except while it copies to or from it (then it is current, and stays so).
 * When no VMCS was current, an active @vmcs stays current: that is
 * harmless, as KVM loads its VMCS whenever per-CPU current_vmcs differs,
 * and VMCLEAR would reset the launch state KVM relies on.
 */
static int vmcsctl_read_here(struct vmcs *vmcs, bool clear, const u32 *fields,
			     struct vmcsctl_dump_entry *out, unsigned int n)
{
	const struct vmcsctl_cpu *here = this_cpu_ptr(&vmcsctl_cpus);
	u64 pa = __pa(vmcs), saved;
	unsigned int i, j;
	int ret;

	lockdep_assert_irqs_disabled();
	/* The reader probed this CPU, unless it moved here meanwhile: retry. */
	if (!READ_ONCE(here->probed))
		return -EAGAIN;
	for (i = 0; i < here->nr_missing; i++)
		for (j = 0; j < n; j++)
			if (fields[j] == here->missing[i])
				return -EOPNOTSUPP;
	ret = vmcsctl_vmptrst(&saved);
	if (ret)
		return ret;
	if (saved == pa) {
		vmcsctl_vmread_fields(fields, out, n);
		return 0;
	}
	ret = vmcsctl_vmptrld(pa);
	if (ret)
		return ret;
	vmcsctl_vmread_fields(fields, out, n);
	if (clear)
		WARN_ON_ONCE(vmcsctl_vmclear(pa));
	if (saved != INVALID_PAGE)
		WARN_ON_ONCE(vmcsctl_vmptrld(saved));
	return ret;
}

struct vmcsctl_probe {
	const struct vmcsctl_field *fields;
	unsigned int n;
	struct vmcs *scratch;
	unsigned long *here;
	int ret;
};

/* On one CPU: which fields does VMREAD of a clear, loaded scratch VMCS accept? */
static void vmcsctl_probe_here(void *data)
{
	struct vmcsctl_probe *p = data;
	u64 saved, pa = __pa(p->scratch), value;
	unsigned int i;

	p->ret = vmcsctl_vmptrst(&saved);
	if (!p->ret)
		p->ret = vmcsctl_vmclear(pa);
	if (!p->ret)
		p->ret = vmcsctl_vmptrld(pa);
	if (p->ret)
		return;
	for (i = 0; i < p->n; i++)
		if (!vmcsctl_vmread_field(p->fields[i].encoding, &value))
			__set_bit(i, p->here);
	WARN_ON_ONCE(vmcsctl_vmclear(pa));
	if (saved != INVALID_PAGE)
		WARN_ON_ONCE(vmcsctl_vmptrld(saved));
}

/*
 * Probe @cpu, online and in VMX operation, if no VMCS was read on it yet:
 * which of the fields shown does it lack?  Logged if any; reads of those
 * on @cpu then fail with -EOPNOTSUPP.
 */
static int vmcsctl_probe_cpu(int cpu)
{
	struct vmcsctl_cpu *c = per_cpu_ptr(&vmcsctl_cpus, cpu);
	struct vmcsctl_probe p = { .fields = vmcsctl_shown_fields, .n = vmcsctl_nr_fields };
	unsigned int i, nr = 0;
	u32 *missing = NULL;

	if (READ_ONCE(c->probed))
		return 0;
	mutex_lock(&vmcsctl_cpu_lock);
	if (c->probed)
		goto out;
	p.scratch = alloc_vmcs(false);
	p.here = bitmap_zalloc(p.n, GFP_KERNEL);
	if (!p.scratch || !p.here) {
		p.ret = -ENOMEM;
		goto out;
	}
	p.ret = smp_call_function_single(cpu, vmcsctl_probe_here, &p, 1) ?: p.ret;
	if (p.ret)
		goto out;
	bitmap_andnot(p.here, vmcsctl_shown, p.here, p.n);
	nr = bitmap_weight(p.here, p.n);
	if (nr) {
		missing = kcalloc(nr, sizeof(*missing), GFP_KERNEL);
		if (!missing) {
			p.ret = -ENOMEM;
			goto out;
		}
		nr = 0;
		for_each_set_bit(i, p.here, p.n)
			missing[nr++] = p.fields[i].encoding;
		pr_warn("CPU %d lacks %u of the fields shown (first: %s); their reads there fail\n",
			cpu, nr, p.fields[find_first_bit(p.here, p.n)].battr.attr.name);
	}
	c->missing = missing;
	c->nr_missing = nr;
	/* Read with IRQs off on @cpu, after the IPI that the reader sends. */
	WRITE_ONCE(c->probed, true);
out:
	mutex_unlock(&vmcsctl_cpu_lock);
	bitmap_free(p.here);
	if (p.scratch)
		free_vmcs(p.scratch);
	return p.ret;
}

struct vmcsctl_request {
	struct vcpu_vmx *vmx;
	struct loaded_vmcs *lv;
	bool shadow;		/* lv->shadow_vmcs rather than lv->vmcs */
	bool locked;		/* the reader holds vcpu->mutex */
	const u32 *fields;
	struct vmcsctl_dump_entry *out;
	unsigned int n;
	int ret;
};

static struct vmcs *vmcsctl_request_vmcs(struct vmcsctl_request *req)
{
	return req->shadow ? req->lv->shadow_vmcs : req->lv->vmcs;
}

/* IPI handler on the CPU where the VMCS was active when the reader looked. */
static void vmcsctl_read_on_owner(void *data)
{
	struct vmcsctl_request *req = data;

	if (READ_ONCE(req->lv->cpu) != smp_processor_id()) {
		req->ret = -EAGAIN;
		return;
	}
	/*
	 * KVM syncs the shadow VMCS on the CPU of the VMCS it uses, which is
	 * vmcs02's while L2 runs, with vmcs01 perhaps active elsewhere.  Unless
	 * the vCPU is held still, touch the shadow VMCS only while vmcs01 is
	 * the VMCS in use: KVM then uses the shadow VMCS on this CPU alone,
	 * and not while IRQs are off here.
	 */
	if (req->shadow && !req->locked && READ_ONCE(req->vmx->loaded_vmcs) != req->lv) {
		req->ret = -EBUSY;
		return;
	}
	req->ret = vmcsctl_read_here(vmcsctl_request_vmcs(req), req->shadow, req->fields,
				     req->out, req->n);
}

/*
 * A clear VMCS can only become active through its vCPU (vcpu_load() and the
 * nested switches all run under vcpu->mutex), so with the mutex held it may
 * be loaded here.  Never wait for the mutex: KVM_RUN holds it for as long as
 * the guest runs.
 */
static int vmcsctl_read_clear(struct kvm_vcpu *vcpu, struct vmcsctl_request *req)
{
	unsigned long flags;
	int ret = -EAGAIN;

	if (!req->locked && !mutex_trylock(&vcpu->mutex))
		return -EBUSY;
	ret = vmcsctl_probe_cpu(raw_smp_processor_id());
	if (ret)
		goto out;
	ret = -EAGAIN;
	local_irq_save(flags);
	if (READ_ONCE(req->lv->cpu) == -1)
		ret = vmcsctl_read_here(vmcsctl_request_vmcs(req), true, req->fields, req->out,
					req->n);
	local_irq_restore(flags);
out:
	if (!req->locked)
		mutex_unlock(&vcpu->mutex);
	return ret;
}

/**
 * vmcsctl_read() - read fields of a VMCS owned by KVM, all in one go
 * @vcpu: the vCPU that owns @lv; it stays alive for the call
 * @lv: the VMCS, vmcs01 or another loaded_vmcs of @vcpu
 * @shadow: read the shadow VMCS linked from @lv (vmcs01) instead; it is
 *	read on @lv's CPU and must stay allocated for the call
 * @fields: field encodings from enum vmcs_field
 * @out: a record per field: its encoding and value, zero-extended.  May
 *	be a read() buffer: the records are made there, on the CPU that
 *	holds the VMCS, with no copy.
 * @n: number of @fields; all are read in one IPI (or one local section),
 *	so that they come from the same moment
 *
 * Works whether the vCPU runs, sleeps or is stopped, on any CPU.  Holds
 * cpus_read_lock() so that no CPU goes offline (VMCLEAR of its VMCSs, then
 * VMXOFF) meanwhile: every online CPU is in VMX operation while a VM exists.
 *
 * Context: process context, may sleep.
 * Return: 0; -EIO if the CPU refuses (VMX off); -EOPNOTSUPP if the CPU
 * that holds the VMCS lacks one of @fields (a CPU brought online after
 * the fields were probed); -ENOMEM if that CPU could not be probed; -EBUSY
 * if the VMCS is clear while its vCPU is inside KVM_RUN (its CPU went
 * offline), keeps moving between CPUs, or, for the shadow VMCS, the vCPU
 * runs L2; -ENODEV with enlightened VMCS.
 */
int vmcsctl_read(struct kvm_vcpu *vcpu, struct loaded_vmcs *lv, bool shadow,
		 const u32 *fields, struct vmcsctl_dump_entry *out, unsigned int n)
{
	struct vmcsctl_request req = {
		.vmx = to_vmx(vcpu), .lv = lv, .shadow = shadow,
		.fields = fields, .out = out, .n = n,
	};
	int cpu, ret = -EBUSY, tries;

	if (kvm_is_using_evmcs())
		return -ENODEV;

	/* A stopped vCPU cannot use its shadow VMCS: hold it so. */
	if (shadow)
		req.locked = mutex_trylock(&vcpu->mutex);
	cpus_read_lock();
	for (tries = 0; tries < VMCSCTL_TRIES; tries++) {
		cpu = READ_ONCE(lv->cpu);
		if (cpu >= 0) {
			ret = vmcsctl_probe_cpu(cpu) ?:
			      smp_call_function_single(cpu, vmcsctl_read_on_owner, &req, 1);
			if (!ret)
				ret = req.ret;
		} else {
			ret = vmcsctl_read_clear(vcpu, &req);
		}
		if (ret != -EAGAIN && ret != -EBUSY)
			break;
		cond_resched();
	}
	cpus_read_unlock();
	if (req.locked)
		mutex_unlock(&vcpu->mutex);
	if (ret == -EAGAIN)
		ret = -EBUSY;
	return ret;
}

/**
 * vmcsctl_probe_fields() - find the fields that every CPU implements
 * @fields: the fields to probe
 * @n: number of @fields
 * @supported: bitmap of @n bits, set for every field VMREAD accepts on
 *	every online CPU
 *
 * VMREADs every field of a scratch VMCS on each online CPU in turn: a
 * VMfail for an unsupported field then only marks the scratch VMCS.  A
 * field is shown only if all CPUs accept it, as a VMCS can be read on any
 * of them; fields that only some CPUs accept are logged.  @supported
 * stays in use: a CPU brought online later is probed for these fields
 * when a VMCS is first read on it.  Needs VMX operation on every online
 * CPU, i.e. a VM must exist.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM, or -EIO if VMX is off.
 */
int vmcsctl_probe_fields(const struct vmcsctl_field *fields, unsigned int n,
			 unsigned long *supported)
{
	struct vmcsctl_probe p = { .fields = fields, .n = n };
	unsigned long *anywhere;
	unsigned int i;
	int cpu;

	p.scratch = alloc_vmcs(false);
	p.here = bitmap_zalloc(n, GFP_KERNEL);
	anywhere = bitmap_zalloc(n, GFP_KERNEL);
	if (!p.scratch || !p.here || !anywhere) {
		p.ret = -ENOMEM;
		goto out;
	}

	bitmap_fill(supported, n);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		bitmap_zero(p.here, n);
		p.ret = smp_call_function_single(cpu, vmcsctl_probe_here, &p, 1) ?: p.ret;
		if (p.ret)
			break;
		bitmap_and(supported, supported, p.here, n);
		bitmap_or(anywhere, anywhere, p.here, n);
	}
	if (!p.ret) {
		/* These CPUs have every field shown; later ones are probed on use. */
		vmcsctl_shown_fields = fields;
		vmcsctl_shown = supported;
		vmcsctl_nr_fields = n;
		for_each_online_cpu(cpu)
			WRITE_ONCE(per_cpu_ptr(&vmcsctl_cpus, cpu)->probed, true);
	}
	cpus_read_unlock();

	for (i = 0; !p.ret && i < n; i++)
		if (test_bit(i, anywhere) && !test_bit(i, supported))
			pr_info("%s: VMREAD works on some CPUs only; not shown\n",
				fields[i].battr.attr.name);
out:
	bitmap_free(anywhere);
	bitmap_free(p.here);
	if (p.scratch)
		free_vmcs(p.scratch);
	return p.ret;
}

/* Forget what the CPUs lack, when kvm_intel goes away. */
void vmcsctl_probe_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kfree(per_cpu_ptr(&vmcsctl_cpus, cpu)->missing);
}
