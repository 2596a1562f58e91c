# Shared helpers for the native client cases (scripts/clients/<format>.sh). Sourced, not run.
#
# A case script calls, in order:
#   case_init FORMAT "$@"       parse the common options (sets OP REGISTRY MANIFEST ARTIFACT CA WORK
#                               and EXTRA_ARGS for the script's own options), start the clock;
#                               operations are pull and push, plus any listed in CASE_EXTRA_OPS
#   case_load_artifact          read the artifact's entry from the manifest (sets A_* variables)
#   case_isolate                give the client a private HOME, config and cache; clear leaking env
#   case_finish pass|fail|skip MESSAGE   print the one RESULT line and exit 0|1|3
# Client output goes to $WORK/*.log; on failure the log's tail is copied to stderr.
#
# A refusal counts only when it is the refusal expected: a case script fills
#   DEFECT_PATTERNS[<defect>]   extended regex the client's output matches when it refuses
#                               that defect variant (one entry per defect `assetgen list
#                               defects` shows for the format)
#   TLS_REFUSAL_PATTERN         extended regex of the client refusing the server certificate
# and `--expect tls-refusal` makes a case pass only when the client refuses the server's
# certificate (the caller hands it a CA that does not vouch for the server).
# shellcheck shell=bash

CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$CLIENTS_DIR/../.." && pwd -P)
TOOLS_DIR=${ASSETGEN_TOOLS_DIR:-$REPO_ROOT/.tools}
PYTHON=${PYTHON:-python3}

FORMAT="" OP="" REGISTRY="" MANIFEST="" ARTIFACT="" CA="" WORK="" WORK_IS_TEMP=0
CASE_EXTRA_OPS=${CASE_EXTRA_OPS:-}
EXTRA_ARGS=()
CASE_T0=""
CASE_LOG=""
CASE_EXPECT=""
declare -A DEFECT_PATTERNS=()
TLS_REFUSAL_PATTERN=""

