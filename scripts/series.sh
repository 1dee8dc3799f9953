#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Turn series/*.patch into commits on top of pristine linux-source-$BASE in
# $TREE (build/linux for 6.12). Each series file is a commit message
# (Subject: line, body) followed by optional "Add:" lines naming new files of
# this repo that the patch adds, and, after a line "---", a diff against
# existing kernel files or against files that an earlier patch added.  This
# repo holds the final version of each new file; a patch that adds it gets it
# without the changes of the later patches (their diffs, reverse-applied).
#
# Both bases share all of it but the hunks on kernel files that differ: a
# file series/$BASE/NNNN-name.patch replaces, in series/NNNN-name.patch, the
# hunks of every kernel file its own diff names or a "Drop: FILE" line lists
# (a file this base does not have).  New files are the same on every base.
# The same commits feed the kernel build and `make patches`, so the series
# on the list is exactly what the tests ran.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine_tree() {
	[ -f "$KSRC_TARBALL" ] || die "$KSRC_TARBALL missing: run scripts/setup.sh"
	if git -C "$TREE" rev-parse -q --verify base >/dev/null 2>&1; then
		return
	fi
	say "extracting $(basename "$KSRC_TARBALL") into $TREE"
	rm -rf "$TREE" && mkdir -p "$TREE"
	tar -xf "$KSRC_TARBALL" -C "$TREE" --strip-components=1
	# Debian's .gitignore hides the whole top level: add with -f.
	git -C "$TREE" init -q -b vmcsctl
	git -C "$TREE" add -f .
	git -C "$TREE" commit -q -m "Linux $(make -s -C "$TREE" kernelversion) (Debian linux-source-$BASE)"
	git -C "$TREE" tag base
}

# Every new kernel file of this repo must be added by exactly one patch.
check_coverage() {
	local listed=$1 f
	(cd "$TOP" && git ls-files -co --exclude-standard -- arch include virt Documentation tools) |
	while read -r f; do
		[ "$(grep -cxF "$f" "$listed")" -eq 1 ] ||
			die "$f is added by $(grep -cxF "$f" "$listed") series patches (want 1)"
	done
}

# The diff part of a series file, without the hunks of the files named.
diff_without() {
	local spec=$1
	shift
	sed '0,/^---$/d' "$spec" | awk -v skip=" $* " '
		hdr != "" && /^\+\+\+ / {
			keep = $2 == "/dev/null" || index(skip, " " substr($2, 3) " ") == 0
			if (keep) print hdr
			hdr = ""
		}
		hdr != "" { if (keep) print hdr; hdr = "" }
		/^--- / { hdr = $0; next }
		keep'
}

# The files whose hunks series/$BASE/ replaces in a series file.
replaced_files() {
	local over
	over=$SERIES_BASE/$(basename "$1")
	[ -f "$over" ] || return 0
	{ sed -n '/^---$/q;s/^Drop: //p' "$over"; sed -n 's,^+++ b/,,p' "$over"; } | sort -u
}

# The diff of a series file on this base.
diff_of() {
	local spec=$1 over
	over=$SERIES_BASE/$(basename "$1")
	# shellcheck disable=SC2046
	diff_without "$spec" $(replaced_files "$spec")
	[ ! -f "$over" ] || sed '0,/^---$/d' "$over"
}

# $TOP/$2 as patch $1 adds it: the final file minus the later patches' diffs.
staged_copy() {
	local spec=$1 f=$2 dest=$3 later stage
	stage=$(mktemp -d)
	mkdir -p "$stage/$(dirname "$f")"
	cp "$TOP/$f" "$stage/$f"
	for later in $(printf '%s\n' "$TOP"/series/*.patch | sort -r); do
		[ "$later" != "$spec" ] || break
		grep -qx -- "+++ b/$f" "$later" || continue
		diff_of "$later" | (cd "$stage" && git apply -R --include="$f" -) ||
			die "$later: its diff of $f does not reverse-apply"
	done
	cp "$stage/$f" "$dest"
	rm -rf "$stage"
}

apply_one() {
	local spec=$1 msg files
	msg=$(mktemp) files=$(mktemp)
	sed -n '/^---$/q;/^Add: /d;s/^Subject: //;p' "$spec" >"$msg"
	sed -n '/^---$/q;s/^Add: //p' "$spec" | tr ' ' '\n' | sed '/^$/d' >"$files"
	while read -r f; do
		[ -e "$TOP/$f" ] || die "$spec: $f does not exist"
		[ ! -e "$TREE/$f" ] || die "$spec: $f already exists in the kernel"
		mkdir -p "$(dirname "$TREE/$f")"
		staged_copy "$spec" "$f" "$TREE/$f"
	done <"$files"
	cat "$files" >>"$ADDED"
	if grep -qx -- '---' "$spec"; then
		diff_of "$spec" | git -C "$TREE" apply --whitespace=error-all - ||
			die "$spec: diff does not apply"
	fi
	git -C "$TREE" add -f -A .
	git -C "$TREE" commit -q -s -F "$msg" || die "$spec: nothing to commit"
	rm -f "$msg" "$files"
}

# A replacement has a series file, its hunks are on kernel files of this
# base, and what it drops is a file of the series file that this base lacks.
check_replacements() {
	local over spec f
	for over in "$SERIES_BASE"/*.patch; do
		[ -e "$over" ] || continue
		spec=$TOP/series/$(basename "$over")
		[ -f "$spec" ] || die "$over replaces no series/ file"
		for f in $(sed -n 's,^+++ b/,,p' "$over"); do
			git -C "$TREE" cat-file -e "base:$f" 2>/dev/null ||
				die "$over: $f is not a file of linux-source-$BASE"
		done
		for f in $(sed -n '/^---$/q;s/^Drop: //p' "$over"); do
			grep -qxF -- "+++ b/$f" "$spec" || die "$over: drops $f, which $spec does not change"
			! git -C "$TREE" cat-file -e "base:$f" 2>/dev/null ||
				die "$over: drops $f, which linux-source-$BASE has"
		done
	done
}

pristine_tree
check_replacements
git -C "$TREE" checkout -q -f -B vmcsctl base
git -C "$TREE" clean -q -fdx
ADDED=$(mktemp)
for spec in "$TOP"/series/*.patch; do
	[ -e "$spec" ] || continue
	apply_one "$spec"
done
check_coverage "$ADDED"
rm -f "$ADDED"
say "series: $(git -C "$TREE" rev-list --count base..HEAD) patches on $(git -C "$TREE" log -1 --format=%s base)"
