// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl: the VMCS of every KVM vCPU in sysfs, one root-only file per field.
 *
 *   /sys/kernel/vmcsctl/vmcs<TID>[.<N>]/<FIELD>
 *
 * A directory appears once its vCPU is fully created and goes away before
 * KVM starts tearing the VM down, so a reader never sees a vCPU that is not
 * there or a VMCS that KVM loads without holding vcpu->mutex.  The names of
 * the field files, their widths and types all come from one table of
 * enum vmcs_field.  See Documentation/virt/kvm/x86/vmcsctl.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmcsctl.h"

/* One directory per VMCS. */
struct vmcsctl_dir {
	struct kobject kobj;
	struct kvm_vcpu *vcpu;
	pid_t tgid;		/* process that created the vCPU */
};

static inline struct vmcsctl_dir *to_vmcsctl_dir(struct kobject *kobj)
{
	return container_of(kobj, struct vmcsctl_dir, kobj);
}

static struct loaded_vmcs *vmcsctl_dir_vmcs(struct vmcsctl_dir *dir)
{
	return &to_vmx(dir->vcpu)->vmcs01;
}

static ssize_t vmcsctl_field_show(struct kobject *kobj, struct kobj_attribute *kattr,
				  char *buf)
{
	const struct vmcsctl_field *field = container_of(kattr, struct vmcsctl_field, kattr);
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	u64 value;
	int ret;

	ret = vmcsctl_read(dir->vcpu, vmcsctl_dir_vmcs(dir), field->encoding, &value);
	if (ret)
		return ret;
	return sysfs_emit(buf, "0x%0*llx\n", vmcsctl_field_bits(field->encoding) / 4, value);
}

#define VMCSCTL_FIELD(f) {						\
	.kattr = {							\
		.attr = { .name = #f, .mode = 0400 },			\
		.show = vmcsctl_field_show,				\
	},								\
	.encoding = f,							\
}

