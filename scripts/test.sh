#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# All tests.  Without ARCH, every target in turn: x86_64, then i386; with
# ARCH=x86_64 or ARCH=i386 (make test ARCH=i386), that one alone.  Each
# target builds its kernel and selftests (scripts/kernel.sh) in its own
# folder and boots them under the emulator.
#
# x86_64: the checks of the series (scripts/check.sh); the vmcsctl selftests
# (reads, writes, nested, then lockdown) in one boot with 2 CPUs and
# kvm_intel.vmcsctl_write=1; in a boot of its own with 1 CPU and writes off,
# every_file (nothing may be opened for writing), fault injection into
# publishing (fail-nth) and the kvm_intel unload/reload test (under Bochs,
# unloading kvm_intel with 2 CPUs stalls the guest; see README).
# i386: the same selftests but the nested one (KVM's selftest library, which
# it builds on, is 64-bit only), as 32-bit programs, in one boot with 2 CPUs.
#
# Ends with the sum "N passed, M failed".
set -uo pipefail
ONLY_ARCH=${ARCH:-}
. "$(dirname "$0")/lib.sh"

if [ -z "$ONLY_ARCH" ]; then
	total_pass=0 total_fail=0
	for arch in x86_64 i386; do
		echo "== target 6.12 $arch"
		mkdir -p "$BUILD"
		ARCH=$arch "$0" | tee "$BUILD/test-$arch.log"
		read -r p _ f _ < <(tail -n 1 "$BUILD/test-$arch.log")
		total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-1}))
	done
	echo "== all targets"
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
	exit
fi

TEST=$KOUT/selftests/vmcsctl_test
WRITE_TEST=$KOUT/selftests/vmcsctl_write_test
NESTED_TEST=$KOUT/selftests/vmcsctl_nested_test
MODULE_TEST=module_unload_reload
total_pass=0 total_fail=0

run() {
	local dir=$1
	shift
	BOOT_DIR=$KOUT/$dir "$TOP/scripts/boot.sh" "$@"
	if [ -f "$KOUT/$dir/result" ]; then
		read -r p f <"$KOUT/$dir/result"
	else
		p=0 f=1
	fi
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
}

if ! "$TOP/scripts/kernel.sh"; then
	echo "== the $ARCH kernel or its selftests did not build"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$ARCH" = x86_64 ]; then
	echo "== series checks"
	"$TOP/scripts/check.sh" | tee "$BUILD/check.log"
	read -r p _ f _ < <(tail -n 1 "$BUILD/check.log")
	total_pass=$((total_pass + ${p:-0})) total_fail=$((total_fail + ${f:-1}))
	# The lockdown test raises the lockdown level for the rest of the boot: last.
	MODULES="kvm_intel vmcsctl_write=1" run boot "$TEST:-T,$MODULE_TEST,-T,publish_failures" \
		"$WRITE_TEST:-T,lockdown" "$NESTED_TEST" "$WRITE_TEST:-t,lockdown"
	CPUS=1 run boot-module "$TEST:-t,every_file,-t,publish_failures,-t,$MODULE_TEST"
else
	MODULES="kvm_intel vmcsctl_write=1" run boot "$TEST:-T,$MODULE_TEST,-T,publish_failures" \
		"$WRITE_TEST:-T,lockdown" "$WRITE_TEST:-t,lockdown"
fi
echo "== all boots of $ARCH"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
