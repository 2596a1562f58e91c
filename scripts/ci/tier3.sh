#!/usr/bin/env bash
# Tier 3 (E2E): the native clients pull every artifact over HTTPS from a local static
# server and push it over HTTPS to a local registry, then install it back. Every client
# trusts only the tier's own test CA (build/tier3/pki/ca.crt, from `assetgen pki init`):
# a client pointed at another CA must fail on the certificate, and `npm audit signatures`
# must verify the generated registry signatures and refuse an altered one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$REPO_ROOT/build/assetgen
WORK=$REPO_ROOT/build/tier3
read -r -a SIZES <<<"${TIER3_SIZES:-small medium}"
SERVE_PORT=${TIER3_SERVE_PORT:-18480}
PYPI_PORT=${TIER3_PYPI_PORT:-18481}              # HTTPS (nginx) in front of pypiserver
NPM_PORT=${TIER3_NPM_PORT:-18482}                # HTTPS (nginx) in front of verdaccio
PYPI_UPSTREAM=${TIER3_PYPI_UPSTREAM_PORT:-18491} # pypiserver, plain HTTP on 127.0.0.1
NPM_UPSTREAM=${TIER3_NPM_UPSTREAM_PORT:-18492}   # verdaccio, plain HTTP on 127.0.0.1
BASE=https://127.0.0.1:$SERVE_PORT
PKI=$WORK/pki
OTHER_PKI=$WORK/other-pki
CA=$PKI/ca.crt

stop_push_servers() {
  scripts/serve.sh stop --port "$PYPI_PORT" --state "$WORK/proxy-pypi" >/dev/null 2>&1 || true
  scripts/serve.sh stop --port "$NPM_PORT" --state "$WORK/proxy-npm" >/dev/null 2>&1 || true
  scripts/clients/pypiserver.sh stop --port "$PYPI_UPSTREAM" --state "$WORK/pypiserver-state" >/dev/null 2>&1 || true
  scripts/clients/verdaccio.sh stop --port "$NPM_UPSTREAM" --state "$WORK/verdaccio-state" >/dev/null 2>&1 || true
}
stop_servers() {
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  stop_push_servers
}
trap stop_servers EXIT

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build build -j "$(nproc)"
}

tools() {
  scripts/clients/setup.sh all
}

pki() { # the tier's PKI, and a second one whose CA must not be trusted
  "$BIN" pki init --dir "$PKI" --force
  "$BIN" pki init --dir "$OTHER_PKI" --force
  openssl verify -x509_strict -CAfile "$CA" "$PKI/server.crt"
  if openssl verify -CAfile "$OTHER_PKI/ca.crt" "$PKI/server.crt"; then
    echo "the second PKI's CA vouches for the first PKI's server certificate"
    return 1
  fi
}

generate() { # size: the default packages, their known-bad variants, and a scoped npm one
  rm -rf "$WORK/out/$1"
  "$BIN" generate --profile all --size "$1" --out "$WORK/out" --pki "$PKI" --base-url "$BASE/" \
    --defects --quiet
  "$BIN" generate --format npm --name @assetgen/scoped-demo --size "$1" --out "$WORK/out" \
    --pki "$PKI" --base-url "$BASE/" --quiet
  "$BIN" verify --size "$1" --out "$WORK/out" --pki "$PKI" --quiet
}

serve() { # root: an out/<size>/ tree, over HTTPS with the tier's server certificate
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  scripts/serve.sh start --root "$1" --port "$SERVE_PORT" --pki "$PKI" --state "$WORK/serve"
  # The client must reach it through the CA, and the server must present that certificate.
  curl -sS -o /dev/null --cacert "$CA" "$BASE/.serve-ping"
}

