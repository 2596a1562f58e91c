# Side-effect-free helpers shared by the tier scripts (through lib.sh), the client cases'
# callers and tests/failure: which formats this build generates, and which skips are
# allowed. Sourced, not run.
# shellcheck shell=bash

HELPERS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The build the scripts use: $ASSETGEN_BUILD_DIR (relative to the repository root, or
# absolute), default build/. Its sanitizer and fault-injection builds sit beside it.
assetgen_build_dir() {
  local d=${ASSETGEN_BUILD_DIR:-build}
  case "$d" in /*) echo "$d" ;; *) echo "$HELPERS_ROOT/$d" ;; esac
}

# built_formats [BINARY]: one format a line, in the tool's order, for every format that
# `assetgen list formats` shows with a generator (second column not "(missing)"). The
# table's header is the line whose first column is "format". Fails when the tool cannot
# be run or lists no built format, so a broken binary never reads as "no formats".
built_formats() {
  local bin=${1:-$(assetgen_build_dir)/assetgen} table out
  table=$("$bin" list formats 2>&1) || { echo "built_formats: '$bin list formats' failed: $table" >&2; return 1; }
  out=$(awk 'NF >= 2 && $1 != "format" && $2 != "(missing)" && $1 ~ /^[a-z][a-z0-9-]*$/ { print $1 }' <<<"$table")
  [ -n "$out" ] || { echo "built_formats: '$bin list formats' shows no built format:" >&2; printf '%s\n' "$table" >&2; return 1; }
  printf '%s\n' "$out"
}

# manifest_formats MANIFEST: the distinct formats of a manifest's rows, in row order.
manifest_formats() {
  python3 -c 'import json, sys
seen = []
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if a["format"] not in seen:
        seen.append(a["format"])
print("\n".join(seen))' "$1"
}

# True under CI (CI=true, as the common CI services set it): there, a skip is a failure
# unless scripts/ci/optional.tsv declares it optional with a reason.
ci_strict() { [ "${CI:-}" = true ]; }

OPTIONAL_TABLE=${ASSETGEN_OPTIONAL_TABLE:-$HELPERS_ROOT/scripts/ci/optional.tsv}

# optional_reason SCOPE KEY: prints the reason and succeeds when scripts/ci/optional.tsv
# has a row "SCOPE<TAB>GLOB<TAB>REASON" whose GLOB matches KEY; a row without a reason
# declares nothing.
optional_reason() {
  local scope=$1 key=$2 s glob reason
  [ -f "$OPTIONAL_TABLE" ] || return 1
  while IFS=$'\t' read -r s glob reason; do
    case "$s" in '' | '#'*) continue ;; esac
    [ "$s" = "$scope" ] && [ -n "${reason// /}" ] || continue
    # shellcheck disable=SC2053  # GLOB is a pattern on purpose
    if [[ $key == $glob ]]; then
      printf '%s\n' "$reason"
      return 0
    fi
  done <"$OPTIONAL_TABLE"
  return 1
}

# tree_digests DIR: one line per file under DIR (the run lock aside), sorted: its sha256, its
# mode and its path; directories as "dir MODE PATH". Two trees are byte for byte the same when
# their listings are, so a reproducibility check compares a listing with a fresh tree and
# never keeps two large trees on the disk at once.
tree_digests() {
  (
    cd "$1" || exit 1
    find . -name .assetgen.lock -prune -o -type d -printf 'dir %m %p\n' -o -type l \
      -printf 'link %l %p\n' -o -type f -printf 'file %m %p\n' | LC_ALL=C sort -k 3 |
      while read -r kind mode path; do
        case $kind in
          dir | link) printf '%s %s %s\n' "$kind" "$mode" "$path" ;;
          *) printf '%s %s %s\n' "$(sha256sum <"$path" | cut -c1-64)" "$mode" "$path" ;;
        esac
      done
  )
}

# same_digests LISTING DIR: empty when DIR's tree_digests is LISTING, else the first lines of
# the difference (the paths that differ).
same_digests() {
  local d
  d=$(diff "$1" <(tree_digests "$2") 2>&1 | head -n 6) || true
  printf '%s' "$d"
}
