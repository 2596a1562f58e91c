#!/usr/bin/env bash
# upstream-api: scripts/serve.sh answers the calls that a registry proxy makes of its
# upstream, from a tree made here by hand: PEP 691 negotiation of the Simple API (the
# Accept headers pip and uv send, q-values, wildcards, q=0, 406), PEP 503 redirects of
# names that are not normalised, the PyPI JSON API, npm's abbreviated and full
# packuments, dist-tags and ping, each answer's Content-Type and Vary. Plain HTTP on
# 127.0.0.1, plus one HTTPS case with `assetgen pki init` certificates (skipped when
# there is no assetgen binary), and the clear failure of a tree whose rules need njs
# when the module is missing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVE=$REPO_ROOT/scripts/serve.sh
passed=0 failed=0 skipped=0
STARTED=() # "port state" of each server this script started

stop_servers() {
  local s
  for s in "${STARTED[@]+"${STARTED[@]}"}"; do
    "$SERVE" stop --port "${s%% *}" --state "${s#* }" >/dev/null 2>&1 || true
  done
}
trap 'stop_servers; rm -rf "$SCRATCH"' EXIT

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start NAME ROOT [serve.sh options]: a server on a free port; sets BASE (no final '/').
start() {
  local name=$1 root=$2 port
  shift 2
  port=$(free_port)
  STARTED+=("$port $SCRATCH/state-$name")
  BASE=$("$SERVE" start --root "$root" --port "$port" --state "$SCRATCH/state-$name" "$@" \
    2>"$SCRATCH/start-$name.err") || fail "serve.sh start ($name) failed: $(cat "$SCRATCH/start-$name.err")"
  BASE=${BASE%/}
}

# ---- the tree ----------------------------------------------------------------------
root=$SCRATCH/tree
put() { # path content
  mkdir -p "$(dirname "$root/$1")"
  printf '%s\n' "$2" >"$root/$1"
}
# serve.sh reads the formats from the manifest's rows; one row of each is enough.
put manifest.json '{"artifacts": [
  {"format": "pypi", "path": "pypi/packages/ag_lib-1.0.0-py3-none-any.whl"},
  {"format": "npm", "path": "npm/ag-pkg/-/ag-pkg-1.0.0.tgz"}]}'
for dir in pypi/simple pypi/simple/ag-lib pypi/simple/.staging; do
  put "$dir/index.html" "<!DOCTYPE html><title>$dir index.html</title>"
  put "$dir/index.v1_html" "<!DOCTYPE html><title>$dir index.v1_html</title>"
  put "$dir/index.v1_json" "{\"meta\": {\"api-version\": \"1.1\"}, \"page\": \"$dir index.v1_json\"}"
done
put pypi/simple/html-only/index.html "<!DOCTYPE html><title>html-only</title>"
put pypi/pypi/ag-lib/json '{"info": {"name": "ag-lib", "version": "1.0.0"}, "releases": {}}'
put pypi/pypi/ag-lib/1.0.0/json '{"info": {"name": "ag-lib", "version": "1.0.0"}, "urls": []}'
put pypi/pypi/.staging/json '{"info": {"name": "staging"}}'
put pypi/packages/ag_lib-1.0.0-py3-none-any.whl "not really a wheel"
for name in ag-pkg @ag/scoped; do
  put "npm/$name/index.json" "{\"name\": \"$name\", \"versions\": {}, \"full\": true}"
  put "npm/$name/install-v1.json" "{\"name\": \"$name\", \"versions\": {}, \"abbreviated\": true}"
  put "npm/-/package/$name/dist-tags" "{\"latest\": \"1.0.0\", \"of\": \"$name\"}"
done
put npm/full-only/index.json '{"name": "full-only", "versions": {}}'
put npm/.staging/index.json '{"name": "staging"}'
put npm/ag-pkg/-/ag-pkg-1.0.0.tgz "not really a tarball"
put npm/-/ping '{}'

# ---- requests and checks -----------------------------------------------------------
PIP='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
UV='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'
NPM='application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
JSON=application/vnd.pypi.simple.v1+json
HTML1=application/vnd.pypi.simple.v1+html
HDR=$SCRATCH/headers BODY=$SCRATCH/body STATUS=""

