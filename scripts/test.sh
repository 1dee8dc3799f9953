#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# All tests.  Every target in turn: 6.12 x86_64, 6.12 i386, 6.1 x86_64;
# BASE=6.12|6.1 and ARCH=x86_64|i386 run the targets that match (make test
# BASE=6.1).  Each target builds its kernel and selftests
# (scripts/kernel.sh) in its own folder and boots them under the emulator.
#
# x86_64: the checks of that series (scripts/check.sh); vmcsctl(8)'s unit
# tests, on this machine; the vmcsctl selftests (reads, writes, vmcsctl
# check against the CPU's VM entry, nested, then lockdown) in one boot with 2 CPUs and
# kvm_intel.vmcsctl_write=1; in a boot of its own with 1 CPU and writes off,
# vmcsctl_module_test: nothing may be opened for writing, fault injection
# into publishing (fail-nth) and the kvm_intel unload/reload test (under
# Bochs, unloading kvm_intel with 2 CPUs stalls the guest; see README).
# Programs, not test filters, choose what runs where: 6.1's kselftest
# harness has no -t/-T.
# i386: the same selftests but the nested one (KVM's selftest library, which
# it builds on, is 64-bit only), as 32-bit programs, in one boot with 2 CPUs.
#
# Ends with the sum "N passed, M failed".
set -uo pipefail
ONLY_ARCH=${ARCH:-} ONLY_BASE=${BASE:-}
. "$(dirname "$0")/lib.sh"

# "P F" from a log whose last line is "P passed, F failed"; "0 1" otherwise
# (a run that died before its summary counts as one failure).
sum_of() {
	local last
	last=$(tail -n 1 "$1" 2>/dev/null)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	else
		echo "0 1"
	fi
}

if [ -z "${TEST_TARGET:-}" ]; then
	total_pass=0 total_fail=0 n=0
	mkdir -p "$BUILD"
	for target in 6.12/x86_64 6.12/i386 6.1/x86_64; do
		base=${target%/*} arch=${target#*/}
		[ -z "$ONLY_BASE" ] || [ "$ONLY_BASE" = "$base" ] || continue
		[ -z "$ONLY_ARCH" ] || [ "$ONLY_ARCH" = "$arch" ] || continue
		echo "== target $base $arch"
		log=$BUILD/test-$base-$arch.log
		start=$(date +%s)
		TEST_TARGET=$target BASE=$base ARCH=$arch "$0" | tee "$log"
		read -r p f < <(sum_of "$log")
		echo "== target $base $arch: $p passed, $f failed in $(( $(date +%s) - start ))s"
		total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "no target with BASE=$ONLY_BASE ARCH=$ONLY_ARCH"
	echo "== all targets"
	echo "$total_pass passed, $total_fail failed"
	[ "$total_fail" -eq 0 ]
	exit
fi

TEST=$KOUT/selftests/vmcsctl_test
WRITE_TEST=$KOUT/selftests/vmcsctl_write_test
LOCKDOWN_TEST=$KOUT/selftests/vmcsctl_lockdown_test
MODULE_TEST=$KOUT/selftests/vmcsctl_module_test
NESTED_TEST=$KOUT/selftests/vmcsctl_nested_test
CHECK_TEST=$KOUT/selftests/vmcsctl_check_test
export TOOLS=$KOUT/vmcsctl/vmcsctl
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
	echo "== the $BASE $ARCH kernel or its selftests did not build"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$ARCH" = x86_64 ]; then
	echo "== series checks"
	"$TOP/scripts/check.sh" | tee "$KOUT/check.log"
	read -r p f < <(sum_of "$KOUT/check.log")
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	echo "== vmcsctl(8) unit tests (on this machine)"
	# Built for this machine in a folder of its own: $KOUT/vmcsctl/ holds
	# the guest's static binary.
	make -s -C "$TREE/tools/kvm/vmcsctl" O="$KOUT/vmcsctl-unit" \
		KHDR_INCLUDES="-isystem $OBJ/usr/include" test >"$KOUT/vmcsctl-unit.log" 2>&1
	rc=$?
	cat "$KOUT/vmcsctl-unit.log"
	p=$(grep -c '^ok ' "$KOUT/vmcsctl-unit.log") f=$(grep -c '^not ok ' "$KOUT/vmcsctl-unit.log")
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	echo "$p passed, $f failed"
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	# The lockdown test raises the lockdown level for the rest of the boot: last.
	# Under Bochs, vmcsctl_check_test accepts Bochs' two known deviations from the SDM.
	check_arg=
	[ "${EMU:-bochs}" = bochs ] && check_arg=:bochs
	MODULES="kvm_intel vmcsctl_write=1" run boot "$TEST" "$WRITE_TEST" "$CHECK_TEST$check_arg" \
		"$NESTED_TEST" "$LOCKDOWN_TEST"
	CPUS=1 run boot-module "$MODULE_TEST"
else
	MODULES="kvm_intel vmcsctl_write=1" run boot "$TEST" "$WRITE_TEST" "$LOCKDOWN_TEST"
fi
echo "== all boots of $BASE $ARCH"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
