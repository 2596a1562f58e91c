#!/usr/bin/env bash
# Native client case for npm.
#
#   scripts/clients/npm.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                               [--ca FILE] [--work DIR]
#       npm install NAME@VERSION from URL/npm/ (URL serves an out/<size>/ tree).
#   scripts/clients/npm.sh push --registry URL --manifest ... --artifact PATH [--ca FILE] [--work DIR]
#                               [--token TOKEN]
#       npm publish the tarball to the registry at URL (its root), then install it back.
#       Without --token a user is created with PUT /-/user/org.couchdb.user:<name>.
#   scripts/clients/npm.sh audit --registry URL --manifest ... --artifact PATH [--ca FILE] [--work DIR]
#       as pull, then `npm audit signatures` against URL/npm/ in the installed project: passes
#       when npm verified the package's registry signature (dist.signatures) with the keys at
#       URL/npm/-/npm/v1/keys; an invalid or missing signature fails the case.
#       The install uses the machine's npm; the audit uses npm 9.6.7 from .tools/npm-audit
#       (scripts/clients/setup.sh npm-audit), because npm 9.7 and later first fetch sigstore's
#       TUF trust root from the public sigstore CDN even for registry signatures, and fail
#       before asking the registry when that CDN is out of reach.
#
# Checks after install: node_modules/NAME/package.json has VERSION, the lock records the
# manifest's sha512 as integrity, and the data file (if the manifest lists one) has its sha256.
# Prints one line: RESULT npm <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when npm
# refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes when
# npm refuses the server certificate (TLS_REFUSAL_PATTERN).
#
#   scripts/clients/npm.sh server start|stop --port PORT --state DIR
#       the local registry the push case publishes to (verdaccio.sh, storage under DIR).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How npm refuses each defect variant (`assetgen list defects`), as seen in its output.
DEFECT_PATTERNS=(
  [bad-integrity]='^npm (error|ERR!) code EINTEGRITY$|integrity checksum failed'
  [truncated-tarball]='^npm (error|ERR!) code (TAR_BAD_ARCHIVE|TAR_ABORT|Z_BUF_ERROR|Z_DATA_ERROR)$|zlib: unexpected end of file'
)
TLS_REFUSAL_PATTERN='^npm (error|ERR!) code (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_[A-Z_]+)$'

CASE_EXTRA_USAGE="[--token TOKEN]"
CASE_EXTRA_OPS=audit
[ "${1:-}" != server ] || case_server verdaccio.sh --storage "$@"
case_init npm "$@"
TOKEN=""
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --token) TOKEN=${2:?--token needs a value}; shift 2 ;;
    *) echo "npm.sh: unknown argument '$1'" >&2; case_usage ;;
  esac
done

case_load_artifact
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  case_finish skip "npm/node not on PATH (Debian: apt-get install nodejs npm)"
fi
case_isolate
NPM_VERSION=$(npm --version 2>/dev/null || echo '?')

# The private npmrc: everything npm reads comes from here or from the command line.
NPMRC="$HOME/.npmrc"
: >"$WORK/npm-globalrc"
{
  echo "audit=false"
  echo "fund=false"
  echo "update-notifier=false"
  # Keep npm's two retries, with short back-offs (its defaults wait 10 s, then up to 60 s).
  echo "fetch-retry-mintimeout=1000"
  echo "fetch-retry-maxtimeout=4000"
  if [ -n "$CA" ]; then echo "cafile=$CA"; fi
} >"$NPMRC"
export npm_config_userconfig="$NPMRC" npm_config_globalconfig="$WORK/npm-globalrc"

npm_error() {
  local m
  m=$(case_log_match '^npm (error|ERR!) (code|[A-Za-z])' )
  printf '%s' "${m:-see $CASE_LOG}"
}

# npm_install_check REGISTRY LABEL: installs into a fresh project ($WORK/LABEL) and checks
# it. On a refusal it calls case_judge (which exits); on success it sets INSTALL_MSG and
# returns.
npm_install_check() {
  local reg=$1 label=$2 proj pkgdir got integ want_integ data_sha
  proj="$WORK/$label"
  rm -rf "$proj" "$WORK/npm-cache-$label"
  mkdir -p "$proj"
  printf '{"name":"assetgen-native-case","version":"0.0.0","private":true}\n' >"$proj/package.json"
  cd "$proj"
  if ! case_run "$label.log" npm install "$A_NAME@$A_VERSION" --registry "$reg" \
         --cache "$WORK/npm-cache-$label" --no-audit --no-fund --loglevel=warn; then
    case_judge refused "npm $NPM_VERSION install failed: $(npm_error)"
  fi
  pkgdir="$proj/node_modules/$A_NAME"
  [ -f "$pkgdir/package.json" ] || case_judge refused "npm $NPM_VERSION: installed nothing at node_modules/$A_NAME"
  got=$(node -p 'require(process.argv[1]).version' "$pkgdir/package.json" 2>/dev/null || echo '?')
  [ "$got" = "$A_VERSION" ] || case_judge refused "installed package.json says version $got, wanted $A_VERSION"
  # An integrity that cannot be checked is a failure, not a match.
  [ -n "$A_SHA512" ] || case_finish fail "manifest: '$A_PATH' has no sha512 to check npm's integrity against"
  [ -f "$proj/node_modules/.package-lock.json" ] \
    || case_judge refused "npm $NPM_VERSION wrote no node_modules/.package-lock.json; the installed integrity cannot be checked"
  integ=$(node -p 'const l=require(process.argv[1]); (l.packages["node_modules/"+process.argv[2]]||{}).integrity||""' \
    "$proj/node_modules/.package-lock.json" "$A_NAME")
  [ -n "$integ" ] || case_judge refused "node_modules/.package-lock.json records no integrity for $A_NAME"
  want_integ="sha512-$(node -p 'Buffer.from(process.argv[1],"hex").toString("base64")' "$A_SHA512")"
  [ "$integ" = "$want_integ" ] || case_judge refused "installed integrity $integ is not the manifest's sha512 ($want_integ)"
  if [ -n "$A_DATA_PATH" ]; then
    [ -f "$pkgdir/$A_DATA_PATH" ] || case_judge refused "data file $A_DATA_PATH missing from the installed package"
    data_sha=$(case_sha256 "$pkgdir/$A_DATA_PATH")
    [ "$data_sha" = "$A_DATA_SHA256" ] || case_judge refused "data file $A_DATA_PATH sha256 $data_sha, manifest says $A_DATA_SHA256"
    INSTALL_MSG="npm $NPM_VERSION installed $A_NAME@$A_VERSION from $reg; integrity and data sha256 match"
    return 0
  fi
  INSTALL_MSG="npm $NPM_VERSION installed $A_NAME@$A_VERSION from $reg; integrity matches"
}

