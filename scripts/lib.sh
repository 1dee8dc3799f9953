# SPDX-License-Identifier: GPL-2.0 OR MIT
# shellcheck shell=bash disable=SC2034  # sourced: the variables are for the scripts
# Paths and helpers shared by the scripts. Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# The base kernels (scripts/bases): "base package version arches..." per
# line, the primary first.
bases() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/scripts/bases"; }
PRIMARY=$(bases | awk 'NR == 1 { print $1 }')
# The base of this run: BASE, or the primary.  The primary builds in build/,
# a backport in build/BASE/.
BASE=${BASE:-$PRIMARY}
read -r _ KSRC_PKG KSRC_VERSION BASE_ARCHES < <(bases | awk -v b="$BASE" '$1 == b') || true
[ -n "${KSRC_PKG:-}" ] || { echo "BASE=$BASE: one of $(bases | cut -f1 | xargs)" >&2; exit 2; }
BASE_DIR=/$BASE
[ "$BASE" != "$PRIMARY" ] || BASE_DIR=
TREE=$BUILD$BASE_DIR/linux	# patched kernel source, a git tree (tag "base")
# The architecture of the test kernel: x86_64 (default) or i386.  kbuild
# reads ARCH from the environment: i386 is exported, x86_64 is not (kbuild's
# default, the host's x86, makes the same x86_64 config as always).
ARCH=${ARCH:-x86_64}
case $ARCH in
x86_64)	ARCH_DIR= && export -n ARCH ;;
i386)	ARCH_DIR=/i386 && export ARCH ;;
*)	echo "ARCH=$ARCH: x86_64 or i386" >&2; exit 2 ;;
esac
OBJ=${OBJ:-$BUILD$BASE_DIR/obj$ARCH_DIR}	# kbuild output (O=)
KOUT=${KOUT:-$BUILD$BASE_DIR$ARCH_DIR}	# bzImage, modroot/, .config, selftests/ of that build
# The base's source, fetched by scripts/setup.sh (a private apt download,
# never installed): build/src/linux-source-BASE.tar.xz.
KSRC_DIR=$BUILD/src
KSRC_TARBALL=$KSRC_DIR/$KSRC_PKG.tar.xz
# The series of this base: series/*.patch, with the per-base replacements
# of series/$BASE/ (see scripts/series.sh); posted form in patches/$BASE/.
SERIES_BASE=$TOP/series/$BASE
PATCHES=$TOP/patches/$BASE
JOBS=$(nproc)

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Paths relative to the checkout: clones in other folders share the cache.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
export KBUILD_BUILD_USER=vmcsctl KBUILD_BUILD_HOST=build
export KBUILD_BUILD_TIMESTAMP="2026-01-01"

# Who signs the series, and a fixed date: the same sources give the same
# commits and the same patches/, byte for byte.
export GIT_AUTHOR_NAME="vmcsctl developers" GIT_COMMITTER_NAME="vmcsctl developers"
export GIT_AUTHOR_EMAIL="vmcsctl@users.noreply.github.com"
export GIT_COMMITTER_EMAIL="vmcsctl@users.noreply.github.com"
export GIT_AUTHOR_DATE="2026-11-29T00:00:00Z" GIT_COMMITTER_DATE="2026-11-29T00:00:00Z"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "== $*"; }