/* Every entry of enum vmcs_field, in its order. */
static struct vmcsctl_field vmcsctl_fields[] = {
	VMCSCTL_FIELD(VIRTUAL_PROCESSOR_ID),
	VMCSCTL_FIELD(POSTED_INTR_NV),
	VMCSCTL_FIELD(LAST_PID_POINTER_INDEX),
	VMCSCTL_FIELD(GUEST_ES_SELECTOR),
	VMCSCTL_FIELD(GUEST_CS_SELECTOR),
	VMCSCTL_FIELD(GUEST_SS_SELECTOR),
	VMCSCTL_FIELD(GUEST_DS_SELECTOR),
	VMCSCTL_FIELD(GUEST_FS_SELECTOR),
	VMCSCTL_FIELD(GUEST_GS_SELECTOR),
	VMCSCTL_FIELD(GUEST_LDTR_SELECTOR),
	VMCSCTL_FIELD(GUEST_TR_SELECTOR),
	VMCSCTL_FIELD(GUEST_INTR_STATUS),
	VMCSCTL_FIELD(GUEST_PML_INDEX),
	VMCSCTL_FIELD(HOST_ES_SELECTOR),
	VMCSCTL_FIELD(HOST_CS_SELECTOR),
	VMCSCTL_FIELD(HOST_SS_SELECTOR),
	VMCSCTL_FIELD(HOST_DS_SELECTOR),
	VMCSCTL_FIELD(HOST_FS_SELECTOR),
	VMCSCTL_FIELD(HOST_GS_SELECTOR),
	VMCSCTL_FIELD(HOST_TR_SELECTOR),
	VMCSCTL_FIELD(IO_BITMAP_A),
	VMCSCTL_FIELD(IO_BITMAP_A_HIGH),
	VMCSCTL_FIELD(IO_BITMAP_B),
	VMCSCTL_FIELD(IO_BITMAP_B_HIGH),
	VMCSCTL_FIELD(MSR_BITMAP),
	VMCSCTL_FIELD(MSR_BITMAP_HIGH),
	VMCSCTL_FIELD(VM_EXIT_MSR_STORE_ADDR),
	VMCSCTL_FIELD(VM_EXIT_MSR_STORE_ADDR_HIGH),
	VMCSCTL_FIELD(VM_EXIT_MSR_LOAD_ADDR),
	VMCSCTL_FIELD(VM_EXIT_MSR_LOAD_ADDR_HIGH),
	VMCSCTL_FIELD(VM_ENTRY_MSR_LOAD_ADDR),
	VMCSCTL_FIELD(VM_ENTRY_MSR_LOAD_ADDR_HIGH),
	VMCSCTL_FIELD(PML_ADDRESS),
	VMCSCTL_FIELD(PML_ADDRESS_HIGH),
	VMCSCTL_FIELD(TSC_OFFSET),
	VMCSCTL_FIELD(TSC_OFFSET_HIGH),
	VMCSCTL_FIELD(VIRTUAL_APIC_PAGE_ADDR),
	VMCSCTL_FIELD(VIRTUAL_APIC_PAGE_ADDR_HIGH),
	VMCSCTL_FIELD(APIC_ACCESS_ADDR),
	VMCSCTL_FIELD(APIC_ACCESS_ADDR_HIGH),
	VMCSCTL_FIELD(POSTED_INTR_DESC_ADDR),
	VMCSCTL_FIELD(POSTED_INTR_DESC_ADDR_HIGH),
	VMCSCTL_FIELD(VM_FUNCTION_CONTROL),
	VMCSCTL_FIELD(VM_FUNCTION_CONTROL_HIGH),
	VMCSCTL_FIELD(EPT_POINTER),
	VMCSCTL_FIELD(EPT_POINTER_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP0),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP0_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP1),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP1_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP2),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP2_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP3),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP3_HIGH),
	VMCSCTL_FIELD(EPTP_LIST_ADDRESS),
	VMCSCTL_FIELD(EPTP_LIST_ADDRESS_HIGH),
	VMCSCTL_FIELD(VMREAD_BITMAP),
	VMCSCTL_FIELD(VMREAD_BITMAP_HIGH),
	VMCSCTL_FIELD(VMWRITE_BITMAP),
	VMCSCTL_FIELD(VMWRITE_BITMAP_HIGH),
	VMCSCTL_FIELD(VE_INFORMATION_ADDRESS),
	VMCSCTL_FIELD(VE_INFORMATION_ADDRESS_HIGH),
	VMCSCTL_FIELD(XSS_EXIT_BITMAP),
	VMCSCTL_FIELD(XSS_EXIT_BITMAP_HIGH),
	VMCSCTL_FIELD(ENCLS_EXITING_BITMAP),
	VMCSCTL_FIELD(ENCLS_EXITING_BITMAP_HIGH),
	VMCSCTL_FIELD(TSC_MULTIPLIER),
	VMCSCTL_FIELD(TSC_MULTIPLIER_HIGH),
	VMCSCTL_FIELD(TERTIARY_VM_EXEC_CONTROL),
	VMCSCTL_FIELD(TERTIARY_VM_EXEC_CONTROL_HIGH),
	VMCSCTL_FIELD(PID_POINTER_TABLE),
	VMCSCTL_FIELD(PID_POINTER_TABLE_HIGH),
	VMCSCTL_FIELD(GUEST_PHYSICAL_ADDRESS),
	VMCSCTL_FIELD(GUEST_PHYSICAL_ADDRESS_HIGH),
	VMCSCTL_FIELD(VMCS_LINK_POINTER),
	VMCSCTL_FIELD(VMCS_LINK_POINTER_HIGH),
	VMCSCTL_FIELD(GUEST_IA32_DEBUGCTL),
	VMCSCTL_FIELD(GUEST_IA32_DEBUGCTL_HIGH),
	VMCSCTL_FIELD(GUEST_IA32_PAT),
	VMCSCTL_FIELD(GUEST_IA32_PAT_HIGH),
	VMCSCTL_FIELD(GUEST_IA32_EFER),
	VMCSCTL_FIELD(GUEST_IA32_EFER_HIGH),
	VMCSCTL_FIELD(GUEST_IA32_PERF_GLOBAL_CTRL),
	VMCSCTL_FIELD(GUEST_IA32_PERF_GLOBAL_CTRL_HIGH),
	VMCSCTL_FIELD(GUEST_PDPTR0),
	VMCSCTL_FIELD(GUEST_PDPTR0_HIGH),
	VMCSCTL_FIELD(GUEST_PDPTR1),
	VMCSCTL_FIELD(GUEST_PDPTR1_HIGH),
	VMCSCTL_FIELD(GUEST_PDPTR2),
	VMCSCTL_FIELD(GUEST_PDPTR2_HIGH),
	VMCSCTL_FIELD(GUEST_PDPTR3),
	VMCSCTL_FIELD(GUEST_PDPTR3_HIGH),
	VMCSCTL_FIELD(GUEST_BNDCFGS),
	VMCSCTL_FIELD(GUEST_BNDCFGS_HIGH),
	VMCSCTL_FIELD(GUEST_IA32_RTIT_CTL),
	VMCSCTL_FIELD(GUEST_IA32_RTIT_CTL_HIGH),
	VMCSCTL_FIELD(HOST_IA32_PAT),
	VMCSCTL_FIELD(HOST_IA32_PAT_HIGH),
	VMCSCTL_FIELD(HOST_IA32_EFER),
	VMCSCTL_FIELD(HOST_IA32_EFER_HIGH),
	VMCSCTL_FIELD(HOST_IA32_PERF_GLOBAL_CTRL),
	VMCSCTL_FIELD(HOST_IA32_PERF_GLOBAL_CTRL_HIGH),
	VMCSCTL_FIELD(PIN_BASED_VM_EXEC_CONTROL),
	VMCSCTL_FIELD(CPU_BASED_VM_EXEC_CONTROL),
	VMCSCTL_FIELD(EXCEPTION_BITMAP),
	VMCSCTL_FIELD(PAGE_FAULT_ERROR_CODE_MASK),
	VMCSCTL_FIELD(PAGE_FAULT_ERROR_CODE_MATCH),
	VMCSCTL_FIELD(CR3_TARGET_COUNT),
	VMCSCTL_FIELD(VM_EXIT_CONTROLS),
	VMCSCTL_FIELD(VM_EXIT_MSR_STORE_COUNT),
	VMCSCTL_FIELD(VM_EXIT_MSR_LOAD_COUNT),
	VMCSCTL_FIELD(VM_ENTRY_CONTROLS),
	VMCSCTL_FIELD(VM_ENTRY_MSR_LOAD_COUNT),
	VMCSCTL_FIELD(VM_ENTRY_INTR_INFO_FIELD),
	VMCSCTL_FIELD(VM_ENTRY_EXCEPTION_ERROR_CODE),
	VMCSCTL_FIELD(VM_ENTRY_INSTRUCTION_LEN),
	VMCSCTL_FIELD(TPR_THRESHOLD),
	VMCSCTL_FIELD(SECONDARY_VM_EXEC_CONTROL),
	VMCSCTL_FIELD(PLE_GAP),
	VMCSCTL_FIELD(PLE_WINDOW),
	VMCSCTL_FIELD(NOTIFY_WINDOW),
	VMCSCTL_FIELD(VM_INSTRUCTION_ERROR),
	VMCSCTL_FIELD(VM_EXIT_REASON),
	VMCSCTL_FIELD(VM_EXIT_INTR_INFO),
	VMCSCTL_FIELD(VM_EXIT_INTR_ERROR_CODE),
	VMCSCTL_FIELD(IDT_VECTORING_INFO_FIELD),
	VMCSCTL_FIELD(IDT_VECTORING_ERROR_CODE),
	VMCSCTL_FIELD(VM_EXIT_INSTRUCTION_LEN),
	VMCSCTL_FIELD(VMX_INSTRUCTION_INFO),
	VMCSCTL_FIELD(GUEST_ES_LIMIT),
	VMCSCTL_FIELD(GUEST_CS_LIMIT),
	VMCSCTL_FIELD(GUEST_SS_LIMIT),
	VMCSCTL_FIELD(GUEST_DS_LIMIT),
	VMCSCTL_FIELD(GUEST_FS_LIMIT),
	VMCSCTL_FIELD(GUEST_GS_LIMIT),
	VMCSCTL_FIELD(GUEST_LDTR_LIMIT),
	VMCSCTL_FIELD(GUEST_TR_LIMIT),
	VMCSCTL_FIELD(GUEST_GDTR_LIMIT),
	VMCSCTL_FIELD(GUEST_IDTR_LIMIT),
	VMCSCTL_FIELD(GUEST_ES_AR_BYTES),
	VMCSCTL_FIELD(GUEST_CS_AR_BYTES),
	VMCSCTL_FIELD(GUEST_SS_AR_BYTES),
	VMCSCTL_FIELD(GUEST_DS_AR_BYTES),
	VMCSCTL_FIELD(GUEST_FS_AR_BYTES),
	VMCSCTL_FIELD(GUEST_GS_AR_BYTES),
	VMCSCTL_FIELD(GUEST_LDTR_AR_BYTES),
	VMCSCTL_FIELD(GUEST_TR_AR_BYTES),
	VMCSCTL_FIELD(GUEST_INTERRUPTIBILITY_INFO),
	VMCSCTL_FIELD(GUEST_ACTIVITY_STATE),
	VMCSCTL_FIELD(GUEST_SYSENTER_CS),
	VMCSCTL_FIELD(VMX_PREEMPTION_TIMER_VALUE),
	VMCSCTL_FIELD(HOST_IA32_SYSENTER_CS),
	VMCSCTL_FIELD(CR0_GUEST_HOST_MASK),
	VMCSCTL_FIELD(CR4_GUEST_HOST_MASK),
	VMCSCTL_FIELD(CR0_READ_SHADOW),
	VMCSCTL_FIELD(CR4_READ_SHADOW),
	VMCSCTL_FIELD(CR3_TARGET_VALUE0),
	VMCSCTL_FIELD(CR3_TARGET_VALUE1),
	VMCSCTL_FIELD(CR3_TARGET_VALUE2),
	VMCSCTL_FIELD(CR3_TARGET_VALUE3),
	VMCSCTL_FIELD(EXIT_QUALIFICATION),
	VMCSCTL_FIELD(GUEST_LINEAR_ADDRESS),
	VMCSCTL_FIELD(GUEST_CR0),
	VMCSCTL_FIELD(GUEST_CR3),
	VMCSCTL_FIELD(GUEST_CR4),
	VMCSCTL_FIELD(GUEST_ES_BASE),
	VMCSCTL_FIELD(GUEST_CS_BASE),
	VMCSCTL_FIELD(GUEST_SS_BASE),
	VMCSCTL_FIELD(GUEST_DS_BASE),
	VMCSCTL_FIELD(GUEST_FS_BASE),
	VMCSCTL_FIELD(GUEST_GS_BASE),
	VMCSCTL_FIELD(GUEST_LDTR_BASE),
	VMCSCTL_FIELD(GUEST_TR_BASE),
	VMCSCTL_FIELD(GUEST_GDTR_BASE),
	VMCSCTL_FIELD(GUEST_IDTR_BASE),
	VMCSCTL_FIELD(GUEST_DR7),
	VMCSCTL_FIELD(GUEST_RSP),
	VMCSCTL_FIELD(GUEST_RIP),
	VMCSCTL_FIELD(GUEST_RFLAGS),
	VMCSCTL_FIELD(GUEST_PENDING_DBG_EXCEPTIONS),
	VMCSCTL_FIELD(GUEST_SYSENTER_ESP),
	VMCSCTL_FIELD(GUEST_SYSENTER_EIP),
	VMCSCTL_FIELD(HOST_CR0),
	VMCSCTL_FIELD(HOST_CR3),
	VMCSCTL_FIELD(HOST_CR4),
	VMCSCTL_FIELD(HOST_FS_BASE),
	VMCSCTL_FIELD(HOST_GS_BASE),
	VMCSCTL_FIELD(HOST_TR_BASE),
	VMCSCTL_FIELD(HOST_GDTR_BASE),
	VMCSCTL_FIELD(HOST_IDTR_BASE),
	VMCSCTL_FIELD(HOST_IA32_SYSENTER_ESP),
	VMCSCTL_FIELD(HOST_IA32_SYSENTER_EIP),
	VMCSCTL_FIELD(HOST_RSP),
	VMCSCTL_FIELD(HOST_RIP),
};

