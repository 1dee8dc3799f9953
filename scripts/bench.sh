#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make bench: what vmcsctl costs, as ratios measured in one run.  Builds two
# kernels from the same tree and options as the test kernel but without its
# debug options (scripts/bench/nodebug.config): CONFIG_KVM_VMCSCTL=y in
# build/bench-y and its =n twin in build/n.  Boots both under the emulator
# with scripts/bench/vmcsctl-bench and prints a table.  Costs are guest TSC
# cycles, which under Bochs advance with emulated instructions and so repeat
# from run to run.  Not a pass/fail test: a missed target is reported, not
# fatal.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/bench
SELFTEST_SRC=$TREE/tools/testing/selftests/vmcsctl
mkdir -p "$OUT"

# 1024 vCPUs in one VM (the naming measure) need more than the tests' 512 MiB,
# and more wall time than a test boot, most of it without console output.
export MEGS=${MEGS:-1536} TIMEOUT=${TIMEOUT:-5400} STALL=${STALL:-3600}
say "building the benchmark kernels, CONFIG_KVM_VMCSCTL=y and =n, no debug options"
OBJ=$BUILD/obj-bench-y KOUT=$BUILD/bench-y NO_SELFTESTS=1 \
	KCONFIG_EXTRA=$TOP/scripts/bench/nodebug.config "$TOP/scripts/kernel.sh"
OBJ=$BUILD/obj-n KOUT=$BUILD/n NO_SELFTESTS=1 \
	KCONFIG_EXTRA="$TOP/scripts/bench/nodebug.config $TOP/scripts/bench/vmcsctl-off.config" \
	"$TOP/scripts/kernel.sh"
grep -q '^CONFIG_KVM_VMCSCTL=y' "$BUILD/n/.config" && die "twin still has vmcsctl"
grep -q '^CONFIG_KVM_VMCSCTL=y' "$BUILD/bench-y/.config" || die "the =y kernel has no vmcsctl"
grep -q '^CONFIG_PROVE_LOCKING=y' "$BUILD/bench-y/.config" && die "the =y kernel has lockdep"
[ -x "$BUILD/selftests/vmcsctl_nested_test" ] || die "no nested selftest: run make kernel"

gcc -static -O2 -Wall -D_GNU_SOURCE -I"$SELFTEST_SRC" -isystem "$OBJ/usr/include" \
	-o "$OUT/vmcsctl-bench" "$TOP/scripts/bench/vmcsctl-bench.c" \
	"$SELFTEST_SRC/vm.c" "$SELFTEST_SRC/sysfs.c" "$SELFTEST_SRC/fields.c" -lpthread

# The nested selftest's -b mode times VMXON/VMXOFF in an L1 guest.
NESTED="$BUILD/selftests/vmcsctl_nested_test:-b"
KOUT=$BUILD/bench-y BOOT_DIR=$OUT/boot-y "$TOP/scripts/boot.sh" "$OUT/vmcsctl-bench:all" "$NESTED" ||
	die "benchmark boot (vmcsctl=y) failed"
KOUT=$BUILD/n BOOT_DIR=$OUT/boot-n "$TOP/scripts/boot.sh" "$OUT/vmcsctl-bench:twin" "$NESTED" ||
	die "benchmark boot (vmcsctl=n) failed"

grep -ah '^bench: ' "$OUT/boot-y/serial.log" | tr -d '\r' >"$OUT/y.txt"
grep -ah '^bench: ' "$OUT/boot-n/serial.log" | tr -d '\r' >"$OUT/n.txt"
grep -qx 'bench: done' "$OUT/y.txt" && grep -qx 'bench: done' "$OUT/n.txt" ||
	die "a benchmark run did not finish; see $OUT/boot-*/serial.log"

