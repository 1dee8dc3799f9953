// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Snapshots: one read of a VMCS directory's dump file, named by the
 * kernel's fields file, with the directory's identity and the CPU's VMX
 * capability MSRs; or the same loaded from a file "vmcsctl save" wrote.
 */
#include <cpuid.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmcsctl.h"

#define SNAP_MAGIC	"vmcsctl-snapshot 1"

static const char *const type_names[] = {
	[VMCSCTL_TYPE_CONTROL] = "control",
	[VMCSCTL_TYPE_EXIT_INFO] = "exit",
	[VMCSCTL_TYPE_GUEST] = "guest",
	[VMCSCTL_TYPE_HOST] = "host",
};

const struct snap_field *snap_find(const struct snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_fields; i++)
		if (!strcmp(s->fields[i].name, name))
			return &s->fields[i];
	return NULL;
}

bool snap_get(const struct snapshot *s, const char *name, uint64_t *value)
{
	const struct snap_field *field = snap_find(s, name);

	if (field)
		*value = field->value;
	return field;
}

bool snap_set(struct snapshot *s, const char *name, uint64_t value)
{
	struct snap_field *field = (struct snap_field *)snap_find(s, name);

	if (field)
		field->value = value;
	return field;
}

bool snap_msr(const struct snapshot *s, uint32_t index, uint64_t *value)
{
	unsigned int i = index - MSR_VMX_FIRST;

	if (index < MSR_VMX_FIRST || index > MSR_VMX_LAST || !(s->msr_valid & (1u << i)))
		return false;
	*value = s->msr[i];
	return true;
}

void json_str(FILE *f, const char *str)
{
	fputc('"', f);
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			fprintf(f, "\\%c", *str);
		else if ((unsigned char)*str < 0x20)
			fprintf(f, "\\u%04x", *str);
		else
			fputc(*str, f);
	}
	fputc('"', f);
}

void snap_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->tid = -1;
	s->vcpu_id = -1;
	s->cpu = -1;
	s->guest_mode = -1;
	s->id = -1;
	s->revision_id = -1;
	s->abort = -1;
}

/* A small file of the directory, without its newline; -errno if unreadable. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void read_number(const char *path, const char *file, long long *value)
{
	char name[512], buf[64];

	snprintf(name, sizeof(name), "%s/%s", path, file);
	if (!read_text(name, buf, sizeof(buf)))
		*value = strtoll(buf, NULL, 0);
}

static void read_identity(const char *path, struct snapshot *s)
{
	long long v[5] = { -1, -1, -1, -1, -1 };
	char name[512];

	read_number(path, "pid", &v[0]);
	read_number(path, "tid", &v[1]);
	read_number(path, "vcpu_id", &v[2]);
	read_number(path, "cpu", &v[3]);
	read_number(path, "guest_mode", &v[4]);
	s->pid = v[0];
	s->tid = v[1];
	s->vcpu_id = v[2];
	s->cpu = v[3];
	s->guest_mode = v[4];
	read_number(path, "id", &s->id);
	read_number(path, "revision_id", &s->revision_id);
	read_number(path, "abort", &s->abort);
	snprintf(name, sizeof(name), "%s/vm", path);
	read_text(name, s->vm, sizeof(s->vm));
	snprintf(name, sizeof(name), "%s/current", path);
	read_text(name, s->current, sizeof(s->current));
	if (s->pid > 0) {
		snprintf(name, sizeof(name), "/proc/%ld/comm", s->pid);
		read_text(name, s->comm, sizeof(s->comm));
	}
}

const char *vmcsctl_root(void)
{
	const char *root = getenv("VMCSCTL_SYSFS");

	return root && *root ? root : VMCSCTL_SYSFS;
}

/* The kernel's field descriptions: every record of the fields file. */
static int read_field_infos(struct vmcsctl_field_info *infos, int max)
{
	size_t size = max * sizeof(*infos), got = 0;
	char path[256];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/fields", vmcsctl_root());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (got < size) {
		n = read(fd, (char *)infos + got, size - got);
		if (n <= 0)
			break;
		got += n;
	}
	n = n < 0 ? -errno : 0;
	close(fd);
	if (n)
		return n;
	if (got % sizeof(*infos))
		return -EPROTO;
	return got / sizeof(*infos);
}