static struct attribute *vmcsctl_field_attrs[ARRAY_SIZE(vmcsctl_fields) + 1];
static DECLARE_BITMAP(vmcsctl_supported, ARRAY_SIZE(vmcsctl_fields));
static bool vmcsctl_probed;

/* Fields this CPU does not implement have no file. */
static umode_t vmcsctl_field_visible(struct kobject *kobj, struct attribute *attr, int i)
{
	return test_bit(i, vmcsctl_supported) ? attr->mode : 0;
}

static const struct attribute_group vmcsctl_field_group = {
	.attrs = vmcsctl_field_attrs,
	.is_visible = vmcsctl_field_visible,
};

static ssize_t vcpu_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_vmcsctl_dir(kobj)->vcpu->vcpu_id);
}

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_vmcsctl_dir(kobj)->tgid);
}

static ssize_t cpu_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(vmcsctl_dir_vmcs(to_vmcsctl_dir(kobj))->cpu));
}

/* The VMCS header lives in memory, not in the CPU's VMCS cache. */
static ssize_t revision_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct vmcs *vmcs = vmcsctl_dir_vmcs(to_vmcsctl_dir(kobj))->vmcs;

	return sysfs_emit(buf, "0x%08x\n", vmcs->hdr.revision_id);
}

static ssize_t abort_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct vmcs *vmcs = vmcsctl_dir_vmcs(to_vmcsctl_dir(kobj))->vmcs;

	return sysfs_emit(buf, "0x%08x\n", READ_ONCE(vmcs->abort));
}