case_usage() {
  cat >&2 <<EOF
usage: scripts/clients/$FORMAT.sh pull|push${CASE_EXTRA_OPS:+|${CASE_EXTRA_OPS// /|}} --registry URL --manifest out/<size>/manifest.json
           --artifact PATH [--ca FILE] [--work DIR] [--expect tls-refusal] ${CASE_EXTRA_USAGE:-}
EOF
  exit 2
}

case_now() { LC_ALL=C date +%s.%N; }

# One line, no control characters, bounded length.
case_oneline() {
  local s=$1
  s=${s//$'\r'/ }
  s=${s//$'\n'/ }
  s=${s//$'\t'/ }
  [ ${#s} -gt 300 ] && s="${s:0:297}..."
  printf '%s' "$s"
}

case_finish() {
  local status=$1 msg=$2 secs rc
  secs=$(LC_ALL=C awk -v a="$CASE_T0" -v b="$(case_now)" 'BEGIN { printf "%.2f", b - a }')
  case "$status" in pass) rc=0 ;; fail) rc=1 ;; skip) rc=3 ;; *) rc=1 ;; esac
  if [ "$status" = fail ] && [ -n "$CASE_LOG" ] && [ -s "$CASE_LOG" ]; then
    echo "---- last lines of $CASE_LOG ----" >&2
    tail -n 15 "$CASE_LOG" >&2
  fi
  if [ "$WORK_IS_TEMP" -eq 1 ]; then
    if [ "$status" = fail ]; then msg="$msg (work dir kept: $WORK)"; else cd / && rm -rf "$WORK"; fi
  fi
  echo "RESULT $FORMAT ${OP:-?} ${A_NAME:-?}@${A_VERSION:-?} $status $secs $(case_oneline "$msg")"
  exit "$rc"
}

case_init() {
  FORMAT=$1; shift
  CASE_T0=$(case_now)
  [ $# -ge 1 ] || case_usage
  OP=$1; shift
  case " pull push $CASE_EXTRA_OPS " in
    *" $OP "*) ;;
    *) case "$OP" in -h|--help) ;; *) echo "$FORMAT.sh: unknown operation '$OP' (pull, push${CASE_EXTRA_OPS:+ or ${CASE_EXTRA_OPS// / or }})" >&2 ;; esac
       case_usage ;;
  esac
  while [ $# -gt 0 ]; do
    case "$1" in
      --registry) REGISTRY=${2:?--registry needs a URL}; shift 2 ;;
      --manifest) MANIFEST=${2:?--manifest needs a file}; shift 2 ;;
      --artifact) ARTIFACT=${2:?--artifact needs a path}; shift 2 ;;
      --ca) CA=${2:?--ca needs a file}; shift 2 ;;
      --work) WORK=${2:?--work needs a directory}; shift 2 ;;
      --expect) CASE_EXPECT=${2:?--expect needs tls-refusal}; shift 2
        [ "$CASE_EXPECT" = tls-refusal ] || { echo "$FORMAT.sh: --expect takes tls-refusal (got '$CASE_EXPECT')" >&2; exit 2; } ;;
      -h|--help) case_usage ;;
      *) EXTRA_ARGS+=("$1"); shift ;;
    esac
  done
  [ -n "$REGISTRY" ] || { echo "$FORMAT.sh: --registry URL is required" >&2; case_usage; }
  [ -n "$MANIFEST" ] || { echo "$FORMAT.sh: --manifest FILE is required" >&2; case_usage; }
  [ -n "$ARTIFACT" ] || { echo "$FORMAT.sh: --artifact PATH is required" >&2; case_usage; }
  [[ "$REGISTRY" =~ ^https?:// ]] || { echo "$FORMAT.sh: --registry must be an http:// or https:// URL (got '$REGISTRY')" >&2; exit 2; }
  [ -f "$MANIFEST" ] || { echo "$FORMAT.sh: --manifest '$MANIFEST' is not a file" >&2; exit 2; }
  MANIFEST=$(cd "$(dirname "$MANIFEST")" && pwd -P)/$(basename "$MANIFEST")
  if [ -n "$CA" ]; then
    [ -r "$CA" ] || { echo "$FORMAT.sh: --ca '$CA' is not readable" >&2; exit 2; }
    CA=$(cd "$(dirname "$CA")" && pwd -P)/$(basename "$CA")
  fi
  REGISTRY=${REGISTRY%/}/
  if [ -n "$WORK" ]; then
    mkdir -p "$WORK"
    WORK=$(cd "$WORK" && pwd -P)
  else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/assetgen-$FORMAT-$OP.XXXXXX")
    WORK_IS_TEMP=1
  fi
}

# Finds the manifest entry whose `path` is ARTIFACT (given relative to the manifest's
# directory, or as a path to the file itself) and sets A_FORMAT A_KIND A_NAME A_VERSION
# A_PATH A_FILE A_SHA256 A_SHA512 A_EXPECT A_DEFECT A_DATA_PATH A_DATA_SHA256.
case_load_artifact() {
  local key value out
  # shellcheck disable=SC2034  # the A_* variables are read by the case scripts
  A_FORMAT="" A_KIND="" A_NAME="" A_VERSION="" A_PATH="" A_FILE="" A_SHA256="" A_SHA512="" A_EXPECT="" A_DEFECT="" A_DATA_PATH="" A_DATA_SHA256=""
  if ! out=$("$PYTHON" - "$MANIFEST" "$ARTIFACT" 2>"$WORK/manifest.err" <<'EOF'
import json, os, sys
manifest, wanted = sys.argv[1], sys.argv[2]
base = os.path.dirname(manifest)
if os.path.exists(wanted):
    wanted = os.path.relpath(os.path.realpath(wanted), os.path.realpath(base))
wanted = os.path.normpath(wanted)
with open(manifest, encoding="utf-8") as f:
    doc = json.load(f)
hits = [a for a in doc.get("artifacts", []) if os.path.normpath(a.get("path", "")) == wanted]
if len(hits) != 1:
    sys.exit("%s artifacts with path '%s' in %s" % (len(hits) or "no", wanted, manifest))
a = hits[0]
data = a.get("data") or {}
fields = {
    "A_FORMAT": a.get("format"), "A_KIND": a.get("kind"), "A_NAME": a.get("name"),
    "A_VERSION": a.get("version"), "A_PATH": a.get("path"),
    "A_FILE": os.path.join(base, a.get("path", "")),
    "A_SHA256": a.get("sha256"), "A_SHA512": a.get("sha512"),
    "A_EXPECT": a.get("expect") or "accept", "A_DEFECT": a.get("defect"),
    "A_DATA_PATH": data.get("path"), "A_DATA_SHA256": data.get("sha256"),
}
for k, v in fields.items():
    v = "" if v is None else str(v)
    if "\n" in v or "\t" in v:
        sys.exit("field %s of '%s' holds a newline or tab" % (k, wanted))
    print("%s\t%s" % (k, v))
EOF
  ); then
    case_finish fail "manifest: $(tail -n1 "$WORK/manifest.err")"
  fi
  while IFS=$'\t' read -r key value; do
    case "$key" in
      A_FORMAT|A_KIND|A_NAME|A_VERSION|A_PATH|A_FILE|A_SHA256|A_SHA512|A_EXPECT|A_DEFECT|A_DATA_PATH|A_DATA_SHA256)
        printf -v "$key" '%s' "$value" ;;
    esac
  done <<<"$out"
  [ "$A_FORMAT" = "$FORMAT" ] || case_finish fail "manifest: '$A_PATH' is a $A_FORMAT artifact, not $FORMAT"
  if [ -z "$A_NAME" ] || [ -z "$A_VERSION" ]; then case_finish fail "manifest: '$A_PATH' has no name or version"; fi
  case "$A_EXPECT" in accept|reject) ;; *) case_finish fail "manifest: '$A_PATH' has expect '$A_EXPECT' (accept or reject)" ;; esac
}

