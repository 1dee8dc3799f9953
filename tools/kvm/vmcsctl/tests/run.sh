#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# vmcsctl's unit tests, as TAP on stdout.
#
#   tests/run.sh VMCSCTL [TEST_PROGRAM...]
#
# VMCSCTL is a built vmcsctl.  Cases:
#  - golden: for each tests/golden/NAME.EXT, run vmcsctl on
#    tests/snapshots/NAME.snap and compare its stdout with the file; EXT
#    gives the arguments (show_args below).  Add a golden file to add a case.
#    NAME.explain: "vmcsctl explain" of tests/logs/NAME.log, its MSRs from
#    snapshots/NAME.snap if there is one (else check-base.snap); the file
#    holds stdout, then "--- stderr" and stderr, then "--- exit STATUS".
#    xen-4.17.log is Xen's serial console under the emulator: three dumps
#    of its PVH dom0's vCPU (debug key 'v'), blanks at line ends and CRs
#    dropped; xen-garbled.log (a line garbled, one wrapped, a dump cut
#    off) and xen-sti.log (STI blocking with RFLAGS.IF=0, which no entry
#    allows) are edited from it.
#  - explain: the dumps of tests/logs/linux-*.log, logged by KVM for a
#    failed VM entry under the emulator, must show every field as
#    snapshots/linux-*.snap (saved right after it) has it.  With
#    EXPLAIN_CORPUS set to a folder (a fuzzer's corpus), explain must end
#    with an exit status, 0 to 3, on each file in it.
#  - errors: the lines of tests/errors.txt (if present), one case each, see
#    run_error_cases.
#  - programs: each TEST_PROGRAM is run; the TAP lines it prints ("ok ..." /
#    "not ok ...") become cases of this run, renumbered; a program that
#    prints none is one case, passed if it exits 0.
# Exits 1 if a case failed, 2 on bad usage.

set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 VMCSCTL [TEST_PROGRAM...]" >&2
	exit 2
fi
VMCSCTL=$1
shift
DIR=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d) || exit 2
trap 'rm -rf "$TMP"' EXIT

n=0
failed=0

# report STATUS DESCRIPTION [DIAGNOSTIC_FILE]: one TAP line, the file as comments on failure.
report() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ $# -ge 3 ] && sed 's/^/# /' "$3"
	fi
}

# The vmcsctl arguments that a golden file's extension stands for.
show_args() {
	case $1 in
	show)	echo "show" ;;
	raw)	echo "show --raw" ;;
	json)	echo "show --json" ;;
	check)	echo "check" ;;
	*)	return 1 ;;
	esac
}

# "vmcsctl explain" of tests/logs/$1.log from tests/ (paths in its output
# stay relative), as its golden file has it.
explain_golden() {
	local msrs=snapshots/$1.snap rc

	[ -f "$DIR/$msrs" ] || msrs=snapshots/check-base.snap
	(cd "$DIR" && "$VMCSCTL" explain --msrs "$msrs" "logs/$1.log" 2>"$TMP/stderr")
	rc=$?
	echo "--- stderr"
	cat "$TMP/stderr"
	echo "--- exit $rc"
}

