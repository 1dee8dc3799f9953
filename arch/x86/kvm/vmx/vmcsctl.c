// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl: the VMCS of every KVM vCPU in sysfs, one root-only file per field.
 *
 *   /sys/kernel/vmcsctl/vmcs<TID>[.<N>]/<FIELD>
 *
 * A directory appears, from a work item, once its vCPU is fully created
 * and goes away before KVM starts tearing the VM down, so a reader never
 * sees a vCPU that is not there or a VMCS that KVM loads without holding
 * vcpu->mutex.  kvm_intel.vmcsctl shows or hides them all at run time.  The names of
 * the field files, their widths and types all come from one table of
 * enum vmcs_field.  See Documentation/virt/kvm/x86/vmcsctl.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": vmcsctl: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <asm/vmx.h>

#include "../cpuid.h"
#include "../x86.h"
#include "vmx.h"
#include "vmcsctl.h"

enum vmcsctl_kind {
	VMCSCTL_VMCS01,		/* the vCPU's directory */
	VMCSCTL_VMCS02,		/* vmcs02/, from L1's first VMXON on */
	VMCSCTL_SHADOW,		/* shadow/, vmcs01's shadow VMCS, likewise */
};

/*
 * A vCPU as vmcsctl knows it, from KVM_CREATE_VCPU to the VM's teardown,
 * shown or not: what its directories tell besides the VMCS, and the work
 * that adds and removes them.
 */
struct vmcsctl_vcpu {
	struct kvm_vcpu *vcpu;
	struct pid *owner;	/* process that created the vCPU */
	pid_t tid;		/* thread that created it, for the directory's name */
	u64 id;			/* never reused while the kernel runs */
	char vm[KVM_STATS_NAME_SIZE];	/* as KVM's debugfs names the VM */
	struct list_head node;	/* in vmcsctl_vcpus, under vmcsctl_lock */
	/*
	 * Only work, on the ordered vmcsctl_wq, adds and removes the
	 * directories (and the VM's teardown, once it is cancelled): the
	 * vCPU's while kvm_intel.vmcsctl is on, vmcs02/ and shadow/ with it
	 * once nested_wanted.  It runs after whatever queued it.
	 */
	struct work_struct work;
	struct vmcsctl_dir *dir;	/* vmcs<TID>[.<id>]/ */
	struct vmcsctl_dir *vmcs02;	/* its vmcs02/ */
	struct vmcsctl_dir *shadow;	/* its shadow/ */
	bool nested_wanted;	/* L1 entered VMX operation once; under vcpu->mutex */
	/*
	 * nested_live: L1 is in VMX operation, so vmcs02 and the shadow VMCS
	 * exist.  The nested hooks change it under vcpu->mutex and
	 * nested_lock; readers of vmcs02/ and shadow/ hold nested_lock, so
	 * KVM cannot free those VMCSs under them.
	 */
	struct mutex nested_lock;
	bool nested_live;
};

/* One directory per VMCS. */
struct vmcsctl_dir {
	struct kobject kobj;
	struct kvm_vcpu *vcpu;
	struct vmcsctl_vcpu *vc;	/* whose directory this is */
	enum vmcsctl_kind kind;
};

static inline struct vmcsctl_dir *to_vmcsctl_dir(struct kobject *kobj)
{
	return container_of(kobj, struct vmcsctl_dir, kobj);
}

/* The loaded_vmcs of a directory; a shadow VMCS is that of vmcs01. */
static struct loaded_vmcs *vmcsctl_dir_vmcs(struct vmcsctl_dir *dir)
{
	struct vcpu_vmx *vmx = to_vmx(dir->vcpu);

	return dir->kind == VMCSCTL_VMCS02 ? &vmx->nested.vmcs02 : &vmx->vmcs01;
}

static struct vmcs *vmcsctl_dir_region(struct vmcsctl_dir *dir)
{
	struct loaded_vmcs *lv = vmcsctl_dir_vmcs(dir);

	return dir->kind == VMCSCTL_SHADOW ? lv->shadow_vmcs : lv->vmcs;
}

/*
 * Start using the VMCS of @dir.  vmcs01 lives as long as the directory;
 * vmcs02 and the shadow VMCS only while L1 is in VMX operation, and KVM
 * frees them only after vmcsctl_nested_leave(), which waits for users.
 * Return: 0, to be paired with vmcsctl_dir_put(); -ENODATA if the VMCS
 * does not exist now.
 */
static int vmcsctl_dir_get(struct vmcsctl_dir *dir)
{
	if (dir->kind == VMCSCTL_VMCS01)
		return 0;
	mutex_lock(&dir->vc->nested_lock);
	if (dir->vc->nested_live && vmcsctl_dir_region(dir))
		return 0;
	mutex_unlock(&dir->vc->nested_lock);
	return -ENODATA;
}

static void vmcsctl_dir_put(struct vmcsctl_dir *dir)
{
	if (dir->kind != VMCSCTL_VMCS01)
		mutex_unlock(&dir->vc->nested_lock);
}

static int vmcsctl_dir_read(struct vmcsctl_dir *dir, const u32 *fields,
			    struct vmcsctl_dump_entry *out, unsigned int n)
{
	int ret = vmcsctl_dir_get(dir);

	if (ret)
		return ret;
	ret = vmcsctl_read(dir->vcpu, vmcsctl_dir_vmcs(dir), dir->kind == VMCSCTL_SHADOW,
			   fields, out, n);
	vmcsctl_dir_put(dir);
	return ret;
}

/*
 * Fields that give away the host: host state (kernel addresses: KASLR)
 * and host physical addresses of KVM's pages.  Without EPT, GUEST_CR3
 * holds the physical address of KVM's shadow page table.
 */
static bool vmcsctl_field_is_host(const struct vmcsctl_field *field)
{
	return field->host_pa || vmcsctl_field_type(field->encoding) == VMCSCTL_TYPE_HOST ||
	       (field->encoding == GUEST_CR3 && !enable_ept);
}

/*
 * Under lockdown=confidentiality nothing may reveal kernel addresses:
 * the same rule as for /proc/kcore, whose reason is used.
 */
static int vmcsctl_host_locked_down(void)
{
	return security_locked_down(LOCKDOWN_KCORE);
}

/**
 * vmcsctl_opener_may_ptrace() - may the opener of @file ptrace @task?
 * @file: an open file of vmcsctl
 * @task: the VMM's task
 * @mode: PTRACE_MODE_READ_FSCREDS or PTRACE_MODE_ATTACH_FSCREDS
 *
 * ptrace_may_access() decides for current; here it decides with the
 * credentials @file was opened with, as /proc/PID/mem does, so that the
 * task that happens to read or write the file neither adds nor removes
 * rights.
 *
 * Context: process context.
 * Return: true if the opener may.
 */
bool vmcsctl_opener_may_ptrace(struct file *file, struct task_struct *task, unsigned int mode)
{
	const struct cred *old = override_creds(file->f_cred);
	bool ok = ptrace_may_access(task, mode);

	revert_creds(old);
	return ok;
}

