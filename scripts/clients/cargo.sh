#!/usr/bin/env bash
# Native client case for cargo.
#
#   scripts/clients/cargo.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                                 [--ca FILE] [--work DIR]
#       In a private CARGO_HOME whose config.toml is the tree's clients/cargo-config.toml as it
#       is (the sparse index URL/cargo/index/, and over HTTPS the test CA it names; --ca FILE
#       trusts FILE instead, through CARGO_HTTP_CAINFO), a scratch crate that depends on
#       NAME = "=VERSION" from the registry runs `cargo fetch`, then `cargo build --offline`
#       (a publish body row pulls the crate it carries).
#   scripts/clients/cargo.sh push --registry URL --manifest ... --artifact PATH [--ca FILE]
#                                 [--index URL] [--token TOKEN] [--work DIR]
#       PUT the artifact's publish body (cargo/publish/<name>-<version>.body, the row itself or
#       the one beside a crate row) to URL/api/v1/crates/new, as `cargo publish` sends it, then
#       pull it back through the push target's sparse index (--index, default URL/crates/, where
#       cargo-registry.sh serves it). The crate row and its body push one publication: when
#       the second finds it already there ("already uploaded"), it passes if the crate pulled
#       back is these bytes.
#
# Checks after the build: the lock file records VERSION with the manifest's sha256 as its
# checksum, the .crate cargo downloaded has that sha256, the data file (if the manifest lists
# one) has its sha256, and for a row of a package set every package the lock file took from
# the registry is what the manifest's expected resolution for NAME says (a yanked release is
# never picked). A yanked row passes when cargo refuses to select it ("version ... is yanked"),
# and a row whose request the manifest expects to fail (a dependency on a name only another
# format's Provides gives) when cargo refuses it for a crate the registry does not have ("no
# matching package named ..."), not one of the set's.
# Prints one line: RESULT cargo <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when cargo
# refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes when
# cargo refuses the server certificate (TLS_REFUSAL_PATTERN).
#
#   scripts/clients/cargo.sh server start|stop --port PORT --state DIR
#       the local registry the push case publishes to (cargo-registry.sh, data under DIR).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How cargo refuses each defect variant (`assetgen list defects`), as seen in its output.
DEFECT_PATTERNS=(
  [bad-cksum]='^error: failed to verify the checksum of `'
  [truncated-crate]='failed to iterate over archive|^ *unexpected end of file'
  [name-mismatch]='failed to find [^ ]+ v[^ ]+ \(registry .[^ ]+.\) in path source'
  [path-outside-prefix]="invalid tarball downloaded, contains a file at \".*\" which isn't under \""
  # A second publication of a name@version (package set "republish") refused by the registry.
  [republish]='already (been )?(uploaded|exists|published)|(version|crate) .* already exists'
)
TLS_REFUSAL_PATTERN='SSL certificate problem|SSL peer certificate or SSH remote key was not OK'
YANKED_PATTERN='^ *version [^ ]+ is yanked'
# cargo has no Provides: a dependency on a name no crate has (a virtual name another format
# provides) is refused so.
NO_MATCH_PATTERN='^error: no matching package named .[^ ]+. found'

CASE_EXTRA_USAGE="[--index URL] [--token TOKEN]"
[ "${1:-}" != server ] || case_server cargo-registry.sh --dir "$@"
case_init cargo "$@"
PUSH_INDEX="" TOKEN=""
set -- "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --index) PUSH_INDEX=${2:?--index needs a URL}; shift 2 ;;
    --token) TOKEN=${2:?--token needs a value}; shift 2 ;;
    *) echo "cargo.sh: unknown argument '$1'" >&2; case_usage ;;
  esac
done

case_load_artifact
case "$A_KIND" in
  crate|publish-body) ;;
  *) case_finish fail "manifest: '$A_PATH' is neither a crate nor a publish body (kind '$A_KIND')" ;;
esac
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"

# The row's own facts beyond lib.sh's: yanked, its package set's expected resolution for
# NAME, and the crate and publish body of the same publication.
case_row_facts YANKED RESOLVES FAILS SET_NAMES CRATE_PATH CRATE_SHA256 BODY_PATH UNLISTED <<'EOF'
out = {"YANKED": "1" if facts.get("yanked") is not None else "", "RESOLVES": "", "FAILS": ""}
# The crate and the body of one publication lie side by side under cargo/ (or under
# cargo/_republish/<n>/ for a later copy).
name, version = row["name"], row["version"]
if row["kind"] == "crate":
    root = path[: -len("crates/%s/%s-%s.crate" % (name, name, version))]
