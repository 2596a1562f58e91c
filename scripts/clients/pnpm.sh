#!/usr/bin/env bash
# Native client case for npm through pnpm, the second npm client (npm.sh is npm's).
#
#   scripts/clients/pnpm.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                                [--ca FILE] [--work DIR]
#       pnpm add NAME@VERSION from URL/npm/ (URL serves an out/<size>/ tree) in a fresh project,
#       with its own store, cache and state directories and a private npmrc that names the
#       registry and the CA; neither the user's nor the machine's npmrc is read.
#   scripts/clients/pnpm.sh push|server ...
#       skip: publishing is npm.sh's.
#
# Checks after install: pnpm-lock.yaml records the manifest's sha512 as the package's
# integrity (and, if it records a tarball URL, the artifact's file name),
# node_modules/NAME/package.json has VERSION, and the data file (if the manifest lists one)
# has its sha256.
# Prints one line: RESULT npm <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when pnpm
# refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes when
# pnpm refuses the server certificate (TLS_REFUSAL_PATTERN). pnpm from .tools/pnpm
# (scripts/clients/setup.sh pnpm).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How pnpm refuses each defect variant (`assetgen list defects`), as seen in its output. pnpm
# sets its error badge off with thin spaces (U+2009), hence [^A-Za-z0-9_]+ after a code.
DEFECT_PATTERNS=(
  [bad-integrity]='ERR_PNPM_TARBALL_INTEGRITY[^A-Za-z0-9_]+Got unexpected checksum for|Failed to verify the integrity of .*Integrity check failed'
  [truncated-tarball]='ERR_PNPM_(Z_BUF_ERROR|Z_DATA_ERROR|TAR_BAD_ARCHIVE|TAR_ABORT|BAD_TARBALL_SIZE)[^A-Za-z0-9_]+.*(unexpected end of file|incorrect header check|invalid|Unrecognized archive format|size)|Failed to decode gzip'
)
TLS_REFUSAL_PATTERN='ERR_PNPM_META_FETCH_FAIL[^A-Za-z0-9_]+.*reason: (unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate [a-z ]+)|invalid peer certificate: [A-Za-z]+'

if [ "${1:-}" = server ]; then
  FORMAT=npm OP=server CASE_T0=$(case_now)
  case_finish skip "pnpm.sh runs pulls only; the push registry is npm.sh's (verdaccio)"