/**
 * vmcsctl_may_read() - may the opener of @file see the guest of @dir?
 * @file: an open file of @dir
 * @dir: a VMCS directory
 *
 * Every file of vmcsctl is binary in sysfs terms, so that its read() and
 * write() get the file and check the credentials it was opened with, as
 * /proc/PID/stack and /proc/PID/mem do, never those of the task that
 * happens to hold it: a file opened without the rights does not become
 * readable by passing it to a privileged process, and one opened with
 * them is a capability, as any file descriptor is.  The opener needs
 * CAP_SYS_ADMIN in the initial user namespace (the files show other users'
 * guests and, but for lockdown, kernel addresses) and the right to
 * ptrace-read the process that created the vCPU, whose guest state this
 * is: so vmcsctl shows nothing that the LSMs and Yama keep a root debugger
 * from reading.
 *
 * Context: process context, may sleep.
 * Return: 0; -EPERM if the opener lacked CAP_SYS_ADMIN; -EACCES if it may
 * not read the VMM; -ESRCH if the process that created the vCPU is gone.
 */
static int vmcsctl_may_read(struct file *file, struct vmcsctl_dir *dir)
{
	struct task_struct *task;
	bool ok;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	task = get_pid_task(dir->vc->owner, PIDTYPE_TGID);
	if (!task)
		return -ESRCH;
	ok = vmcsctl_opener_may_ptrace(file, task, PTRACE_MODE_READ_FSCREDS);
	put_task_struct(task);
	return ok ? 0 : -EACCES;
}

/*
 * A field file reads "0x" and the value in as many hex digits as the
 * field is wide, in one read(): a read at an offset inside that text
 * would take a new value and could tear, so it is refused (EINVAL).
 */
#define VMCSCTL_FIELD_TEXT_MAX	sizeof("0x0123456789abcdef\n")

/* "0x%0*llx\n" without vsnprintf(): a read is mostly syscall and sysfs already. */
static int vmcsctl_format_value(char *text, u64 value, unsigned int digits)
{
	unsigned int i;

	text[0] = '0';
	text[1] = 'x';
	for (i = 0; i < digits; i++)
		text[2 + i] = "0123456789abcdef"[(value >> (4 * (digits - 1 - i))) & 0xf];
	text[2 + digits] = '\n';
	return digits + 3;
}

static ssize_t vmcsctl_field_read(struct file *file, struct kobject *kobj,
				  const struct bin_attribute *attr, char *buf, loff_t off,
				  size_t count)
{
	const struct vmcsctl_field *field = container_of(attr, struct vmcsctl_field, battr);
	unsigned int digits = vmcsctl_field_bits(field->encoding) / 4;
	struct vmcsctl_dump_entry entry;
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	char text[VMCSCTL_FIELD_TEXT_MAX];
	int ret;

	if (off >= digits + 3)
		return 0;
	if (off)
		return -EINVAL;
	ret = vmcsctl_may_read(file, dir);
	if (ret)
		return ret;
	if (vmcsctl_field_is_host(field)) {
		ret = vmcsctl_host_locked_down();
		if (ret)
			return ret;
	}
	ret = vmcsctl_dir_read(dir, &field->encoding, &entry, 1);
	if (ret)
		return ret;
	ret = vmcsctl_format_value(text, entry.value, digits);
	return memory_read_from_buffer(buf, count, &off, text, ret);
}

/* A value in one write() at offset 0, as "echo 0x1000 > GUEST_RIP" does. */
static ssize_t vmcsctl_field_write(struct file *file, struct kobject *kobj,
				   const struct bin_attribute *attr, char *buf, loff_t off,
				   size_t count)
{
	const struct vmcsctl_field *field = container_of(attr, struct vmcsctl_field, battr);
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	char text[VMCSCTL_FIELD_TEXT_MAX + 8];
	int ret;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (dir->kind != VMCSCTL_VMCS01)
		return -EACCES;
	if (off || count >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, count);
	text[count] = '\0';
	ret = vmcsctl_write(file, dir->vcpu, dir->vc->owner, kobject_name(kobj), field, text);
	return ret ? ret : count;
}

/*
 * The guest state a write may change, beside the checks of SDM Vol. 3,
 * 28.3.1.2 and 28.3.1.5 that the CPU would otherwise fail VM entry on.
 * Documentation/virt/kvm/x86/vmcsctl.rst gives the reason for each field.
 */
static const struct vmcsctl_write_rule vmcsctl_any = {};
static const struct vmcsctl_write_rule vmcsctl_linear = { .canonical = true };
static const struct vmcsctl_write_rule vmcsctl_base32 = { .reserved = GENMASK_ULL(63, 32) };
static const struct vmcsctl_write_rule vmcsctl_limit16 = { .reserved = GENMASK_ULL(31, 16) };

static const struct vmcsctl_write_rule vmcsctl_ar_bytes = {
	.reserved = GENMASK_ULL(31, 17) | GENMASK_ULL(11, 8),
};

static const struct vmcsctl_write_rule vmcsctl_rflags = {
	.reserved = ~(u64)(X86_EFLAGS_CF | X86_EFLAGS_FIXED | X86_EFLAGS_PF |
			   X86_EFLAGS_AF | X86_EFLAGS_ZF | X86_EFLAGS_SF |
			   X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_DF |
			   X86_EFLAGS_OF | X86_EFLAGS_IOPL | X86_EFLAGS_NT |
			   X86_EFLAGS_RF | X86_EFLAGS_VM | X86_EFLAGS_AC |
			   X86_EFLAGS_VIF | X86_EFLAGS_VIP | X86_EFLAGS_ID),
	.fixed1 = X86_EFLAGS_FIXED,
};

/*
 * Blocking by STI, MOV SS and NMI, as KVM_SET_VCPU_EVENTS sets them; not
 * blocking by SMI (only in SMM) or enclave interruption.
 */
static const struct vmcsctl_write_rule vmcsctl_interruptibility = {
	.reserved = GENMASK_ULL(31, 4) | GUEST_INTR_STATE_SMI,
};

#define VMCSCTL_FIELD_ENTRY(f, rule, hpa) {				\
	.battr = {							\
		.attr = { .name = #f, .mode = 0400 },			\
		.read = vmcsctl_field_read,				\
		.write = vmcsctl_field_write,				\
	},								\
	.encoding = f,							\
	.write = rule,							\
	.host_pa = hpa,							\
}

#define VMCSCTL_FIELD(f)	VMCSCTL_FIELD_ENTRY(f, NULL, false)
/* Holds a host physical address (in vmcs01 and vmcs02). */
#define VMCSCTL_FIELD_HPA(f)	VMCSCTL_FIELD_ENTRY(f, NULL, true)
#define VMCSCTL_FIELD_RW(f, rule) VMCSCTL_FIELD_ENTRY(f, &vmcsctl_##rule, false)

