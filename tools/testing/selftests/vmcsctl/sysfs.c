// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "sysfs.h"

pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

int field_digits(uint32_t encoding)
{
	static const int digits[] = { 4, 16, 8, 2 * sizeof(long) };

	if (encoding & 1)
		return 8;
	return digits[(encoding >> 13) & 3];
}

int vmcsctl_read_file(const char *dir, const char *file, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, dir, file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	return 0;
}

int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

int vmcsctl_write_field(const char *dir, const char *field, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s", VMCSCTL_DIR, dir, field);
	return write_file(path, text);
}

int kvm_intel_param(const char *name)
{
	char path[128], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kvm_intel/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == 'Y';
}

int vmcsctl_writes_enabled(void)
{
	return kvm_intel_param("vmcsctl_write");
}

const struct vmcs_field_desc *vmcs_field_by_name(const char *name)
{
	int i;

	for (i = 0; i < nr_vmcs_fields; i++)
		if (!strcmp(vmcs_fields[i].name, name))
			return &vmcs_fields[i];
	return NULL;
}

const struct vmcs_field_desc *vmcs_field_by_encoding(uint32_t encoding)
{
	int i;

	for (i = 0; i < nr_vmcs_fields; i++)
		if (vmcs_fields[i].encoding == encoding)
			return &vmcs_fields[i];
	return NULL;
}

int vmcsctl_read_field_infos(struct vmcsctl_field_info *infos, int max)
{
	size_t size = max * sizeof(*infos), got = 0;
	ssize_t n = 0;
	int fd;

	fd = open(VMCSCTL_DIR "/fields", O_RDONLY);
	if (fd < 0)
		return -errno;
	/* Larger than a page: sysfs hands it out a page per read(). */
	while (got < size && (n = read(fd, (char *)infos + got, size - got)) > 0)
		got += n;
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	return got % sizeof(*infos) ? -EPROTO : (int)(got / sizeof(*infos));
}

int vmcsctl_read_dump(const char *dir, struct vmcsctl_dump_entry *entries, int max)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/dump", VMCSCTL_DIR, dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, entries, max * sizeof(*entries));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0 && n % sizeof(*entries))
		return -EPROTO;
	return n < 0 ? n : n / (int)sizeof(*entries);
}

int vmcsctl_read_field(const char *dir, const char *field, uint64_t *value)
{
	const struct vmcs_field_desc *desc = vmcs_field_by_name(field);
	char buf[64], *end;
	int ret, i;

	if (!desc)
		return -ENOENT;
	ret = vmcsctl_read_file(dir, field, buf, sizeof(buf));
	if (ret)
		return ret;
	/* Exactly "0x", the field's width in lowercase hex digits, "\n". */
	if (strlen(buf) != 3 + (size_t)field_digits(desc->encoding) ||
	    strncmp(buf, "0x", 2) || buf[strlen(buf) - 1] != '\n')
		return -EPROTO;
	for (i = 2; buf[i] != '\n'; i++)
		if (!isxdigit((unsigned char)buf[i]) || isupper((unsigned char)buf[i]))
			return -EPROTO;
	*value = strtoull(buf, &end, 16);
	return 0;
}

int vmcsctl_read_int(const char *dir, const char *file, long *value)
{
	char buf[64], *end;
	int ret;

	ret = vmcsctl_read_file(dir, file, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*value = strtol(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n"))
		return -EPROTO;
	return 0;
}

int vmcsctl_dirs_of(pid_t tid, char names[][64], int max)
{
	char prefix[32];
	struct dirent *de;
	size_t len;
	int n = 0;
	DIR *d;

	len = snprintf(prefix, sizeof(prefix), "vmcs%d", tid);
	d = opendir(VMCSCTL_DIR);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, len) ||
		    (de->d_name[len] && de->d_name[len] != '.'))
			continue;
		if (n < max)
			snprintf(names[n], 64, "%.63s", de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int vmcsctl_count_dirs(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(VMCSCTL_DIR);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int caps_keep_only(int cap1, int cap2)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	int keep[2] = { cap1, cap2 }, i;

	for (i = 0; i < 2; i++) {
		if (keep[i] < 0)
			continue;
		data[keep[i] / 32].effective |= 1u << (keep[i] % 32);
		data[keep[i] / 32].permitted |= 1u << (keep[i] % 32);
	}
	return syscall(SYS_capset, &hdr, data);
}

int cap_effective(int cap, bool on)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (on)
		data[cap / 32].effective |= 1u << (cap % 32);
	else
		data[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

int fd_pass_init(struct fd_pass *p)
{
	if (pipe(p->ready))
		return -errno;
	if (pipe(p->done)) {
		close(p->ready[0]);
		close(p->ready[1]);
		return -errno;
	}
	return 0;
}

int fd_pass_offer(struct fd_pass *p, const int *fds, int n)
{
	char byte;

	if (n > MAX_PASSED_FDS)
		return -EINVAL;
	close(p->done[1]);
	if (write(p->ready[1], fds, sizeof(*fds) * n) != (ssize_t)(sizeof(*fds) * n))
		return -EIO;
	/* Keep the files open until the parent has taken them (EOF). */
	return read(p->done[0], &byte, 1) == 0 ? 0 : -EPROTO;
}

int fd_pass_take(struct fd_pass *p, pid_t child, int *fds, int n)
{
	int theirs[MAX_PASSED_FDS], pidfd, i, ret = 0;

	if (n > MAX_PASSED_FDS)
		return -EINVAL;
	close(p->ready[1]);
	close(p->done[0]);
	if (read(p->ready[0], theirs, sizeof(*theirs) * n) != (ssize_t)(sizeof(*theirs) * n))
		ret = -EPROTO;
	pidfd = ret ? -1 : syscall(SYS_pidfd_open, child, 0);
	if (!ret && pidfd < 0)
		ret = -errno;
	for (i = 0; !ret && i < n; i++) {
		fds[i] = syscall(SYS_pidfd_getfd, pidfd, theirs[i], 0);
		if (fds[i] < 0)
			ret = -errno;
	}
	if (pidfd >= 0)
		close(pidfd);
	close(p->ready[0]);
	close(p->done[1]);
	return ret;
}