/* The VMX capability MSRs of the CPU that holds the VMCS (CPU 0 if none). */
void snap_read_cpu(struct snapshot *s)
{
	unsigned int eax, ebx, ecx, edx, i;
	char path[64];
	int fd;

	if (__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx)) {
		s->phys_bits = eax & 0xff;
		s->linear_bits = (eax >> 8) & 0xff;
	}
	snprintf(path, sizeof(path), "/dev/cpu/%ld/msr", s->cpu >= 0 ? s->cpu : 0);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	for (i = 0; i < NR_VMX_MSRS; i++)
		if (pread(fd, &s->msr[i], 8, MSR_VMX_FIRST + i) == 8)
			s->msr_valid |= 1u << i;
	close(fd);
}

void snap_path(const char *dir, char *path, size_t size)
{
	if (dir[0] == '/')
		snprintf(path, size, "%s", dir);
	else
		snprintf(path, size, "%s/%s", vmcsctl_root(), dir);
}

void snap_read_identity(const char *dir, struct snapshot *s)
{
	char path[256];

	snap_init(s);
	snap_path(dir, path, sizeof(path));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	read_identity(path, s);
}

/* next_entry, if the directory has one and its vCPU is stopped. */
static void read_next_entry(const char *path, struct snapshot *s)
{
	struct {
		struct vmcsctl_next_entry head;
		struct vmcsctl_dump_entry records[VMCSCTL_NEXT_MAX_RECORDS];
	} next;
	char name[300];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%s/next_entry", path);
	fd = open(name, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, &next, sizeof(next));
	close(fd);
	if (n < (ssize_t)sizeof(next.head) || next.head.nr_records > VMCSCTL_NEXT_MAX_RECORDS ||
	    n != (ssize_t)(sizeof(next.head) + next.head.nr_records * sizeof(next.records[0])))
		return;
	s->has_next = true;
	s->next_flags = next.head.flags;
	s->nr_next = next.head.nr_records;
	memcpy(s->next, next.records, s->nr_next * sizeof(next.records[0]));
}

int snap_read_dir(const char *dir, struct snapshot *s)
{
	static struct vmcsctl_field_info infos[SNAP_MAX_FIELDS];
	struct vmcsctl_dump_entry dump[SNAP_MAX_FIELDS];
	char path[256], name[300];
	int nr_infos, i, j, fd;
	ssize_t n;

	snap_init(s);
	snap_path(dir, path, sizeof(path));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);

	snprintf(name, sizeof(name), "%s/dump", path);
	fd = open(name, O_RDONLY);
	if (fd < 0) {
		n = -errno;
		if (n == -ENOENT)
			fprintf(stderr, "vmcsctl: no VMCS directory %s in %s\n", dir,
				vmcsctl_root());
		else
			fprintf(stderr, "vmcsctl: %s: %s\n", name, strerror(-n));
		return n;
	}
	/* The whole dump in one read(): one snapshot of one moment. */
	n = read(fd, dump, sizeof(dump));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0 || n % sizeof(dump[0])) {
		fprintf(stderr, "vmcsctl: %s: %s\n", name, strerror(n < 0 ? -n : EPROTO));
		return n < 0 ? n : -EPROTO;
	}

	nr_infos = read_field_infos(infos, SNAP_MAX_FIELDS);
	if (nr_infos < 0) {
		fprintf(stderr, "vmcsctl: %s/fields: %s\n", vmcsctl_root(), strerror(-nr_infos));
		return nr_infos;
	}
	s->nr_fields = n / sizeof(dump[0]);
	for (i = 0; i < s->nr_fields; i++) {
		struct snap_field *field = &s->fields[i];
		uint32_t enc = dump[i].encoding;

		field->encoding = enc;
		field->value = dump[i].value;
		for (j = 0; j < nr_infos && infos[j].encoding != enc; j++)
			;
		if (j < nr_infos) {
			memcpy(field->name, infos[j].name, sizeof(field->name));
			field->name[sizeof(field->name) - 1] = '\0';
			field->flags = infos[j].flags;
			field->width = infos[j].width;
			field->type = infos[j].type;
		} else {
			/* Not in fields, which cannot happen: name it by number. */
			snprintf(field->name, sizeof(field->name), "FIELD_%04x", enc);
			field->width = 64;
			field->type = (enc >> 10) & 3;
		}
	}
	read_identity(path, s);
	read_next_entry(path, s);
	snap_read_cpu(s);
	return 0;
}