/* Every entry of enum vmcs_field, in its order. */
static struct vmcsctl_field vmcsctl_fields[] = {
	VMCSCTL_FIELD(VIRTUAL_PROCESSOR_ID),
	VMCSCTL_FIELD(POSTED_INTR_NV),
	VMCSCTL_FIELD(LAST_PID_POINTER_INDEX),
	VMCSCTL_FIELD_RW(GUEST_ES_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_CS_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_SS_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_DS_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_FS_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_GS_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_LDTR_SELECTOR, any),
	VMCSCTL_FIELD_RW(GUEST_TR_SELECTOR, any),
	VMCSCTL_FIELD(GUEST_INTR_STATUS),
	VMCSCTL_FIELD(GUEST_PML_INDEX),
	VMCSCTL_FIELD(HOST_ES_SELECTOR),
	VMCSCTL_FIELD(HOST_CS_SELECTOR),
	VMCSCTL_FIELD(HOST_SS_SELECTOR),
	VMCSCTL_FIELD(HOST_DS_SELECTOR),
	VMCSCTL_FIELD(HOST_FS_SELECTOR),
	VMCSCTL_FIELD(HOST_GS_SELECTOR),
	VMCSCTL_FIELD(HOST_TR_SELECTOR),
	VMCSCTL_FIELD_HPA(IO_BITMAP_A),
	VMCSCTL_FIELD_HPA(IO_BITMAP_A_HIGH),
	VMCSCTL_FIELD_HPA(IO_BITMAP_B),
	VMCSCTL_FIELD_HPA(IO_BITMAP_B_HIGH),
	VMCSCTL_FIELD_HPA(MSR_BITMAP),
	VMCSCTL_FIELD_HPA(MSR_BITMAP_HIGH),
	VMCSCTL_FIELD_HPA(VM_EXIT_MSR_STORE_ADDR),
	VMCSCTL_FIELD_HPA(VM_EXIT_MSR_STORE_ADDR_HIGH),
	VMCSCTL_FIELD_HPA(VM_EXIT_MSR_LOAD_ADDR),
	VMCSCTL_FIELD_HPA(VM_EXIT_MSR_LOAD_ADDR_HIGH),
	VMCSCTL_FIELD_HPA(VM_ENTRY_MSR_LOAD_ADDR),
	VMCSCTL_FIELD_HPA(VM_ENTRY_MSR_LOAD_ADDR_HIGH),
	VMCSCTL_FIELD_HPA(PML_ADDRESS),
	VMCSCTL_FIELD_HPA(PML_ADDRESS_HIGH),
	VMCSCTL_FIELD(TSC_OFFSET),
	VMCSCTL_FIELD(TSC_OFFSET_HIGH),
	VMCSCTL_FIELD_HPA(VIRTUAL_APIC_PAGE_ADDR),
	VMCSCTL_FIELD_HPA(VIRTUAL_APIC_PAGE_ADDR_HIGH),
	VMCSCTL_FIELD_HPA(APIC_ACCESS_ADDR),
	VMCSCTL_FIELD_HPA(APIC_ACCESS_ADDR_HIGH),
	VMCSCTL_FIELD_HPA(POSTED_INTR_DESC_ADDR),
	VMCSCTL_FIELD_HPA(POSTED_INTR_DESC_ADDR_HIGH),
	VMCSCTL_FIELD(VM_FUNCTION_CONTROL),
	VMCSCTL_FIELD(VM_FUNCTION_CONTROL_HIGH),
	VMCSCTL_FIELD_HPA(EPT_POINTER),
	VMCSCTL_FIELD_HPA(EPT_POINTER_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP0),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP0_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP1),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP1_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP2),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP2_HIGH),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP3),
	VMCSCTL_FIELD(EOI_EXIT_BITMAP3_HIGH),
	VMCSCTL_FIELD_HPA(EPTP_LIST_ADDRESS),
	VMCSCTL_FIELD_HPA(EPTP_LIST_ADDRESS_HIGH),
	VMCSCTL_FIELD_HPA(VMREAD_BITMAP),
	VMCSCTL_FIELD_HPA(VMREAD_BITMAP_HIGH),
	VMCSCTL_FIELD_HPA(VMWRITE_BITMAP),
	VMCSCTL_FIELD_HPA(VMWRITE_BITMAP_HIGH),
	VMCSCTL_FIELD_HPA(VE_INFORMATION_ADDRESS),
	VMCSCTL_FIELD_HPA(VE_INFORMATION_ADDRESS_HIGH),
	VMCSCTL_FIELD(XSS_EXIT_BITMAP),
	VMCSCTL_FIELD(XSS_EXIT_BITMAP_HIGH),
	VMCSCTL_FIELD(ENCLS_EXITING_BITMAP),
	VMCSCTL_FIELD(ENCLS_EXITING_BITMAP_HIGH),
	VMCSCTL_FIELD(TSC_MULTIPLIER),
	VMCSCTL_FIELD(TSC_MULTIPLIER_HIGH),
	VMCSCTL_FIELD(TERTIARY_VM_EXEC_CONTROL),
	VMCSCTL_FIELD(TERTIARY_VM_EXEC_CONTROL_HIGH),
	VMCSCTL_FIELD_HPA(SHARED_EPT_POINTER),
	VMCSCTL_FIELD_HPA(PID_POINTER_TABLE),
	VMCSCTL_FIELD_HPA(PID_POINTER_TABLE_HIGH),
	VMCSCTL_FIELD(GUEST_PHYSICAL_ADDRESS),
	VMCSCTL_FIELD(GUEST_PHYSICAL_ADDRESS_HIGH),
	VMCSCTL_FIELD_HPA(VMCS_LINK_POINTER),
	VMCSCTL_FIELD_HPA(VMCS_LINK_POINTER_HIGH),
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
	VMCSCTL_FIELD_RW(GUEST_ES_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_CS_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_SS_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_DS_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_FS_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_GS_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_LDTR_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_TR_LIMIT, any),
	VMCSCTL_FIELD_RW(GUEST_GDTR_LIMIT, limit16),
	VMCSCTL_FIELD_RW(GUEST_IDTR_LIMIT, limit16),
	VMCSCTL_FIELD_RW(GUEST_ES_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_CS_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_SS_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_DS_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_FS_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_GS_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_LDTR_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_TR_AR_BYTES, ar_bytes),
	VMCSCTL_FIELD_RW(GUEST_INTERRUPTIBILITY_INFO, interruptibility),
	VMCSCTL_FIELD(GUEST_ACTIVITY_STATE),
	VMCSCTL_FIELD_RW(GUEST_SYSENTER_CS, any),
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
	VMCSCTL_FIELD_RW(GUEST_ES_BASE, base32),
	VMCSCTL_FIELD_RW(GUEST_CS_BASE, base32),
	VMCSCTL_FIELD_RW(GUEST_SS_BASE, base32),
	VMCSCTL_FIELD_RW(GUEST_DS_BASE, base32),
	VMCSCTL_FIELD_RW(GUEST_FS_BASE, linear),
	VMCSCTL_FIELD_RW(GUEST_GS_BASE, linear),
	VMCSCTL_FIELD_RW(GUEST_LDTR_BASE, linear),
	VMCSCTL_FIELD_RW(GUEST_TR_BASE, linear),
	VMCSCTL_FIELD_RW(GUEST_GDTR_BASE, linear),
	VMCSCTL_FIELD_RW(GUEST_IDTR_BASE, linear),
	VMCSCTL_FIELD(GUEST_DR7),
	VMCSCTL_FIELD_RW(GUEST_RSP, any),
	VMCSCTL_FIELD_RW(GUEST_RIP, linear),
	VMCSCTL_FIELD_RW(GUEST_RFLAGS, rflags),
	VMCSCTL_FIELD(GUEST_PENDING_DBG_EXCEPTIONS),
	VMCSCTL_FIELD_RW(GUEST_SYSENTER_ESP, linear),
	VMCSCTL_FIELD_RW(GUEST_SYSENTER_EIP, linear),
	VMCSCTL_FIELD(GUEST_S_CET),
	VMCSCTL_FIELD(GUEST_SSP),
	VMCSCTL_FIELD(GUEST_INTR_SSP_TABLE),
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
	VMCSCTL_FIELD(HOST_S_CET),
	VMCSCTL_FIELD(HOST_SSP),
	VMCSCTL_FIELD(HOST_INTR_SSP_TABLE),
};