push_servers() { # pypiserver and verdaccio on plain HTTP, each behind an HTTPS nginx proxy
  stop_push_servers
  rm -rf "$WORK/pypiserver" "$WORK/verdaccio"
  scripts/clients/pypiserver.sh start --port "$PYPI_UPSTREAM" --dir "$WORK/pypiserver" \
    --state "$WORK/pypiserver-state"
  scripts/clients/verdaccio.sh start --port "$NPM_UPSTREAM" --storage "$WORK/verdaccio" \
    --state "$WORK/verdaccio-state"
  scripts/serve.sh start --proxy "http://127.0.0.1:$PYPI_UPSTREAM" --port "$PYPI_PORT" \
    --pki "$PKI" --state "$WORK/proxy-pypi"
  scripts/serve.sh start --proxy "http://127.0.0.1:$NPM_UPSTREAM" --port "$NPM_PORT" \
    --pki "$PKI" --state "$WORK/proxy-npm"
  curl -sS -o /dev/null --cacert "$CA" "https://127.0.0.1:$PYPI_PORT/health"
  curl -sS -o /dev/null --cacert "$CA" "https://127.0.0.1:$NPM_PORT/-/ping"
}

artifacts() { # size -> "format<TAB>path<TAB>expect" lines
  python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["format"] + "\t" + a["path"] + "\t" + (a.get("expect") or "accept"))' \
    "$WORK/out/$1/manifest.json"
}

fault_build() {
  cmake -S . -B build-fault -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_FAULT_INJECTION=ON \
    -DASSETGEN_TESTS=OFF
  cmake --build build-fault -j "$(nproc)"
}

first_artifact() { # size format -> path of its first artifact that should be accepted
  python3 -c 'import json,sys
hits = [a["path"] for a in json.load(open(sys.argv[1]))["artifacts"]
        if a["format"] == sys.argv[2] and (a.get("expect") or "accept") == "accept"]
print(hits[0]) if hits else sys.exit("no %s artifact in %s" % (sys.argv[2], sys.argv[1]))' \
    "$WORK/out/$1/manifest.json" "$2"
}

# wrong_ca FORMAT SIZE: a pull that trusts the second PKI's CA must fail, and on the
# certificate: the client's own log has to name the verification failure.
wrong_ca() {
  local format=$1 size=$2 path work rc=0 log pattern
  path=$(first_artifact "$size" "$format")
  work="$WORK/wrong-ca-$format"
  rm -rf "$work"
  "scripts/clients/$format.sh" pull --registry "$BASE" --manifest "$WORK/out/$size/manifest.json" \
    --artifact "$path" --ca "$OTHER_PKI/ca.crt" --work "$work" || rc=$?
  case "$format" in
    pypi) log="$work/pip-install.log"; pattern='CERTIFICATE_VERIFY_FAILED' ;;
    npm) log="$work/npm-install.log"
      pattern='^npm (error|ERR!) code (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_[A-Z_]+)$' ;;
  esac
  if [ "$rc" -eq 0 ]; then
    echo "the $format client accepted a server certificate that $OTHER_PKI/ca.crt does not vouch for"
    return 1
  fi
  [ "$rc" -ne 3 ] || return 3
  if ! grep -qE "$pattern" "$log" 2>/dev/null; then
    echo "the $format client failed (exit $rc), but not on the server certificate; see $log"
    return 1
  fi
  echo "the $format client refused the server certificate: $(grep -m1 -oE "$pattern" "$log")"
}

npm_audit() { # size path [registry]: npm audit signatures on the installed package
  "scripts/clients/npm.sh" audit --registry "${3:-$BASE}" --manifest "$WORK/out/$1/manifest.json" \
    --artifact "$2" --ca "$CA"
}

