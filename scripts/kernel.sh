#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Build the patched test kernel: apply the series, configure a minimal x86_64
# kernel (tinyconfig + scripts/kernel.config + the selftest's config), build
# bzImage with ccache, install UAPI headers and build the static selftests.
# Results: build/bzImage, build/.config, build/modroot/lib/modules/, build/selftests/.
#
# KCONFIG_EXTRA=file merges one more fragment (used by the benchmark to build
# the CONFIG_KVM_VMCSCTL=n twin); OBJ=dir selects another output folder.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FRAGMENTS=("$TOP/scripts/kernel.config" "$TOP/tools/testing/selftests/vmcsctl/config")
[ -n "${KCONFIG_EXTRA:-}" ] && FRAGMENTS+=("$KCONFIG_EXTRA")

"$TOP/scripts/series.sh"
mkdir -p "$OBJ"
kmake() { make -s -C "$TREE" O="$OBJ" CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" "$@"; }

start=$(date +%s)
kmake tinyconfig >/dev/null
"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${FRAGMENTS[@]}" >/dev/null
kmake olddefconfig
# merge_config only warns: refuse a config that lost a requested option.
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*} val=${line#*=}
	if [ "$val" = n ]; then
		grep -qx "$sym=[ym]" "$OBJ/.config" && { echo "config: $sym still set"; bad=1; }
	else
		grep -qx "$line" "$OBJ/.config" || { echo "config: wanted $line, got: $(grep "^$sym=\|# $sym " "$OBJ/.config")"; bad=1; }
	fi
done < <(cat "${FRAGMENTS[@]}")
[ $bad -eq 0 ] || die "kernel config does not honour the fragments"

say "building bzImage ($(grep -c '=y' "$OBJ/.config") options =y, ccache $CCACHE_DIR)"
kmake bzImage modules
kmake headers_install >/dev/null
cp "$OBJ/arch/x86/boot/bzImage" "$BUILD/bzImage"
rm -rf "$BUILD/modroot"
kmake modules_install INSTALL_MOD_PATH="$BUILD/modroot" INSTALL_MOD_STRIP=1 >/dev/null
cp "$OBJ/.config" "$BUILD/.config"

say "building selftests"
rm -rf "$BUILD/selftests" && mkdir -p "$BUILD/selftests"
make -s -C "$TREE/tools/testing/selftests/vmcsctl" OUTPUT="$BUILD/selftests" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static
say "kernel and selftests built in $(( $(date +%s) - start ))s"
