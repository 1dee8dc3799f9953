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
#define pr_fmt(fmt) KBUILD_MODNAME ": vmcsctl: " fmt

#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmcsctl.h"

enum vmcsctl_kind {
	VMCSCTL_VMCS01,		/* the vCPU's directory */
	VMCSCTL_VMCS02,		/* vmcs02/, while L1 is in VMX operation */
	VMCSCTL_SHADOW,		/* shadow/, vmcs01's shadow VMCS, likewise */
};

/* One directory per VMCS. */
struct vmcsctl_dir {
	struct kobject kobj;
	struct kvm_vcpu *vcpu;
	enum vmcsctl_kind kind;
	pid_t tgid;		/* process that created the vCPU */
	/* Subdirectories of a VMCSCTL_VMCS01 directory; vcpu->mutex. */
	struct vmcsctl_dir *vmcs02;
	struct vmcsctl_dir *shadow;
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

static ssize_t vmcsctl_field_show(struct kobject *kobj, struct kobj_attribute *kattr,
				  char *buf)
{
	const struct vmcsctl_field *field = container_of(kattr, struct vmcsctl_field, kattr);
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	u64 value;
	int ret;

	ret = vmcsctl_read(dir->vcpu, vmcsctl_dir_vmcs(dir), dir->kind == VMCSCTL_SHADOW,
			   &field->encoding, &value, 1);
	if (ret)
		return ret;
	return sysfs_emit(buf, "0x%0*llx\n", vmcsctl_field_bits(field->encoding) / 4, value);
}

static ssize_t vmcsctl_field_store(struct kobject *kobj, struct kobj_attribute *kattr,
				   const char *buf, size_t count)
{
	const struct vmcsctl_field *field = container_of(kattr, struct vmcsctl_field, kattr);
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	int ret;

	if (dir->kind != VMCSCTL_VMCS01)
		return -EACCES;
	ret = vmcsctl_write(dir->vcpu, kobject_name(kobj), field, buf);
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

/* Blocking by STI, MOV SS, SMI and NMI; not enclave interruption. */
static const struct vmcsctl_write_rule vmcsctl_interruptibility = {
	.reserved = GENMASK_ULL(31, 4),
};

/* B3-B0, enabled breakpoint, BS and RTM. */
static const struct vmcsctl_write_rule vmcsctl_pending_dbg = {
	.reserved = ~(u64)(GENMASK(3, 0) | BIT(12) | BIT(14) | BIT(16)),
};

#define VMCSCTL_FIELD_RULE(f, rule) {					\
	.kattr = {							\
		.attr = { .name = #f, .mode = 0400 },			\
		.show = vmcsctl_field_show,				\
		.store = vmcsctl_field_store,				\
	},								\
	.encoding = f,							\
	.write = rule,							\
}

#define VMCSCTL_FIELD(f)	VMCSCTL_FIELD_RULE(f, NULL)
#define VMCSCTL_FIELD_RW(f, rule) VMCSCTL_FIELD_RULE(f, &vmcsctl_##rule)

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
	VMCSCTL_FIELD_RW(GUEST_PENDING_DBG_EXCEPTIONS, pending_dbg),
	VMCSCTL_FIELD_RW(GUEST_SYSENTER_ESP, linear),
	VMCSCTL_FIELD_RW(GUEST_SYSENTER_EIP, linear),
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

/*
 * Fields this CPU does not implement have no file.  With writes enabled,
 * root may write the fields of vmcs01 that have a write rule.
 */
static umode_t vmcsctl_field_visible(struct kobject *kobj, struct attribute *attr, int i)
{
	if (!test_bit(i, vmcsctl_supported))
		return 0;
	if (vmcsctl_fields[i].write && vmcsctl_writes_enabled() &&
	    to_vmcsctl_dir(kobj)->kind == VMCSCTL_VMCS01)
		return 0600;
	return attr->mode;
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

/*
 * The VMCS header lives in memory, not in the CPU's VMCS cache.  Bit 31 of
 * a shadow VMCS's revision_id is the shadow-VMCS indicator.
 */
static ssize_t revision_id_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct vmcs *vmcs = vmcsctl_dir_region(to_vmcsctl_dir(kobj));

	return sysfs_emit(buf, "0x%08x\n",
			  vmcs->hdr.revision_id | (u32)vmcs->hdr.shadow_vmcs << 31);
}

static ssize_t abort_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct vmcs *vmcs = vmcsctl_dir_region(to_vmcsctl_dir(kobj));

	return sysfs_emit(buf, "0x%08x\n", READ_ONCE(vmcs->abort));
}

/* Which VMCS the vCPU uses now, and whether it runs L2: a snapshot. */
static ssize_t vmcsctl_current_show(struct kobject *kobj, struct kobj_attribute *attr,
				    char *buf)
{
	struct vcpu_vmx *vmx = to_vmx(to_vmcsctl_dir(kobj)->vcpu);

	return sysfs_emit(buf, "%s\n", READ_ONCE(vmx->loaded_vmcs) == &vmx->vmcs01 ?
			  "vmcs01" : "vmcs02");
}

static ssize_t guest_mode_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", is_guest_mode(to_vmcsctl_dir(kobj)->vcpu));
}

