#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Install the Debian 12 packages the project needs and download the base
# kernels' sources into build/src/.  Idempotent: when every package and
# source is present it only runs dpkg-query and exits.
set -euo pipefail

. "$(dirname "$0")/lib.sh"

pkgs=(
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

# The base kernels' sources (scripts/bases), at the version tested, so that
# patches/ stays valid: downloaded through an apt configuration of our own
# (its sources list, lists and cache under build/apt/), never installed.  The
# host's packages and apt state stay as they are; 7.3 comes from
# trixie-backports, which the host does not (and need not) know.
fetch_sources() {
	local apt=$BUILD/apt base pkg version opts
	opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
		-o APT::Sandbox::User=root -o Debug::NoLocking=1)
	while read -r base pkg version _; do
		[ ! -f "$KSRC_DIR/$pkg.tar.xz" ] || continue
		if [ ! -d "$apt/lists" ]; then
			mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
			printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
				bookworm bookworm-updates trixie-backports >"$apt/sources.list"
			printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security %s main\n' \
				bookworm-security >>"$apt/sources.list"
			echo "setup: reading the package lists for the kernel sources (build/apt/)"
			apt-get "${opts[@]}" -q update >/dev/null || echo "setup: apt-get update reported errors, going on" >&2
		fi
		echo "setup: downloading $pkg $version (base $base)"
		mkdir -p "$KSRC_DIR"
		(cd "$KSRC_DIR" && apt-get "${opts[@]}" -q download "$pkg=$version" >/dev/null) || {
			echo "setup: cannot download $pkg $version (base $base) from Debian's archive:" \
				"its version line in scripts/bases is the one tested; update it (and patches/) if it is gone" >&2
			exit 1
		}
		dpkg-deb --fsys-tarfile "$KSRC_DIR/${pkg}_"*.deb | tar -xO "./usr/src/$pkg.tar.xz" \
			>"$KSRC_DIR/$pkg.tar.xz.part"
		mv "$KSRC_DIR/$pkg.tar.xz.part" "$KSRC_DIR/$pkg.tar.xz"
		rm -f "$KSRC_DIR/${pkg}_"*.deb
	done < <(bases)
}

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ -n "$need_i386" ]; then
	echo "setup: installing ${missing[*]}${need_i386:+ (and the i386 architecture for busybox)}"
	[ "$(id -u)" -eq 0 ] || { echo "setup: run as root (apt-get)" >&2; exit 1; }
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$need_i386" ] && dpkg --add-architecture i386
	# A mirror in sync can fail one index (seen for bookworm-security i386): go on
	# with the indexes there are; a package that is then missing fails below.
	apt-get update -q || echo "setup: apt-get update reported errors, going on" >&2
	[ ${#missing[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
fetch_sources