else:
    root = path[: -len("publish/%s-%s.body" % (name, version))]
crate_path = "%scrates/%s/%s-%s.crate" % (root, name, name, version)
body_path = "%spublish/%s-%s.body" % (root, name, version)
by_path = {a.get("path"): a for a in doc.get("artifacts", [])}
crate = by_path.get(crate_path)
out["CRATE_PATH"] = crate_path if crate else ""
out["CRATE_SHA256"] = crate.get("sha256", "") if crate else ""
out["BODY_PATH"] = body_path if body_path in by_path else ""
out["UNLISTED"] = "" if row.get("listed", True) else "1"
set_name = row.get("set")
if set_name:
    entry = (doc.get("sets") or {}).get(set_name) or {}
    per = (entry.get("formats") or {}).get("cargo") or {}
    names = per.get("names") or {}
    requests = entry.get("requests") or []
    resolutions = per.get("resolutions", [])
    out["SET_NAMES"] = " ".join(sorted(names.values()))
    for i, r in enumerate(resolutions):
        res = r.get("resolves") or {}
        if r.get("request") == name and r.get("outcome") == "resolves" and res.get(name) == version:
            out["RESOLVES"] = " ".join("%s=%s" % kv for kv in sorted(res.items()))
        # A request of NAME (the set's request of the same index) that picks this version and
        # then fails: the row's own pull fails with it.
        if len(requests) == len(resolutions):
            target = names.get(requests[i].get("package"), requests[i].get("package"))
        else:
            target = r.get("request")
        if target == name and r.get("outcome") == "fails" and res.get(name) == version:
            out["FAILS"] = "; ".join(r.get("notes") or ["no resolution"])
EOF
[ -n "$F_CRATE_PATH" ] || case_finish fail "manifest: no crate row beside '$A_PATH'"
# A later copy of a republished version carries no defect name: its refusal is the registry's
# "already uploaded".
if [ "$A_EXPECT" = reject ] && [ -z "$A_DEFECT" ] && [ -n "$F_UNLISTED" ]; then A_DEFECT=republish; fi

# The toolchain, found before the home is made private: rustup's proxies look for their
# toolchains under the real home, so the binaries behind them are called directly.
CARGO_BIN="" RUSTC_BIN=""
if command -v rustup >/dev/null 2>&1; then
  CARGO_BIN=$(rustup which cargo 2>/dev/null || true)
  RUSTC_BIN=$(rustup which rustc 2>/dev/null || true)
fi
[ -n "$CARGO_BIN" ] || CARGO_BIN=$(command -v cargo || true)
[ -n "$RUSTC_BIN" ] || RUSTC_BIN=$(command -v rustc || true)
if [ -z "$CARGO_BIN" ] || [ -z "$RUSTC_BIN" ]; then
  case_finish skip "cargo/rustc not on PATH (a Rust toolchain with cargo 1.68 or later)"
fi
CARGO_VERSION=$("$CARGO_BIN" --version 2>/dev/null | awk '{print $2}')
if ! [[ "$CARGO_VERSION" =~ ^1\.([0-9]+)\. ]] || [ "${BASH_REMATCH[1]}" -lt 68 ]; then
  case_finish skip "cargo ${CARGO_VERSION:-?} is older than 1.68, which reads sparse registries"
fi

case_isolate
while IFS= read -r v; do
  case "$v" in
    CARGO_*|RUSTUP_*|RUSTFLAGS|RUSTDOCFLAGS|RUSTC|RUSTC_*|RUSTDOC) unset "$v" ;;
  esac
done < <(compgen -e)
export CARGO_HOME="$WORK/cargo-home" CARGO_TARGET_DIR="$WORK/target" RUSTC="$RUSTC_BIN"
export CARGO_TERM_COLOR=never CARGO_TERM_PROGRESS_WHEN=never CARGO_NET_RETRY=1 CARGO_HTTP_TIMEOUT=30
mkdir -p "$CARGO_HOME"
if [ -n "$CA" ]; then export CARGO_HTTP_CAINFO="$CA"; fi

cargo_error() {
  local m
  m=$(case_log_match '^error: ')
  printf '%s' "${m:-see $CASE_LOG}"
}