run_golden_cases() {
	local golden name ext args snap

	for golden in "$DIR"/golden/*.*; do
		[ -e "$golden" ] || continue
		name=$(basename "$golden")
		ext=${name##*.}
		name=${name%.*}
		if [ "$ext" = explain ]; then
			explain_golden "$name" >"$TMP/out"
			diff -u "$golden" "$TMP/out" >"$TMP/diag"
			report $? "explain $name" "$TMP/diag"
			continue
		fi
		snap=$DIR/snapshots/$name.snap
		if ! args=$(show_args "$ext"); then
			echo "unknown golden file type: $golden" >"$TMP/diag"
			report 1 "$ext $name" "$TMP/diag"
			continue
		fi
		# shellcheck disable=SC2086
		"$VMCSCTL" $args --file "$snap" >"$TMP/out" 2>"$TMP/err"
		echo "exit status $?" >>"$TMP/err"
		if diff -u "$golden" "$TMP/out" >"$TMP/diag"; then
			report 0 "$ext $name"
		else
			cat "$TMP/err" >>"$TMP/diag"
			report 1 "$ext $name" "$TMP/diag"
		fi
	done
}

# tests/errors.txt: "STATUS STDERR_SUBSTRING | ARGS..." per line ('#' comments),
# with @SNAP@ in ARGS for tests/snapshots.  The case passes if vmcsctl ARGS
# exits with STATUS and its stderr contains STDERR_SUBSTRING (text before
# the '|', trimmed; may be empty), with exactly one line on stderr and
# nothing on stdout, e.g.:
#   2 no field NO_SUCH_FIELD | show --file @SNAP@/real-mode-hlt.snap NO_SUCH_FIELD
run_error_cases() {
	local line status want args rc

	[ -f "$DIR/errors.txt" ] || return 0
	while IFS= read -r line; do
		case $line in
		''|'#'*) continue ;;
		esac
		status=${line%% *}
		want=${line#* }
		want=${want%%|*}
		want=$(echo "$want" | sed 's/^ *//; s/ *$//')
		args=${line#*|}
		args=${args//@SNAP@/$DIR/snapshots}
		args=${args# }
		# shellcheck disable=SC2086
		"$VMCSCTL" $args >"$TMP/out" 2>"$TMP/err"
		rc=$?
		# One line on stderr, nothing on stdout.
		if [ "$rc" = "$status" ] && grep -qF -- "$want" "$TMP/err" &&
		   [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
			report 0 "error:$args"
		else
			{
				echo "exit status $rc, expected $status; stderr:"
				cat "$TMP/err"
			} >"$TMP/diag"
			report 1 "error:$args" "$TMP/diag"
		fi
	done <"$DIR/errors.txt"
}

run_program() {
	local prog=$1 rc line seen=0 bad=0

	"$prog" >"$TMP/prog" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		'ok '*|'not ok '*)
			seen=1
			[ "${line%% *}" = not ] && bad=1
			line=${line#not }
			line=${line#ok }
			line=${line#[0-9]*[ ]}
			line=${line#- }
			n=$((n + 1))
			if [ $bad -eq 1 ]; then
				echo "not ok $n - $(basename "$prog"): $line"
				failed=$((failed + 1))
			else
				echo "ok $n - $(basename "$prog"): $line"
			fi
			bad=0
			;;
		1..*)	;;
		*)	echo "# $line" ;;
		esac
	done <"$TMP/prog"
	if [ $seen -eq 0 ] || [ $rc -ne 0 ]; then
		echo "exit status $rc" >"$TMP/diag"
		report $rc "$(basename "$prog")" "$TMP/diag"
	fi
}

# A directory of /sys/kernel/vmcsctl as files, from a saved snapshot: the
# fields and dump records of include/uapi/linux/vmcsctl.h (native byte
# order), the identity files and, empty, the files of writable fields.
# $3: a field to change, "NAME=VALUE".
fake_dir() {
	local snap=$1 root=$2 set=${3:-}

	perl -e '
		my ($snap, $root, $set) = @ARGV;
		my ($dir, %id, $fields, $dump, @writable);
		my ($sname, $sval) = split /=/, $set;
		my %types = (control => 0, exit => 1, guest => 2, host => 3);
		open(my $in, "<", $snap) or die "$snap: $!";
		while (<$in>) {
			chomp;
			my ($key, @v) = split / /;
			if ($key eq "dir") { $dir = $v[0]; next; }
			my $ids = "pid|tid|vcpu_id|cpu|guest_mode|id|vm|current|revision_id|abort";
			if ($key =~ /^($ids)$/) {
				$id{$key} = $v[0]; next;
			}
			next unless $key eq "field";
			my ($name, $enc, $width, $type, $flags, $value) = @v;
			$value = $sval if defined $sname && $name eq $sname;
			my $f = ($flags =~ /w/ ? 1 : 0) | ($flags =~ /h/ ? 2 : 0);
			$fields .= pack("L S C C a40", hex($enc), $f, $width, $types{$type}, $name);
			$dump .= pack("L L Q", hex($enc), 0, hex($value));
			push @writable, $name if $flags =~ /w/;
		}
		mkdir "$root/$dir";
		for my $k (keys %id) {
			open(my $o, ">", "$root/$dir/$k.new") or die;
			print $o "$id{$k}\n";
			close $o;
			rename "$root/$dir/$k.new", "$root/$dir/$k" or die;
		}
		for my $w (@writable) {
			open(my $o, ">", "$root/$dir/$w") or die; close $o;
		}
		# Replaced, not rewritten: a watch may be reading them.
		open(my $o, ">", "$root/fields.new") or die; print $o $fields; close $o;
		rename "$root/fields.new", "$root/fields" or die;
		open($o, ">", "$root/$dir/dump.new") or die; print $o $dump; close $o;
		rename "$root/$dir/dump.new", "$root/$dir/dump" or die;
	' "$snap" "$root" "$set"
}

# list, save, show, diff --after and watch on a directory as files: the
# same code paths as on /sys/kernel/vmcsctl (VMCSCTL_SYSFS points there).
run_live_cases() {
	local snap=$DIR/snapshots/bochs-long-mode.snap root=$TMP/sys dir rc pid
	local later=GUEST_RIP=0x0000000000414cc3

	dir=$(sed -n 's/^dir //p' "$snap")
	mkdir -p "$root"
	fake_dir "$snap" "$root"
	export VMCSCTL_SYSFS=$root

	"$VMCSCTL" list >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && grep -q "^$dir  *121 " "$TMP/out"
	report $? "live: list shows $dir" "$TMP/out"

	# save gives back the snapshot, but for what this machine's CPU says.
	"$VMCSCTL" save "$dir" >"$TMP/saved" 2>&1
	rc=$?
	grep -v '^\(cpuid\|msr\|comm\) ' "$snap" >"$TMP/want"
	grep -v '^\(cpuid\|msr\|comm\) ' "$TMP/saved" >"$TMP/got"
	[ $rc -eq 0 ] && diff -u "$TMP/want" "$TMP/got" >"$TMP/diag"
	report $? "live: save round trip of $dir" "$TMP/diag"

	"$VMCSCTL" show --raw "$dir" >"$TMP/got" 2>&1 &&
		"$VMCSCTL" show --raw --file "$snap" >"$TMP/want" &&
		diff -u "$TMP/want" "$TMP/got" >"$TMP/diag"
	report $? "live: show --raw of $dir equals that of its snapshot" "$TMP/diag"

	# A field changes 200 ms into a 1 s window.
	(sleep 0.2; fake_dir "$snap" "$root" "$later") &
	"$VMCSCTL" diff --after 1000 "$dir" >"$TMP/out" 2>&1
	rc=$?
	wait
	[ $rc -eq 1 ] && [ "$(cat "$TMP/out")" = \
		"GUEST_RIP                        0x0000000000414cc1 -> 0x0000000000414cc3" ]
	report $? "live: diff --after names the one field that changed" "$TMP/out"

	# watch prints each change until --count; here one, within 10 s.
	fake_dir "$snap" "$root"
	"$VMCSCTL" watch --count 1 --interval 20 "$dir" GUEST_RIP >"$TMP/out" 2>&1 &
	pid=$!
	sleep 0.3
	fake_dir "$snap" "$root" "$later"
	for _ in $(seq 100); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill $pid 2>/dev/null
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 1 ] &&
		grep -q 'GUEST_RIP  *0x0000000000414cc1 -> 0x0000000000414cc3$' "$TMP/out"
	report $? "live: watch --count 1 prints the change and stops" "$TMP/out"

	# set: a value check fails is refused and not written; --force writes.
	"$VMCSCTL" set "$dir" GUEST_RFLAGS 0x8 >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] && [ ! -s "$root/$dir/GUEST_RFLAGS" ] &&
		grep -q '^FAIL .* guest-rflags-reserved: .*\[GUEST_RFLAGS=0x0*8\]' "$TMP/out"
	report $? "live: set refuses a reserved RFLAGS bit, names the rule" "$TMP/out"
	"$VMCSCTL" set --force "$dir" GUEST_RIP 0x414cc3 >"$TMP/out" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ "$(cat "$root/$dir/GUEST_RIP")" = 0x414cc3 ] &&
		grep -q '^GUEST_RIP = 0x' "$TMP/out"
	report $? "live: set --force writes the field's file and reads the field back" "$TMP/out"

	# SIGTERM ends a watch with status 0.
	"$VMCSCTL" watch "$dir" >"$TMP/out" 2>&1 &
	pid=$!
	sleep 0.3
	kill -TERM $pid
	wait $pid
	report $? "live: SIGTERM ends watch" "$TMP/out"
	unset VMCSCTL_SYSFS
}

# check's exit status: 0 enters, 1 a rule fails, 3 rules not evaluated.
run_status_cases() {
	local want snap rc

	while read -r want snap; do
		"$VMCSCTL" check --file "$DIR/snapshots/$snap" >"$TMP/out" 2>&1
		rc=$?
		[ $rc -eq "$want" ]
		report $? "check exit status $want: $snap" "$TMP/out"
	done <<-EOF
	0 bochs-long-mode.snap
	0 bochs-real-mode.snap
	0 cet-long-mode.snap
	1 entry-failure.snap
	1 cet-entry-failure.snap
	3 pf-newer-kernel.snap
	EOF
}

# explain on KVM's real dumps: every field it shows as the VMCS held it;
# on binary junk, no dump and exit status 2.
run_explain_cases() {
	local log snap name

	for log in "$DIR"/logs/linux-*.log; do
		[ -e "$log" ] || continue
		name=$(basename "$log" .log)
		snap=$DIR/snapshots/$name.snap
		"$VMCSCTL" explain --raw --msrs "$snap" "$log" 2>&1 |
			grep -E '^[A-Z0-9_]+ 0x[0-9a-f]+$' >"$TMP/got"
		"$VMCSCTL" show --raw --file "$snap" | grep -Fxf "$TMP/got" >"$TMP/both"
		{
			echo "fields in the dump but not (or not so) in the snapshot:"
			grep -vFxf "$TMP/both" "$TMP/got"
		} >"$TMP/diag"
		[ "$(wc -l <"$TMP/got")" -ge 60 ] &&
			[ "$(wc -l <"$TMP/both")" -eq "$(wc -l <"$TMP/got")" ]
		report $? "explain $name: $(wc -l <"$TMP/got") fields, each as the VMCS held it" \
			"$TMP/diag"
	done
	"$VMCSCTL" explain --msrs "$DIR/snapshots/check-base.snap" "$VMCSCTL" >"$TMP/out" \
		2>"$TMP/err"
	[ $? -eq 2 ] && [ ! -s "$TMP/out" ] && grep -q 'no VMCS dump found' "$TMP/err"
	report $? "explain of a binary: no dump, exit status 2" "$TMP/err"

	[ -n "${EXPLAIN_CORPUS:-}" ] || return 0
	local f rc count=0 bad=0
	: >"$TMP/diag"
	for f in "$EXPLAIN_CORPUS"/*; do
		"$VMCSCTL" explain --msrs "$DIR/snapshots/check-base.snap" "$f" >/dev/null 2>&1
		rc=$?
		count=$((count + 1))
		[ $rc -le 3 ] || { bad=$((bad + 1)); echo "$f: exit status $rc" >>"$TMP/diag"; }
	done
	[ $count -gt 0 ] && [ $bad -eq 0 ]
	report $? "explain on $count inputs of a fuzzer's corpus: an exit status 0 to 3 each" \
		"$TMP/diag"
}

run_golden_cases
run_explain_cases
run_error_cases
run_status_cases
run_live_cases
for prog in "$@"; do
	run_program "$prog"
done
echo "1..$n"
[ $failed -eq 0 ]