# npm_audit_signatures REGISTRY LABEL: runs the audit npm's `audit signatures` in the
# project that npm_install_check LABEL installed; calls case_judge with the outcome.
npm_audit_signatures() {
  local reg=$1 label=$2 cli version summary problem
  cli="$TOOLS_DIR/npm-audit/node_modules/npm/bin/npm-cli.js"
  version=$(node "$cli" --version 2>/dev/null || echo '?')
  cd "$WORK/$label"
  if case_run audit.log node "$cli" audit signatures --registry "$reg" \
       --cache "$WORK/npm-cache-audit" --loglevel=warn; then
    summary=$(case_log_match 'verified registry signature')
    [ -n "$summary" ] \
      || case_judge refused "npm $version audit signatures exited 0 without verifying a registry signature; see $CASE_LOG"
    case_judge ok "$INSTALL_MSG; npm $version audit signatures: $summary"
  fi
  problem=$(case_log_match '(invalid|missing) registry signature')
  [ -n "$problem" ] || problem=$(npm_error)
  case_judge refused "npm $version audit signatures failed: $problem"
}

# npm_user_token REGISTRY: creates a throw-away user and prints its token.
npm_user_token() {
  local reg=$1 user pass body
  local curl_tls=()
  [ -n "$CA" ] && curl_tls=(--cacert "$CA")
  user="assetgen-$(date +%s)-$RANDOM$RANDOM"
  pass="pw-$RANDOM$RANDOM$RANDOM"
  body=$(printf '{"_id":"org.couchdb.user:%s","name":"%s","password":"%s","type":"user","roles":[]}' "$user" "$user" "$pass")
  curl -sS --max-time 30 "${curl_tls[@]}" -X PUT -H 'Content-Type: application/json' \
    --data "$body" "${reg}-/user/org.couchdb.user:$user" >"$WORK/adduser.json" 2>>"$WORK/adduser.log" || return 1
  "$PYTHON" -c 'import json,sys; t=json.load(open(sys.argv[1])).get("token"); print(t) if t else sys.exit(1)' \
    "$WORK/adduser.json" 2>>"$WORK/adduser.log"
}

case "$OP" in
  pull)
    reg="${REGISTRY}npm/"
    case_require_reachable "$reg"
    npm_install_check "$reg" npm-install
    case_judge ok "$INSTALL_MSG"
    ;;
  audit)
    reg="${REGISTRY}npm/"
    if [ ! -f "$TOOLS_DIR/npm-audit/node_modules/npm/bin/npm-cli.js" ]; then
      case_finish skip "npm for audit signatures not installed: $(case_tool_skip_reason npm-audit || echo 'run scripts/clients/setup.sh npm-audit')"
    fi
    case_require_reachable "$reg"
    npm_install_check "$reg" npm-install
    npm_audit_signatures "$reg" npm-install
    ;;
  push)
    reg=$REGISTRY
    case_require_reachable "$reg"
    [ -f "$A_FILE" ] || case_finish fail "artifact file $A_FILE does not exist"
    if [ -z "$TOKEN" ]; then
      TOKEN=$(npm_user_token "$reg") \
        || case_finish fail "could not create a user at ${reg}-/user/: $(head -c 200 "$WORK/adduser.json" 2>/dev/null)"
    fi
    # npm wants the token keyed by the registry URL without its scheme.
    echo "//${reg#*://}:_authToken=$TOKEN" >>"$NPMRC"
    mkdir -p "$WORK/publish"
    cd "$WORK/publish"
    if ! case_run publish.log npm publish "$A_FILE" --registry "$reg" --cache "$WORK/npm-cache-publish" \
           --access public --loglevel=warn; then
      case_judge refused "npm $NPM_VERSION publish failed: $(npm_error)"
    fi
    npm_install_check "$reg" npm-install-back
    case_judge ok "$INSTALL_MSG"
    ;;
esac
