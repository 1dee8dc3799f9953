#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# Regenerate patches/$BASE/ from series/: apply the series on the pristine
# base (scripts/series.sh), then git format-patch with the cover letter of
# that base (series/cover-letter for the primary, series/$BASE/cover-letter
# for a backport) and To/Cc from the kernel's get_maintainer.pl.
#   [BASE=base] scripts/patches.sh [OUTDIR]   (default: patches/$BASE/;
#   without BASE and OUTDIR: the series of every base of scripts/bases)
set -euo pipefail
all=
[ -n "${BASE:-}" ] || [ $# -gt 0 ] || all=1
. "$(dirname "$0")/lib.sh"
if [ -n "$all" ]; then
	for base in $(bases | cut -f1); do BASE=$base "$0"; done
	exit
fi

OUT=${1:-$PATCHES}
COVER=$TOP/series/cover-letter
[ ! -f "$SERIES_BASE/cover-letter" ] || COVER=$SERIES_BASE/cover-letter
PREFIX=PATCH
[ "$BASE" = "$PRIMARY" ] || PREFIX="PATCH $BASE"
"$TOP/scripts/series.sh" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$TREE" format-patch -q -o "$tmp" base..HEAD
mapfile -t to < <(cd "$TREE" && ./scripts/get_maintainer.pl --no-rolestats --no-git \
	--no-git-fallback --no-r --no-l --m "$tmp"/*.patch 2>/dev/null)
mapfile -t cc < <(cd "$TREE" && ./scripts/get_maintainer.pl --no-rolestats --no-git \
	--no-git-fallback --no-m --no-r --l "$tmp"/*.patch 2>/dev/null)
# No --thread: Message-Ids would carry the time of the run; git send-email
# threads the series itself.  --zero-commit: a fix to one patch does not
# rewrite the "From <commit>" line of every later one (git am ignores it).
args=(--cover-letter --base=base --subject-prefix="$PREFIX" --numbered --zero-commit)
for a in "${to[@]}"; do args+=(--to="$a"); done
for a in "${cc[@]}"; do args+=(--cc="$a"); done

rm -rf "$OUT" && mkdir -p "$OUT"
git -C "$TREE" -c core.abbrev=12 format-patch -q "${args[@]}" -o "$OUT" base..HEAD
# The cover letter: our subject and text instead of format-patch's blurb.
cover=$(ls "$OUT"/0000-*.patch)
subject=$(sed -n 's/^Subject: //p;q' "$COVER")
python3 - "$cover" "$subject" "$COVER" <<'PY'
import sys
path, subject, body_file = sys.argv[1:]
text = open(path).read()
body = open(body_file).read().split('\n', 2)[2]
text = text.replace('*** SUBJECT HERE ***', subject)
text = text.replace('*** BLURB HERE ***', body.rstrip('\n'))
open(path, 'w').write(text)
PY
# The cover letter's date is the time of the run: pin it like the commits'.
sed -i "s/^Date: .*/Date: $(LC_ALL=C date -u -d @"$(git -C "$TREE" log -1 --format=%ct)" '+%a, %d %b %Y %H:%M:%S +0000')/" "$cover"
say "patches: $(ls "$OUT" | wc -l) files in ${OUT#"$TOP"/}/"
