// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for "vmcsctl explain": any bytes as a kernel log,
 * parsed, shown and checked (make fuzz).
 * Its output is not what is tested, that nothing crashes is: make fuzz
 * closes it (-close_fd_mask=3).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../vmcsctl.h"

static struct snapshot caps;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The MSRs of a recorded snapshot, so that every rule is evaluated. */
	if (snap_load("tests/snapshots/check-base.snap", &caps))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct show_opts so = { .json = size & 1 };
	FILE *f = fmemopen((void *)data, size, "r");

	if (!size || !f)
		return 0;
	explain_stream(f, "fuzz", &so, &caps, "fuzz");
	fclose(f);
	return 0;
}