# Private HOME, XDG dirs and temp dir under $WORK; drop every variable through which the
# machine's or the user's client configuration or trust settings could leak in.
case_isolate() {
  local v
  mkdir -p "$WORK/home" "$WORK/tmp" "$WORK/xdg-config" "$WORK/xdg-cache" "$WORK/xdg-data"
  export HOME="$WORK/home" TMPDIR="$WORK/tmp"
  export XDG_CONFIG_HOME="$WORK/xdg-config" XDG_CACHE_HOME="$WORK/xdg-cache" XDG_DATA_HOME="$WORK/xdg-data"
  unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS NODE_OPTIONS
  unset PYTHONPATH PYTHONHOME PYTHONUSERBASE VIRTUAL_ENV PIP_CERT
  while IFS= read -r v; do
    case "$v" in
      npm_config_*|NPM_CONFIG_*|PIP_*|TWINE_*|YARN_*|PNPM_*) unset "$v" ;;
    esac
  done < <(compgen -e)
  export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONNOUSERSITE=1
  export NO_COLOR=1 npm_config_color=false
}

# Runs a command with its output appended to the named log under $WORK (CASE_LOG).
case_run() {
  local log=$1; shift
  CASE_LOG="$WORK/$log"
  printf '+ %s\n' "$*" >>"$CASE_LOG"
  "$@" >>"$CASE_LOG" 2>&1
}

# First line of the current log matching an extended regex (for failure messages).
case_log_match() {
  if [ -z "$CASE_LOG" ] || [ ! -f "$CASE_LOG" ]; then return 0; fi
  grep -m1 -E "$1" "$CASE_LOG" | sed -e 's/^[[:space:]]*//' || true
}

case_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Fails the case unless the registry's host answers HTTP at all (any status). Trust is not
# judged here (--insecure): a certificate the CA does not vouch for is the client's to
# refuse, so that its own error is what the case reports.
case_require_reachable() {
  local url=$1 code
  code=$(curl -sS --insecure -o /dev/null -w '%{http_code}' --max-time 10 "$url" 2>"$WORK/reachable.err" || true)
  [ "$code" != 000 ] || case_finish fail "registry unreachable: $url: $(head -n1 "$WORK/reachable.err")"
}

# The last lines the client printed (the current log without its "+ command" lines), as
# one line, for failure messages.
case_log_tail() {
  if [ -z "$CASE_LOG" ] || [ ! -s "$CASE_LOG" ]; then printf 'no client output'; return 0; fi
  case_oneline "$(grep -v '^+ ' "$CASE_LOG" | grep -v '^[[:space:]]*$' | tail -n 3)"
}