static struct kobj_attribute vmcsctl_attr_vcpu_id = __ATTR_RO_MODE(vcpu_id, 0400);
static struct kobj_attribute vmcsctl_attr_pid = __ATTR_RO_MODE(pid, 0400);
static struct kobj_attribute vmcsctl_attr_cpu = __ATTR_RO_MODE(cpu, 0400);
static struct kobj_attribute vmcsctl_attr_revision_id = __ATTR_RO_MODE(revision_id, 0400);
static struct kobj_attribute vmcsctl_attr_abort = __ATTR_RO_MODE(abort, 0400);

static struct attribute *vmcsctl_info_attrs[] = {
	&vmcsctl_attr_vcpu_id.attr,
	&vmcsctl_attr_pid.attr,
	&vmcsctl_attr_cpu.attr,
	&vmcsctl_attr_revision_id.attr,
	&vmcsctl_attr_abort.attr,
	NULL,
};

static const struct attribute_group vmcsctl_info_group = {
	.attrs = vmcsctl_info_attrs,
};

static const struct attribute_group *vmcsctl_groups[] = {
	&vmcsctl_info_group,
	&vmcsctl_field_group,
	NULL,
};

/* Directories whose release has not run yet: kvm_intel must outlive them. */
static atomic_t vmcsctl_nr_dirs = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vmcsctl_released);