static const struct bin_attribute *vmcsctl_field_attrs[ARRAY_SIZE(vmcsctl_fields) + 1];
/* The fields file: what each record of a dump file is (include/uapi/linux/vmcsctl.h). */
static struct vmcsctl_field_info vmcsctl_field_infos[ARRAY_SIZE(vmcsctl_fields)];
static DECLARE_BITMAP(vmcsctl_supported, ARRAY_SIZE(vmcsctl_fields));
static bool vmcsctl_probed;

/*
 * Fields this CPU does not implement have no file.  With writes enabled,
 * root may write the fields of vmcs01 that have a write rule.
 */
static umode_t vmcsctl_field_visible(struct kobject *kobj, const struct bin_attribute *attr,
				     int i)
{
	if (!test_bit(i, vmcsctl_supported))
		return 0;
	if (vmcsctl_fields[i].write && vmcsctl_writes_enabled() &&
	    to_vmcsctl_dir(kobj)->kind == VMCSCTL_VMCS01)
		return 0600;
	return attr->attr.mode;
}

static const struct attribute_group vmcsctl_field_group = {
	.bin_attrs = vmcsctl_field_attrs,
	.is_bin_visible = vmcsctl_field_visible,
};

/*
 * The info files: a short text each, made by a show function into a
 * buffer of VMCSCTL_INFO_MAX bytes and served by one read function that
 * checks the opener first.
 */
#define VMCSCTL_INFO_MAX	64

struct vmcsctl_info {
	const struct bin_attribute battr;
	int (*show)(struct vmcsctl_dir *dir, char *buf);
};

static int vcpu_id_show(struct vmcsctl_dir *dir, char *buf)
{
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%u\n", dir->vcpu->vcpu_id);
}

static int pid_show(struct vmcsctl_dir *dir, char *buf)
{
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%d\n", pid_nr(dir->vc->owner));
}

/* The thread that ran the vCPU last (KVM_RUN), 0 before its first run. */
static int tid_show(struct vmcsctl_dir *dir, char *buf)
{
	struct kvm_vcpu *vcpu = dir->vcpu;
	pid_t tid;

	/* KVM_RUN replaces and puts vcpu->pid under pid_lock, not RCU. */
	read_lock(&vcpu->pid_lock);
	tid = pid_nr(vcpu->pid);
	read_unlock(&vcpu->pid_lock);
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%d\n", tid);
}

static int vm_show(struct vmcsctl_dir *dir, char *buf)
{
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%s\n", dir->vc->vm);
}

static int id_show(struct vmcsctl_dir *dir, char *buf)
{
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%llu\n", dir->vc->id);
}

static int cpu_show(struct vmcsctl_dir *dir, char *buf)
{
	int ret = vmcsctl_dir_get(dir);

	if (ret)
		return ret;
	ret = scnprintf(buf, VMCSCTL_INFO_MAX, "%d\n", READ_ONCE(vmcsctl_dir_vmcs(dir)->cpu));
	vmcsctl_dir_put(dir);
	return ret;
}

/*
 * The VMCS header lives in memory, not in the CPU's VMCS cache.  Bit 31 of
 * a shadow VMCS's revision_id is the shadow-VMCS indicator.
 */
static int revision_id_show(struct vmcsctl_dir *dir, char *buf)
{
	struct vmcs *vmcs;
	int ret = vmcsctl_dir_get(dir);

	if (ret)
		return ret;
	vmcs = vmcsctl_dir_region(dir);
	ret = scnprintf(buf, VMCSCTL_INFO_MAX, "0x%08x\n",
			vmcs->hdr.revision_id | (u32)vmcs->hdr.shadow_vmcs << 31);
	vmcsctl_dir_put(dir);
	return ret;
}

static int abort_show(struct vmcsctl_dir *dir, char *buf)
{
	int ret = vmcsctl_dir_get(dir);

	if (ret)
		return ret;
	ret = scnprintf(buf, VMCSCTL_INFO_MAX, "0x%08x\n",
			READ_ONCE(vmcsctl_dir_region(dir)->abort));
	vmcsctl_dir_put(dir);
	return ret;
}

/* Which VMCS the vCPU uses now, and whether it runs L2: a snapshot. */
static int current_vmcs_show(struct vmcsctl_dir *dir, char *buf)
{
	struct vcpu_vmx *vmx = to_vmx(dir->vcpu);

	return scnprintf(buf, VMCSCTL_INFO_MAX, "%s\n",
			 READ_ONCE(vmx->loaded_vmcs) == &vmx->vmcs01 ? "vmcs01" : "vmcs02");
}

static int guest_mode_show(struct vmcsctl_dir *dir, char *buf)
{
	return scnprintf(buf, VMCSCTL_INFO_MAX, "%d\n", is_guest_mode(dir->vcpu));
}

static ssize_t vmcsctl_info_read(struct file *file, struct kobject *kobj,
				 const struct bin_attribute *attr, char *buf, loff_t off,
				 size_t count)
{
	const struct vmcsctl_info *info = container_of(attr, struct vmcsctl_info, battr);
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	char text[VMCSCTL_INFO_MAX];
	int ret;

	ret = vmcsctl_may_read(file, dir);
	if (ret)
		return ret;
	ret = info->show(dir, text);
	if (ret < 0)
		return ret;
	return memory_read_from_buffer(buf, count, &off, text, ret);
}

#define VMCSCTL_INFO(_name, _file)					\
static const struct vmcsctl_info vmcsctl_info_##_name = {		\
	.battr = {							\
		.attr = { .name = _file, .mode = 0400 },		\
		.read = vmcsctl_info_read,				\
	},								\
	.show = _name##_show,						\
}

VMCSCTL_INFO(vcpu_id, "vcpu_id");
VMCSCTL_INFO(pid, "pid");
VMCSCTL_INFO(tid, "tid");
VMCSCTL_INFO(vm, "vm");
VMCSCTL_INFO(id, "id");
VMCSCTL_INFO(cpu, "cpu");
VMCSCTL_INFO(revision_id, "revision_id");
VMCSCTL_INFO(abort, "abort");
VMCSCTL_INFO(current_vmcs, "current");
VMCSCTL_INFO(guest_mode, "guest_mode");

