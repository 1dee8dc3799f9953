#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Turn series/*.patch into commits on top of pristine linux-source-$BASE in
# $TREE (build/linux for the primary, build/BASE/linux for a backport).  Each
# series file is a commit message (Subject: line, body) followed by optional
# "Add:" lines naming new files of this repo that the patch adds, and, after
# a line "---", a diff against existing kernel files or against files that
# an earlier patch added.  This repo holds the final version of each new
# file; a patch that adds it gets it without the changes of the later
# patches (their diffs, reverse-applied).
#
# series/ is the primary base's series.  A backport is the series of the
# base above it in scripts/bases, changed by its folder series/$BASE/:
#  - a file series/$BASE/NNNN-name.patch replaces, in NNNN-name.patch, the
#    hunks of every file its own diff names (kernel files and the new files
#    of this repo alike) or a "Drop: FILE" line lists (not changed there);
#  - series/$BASE/files.diff turns the new files of the base above into this
#    base's, before any patch adds them (git's rename lines move a file).
# So 6.1 is 7.3's series with series/6.12/ and then series/6.1/ applied.
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

# The backports between the primary and BASE, in order: their series/ folders.
OVERLAYS=()
if [ "$BASE" != "$PRIMARY" ]; then
	for b in $(bases | awk -v b="$BASE" 'NR > 1 { print $1 } $1 == b { exit }'); do
		OVERLAYS+=("$TOP/series/$b")
	done
fi

# The new files as this base has them: the repo's, or a copy changed by
# the overlays' files.diff.  MOVED maps a repo path to this base's.
NEWTOP=$TOP
declare -A MOVED=()
new_files() {
	if [ "$NEWTOP" = "$TOP" ]; then
		(cd "$TOP" && git ls-files -co --exclude-standard -- arch include virt Documentation tools)
	else
		(cd "$NEWTOP" && find . -type f | sed 's,^\./,,' | sort)
	fi
}
base_files() {
	local dir from to
	for dir in "${OVERLAYS[@]}"; do
		[ -f "$dir/files.diff" ] || continue
		if [ "$NEWTOP" = "$TOP" ]; then
			local copy
			copy=$(mktemp -d)
			new_files | (cd "$TOP" && cpio -pdm --quiet "$copy")
			NEWTOP=$copy
		fi
		(cd "$NEWTOP" && git apply --whitespace=error-all "$dir/files.diff") ||
			die "$dir/files.diff does not apply"
		while read -r from && read -r to; do
			for f in "${!MOVED[@]}"; do [ "${MOVED[$f]}" != "$from" ] || MOVED[$f]=$to; done
			[ -n "${MOVED[$from]:-}" ] || MOVED[$from]=$to
		done < <(sed -n 's/^rename \(from\|to\) //p' "$dir/files.diff")
	done
}

# Every new kernel file of this base must be added by exactly one patch.
check_coverage() {
	local listed=$1 f
	new_files | while read -r f; do
		[ "$(grep -cxF "$f" "$listed")" -eq 1 ] ||
			die "$f is added by $(grep -cxF "$f" "$listed") series patches (want 1)"
	done
}

# A diff on stdin without the hunks of the files named.
diff_without() {
	awk -v skip=" $* " '
		hdr != "" && /^\+\+\+ / {
			keep = $2 == "/dev/null" || index(skip, " " substr($2, 3) " ") == 0
			if (keep) print hdr
			hdr = ""
		}
		hdr != "" { if (keep) print hdr; hdr = "" }
		/^--- / { hdr = $0; next }
		keep'
}

# The files whose hunks a replacement (series/BASE/NNNN-name.patch) replaces.
replaced_files() {
	{ sed -n '/^---$/q;s/^Drop: //p' "$1"; sed -n 's,^+++ b/,,p' "$1"; } | sort -u
}

