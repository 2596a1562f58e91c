#!/usr/bin/env bash
# Native client case for deb (apt and dpkg).
#
#   scripts/clients/deb.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                               [--ca FILE] [--work DIR]
#       A sandboxed apt: APT_CONFIG names a file of this case's own that sets Dir::State,
#       Dir::State::status (an empty status file), Dir::Cache, Dir::Etc (sources, an empty
#       trusted keyring set, preferences, apt.conf.d: nothing from the host's /etc/apt) and
#       APT::Sandbox::User root. The sources file is the tree's clients/apt.sources as it is
#       (its URIs must be URL/deb/; Signed-By the published keyring); a defect row's suite is
#       dists/defect-<defect>/, so the same file with that suite. TLS trusts the CA that the
#       tree's clients/apt.conf names, or --ca FILE instead.
#       Then `apt-get update --error-on=any`, `apt-get install --download-only NAME=VERSION`,
#       and `dpkg -i` of what apt fetched into a scratch root (--root: its own dpkg database),
#       `dpkg -L NAME`, `dpkg --verify NAME`.
#   scripts/clients/deb.sh push|server ...
#       An apt repository is static files: there is nothing apt pushes to. Prints a skip.
#
# Checks: the .deb apt fetched has the manifest's sha256; the installed package is NAME
# VERSION; dpkg -L lists the data file and the installed file has the manifest's sha256;
# dpkg --verify reports nothing; for a row of a package set, the packages installed are the
# manifest's expected resolution for NAME. Prints one line:
#   RESULT deb <op> <name>@<version> pass|fail|skip <seconds> <message>
# and exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" passes when apt
# or dpkg refuses it with the defect's error (DEFECT_PATTERNS); --expect tls-refusal passes
# when apt refuses the server certificate (TLS_REFUSAL_PATTERN).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How apt (2.6) and dpkg (1.21) refuse each defect (`assetgen list defects`), as they print it.
DEFECT_PATTERNS=(
  [release-hash-mismatch]='Hash Sum mismatch|File has unexpected size'
  [inrelease-bad-signature]='The following signatures were invalid: BADSIG|BADSIG [0-9A-F]+'
  [wrong-signer]='NO_PUBKEY [0-9A-F]+|public key is not available'
  [md5sums-mismatch]='^\?\?5\?\?\?\?\?\? +[^ ]'
  [truncated-deb]='unexpected end of file|Hash Sum mismatch|File has unexpected size|corrupted|short read'
  [control-name-mismatch]='^installed package [^ ]+ is not [^ ]+ \(dpkg installed what control names\)'
  # dpkg 1.21 unpacks '..' entries (it writes outside --root): the case reports a skip, and
  # passes only if a dpkg that refuses such an entry says so.
  [path-traversal]="(tar|archive) (member|entry) .*'\.\.'|contains a '\.\.' (path )?component"
)
TLS_REFUSAL_PATTERN='certificate verification failed|The certificate is NOT trusted|server certificate verification failed|Certificate verification failed'

case "${1:-}" in
  push|server)
    OP=$1 FORMAT=deb CASE_T0=$(case_now)
    case_finish skip "an apt repository is static files: apt has no push, and deb.sh needs no server of its own (serve the tree with scripts/serve.sh)"
    ;;
