#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# All tests, on the kernel that scripts/kernel.sh built: the checks of the
# series (scripts/check.sh); the vmcsctl selftests (reads, writes, nested,
# then lockdown) in one boot with 2 CPUs and kvm_intel.vmcsctl_write=1; in a
# boot of its own with 1 CPU and writes off, every_file (nothing may be
# opened for writing), fault injection into publishing (fail-nth) and the
# kvm_intel unload/reload test (under Bochs, unloading kvm_intel with 2 CPUs stalls the
# guest; see README).  Ends with the sum "N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

TEST=$BUILD/selftests/vmcsctl_test
WRITE_TEST=$BUILD/selftests/vmcsctl_write_test
NESTED_TEST=$BUILD/selftests/vmcsctl_nested_test
MODULE_TEST=module_unload_reload
total_pass=0 total_fail=0

run() {
	local dir=$1
	shift
	BOOT_DIR=$BUILD/$dir "$TOP/scripts/boot.sh" "$@"
	if [ -f "$BUILD/$dir/result" ]; then
		read -r p f <"$BUILD/$dir/result"
	else
		p=0 f=1
	fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
}

[ -x "$TEST" ] || die "no $TEST: run make kernel"
echo "== series checks"
"$TOP/scripts/check.sh" | tee "$BUILD/check.log"
read -r p _ f _ < <(tail -n 1 "$BUILD/check.log")
total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-1}))
# The lockdown test raises the lockdown level for the rest of the boot: last.
MODULES="kvm_intel vmcsctl_write=1" run boot "$TEST:-T,$MODULE_TEST,-T,publish_failures" \
	"$WRITE_TEST:-T,lockdown" "$NESTED_TEST" "$WRITE_TEST:-t,lockdown"
CPUS=1 run boot-module "$TEST:-t,every_file,-t,publish_failures,-t,$MODULE_TEST"
echo "== all boots"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
