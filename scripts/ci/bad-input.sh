#!/usr/bin/env bash
# The bad-input catalogue: runs every case of tests/bad-input/cases.tsv
# against the assetgen binary and checks the rule for bad input: exit status
# 2, one clear message on stderr that names what is wrong, and nothing
# written (no files under --out, no temporary files, nothing changed in the
# case's own files).
#
# usage: scripts/ci/bad-input.sh [BINARY]      (default: build/assetgen)
#   BAD_INPUT_FILTER=REGEX  run only the cases whose id matches REGEX
#   BAD_INPUT_KEEP=1        keep each case's temporary directory (printed)
#
# Prints "pass|FAIL <id> <description>" per case and "N passed, N failed"
# last; writes test-results/bad-input.json and test-results/bad-input.xml.
# Exit status: 0 all passed, 1 a case failed, 2 the catalogue or the
# arguments are wrong.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CATALOGUE="$REPO_ROOT/tests/bad-input"
CASES="$CATALOGUE/cases.tsv"
FIXTURES="$CATALOGUE/fixtures"
RESULTS="$REPO_ROOT/test-results"
MAX_STDERR_LINES=3
CASE_TIMEOUT=60

die() {
  echo "bad-input.sh: $*" >&2
  exit 2
}

[ $# -le 1 ] || die "usage: scripts/ci/bad-input.sh [BINARY]"
BIN=${1:-$REPO_ROOT/build/assetgen}
case $BIN in
  /*) ;;
  *) BIN="$PWD/$BIN" ;;
esac
if ! [ -f "$BIN" ] || ! [ -x "$BIN" ]; then
  die "$BIN is not an executable file (build first: cmake --build build)"
fi
[ -f "$CASES" ] || die "$CASES is missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/assetgen-bad-input.XXXXXX")
cleanup() {
  if [ "${BAD_INPUT_KEEP:-0}" = 1 ]; then
    echo "kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# ---- catalogue parsing ------------------------------------------------------

# Splits a shell-quoted argument string into NUL-separated words ('...',
# "..." and backslash escapes; no expansion of any kind). The trailing
# sentinel keeps a final '' (xargs drops an empty last word).
split_words() {
  printf '%s @END@' "$1" | xargs printf '%s\0' | head -z -n -1
}

# @REPEAT(c,n)@ becomes c repeated n times (for over-long names).
expand_repeat() {
  local s=$1 re='@REPEAT\(([^,)]*),([0-9]+)\)@' piece out
  while [[ $s =~ $re ]]; do
    printf -v out '%*s' "${BASH_REMATCH[2]}" ''
    piece=${out// /${BASH_REMATCH[1]}}
    s=${s/"${BASH_REMATCH[0]}"/$piece}
  done
  printf '%s' "$s"
}

# Placeholders: @CASE@ (the case's configuration directory), @OUT@ (the
# fresh output directory), @REPEAT(c,n)@.
substitute() {
  local s=$1
  s=${s//@CASE@/$CASE_DIR}
  s=${s//@OUT@/$OUT_DIR}
  expand_repeat "$s"
}

declare -a IDS=() DESCS=() ENVS=() ARGSS=() EXITS=() REGEXES=() LINES=()
declare -A SEEN=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  case $line in '' | '#'*) continue ;; esac
  # Split on every tab (read -a would merge empty columns).
  cols=() rest=$line
  while [[ $rest == *$'\t'* ]]; do
    cols+=("${rest%%$'\t'*}")
    rest=${rest#*$'\t'}
  done
  cols+=("$rest")
  [ "${#cols[@]}" -eq 6 ] || die "cases.tsv:$lineno: expected 6 tab-separated columns" \
    "(id, description, env, args, exit, stderr regex), found ${#cols[@]}"
  id=${cols[0]}
  [[ $id =~ ^[a-z0-9][a-z0-9-]*$ ]] ||
    die "cases.tsv:$lineno: id '$id' must be lowercase letters, digits and '-'"
  [ -z "${SEEN[$id]:-}" ] ||
    die "cases.tsv:$lineno: id '$id' already used on line ${SEEN[$id]}"
  [[ ${cols[4]} =~ ^[0-9]+$ ]] || die "cases.tsv:$lineno: exit '${cols[4]}' must be a number"
  SEEN[$id]=$lineno
  IDS+=("$id") DESCS+=("${cols[1]}") ENVS+=("${cols[2]}") ARGSS+=("${cols[3]}")
  EXITS+=("${cols[4]}") REGEXES+=("${cols[5]}") LINES+=("$lineno")
done <"$CASES"
[ "${#IDS[@]}" -gt 0 ] || die "cases.tsv lists no cases"
if [ -d "$FIXTURES" ]; then
  for dir in "$FIXTURES"/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    [ -n "${SEEN[$name]:-}" ] || die "fixtures/$name belongs to no case of cases.tsv"
  done
fi

# ---- one case -------------------------------------------------------------

# Builds the case's configuration directory: the repository's assetgen.yaml,
# sizes/ and templates/, then the case's fixture applied to them:
#   <file>.sed   a sed script run on <file> (it must change the file)
#   delete       paths to remove, one a line
#   symlinks     "LINK TARGET" lines: symbolic links to create
#   anything else is copied in, replacing a file of the same path.
assemble_case() {
  local id=$1 fixture="$FIXTURES/$1" rel target link
  mkdir -p "$CASE_DIR"
  cp -R "$REPO_ROOT/assetgen.yaml" "$REPO_ROOT/sizes" "$REPO_ROOT/templates" "$CASE_DIR/"
  [ -d "$fixture" ] || return 0
  while IFS= read -r -d '' rel; do
    rel=${rel#./}
    case $rel in
      delete | symlinks | *.sed) continue ;;
    esac
    mkdir -p "$CASE_DIR/$(dirname "$rel")"
    cp "$fixture/$rel" "$CASE_DIR/$rel"
  done < <(cd "$fixture" && find . -type f -print0)
  if [ -f "$fixture/delete" ]; then
    while IFS= read -r rel; do
      [ -n "$rel" ] || continue
      [ -e "$CASE_DIR/$rel" ] || { SETUP_ERROR="delete: $rel does not exist"; return 1; }
      rm -rf "${CASE_DIR:?}/$rel"
    done <"$fixture/delete"
  fi
  if [ -f "$fixture/symlinks" ]; then
    while read -r link target; do
      [ -n "$link" ] || continue
      mkdir -p "$CASE_DIR/$(dirname "$link")"
      ln -s "$target" "$CASE_DIR/$link"
    done <"$fixture/symlinks"
  fi
  while IFS= read -r -d '' rel; do
    rel=${rel#./}
    target="$CASE_DIR/${rel%.sed}"
    [ -f "$target" ] || { SETUP_ERROR="$rel edits ${rel%.sed}, which does not exist"; return 1; }
    cp "$target" "$WORK/before.sed"
    sed -i -f "$fixture/$rel" "$target"
    if cmp -s "$target" "$WORK/before.sed"; then
      SETUP_ERROR="$rel changed nothing in ${rel%.sed} (the file moved on; update the fixture)"
      return 1
    fi
  done < <(cd "$fixture" && find . -type f -name '*.sed' -print0)
  return 0
}

# Every file under the case root with its size and modification time; the
# directories separately.
snapshot_files() { (cd "$1" && find . -type f -printf '%p\t%s\t%T@\n' | LC_ALL=C sort); }
snapshot_dirs() { (cd "$1" && find . -mindepth 1 -type d -printf '%p\n' | LC_ALL=C sort); }

one_line() { printf '%s' "$1" | awk 'NR > 1 { printf " | " } { printf "%s", $0 }'; }

STATUS=() MESSAGES=() SECONDS_TAKEN=() NOTES=()

run_case() {
  local i=$1 id=${IDS[$1]} root="$WORK/case-$1"
  CASE_DIR="$root/t/case"
  local run_dir="$root/t/run"
  OUT_DIR="$run_dir/out"
  SETUP_ERROR=""
  mkdir -p "$run_dir"
  if ! assemble_case "$id"; then
    STATUS[i]=fail
    MESSAGES[i]="fixture: ${SETUP_ERROR:-could not be assembled}"
    return
  fi

  local -a args=() envs=()
  local word
  while IFS= read -r -d '' word; do args+=("$(substitute "$word")"); done \
    < <(split_words "${ARGSS[$i]}")
  if [ "${ENVS[$i]}" != "-" ]; then
    while IFS= read -r -d '' word; do
      if [[ $word != *=* ]]; then
        STATUS[i]=fail MESSAGES[i]="env column: '$word' is not VAR=value"
        return
      fi
      envs+=("$(substitute "$word")")
    done < <(split_words "${ENVS[$i]}")
  fi
  # generate gets a fresh --out inside the temporary directory unless the
  # case names its own.
  if [ "${args[0]:-}" = generate ]; then
    local has_out=0 a
    for a in "${args[@]}"; do
      [[ $a == --out || $a == --out=* ]] && has_out=1
    done
    [ $has_out = 1 ] || args=(generate --out "$OUT_DIR" "${args[@]:1}")
  fi

  snapshot_files "$root/t" >"$root/files.before"
  snapshot_dirs "$root/t" >"$root/dirs.before"
  local rc start end
  start=$(date +%s.%N)
  set +e
  (cd "$run_dir" && exec env -u SOURCE_DATE_EPOCH -u ASSETGEN_FAULT "${envs[@]}" \
    timeout "$CASE_TIMEOUT" "$BIN" "${args[@]}") >"$root/stdout" 2>"$root/stderr" </dev/null
  rc=$?
  set -e
  end=$(date +%s.%N)
  SECONDS_TAKEN[i]=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  snapshot_files "$root/t" >"$root/files.after"
  snapshot_dirs "$root/t" >"$root/dirs.after"

  local stderr problems=() lines shown
  stderr=$(cat "$root/stderr")
  # Reports name the case's directories by placeholder, not by temp path.
  shown=${stderr//"$CASE_DIR"/@CASE@}
  shown=${shown//"$run_dir"/@RUN@}
  lines=$(grep -c '' "$root/stderr" || true)
  [ "$rc" -eq "${EXITS[$i]}" ] || problems+=("exit status $rc, expected ${EXITS[$i]}")
  if [ -z "$stderr" ]; then
    problems+=("stderr is empty")
  else
    [[ $stderr =~ ${REGEXES[$i]} ]] || problems+=("stderr does not match /${REGEXES[$i]}/")
    [ "$lines" -le $MAX_STDERR_LINES ] ||
      problems+=("stderr has $lines lines, at most $MAX_STDERR_LINES allowed")
  fi
  local written removed
  written=$(LC_ALL=C comm -13 "$root/files.before" "$root/files.after" | cut -f1 |
    sed 's#^\./##' | head -n 5 | tr '\n' ' ')
  [ -z "$written" ] || problems+=("files written or changed: ${written% }")
  removed=$(LC_ALL=C comm -23 "$root/files.before" "$root/files.after" | cut -f1 |
    sed 's#^\./##' | head -n 5 | tr '\n' ' ')
  [ -z "$removed" ] || problems+=("files removed or changed: ${removed% }")
  local made_dirs
  made_dirs=$(LC_ALL=C comm -13 "$root/dirs.before" "$root/dirs.after" | sed 's#^\./##' |
    tr '\n' ' ')
  [ -z "$made_dirs" ] || [ -n "$written" ] ||
    NOTES[i]="created directories but no files: ${made_dirs% }"

  if [ "${#problems[@]}" -eq 0 ]; then
    STATUS[i]=pass
    MESSAGES[i]=$(one_line "$shown")
  else
    STATUS[i]=fail
    local joined
    joined=$(printf '%s; ' "${problems[@]}")
    MESSAGES[i]="${joined%; }; stderr: $(one_line "$shown")"
  fi
  [ -z "${NOTES[i]:-}" ] || MESSAGES[i]="${MESSAGES[i]} (note: ${NOTES[i]})"
}

# ---- reports ----------------------------------------------------------------

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037'
}

xml_escape() {
  printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037' |
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' \
      -e "s/'/\\&apos;/g"
}

write_reports() {
  local json="$RESULTS/bad-input.json" xml="$RESULTS/bad-input.xml" i sep="" total=0
  mkdir -p "$RESULTS"
  {
    printf '[\n'
    for i in "${RAN[@]}"; do
      printf '%s  {"id": "%s", "description": "%s", "status": "%s", "message": "%s"}' \
        "$sep" "$(json_escape "${IDS[$i]}")" "$(json_escape "${DESCS[$i]}")" \
        "${STATUS[$i]}" "$(json_escape "${MESSAGES[$i]}")"
      sep=$',\n'
    done
    printf '\n]\n'
  } >"$json.tmp"
  mv "$json.tmp" "$json"
  for i in "${RAN[@]}"; do
    total=$(awk -v a="$total" -v b="${SECONDS_TAKEN[$i]:-0}" 'BEGIN { printf "%.3f", a + b }')
  done
  {
    printf '<?xml version="1.0" encoding="UTF-8"?>\n'
    printf '<testsuite name="bad-input" tests="%d" failures="%d" errors="0" skipped="0" time="%s">\n' \
      "${#RAN[@]}" "$FAILED" "$total"
    for i in "${RAN[@]}"; do
      printf '  <testcase classname="bad-input" name="%s" time="%s">\n' \
        "$(xml_escape "${IDS[$i]}: ${DESCS[$i]}")" "${SECONDS_TAKEN[$i]:-0}"
      if [ "${STATUS[$i]}" = fail ]; then
        printf '    <failure message="%s"/>\n' "$(xml_escape "${MESSAGES[$i]}")"
      else
        printf '    <system-err>%s</system-err>\n' "$(xml_escape "${MESSAGES[$i]}")"
      fi
      printf '  </testcase>\n'
    done
    printf '</testsuite>\n'
  } >"$xml.tmp"
  mv "$xml.tmp" "$xml"
}

# ---- main -----------------------------------------------------------------

PASSED=0 FAILED=0
RAN=()
WITH_DIRS=()
for i in "${!IDS[@]}"; do
  if [ -n "${BAD_INPUT_FILTER:-}" ] && ! [[ ${IDS[$i]} =~ $BAD_INPUT_FILTER ]]; then
    continue
  fi
  RAN+=("$i")
  run_case "$i"
  if [ "${STATUS[$i]}" = pass ]; then
    PASSED=$((PASSED + 1))
    echo "pass ${IDS[$i]} ${DESCS[$i]}"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL ${IDS[$i]} ${DESCS[$i]}"
    echo "     cases.tsv:${LINES[$i]}: ${MESSAGES[$i]}" >&2
  fi
  [ -z "${NOTES[$i]:-}" ] || WITH_DIRS+=("${IDS[$i]}")
  [ "${BAD_INPUT_KEEP:-0}" = 1 ] || rm -rf "$WORK/case-$i"
done
[ "${#RAN[@]}" -gt 0 ] || die "BAD_INPUT_FILTER '${BAD_INPUT_FILTER:-}' matches no case"
write_reports
if [ "${#WITH_DIRS[@]}" -gt 0 ]; then
  echo "note: ${#WITH_DIRS[@]} case(s) created directories but no files: ${WITH_DIRS[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] || exit 1