awk -v date="$(date -u +%Y-%m-%d)" -v cpus="${CPUS:-2}" '
	FNR == NR { y[$2] = $3; next }
	{ n[$2] = $3 }
	function row(what, a, b, ratio, target) {
		printf "| %s | %s | %s | %s | %s |\n", what, a, b, ratio, target
	}
	function row2(what, a, b, ratio) {
		printf "| %s | %s | %s | %s |\n", what, a, b, ratio
	}
	function r(a, b) { return sprintf("%.2f", a / b) }
	END {
		printf "Bochs 2.7 corei7_skylake_x, %s CPUs, %s; kernels without debug options; cycles are guest TSC, each the fastest of several batches\n\n", cpus, date
		print "| measure | vmcsctl=y | baseline | ratio | target |"
		print "|---|---|---|---|---|"
		row("pread() of an open dump (every field, one IPI) vs KVM_GET_REGS", y["dump_pread"], y["get_regs_stopped"], r(y["dump_pread"], y["get_regs_stopped"]), "<= 3")
		row("pread() of one field (GUEST_RIP, vCPU stopped) vs KVM_GET_REGS", y["pread_stopped"], y["get_regs_stopped"], r(y["pread_stopped"], y["get_regs_stopped"]), "<= 1.5")
		row("one field over the sysfs floor (pread() of vcpu_id)", y["pread_stopped"], y["pread_info"], r(y["pread_stopped"], y["pread_info"]), "<= 1.15")
		row("one KVM_CREATE_VCPU (first 64 of a VM), y vs n", y["naming_first"], n["naming_first"], r(y["naming_first"], n["naming_first"]), "<= 1.5")
		row("slab KiB per vCPU (64 vCPUs, never in VMX operation), y minus n", sprintf("%.1f", y["slab_kib_64_vcpus"] / 64), sprintf("%.1f", n["slab_kib_64_vcpus"] / 64), sprintf("%.1f KiB", (y["slab_kib_64_vcpus"] - n["slab_kib_64_vcpus"]) / 64), "<= 40 KiB")
		row("slab KiB per vCPU (64 vCPUs), kvm_intel.vmcsctl=N, y minus n", sprintf("%.1f", y["slab_kib_64_vcpus_off"] / 64), sprintf("%.1f", n["slab_kib_64_vcpus"] / 64), sprintf("%.2f KiB", (y["slab_kib_64_vcpus_off"] - n["slab_kib_64_vcpus"]) / 64), "<= 1 KiB")
		row("one KVM_CREATE_VCPU (mean of 64), kvm_intel.vmcsctl=N, y vs n", y["create_64_vcpus_off"], n["create_64_vcpus"], r(y["create_64_vcpus_off"], n["create_64_vcpus"]), "<= 1.05")
		row("KVM_RUN round trip, guest looping on OUT (fastest of 20 batches of 500), y vs n", y["kvm_run_exit"], n["kvm_run_exit"], r(y["kvm_run_exit"], n["kvm_run_exit"]), "1.00 +- 0.01")
		row("VMXON+VMXOFF in L1 (fastest of 10 batches of 100 pairs, two exits each), y vs n", y["vmxon_vmxoff_pair"], n["vmxon_vmxoff_pair"], r(y["vmxon_vmxoff_pair"], n["vmxon_vmxoff_pair"]), "1.00 +- 0.01")
		print ""
		print "| also measured | vmcsctl=y | baseline | ratio |"
		print "|---|---|---|---|"
		row2("pread() of vcpu_id (sysfs alone, no VMCS) vs KVM_GET_REGS", y["pread_info"], y["get_regs_stopped"], r(y["pread_info"], y["get_regs_stopped"]))
		row2("pread() of GUEST_RIP, vCPU running on the other CPU vs KVM_GET_REGS (stopped)", y["pread_running"], y["get_regs_stopped"], r(y["pread_running"], y["get_regs_stopped"]))
		row2(sprintf("open/read/close of all %d fields vs KVM_GET_REGS", y["all_fields_count"]), y["all_fields"], y["get_regs_stopped"], r(y["all_fields"], y["get_regs_stopped"]))
		row2(sprintf("pread() of %d bytes (a dump'"'"'s size) vs 16 from a file in RAM: the copy to the reader", y["copy_dump_bytes"]), y["copy_pread_dump"], y["copy_pread_record"], sprintf("+%d cycles", y["copy_pread_dump"] - y["copy_pread_record"]))
		row2("open/read/close of dump vs KVM_GET_REGS", y["dump_open_read_close"], y["get_regs_stopped"], r(y["dump_open_read_close"], y["get_regs_stopped"]))
		row2("KVM_RUN round trip, mean of the 20 batches, y vs n", y["kvm_run_exit_mean"], n["kvm_run_exit_mean"], r(y["kvm_run_exit_mean"], n["kvm_run_exit_mean"]))
		row2("VM + vCPU create and destroy, y vs n", y["vcpu_lifecycle"], n["vcpu_lifecycle"], r(y["vcpu_lifecycle"], n["vcpu_lifecycle"]))
		row2("256 vCPUs in 4 VMs: shown / correctly named / left after destroy", y["scale_shown"] " / " y["scale_named"] " / " y["scale_left"], y["scale_vcpus"], "")
		row2("one KVM_CREATE_VCPU (mean of 64, another VM), y vs n", y["create_64_vcpus"], n["create_64_vcpus"], r(y["create_64_vcpus"], n["create_64_vcpus"]))
		row2(sprintf("%d vCPUs created by one thread, total until all are shown, y vs n", y["naming_vcpus"]), y["naming_total"], n["naming_total"], r(y["naming_total"], n["naming_total"]))
		row2("one KVM_CREATE_VCPU, last 64 vs first 64 (y)", y["naming_last"], y["naming_first"], r(y["naming_last"], y["naming_first"]))
		row2("one KVM_CREATE_VCPU, last 64 vs first 64 (n)", n["naming_last"], n["naming_first"], r(n["naming_last"], n["naming_first"]))
	}' "$OUT/y.txt" "$OUT/n.txt" | tee "$OUT/table.md"
