/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * FIELD(name): the value of a field of self->dir in a kselftest_harness
 * test, failing the test (not stopping it) when the file does not read.
 * Include after ../kselftest_harness.h.
 */
#ifndef SELFTEST_VMCSCTL_HARNESS_FIELD_H
#define SELFTEST_VMCSCTL_HARNESS_FIELD_H

#include <string.h>

#include "sysfs.h"

static inline uint64_t field(struct __test_metadata *_metadata, const char *dir,
			     const char *name)
{
	uint64_t value = 0;
	int ret = vmcsctl_read_field(dir, name, &value);

	EXPECT_EQ(0, ret) TH_LOG("%s/%s: %s", dir, name, strerror(-ret));
	return value;
}

#define FIELD(name)	field(_metadata, self->dir, #name)

#endif