/*
 * The fields of a dump in table order: one list of every field shown and
 * one without those that give away the host, for lockdown=confidentiality.
 * Made when the fields are probed, before the first directory is added;
 * the same for every directory.
 */
struct vmcsctl_dump_list {
	unsigned int n;
	u32 fields[ARRAY_SIZE(vmcsctl_fields)];
};

static struct vmcsctl_dump_list vmcsctl_dump_all, vmcsctl_dump_guest;

static void vmcsctl_dump_lists_init(void)
{
	const struct vmcsctl_field *field;
	unsigned int i;

	/* A dump is one read() into sysfs' buffer of a page. */
	BUILD_BUG_ON(ARRAY_SIZE(vmcsctl_fields) * sizeof(struct vmcsctl_dump_entry) > PAGE_SIZE);
	for_each_set_bit(i, vmcsctl_supported, ARRAY_SIZE(vmcsctl_fields)) {
		field = &vmcsctl_fields[i];
		vmcsctl_dump_all.fields[vmcsctl_dump_all.n++] = field->encoding;
		if (!vmcsctl_field_is_host(field))
			vmcsctl_dump_guest.fields[vmcsctl_dump_guest.n++] = field->encoding;
	}
}

/*
 * Every field of the directory, read in one IPI so that the values belong
 * to the same moment, as an array of struct vmcsctl_dump_entry in table
 * order.  It fits in one page and is read in one read() at offset 0,
 * which takes the snapshot; a read at an offset inside it would take
 * another and could tear, so it is refused (EINVAL), and a read at or
 * past its end reads nothing and takes none.  The opener's rights are
 * checked as for every file (vmcsctl_may_read()); under
 * lockdown=confidentiality the fields that give away the host are left
 * out.  A read() of the whole dump gets its records made in sysfs'
 * buffer, by the CPU that VMREADs them; a shorter one takes the whole
 * dump into memory of its own and gets its start.
 */
static ssize_t vmcsctl_dump_read(struct file *file, struct kobject *kobj,
				 const struct bin_attribute *attr, char *buf, loff_t off,
				 size_t count)
{
	struct vmcsctl_dump_entry *entries = (struct vmcsctl_dump_entry *)buf;
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	const struct vmcsctl_dump_list *list;
	size_t len;
	int ret;

	/* cat's second read, at the end of the longer list: nothing to check. */
	if (off >= vmcsctl_dump_all.n * sizeof(*entries))
		return 0;
	ret = vmcsctl_may_read(file, dir);
	if (ret)
		return ret;
	list = vmcsctl_host_locked_down() ? &vmcsctl_dump_guest : &vmcsctl_dump_all;
	len = list->n * sizeof(*entries);
	if (off >= len)
		return 0;
	if (off)
		return -EINVAL;
	if (count < len) {
		entries = kmalloc(len, GFP_KERNEL);
		if (!entries)
			return -ENOMEM;
	}
	ret = vmcsctl_dir_read(dir, list->fields, entries, list->n);
	if (entries == (struct vmcsctl_dump_entry *)buf)
		return ret ?: len;
	if (!ret)
		ret = memory_read_from_buffer(buf, count, &off, entries, len);
	kfree(entries);
	return ret;
}

static BIN_ATTR(dump, 0400, vmcsctl_dump_read, NULL, 0);

/* The next_entry file's contents. */
struct vmcsctl_next {
	struct vmcsctl_next_entry head;
	struct vmcsctl_dump_entry records[VMCSCTL_NEXT_MAX_RECORDS];
};

static void vmcsctl_next_add(struct vmcsctl_next *next, u32 encoding, u64 value)
{
	struct vmcsctl_dump_entry *e = &next->records[next->head.nr_records++];

	e->encoding = encoding;
	e->value = value;
}

/*
 * What KVM will change at the next VM entry of a stopped vCPU, which
 * holds vcpu->mutex: the registers it caches and writes to the VMCS only
 * then if dirty (vmx_vcpu_run(), vmx_load_mmu_pgd() and
 * vmx_ept_load_pdptrs()), a completion of an exit to userspace that runs
 * first, and an event of its own that it may inject.  A dirty register is
 * always also available, so its cached value is read without a VMREAD.
 * Nothing here touches the VMCS or the local APIC: an interrupt the APIC
 * or PIC holds is left out, as KVM injects one only when the guest can
 * take it (RFLAGS.IF set, no STI or MOV-SS blocking), which is what the
 * SDM's checks of an injected external interrupt ask.
 */
static void vmcsctl_next_fill(struct kvm_vcpu *vcpu, struct vmcsctl_next *next)
{
	unsigned int i;

	if (is_guest_mode(vcpu))
		next->head.flags |= VMCSCTL_NEXT_L2;
	if (vcpu->arch.complete_userspace_io)
		next->head.flags |= VMCSCTL_NEXT_COMPLETION;
	if (kvm_event_needs_reinjection(vcpu) || vcpu->arch.exception.pending ||
	    vcpu->arch.nmi_pending || atomic_read(&vcpu->arch.nmi_queued))
		next->head.flags |= VMCSCTL_NEXT_EVENT;

	if (kvm_register_is_dirty(vcpu, VCPU_REG_RIP))
		vmcsctl_next_add(next, GUEST_RIP, vcpu->arch.rip);
	if (kvm_register_is_dirty(vcpu, VCPU_REGS_RSP))
		vmcsctl_next_add(next, GUEST_RSP, vcpu->arch.regs[VCPU_REGS_RSP]);
	if (!enable_ept)
		return;
	if (kvm_register_is_dirty(vcpu, VCPU_REG_CR3) &&
	    (enable_unrestricted_guest || is_paging(vcpu)))
		vmcsctl_next_add(next, GUEST_CR3, vcpu->arch.cr3);
	if (kvm_register_is_dirty(vcpu, VCPU_REG_PDPTR) && is_pae_paging(vcpu))
		for (i = 0; i < 4; i++)
			vmcsctl_next_add(next, GUEST_PDPTR0 + 2 * i, vcpu->arch.pdptrs[i]);
}

/*
 * A vCPU directory's next_entry: struct vmcsctl_next_entry and its
 * records, for a vCPU stopped in userspace (-EBUSY while it is inside
 * KVM_RUN or another ioctl, whose next entry is being decided).  One
 * read() at offset 0 takes the snapshot and must take all of it (-EINVAL
 * for a buffer smaller than the largest); a read at an offset reads
 * nothing, so cat's second read() ends the file.
 */
static ssize_t vmcsctl_next_entry_read(struct file *file, struct kobject *kobj,
				       const struct bin_attribute *attr, char *buf, loff_t off,
				       size_t count)
{
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	struct kvm_vcpu *vcpu = dir->vcpu;
	struct vmcsctl_next next = {};
	int ret;

	if (off)
		return 0;
	if (count < sizeof(next))
		return -EINVAL;
	ret = vmcsctl_may_read(file, dir);
	if (ret)
		return ret;
	if (!mutex_trylock(&vcpu->mutex))
		return -EBUSY;
	vmcsctl_next_fill(vcpu, &next);
	mutex_unlock(&vcpu->mutex);
	return memory_read_from_buffer(buf, count, &off, &next,
				       sizeof(next.head) +
				       next.head.nr_records * sizeof(next.records[0]));
}

