#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Install the Debian 12 packages the project needs. Idempotent: when every
# package is present it only runs dpkg-query and exits.
set -euo pipefail

# The base kernel of the series. Pinned so that patches/ stays valid; fall
# back to the newest 6.12 when the archive no longer carries this one.
KSRC_VERSION=6.12.117-1~deb12u1

pkgs=(
	linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod rsync
	python3 python3-ply python3-git perl git git-email libmailtools-perl xz-utils ccache sparse openssl
	bochs bochsbios vgabios busybox-static isolinux syslinux-common xorriso
	qemu-system-x86
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
[ "$(id -u)" -eq 0 ] || { echo "setup: run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
for i in "${!missing[@]}"; do
	[ "${missing[$i]}" = linux-source-6.12 ] || continue
	if apt-cache show "linux-source-6.12=$KSRC_VERSION" >/dev/null 2>&1; then
		missing[i]="linux-source-6.12=$KSRC_VERSION"
	else
		echo "setup: linux-source-6.12 $KSRC_VERSION is gone, taking the newest" >&2
	fi
done
apt-get install -y -q --no-install-recommends "${missing[@]}"
