#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Checks of the posted series of BASE (scripts/bases): patches/$BASE/ is what
# scripts/patches.sh makes from the sources now, it applies with git am to
# pristine linux-source-$BASE and gives
# the tree that was built and tested, checkpatch.pl --strict finds nothing
# in any patch, W=1 and sparse report nothing in arch/x86/kvm/vmx/ that the
# base does not, kernel-doc is clean, the series builds for i386 where the
# base has an i386 target, and git send-email --dry-run accepts it.  For the
# primary, the posted series, also: arch/x86/kvm builds after every patch
# with vmcsctl off and on, and a vmlinux with KVM built in and TDX on builds
# (the test kernel is the other corner: modules, no TDX).  Needs that base's
# test kernel config (make kernel).
# Ends with "N passed, M failed" over these checks.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

pass=0 fail=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
		pass=$((pass + 1))
	else
		echo "not ok - $what"
		fail=$((fail + 1))
	fi
}

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"; git -C "$TREE" checkout -q vmcsctl 2>/dev/null' EXIT
"$TOP/scripts/patches.sh" "$fresh" >/dev/null || die "cannot generate the series"

check "patches/$BASE/ is up to date (make patches)" diff -r "$fresh" "$PATCHES"

applies() {
	git -C "$TREE" checkout -q --detach base &&
	git -C "$TREE" am -q $(ls "$PATCHES"/0*.patch | grep -v /0000-) 2>&1 &&
	[ -z "$(git -C "$TREE" diff vmcsctl HEAD)" ]
}
check "patches/$BASE/ applies with git am to pristine $BASE and gives the tested tree" applies
git -C "$TREE" am --abort 2>/dev/null