static BIN_ATTR(next_entry, 0400, vmcsctl_next_entry_read, NULL, 0);

/*
 * Every field this kernel knows, whether or not the CPU has it, as an
 * array of struct vmcsctl_field_info in table order: tools name the
 * records of a dump file with it, including fields newer than they are.
 */
static ssize_t vmcsctl_fields_read(struct file *file, struct kobject *kobj,
				   const struct bin_attribute *attr, char *buf, loff_t off,
				   size_t count)
{
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	return memory_read_from_buffer(buf, count, &off, vmcsctl_field_infos,
				       sizeof(vmcsctl_field_infos));
}

static BIN_ATTR(fields, 0400, vmcsctl_fields_read, NULL, sizeof(vmcsctl_field_infos));

/* Width, type and flags follow from the table, as for the field files. */
static void vmcsctl_describe_fields(void)
{
	const struct vmcsctl_field *field;
	struct vmcsctl_field_info *info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vmcsctl_fields); i++) {
		field = &vmcsctl_fields[i];
		info = &vmcsctl_field_infos[i];
		info->encoding = field->encoding;
		info->width = vmcsctl_field_bits(field->encoding);
		info->type = vmcsctl_field_type(field->encoding);
		if (field->write && vmcsctl_writes_enabled())
			info->flags |= VMCSCTL_FIELD_WRITABLE;
		if (vmcsctl_field_is_host(field))
			info->flags |= VMCSCTL_FIELD_HOST;
		strscpy(info->name, field->battr.attr.name, sizeof(info->name));
	}
}

/* Every directory: where the VMCS is, its header, all fields at once. */
static const struct bin_attribute *const vmcsctl_vmcs_attrs[] = {
	&vmcsctl_info_cpu.battr,
	&vmcsctl_info_revision_id.battr,
	&vmcsctl_info_abort.battr,
	&bin_attr_dump,
	NULL,
};

static const struct attribute_group vmcsctl_vmcs_group = {
	.bin_attrs = vmcsctl_vmcs_attrs,
};

/* A vCPU's directory only. */
static const struct bin_attribute *const vmcsctl_vcpu_attrs[] = {
	&vmcsctl_info_vcpu_id.battr,
	&vmcsctl_info_pid.battr,
	&vmcsctl_info_tid.battr,
	&vmcsctl_info_vm.battr,
	&vmcsctl_info_id.battr,
	&vmcsctl_info_current_vmcs.battr,
	&vmcsctl_info_guest_mode.battr,
	&bin_attr_next_entry,
	NULL,
};

static const struct attribute_group vmcsctl_vcpu_group = {
	.bin_attrs = vmcsctl_vcpu_attrs,
};

static const struct attribute_group *vmcsctl_vcpu_groups[] = {
	&vmcsctl_vcpu_group,
	&vmcsctl_vmcs_group,
	&vmcsctl_field_group,
	NULL,
};

static const struct attribute_group *vmcsctl_nested_groups[] = {
	&vmcsctl_vmcs_group,
	&vmcsctl_field_group,
	NULL,
};

/* Directories whose release has not run yet: kvm_intel must outlive them. */
static atomic_t vmcsctl_nr_dirs = ATOMIC_INIT(0);

static struct kset *vmcsctl_kset;
static struct workqueue_struct *vmcsctl_wq;	/* ordered: one vCPU at a time */
static DEFINE_MUTEX(vmcsctl_lock);	/* vmcsctl_vcpus, the switch, vmcsctl_wq's end */
static LIST_HEAD(vmcsctl_vcpus);	/* every vCPU, shown or not */

/*
 * kvm_intel.vmcsctl: are vCPUs shown?  Root may switch it at any time: the
 * write returns once the directories of every vCPU are there, or gone.
 * Off, a vCPU costs a struct vmcsctl_vcpu and no kernfs node.
 */
static bool vmcsctl_on = true;

static int vmcsctl_on_set(const char *val, const struct kernel_param *kp)
{
	struct vmcsctl_vcpu *vc;
	bool on;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	/*
	 * The work never takes vmcsctl_lock, so it may be held across the
	 * flush: vmcsctl_exit() cannot destroy the workqueue meanwhile.  At
	 * load, before vmcsctl_init(), there is no workqueue and no vCPU.
	 */
	mutex_lock(&vmcsctl_lock);
	WRITE_ONCE(vmcsctl_on, on);
	if (vmcsctl_wq) {
		list_for_each_entry(vc, &vmcsctl_vcpus, node)
			queue_work(vmcsctl_wq, &vc->work);
		flush_workqueue(vmcsctl_wq);
	}
	mutex_unlock(&vmcsctl_lock);
	return 0;
}

static const struct kernel_param_ops vmcsctl_on_ops = {
	.set = vmcsctl_on_set,
	.get = param_get_bool,
};
module_param_cb(vmcsctl, &vmcsctl_on_ops, &vmcsctl_on, 0644);
MODULE_PARM_DESC(vmcsctl, "Show vCPUs in /sys/kernel/vmcsctl (default Y)");

/*
 * What vmcsctl makes the host allocate for /dev/kvm users, who need no
 * privilege, is bounded: at most vmcsctl_max_vcpus vCPU directories, of
 * any VMs, exist at a time (each, with vmcs02/ and shadow/, about 570
 * kernfs nodes, which kernfs does not charge to a memory cgroup).  Further
 * vCPUs work but are not shown: vmcsctl_unpublished counts them, the
 * first is logged.  Root may raise or lower the bound at any time; it
 * applies to vCPUs published afterwards.
 */
static unsigned int vmcsctl_max_vcpus = 1024;
module_param_named(vmcsctl_max_vcpus, vmcsctl_max_vcpus, uint, 0644);
MODULE_PARM_DESC(vmcsctl_max_vcpus, "vCPUs shown in /sys/kernel/vmcsctl at most (default 1024)");

static unsigned int vmcsctl_unpublished;	/* by vmcsctl_wq only */
module_param_named(vmcsctl_unpublished, vmcsctl_unpublished, uint, 0444);
MODULE_PARM_DESC(vmcsctl_unpublished, "vCPUs not shown for vmcsctl_max_vcpus");

static atomic_t vmcsctl_nr_vcpus = ATOMIC_INIT(0);	/* vCPU directories */