# cargo_pull_check LABEL: builds a scratch crate depending on the artifact through the
# registry that $CARGO_HOME/config.toml names, and checks what cargo took. On a refusal it
# calls case_judge (which exits); on success it sets PULL_MSG and returns.
cargo_pull_check() {
  local label=$1 proj lib lock_check got cached data_dir data_sha
  proj="$WORK/$label"
  rm -rf "$proj" "$CARGO_HOME/registry" "$CARGO_TARGET_DIR"
  mkdir -p "$proj/src"
  lib=${A_NAME//-/_}
  cat >"$proj/Cargo.toml" <<EOF
[package]
name = "assetgen-native-case"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$A_NAME = { version = "=$A_VERSION", registry = "assetgen" }
EOF
  printf 'pub use %s as fixture;\n' "$lib" >"$proj/src/lib.rs"
  cd "$proj"
  if ! case_run "$label-fetch.log" "$CARGO_BIN" fetch; then
    if [ -n "$F_YANKED" ] && [ "$CASE_EXPECT" != tls-refusal ] && [ -n "$(case_log_match "$YANKED_PATTERN")" ]; then
      case_finish pass "cargo $CARGO_VERSION refuses the yanked $A_NAME $A_VERSION for a new resolution: $(case_log_match "$YANKED_PATTERN")"
    fi
    # The manifest expects the request that picks this version to fail: cargo must refuse for
    # a name the registry has no crate of, and not one of the set's own (the index would lack it).
    missing=$(case_log_match "$NO_MATCH_PATTERN")
    if [ -n "$F_FAILS" ] && [ "$CASE_EXPECT" != tls-refusal ] && [ -n "$missing" ]; then
      missing_name=${missing#*\`} missing_name=${missing_name%%\`*}
      if grep -qxF -- "$missing_name" <(tr ' ' '\n' <<<"$F_SET_NAMES"); then
        case_judge refused "cargo $CARGO_VERSION finds no $missing_name, a package of the set: $missing"
      fi
      case_finish pass "cargo $CARGO_VERSION refuses $A_NAME $A_VERSION: $missing; the manifest expects that ($F_FAILS)"
    fi
    case_judge refused "cargo $CARGO_VERSION fetch failed: $(cargo_error)"
  fi
  if [ -n "$F_YANKED" ]; then
    case_finish fail "cargo $CARGO_VERSION selected $A_NAME $A_VERSION, which the manifest records as yanked"
  fi
  if ! case_run "$label-build.log" "$CARGO_BIN" build --offline; then
    case_judge refused "cargo $CARGO_VERSION build --offline failed: $(cargo_error)"
  fi
  # The lock file: what cargo resolved from the registry, with checksums.
  if ! lock_check=$("$PYTHON" - "$proj/Cargo.lock" "$A_NAME" "$A_VERSION" "$F_CRATE_SHA256" "$F_RESOLVES" 2>&1 <<'EOF'
import sys, tomllib
lock, name, version, sha, resolves = sys.argv[1:6]
doc = tomllib.load(open(lock, "rb"))
taken = {p["name"]: p for p in doc.get("package", []) if str(p.get("source", "")).startswith(("sparse+", "registry+"))}
p = taken.get(name)
if p is None or p.get("version") != version:
    sys.exit("Cargo.lock records %s %s, wanted %s" % (name, p.get("version") if p else "nothing", version))
if p.get("checksum") != sha:
    sys.exit("Cargo.lock records checksum %s for %s %s, the manifest's sha256 is %s" % (p.get("checksum"), name, version, sha))
if resolves:
    want = dict(kv.split("=", 1) for kv in resolves.split())
    got = {n: q["version"] for n, q in taken.items()}
    if got != want:
        sys.exit("cargo resolved %s, the manifest expects %s" % (
            ", ".join("%s %s" % kv for kv in sorted(got.items())),
            ", ".join("%s %s" % kv for kv in sorted(want.items()))))
    print("resolved as the manifest expects: " + ", ".join("%s %s" % kv for kv in sorted(want.items())))
EOF
  ); then
    case_judge refused "$(case_oneline "$lock_check")"
  fi
  cached=$(find "$CARGO_HOME/registry/cache" -name "$A_NAME-$A_VERSION.crate" -type f 2>/dev/null | head -n1)
  [ -n "$cached" ] || case_judge refused "cargo kept no $A_NAME-$A_VERSION.crate under \$CARGO_HOME/registry/cache"
  got=$(case_sha256 "$cached")
  [ "$got" = "$F_CRATE_SHA256" ] || case_judge refused "the downloaded .crate has sha256 $got, the manifest says $F_CRATE_SHA256"
  PULL_MSG="cargo $CARGO_VERSION fetched and built $A_NAME $A_VERSION; .crate sha256 and lock checksum match"
  if [ -n "$A_DATA_PATH" ]; then
    data_dir=$(find "$CARGO_HOME/registry/src" -mindepth 2 -maxdepth 2 -type d -name "$A_NAME-$A_VERSION" 2>/dev/null | head -n1)
    if [ -z "$data_dir" ] || [ ! -f "$data_dir/$A_DATA_PATH" ]; then
      case_judge refused "data file $A_DATA_PATH missing from the unpacked crate"
    fi
    data_sha=$(case_sha256 "$data_dir/$A_DATA_PATH")
    [ "$data_sha" = "$A_DATA_SHA256" ] || case_judge refused "data file $A_DATA_PATH sha256 $data_sha, manifest says $A_DATA_SHA256"
    PULL_MSG="$PULL_MSG, and the data file's"
  fi
  if [ -n "$lock_check" ]; then PULL_MSG="$PULL_MSG; $lock_check"; fi
}

case "$OP" in
  pull)
    # A publish body's pull is its crate's: cargo must fetch the bytes the body carries.
    [ -z "$F_UNLISTED" ] || case_finish skip "a republished copy is listed by no index: push it (its registry must refuse it)"
    settings="$(dirname "$MANIFEST")/clients/cargo-config.toml"
    [ -f "$settings" ] || case_finish fail "the tree has no clients/cargo-config.toml"
    grep -qxF "index = \"sparse+${REGISTRY}cargo/index/\"" "$settings" \
      || case_finish fail "clients/cargo-config.toml does not name sparse+${REGISTRY}cargo/index/ (generate with --base-url $REGISTRY)"
    cp "$settings" "$CARGO_HOME/config.toml"
    case_require_reachable "${REGISTRY}cargo/index/config.json"
    cargo_pull_check cargo-pull
    [ "$A_KIND" = crate ] || PULL_MSG="$PULL_MSG (the crate this publish body carries)"
    case_judge ok "$PULL_MSG"
    ;;
  push)
    [ -n "$F_BODY_PATH" ] || case_finish skip "no publish body beside '$A_PATH' (defect variants are crates alone)"
    body="$(dirname "$MANIFEST")/$F_BODY_PATH"
    [ -f "$body" ] || case_finish fail "publish body $body does not exist"
    case_require_reachable "$REGISTRY"
    curl_tls=()
    [ -n "$CA" ] && curl_tls=(--cacert "$CA")
    CASE_LOG="$WORK/publish.log"
    code=$(curl -sS --max-time 120 "${curl_tls[@]}" -X PUT -H "Authorization: ${TOKEN:-assetgen}" \
             -H 'Accept: application/json' -H 'Content-Type: application/octet-stream' \
             --data-binary "@$body" -o "$WORK/publish.json" -w '%{http_code}' \
             "${REGISTRY}api/v1/crates/new" 2>>"$CASE_LOG" || true)
    { echo "+ PUT ${REGISTRY}api/v1/crates/new ($F_BODY_PATH): HTTP $code"; cat "$WORK/publish.json" 2>/dev/null; echo; } >>"$CASE_LOG"
    if [ "$code" = 000 ] && grep -qE "$TLS_REFUSAL_PATTERN|certificate" "$CASE_LOG"; then
      case_judge refused "curl refused the server certificate: $(case_log_tail)"
    fi
    held=""
    if [ "${code:0:1}" != 2 ] || grep -q '"errors"' "$WORK/publish.json" 2>/dev/null; then
      answer=$(head -c 300 "$WORK/publish.json" 2>/dev/null || true)
      # The crate row and its publish body push one publication: the second of the two finds
      # it there, and passes when what the registry holds is these bytes (pulled back below).
      if [ "$A_EXPECT" != accept ] || ! grep -qE "${DEFECT_PATTERNS[republish]}" <<<"$answer"; then
        case_judge refused "the registry refused the publish (HTTP $code): $answer"
      fi
      held=" (the registry already held it: $(case_oneline "$answer"))"
    fi
    # Pulled back through the push target's own index.
    index=${PUSH_INDEX:-${REGISTRY}crates/}
    index=${index%/}/
    printf '[registries.assetgen]\nindex = "sparse+%s"\n' "$index" >"$CARGO_HOME/config.toml"
    if [ -n "$TOKEN" ]; then export CARGO_REGISTRIES_ASSETGEN_TOKEN="$TOKEN"; fi
    cargo_pull_check cargo-pull-back
    case_judge ok "published $F_BODY_PATH to $REGISTRY$held; $PULL_MSG"
    ;;
esac