static void save_number(FILE *f, const char *key, long long value, bool hex)
{
	if (value < 0)
		return;
	if (hex)
		fprintf(f, "%s 0x%08llx\n", key, value);
	else
		fprintf(f, "%s %lld\n", key, value);
}

static void save_text(FILE *f, const char *key, const char *value)
{
	if (value[0])
		fprintf(f, "%s %s\n", key, value);
}

void snap_save(FILE *f, const struct snapshot *s)
{
	const struct snap_field *field;
	int i;

	fprintf(f, SNAP_MAGIC "\n");
	save_text(f, "dir", s->dir);
	save_number(f, "pid", s->pid, false);
	save_number(f, "tid", s->tid, false);
	save_number(f, "vcpu_id", s->vcpu_id, false);
	save_number(f, "cpu", s->cpu, false);
	save_number(f, "guest_mode", s->guest_mode, false);
	save_number(f, "id", s->id, false);
	save_text(f, "comm", s->comm);
	save_text(f, "vm", s->vm);
	save_text(f, "current", s->current);
	save_number(f, "revision_id", s->revision_id, true);
	save_number(f, "abort", s->abort, true);
	if (s->phys_bits)
		fprintf(f, "cpuid %d %d\n", s->phys_bits, s->linear_bits);
	for (i = 0; i < NR_VMX_MSRS; i++)
		if (s->msr_valid & (1u << i))
			fprintf(f, "msr 0x%x 0x%016llx\n", MSR_VMX_FIRST + i,
				(unsigned long long)s->msr[i]);
	for (i = 0; i < s->nr_fields; i++) {
		field = &s->fields[i];
		fprintf(f, "field %s 0x%04x %u %s %s%s%s 0x%0*llx\n", field->name,
			field->encoding, field->width, type_names[field->type & 3],
			field->flags & VMCSCTL_FIELD_WRITABLE ? "w" : "",
			field->flags & VMCSCTL_FIELD_HOST ? "h" : "",
			field->flags & (VMCSCTL_FIELD_WRITABLE | VMCSCTL_FIELD_HOST) ? "" : "-",
			field->width / 4, (unsigned long long)field->value);
	}
	if (s->has_next)
		fprintf(f, "next 0x%x\n", s->next_flags);
	for (i = 0; i < s->nr_next; i++)
		fprintf(f, "next_record 0x%04x 0x%016llx\n", s->next[i].encoding,
			(unsigned long long)s->next[i].value);
	fprintf(f, "end %d\n", s->nr_fields);
}

/* "0x" and hex digits, all of @text. */
static int parse_hex(const char *text, uint64_t *value)
{
	char *end;

	if (strncmp(text, "0x", 2) || !isxdigit((unsigned char)text[2]))
		return -1;
	errno = 0;
	*value = strtoull(text, &end, 16);
	return errno || *end ? -1 : 0;
}