static void vmcsctl_dir_release(struct kobject *kobj)
{
	kfree(to_vmcsctl_dir(kobj));
	/*
	 * The last release lets vmcsctl_exit() return and kvm_intel go away:
	 * after the decrement nothing of the module may be touched.
	 * wake_up_var() only hashes the address into the scheduler's wait
	 * table, and free_module() waits in synchronize_rcu() for this
	 * read-side section to end.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&vmcsctl_nr_dirs))
		wake_up_var(&vmcsctl_nr_dirs);
	rcu_read_unlock();
}

static const struct kobj_type vmcsctl_vcpu_ktype = {
	.release = vmcsctl_dir_release,
	.default_groups = vmcsctl_vcpu_groups,
};

static const struct kobj_type vmcsctl_nested_ktype = {
	.release = vmcsctl_dir_release,
	.default_groups = vmcsctl_nested_groups,
};

static atomic64_t vmcsctl_next_id = ATOMIC64_INIT(0);

/*
 * Name a vCPU's directory after the thread that created the vCPU, as QEMU's
 * "info cpus" thread_id: vmcs<TID>.  If that name is taken (the thread
 * creates several vCPUs, or its TID was reused), it is vmcs<TID>.<id>,
 * which no other vCPU ever has: one hashed lookup per vCPU.  Only the
 * ordered vmcsctl_wq adds vCPU directories, so the name stays free until
 * kobject_add() takes it, and they appear in creation order.
 */
static const char *vmcsctl_dir_name(struct vmcsctl_vcpu *vc, char *name, size_t size)
{
	struct kernfs_node *other;

	snprintf(name, size, "vmcs%d", vc->tid);
	other = kernfs_find_and_get(vmcsctl_kset->kobj.sd, name);
	if (other) {
		kernfs_put(other);
		snprintf(name, size, "vmcs%d.%llu", vc->tid, vc->id);
	}
	return name;
}

/*
 * Add a directory of @vc's: the vCPU's under /sys/kernel/vmcsctl, or
 * vmcs02/ or shadow/ in it, and store it in @slot.  An open file never
 * reaches another vCPU: kernfs fails it once its directory is removed.
 */
static int vmcsctl_dir_add(struct vmcsctl_vcpu *vc, enum vmcsctl_kind kind,
			   struct vmcsctl_dir **slot)
{
	/*
	 * Not charged: this runs in the work item, whose memory cgroup is not
	 * the VMM's.  The directories are bounded by vmcsctl_max_vcpus instead.
	 */
	struct vmcsctl_dir *dir = kzalloc_obj(*dir, GFP_KERNEL);
	char name[48];
	int ret;

	if (!dir)
		return -ENOMEM;
	dir->vcpu = vc->vcpu;
	dir->vc = vc;
	dir->kind = kind;
	atomic_inc(&vmcsctl_nr_dirs);
	if (kind == VMCSCTL_VMCS01) {
		kobject_init(&dir->kobj, &vmcsctl_vcpu_ktype);
		dir->kobj.kset = vmcsctl_kset;
		ret = kobject_add(&dir->kobj, NULL, "%s",
				  vmcsctl_dir_name(vc, name, sizeof(name)));
	} else {
		kobject_init(&dir->kobj, &vmcsctl_nested_ktype);
		ret = kobject_add(&dir->kobj, &vc->dir->kobj, "%s",
				  kind == VMCSCTL_VMCS02 ? "vmcs02" : "shadow");
	}
	if (ret) {
		kobject_put(&dir->kobj);
		return ret;
	}
	*slot = dir;
	/* For udev and "vmcsctl watch"; kobject_del() sends KOBJ_REMOVE. */
	kobject_uevent(&dir->kobj, KOBJ_ADD);
	return 0;
}

/* Remove a directory; kobject_del() waits for readers inside its files. */
static void vmcsctl_dir_del(struct vmcsctl_dir **slot)
{
	if (!*slot)
		return;
	kobject_del(&(*slot)->kobj);
	kobject_put(&(*slot)->kobj);
	*slot = NULL;
}

/* The vCPU is not shown: no room under vmcsctl_max_vcpus. */
static void vmcsctl_unpublished_inc(struct kvm_vcpu *vcpu)
{
	if (!vmcsctl_unpublished++)
		pr_warn("vCPU %u of %s and later ones not shown: vmcsctl_max_vcpus=%u reached\n",
			vcpu->vcpu_id, vcpu->kvm->stats_id, READ_ONCE(vmcsctl_max_vcpus));
}

/* Add the vCPU's directory, probing the fields first if no VM did yet. */
static int vmcsctl_publish(struct vmcsctl_vcpu *vc)
{
	int ret;

	if (!vmcsctl_probed) {
		/* The vCPU exists, so every online CPU is in VMX operation. */
		ret = vmcsctl_probe_fields(vmcsctl_fields, ARRAY_SIZE(vmcsctl_fields),
					   vmcsctl_supported);
		if (ret)
			return ret;
		vmcsctl_dump_lists_init();
		vmcsctl_probed = true;
	}
	if (atomic_inc_return(&vmcsctl_nr_vcpus) > READ_ONCE(vmcsctl_max_vcpus)) {
		atomic_dec(&vmcsctl_nr_vcpus);
		vmcsctl_unpublished_inc(vc->vcpu);
		return -ENOSPC;
	}
	ret = vmcsctl_dir_add(vc, VMCSCTL_VMCS01, &vc->dir);
	if (ret)
		atomic_dec(&vmcsctl_nr_vcpus);
	return ret;
}

/* Remove the vCPU's directories; its room under vmcsctl_max_vcpus is free again. */
static void vmcsctl_withdraw(struct vmcsctl_vcpu *vc)
{
	if (!vc->dir)
		return;
	vmcsctl_dir_del(&vc->shadow);
	vmcsctl_dir_del(&vc->vmcs02);
	vmcsctl_dir_del(&vc->dir);
	atomic_dec(&vmcsctl_nr_vcpus);
}

/*
 * Make a vCPU's directories what kvm_intel.vmcsctl and nested_wanted ask
 * for.  Queued at KVM_CREATE_VCPU, so that the ioctl does not wait for
 * some 190 kernfs nodes; at L1's first VMXON, so that vmcs02/ and shadow/
 * (as many nodes again) exist only for vCPUs that use them and the exit
 * handler only queues this; and for every vCPU when the switch is
 * written.  vmcs02/ and shadow/ then stay while the vCPU is shown, so a
 * guest that loops on VMXON and VMXOFF adds and removes nothing; they
 * answer -ENODATA while L1 is outside VMX operation.
 */
static void vmcsctl_vcpu_work(struct work_struct *work)
{
	struct vmcsctl_vcpu *vc = container_of(work, struct vmcsctl_vcpu, work);
	int ret;

	if (!READ_ONCE(vmcsctl_on)) {
		vmcsctl_withdraw(vc);
		return;
	}
	if (!vc->dir) {
		ret = vmcsctl_publish(vc);
		if (ret) {
			if (ret != -ENOSPC)
				pr_warn_ratelimited("vCPU %u not shown (%d)\n",
						    vc->vcpu->vcpu_id, ret);
			return;
		}
	}
	if (!READ_ONCE(vc->nested_wanted) || vc->vmcs02)
		return;
	ret = vmcsctl_dir_add(vc, VMCSCTL_VMCS02, &vc->vmcs02);
	if (!ret)
		ret = vmcsctl_dir_add(vc, VMCSCTL_SHADOW, &vc->shadow);
	if (ret) {
		vmcsctl_dir_del(&vc->vmcs02);
		pr_warn_ratelimited("vCPU %u: no vmcs02/ and shadow/ (%d)\n",
				    vc->vcpu->vcpu_id, ret);
	}
}

/**
 * vmcsctl_vcpu_postcreate() - make a new vCPU known to vmcsctl
 * @vcpu: the vCPU, fully created and reachable by userspace
 *
 * Called by the creating thread once the vCPU can no longer fail creation.
 * Its directory comes from vmcsctl_wq, after the ioctl, with a KOBJ_ADD
 * uevent.  Setting vmx->vmcsctl holds vcpu->mutex, so that the nested
 * hooks, which run under it, either come after and find it, or came
 * before and left state for this to see.  A vCPU without memory for
 * vmcsctl still works; it is only missing from sysfs, which is logged.
 */
void vmcsctl_vcpu_postcreate(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct dentry *vm_dentry = vcpu->kvm->debugfs_dentry;
	struct vmcsctl_vcpu *vc;
	int ret = -ENOMEM;

	if (!vmcsctl_kset)
		return;
	vc = kzalloc_obj(*vc, GFP_KERNEL_ACCOUNT);
	if (!vc)
		goto out_warn;
	vc->vcpu = vcpu;
	vc->owner = get_task_pid(current, PIDTYPE_TGID);
	vc->tid = task_pid_nr(current);
	vc->id = atomic64_inc_return(&vmcsctl_next_id);
	if (!IS_ERR_OR_NULL(vm_dentry))
		snprintf(vc->vm, sizeof(vc->vm), "%pd", vm_dentry);
	else
		strscpy(vc->vm, vcpu->kvm->stats_id, sizeof(vc->vm));
	INIT_WORK(&vc->work, vmcsctl_vcpu_work);
	mutex_init(&vc->nested_lock);

	ret = mutex_lock_killable(&vcpu->mutex);
	if (ret) {
		put_pid(vc->owner);
		kfree(vc);
		goto out_warn;
	}
	vmx->vmcsctl = vc;
	if (vmx->nested.vmxon || vmx->nested.smm.vmxon)
		vmcsctl_nested_enter(vcpu);
	mutex_unlock(&vcpu->mutex);

	mutex_lock(&vmcsctl_lock);
	list_add_tail(&vc->node, &vmcsctl_vcpus);
	if (vmcsctl_on)
		queue_work(vmcsctl_wq, &vc->work);
	mutex_unlock(&vmcsctl_lock);
	return;

out_warn:
	pr_warn_ratelimited("vCPU %u not shown (%d)\n", vcpu->vcpu_id, ret);
}

/**
 * vmcsctl_vm_pre_destroy() - forget every vCPU of a VM about to go away
 * @kvm: the VM, whose last reference is gone
 *
 * Runs before KVM loads the vCPUs one last time without vcpu->mutex, and
 * before it frees any VMCS.  kobject_del() waits for readers inside a
 * read() to leave.
 */
void vmcsctl_vm_pre_destroy(struct kvm *kvm)
{
	struct vmcsctl_vcpu *vc;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm) {
		vc = to_vmx(vcpu)->vmcsctl;
		if (!vc)
			continue;
		to_vmx(vcpu)->vmcsctl = NULL;
		mutex_lock(&vmcsctl_lock);
		list_del(&vc->node);
		mutex_unlock(&vmcsctl_lock);
		/* Nothing queues it now: no ioctl runs, the switch cannot see it. */
		cancel_work_sync(&vc->work);
		vmcsctl_withdraw(vc);
		put_pid(vc->owner);
		kfree(vc);
	}
}

