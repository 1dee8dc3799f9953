#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Checks of the posted series: patches/ is what scripts/patches.sh makes
# from the sources now, it applies with git am to pristine 6.12 and gives
# the tree that was built and tested, and checkpatch.pl --strict finds
# nothing in any patch.  Ends with "N passed, M failed" over these checks.
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

check "patches/ is up to date (make patches)" diff -r "$fresh" "$TOP/patches"

applies() {
	git -C "$TREE" checkout -q --detach base &&
	git -C "$TREE" am -q $(ls "$TOP"/patches/0*.patch | grep -v /0000-) 2>&1 &&
	[ -z "$(git -C "$TREE" diff vmcsctl HEAD)" ]
}
check "patches/ applies with git am to pristine 6.12 and gives the tested tree" applies
git -C "$TREE" am --abort 2>/dev/null

# checkpatch's SPDX check runs Debian's python3 (python3-ply).
checkpatch_clean() {
	local out
	out=$(cd "$TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict -q "$1" 2>&1)
	[ -z "$out" ] || { echo "$out"; return 1; }
}
for p in "$TOP"/patches/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	check "checkpatch --strict: $(basename "$p")" checkpatch_clean "$p"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