static struct kobj_attribute vmcsctl_attr_vcpu_id = __ATTR_RO_MODE(vcpu_id, 0400);
static struct kobj_attribute vmcsctl_attr_pid = __ATTR_RO_MODE(pid, 0400);
static struct kobj_attribute vmcsctl_attr_cpu = __ATTR_RO_MODE(cpu, 0400);
static struct kobj_attribute vmcsctl_attr_revision_id = __ATTR_RO_MODE(revision_id, 0400);
static struct kobj_attribute vmcsctl_attr_abort = __ATTR_RO_MODE(abort, 0400);
/* Spelled out: __ATTR_RO_MODE() would stringify the expansion of current. */
static struct kobj_attribute vmcsctl_attr_current = {
	.attr = { .name = "current", .mode = 0400 },
	.show = vmcsctl_current_show,
};

static struct kobj_attribute vmcsctl_attr_guest_mode = __ATTR_RO_MODE(guest_mode, 0400);

/* One record of the dump file; the layout is ABI. */
struct vmcsctl_dump_entry {
	u32 encoding;
	u32 reserved;		/* zero */
	u64 value;
};

struct vmcsctl_dump {
	u32 fields[ARRAY_SIZE(vmcsctl_fields)];
	u64 values[ARRAY_SIZE(vmcsctl_fields)];
	struct vmcsctl_dump_entry entries[ARRAY_SIZE(vmcsctl_fields)];
};

/*
 * Every field of the directory, read in one IPI so that the values belong
 * to the same moment, as an array of struct vmcsctl_dump_entry in table
 * order.  It fits in one page: read it with one read() at offset 0, as
 * each read() takes a new snapshot.
 */
static ssize_t vmcsctl_dump_read(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf, loff_t off,
				 size_t count)
{
	struct vmcsctl_dir *dir = to_vmcsctl_dir(kobj);
	struct vmcsctl_dump *dump;
	unsigned int i, n = 0;
	size_t len;
	int ret;

	len = bitmap_weight(vmcsctl_supported, ARRAY_SIZE(vmcsctl_fields)) *
	      sizeof(dump->entries[0]);
	if (off >= len)
		return 0;
	dump = kzalloc(sizeof(*dump), GFP_KERNEL);
	if (!dump)
		return -ENOMEM;
	for_each_set_bit(i, vmcsctl_supported, ARRAY_SIZE(vmcsctl_fields))
		dump->fields[n++] = vmcsctl_fields[i].encoding;
	ret = vmcsctl_read(dir->vcpu, vmcsctl_dir_vmcs(dir), dir->kind == VMCSCTL_SHADOW,
			   dump->fields, dump->values, n);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		dump->entries[i].encoding = dump->fields[i];
		dump->entries[i].value = dump->values[i];
	}
	count = min_t(size_t, count, len - off);
	memcpy(buf, (char *)dump->entries + off, count);
	ret = count;
out:
	kfree(dump);
	return ret;
}

static BIN_ATTR(dump, 0400, vmcsctl_dump_read, NULL, 0);

/* Every directory: where the VMCS is, its header, all fields at once. */
static struct attribute *vmcsctl_vmcs_attrs[] = {
	&vmcsctl_attr_cpu.attr,
	&vmcsctl_attr_revision_id.attr,
	&vmcsctl_attr_abort.attr,
	NULL,
};

static struct bin_attribute *vmcsctl_vmcs_bin_attrs[] = {
	&bin_attr_dump,
	NULL,
};

static const struct attribute_group vmcsctl_vmcs_group = {
	.attrs = vmcsctl_vmcs_attrs,
	.bin_attrs = vmcsctl_vmcs_bin_attrs,
};

