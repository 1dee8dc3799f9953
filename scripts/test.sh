#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# make test: every target of scripts/bases (a base and an arch), on two
# lanes.  The build lane runs one job at a time, at a lower priority (nice
# 10): each target's kernel and selftests (scripts/kernel.sh), vmcsctl(8)'s
# unit tests (once), then each base's series checks (scripts/check.sh).
# The boot lane runs the test boots of every target whose kernel is built,
# two at a time, so the 1-CPU boot of a target runs beside its main boot:
# Bochs is single-threaded, and a build takes what the boots leave.  BASE=... and ARCH=...
# select the targets that match (make test BASE=6.1).
#
# What boots where:
#  - x86_64, every base: the vmcsctl selftests (reads, writes, vmcsctl
#    check against the CPU's VM entry, nested, then lockdown, which raises
#    the lockdown level for the rest of the boot) in one boot with 2 CPUs
#    and kvm_intel.vmcsctl_write=1, CPU 1 offline (maxcpus=1) until
#    vmcsctl_test's first test brings it up under a VM; vmcsctl_module_test
#    in a boot of its own with 1 CPU and writes off (nothing may be opened
#    for writing, fault injection, kvm_intel unload/reload, which stalls a
#    2-CPU Bochs guest, even with CPU 1 offline; see README).  On a
#    backport, vmcsctl_check_test runs its
#    "writes" part only: the cases that go through the kernel (vmcsctl set
#    and its refusals); the rest compares vmcsctl(8), the same program on
#    every base, with the CPU.
#  - i386: the same selftests but the KVM selftests (their library is
#    64-bit only), as 32-bit programs, in one boot with 2 CPUs; its tree is
#    also the one of the i386 check of scripts/check.sh.
# Programs, not test filters, choose what runs where: 6.1's kselftest
# harness has no -t/-T.  EXTRA="prog[:arg,arg] ..." runs static programs
# first in the first x86_64 main boot (e.g. EXTRA=/bin/busybox:sleep,1000000
# hangs it, to see scripts/boot.sh's watchdog end that boot and the run go
# on).
#
# Each stage logs to build/test/TARGET-STAGE.log; the terminal gets a line
# per finished stage, a failed stage's log, the wall time per target and
# stage, and last the sum over every check, each counted once:
# "N passed, M failed".
set -uo pipefail
ONLY_ARCH=${ARCH:-} ONLY_BASE=${BASE:-}
. "$(dirname "$0")/lib.sh"

LOGS=$BUILD/test
rm -rf "$LOGS" && mkdir -p "$LOGS"
T0=$(date +%s)
total_pass=0 total_fail=0

# The jobs.  A job is "TARGET STAGE" (TARGET is BASE/ARCH, or "all" for
# what does not depend on the base); its command is run_stage's.
targets=()
while read -r base _ _ arches; do
	for arch in $arches; do
		[ -z "$ONLY_BASE" ] || [ "$ONLY_BASE" = "$base" ] || continue
		[ -z "$ONLY_ARCH" ] || [ "$ONLY_ARCH" = "$arch" ] || continue
		targets+=("$base/$arch")
	done