esac
case_init deb "$@"
[ ${#EXTRA_ARGS[@]} -eq 0 ] || { echo "deb.sh: unknown argument '${EXTRA_ARGS[0]}'" >&2; case_usage; }
case_load_artifact
[ "$A_KIND" = deb ] || case_finish fail "manifest: '$A_PATH' is not a .deb (kind '$A_KIND')"
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"
for tool in apt-get dpkg dpkg-query; do
  command -v "$tool" >/dev/null || case_finish skip "$tool not found (Debian's apt and dpkg)"
done
APT_VERSION=$(apt-get --version 2>/dev/null | awk 'NR==1 {print $2}')
DPKG_VERSION=$(dpkg-query --version 2>/dev/null | sed -n '1s/.* version \([^ ]*\).*/\1/p')

# The row's facts beyond lib.sh's: its suite and its set's expected resolution for NAME.
if ! facts=$("$PYTHON" - "$MANIFEST" "$A_PATH" 2>"$WORK/facts.err" <<'EOF'
import json, sys
manifest, path = sys.argv[1], sys.argv[2]
doc = json.load(open(manifest, encoding="utf-8"))
row = [a for a in doc.get("artifacts", []) if a.get("path") == path][0]
out = {"SUITE": "defect-" + row["defect"] if row.get("defect") else "assetgen", "RESOLVES": "", "FAILS": "",
       "UNLISTED": "" if row.get("listed", True) else "1"}
name, version = row["name"], row["version"]
set_name = row.get("set")
if set_name:
    per = (((doc.get("sets") or {}).get(set_name) or {}).get("formats") or {}).get("deb") or {}
    for r in per.get("resolutions", []):
        res = r.get("resolves") or {}
        if r.get("request") == name and r.get("outcome") == "resolves" and res.get(name) == version:
            out["RESOLVES"] = " ".join("%s=%s" % kv for kv in sorted(res.items()))
        if r.get("request") == name and r.get("outcome") == "fails" and res.get(name) == version:
            out["FAILS"] = "; ".join(r.get("notes") or ["the manifest expects no resolution"])
for k, v in out.items():
    if "\n" in v or "\t" in v:
        sys.exit("a fact of '%s' holds a newline or tab" % path)
    print("%s\t%s" % (k, v))
EOF
); then
  case_finish fail "manifest: $(tail -n1 "$WORK/facts.err")"
fi
F_SUITE="" F_RESOLVES="" F_UNLISTED="" F_FAILS=""
while IFS=$'\t' read -r key value; do
  case "$key" in SUITE|RESOLVES|UNLISTED|FAILS) printf -v "F_$key" '%s' "$value" ;; esac
done <<<"$facts"
[ -z "$F_UNLISTED" ] || case_finish skip "a republished copy is listed by no Packages file"
[[ "$F_SUITE" =~ ^[a-z0-9-]+$ ]] || case_finish fail "manifest: suite '$F_SUITE' is not a suite name"

TREE=$(dirname "$MANIFEST")
sources="$TREE/clients/apt.sources"
[ -f "$sources" ] || case_finish fail "the tree has no clients/apt.sources"
grep -qxF "URIs: ${REGISTRY}deb/" "$sources" \
  || case_finish fail "clients/apt.sources does not name ${REGISTRY}deb/ (generate with --base-url $REGISTRY)"

case_isolate
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy APT_CONFIG
A="$WORK/apt"
mkdir -p "$A/etc/sources.list.d" "$A/etc/trusted.gpg.d" "$A/etc/preferences.d" "$A/etc/apt.conf.d" \
  "$A/state/lists/partial" "$A/cache/archives/partial" "$A/log"
: >"$A/status"
: >"$A/etc/sources.list"
# The tree's file as it is; a defect row lives in its own suite.
sed -e "s/^Suites: .*/Suites: $F_SUITE/" "$sources" >"$A/etc/sources.list.d/assetgen.sources"
{
  printf 'Dir::State "%s/state";\nDir::State::status "%s/status";\nDir::Cache "%s/cache";\n' "$A" "$A" "$A"
  printf 'Dir::Etc "%s/etc";\nDir::Etc::SourceList "%s/etc/sources.list";\n' "$A" "$A"
  printf 'Dir::Etc::SourceParts "%s/etc/sources.list.d";\nDir::Etc::Trusted "%s/etc/trusted.gpg";\n' "$A" "$A"
  printf 'Dir::Etc::TrustedParts "%s/etc/trusted.gpg.d";\nDir::Etc::Preferences "%s/etc/preferences";\n' "$A" "$A"
  printf 'Dir::Etc::PreferencesParts "%s/etc/preferences.d";\nDir::Etc::Parts "%s/etc/apt.conf.d";\n' "$A" "$A"
  printf 'Dir::Log "%s/log";\nDebug::NoLocking "true";\nAPT::Sandbox::User "root";\n' "$A"
  printf 'Acquire::Languages "none";\nAcquire::Retries "0";\nAcquire::http::Proxy "DIRECT";\nAcquire::https::Proxy "DIRECT";\n'
  printf 'APT::Get::Assume-Yes "true";\nDpkg::Use-Pty "false";\n'
  if [ -n "$CA" ]; then
    printf 'Acquire::https::CAInfo "%s";\n' "$CA"
  elif [ -f "$TREE/clients/apt.conf" ]; then
    cat "$TREE/clients/apt.conf"
  fi
} >"$A/apt.conf"
export APT_CONFIG="$A/apt.conf"
case_require_reachable "${REGISTRY}deb/dists/$F_SUITE/Release"

APT="apt $APT_VERSION"
if ! case_run apt-update.log apt-get update --error-on=any; then
  case_judge refused "$APT: apt-get update failed: $(case_log_match '^(E|W): ')"
fi
# apt installs a package's candidate only: a dependency whose range excludes the candidate
# fails, and the manifest's resolution for a set row says when it must.
UNMET_PATTERN='Depends: .* but [^ ]+ is to be installed'
if ! case_run apt-install.log apt-get install --download-only "$A_NAME=$A_VERSION"; then
  if [ -n "$F_FAILS" ] && [ "$CASE_EXPECT" != tls-refusal ] && [ -n "$(case_log_match "$UNMET_PATTERN")" ]; then
    case_finish pass "$APT refuses $A_NAME $A_VERSION as the manifest expects ($F_FAILS): $(case_log_match "$UNMET_PATTERN")"
  fi
  case_judge refused "$APT: apt-get install --download-only $A_NAME=$A_VERSION failed: $(case_log_match '^(E|W): ')"
fi
[ -z "$F_FAILS" ] || case_finish fail "$APT resolved $A_NAME $A_VERSION, which the manifest expects to fail: $F_FAILS"
bare_version=${A_VERSION#*:}
fetched=$(find "$A/cache/archives" -maxdepth 1 -name "${A_NAME}_*.deb" -type f | head -n1)
[ -n "$fetched" ] || case_judge refused "$APT fetched no ${A_NAME}_${bare_version}_*.deb"
got=$(case_sha256 "$fetched")
[ "$got" = "$A_SHA256" ] || case_judge refused "the .deb apt fetched has sha256 $got, the manifest says $A_SHA256"

# Everything apt fetched, installed into a scratch root with its own dpkg database.
R="$WORK/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
mapfile -t debs < <(find "$A/cache/archives" -maxdepth 1 -name '*.deb' -type f | LC_ALL=C sort)
mapfile -t before_dpkg < <(find "$WORK" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort)
if ! case_run dpkg-install.log dpkg --root="$R" --log=/dev/null --force-script-chrootless --no-triggers -i "${debs[@]}"; then
  case_judge refused "dpkg $DPKG_VERSION -i failed: $(case_log_match '^dpkg(-deb)?: (error|warning)')"
fi
# dpkg follows a '..' entry out of --root ($R/..): what lands beside the root escaped.
escaped=$(LC_ALL=C comm -13 <(printf '%s\n' "${before_dpkg[@]}") <(find "$WORK" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort) | grep -vx 'dpkg-install.log' | tr '\n' ' ' || true)
if [ -n "$escaped" ]; then
  if [ "$A_DEFECT" = path-traversal ]; then
    case_finish skip "not refused by the client: dpkg $DPKG_VERSION unpacked a '..' entry and wrote ${escaped% } outside its --root (dpkg does not check; a registry or scanner must)"
  fi
  case_judge refused "dpkg $DPKG_VERSION wrote ${escaped% } outside its --root"
fi
installed=$(dpkg-query --root="$R" -W -f='${Package}=${Version} ${Status}\n' 2>/dev/null | awk '$4 == "installed" {print $1}' | LC_ALL=C sort | tr '\n' ' ')
installed=${installed% }
if ! grep -qxF "$A_NAME=$A_VERSION" <(tr ' ' '\n' <<<"$installed"); then
  CASE_LOG="$WORK/installed.log"
  echo "installed package ${installed:-nothing} is not $A_NAME=$A_VERSION (dpkg installed what control names)" >>"$CASE_LOG"
  case_judge refused "dpkg installed ${installed:-nothing}, not $A_NAME $A_VERSION"
fi
if [ -n "$F_RESOLVES" ] && [ "$installed" != "$F_RESOLVES" ]; then
  case_judge refused "apt and dpkg installed $installed; the manifest expects $F_RESOLVES"
fi
if ! case_run dpkg-list.log dpkg --root="$R" -L "$A_NAME"; then
  case_judge refused "dpkg -L $A_NAME failed"
fi
MSG="$APT fetched $A_NAME $A_VERSION (sha256 matches) and dpkg $DPKG_VERSION installed $installed into a scratch root"
if [ -n "$A_DATA_PATH" ]; then
  grep -qxF "/$A_DATA_PATH" "$WORK/dpkg-list.log" || case_judge refused "dpkg -L does not list /$A_DATA_PATH"
  data_sha=$(case_sha256 "$R/$A_DATA_PATH")
  [ "$data_sha" = "$A_DATA_SHA256" ] || case_judge refused "installed $A_DATA_PATH has sha256 $data_sha, the manifest says $A_DATA_SHA256"
  MSG="$MSG; dpkg -L lists /$A_DATA_PATH, its sha256 matches"
fi
# dpkg --verify compares the installed files with md5sums; it prints one line per mismatch.
case_run dpkg-verify.log dpkg --root="$R" --verify "$A_NAME" || true
if grep -v '^+ ' "$WORK/dpkg-verify.log" | grep -q .; then
  case_judge refused "dpkg --verify $A_NAME: $(case_log_tail)"
fi
[ -z "$F_RESOLVES" ] || MSG="$MSG; resolved as the manifest expects: $F_RESOLVES"
case_judge ok "$MSG; dpkg --verify clean"