/* A vCPU's directory only. */
static struct attribute *vmcsctl_vcpu_attrs[] = {
	&vmcsctl_attr_vcpu_id.attr,
	&vmcsctl_attr_pid.attr,
	&vmcsctl_attr_current.attr,
	&vmcsctl_attr_guest_mode.attr,
	NULL,
};

static const struct attribute_group vmcsctl_vcpu_group = {
	.attrs = vmcsctl_vcpu_attrs,
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
static DECLARE_WAIT_QUEUE_HEAD(vmcsctl_released);

static void vmcsctl_dir_release(struct kobject *kobj)
{
	kfree(to_vmcsctl_dir(kobj));
	if (atomic_dec_and_test(&vmcsctl_nr_dirs))
		wake_up(&vmcsctl_released);
}

static const struct kobj_type vmcsctl_vcpu_ktype = {
	.release = vmcsctl_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = vmcsctl_vcpu_groups,
};

static const struct kobj_type vmcsctl_nested_ktype = {
	.release = vmcsctl_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = vmcsctl_nested_groups,
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
	kobject_init(&dir->kobj, &vmcsctl_vcpu_ktype);
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
	WRITE_ONCE(to_vmx(vcpu)->vmcsctl, dir);

	/* Another thread may have run the vCPU into VMX operation already. */
	if (mutex_trylock(&vcpu->mutex)) {
		if (to_vmx(vcpu)->nested.vmxon)
			vmcsctl_nested_enter(vcpu);
		mutex_unlock(&vcpu->mutex);
	}
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
		vmcsctl_nested_leave(vcpu);
		to_vmx(vcpu)->vmcsctl = NULL;
		kobject_del(&dir->kobj);
		kobject_put(&dir->kobj);
	}
}

static struct vmcsctl_dir *vmcsctl_subdir_add(struct vmcsctl_dir *parent,
					      enum vmcsctl_kind kind, const char *name)
{
	struct vmcsctl_dir *dir;

	dir = kzalloc(sizeof(*dir), GFP_KERNEL_ACCOUNT);
	if (!dir)
		return NULL;
	dir->vcpu = parent->vcpu;
	dir->kind = kind;
	dir->tgid = parent->tgid;
	kobject_init(&dir->kobj, &vmcsctl_nested_ktype);
	atomic_inc(&vmcsctl_nr_dirs);
	if (kobject_add(&dir->kobj, &parent->kobj, "%s", name)) {
		kobject_put(&dir->kobj);
		return NULL;
	}
	return dir;
}

static void vmcsctl_subdir_del(struct vmcsctl_dir **dir)
{
	if (!*dir)
		return;
	kobject_del(&(*dir)->kobj);
	kobject_put(&(*dir)->kobj);
	*dir = NULL;
}

/**
 * vmcsctl_nested_enter() - publish vmcs02 and the shadow VMCS of a vCPU
 * @vcpu: a vCPU whose L1 just entered VMX operation (VMXON, or nested
 *	state restored), so both VMCSs are allocated
 *
 * Context: process context under vcpu->mutex.
 */
void vmcsctl_nested_enter(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct vmcsctl_dir *dir = READ_ONCE(vmx->vmcsctl);

	if (!dir || dir->vmcs02)
		return;
	dir->vmcs02 = vmcsctl_subdir_add(dir, VMCSCTL_VMCS02, "vmcs02");
	if (vmx->vmcs01.shadow_vmcs)
		dir->shadow = vmcsctl_subdir_add(dir, VMCSCTL_SHADOW, "shadow");
	if (!dir->vmcs02 || (vmx->vmcs01.shadow_vmcs && !dir->shadow))
		pr_warn_ratelimited("vCPU %u: nested VMCSs not published\n", vcpu->vcpu_id);
}

/**
 * vmcsctl_nested_leave() - unpublish vmcs02 and the shadow VMCS of a vCPU
 * @vcpu: a vCPU that leaves VMX operation, before KVM frees the VMCSs
 *
 * kobject_del() waits for readers of the files to leave, and readers never
 * wait for the vCPU, so this cannot deadlock.
 *
 * Context: process context under vcpu->mutex, or VM teardown.
 */
void vmcsctl_nested_leave(struct kvm_vcpu *vcpu)
{
	struct vmcsctl_dir *dir = READ_ONCE(to_vmx(vcpu)->vmcsctl);

	might_sleep();
	if (!dir)
		return;
	vmcsctl_subdir_del(&dir->shadow);
	vmcsctl_subdir_del(&dir->vmcs02);
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