done < <(bases)
[ ${#targets[@]} -gt 0 ] || die "no target with BASE=$ONLY_BASE ARCH=$ONLY_ARCH"

# The build lane, in order: kernels first (the boots wait for them), x86_64
# before i386 (their main boots are the longest), then the checks, which
# nothing waits for.
build_queue=()
for t in "${targets[@]}"; do [ "${t#*/}" = i386 ] || build_queue+=("$t kernel"); done
for t in "${targets[@]}"; do [ "${t#*/}" != i386 ] || build_queue+=("$t kernel"); done
unit=
for t in "${targets[@]}"; do
	[ "${t#*/}" = x86_64 ] || continue
	[ -n "$unit" ] || { build_queue+=("all unit") && unit=$t; }
	build_queue+=("${t%/*} check")
done
boot_queue=()

declare -A state=() took=() pid_of=()
for j in "${build_queue[@]}"; do state[$j]=queued; done

elapsed() { local s=$(( $(date +%s) - $1 )); printf '%d:%02d' $((s / 60)) $((s % 60)); }
log_of() { local j=${1//\//-}; echo "$LOGS/${j// /-}.log"; }

# "P F" from a log whose last line is "P passed, F failed"; "0 1" otherwise
# (a stage that died before its summary counts as one failure).
sum_of() {
	local last
	last=$(tail -n 1 "$1" 2>/dev/null)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
	else
		echo "0 1"
	fi
}

# The command of a job, run with its target's BASE and ARCH.
run_stage() {
	local target=$1 stage=$2 base=${1%/*} arch=x86_64 kout extra=()
	[[ $target != */* ]] || arch=${target#*/}
	[ "$target" != all ] || base=${unit%/*}
	export BASE=$base ARCH=$arch
	kout=$BUILD$([ "$base" = "$PRIMARY" ] || echo "/$base")$([ "$arch" = x86_64 ] || echo /i386)
	case $stage in
	kernel)
		"$TOP/scripts/kernel.sh" && echo "0 passed, 0 failed"
		;;
	unit)
		# Built for this machine in a folder of its own: build/vmcsctl/ holds
		# the guest's static binary.
		# explain also runs on the inputs its fuzzer kept (scripts/fuzz/).
		local out=$BUILD/vmcsctl-unit rc p f
		rm -rf "$out/explain-corpus" && mkdir -p "$out/explain-corpus"
		tar -C "$out/explain-corpus" -xJf "$TOP/scripts/fuzz/explain-corpus.tar.xz"
		EXPLAIN_CORPUS="$out/explain-corpus" make -s -C "$TREE/tools/kvm/vmcsctl" O="$out" \
			KHDR_INCLUDES="-isystem $OBJ/usr/include" test 2>&1 | tee "$out/tests.log"
		rc=${PIPESTATUS[0]}
		p=$(grep -c '^ok ' "$out/tests.log") f=$(grep -c '^not ok ' "$out/tests.log")
		[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
		echo "$p passed, $f failed"
		;;
	check)
		"$TOP/scripts/check.sh"
		;;
	boot | boot-module)
		export TOOLS=$kout/vmcsctl/vmcsctl BOOT_DIR=$kout/$stage QUIET=1
		local s=$kout/selftests check_arg=
		if [ "$stage" = boot-module ]; then
			CPUS=1 exec "$TOP/scripts/boot.sh" "$s/vmcsctl_module_test"
		fi
		export MODULES="kvm_intel vmcsctl_write=1"
		# CPU 1 stays offline until vmcsctl_test's first test brings it
		# up under a VM whose vCPU had the fields probed on CPU 0 alone.
		export KCMDLINE="${KCMDLINE:+$KCMDLINE }maxcpus=1"
		if [ "$arch" = i386 ]; then
			exec "$TOP/scripts/boot.sh" "$s/vmcsctl_test" "$s/vmcsctl_write_test" \
				"$s/vmcsctl_lockdown_test"
		fi
		# Under Bochs, vmcsctl_check_test accepts Bochs' known deviation
		# from the SDM; on a backport it runs the cases that write.
		[ "${EMU:-bochs}" = bochs ] && check_arg=bochs
		[ "$base" = "$PRIMARY" ] || check_arg=${check_arg:+$check_arg,}writes
		[ "$target" != "${targets[0]}" ] || read -ra extra <<<"${EXTRA:-}"
		exec "$TOP/scripts/boot.sh" "${extra[@]}" "$s/vmcsctl_test" "$s/vmcsctl_write_test" \
			"$s/vmcsctl_check_test${check_arg:+:$check_arg}" "$s/vmcsctl_nested_test" \
			"$s/vmcsctl_lockdown_test"
		;;
	esac
}

start() {
	local job=$1 log
	log=$(log_of "$job")
	# A boot is one single-threaded emulator that the next boots wait
	# for; builds run on what the boots leave.
	(
		[[ $job == *" boot"* ]] || renice -n 10 -p "$BASHPID" >/dev/null
		run_stage "${job% *}" "${job#* }"
	) >"$log" 2>&1 </dev/null &
	pid_of[$!]=$job
	state[$job]=running
	took[$job]=$(date +%s)
}

# A finished job: its line on the terminal, its log if it failed, the boots
# its kernel makes possible.
finish() {
	local job=$1 target=${1% *} stage=${1#* } log p f
	log=$(log_of "$job")
	read -r p f < <(sum_of "$log")
	took[$job]=$(( $(date +%s) - took[$job] ))
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
	state[$job]=$([ "$f" -eq 0 ] && echo ok || echo failed)
	printf '== %6s  %-12s %-12s %-26s %5ss\n' "$(elapsed "$T0")" "$target" "$stage" \
		"$p passed, $f failed" "${took[$job]}"
	if [ "$f" -ne 0 ]; then
		echo "== $target $stage failed; its log, ${log#"$TOP"/}:"
		sed 's/^/   | /' "$log"
	fi
	[ "$stage" = kernel ] || return 0
	local boots=(boot)
	[ "${target#*/}" = i386 ] || boots+=(boot-module)
	for b in "${boots[@]}"; do
		if [ "${state[$job]}" = ok ]; then
			boot_queue+=("$target $b")
			state["$target $b"]=queued
		else
			state["$target $b"]="not run"
		fi
	done
}

boots_running() {
	local j n=0
	for j in "${pid_of[@]}"; do [[ $j != *" boot"* ]] || n=$((n + 1)); done
	echo $n
}

echo "== make test: ${targets[*]}; logs in ${LOGS#"$TOP"/}/"
while :; do
	# The build lane: the next job, unless one runs.  A base's checks need
	# its x86_64 kernel.
	if [ ${#build_queue[@]} -gt 0 ] && [ "$(( ${#pid_of[@]} - $(boots_running) ))" -eq 0 ]; then
		job=${build_queue[0]}
		build_queue=("${build_queue[@]:1}")
		need=
		case $job in
		*" check") need="${job% check}/x86_64 kernel" ;;
		"all unit") need="$unit kernel" ;;
		esac
		if [ -n "$need" ] && [ "${state[$need]}" != ok ]; then
			state[$job]="not run"
			took[$job]=0
			printf '== %6s  %-12s %-12s not run: %s failed\n' "$(elapsed "$T0")" \
				"${job% *}" "${job#* }" "$need"
			total_fail=$((total_fail + 1))
			continue
		fi
		start "$job"
	fi
	# The boot lane: two at a time.
	while [ ${#boot_queue[@]} -gt 0 ] && [ "$(boots_running)" -lt 2 ]; do
		start "${boot_queue[0]}"
		boot_queue=("${boot_queue[@]:1}")
	done
	[ ${#pid_of[@]} -gt 0 ] || break
	wait -n -p done_pid
	job=${pid_of[${done_pid:-none}]:-}
	[ -n "$job" ] || continue
	unset "pid_of[$done_pid]"
	finish "$job"
done

# A kernel that did not build: its boots did not run, one failure each.
for job in "${!state[@]}"; do
	[[ ${state[$job]} == "not run" && $job == *" boot"* ]] || continue
	echo "== ${job% *} ${job#* }: not run, the kernel did not build"
	total_fail=$((total_fail + 1))
done

echo "== wall time per target and stage (s); the lanes overlap"
for t in all "${targets[@]}"; do
	line=
	for s in kernel unit check boot boot-module; do
		job="$([ "$s" = check ] && echo "${t%/*}" || echo "$t") $s"
		[ "$s" != check ] || [ "${t#*/}" = x86_64 ] || continue
		[ -n "${took[$job]:-}" ] && line+=" $s ${took[$job]}"
	done
	[ -z "$line" ] || echo "   $t:$line"
done
echo "== all targets in $(elapsed "$T0")"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