fi
case_init pnpm "$@"
# The artifacts are npm's; pnpm.sh is another client of the same rows.
FORMAT=npm
[ ${#EXTRA_ARGS[@]} -eq 0 ] || { echo "pnpm.sh: unknown argument '${EXTRA_ARGS[0]}'" >&2; case_usage; }

case_load_artifact
[ "$OP" = pull ] || case_finish skip "pnpm.sh runs pulls only; publishing is npm.sh's"
case_row_facts set <<'EOF'
if row.get("set"):
    out["set"] = row["set"]
EOF
[ -z "$F_set" ] || case_finish skip "set rows are pip's/npm's (package set '$F_set')"
command -v node >/dev/null || case_finish skip "node not on PATH (Debian: apt-get install nodejs)"
PNPM="$TOOLS_DIR/pnpm/node_modules/.bin/pnpm"
[ -x "$PNPM" ] || case_finish skip "pnpm not installed: $(case_tool_skip_reason pnpm || echo 'run scripts/clients/setup.sh pnpm')"
case_isolate
PNPM_VERSION=$("$PNPM" --version 2>/dev/null || echo '?')

# The private npmrc: everything pnpm reads comes from here. An empty global npmrc keeps
# npm's (<prefix>/etc/npmrc, which may name the machine's CA bundle) out.
NPMRC="$HOME/.npmrc"
: >"$WORK/npm-globalrc"
{
  echo "registry=${REGISTRY}npm/"
  if [ -n "$CA" ]; then echo "cafile=$CA"; fi
  echo "strict-ssl=true"
  echo "store-dir=$WORK/pnpm-store"
  echo "cache-dir=$WORK/pnpm-cache"
  echo "state-dir=$WORK/pnpm-state"
  # Never fetch another pnpm for a packageManager field.
  echo "manage-package-manager-versions=false"
  echo "update-notifier=false"
  # Keep pnpm's two retries, with short back-offs (its defaults wait 10 s, then 60 s).
  echo "fetch-retry-mintimeout=1000"
  echo "fetch-retry-maxtimeout=4000"
} >"$NPMRC"
export npm_config_userconfig="$NPMRC" npm_config_globalconfig="$WORK/npm-globalrc"

pnpm_error() {
  local m
  m=$(case_log_match '(ERR_PNPM_[A-Z_]+|^Error: |^ *(×|╰─▶|├─▶) )')
  printf '%s' "${m:-see $CASE_LOG}"
}

pnpm_install_check() {
  local reg=$1 proj="$WORK/pnpm-install" pkgdir got lock want_integ data_sha
  rm -rf "$proj"
  mkdir -p "$proj"
  printf '{"name":"assetgen-native-case","version":"0.0.0","private":true}\n' >"$proj/package.json"
  cd "$proj"
  if ! case_run pnpm-add.log "$PNPM" add "$A_NAME@$A_VERSION" --reporter=append-only; then
    case_judge refused "pnpm $PNPM_VERSION add failed: $(pnpm_error)"
  fi
  # An integrity that cannot be checked is a failure, not a match.
  [ -n "$A_SHA512" ] || case_finish fail "manifest: '$A_PATH' has no sha512 to check pnpm's integrity against"
  want_integ="sha512-$(node -p 'Buffer.from(process.argv[1],"hex").toString("base64")' "$A_SHA512")"
  [ -f "$proj/pnpm-lock.yaml" ] \
    || case_judge refused "pnpm $PNPM_VERSION wrote no pnpm-lock.yaml; the installed integrity cannot be checked"
  # The lockfile's packages entry NAME@VERSION: its resolution's integrity and tarball.
  if ! lock=$("$PYTHON" - "$proj/pnpm-lock.yaml" "$A_NAME@$A_VERSION" "$want_integ" "$(basename "$A_PATH")" 2>&1 <<'EOF'
import re, sys
lockfile, key, want, filename = sys.argv[1:5]
lines = open(lockfile, encoding="utf-8").read().splitlines()
try:
    start = lines.index("packages:")
except ValueError:
    sys.exit("pnpm-lock.yaml has no packages section")
body = None
for i in range(start + 1, len(lines)):
    line = lines[i]
    if line and not line.startswith(" "):
        break
    m = re.match(r"^  (['\"]?)(.+)\1:\s*$", line)
    if m and m.group(2) == key:
        body = []
        for nxt in lines[i + 1:]:
            if nxt.strip() and not nxt.startswith("    "):
                break
            body.append(nxt)
        break
if body is None:
    sys.exit("pnpm-lock.yaml has no packages entry %s" % key)
text = "\n".join(body)
m = re.search(r"\bintegrity:\s*['\"]?(sha\d+-[A-Za-z0-9+/]+=*)", text)
if not m:
    sys.exit("pnpm-lock.yaml records no integrity for %s" % key)
if m.group(1) != want:
    sys.exit("pnpm-lock.yaml records integrity %s for %s, the manifest's sha512 is %s" % (m.group(1), key, want))
t = re.search(r"\btarball:\s*['\"]?([^,'\"}\s]+)", text)
if t and t.group(1).rsplit("/", 1)[-1] != filename:
    sys.exit("pnpm-lock.yaml records tarball %s, not %s" % (t.group(1), filename))
print("lockfile integrity matches")
EOF
  ); then
    case_judge refused "after pnpm $PNPM_VERSION add: $lock"
  fi
  pkgdir="$proj/node_modules/$A_NAME"
  [ -f "$pkgdir/package.json" ] || case_judge refused "pnpm $PNPM_VERSION: installed nothing at node_modules/$A_NAME"
  got=$(node -p 'require(process.argv[1]).version' "$pkgdir/package.json" 2>/dev/null || echo '?')
  [ "$got" = "$A_VERSION" ] || case_judge refused "installed package.json says version $got, wanted $A_VERSION"
  if [ -n "$A_DATA_PATH" ]; then
    [ -f "$pkgdir/$A_DATA_PATH" ] || case_judge refused "data file $A_DATA_PATH missing from the installed package"
    data_sha=$(case_sha256 "$pkgdir/$A_DATA_PATH")
    [ "$data_sha" = "$A_DATA_SHA256" ] || case_judge refused "data file $A_DATA_PATH sha256 $data_sha, manifest says $A_DATA_SHA256"
    case_judge ok "pnpm $PNPM_VERSION added $A_NAME@$A_VERSION from $reg; lockfile integrity, version and data sha256 match"
  fi
  case_judge ok "pnpm $PNPM_VERSION added $A_NAME@$A_VERSION from $reg; lockfile integrity and version match"
}

case_require_reachable "${REGISTRY}npm/"
pnpm_install_check "${REGISTRY}npm/"