static int parse_field(char *args, struct snap_field *field)
{
	char name[64], enc_text[24], type[16], flags[8], value_text[24];
	uint64_t value, enc;
	unsigned int width;
	int i;

	if (sscanf(args, "%63s %23s %u %15s %7s %23s", name, enc_text, &width, type, flags,
		   value_text) != 6 || strlen(name) >= sizeof(field->name) ||
	    parse_hex(enc_text, &enc) || enc > UINT32_MAX || parse_hex(value_text, &value) ||
	    (width != 16 && width != 32 && width != 64) || strspn(flags, "-wh") != strlen(flags) ||
	    (width < 64 && value >> width))
		return -1;
	for (i = 0; i < 4 && strcmp(type, type_names[i]); i++)
		;
	if (i == 4)
		return -1;
	snprintf(field->name, sizeof(field->name), "%s", name);
	field->encoding = enc;
	field->width = width;
	field->type = i;
	field->flags = (strchr(flags, 'w') ? VMCSCTL_FIELD_WRITABLE : 0) |
		       (strchr(flags, 'h') ? VMCSCTL_FIELD_HOST : 0);
	field->value = value;
	return 0;
}

/* One line of a saved snapshot; -1 if malformed. */
static int parse_line(char *line, struct snapshot *s)
{
	char *args = strchr(line, ' ');
	long long *numbers[] = { &s->revision_id, &s->abort, &s->id };
	long *longs[] = { &s->pid, &s->tid, &s->vcpu_id, &s->cpu, &s->guest_mode };
	static const char *const number_keys[] = { "revision_id", "abort", "id" };
	static const char *const long_keys[] = { "pid", "tid", "vcpu_id", "cpu", "guest_mode" };
	unsigned int msr, i;
	uint64_t value;
	char *end, text[24];

	if (!args)
		return -1;
	*args++ = '\0';
	for (i = 0; i < 5; i++) {
		if (!strcmp(line, long_keys[i])) {
			*longs[i] = strtol(args, &end, 0);
			return *end ? -1 : 0;
		}
	}
	for (i = 0; i < 3; i++) {
		if (!strcmp(line, number_keys[i])) {
			*numbers[i] = strtoll(args, &end, 0);
			return *end ? -1 : 0;
		}
	}
	if (!strcmp(line, "dir")) {
		snprintf(s->dir, sizeof(s->dir), "%s", args);
	} else if (!strcmp(line, "comm")) {
		snprintf(s->comm, sizeof(s->comm), "%s", args);
	} else if (!strcmp(line, "vm")) {
		snprintf(s->vm, sizeof(s->vm), "%s", args);
	} else if (!strcmp(line, "current")) {
		snprintf(s->current, sizeof(s->current), "%s", args);
	} else if (!strcmp(line, "cpuid")) {
		return sscanf(args, "%d %d", &s->phys_bits, &s->linear_bits) == 2 ? 0 : -1;
	} else if (!strcmp(line, "msr")) {
		if (sscanf(args, "%x %23s", &msr, text) != 2 || parse_hex(text, &value) ||
		    msr < MSR_VMX_FIRST || msr > MSR_VMX_LAST)
			return -1;
		s->msr[msr - MSR_VMX_FIRST] = value;
		s->msr_valid |= 1u << (msr - MSR_VMX_FIRST);
	} else if (!strcmp(line, "next")) {
		s->has_next = true;
		s->next_flags = strtoul(args, &end, 0);
		return *end ? -1 : 0;
	} else if (!strcmp(line, "next_record")) {
		if (s->nr_next == VMCSCTL_NEXT_MAX_RECORDS ||
		    sscanf(args, "%x %23s", &msr, text) != 2 || parse_hex(text, &value))
			return -1;
		s->next[s->nr_next].encoding = msr;
		s->next[s->nr_next++].value = value;
	} else if (!strcmp(line, "field")) {
		if (s->nr_fields == SNAP_MAX_FIELDS)
			return -1;
		return parse_field(args, &s->fields[s->nr_fields++]);
	} else {
		return -1;
	}
	return 0;
}

