// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vmcsctl under kernel lockdown, for a kernel with CONFIG_KVM_VMCSCTL_WRITE=y,
 * CONFIG_SECURITY_LOCKDOWN_LSM=y and kvm_intel loaded with vmcsctl_write=1.
 * The test raises the lockdown level, which cannot be lowered again: run
 * this program last in its boot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>

#include "../kselftest_harness.h"
#include "harness_field.h"
#include "sysfs.h"
#include "vm.h"
#include "write_fixture.h"

static int set_lockdown(const char *level)
{
	char buf[128] = "", want[64];
	int fd, n;

	if (mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) &&
	    errno != EBUSY)
		return -errno;
	fd = open("/sys/kernel/security/lockdown", O_RDWR);
	if (fd < 0)
		return -errno;
	n = write(fd, level, strlen(level));
	if (n == (int)strlen(level))
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n < 0)
		return -errno;
	snprintf(want, sizeof(want), "[%s]", level);
	return strstr(buf, want) ? 0 : -EINVAL;
}

/*
 * Lockdown, raised at run time as root may (it cannot be lowered): under
 * integrity no write, reads as before; under confidentiality no host
 * state or host physical address either, and dump leaves them out.
 */
TEST_F(writes, lockdown)
{
	struct vmcsctl_dump_entry e[256];
	const struct vmcs_field_desc *desc;
	int i, n_before, n_after, ret, fd;
	uint64_t value;
	char path[512];

	if (!self->ready)
		return;
	if (access("/sys/kernel/security", F_OK))
		SKIP(return, "no securityfs");
	START(three_outs);
	n_before = vmcsctl_read_dump(self->dir, e, ARRAY_SIZE(e));
	ASSERT_LT(0, n_before);

	ret = set_lockdown("integrity");
	if (ret == -ENOENT)
		SKIP(return, "no lockdown LSM");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(-EPERM, WRITE(GUEST_RIP, "0x1004\n"));
	EXPECT_EQ(0x1002, FIELD(GUEST_RIP));
	EXPECT_EQ(0, vmcsctl_read_field(self->dir, "HOST_RIP", &value));

	ASSERT_EQ(0, set_lockdown("confidentiality"));
	EXPECT_EQ(-EPERM, WRITE(GUEST_RIP, "0x1004\n"));
	EXPECT_EQ(0x1002, FIELD(GUEST_RIP));
	EXPECT_EQ(-EPERM, vmcsctl_read_field(self->dir, "HOST_RIP", &value));
	EXPECT_EQ(-EPERM, vmcsctl_read_field(self->dir, "HOST_CR3", &value));
	EXPECT_EQ(-EPERM, vmcsctl_read_field(self->dir, "MSR_BITMAP", &value));
	EXPECT_EQ(-EPERM, vmcsctl_read_field(self->dir, "VMCS_LINK_POINTER", &value));
	EXPECT_EQ(0, vmcsctl_read_field(self->dir, "VM_EXIT_REASON", &value));
	n_after = vmcsctl_read_dump(self->dir, e, ARRAY_SIZE(e));
	ASSERT_LT(0, n_after);
	for (i = 0; i < n_after; i++) {
		desc = vmcs_field_by_encoding(e[i].encoding);
		ASSERT_TRUE(!!desc);
		EXPECT_NE(3, (e[i].encoding >> 10) & 3) TH_LOG("%s in dump", desc->name);
		EXPECT_TRUE(strcmp(desc->name, "MSR_BITMAP") && strcmp(desc->name, "EPT_POINTER"))
			TH_LOG("%s in dump", desc->name);
	}
	TH_LOG("dump: %d records, %d under lockdown=confidentiality", n_before, n_after);
	EXPECT_GT(n_before, n_after + 20);
	/* cat's second read, at the end of the shorter dump, reads nothing. */
	snprintf(path, sizeof(path), "%s/%s/dump", VMCSCTL_DIR, self->dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(n_after * (ssize_t)sizeof(e[0]), read(fd, e, sizeof(e)));
	EXPECT_EQ(0, read(fd, e, sizeof(e))) TH_LOG("read at the end: %s", strerror(errno));
	close(fd);
	RUN_TO_OUT(0x11, 2);
}

TEST_HARNESS_MAIN