# tamper_npm_signature SIZE: a copy of the served tree in which one character of the first
# npm packument's dist.signatures[0].sig is changed (still valid base64, same length, inside
# the DER-encoded r value), served in place of the original.
tamper_npm_signature() {
  local size=$1 path
  path=$(first_artifact "$size" npm)
  rm -rf "$WORK/tampered/$size"
  mkdir -p "$WORK/tampered"
  cp -a "$WORK/out/$size" "$WORK/tampered/$size"
  python3 - "$WORK/tampered/$size" "$path" <<'PY'
import base64, json, os, sys
root, tgz = sys.argv[1], sys.argv[2]
packument = os.path.join(root, tgz.split("/-/")[0], "index.json")
with open(packument, encoding="utf-8") as f:
    doc = json.load(f)
name, ver = doc["name"], None
for v, meta in doc["versions"].items():
    if meta["dist"]["tarball"].endswith("/" + os.path.basename(tgz)):
        ver = v
sig = doc["versions"][ver]["dist"]["signatures"][0]
old = sig["sig"]
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
i = 20  # byte 15 of the DER signature: inside r, past the SEQUENCE and INTEGER headers
new = old[:i] + alphabet[(alphabet.index(old[i]) + 1) % 64] + old[i + 1:]
assert len(base64.b64decode(new, validate=True)) == len(base64.b64decode(old, validate=True))
sig["sig"] = new
with open(packument, "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=2, sort_keys=True)
    f.write("\n")
print("%s@%s: dist.signatures[0].sig %s -> %s" % (name, ver, old, new))
PY
  serve "$WORK/tampered/$size"
}

# npm_audit_tampered SIZE: must fail, and for the invalid signature, not for another reason.
npm_audit_tampered() {
  local size=$1 path out rc=0
  path=$(first_artifact "$size" npm)
  rm -rf "$WORK/audit-tampered"
  out=$("scripts/clients/npm.sh" audit --registry "$BASE" \
    --manifest "$WORK/tampered/$size/manifest.json" --artifact "$path" --ca "$CA" \
    --work "$WORK/audit-tampered" 2>&1) || rc=$?
  printf '%s\n' "$out"
  [ "$rc" -ne 3 ] || return 3
  if [ "$rc" -eq 0 ]; then
    echo "npm audit signatures accepted an altered registry signature"
    return 1
  fi
  if ! grep -q '^RESULT npm audit .* audit signatures failed: .*invalid registry signature' <<<"$out"; then
    echo "npm audit signatures failed (exit $rc), but not reporting an invalid registry signature"
    return 1
  fi
  echo "npm audit signatures refused the altered signature"
}

tier_begin tier3
check build build
check client-tools tools
check pki pki
for size in "${SIZES[@]}"; do
  check "generate-$size" generate "$size"
  check "serve-$size" serve "$WORK/out/$size"
  check "push-servers-$size" push_servers
  while IFS=$'\t' read -r format path expect; do
    # A known-bad variant passes its pull when the client refuses it. Its
    # defect lives in the static tree, which a push leaves behind.
    check "pull-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" pull --registry "$BASE" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path" --ca "$CA"
    [ "$expect" = reject ] && continue
    registry=https://127.0.0.1:$PYPI_PORT
    [ "$format" = npm ] && registry=https://127.0.0.1:$NPM_PORT
    check "push-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" push --registry "$registry" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path" --ca "$CA"
    if [ "$size" = small ] && [ "$format" = npm ]; then
      check "npm-audit-$size-$(basename "$path")" npm_audit "$size" "$path"
    fi
  done < <(artifacts "$size")
  if [ "$size" = small ]; then
    check "wrong-ca-pip-$size" wrong_ca pypi "$size"
    check "wrong-ca-npm-$size" wrong_ca npm "$size"
    check "tamper-npm-signature-$size" tamper_npm_signature "$size"
    check "npm-audit-tampered-$size" npm_audit_tampered "$size"
  fi
  stop_servers
done
# The seed's failure scenarios and stress rule (tests/failure, tests/stress).
check fault-build fault_build
check failure-crash-mid-generation bash tests/failure/crash-mid-generation.sh "${CRASH_ITERATIONS:-3}"
check failure-crash-while-publishing bash tests/failure/crash-while-publishing.sh
check failure-interrupt bash tests/failure/interrupt.sh
check failure-storage-write bash tests/failure/storage-write-failure.sh
check failure-signer-loss bash tests/failure/signer-loss.sh
check stress-concurrent-100 bash tests/stress/concurrent.sh 100
tier_end