int snap_load(const char *path, struct snapshot *s)
{
	char line[256];
	int lineno = 1, end = -1, ret = 0;
	FILE *f;

	snap_init(s);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vmcsctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!fgets(line, sizeof(line), f) || strcmp(line, SNAP_MAGIC "\n")) {
		fprintf(stderr, "vmcsctl: %s: not a vmcsctl snapshot\n", path);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n')) {
			ret = feof(f) ? -2 : -1;	/* cut inside a line, or too long */
			break;
		}
		if (end >= 0) {
			ret = -1;
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "end ", 4)) {
			end = atoi(line + 4);
			continue;
		}
		if (parse_line(line, s)) {
			ret = -1;
			break;
		}
	}
	fclose(f);
	if (ret == -2)
		fprintf(stderr, "vmcsctl: %s:%d: truncated snapshot (cut inside a line)\n", path,
			lineno);
	else if (ret)
		fprintf(stderr, "vmcsctl: %s:%d: malformed line\n", path, lineno);
	else if (end < 0)
		fprintf(stderr, "vmcsctl: %s: truncated snapshot (no end line)\n", path);
	else if (end > s->nr_fields)
		fprintf(stderr, "vmcsctl: %s: truncated snapshot (%d of %d fields)\n", path,
			s->nr_fields, end);
	else if (end < s->nr_fields)
		fprintf(stderr, "vmcsctl: %s: malformed snapshot (%d fields, end line says %d)\n",
			path, s->nr_fields, end);
	else
		return 0;
	return -1;
}

/* ---- the next VM entry -------------------------------------------------- */

/*
 * What the next VM entry of a stopped vCPU loads.  The VMCS is not all of
 * it: KVM writes the registers it caches (RIP, RSP, CR3, the PDPTRs) only
 * at the entry, completes an exit to userspace first (an OUT or IN is
 * skipped: RIP advances, STI and MOV-SS blocking clear), and decides then
 * which event to inject.  next_entry says which of these apply; snap_next_entry()
 * turns a snapshot into that state, and leaves out what is decided only at
 * the entry, so that check never passes or fails a rule on a guess.
 */
#define EXIT_REASON_IO		30
#define IO_QUAL_STRING		0x10u
#define RFLAGS_TF		0x100u
#define INTR_BLOCKING_STI_MOVSS	3u
#define VM_ENTRY_IA32E		0x200u
#define AR_L			0x2000u

struct note {
	char *buf;
	size_t size, len;
};

static void say(struct note *n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (n->len >= n->size)
		return;
	va_start(ap, fmt);
	ret = vsnprintf(n->buf + n->len, n->size - n->len, fmt, ap);
	va_end(ap);
	if (ret > 0)
		n->len += ret;
}

static void drop(struct snapshot *s, const char *name)
{
	const struct snap_field *f = snap_find(s, name);
	int i;

	if (!f)
		return;
	i = f - s->fields;
	memmove(&s->fields[i], &s->fields[i + 1], (s->nr_fields - i - 1) * sizeof(*f));
	s->nr_fields--;
}

/*
 * KVM completes a non-string I/O exit by skipping the instruction
 * (complete_fast_pio_in/out() in arch/x86/kvm/x86.c), unless RIP was
 * changed since the exit: then it skips nothing and the RIP record says
 * where the entry goes.  Every other completion (MMIO, string I/O,
 * hypercalls...) runs the emulator or its own code and is not predicted.
 */
static bool io_exit(const struct snapshot *s)
{
	uint64_t reason, qual;

	return snap_get(s, "VM_EXIT_REASON", &reason) && (reason & 0xffff) == EXIT_REASON_IO &&
	       snap_get(s, "EXIT_QUALIFICATION", &qual) && !(qual & IO_QUAL_STRING);
}