# case_expect_refusal WHAT PATTERN MESSAGE: the client refused; pass when its output matches
# PATTERN (the refusal WHAT calls for), fail otherwise, showing the output's tail.
case_expect_refusal() {
  local what=$1 pattern=$2 msg=$3 hit
  [ -n "$pattern" ] || case_finish fail "refused, but $FORMAT.sh has no error pattern for $what to tell it from any other refusal: $msg"
  # The client's own lines only: the "+ command" lines name the package, not an error.
  hit=$(grep -v '^+ ' "$CASE_LOG" 2>/dev/null | grep -m1 -E "$pattern" | sed -e 's/^[[:space:]]*//' || true)
  [ -n "$hit" ] && case_finish pass "refused as expected ($what): $(case_oneline "$hit")"
  case_finish fail "refused, but not with the error of $what; client output: $(case_log_tail); wanted /$pattern/"
}

# Judges the client's outcome against the artifact's `expect` (or --expect):
#   case_judge ok MESSAGE       the client accepted it and every check held
#   case_judge refused MESSAGE  the client (or a check) refused it
# An expected refusal passes only when the client's own output shows the expected error.
case_judge() {
  local outcome=$1 msg=$2
  if [ "$CASE_EXPECT" = tls-refusal ]; then
    [ "$outcome" = refused ] && case_expect_refusal "an untrusted server certificate" "$TLS_REFUSAL_PATTERN" "$msg"
    case_finish fail "accepted a server certificate that $CA does not vouch for: $msg"
  fi
  if [ "$A_EXPECT" = accept ]; then
    [ "$outcome" = ok ] && case_finish pass "$msg"
    case_finish fail "$msg; client output: $(case_log_tail)"
  fi
  [ "$outcome" = refused ] && case_expect_refusal "defect ${A_DEFECT:-?}" "${DEFECT_PATTERNS[${A_DEFECT:-?}]:-}" "$msg"
  case_finish fail "accepted an artifact that should be rejected (defect ${A_DEFECT:-?}): $msg"
}

# Reason recorded by setup.sh when a tool could not be installed, if any.
case_tool_skip_reason() {
  local f="$TOOLS_DIR/$1.skip"
  [ -s "$f" ] && head -n1 "$f"
}

# case_server SERVER_SCRIPT DATA_OPTION server start|stop --port PORT --state DIR: the
# `<format>.sh server ...` operation, the local registry its push case publishes to, run by
# SERVER_SCRIPT (HTTP on 127.0.0.1:PORT, state and data under DIR, handed over with
# DATA_OPTION). Exits with the server script's status (3: not installed).
case_server() {
  local script=$1 data_opt=$2 action port="" state=""
  shift 3
  action=${1:-}
  shift || true
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) port=${2:?--port needs a number}; shift 2 ;;
      --state) state=${2:?--state needs a directory}; shift 2 ;;
      *) echo "$script: server: unknown argument '$1' (--port PORT --state DIR)" >&2; exit 2 ;;
    esac
  done
  [ -n "$port" ] && [ -n "$state" ] || { echo "$script: server $action needs --port PORT --state DIR" >&2; exit 2; }
  case "$action" in
    start) exec "$CLIENTS_DIR/$script" start --port "$port" "$data_opt" "$state/data" --state "$state" ;;
    stop) exec "$CLIENTS_DIR/$script" stop --port "$port" --state "$state" ;;
    *) echo "$script: server takes start or stop (got '$action')" >&2; exit 2 ;;
  esac
}

# ---- helpers for the local servers (pypiserver.sh, verdaccio.sh) ----
# srv_init NAME PORT STATE_DIR: sets SRV_NAME SRV_PORT SRV_STATE SRV_PIDFILE SRV_LOG.
srv_init() {
  SRV_NAME=$1 SRV_PORT=$2 SRV_STATE=$3
  if ! [[ "$SRV_PORT" =~ ^[0-9]+$ ]] || [ "$SRV_PORT" -lt 1 ] || [ "$SRV_PORT" -gt 65535 ]; then
    echo "$SRV_NAME.sh: --port must be a number from 1 to 65535 (got '$SRV_PORT')" >&2
    exit 2
  fi
  mkdir -p "$SRV_STATE"
  SRV_STATE=$(cd "$SRV_STATE" && pwd -P)
  SRV_PIDFILE="$SRV_STATE/$SRV_NAME.pid"
  SRV_LOG="$SRV_STATE/$SRV_NAME.log"
}