static void vmcsctl_dir_release(struct kobject *kobj)
{
	kfree(to_vmcsctl_dir(kobj));
	if (atomic_dec_and_test(&vmcsctl_nr_dirs))
		wake_up(&vmcsctl_released);
}

static const struct kobj_type vmcsctl_ktype = {
	.release = vmcsctl_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = vmcsctl_groups,
};

static struct kset *vmcsctl_kset;
static DEFINE_MUTEX(vmcsctl_lock);	/* directory names, the field probe */

/*
 * Name the directory after the thread that created the vCPU, as QEMU's
 * "info cpus" thread_id: vmcs<TID>.  A thread that creates several vCPUs
 * gets vmcs<TID>.<N> for the others, N >= 1 the smallest free number.
 */
static int vmcsctl_dir_add(struct vmcsctl_dir *dir, pid_t tid)
{
	struct kobject *other;
	unsigned int n = 0;
	char name[32];

	lockdep_assert_held(&vmcsctl_lock);
	for (;; n++) {
		if (n)
			snprintf(name, sizeof(name), "vmcs%d.%u", tid, n);
		else
			snprintf(name, sizeof(name), "vmcs%d", tid);
		other = kset_find_obj(vmcsctl_kset, name);
		if (!other)
			break;
		kobject_put(other);
	}
	return kobject_add(&dir->kobj, NULL, "%s", name);
}