# get PATH ACCEPT [curl options]: ACCEPT '-' sends no Accept header at all.
get() {
  local path=$1 accept=$2
  shift 2
  local h=(-H "Accept: $accept")
  [ "$accept" = - ] && h=(-H "Accept:")
  : >"$HDR"
  : >"$BODY"
  STATUS=$(curl -sS --max-time 10 -o "$BODY" -D "$HDR" -w '%{http_code}' "${h[@]}" "$@" \
    "$BASE$path" 2>"$SCRATCH/curl.err") || STATUS="curl failed: $(cat "$SCRATCH/curl.err")"
}
header() { # the values of a response header, joined with ", "
  tr -d '\r' <"$HDR" | awk -v want="$1" '
    BEGIN { want = tolower(want) }
    { i = index($0, ":"); if (i == 0) next
      n = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
      if (n == want) out = out == "" ? v : out ", " v }
    END { print out }'
}
vary_accept() { header Vary | tr ',' '\n' | tr -d ' \t' | grep -qix accept; }

result() { # name problem-or-empty
  if [ -z "$2" ]; then
    echo "pass $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1: $2"
    failed=$((failed + 1))
  fi
}

# serves NAME PATH ACCEPT TYPE FILE vary|novary [curl options]: 200 with FILE's bytes.
serves() {
  local name=$1 path=$2 accept=$3 type=$4 file=$5 vary=$6 why="" ct
  shift 6
  get "$path" "$accept" "$@"
  ct=$(header Content-Type)
  if [ "$STATUS" != 200 ]; then
    why="status $STATUS, not 200"
  elif ! cmp -s "$BODY" "$root/$file"; then
    why="the body is not $file: $(head -c 120 "$BODY")"
  elif [ "$ct" != "$type" ]; then
    why="Content-Type '$ct', not '$type'"
  elif [ "$vary" = vary ] && ! vary_accept; then
    why="no Vary: Accept (Vary: '$(header Vary)')"
  fi
  result "$name" "$why"
}

# answers NAME PATH ACCEPT STATUS [LOCATION|-] [vary]: that status (and Location: the
# path, or the same URL made absolute on this server).
answers() {
  local name=$1 path=$2 accept=$3 status=$4 location=${5:--} vary=${6:-} why="" got
  get "$path" "$accept"
  got=$(header Location)
  if [ "$STATUS" != "$status" ]; then
    why="status $STATUS, not $status${got:+ (Location: $got)}"
  elif [ "$location" != - ] && [ "$got" != "$location" ] && [ "$got" != "$BASE$location" ]; then
    why="Location '$got', not '$location'"
  elif [ "$vary" = vary ] && ! vary_accept; then
    why="no Vary: Accept (Vary: '$(header Vary)')"
  fi
  result "$name" "$why"
}

start plain "$root"
P=/pypi/simple/ag-lib/ F=pypi/simple/ag-lib

# PEP 691 negotiation: the representation the header weighs highest, v1+json before
# v1+html before text/html on a tie, 406 when none is acceptable.
serves simple-pip-header "$P" "$PIP" "$JSON" "$F/index.v1_json" vary
serves simple-uv-header "$P" "$UV" "$JSON" "$F/index.v1_json" vary
serves simple-index-pip-header /pypi/simple/ "$PIP" "$JSON" pypi/simple/index.v1_json vary
serves simple-q-html-higher "$P" "$JSON;q=0.5, text/html;q=0.6" text/html "$F/index.html" vary
serves simple-q-json-higher "$P" "text/html;q=0.5, $JSON;q=0.6" "$JSON" "$F/index.v1_json" vary
serves simple-q-three-decimals "$P" "$JSON;q=0.01, text/html;q=0.011" text/html "$F/index.html" vary
serves simple-q-order-not-position "$P" "text/html;q=0.3, $HTML1;q=0.2, $JSON;q=0.1" text/html \
  "$F/index.html" vary
serves simple-latest-json "$P" application/vnd.pypi.simple.latest+json "$JSON" "$F/index.v1_json" vary
serves simple-latest-html "$P" "application/vnd.pypi.simple.latest+html, text/html;q=0.9" "$HTML1" \
  "$F/index.v1_html" vary
serves simple-v1-html "$P" "$HTML1" "$HTML1" "$F/index.v1_html" vary
serves simple-q0-excludes "$P" "$JSON;q=0, */*" "$HTML1" "$F/index.v1_html" vary
serves simple-q0-point-000 "$P" "$JSON;q=0.000, $HTML1;q=0.000, text/html;q=0.001" text/html \
  "$F/index.html" vary