srv_running_pid() {
  local pid
  [ -s "$SRV_PIDFILE" ] || return 1
  pid=$(cat "$SRV_PIDFILE")
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# srv_start PROBE_URL COMMAND...: runs COMMAND in its own session, logging to SRV_LOG,
# and waits (up to 60 s) until PROBE_URL answers 2xx. Prints the server's base URL.
srv_start() {
  local probe=$1 pid i
  shift
  if pid=$(srv_running_pid); then
    echo "$SRV_NAME.sh: already running on port $SRV_PORT (pid $pid); stop it first" >&2
    exit 1
  fi
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SRV_PORT/"; then
    echo "$SRV_NAME.sh: something already answers on 127.0.0.1:$SRV_PORT" >&2
    exit 1
  fi
  : >"$SRV_LOG"
  setsid "$@" </dev/null >>"$SRV_LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$SRV_PIDFILE"
  for i in $(seq 1 600); do
    if curl -sf -o /dev/null --max-time 2 "$probe"; then
      echo "$SRV_NAME.sh: running (pid $pid, state $SRV_STATE)" >&2
      echo "http://127.0.0.1:$SRV_PORT/"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    [ "$i" -lt 600 ] && sleep 0.1
  done
  echo "$SRV_NAME.sh: did not come up on 127.0.0.1:$SRV_PORT; last lines of $SRV_LOG:" >&2
  tail -n 15 "$SRV_LOG" >&2
  srv_stop >/dev/null 2>&1 || true
  exit 1
}

srv_stop() {
  local pid
  if ! pid=$(srv_running_pid); then
    echo "$SRV_NAME.sh: not running on port $SRV_PORT" >&2
    rm -f "$SRV_PIDFILE"
    return 0
  fi
  # The server leads its own session (setsid), so its process group is its pid.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$SRV_NAME.sh: pid $pid did not stop in 10 s; killing it" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$SRV_PIDFILE"
  echo "$SRV_NAME.sh: stopped (port $SRV_PORT)" >&2
}

# case_set_checks: for a row of a package set, the set's requests of its name that this row
# answers, into SET_CHECKS (lines "RESOLVES|FAILS<TAB>what<TAB>client args...", see
# set_checks.py); empty for a row outside a set.
case_set_checks() {
  local out line
  SET_CHECKS=()
  out=$("$PYTHON" "$CLIENTS_DIR/set_checks.py" "$FORMAT" "$MANIFEST" "$A_PATH" 2>"$WORK/set-checks.err") ||
    case_finish fail "manifest: $(tail -n1 "$WORK/set-checks.err")"
  while IFS= read -r line; do
    [ -n "$line" ] && SET_CHECKS+=("$line")
  done <<<"$out"
  return 0
}

# case_row_facts KEY... <<'EOF' (a Python snippet) EOF: what a case needs of its row beyond
# case_load_artifact's. The snippet runs with doc (the manifest), row (this artifact's entry),
# facts (its facts) and path defined and fills the dict out; each KEY becomes F_KEY (empty
# when the snippet gives none). A value holding a newline or tab fails the case.
case_row_facts() {
  local snippet key k line value out
  snippet=$(cat)
  for key in "$@"; do printf -v "F_$key" '%s' ""; done
  out=$("$PYTHON" - "$MANIFEST" "$A_PATH" "$snippet" 2>"$WORK/facts.err" <<'PY'
import json, sys
manifest, path, snippet = sys.argv[1:4]
doc = json.load(open(manifest, encoding="utf-8"))
row = [a for a in doc.get("artifacts", []) if a.get("path") == path][0]
facts = row.get("facts") or {}
out = {}
exec(compile(snippet, "row facts", "exec"))
for k, v in out.items():
    v = str(v)
    if "\n" in v or "\t" in v:
        sys.exit("a fact of '%s' holds a newline or tab" % path)
    print("%s\t%s" % (k, v))
PY
  ) || case_finish fail "manifest: $(tail -n1 "$WORK/facts.err")"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    key=${line%%$'\t'*} value=${line#*$'\t'}
    for k in "$@"; do
      if [ "$k" = "$key" ]; then printf -v "F_$key" '%s' "$value"; fi
    done
  done <<<"$out"
  return 0
}