/**
 * vmcsctl_vcpu_postcreate() - publish a new vCPU's VMCS
 * @vcpu: the vCPU, fully created and reachable by userspace
 *
 * Called by the creating thread once the vCPU can no longer fail creation.
 * A vCPU that cannot be published (no memory) still works; it is only
 * missing from sysfs, which is logged.
 */
void vmcsctl_vcpu_postcreate(struct kvm_vcpu *vcpu)
{
	struct vmcsctl_dir *dir;
	int ret = 0;

	if (!vmcsctl_kset)
		return;
	dir = kzalloc(sizeof(*dir), GFP_KERNEL_ACCOUNT);
	if (!dir) {
		pr_warn_ratelimited("no memory to publish vCPU %u\n", vcpu->vcpu_id);
		return;
	}
	dir->vcpu = vcpu;
	dir->tgid = task_tgid_nr(current);
	dir->kobj.kset = vmcsctl_kset;
	kobject_init(&dir->kobj, &vmcsctl_ktype);
	atomic_inc(&vmcsctl_nr_dirs);

	mutex_lock(&vmcsctl_lock);
	if (!vmcsctl_probed) {
		/* A VM exists, so this CPU is in VMX operation. */
		ret = vmcsctl_probe_fields(vmcsctl_fields, ARRAY_SIZE(vmcsctl_fields),
					   vmcsctl_supported);
		vmcsctl_probed = !ret;
	}
	if (!ret)
		ret = vmcsctl_dir_add(dir, task_pid_nr(current));
	mutex_unlock(&vmcsctl_lock);

	if (ret) {
		pr_warn_ratelimited("vCPU %u not published: %d\n", vcpu->vcpu_id, ret);
		kobject_put(&dir->kobj);
		return;
	}
	to_vmx(vcpu)->vmcsctl = dir;
}

/**
 * vmcsctl_vm_pre_destroy() - unpublish every vCPU of a VM about to go away
 * @kvm: the VM, whose last reference is gone
 *
 * Runs before KVM loads the vCPUs one last time without vcpu->mutex.
 * kobject_del() waits for readers inside a show() to leave.
 */
void vmcsctl_vm_pre_destroy(struct kvm *kvm)
{
	struct vmcsctl_dir *dir;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		dir = to_vmx(vcpu)->vmcsctl;
		if (!dir)
			continue;
		to_vmx(vcpu)->vmcsctl = NULL;
		kobject_del(&dir->kobj);
		kobject_put(&dir->kobj);
	}
}

/**
 * vmcsctl_init() - create /sys/kernel/vmcsctl
 *
 * Called at kvm_intel load, before /dev/kvm exists.  vmcsctl stays off,
 * and kvm_intel loads, if the directory cannot be made or if KVM uses the
 * enlightened VMCS of Hyper-V, which is memory, not a VMCS the CPU loads.
 */
void vmcsctl_init(void)
{
	unsigned int i;

	if (kvm_is_using_evmcs()) {
		pr_info("off: enlightened VMCS in use\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(vmcsctl_fields); i++)
		vmcsctl_field_attrs[i] = &vmcsctl_fields[i].kattr.attr;
	vmcsctl_kset = kset_create_and_add("vmcsctl", NULL, kernel_kobj);
	if (!vmcsctl_kset)
		pr_warn("off: cannot create /sys/kernel/vmcsctl\n");
}

/**
 * vmcsctl_exit() - remove /sys/kernel/vmcsctl at kvm_intel unload
 *
 * No VM exists then, so the directory is empty, but the last reference to
 * a removed directory may still be held (e.g. by an open file): wait for
 * every release, whose code is in this module.
 */
void vmcsctl_exit(void)
{
	kset_unregister(vmcsctl_kset);
	vmcsctl_kset = NULL;
	wait_event(vmcsctl_released, !atomic_read(&vmcsctl_nr_dirs));
}
