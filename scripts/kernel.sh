#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Build the patched test kernel: apply the series, configure a minimal
# kernel (tinyconfig + scripts/kernel.config + the selftest's config, and
# scripts/i386.config for ARCH=i386, scripts/$BASE.config where a base has
# one), build bzImage with ccache, install UAPI headers and build the static
# selftests.  Results: build/bzImage, build/.config, build/modroot/lib/modules/,
# build/selftests/; for ARCH=i386 the same under build/i386/, with a 32-bit
# busybox; for a backport under build/$BASE/ (scripts/lib.sh).
#
# KCONFIG_EXTRA="file ..." merges more fragments, whose settings win (used
# by the benchmark for its kernels without debug options, =y and =n);
# OBJ=dir and KOUT=dir select other folders for the kbuild output and the results;
# NO_SELFTESTS=1 skips the selftests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FRAGMENTS=("$TOP/scripts/kernel.config" "$TOP/tools/testing/selftests/vmcsctl/config")
[ "$ARCH" = i386 ] && FRAGMENTS+=("$TOP/scripts/i386.config")
[ ! -f "$TOP/scripts/$BASE.config" ] || FRAGMENTS+=("$TOP/scripts/$BASE.config")
for f in ${KCONFIG_EXTRA:-}; do FRAGMENTS+=("$f"); done

"$TOP/scripts/series.sh"
mkdir -p "$OBJ"
kmake() { make -s -C "$TREE" O="$OBJ" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"; }

start=$(date +%s)
kmake tinyconfig >/dev/null
"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${FRAGMENTS[@]}" >/dev/null
kmake olddefconfig
# merge_config only warns: refuse a config that lost a requested option
# (the last fragment that sets an option decides).
bad=0
declare -A want=()
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) want[${line%%=*}]=${line#*=} ;; esac
done < <(cat "${FRAGMENTS[@]}")
for sym in "${!want[@]}"; do
	val=${want[$sym]}
	if [ "$val" = n ]; then
		grep -qx "$sym=[ym]" "$OBJ/.config" && { echo "config: $sym still set"; bad=1; }
	else
		grep -qx "$sym=$val" "$OBJ/.config" || { echo "config: wanted $sym=$val, got: $(grep "^$sym=\|# $sym " "$OBJ/.config")"; bad=1; }
	fi
done
[ $bad -eq 0 ] || die "kernel config does not honour the fragments"

say "building bzImage ($(grep -c '=y' "$OBJ/.config") options =y, ccache $CCACHE_DIR)"
kmake bzImage modules
kmake headers_install >/dev/null
mkdir -p "$KOUT"
cp "$OBJ/arch/x86/boot/bzImage" "$KOUT/bzImage"
rm -rf "$KOUT/modroot"
kmake modules_install INSTALL_MOD_PATH="$KOUT/modroot" INSTALL_MOD_STRIP=1 >/dev/null
cp "$OBJ/.config" "$KOUT/.config"
if [ -n "${NO_SELFTESTS:-}" ]; then
	say "kernel built in $(( $(date +%s) - start ))s"
	exit 0
fi

say "building selftests"
rm -rf "$KOUT/selftests" && mkdir -p "$KOUT/selftests"
if [ "$ARCH" = i386 ]; then
	# 32-bit static programs (gcc-multilib), and a 32-bit busybox for /init:
	# Debian's i386 busybox-static, downloaded, not installed.
	make -s -j"$JOBS" -C "$TREE/tools/testing/selftests/vmcsctl" OUTPUT="$KOUT/selftests" \
		CC="gcc -m32" KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static
	make -s -j"$JOBS" -C "$TREE/tools/kvm/vmcsctl" O="$KOUT/vmcsctl" CC="gcc -m32" \
		KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static
	if [ ! -x "$KOUT/busybox" ]; then
		rm -rf "$KOUT/deb" && mkdir -p "$KOUT/deb"
		(cd "$KOUT/deb" && apt-get download -q -o APT::Sandbox::User=root busybox-static:i386 >/dev/null) ||
			die "no i386 busybox-static: run make setup (it adds the i386 architecture)"
		dpkg-deb -x "$KOUT"/deb/busybox-static_*_i386.deb "$KOUT/deb/root"
		cp "$KOUT/deb/root/bin/busybox" "$KOUT/busybox"
	fi
	say "kernel and selftests built in $(( $(date +%s) - start ))s (the nested test is 64-bit only)"
	exit 0
fi
make -s -j"$JOBS" -C "$TREE/tools/testing/selftests/vmcsctl" OUTPUT="$KOUT/selftests" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static
# The nested and check tests are KVM selftests: they build on the KVM
# selftest library, whose x86 folder is x86/ since 6.14 and x86_64/ before.
kvm=x86
[ -d "$TREE/tools/testing/selftests/kvm/$kvm" ] || kvm=x86_64
rm -rf "$KOUT/kvm-selftests"
make -s -j"$JOBS" -C "$TREE/tools/testing/selftests/kvm" OUTPUT="$KOUT/kvm-selftests" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" EXTRA_CFLAGS=-static \
	"$KOUT/kvm-selftests/$kvm/vmcsctl_nested_test" "$KOUT/kvm-selftests/$kvm/vmcsctl_check_test"
cp "$KOUT/kvm-selftests/$kvm/vmcsctl_nested_test" "$KOUT/kvm-selftests/$kvm/vmcsctl_check_test" \
	"$KOUT/selftests/"
# vmcsctl(8), static, for the guest's PATH (scripts/boot.sh TOOLS=).
make -s -j"$JOBS" -C "$TREE/tools/kvm/vmcsctl" O="$KOUT/vmcsctl" KHDR_INCLUDES="-isystem $OBJ/usr/include" \
	LDFLAGS=-static
say "kernel and selftests built in $(( $(date +%s) - start ))s"
