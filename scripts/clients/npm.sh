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
#
# Checks after install: node_modules/NAME/package.json has VERSION, the lock records the
# manifest's sha512 as integrity, and the data file (if the manifest lists one) has its sha256.
# Prints one line: RESULT npm <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when refused.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CASE_EXTRA_USAGE="[--token TOKEN]"
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
  if [ -n "$CA" ]; then echo "cafile=$CA"; fi
} >"$NPMRC"
export npm_config_userconfig="$NPMRC" npm_config_globalconfig="$WORK/npm-globalrc"

npm_error() {
  local m
  m=$(case_log_match '^npm (error|ERR!) (code|[A-Za-z])' )
  printf '%s' "${m:-see $CASE_LOG}"
}

# npm_install_check REGISTRY LABEL: installs into a fresh project and checks it.
# Calls case_judge (which exits) with the outcome.
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
  if [ -n "$A_SHA512" ] && [ -f "$proj/node_modules/.package-lock.json" ]; then
    integ=$(node -p 'const l=require(process.argv[1]); (l.packages["node_modules/"+process.argv[2]]||{}).integrity||""' \
      "$proj/node_modules/.package-lock.json" "$A_NAME")
    want_integ="sha512-$(node -p 'Buffer.from(process.argv[1],"hex").toString("base64")' "$A_SHA512")"
    [ "$integ" = "$want_integ" ] || case_judge refused "installed integrity $integ is not the manifest's sha512 ($want_integ)"
  fi
  if [ -n "$A_DATA_PATH" ]; then
    [ -f "$pkgdir/$A_DATA_PATH" ] || case_judge refused "data file $A_DATA_PATH missing from the installed package"
    data_sha=$(case_sha256 "$pkgdir/$A_DATA_PATH")
    [ "$data_sha" = "$A_DATA_SHA256" ] || case_judge refused "data file $A_DATA_PATH sha256 $data_sha, manifest says $A_DATA_SHA256"
    case_judge ok "npm $NPM_VERSION installed $A_NAME@$A_VERSION from $reg; integrity and data sha256 match"
  fi
  case_judge ok "npm $NPM_VERSION installed $A_NAME@$A_VERSION from $reg; integrity matches"
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
    ;;
esac
