#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Boot build/bzImage with an initramfs that runs the given static programs in
# order, on an emulated CPU with VMX, and judge the run.
#
#   scripts/boot.sh [PROGRAM[:ARG,ARG...]]...
#
# Environment: EMU=bochs (default, emulated VMX) or qemu (-enable-kvm -cpu
# host, needs a host with nested VMX); CPUS (2); MEGS (512); STALL, the
# wall seconds without console output after which the guest counts as hung
# and is killed (900; README gives a test boot's longest silence); TIMEOUT,
# the wall seconds of the whole boot (3600); KCMDLINE, extra kernel
# parameters; MODULES, the modules to modprobe before the programs run,
# separated by ';', each with its parameters ("kvm_intel vmcsctl_write=1";
# default kvm_intel); BOOT_DIR (build/boot); KOUT, the folder of bzImage
# and modroot/ (build); TOOLS, static programs put on the guest's PATH
# (/bin) but not run; QUIET=1 prints the programs' output after the run
# instead of following the whole console, and the console (kernel log
# included) only if the run failed.
#
# The run fails when a program exits non-zero or reports "not ok" in TAP,
# when the guest never reaches the end (panic, hang, triple fault), or when
# the kernel log shows a warning, BUG, oops, lockdep or KASAN report. The
# last line is "N passed, M failed" over the TAP results plus two checks of
# the boot itself (reached the end, clean kernel log).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

EMU=${EMU:-bochs}
CPUS=${CPUS:-2}
MEGS=${MEGS:-512}
STALL=${STALL:-900}
TIMEOUT=${TIMEOUT:-3600}
MODULES=${MODULES:-kvm_intel}
BOOT_DIR=${BOOT_DIR:-$BUILD/boot}
CMDLINE="console=ttyS0,115200 loglevel=4 tsc=reliable ${KCMDLINE:-}"
# Bochs 2.7 gets the compacted XSAVE format wrong: CPUID.(0DH,1):EBX gives
# the standard-format size (2688 bytes on skylake_x instead of 2432) and
# XSAVEC/XSAVES put the AVX state at offset 416 instead of 576 (both fixed
# in Bochs 2.8).  Linux notices the size, warns "XSAVE consistency problem"
# and turns XSAVE off, and 7.3's fallback then writes the FPU state of
# init_task past its end, over init_cred: the first fork dies in
# prepare_creds().  Without XSAVEC and XSAVES the kernel uses the standard
# format, which Bochs gets right, so every base boots with XSAVE, AVX and
# AVX-512 on; what this removes is XSAVES for the host and for KVM guests
# (and it taints the kernel 'S').
[ "$EMU" = bochs ] && CMDLINE="$CMDLINE clearcpuid=xsaves,xsavec"
# Warnings that Bochs' CPU model itself provokes at boot (its CPUID topology
# leaves are inconsistent); a WARN block naming one of these is the
# emulator's, not ours.  Any other splat fails the run.
BOCHS_QUIRKS='topology_common.c:[0-9]+ (at )?parse_legacy'
# The fault-injection test (vmcsctl_module_test, "vmcsctl_module_" as a
# task name) makes allocations fail on purpose: the kernel's report of such
# a failure (warn_alloc(): a header line, then a stack dump) is expected from
# that task; any other splat, and the same report from any other task, is not.
INJECTOR_REPORT='^vmcsctl_module_: (vmalloc error: size|page allocation failure: order)'
SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|INFO: task .* blocked for more than|detected stalls|csd: Detected non-responsive|Call Trace:|stack-protector|refcount_t:|ODEBUG:|list_(add|del) corruption|kobject: .* is not initialized|double fault'

[ -f "$KOUT/bzImage" ] || die "no $KOUT/bzImage: run make kernel"
rm -rf "$BOOT_DIR" && mkdir -p "$BOOT_DIR"/{initramfs/bin,initramfs/progs,iso/isolinux}

