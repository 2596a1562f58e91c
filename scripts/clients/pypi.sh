#!/usr/bin/env bash
# Native client case for pypi (pip, twine).
#
#   scripts/clients/pypi.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                                [--ca FILE] [--work DIR]
#       pip install NAME==VERSION from URL/pypi/simple/ (URL serves an out/<size>/ tree) in a
#       fresh venv: a wheel artifact with --only-binary :all:, an sdist with --no-binary :all:
#       (built through its PEP 517 backend).
#   scripts/clients/pypi.sh push --registry URL ... [--user U --password P]
#       twine upload the artifact (and its .asc, if one lies beside it) to URL, then pip
#       install it back from URL/simple/.
#
# Checks: pip installed exactly the artifact's file (URL and sha256 from pip's --report),
# importlib.metadata reports VERSION, and the data file (manifest `data.path`, relative to
# site-packages) has its sha256.
# Prints one line: RESULT pypi <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when pip
# refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes when
# pip refuses the server certificate (TLS_REFUSAL_PATTERN).
#
#   scripts/clients/pypi.sh server start|stop --port PORT --state DIR
#       the local index the push case uploads to (pypiserver.sh, packages under DIR).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How pip refuses each defect variant (`assetgen list defects`), as seen in its output.
DEFECT_PATTERNS=(
  [bad-index-hash]='THESE PACKAGES DO NOT MATCH THE HASHES'
  [metadata-mismatch]='has inconsistent (version|name)'
  [truncated-wheel]="^ERROR: Wheel '[^']+' located at .* is invalid\.|BadZipFile|File is not a zip file"
)
TLS_REFUSAL_PATTERN='CERTIFICATE_VERIFY_FAILED'

CASE_EXTRA_USAGE="[--user U --password P]"
[ "${1:-}" != server ] || case_server pypiserver.sh --dir "$@"
case_init pypi "$@"
TW_USER=x TW_PASS=x
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --user) TW_USER=${2:?--user needs a value}; shift 2 ;;
    --password) TW_PASS=${2:?--password needs a value}; shift 2 ;;
    *) echo "pypi.sh: unknown argument '$1'" >&2; case_usage ;;
  esac
done

case_load_artifact
case "$A_KIND:$A_PATH" in
  wheel:*|*:*.whl) BINARY_OPT=(--only-binary :all:) ;;
  sdist:*|*:*.tar.gz|*:*.zip) BINARY_OPT=(--no-binary :all:) ;;
  *) case_finish fail "manifest: '$A_PATH' is neither a wheel nor an sdist (kind '$A_KIND')" ;;
esac
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"

TWINE=""
if [ "$OP" = push ]; then
  if [ -x "$TOOLS_DIR/pyenv/bin/twine" ]; then
    TWINE="$TOOLS_DIR/pyenv/bin/twine"
  elif command -v twine >/dev/null; then
    TWINE=$(command -v twine)
  else
    case_finish skip "twine not installed: $(case_tool_skip_reason pyenv || echo 'run scripts/clients/setup.sh pypi')"
  fi
fi
case_isolate

# pip's final ERROR line; when a TLS failure preceded it (pip reports those only as
# warnings before giving up with "from versions: none"), that failure first.
pip_error() {
  local m tls
  m=$(case_log_match '^ERROR: ')
  tls=$(grep -m1 -oE '(CERTIFICATE_VERIFY_FAILED|SSLError|SSL: [A-Z_]+)[^)]*' "$CASE_LOG" 2>/dev/null || true)
  [ -z "$tls" ] || m="TLS: $tls; $m"
  printf '%s' "${m:-see $CASE_LOG}"
}

# pip_install_check INDEX_URL LABEL: installs into a fresh venv and checks it; calls
# case_judge (which exits) with the outcome.
pip_install_check() {
  local index=$1 label=$2 venv py pip_version check installed cert=()
  venv="$WORK/$label-venv"
  rm -rf "$venv"
  if ! case_run "$label.log" "$PYTHON" -m venv "$venv"; then
    case_finish skip "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
  fi
  py="$venv/bin/python"
  pip_version=$("$py" -m pip --version 2>/dev/null | cut -d' ' -f2)
  [ -n "$CA" ] && cert=(--cert "$CA")
  if ! case_run "$label.log" "$py" -m pip install --no-cache-dir --index-url "$index" "${cert[@]}" \
         "${BINARY_OPT[@]}" --report "$WORK/$label-report.json" "$A_NAME==$A_VERSION"; then
    case_judge refused "pip $pip_version install failed: $(pip_error)"
  fi
  if ! check=$("$py" - "$WORK/$label-report.json" "$A_NAME" "$(basename "$A_PATH")" "$A_SHA256" \
                 2>&1 <<'EOF'
import json, re, sys
report, name, filename, sha256 = sys.argv[1:5]
norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
items = [i for i in json.load(open(report)).get("install", [])
         if norm(i.get("metadata", {}).get("name", "")) == norm(name)]
if len(items) != 1:
    sys.exit("pip's report has no install of %s" % name)
info = items[0].get("download_info", {})
url = info.get("url", "")
if url.rsplit("/", 1)[-1].split("#")[0] != filename:
    sys.exit("pip installed %s, not %s" % (url, filename))
hashes = info.get("archive_info", {}).get("hashes", {})
if not sha256:
    sys.exit("the manifest gives %s no sha256 to check" % filename)
if not hashes.get("sha256"):
    sys.exit("pip's report records no sha256 for %s, so the download cannot be checked" % filename)
if hashes["sha256"] != sha256:
    sys.exit("downloaded %s has sha256 %s, manifest says %s" % (filename, hashes["sha256"], sha256))
print("file sha256 matches the manifest")
EOF
  ); then
    case_judge refused "after pip $pip_version install: $check"
  fi
  if ! installed=$("$py" "$CLIENTS_DIR/installed_dist.py" "$A_NAME" "$A_VERSION" "$A_DATA_PATH" \
                     "$A_DATA_SHA256" 2>&1); then
    case_judge refused "after pip $pip_version install: $installed"
  fi
  check="$check; $installed"
  case_judge ok "pip $pip_version installed $(basename "$A_PATH") from $index; $check"
}

case "$OP" in
  pull)
    index="${REGISTRY}pypi/simple/"
    case_require_reachable "$index"
    pip_install_check "$index" pip-install
    ;;
  push)
    case_require_reachable "$REGISTRY"
    [ -f "$A_FILE" ] || case_finish fail "artifact file $A_FILE does not exist"
    files=("$A_FILE")
    [ -f "$A_FILE.asc" ] && files+=("$A_FILE.asc")
    cert=()
    [ -n "$CA" ] && cert=(--cert "$CA")
    tw_version=$("$TWINE" --version 2>/dev/null | head -n1 | cut -d' ' -f3)
    if ! case_run upload.log "$TWINE" upload --repository-url "$REGISTRY" --non-interactive \
           -u "$TW_USER" -p "$TW_PASS" "${cert[@]}" --disable-progress-bar "${files[@]}"; then
      case_judge refused "twine $tw_version upload failed: $(case_log_match '^(ERROR|HTTPError|InvalidDistribution)' )"
    fi
    pip_install_check "${REGISTRY}simple/" pip-install-back
    ;;
esac
