# SPDX-License-Identifier: GPL-2.0 OR MIT
# Paths and helpers shared by the scripts. Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux		# patched kernel source, a git tree (tag "base")
OBJ=$BUILD/obj			# kbuild output (O=)
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
JOBS=$(nproc)

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export KBUILD_BUILD_USER=vmcsctl KBUILD_BUILD_HOST=build
export KBUILD_BUILD_TIMESTAMP="2026-01-01"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "== $*"; }
