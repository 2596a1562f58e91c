#!/usr/bin/env bash
# Tier 3 (E2E): the native clients pull every artifact over HTTPS from a local static
# server and push it over HTTPS to a local registry, then install it back. Every client
# trusts only the tier's own test CA (<build>/tier3/pki/ca.crt, from `assetgen pki init`):
# a client pointed at another CA must fail on the certificate, and `npm audit signatures`
# must verify the generated registry signatures and refuse an altered one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN=$REPO_ROOT/$BUILD_DIR/assetgen
WORK=$REPO_ROOT/$BUILD_DIR/tier3
read -r -a SIZES <<<"${TIER3_SIZES:-small medium}"
# The static server listens on the base port; format number i (0-based, in the order of
# `assetgen list formats`) gets its push registry on base+1+i (HTTPS, nginx) in front of
# the registry itself on base+21+i (plain HTTP on 127.0.0.1).
PORT_BASE=${TIER3_PORT_BASE:-18480}
SERVE_PORT=$PORT_BASE
BASE=https://127.0.0.1:$SERVE_PORT
PKI=$WORK/pki
OTHER_PKI=$WORK/other-pki
CA=$PKI/ca.crt
FORMATS=()      # the built formats (filled after the build)
CASE_FORMATS=() # those with a client case, scripts/clients/<format>.sh
declare -A PUSH_READY=()

proxy_port() { echo $((PORT_BASE + 1 + $1)); }
upstream_port() { echo $((PORT_BASE + 21 + $1)); }

stop_push_servers() {
  local i f
  for i in "${!FORMATS[@]}"; do
    f=${FORMATS[$i]}
    [ -x "scripts/clients/$f.sh" ] || continue
    scripts/serve.sh stop --port "$(proxy_port "$i")" --state "$WORK/proxy-$f" >/dev/null 2>&1 || true
    "scripts/clients/$f.sh" server stop --port "$(upstream_port "$i")" --state "$WORK/server-$f" \
      >/dev/null 2>&1 || true
  done
}
stop_servers() {
  local f
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  for f in "${SET_FORMATS[@]}"; do
    scripts/serve.sh stop --port "$(sets_port "$f")" --state "$WORK/serve-sets-$f" >/dev/null 2>&1 || true
  done
  stop_push_servers
}
trap stop_servers EXIT

build() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_WERROR=ON
  cmake --build "$BUILD_DIR" -j "$(nproc)"
}

formats() { # the built formats, as the tool lists them
  built_formats "$BIN"
}

has_format() { local f; for f in "${FORMATS[@]}"; do [ "$f" = "$1" ] && return 0; done; return 1; }

# client_case FORMAT: a built format needs its client case (DESIGN: Native client cases).
client_case() {
  [ -x "scripts/clients/$1.sh" ] && { echo "scripts/clients/$1.sh"; return 0; }
  echo "skip: $1 is built but has no client case scripts/clients/$1.sh"
  return 3
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
  if has_format npm; then
    "$BIN" generate --format npm --name @assetgen/scoped-demo --size "$1" --out "$WORK/out" \
      --pki "$PKI" --base-url "$BASE/" --quiet
  fi
  "$BIN" verify --size "$1" --out "$WORK/out" --pki "$PKI" --quiet
  # Every built format is in the tree the clients pull from.
  local f missing="" listed
  listed=$(manifest_formats "$WORK/out/$1/manifest.json")
  for f in "${FORMATS[@]}"; do
    grep -qx "$f" <<<"$listed" || missing="$missing $f"
  done
  [ -z "$missing" ] || { echo "manifest.json has no rows of the built format(s):$missing"; return 1; }
}

serve() { # root: an out/<size>/ tree, over HTTPS with the tier's server certificate
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$WORK/serve" >/dev/null 2>&1 || true
  scripts/serve.sh start --root "$1" --port "$SERVE_PORT" --pki "$PKI" --state "$WORK/serve"
  # The client must reach it through the CA, and the server must present that certificate.
  curl -sS -o /dev/null --cacert "$CA" "$BASE/.serve-ping"
}