static void vmcsctl_set_nested_live(struct vmcsctl_vcpu *vc, bool live)
{
	mutex_lock(&vc->nested_lock);
	vc->nested_live = live;
	mutex_unlock(&vc->nested_lock);
}

/**
 * vmcsctl_nested_enter() - vmcs02 and the shadow VMCS may be read now
 * @vcpu: a vCPU whose L1 just entered VMX operation (VMXON, or nested
 *	state restored), so both VMCSs are allocated
 *
 * The first time, queues the making of vmcs02/ and shadow/.
 *
 * Context: process context under vcpu->mutex.  Takes a mutex that readers
 * hold only for the time of a read, which never waits for the vCPU.
 */
void vmcsctl_nested_enter(struct kvm_vcpu *vcpu)
{
	struct vmcsctl_vcpu *vc = to_vmx(vcpu)->vmcsctl;

	if (!vc)
		return;
	vmcsctl_set_nested_live(vc, true);
	if (!vc->nested_wanted) {
		WRITE_ONCE(vc->nested_wanted, true);
		queue_work(vmcsctl_wq, &vc->work);
	}
}

/**
 * vmcsctl_nested_leave() - stop reads of vmcs02 and the shadow VMCS
 * @vcpu: a vCPU that leaves VMX operation, before KVM frees the VMCSs
 *
 * Waits for reads in progress; later ones get -ENODATA.
 *
 * Context: process context under vcpu->mutex, or VM teardown.
 */
void vmcsctl_nested_leave(struct kvm_vcpu *vcpu)
{
	struct vmcsctl_vcpu *vc = to_vmx(vcpu)->vmcsctl;

	if (vc)
		vmcsctl_set_nested_live(vc, false);
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
	vmcsctl_wq = alloc_ordered_workqueue("vmcsctl", 0);
	if (!vmcsctl_wq) {
		pr_warn("off: no workqueue\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(vmcsctl_fields); i++)
		vmcsctl_field_attrs[i] = &vmcsctl_fields[i].battr;
	vmcsctl_describe_fields();
	vmcsctl_kset = kset_create_and_add("vmcsctl", NULL, kernel_kobj);
	if (!vmcsctl_kset) {
		pr_warn("off: cannot create /sys/kernel/vmcsctl\n");
		goto out_wq;
	}
	if (sysfs_create_bin_file(&vmcsctl_kset->kobj, &bin_attr_fields)) {
		pr_warn("off: cannot create /sys/kernel/vmcsctl/fields\n");
		kset_unregister(vmcsctl_kset);
		vmcsctl_kset = NULL;
		goto out_wq;
	}
	return;

out_wq:
	destroy_workqueue(vmcsctl_wq);
	vmcsctl_wq = NULL;
}

/**
 * vmcsctl_exit() - remove /sys/kernel/vmcsctl at kvm_intel unload
 *
 * No VM exists then, so the directory is empty, but the last reference to
 * a removed directory may still be held (DEBUG_KOBJECT_RELEASE delays it):
 * wait for every release, whose code is in this module.
 */
void vmcsctl_exit(void)
{
	/* No vCPU is left to queue work; a write of the switch may still flush. */
	mutex_lock(&vmcsctl_lock);
	if (vmcsctl_wq)
		destroy_workqueue(vmcsctl_wq);
	vmcsctl_wq = NULL;
	mutex_unlock(&vmcsctl_lock);
	kset_unregister(vmcsctl_kset);
	vmcsctl_kset = NULL;
	wait_var_event(&vmcsctl_nr_dirs, !atomic_read(&vmcsctl_nr_dirs));
	vmcsctl_probe_exit();
}
