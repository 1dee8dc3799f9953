#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Install the Debian 12 packages the project needs. Idempotent: when every
# package is present it only runs dpkg-query and exits.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

# The base kernels' sources (scripts/bases), at the version tested so that
# patches/ stays valid; the newest of that line when the archive no longer
# carries it.
declare -A KSRC_VERSION=()
while read -r _ pkg version _; do
	KSRC_VERSION[$pkg]=$version
done < <(bases)

pkgs=(
	"${!KSRC_VERSION[@]}"
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync
	python3 python3-ply python3-git perl git git-email libmailtools-perl xz-utils lz4 ccache sparse openssl
	bochs bochsbios vgabios busybox-static isolinux syslinux-common xorriso
	qemu-system-x86
	gcc-multilib
)

# The i386 test boot needs Debian's i386 busybox-static, which scripts/kernel.sh
# downloads (apt-get download) and never installs: it would replace the
# amd64 one.  apt only lists it once dpkg knows the i386 architecture.
need_i386=
dpkg --print-foreign-architectures | grep -qx i386 || need_i386=1

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ -z "$need_i386" ] && exit 0

echo "setup: installing ${missing[*]}${need_i386:+ (and the i386 architecture for busybox)}"
[ "$(id -u)" -eq 0 ] || { echo "setup: run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
[ -n "$need_i386" ] && dpkg --add-architecture i386
# A mirror in sync can fail one index (seen for bookworm-security i386): go on
# with the indexes there are; a package that is then missing fails below.
apt-get update -q || echo "setup: apt-get update reported errors, going on" >&2
[ ${#missing[@]} -eq 0 ] && exit 0
for i in "${!missing[@]}"; do
	p=${missing[$i]} v=${KSRC_VERSION[${missing[$i]}]:-}
	[ -n "$v" ] || continue
	if apt-cache show "$p=$v" >/dev/null 2>&1; then
		missing[i]="$p=$v"
	else
		echo "setup: $p $v is gone, taking the newest" >&2
	fi
done
apt-get install -y -q --no-install-recommends "${missing[@]}"