# push_server INDEX FORMAT: the format's own registry (`<format>.sh server`) on plain
# HTTP, behind an HTTPS nginx proxy with the tier's certificate. Exit 3: not installed.
push_server() {
  local i=$1 f=$2 rc=0
  scripts/serve.sh stop --port "$(proxy_port "$i")" --state "$WORK/proxy-$f" >/dev/null 2>&1 || true
  "scripts/clients/$f.sh" server stop --port "$(upstream_port "$i")" --state "$WORK/server-$f" \
    >/dev/null 2>&1 || true
  rm -rf "$WORK/server-$f"
  "scripts/clients/$f.sh" server start --port "$(upstream_port "$i")" --state "$WORK/server-$f" || rc=$?
  [ "$rc" -eq 0 ] || return "$rc"
  scripts/serve.sh start --proxy "http://127.0.0.1:$(upstream_port "$i")" --port "$(proxy_port "$i")" \
    --pki "$PKI" --state "$WORK/proxy-$f"
  # Any HTTP answer, through the tier's CA: the proxy is up and presents its certificate.
  curl -sS -o /dev/null --cacert "$CA" "https://127.0.0.1:$(proxy_port "$i")/"
}

artifacts_of() { # manifest -> "format<TAB>path<TAB>expect" lines
  python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["format"] + "\t" + a["path"] + "\t" + (a.get("expect") or "accept"))' "$1"
}
# set_pull_rows MANIFEST: the rows a set pull takes, one per package file the client installs
# (cargo's crates, not their publish bodies).
set_pull_rows() {
  artifacts_of "$1" | awk -F '\t' '$2 !~ /\/_republish\// && ($1 != "cargo" || $2 ~ /^cargo\/crates\//)'
}
artifacts() { # size -> the lines of its tree's manifest
  artifacts_of "$WORK/out/$1/manifest.json"
}

# The formats whose package sets tier 3 pulls through their own client (pip's and npm's
# are tests/e2e/sets.sh's), each with its own static server on base+50+i.
SET_FORMATS=(cargo deb rpm)
sets_port() { local i; for i in "${!SET_FORMATS[@]}"; do [ "${SET_FORMATS[$i]}" = "$1" ] && echo $((PORT_BASE + 50 + i)); done; }
sets_base() { echo "https://127.0.0.1:$(sets_port "$1")"; }

# What each pulls: cargo has no signatures, and a republished copy is listed by no index
# (its refusal is a registry's, at push); relations, where deb and rpm meet a virtual name
# with its provider and refuse two conflicting packages, and cargo has neither.
declare -A SETS_OF=([cargo]="resolver-basic republish relations" [deb]="resolver-basic signers relations"
  [rpm]="resolver-basic signers relations")

sets_generate() { # format size: its sets, served over HTTPS
  local format=$1 size=$2 set
  rm -rf "$WORK/sets-$format/$size"
  for set in ${SETS_OF[$format]}; do
    "$BIN" generate --format "$format" --set "$set" --size "$size" --out "$WORK/sets-$format" \
      --pki "$PKI" --base-url "$(sets_base "$format")/" --quiet
  done
  "$BIN" verify --size "$size" --out "$WORK/sets-$format" --pki "$PKI" --quiet
  scripts/serve.sh stop --port "$(sets_port "$format")" --state "$WORK/serve-sets-$format" >/dev/null 2>&1 || true
  scripts/serve.sh start --root "$WORK/sets-$format/$size" --port "$(sets_port "$format")" --pki "$PKI" \
    --state "$WORK/serve-sets-$format"
}

fault_build() {
  cmake -S . -B "$FAULT_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASSETGEN_FAULT_INJECTION=ON \
    -DASSETGEN_TESTS=OFF
  cmake --build "$FAULT_BUILD_DIR" -j "$(nproc)"
}