static bool mode_64bit(const struct snapshot *s)
{
	uint64_t entry, cs_ar;

	return snap_get(s, "VM_ENTRY_CONTROLS", &entry) && (entry & VM_ENTRY_IA32E) &&
	       snap_get(s, "GUEST_CS_AR_BYTES", &cs_ar) && (cs_ar & AR_L);
}

static void drop_event(struct snapshot *s)
{
	drop(s, "VM_ENTRY_INTR_INFO_FIELD");
	drop(s, "VM_ENTRY_EXCEPTION_ERROR_CODE");
	drop(s, "VM_ENTRY_INSTRUCTION_LEN");
}

/* skip_emulated_instruction() in arch/x86/kvm/vmx/vmx.c, then a #DB if TF. */
static void skip_io(struct snapshot *s, struct note *n)
{
	uint64_t rip, len, intr, rflags;

	if (!snap_get(s, "GUEST_RIP", &rip) || !snap_get(s, "VM_EXIT_INSTRUCTION_LEN", &len) ||
	    !snap_get(s, "GUEST_INTERRUPTIBILITY_INFO", &intr) ||
	    !snap_get(s, "GUEST_RFLAGS", &rflags)) {
		drop(s, "GUEST_RIP");
		drop(s, "GUEST_INTERRUPTIBILITY_INFO");
		return;
	}
	rip += len;
	if (!mode_64bit(s))
		rip &= 0xffffffffu;
	snap_set(s, "GUEST_RIP", rip);
	snap_set(s, "GUEST_INTERRUPTIBILITY_INFO", intr & ~(uint64_t)INTR_BLOCKING_STI_MOVSS);
	say(n, "; KVM first completes the I/O exit: GUEST_RIP=0x%llx, no STI/MOV-SS blocking",
	    (unsigned long long)rip);
	if (rflags & RFLAGS_TF) {
		drop_event(s);
		say(n, "; RFLAGS.TF queues a #DB");
	}
}

bool snap_next_entry(struct snapshot *s)
{
	struct note n = { s->next_note, sizeof(s->next_note), 0 };
	const struct snap_field *f;
	bool rip_cached = false, io;
	int i, k;

	s->next_note[0] = '\0';
	if (!s->has_next)
		return false;
	if (s->next_flags & VMCSCTL_NEXT_L2) {
		say(&n, "the next VM entry is to L2 (vmcs02): this VMCS was evaluated as read");
		return false;
	}
	say(&n, "evaluated the state the next VM entry loads");
	for (i = 0; i < s->nr_next; i++) {
		for (k = 0, f = NULL; k < s->nr_fields && !f; k++)
			if (s->fields[k].encoding == s->next[i].encoding)
				f = &s->fields[k];
		if (!f)
			continue;
		rip_cached |= !strcmp(f->name, "GUEST_RIP");
		say(&n, "; %s=0x%llx from KVM", f->name, (unsigned long long)s->next[i].value);
		snap_set(s, f->name, s->next[i].value);
	}
	io = io_exit(s);
	if ((s->next_flags & VMCSCTL_NEXT_COMPLETION) && !(io && rip_cached)) {
		if (io) {
			skip_io(s, &n);
		} else {
			drop(s, "GUEST_RIP");
			drop(s, "GUEST_INTERRUPTIBILITY_INFO");
			say(&n, "; KVM first completes an exit to userspace, %s",
			    "which may change RIP and interruptibility");
		}
	}
	if (s->next_flags & VMCSCTL_NEXT_EVENT) {
		drop_event(s);
		say(&n, "; KVM may inject an event, chosen at the entry");
	}
	if (!s->nr_next && !(s->next_flags & (VMCSCTL_NEXT_COMPLETION | VMCSCTL_NEXT_EVENT)))
		say(&n, ": the VMCS as read");
	return true;
}
