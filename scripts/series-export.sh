#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# The way back from a git branch to series/: edit the series as commits in
# build/linux (rebase, fixup, reword, add commits on a branch of your own),
# then
#   scripts/series-export.sh BRANCH
# rewrites series/*.patch from base..BRANCH (commit message, Add: lines for
# the files a commit adds, the diff of the files it changes) and copies the
# final version of every added file into this repo.  A series file keeps
# its name when a commit has its subject; a new commit gets one from its
# subject.  It then runs scripts/series.sh and checks that the rebuilt
# series gives BRANCH's tree.  Diffs carry two lines of context, not three:
# the same hunk then applies to a backport wherever the two lines around a
# change are the same there (series/BASE/ holds the hunks that still differ).
#
# The primary series only: a backport's series/BASE/ holds plain diffs,
# edited by hand against BASE=base scripts/series.sh's tree (see README).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "$BASE" = "$PRIMARY" ] || die "BASE=$BASE: edit series/$BASE/*.patch (README, Layout)"

branch=${1:?usage: $0 BRANCH (a branch of $TREE based on tag base)}
git -C "$TREE" rev-parse -q --verify "$branch^{commit}" >/dev/null || die "no branch $branch"
git -C "$TREE" merge-base --is-ancestor base "$branch" || die "$branch is not based on base"

declare -A slug_of=()
for f in "$TOP"/series/*.patch; do
	[ -e "$f" ] || continue
	slug=$(basename "$f" .patch)
	slug_of[$(sed -n '1s/^Subject: //p' "$f")]=${slug#*-}
done

new=$(mktemp -d)
trap 'rm -rf "$new"' EXIT
n=0
for c in $(git -C "$TREE" rev-list --reverse "base..$branch"); do
	n=$((n + 1))
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	slug=${slug_of[$subject]:-$(git -C "$TREE" log -1 --format=%f "$c" | cut -c1-40)}
	out=$new/$(printf '%04d' "$n")-$slug.patch
	added=$(git -C "$TREE" diff-tree -r --no-commit-id --name-only --diff-filter=A "$c")
	{
		echo "Subject: $subject"
		for f in $added; do echo "Add: $f"; done
		echo
		# The body, without the sign-off that series.sh adds.
		git -C "$TREE" log -1 --format=%b "$c" | sed '/^Signed-off-by: /d' |
			sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
		if [ -n "$(git -C "$TREE" diff-tree -r --no-commit-id --name-only --diff-filter=a "$c")" ]; then
			echo ---
			git -C "$TREE" diff-tree -p -U2 --no-commit-id --no-renames --diff-filter=a "$c" |
				grep -v '^diff --git \|^index '
		fi
	} >"$out"
	for f in $added; do
		mkdir -p "$TOP/$(dirname "$f")"
		git -C "$TREE" show "$branch:$f" >"$TOP/$f"
	done
done
rm -f "$TOP"/series/*.patch
cp "$new"/*.patch "$TOP/series/"
"$TOP/scripts/series.sh"
[ -z "$(git -C "$TREE" diff "$branch" HEAD)" ] || die "series/ does not give $branch's tree"
say "series/: $n patches from $branch"