make_initramfs() {
	local root=$BOOT_DIR/initramfs spec path args
	# A 32-bit kernel needs a 32-bit busybox (scripts/kernel.sh puts it in KOUT).
	if [ -x "$KOUT/busybox" ]; then
		cp "$KOUT/busybox" "$root/bin/busybox"
	else
		cp /bin/busybox "$root/bin/busybox"
	fi
	if [ -d "$KOUT/modroot/lib/modules" ]; then
		cp -a "$KOUT/modroot/lib" "$root/"
		tr ';' '\n' <<<"$MODULES" >"$root/modules.list"
	fi
	cp "$TOP/scripts/guest-init.sh" "$root/init"
	: >"$root/run.list"
	for spec in "$@"; do
		path=${spec%%:*} args=
		[ "$path" != "$spec" ] && args=${spec#*:} && args=${args//,/ }
		[ -x "$path" ] || die "$path: not an executable"
		if file -b "$path" 2>/dev/null | grep -q 'dynamically linked'; then
			die "$path: dynamically linked; the initramfs has no libc"
		fi
		cp "$path" "$root/progs/"
		echo "/progs/$(basename "$path") $args" >>"$root/run.list"
	done
	for path in ${TOOLS:-}; do
		[ -x "$path" ] || die "$path: not an executable"
		if file -b "$path" 2>/dev/null | grep -q 'dynamically linked'; then
			die "$path: dynamically linked; the initramfs has no libc"
		fi
		cp "$path" "$root/bin/"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$BOOT_DIR/initrd.gz"
}

make_iso() {
	local iso=$BOOT_DIR/iso
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	cp "$KOUT/bzImage" "$BOOT_DIR/initrd.gz" "$iso/"
	printf 'DEFAULT linux\nLABEL linux\n  KERNEL /bzImage\n  APPEND initrd=/initrd.gz %s\n' \
		"$CMDLINE" >"$iso/isolinux/isolinux.cfg"
	xorriso -as mkisofs -quiet -o "$BOOT_DIR/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table "$iso"
}

start_bochs() {
	cat >"$BOOT_DIR/bochsrc" <<-BOCHSRC
	megs: $MEGS
	cpu: model=corei7_skylake_x, count=$CPUS, ips=400000000, reset_on_triple_fault=0
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	ata0-master: type=cdrom, path=$BOOT_DIR/boot.iso, status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev=$BOOT_DIR/serial.log
	clock: sync=none
	panic: action=fatal
	display_library: rfb, options="timeout=0"
	sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
	speaker: enabled=0
	log: $BOOT_DIR/bochs.log
	BOCHSRC
	echo c >"$BOOT_DIR/continue.rc"
	bochs -q -f "$BOOT_DIR/bochsrc" -rc "$BOOT_DIR/continue.rc" </dev/null \
		>"$BOOT_DIR/emulator.out" 2>&1 &
	EMU_PID=$!
}

start_qemu() {
	[ -w /dev/kvm ] || die "EMU=qemu needs /dev/kvm on a host with (nested) VMX"
	grep -qw vmx /proc/cpuinfo || die "EMU=qemu needs an Intel host with VMX"
	qemu-system-x86_64 -enable-kvm -cpu host -smp "$CPUS" -m "$MEGS" \
		-kernel "$KOUT/bzImage" -initrd "$BOOT_DIR/initrd.gz" -append "$CMDLINE" \
		-display none -monitor none -no-reboot -serial "file:$BOOT_DIR/serial.log" \
		</dev/null >"$BOOT_DIR/emulator.out" 2>&1 &
	EMU_PID=$!
}

# Print the splats of a kernel log on stdin, skipping WARN blocks ("cut here"
# to "end trace") that match the regular expression $1 and the stack dump
# of an injected allocation failure.
find_splats() {
	awk -v splat="$SPLAT" -v quirks="$1" -v injected="$INJECTOR_REPORT" '
	/------------\[ cut here \]------------/ { inblock = 1; block = ""; first = ""; next }
	inblock {
		block = block "\n" $0
		if (first == "" && $0 ~ splat) first = NR ": " $0
		if ($0 ~ /---\[ end trace/) {
			inblock = 0
			if (block !~ quirks) print first
		}
		next
	}
	$0 ~ injected { expected_trace = 1; next }
	expected_trace && /Call Trace:/ { expected_trace = 0; next }
	$0 ~ splat && $0 !~ /^@@/ { print NR ": " $0 }
	END { if (inblock && block !~ quirks) print first }'
}

stop_emulator() {
	kill "$EMU_PID" 2>/dev/null || true
	wait "$EMU_PID" 2>/dev/null || true
}

# Follow the serial console until the guest is done, dead, silent for
# STALL seconds or out of time.  SILENCE is the longest silence seen.
wait_guest() {
	local log=$BOOT_DIR/serial.log t=0 t0=$SECONDS done_at='' size=0 now quiet_since=0
	: >"$log"
	SILENCE=0
	if [ -n "${QUIET:-}" ]; then
		sleep infinity &
	else
		tail -n +1 -F "$log" 2>/dev/null | tr -d '\r' &
	fi
	TAIL_PID=$!
	while kill -0 "$EMU_PID" 2>/dev/null; do
		if [ -z "$done_at" ] && grep -qa -e '^@@ done' -e 'Kernel panic' -e 'Rebooting in' "$log"; then
			done_at=$t
		fi
		[ -n "$done_at" ] && [ $((t - done_at)) -ge 5 ] && break
		now=$(stat -c %s "$log")
		if [ "$now" != "$size" ]; then
			size=$now quiet_since=$t
			# When the console said what: the wall time of each phase.
			printf '%5d %s\n' "$t" "$(tail -c 300 "$log" | tr -d '\r' | tail -n 1)" \
				>>"$BOOT_DIR/timeline.txt"
		fi
		[ $((t - quiet_since)) -le "$SILENCE" ] || SILENCE=$((t - quiet_since))
		if [ "$SILENCE" -ge "$STALL" ]; then
			HUNG="no console output for ${STALL}s: the guest was killed"
			break
		fi
		if [ $t -ge "$TIMEOUT" ]; then
			HUNG="still running after ${TIMEOUT}s: the guest was killed"
			break
		fi
		sleep 1
		t=$((SECONDS - t0))
	done
	stop_emulator
	sleep 1
	kill "$TAIL_PID" 2>/dev/null || true
	WALL=$t
}

HUNG=
make_initramfs "$@"
say "booting $KOUT/bzImage under $EMU ($CPUS CPUs, ${MEGS} MiB), programs: $*"
if [ "$EMU" = qemu ]; then
	start_qemu
else
	make_iso
	start_bochs
fi
trap stop_emulator EXIT
wait_guest
trap - EXIT
echo

# Judge the run from the console log.
tr -d '\r' <"$BOOT_DIR/serial.log" >"$BOOT_DIR/console.txt"
log=$BOOT_DIR/console.txt
pass=$(grep -cE '^ok [0-9]+' "$log" || true)
fail=$(grep -cE '^not ok [0-9]+' "$log" || true)
skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" || true)
pass=$((pass - skip))
problems=()
[ -z "$HUNG" ] || problems+=("$HUNG")

if grep -q '^@@ done' "$log"; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	problems+=("the guest did not reach the end (panic, hang or reset)")
fi
sed -n '/^@@ dmesg begin/,/^@@ dmesg end/p' "$log" >"$BOOT_DIR/dmesg.txt"
quirks='^$'
[ "$EMU" = bochs ] && quirks=$BOCHS_QUIRKS
# Splats in the dump, and on the console for a guest that died before it.
find_splats "$quirks" <"$BOOT_DIR/dmesg.txt" >"$BOOT_DIR/splats.txt"
grep -q '^@@ dmesg end' "$log" || find_splats "$quirks" <"$log" >>"$BOOT_DIR/splats.txt"
if [ -s "$BOOT_DIR/splats.txt" ]; then
	fail=$((fail + 1))
	problems+=("kernel log has a splat: $(head -n 1 "$BOOT_DIR/splats.txt")")
else
	pass=$((pass + 1))
fi
while read -r _ _ name rc t0 t1; do
	echo "boot: $name exited $rc after $(awk "BEGIN{print $t1 - $t0}")s guest time"
	if [ "$rc" != 0 ]; then
		problems+=("$name exited with status $rc")
		# A program that died without a TAP verdict is one failure.
		grep -q "^# FAILED\|^not ok" "$log" || fail=$((fail + 1))
	fi
done < <(grep '^@@ exit ' "$log")
if grep -q '^@@ insmod' "$log"; then
	problems+=("a kernel module did not load: $(grep '^@@ insmod' "$log" | head -n 1)")
fi
for spec in "$@"; do
	name=$(basename "${spec%%:*}")
	grep -q "^@@ exit $name " "$log" || problems+=("$name never finished")
done
[ "$skip" -eq 0 ] || problems+=("$skip tests skipped; every test must run here")

if [ -n "${QUIET:-}" ]; then
	# What the programs printed: between their start and exit markers.
	awk '/^@@ run /{on=1; next} /^@@ exit /{on=0} on' "$log"
	if [ ${#problems[@]} -gt 0 ] || [ "$fail" -gt 0 ]; then
		echo "boot: the run failed; its console, kernel log included:"
		cat "$log"
	fi
fi
echo "boot: wall ${WALL}s under $EMU, longest console silence ${SILENCE}s; logs in ${BOOT_DIR#"$TOP"/}/"
for p in "${problems[@]}"; do echo "boot: FAIL: $p"; done
[ ${#problems[@]} -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$pass $fail" >"$BOOT_DIR/result"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