serves simple-any "$P" '*/*' "$JSON" "$F/index.v1_json" vary
serves simple-tie-server-order "$P" "text/html, $HTML1" "$HTML1" "$F/index.v1_html" vary
serves simple-no-accept "$P" - text/html "$F/index.html" vary
serves simple-text-wildcard "$P" 'text/*' text/html "$F/index.html" vary
serves simple-exact-beats-wildcard "$P" "$JSON;q=0.2, application/*;q=0.9, text/html;q=0.5" "$HTML1" \
  "$F/index.v1_html" vary
serves simple-case-insensitive "$P" 'Application/VND.PyPI.Simple.V1+JSON; Q=1' "$JSON" \
  "$F/index.v1_json" vary
serves simple-quoted-parameter "$P" "text/html;x=\"a, $JSON;q=1\";q=0.5, $JSON;q=0.4" text/html \
  "$F/index.html" vary
serves simple-bad-q-ignored "$P" "$JSON;q=1.5, $HTML1;q=0.0001, text/html;q=0.1" text/html \
  "$F/index.html" vary
serves simple-only-what-exists /pypi/simple/html-only/ "$PIP" text/html pypi/simple/html-only/index.html vary
answers simple-406 "$P" 'image/png, application/json' 406 - vary
answers simple-406-all-q0 "$P" "$JSON;q=0, $HTML1;q=0, text/html;q=0, */*;q=0" 406 - vary
answers simple-406-missing-representation /pypi/simple/html-only/ "$JSON" 406 - vary
# Redirects of names that are not normalised; a missing normalised one is a 404.
answers redirect-simple /pypi/simple/Ag_Lib/ "$PIP" 301 /pypi/simple/ag-lib/
answers redirect-simple-runs /pypi/simple/AG-._lib/ "$PIP" 301 /pypi/simple/ag-lib/
answers redirect-simple-no-slash /pypi/simple/Ag_Lib "$PIP" 301 /pypi/simple/ag-lib/
answers redirect-simple-slash-only /pypi/simple/ag-lib "$PIP" 301 /pypi/simple/ag-lib/
answers redirect-json-api /pypi/pypi/Ag.Lib/json '*/*' 301 /pypi/pypi/ag-lib/json
answers redirect-json-api-version /pypi/pypi/Ag.Lib/1.0.0/json '*/*' 301 /pypi/pypi/ag-lib/1.0.0/json
serves simple-index-file-not-redirected /pypi/simple/index.html '*/*' text/html pypi/simple/index.html novary
answers simple-missing-404 /pypi/simple/no-such-lib/ "$PIP" 404
answers simple-missing-no-slash-404 /pypi/simple/no-such-lib "$PIP" 404
answers simple-dot-dir-404 /pypi/simple/.staging/ "$PIP" 404
answers simple-dot-dir-file-404 /pypi/simple/.staging/index.v1_json "$PIP" 404
# The JSON API.
serves json-api /pypi/pypi/ag-lib/json '*/*' application/json pypi/pypi/ag-lib/json novary
serves json-api-version /pypi/pypi/ag-lib/1.0.0/json - application/json pypi/pypi/ag-lib/1.0.0/json novary
answers json-api-missing-404 /pypi/pypi/no-such-lib/json '*/*' 404
answers json-api-missing-version-404 /pypi/pypi/ag-lib/9.9/json '*/*' 404
answers json-api-dot-dir-404 /pypi/pypi/.staging/json '*/*' 404
serves wheel-as-before /pypi/packages/ag_lib-1.0.0-py3-none-any.whl '*/*' application/zip \
  pypi/packages/ag_lib-1.0.0-py3-none-any.whl novary
# npm: abbreviated when asked for by name at q>0, full otherwise.
ABBR=application/vnd.npm.install-v1+json
serves npm-abbreviated /npm/ag-pkg "$NPM" "$ABBR" npm/ag-pkg/install-v1.json vary
serves npm-full-json /npm/ag-pkg application/json application/json npm/ag-pkg/index.json vary
serves npm-full-no-accept /npm/ag-pkg - application/json npm/ag-pkg/index.json vary
serves npm-full-any /npm/ag-pkg '*/*' application/json npm/ag-pkg/index.json vary
serves npm-full-abbreviated-q0 /npm/ag-pkg "$ABBR;q=0, application/json" application/json \
  npm/ag-pkg/index.json vary