# The diff of a series file on this base: the primary's, then each
# overlay's replacement hunks.
diff_of() {
	local spec=$1 dir over cur next
	cur=$(mktemp)
	sed '0,/^---$/d' "$spec" >"$cur"
	grep -qx -- '---' "$spec" || : >"$cur"
	for dir in "${OVERLAYS[@]}"; do
		over=$dir/$(basename "$spec")
		[ -f "$over" ] || continue
		next=$(mktemp)
		# shellcheck disable=SC2046
		diff_without $(replaced_files "$over") <"$cur" >"$next"
		sed '0,/^---$/d' "$over" >>"$next"
		mv "$next" "$cur"
	done
	cat "$cur"
	rm -f "$cur"
}

# $NEWTOP/$2 as patch $1 adds it: the final file minus the later patches' diffs.
staged_copy() {
	local spec=$1 f=$2 dest=$3 later stage
	stage=$(mktemp -d)
	mkdir -p "$stage/$(dirname "$f")"
	cp "$NEWTOP/$f" "$stage/$f"
	for later in $(printf '%s\n' "$TOP"/series/*.patch | sort -r); do
		[ "$later" != "$spec" ] || break
		diff_of "$later" >"$stage.diff"
		grep -qx -- "+++ b/$f" "$stage.diff" || continue
		(cd "$stage" && git apply -R --include="$f" "$stage.diff") ||
			die "$later: its diff of $f does not reverse-apply"
	done
	rm -f "$stage.diff"
	cp "$stage/$f" "$dest"
	rm -rf "$stage"
}

apply_one() {
	local spec=$1 msg files
	msg=$(mktemp) files=$(mktemp)
	sed -n '/^---$/q;/^Add: /d;s/^Subject: //;p' "$spec" >"$msg"
	sed -n '/^---$/q;s/^Add: //p' "$spec" | tr ' ' '\n' | sed '/^$/d' |
		while read -r f; do echo "${MOVED[$f]:-$f}"; done >"$files"
	while read -r f; do
		[ -e "$NEWTOP/$f" ] || die "$spec: $f does not exist"
		[ ! -e "$TREE/$f" ] || die "$spec: $f already exists in the kernel"
		mkdir -p "$(dirname "$TREE/$f")"
		staged_copy "$spec" "$f" "$TREE/$f"
	done <"$files"
	cat "$files" >>"$ADDED"
	diff_of "$spec" >"$msg.diff"
	if [ -s "$msg.diff" ]; then
		git -C "$TREE" apply --whitespace=error-all "$msg.diff" || die "$spec: diff does not apply"
	fi
	rm -f "$msg.diff"
	git -C "$TREE" add -f -A .
	git -C "$TREE" commit -q -s -F "$msg" || die "$spec: nothing to commit"
	rm -f "$msg" "$files"
}

# A replacement has a series file, its hunks are on kernel files of this
# base or on new files, and what it drops is a file the series file changes.
check_replacements() {
	local over spec f news
	news=$(mktemp)
	new_files >"$news"
	for over in "$SERIES_BASE"/*.patch; do
		[ -e "$over" ] || continue
		spec=$TOP/series/$(basename "$over")
		[ -f "$spec" ] || die "$over replaces no series/ file"
		for f in $(sed -n 's,^+++ b/,,p' "$over"); do
			git -C "$TREE" cat-file -e "base:$f" 2>/dev/null || grep -qxF -- "$f" "$news" ||
				die "$over: $f is neither a file of linux-source-$BASE nor a new file"
		done
		for f in $(sed -n '/^---$/q;s/^Drop: //p' "$over"); do
			grep -qxF -- "+++ b/$f" "$spec" || grep -qxF -- "+++ b/${MOVED[$f]:-$f}" "$spec" ||
				die "$over: drops $f, which $spec does not change"
		done
	done
	rm -f "$news"
}

pristine_tree
base_files
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
[ "$NEWTOP" = "$TOP" ] || rm -rf "$NEWTOP"
say "series: $(git -C "$TREE" rev-list --count base..HEAD) patches on $(git -C "$TREE" log -1 --format=%s base)"
