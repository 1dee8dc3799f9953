#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The real VMCS dumps of vmcsctl explain's unit tests.  Boot a kernel with
# vmcsctl_check_test given the argument "golden" (make boot EXTRA=...:bochs,golden):
# for every failed VM entry it prints the kernel log of the case as
# /dev/kmsg had it ("# logNN ...") and the snapshot saved after it
# ("# snapNN ...").  This copies case NN of that boot into
# tools/kvm/vmcsctl/tests/logs/linux-NAME.log and snapshots/linux-NAME.snap.
#
#   scripts/explain-logs.sh SERIAL_LOG NN NAME
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: $0 SERIAL_LOG NN NAME"
log=$1 nn=$2 name=$3
tests=$TOP/tools/kvm/vmcsctl/tests
tr -d '\r' <"$log" | sed -n "s/^# log$nn //p" >"$tests/logs/linux-$name.log"
tr -d '\r' <"$log" | sed -n "s/^# snap$nn //p" >"$tests/snapshots/linux-$name.snap"
[ -s "$tests/logs/linux-$name.log" ] || die "no case $nn in $log"
grep -q '^end ' "$tests/snapshots/linux-$name.snap" || die "case $nn: snapshot cut off"
say "linux-$name: $(wc -l <"$tests/logs/linux-$name.log") log lines," \
	"$(grep -c '^field ' "$tests/snapshots/linux-$name.snap") fields"
