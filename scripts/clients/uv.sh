#!/usr/bin/env bash
# Native client case for pypi through uv, the second pypi client (pypi.sh is pip's).
#
#   scripts/clients/uv.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                              [--ca FILE] [--work DIR]
#       uv pip install NAME==VERSION from URL/pypi/simple/ (URL serves an out/<size>/ tree) into
#       a fresh venv: a wheel artifact with --only-binary :all:, an sdist with --no-binary :all:
#       (built through its PEP 517 backend). uv trusts only --ca (its --cert replaces the
#       bundled roots), reads no uv.toml or pyproject.toml and keeps its cache under the work
#       directory.
#   scripts/clients/uv.sh push|server ...
#       skip: publishing is pypi.sh's (twine).
#
# Checks: uv fetched exactly the artifact's file (the one archive URL its --verbose log
# requests), uv's own record of that download has the manifest's sha256 (a hash-pinned,
# offline install from the case's cache into a second venv: uv compares the pin with the hash
# it computed while downloading), importlib.metadata reports VERSION, and the data file
# (manifest `data.path`, relative to site-packages) has its sha256.
# Prints one line: RESULT pypi <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when uv
# refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes when
# uv refuses the server certificate (TLS_REFUSAL_PATTERN). uv 0.13.9 from .tools/uv
# (scripts/clients/setup.sh uv).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How uv refuses each defect variant (`assetgen list defects`), as seen in its output.
DEFECT_PATTERNS=(
  [bad-index-hash]='^ *cause: Hash mismatch for .[^ ]+==[^ ]+.$'
  [metadata-mismatch]='Wheel (version|name) does not match filename'
  [truncated-wheel]='^ *cause: Failed to extract archive: |^ *cause: (Bad uncompressed size|Bad CRC|Invalid zip|.*[Zz]ip.*(truncated|end of (file|central directory)|invalid))'
)
TLS_REFUSAL_PATTERN='invalid peer certificate: [A-Za-z]+'

if [ "${1:-}" = server ]; then
  FORMAT=pypi OP=server CASE_T0=$(case_now)
  case_finish skip "uv.sh runs pulls only; the push registry is pypi.sh's (pypiserver)"
fi
case_init uv "$@"
# The artifacts are pypi's; uv.sh is another client of the same rows.
FORMAT=pypi
[ ${#EXTRA_ARGS[@]} -eq 0 ] || { echo "uv.sh: unknown argument '${EXTRA_ARGS[0]}'" >&2; case_usage; }

case_load_artifact
[ "$OP" = pull ] || case_finish skip "uv.sh runs pulls only; publishing is pypi.sh's (twine)"
case_row_facts set <<'EOF'
if row.get("set"):
    out["set"] = row["set"]
EOF
[ -z "$F_set" ] || case_finish skip "set rows are pip's/npm's (package set '$F_set')"
case "$A_KIND:$A_PATH" in
  wheel:*|*:*.whl) BINARY_OPT=(--only-binary :all:) ;;
  sdist:*|*:*.tar.gz|*:*.zip) BINARY_OPT=(--no-binary :all:) ;;
  *) case_finish fail "manifest: '$A_PATH' is neither a wheel nor an sdist (kind '$A_KIND')" ;;
esac
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"
UV="$TOOLS_DIR/uv/bin/uv"
[ -x "$UV" ] || case_finish skip "uv not installed: $(case_tool_skip_reason uv || echo 'run scripts/clients/setup.sh uv')"
case_isolate
# Nothing of the machine's uv: no settings from the environment, no config file, no
# system certificate store, no managed Python downloads.
while IFS= read -r v; do
  case "$v" in UV_*) unset "$v" ;; esac
done < <(compgen -e)
# Copies, not reflinks or hard links into the cache: the venv holds its own files.
export UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_CACHE_DIR="$WORK/uv-cache" UV_LINK_MODE=copy
UV_VERSION=$("$UV" --version 2>/dev/null | cut -d' ' -f2)
UV_VERSION=${UV_VERSION:-?}
cd "$WORK"

# uv's final error with its causes, as one line.
uv_error() {
  local m
  m=$(grep -v '^+ ' "$CASE_LOG" 2>/dev/null | grep -E '^(error|  cause): ' | sed -e 's/^ *//' | head -n 4 | tr '\n' ' ')
  printf '%s' "${m:-see $CASE_LOG}"
}

uv_venv() { # DIR: a fresh venv of $PYTHON, made by uv
  rm -rf "$1"
  case_run venv.log "$UV" venv --no-config --python "$(command -v "$PYTHON")" "$1" \
    || case_finish skip "uv $UV_VERSION could not make a venv of $PYTHON: $(uv_error)"
}

uv_install_check() {
  local index=$1 venv="$WORK/uv-venv" hvenv="$WORK/uv-hash-venv" cert=() urls filename check
  filename=$(basename "$A_PATH")
  [ -n "$CA" ] && cert=(--cert "$CA")
  uv_venv "$venv"
  if ! case_run uv-install.log "$UV" pip install --no-config --verbose --python "$venv/bin/python" \
         --default-index "$index" "${cert[@]}" "${BINARY_OPT[@]}" "$A_NAME==$A_VERSION"; then
    case_judge refused "uv $UV_VERSION pip install failed: $(uv_error)"
  fi
  # The archives uv downloaded (its debug lines name each request); for one requirement
  # without dependencies that is one file, the artifact's.
  urls=$(grep -oE '^DEBUG Sending (fresh|cached|revalidation) GET request for: [^ ]+\.(whl|tar\.gz|zip)$' "$CASE_LOG" \
         | sed -e 's/.* for: //' | sort -u || true)
  [ -n "$urls" ] || case_judge refused "uv $UV_VERSION --verbose names no archive download; the installed file cannot be checked"
  if [ "$(wc -l <<<"$urls")" -ne 1 ] || [ "${urls##*/}" != "$filename" ]; then
    case_judge refused "uv fetched $(tr '\n' ' ' <<<"$urls")instead of $filename"
  fi
  if ! check=$("$venv/bin/python" "$CLIENTS_DIR/installed_dist.py" "$A_NAME" "$A_VERSION" \
                 "$A_DATA_PATH" "$A_DATA_SHA256" 2>&1); then
    case_judge refused "after uv $UV_VERSION pip install: $check"
  fi
  # uv keeps no download report; its cache records the sha256 it computed while downloading.
  # Pinning the manifest's sha256 offline makes uv compare the two (or fail to fetch again).
  [ -n "$A_SHA256" ] || case_finish fail "manifest: '$A_PATH' has no sha256 to check"
  printf '%s==%s --hash=sha256:%s\n' "$A_NAME" "$A_VERSION" "$A_SHA256" >"$WORK/pinned.txt"
  uv_venv "$hvenv"
  if ! case_run uv-hash.log "$UV" pip install --no-config --offline --require-hashes \
         --python "$hvenv/bin/python" --default-index "$index" "${BINARY_OPT[@]}" -r "$WORK/pinned.txt"; then
    case_judge refused "the $filename uv downloaded does not have the manifest's sha256 $A_SHA256: $(uv_error)"
  fi
  case_judge ok "uv $UV_VERSION installed $filename from $index; uv's record of it has the manifest's sha256, $check"
}

case_require_reachable "${REGISTRY}pypi/simple/"
uv_install_check "${REGISTRY}pypi/simple/"