first_artifact() { # size format -> path of its first artifact that should be accepted
  python3 -c 'import json,sys
hits = [a["path"] for a in json.load(open(sys.argv[1]))["artifacts"]
        if a["format"] == sys.argv[2] and (a.get("expect") or "accept") == "accept"]
print(hits[0]) if hits else sys.exit("no %s artifact in %s" % (sys.argv[2], sys.argv[1]))' \
    "$WORK/out/$1/manifest.json" "$2"
}

# wrong_ca CLIENT FORMAT SIZE: a pull that trusts the second PKI's CA must fail, and on the
# certificate: the case passes only when the client's own output names the verification
# failure (its TLS_REFUSAL_PATTERN). CLIENT is the format's case or its second client's.
wrong_ca() {
  local client=$1 format=$2 size=$3 path
  path=$(first_artifact "$size" "$format")
  rm -rf "$WORK/wrong-ca-$client"
  "scripts/clients/$client.sh" pull --registry "$BASE" --manifest "$WORK/out/$size/manifest.json" \
    --artifact "$path" --ca "$OTHER_PKI/ca.crt" --work "$WORK/wrong-ca-$client" --expect tls-refusal
}

# The second widely used client of a format, run on the same rows as the first: uv beside
# pip, pnpm beside npm, zypper beside dnf. Each is stricter in places of its own.
declare -A SECOND_CLIENT=([pypi]=uv [npm]=pnpm [rpm]=zypper)
second_client() { # format -> its second client's case name, or nothing
  local c=${SECOND_CLIENT[$1]:-}
  if [ -n "$c" ] && [ -x "scripts/clients/$c.sh" ]; then echo "$c"; fi
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
# The full packument and the abbreviated one npm asks for both carry the signature.
for doc_name in ("index.json", "install-v1.json"):
    packument = os.path.join(root, tgz.split("/-/")[0], doc_name)
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
    print("%s %s@%s: dist.signatures[0].sig %s -> %s" % (doc_name, name, ver, old, new))
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
check formats formats
mapfile -t FORMATS < <(built_formats "$BIN" 2>/dev/null || true)
for format in "${FORMATS[@]}"; do
  check "client-case-$format" client_case "$format"
  [ "$CHECK_STATUS" = pass ] && CASE_FORMATS+=("$format")
done
check client-tools tools
check pki pki
for size in "${SIZES[@]}"; do
  check "generate-$size" generate "$size"
  check "serve-$size" serve "$WORK/out/$size"
  PUSH_READY=()
  for i in "${!FORMATS[@]}"; do
    format=${FORMATS[$i]}
    [ -x "scripts/clients/$format.sh" ] || continue
    check "push-server-$size-$format" push_server "$i" "$format"
    [ "$CHECK_STATUS" = pass ] && PUSH_READY[$format]=$(proxy_port "$i")
  done
  while IFS=$'\t' read -r format path expect; do
    # Formats without a client case failed (or skipped) client-case-<format> above.
    [ -x "scripts/clients/$format.sh" ] || continue
    # A known-bad variant passes its pull when the client refuses it with the defect's
    # error. Its defect lives in the static tree, which a push leaves behind.
    check "pull-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" pull --registry "$BASE" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path" --ca "$CA"
    second=$(second_client "$format")
    if [ -n "$second" ]; then
      check "pull-$second-$size-$(basename "$path")" "scripts/clients/$second.sh" pull \
        --registry "$BASE" --manifest "$WORK/out/$size/manifest.json" --artifact "$path" --ca "$CA"
    fi
    [ "$expect" = reject ] && continue
    # Without its registry a format's pushes are not run; push-server-* says why.
    [ -n "${PUSH_READY[$format]:-}" ] || continue
    check "push-$size-$(basename "$path")" \
      "scripts/clients/$format.sh" push --registry "https://127.0.0.1:${PUSH_READY[$format]}" \
      --manifest "$WORK/out/$size/manifest.json" --artifact "$path" --ca "$CA"
    if [ "$size" = small ] && [ "$format" = npm ]; then
      check "npm-audit-$size-$(basename "$path")" npm_audit "$size" "$path"
    fi
  done < <(artifacts "$size")
  if [ "$size" = small ]; then
    for format in "${CASE_FORMATS[@]+"${CASE_FORMATS[@]}"}"; do
      check "wrong-ca-$format-$size" wrong_ca "$format" "$format" "$size"
      second=$(second_client "$format")
      if [ -n "$second" ]; then
        check "wrong-ca-$second-$size" wrong_ca "$second" "$format" "$size"
      fi
    done
    if has_format npm; then
      check "tamper-npm-signature-$size" tamper_npm_signature "$size"
      check "npm-audit-tampered-$size" npm_audit_tampered "$size"
    fi
  fi
  stop_servers
  # cargo's, deb's and rpm's renderings of the package sets: each package through its own
  # client over HTTPS, ag-app's dependency as the manifest expects it, a yanked release only
  # where the format has yanking, the pre-release only when pinned, each signer persona
  # refused where the format signs packages, a virtual name met by its provider and a
  # conflict refused where the format has them (and refused for the missing name where not).
  for format in "${SET_FORMATS[@]}"; do
    if ! has_format "$format" || [ ! -x "scripts/clients/$format.sh" ]; then continue; fi
    check "$format-sets-generate-$size" sets_generate "$format" "$size"
    if [ "$CHECK_STATUS" = pass ]; then
      while IFS=$'\t' read -r f path expect; do
        [ "$f" = "$format" ] || continue
        check "$format-sets-pull-$size-$(basename "$path")" \
          "scripts/clients/$format.sh" pull --registry "$(sets_base "$format")" \
          --manifest "$WORK/sets-$format/$size/manifest.json" --artifact "$path" --ca "$CA"
      done < <(set_pull_rows "$WORK/sets-$format/$size/manifest.json")
      second=$(second_client "$format")
      if [ -n "$second" ]; then
        while IFS= read -r path; do
          check "$format-sets-$second-$size-$(basename "$path")" \
            "scripts/clients/$second.sh" pull --registry "$(sets_base "$format")" \
            --manifest "$WORK/sets-$format/$size/manifest.json" --artifact "$path" --ca "$CA"
        done < <(set_pull_rows "$WORK/sets-$format/$size/manifest.json" |
          awk -F '\t' -v f="$format" '$1 == f { print $2 }')
      fi
    fi
    scripts/serve.sh stop --port "$(sets_port "$format")" --state "$WORK/serve-sets-$format" >/dev/null 2>&1 || true
  done
done
# The seed's failure scenarios and stress rule (tests/failure, tests/stress), with this
# tier's builds.
export ASSETGEN_BIN=$REPO_ROOT/$BUILD_DIR/assetgen ASSETGEN_FAULT_BIN=$REPO_ROOT/$FAULT_BUILD_DIR/assetgen
check fault-build fault_build
check failure-crash-mid-generation bash tests/failure/crash-mid-generation.sh "${CRASH_ITERATIONS:-3}"
check failure-crash-while-publishing bash tests/failure/crash-while-publishing.sh
check failure-publish-order bash tests/failure/publish-order.sh
check failure-interrupt bash tests/failure/interrupt.sh
check failure-storage-write bash tests/failure/storage-write-failure.sh
check failure-signer-loss bash tests/failure/signer-loss.sh
check stress-concurrent-100 bash tests/stress/concurrent.sh 100
# Package sets through the real clients: resolutions, yanked and pre-release picks, signer
# personas, republish refusals, and every tier pushed into one registry.
check e2e-sets bash tests/e2e/sets.sh "$BIN" "$WORK/e2e-sets" "$((PORT_BASE + 40))" "${SIZES[@]}"
tier_end