serves npm-abbreviated-low-q /npm/ag-pkg "application/json, $ABBR;q=0.001" "$ABBR" \
  npm/ag-pkg/install-v1.json vary
serves npm-scoped-encoded-abbreviated /npm/@ag%2fscoped "$NPM" "$ABBR" npm/@ag/scoped/install-v1.json vary
serves npm-scoped-encoded-upper-full /npm/@ag%2Fscoped application/json application/json \
  npm/@ag/scoped/index.json vary
serves npm-scoped-slash-abbreviated /npm/@ag/scoped "$NPM" "$ABBR" npm/@ag/scoped/install-v1.json vary
serves npm-no-abbreviated-falls-back /npm/full-only "$NPM" application/json npm/full-only/index.json vary
answers npm-missing-404 /npm/no-such-pkg "$NPM" 404
answers npm-dot-dir-404 /npm/.staging "$NPM" 404
answers npm-dot-dir-file-404 /npm/.staging/index.json "$NPM" 404
serves npm-dist-tags /npm/-/package/ag-pkg/dist-tags '*/*' application/json \
  npm/-/package/ag-pkg/dist-tags novary
serves npm-dist-tags-scoped-encoded /npm/-/package/@ag%2fscoped/dist-tags '*/*' application/json \
  npm/-/package/@ag/scoped/dist-tags novary
serves npm-dist-tags-scoped-slash /npm/-/package/@ag/scoped/dist-tags '*/*' application/json \
  npm/-/package/@ag/scoped/dist-tags novary
answers npm-dist-tags-missing-404 /npm/-/package/no-such-pkg/dist-tags '*/*' 404
serves npm-ping /npm/-/ping '*/*' application/json npm/-/ping novary
serves npm-tarball-as-before /npm/ag-pkg/-/ag-pkg-1.0.0.tgz '*/*' application/gzip \
  npm/ag-pkg/-/ag-pkg-1.0.0.tgz novary

# HTTPS, with the certificates `assetgen pki init` writes.
if [ -x "$BIN" ]; then
  if "$BIN" pki init --dir "$SCRATCH/pki" >"$SCRATCH/pki.log" 2>&1; then
    start tls "$root" --pki "$SCRATCH/pki"
    case "$BASE" in
      https://*)
        serves https-simple-pip-header "$P" "$PIP" "$JSON" "$F/index.v1_json" vary \
          --cacert "$SCRATCH/pki/ca.crt"
        ;;
      *) result https-simple-pip-header "serve.sh --pki answered with the base URL '$BASE'" ;;
    esac
  else
    result https-simple-pip-header "assetgen pki init failed: $(tail -n 2 "$SCRATCH/pki.log")"
  fi
else
  echo "skip https-simple-pip-header: no assetgen binary at $BIN (build it, or set ASSETGEN_BIN)"
  skipped=$((skipped + 1))
fi

# Without the njs module, a tree whose rules need it does not start, and says why;
# a tree of formats without njs rules still does.
port=$(free_port)
if SERVE_NJS_MODULE=$SCRATCH/no-such-module.so "$SERVE" start --root "$root" --port "$port" \
  --state "$SCRATCH/state-nonjs" >/dev/null 2>"$SCRATCH/nonjs.err"; then
  STARTED+=("$port $SCRATCH/state-nonjs")
  result njs-missing-refused "serve.sh started without the njs module"
elif ! grep -q 'njs module.*libnginx-mod-http-js' "$SCRATCH/nonjs.err"; then
  result njs-missing-refused "the failure does not name the module: $(cat "$SCRATCH/nonjs.err")"
else
  result njs-missing-refused ""
fi
other=$SCRATCH/other
mkdir -p "$other/files"
printf '%s\n' '{"artifacts": [{"format": "plainfiles", "path": "files/a.txt"}]}' >"$other/manifest.json"
printf 'a\n' >"$other/files/a.txt"
port=$(free_port)
STARTED+=("$port $SCRATCH/state-other")
if BASE=$(SERVE_NJS_MODULE=$SCRATCH/no-such-module.so "$SERVE" start --root "$other" --port "$port" \
  --state "$SCRATCH/state-other" 2>"$SCRATCH/other.err"); then
  BASE=${BASE%/} root=$other
  serves no-njs-tree-without-module /files/a.txt '*/*' text/plain files/a.txt novary
else
  result no-njs-tree-without-module "serve.sh start failed: $(cat "$SCRATCH/other.err")"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