# checkpatch's SPDX check runs Debian's python3 (python3-ply).
checkpatch_clean() {
	local out
	out=$(cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict -q "$1" 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}
for p in "$PATCHES"/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	check "checkpatch --strict: $(basename "$p")" checkpatch_clean "$p"
done

# Builds in the test kernel's own output folder (build/obj): its prepared
# tree and objects are reused, so a check compiles only what the checkout or
# the option changes; make kernel makes it the test kernel again.  Logs go
# to build/check/.
KCHECK=$BUILD$BASE_DIR/check
mkdir -p "$KCHECK"
[ -f "$KOUT/.config" ] || die "no $KOUT/.config: run make kernel"
kbuild() {
	local obj=$1
	shift
	mkdir -p "$obj"
	make -s -C "$TREE" O="$obj" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"
}

# The test kernel's config, vmcsctl on or off, made valid for the checkout.
configure() {
	local obj=$1 mode=$2
	mkdir -p "$obj"
	cp "$KOUT/.config" "$obj/.config"
	[ "$mode" = on ] || "$TREE/scripts/config" --file "$obj/.config" \
		-d KVM_VMCSCTL -d KVM_VMCSCTL_WRITE
	kbuild "$obj" olddefconfig >/dev/null || return 1
	if [ "$mode" = on ] && grep -q '^config KVM_VMCSCTL$' "$TREE/arch/x86/kvm/Kconfig"; then
		grep -qx 'CONFIG_KVM_VMCSCTL=y' "$obj/.config" || return 1
	fi
}

# Every commit of the series builds arch/x86/kvm/ (bisectability).  A
# commit that changes no file such a build reads builds what its parent
# built and is not built again: one that changes only Documentation/,
# MAINTAINERS and tools/ (selftests, vmcsctl(8)), and with vmcsctl off also
# one that changes only vmcsctl's own .c files, which kbuild then leaves out.
builds_anything() {
	local mode=$1 c=$2 skip='^(Documentation/|MAINTAINERS$|tools/)'
	[ "$mode" = on ] || skip='^(Documentation/|MAINTAINERS$|tools/|arch/x86/kvm/vmx/vmcsctl[a-z_]*\.c$)'
	git -C "$TREE" diff-tree --no-commit-id --name-only -r "$c" | grep -qvE "$skip"
}
bisect_builds() {
	local mode=$1 obj=$OBJ log=$KCHECK/bisect-$1.log c t0 built=0 same=0
	for c in $(git -C "$TREE" rev-list --reverse base..vmcsctl); do
		if ! builds_anything "$mode" "$c"; then
			same=$((same + 1))
			continue
		fi
		built=$((built + 1))
		git -C "$TREE" checkout -q --detach "$c"
		t0=$(date +%s)
		if ! configure "$obj" "$mode" || ! kbuild "$obj" arch/x86/kvm/ >"$log" 2>&1; then
			echo "# vmcsctl $mode: build fails at: $(git -C "$TREE" log -1 --format=%s "$c")"
			tail -n 20 "$log"
			return 1
		fi
		echo "# vmcsctl $mode: $(git -C "$TREE" log -1 --format=%s "$c"): $(($(date +%s) - t0))s"
	done
	echo "# vmcsctl $mode: $built commits built, $same change nothing that arch/x86/kvm reads"
}
if [ "$BASE" = "$PRIMARY" ]; then
	check "arch/x86/kvm builds after every patch, CONFIG_KVM_VMCSCTL=n" bisect_builds off
	check "arch/x86/kvm builds after every patch, CONFIG_KVM_VMCSCTL=y" bisect_builds on
fi
git -C "$TREE" checkout -q vmcsctl

# KVM and kvm_intel built in, with TDX: vmcsctl's hooks then sit behind the
# vt_* dispatch of vmx/main.c beside TDX's, and its init and exit run from
# vmx_init() of a built-in kvm_intel.  A whole vmlinux, so that modpost sees
# section mismatches, with W=1, then arch/x86/kvm again with vmcsctl off: of
# tinyconfig with scripts/builtin-tdx.config, not of the test kernel's
# options, which CI's cold cache would compile a second time.
builtin_tdx() {
	local obj=$KCHECK/builtin-tdx log=$KCHECK/builtin-tdx.log
	kbuild "$obj" tinyconfig >/dev/null &&
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$TOP/scripts/builtin-tdx.config" >/dev/null &&
	kbuild "$obj" olddefconfig >/dev/null || return 1
	grep -qx CONFIG_KVM_INTEL=y "$obj/.config" && grep -qx CONFIG_KVM_INTEL_TDX=y "$obj/.config" &&
		grep -qx CONFIG_KVM_VMCSCTL_WRITE=y "$obj/.config" || { echo "# no KVM_INTEL=y with TDX"; return 1; }
	kbuild "$obj" W=1 vmlinux >"$log" 2>&1 || { tail -n 20 "$log"; return 1; }
	! grep -E 'warning:|error:|mismatch' "$log" | grep vmcsctl || return 1
	"$TREE/scripts/config" --file "$obj/.config" -d KVM_VMCSCTL -d KVM_VMCSCTL_WRITE
	kbuild "$obj" olddefconfig >/dev/null && kbuild "$obj" W=1 arch/x86/kvm/ >>"$log" 2>&1 ||
		{ tail -n 20 "$log"; return 1; }
}
[ "$BASE" != "$PRIMARY" ] ||
	check "KVM and kvm_intel built in, TDX on: vmlinux builds, vmcsctl on and off" builtin_tdx

# W=1 and sparse (C=2: every file) on the objects of arch/x86/kvm/vmx/ (a
# folder kbuild cannot build on its own), source locations dropped.
warnings_at() {
	local objs
	objs=$(cd "$OBJ" && ls arch/x86/kvm/vmx/*.o | grep -v '\.mod\.o$')
	[ "$1" = base ] && objs=$(grep -v vmcsctl <<<"$objs")
	git -C "$TREE" checkout -q --detach "$1" && configure "$OBJ" on || return 1
	# shellcheck disable=SC2086
	kbuild "$OBJ" C=2 W=1 $objs >"$KCHECK/w1-$1.log" 2>&1 || return 1
	{ grep -E 'warning:|error:' "$KCHECK/w1-$1.log" || true; } |
		sed -E 's/:[0-9]+:[0-9]+:/:/; s/:[0-9]+:/:/' | sort -u
}
no_new_warnings() {
	warnings_at base >"$KCHECK/w1-base.txt" && warnings_at vmcsctl >"$KCHECK/w1-series.txt" ||
		return 1
	echo "# W=1 + sparse on arch/x86/kvm/vmx/*.o: $(wc -l <"$KCHECK/w1-base.txt")" \
		"warnings at base, $(wc -l <"$KCHECK/w1-series.txt") with the series"
	! comm -13 "$KCHECK/w1-base.txt" "$KCHECK/w1-series.txt" | grep .
}
check "W=1 and sparse: nothing new in arch/x86/kvm/vmx/" no_new_warnings
git -C "$TREE" checkout -q vmcsctl

# -Wall (return values, short descriptions) where kernel-doc has it (not 6.1).
KDOC_WALL=
"$TREE/scripts/kernel-doc" -h 2>&1 | grep -- '-Wall' >/dev/null && KDOC_WALL=-Wall
kernel_doc_clean() {
	local out
	out=$("$TREE/scripts/kernel-doc" -none $KDOC_WALL "$TREE"/arch/x86/kvm/vmx/vmcsctl*.[ch] 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}
check "kernel-doc ${KDOC_WALL:+$KDOC_WALL }clean: vmcsctl" kernel_doc_clean

# 32-bit: natural-width fields are 32 bits there, 64-bit ones two halves.
# Where the base's i386 test kernel is built (make test builds the kernels
# first), its tree is the one checked: only arch/x86/kvm is compiled again,
# with W=1; otherwise an i386 tinyconfig with scripts/i386.config.
i386_build() {
	local obj=$BUILD$BASE_DIR/obj/i386 base_config=
	if [ ! -f "$obj/.config" ]; then
		obj=$KCHECK/i386
		[ ! -f "$TOP/scripts/$BASE.config" ] || base_config=$TOP/scripts/$BASE.config
		kbuild "$obj" ARCH=i386 tinyconfig >/dev/null &&
		"$TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
			"$TOP/scripts/i386.config" $base_config >/dev/null &&
		kbuild "$obj" ARCH=i386 olddefconfig >/dev/null || return 1
	fi
	echo "# i386 tree: ${obj#"$TOP"/}"
	grep -qx 'CONFIG_KVM_VMCSCTL_WRITE=y' "$obj/.config" &&
	kbuild "$obj" ARCH=i386 W=1 arch/x86/kvm/ >"$KCHECK/i386.log" 2>&1 &&
	! grep -E 'warning:|error:' "$KCHECK/i386.log" | grep vmcsctl
}
[[ " $BASE_ARCHES " != *" i386 "* ]] ||
	check "i386 (ARCH=i386, KVM_INTEL=m, vmcsctl with writes) builds W=1-clean" i386_build

send_email_dry_run() {
	local n
	n=$(git send-email --dry-run --confirm=never --no-annotate \
		--from="$GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>" "$PATCHES"/*.patch 2>&1 |
		grep -c '^Dry-OK')
	[ "$n" -eq "$(ls "$PATCHES"/*.patch | wc -l)" ]
}
check "git send-email --dry-run accepts the series" send_email_dry_run

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
