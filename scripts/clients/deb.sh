#!/usr/bin/env bash
# Native client case for deb (apt and dpkg).
#
#   scripts/clients/deb.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                               [--ca FILE] [--work DIR]
#       A sandboxed apt: APT_CONFIG names a file of this case's own that sets Dir::State,
#       Dir::State::status (an empty status file), Dir::Cache, Dir::Etc (sources, an empty
#       trusted keyring set, preferences, apt.conf.d: nothing from the host's /etc/apt) and
#       APT::Sandbox::User root. The sources file is the tree's clients/apt.sources as it is
#       (its URIs must be URL/deb/; Signed-By the published key, inline; Suites: assetgen, and
#       assetgen-experimental when the tree has pre-releases, a NotAutomatic suite as Debian's
#       experimental); a defect row's suite is dists/defect-<defect>/, so the same file with
#       that suite. TLS trusts the CA that the tree's clients/apt.conf names, or --ca FILE.
#       Then `apt-get update --error-on=any`, `apt-get install --download-only NAME=VERSION`,
#       and `dpkg -i` of what apt fetched into a scratch root (--root: its own dpkg database),
#       `dpkg -L NAME`, `dpkg --verify NAME`.
#   scripts/clients/deb.sh push|server ...
#       An apt repository is static files: there is nothing apt pushes to. Prints a skip.
#
# Checks: the .deb apt fetched has the manifest's sha256; the installed package is NAME
# VERSION; dpkg -L lists the data file and the installed file has the manifest's sha256;
# dpkg --verify reports nothing. A pre-release row (a '~' in the upstream version) is listed in
# the experimental suite only, whose Release says NotAutomatic: yes, with the pin priority
# apt_preferences(5) gives such a suite (apt-cache policy: 1, or 100 with ButAutomaticUpgrades:
# yes), and `apt-get install
# -t assetgen-experimental NAME` takes a version of that suite at least as new. For a row of a
# package set, each of the set's requests of NAME (matched to manifest
# `sets.<set>.formats.deb.resolutions` by index) that resolves to this version, or that the
# manifest expects to fail, is given to apt-get install as written, in a fresh sandbox: what
# apt and dpkg install must be the expected resolution, and a "fails" must be refused with
# apt's reason (REFUSAL_PATTERN: an unmet or conflicting relation, or no such package). Such a
# row's own NAME=VERSION may be refused too, when apt says it is for a relation.
# Prints one line:
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

# The row's facts beyond lib.sh's: its suite, and whether it is a pre-release or unlisted.
case_row_facts SUITE PRERELEASE UNLISTED <<'EOF'
name, version = row["name"], row["version"]
# A pre-release has a '~' in its upstream part: after the epoch, before the revision.
upstream = version.split(":", 1)[-1]
upstream = upstream.rsplit("-", 1)[0] if "-" in upstream else upstream
prerelease = "~" in upstream
suite = "defect-" + row["defect"] if row.get("defect") else "assetgen-experimental" if prerelease else "assetgen"
out = {"SUITE": suite, "PRERELEASE": "1" if prerelease and not row.get("defect") else "",
       "UNLISTED": "" if row.get("listed", True) else "1"}
EOF
# The set's requests of NAME that this row answers (apt-get args; RESOLVES: the NAME=VERSION
# list apt must install; FAILS: the manifest's notes).
case_set_checks
F_FAILS=""
for line in "${SET_CHECKS[@]+"${SET_CHECKS[@]}"}"; do
  value=${line#*$'\t'}
  [[ "$line" == FAILS$'\t'* ]] && F_FAILS=${value%%$'\t'*}
done
[ -z "$F_UNLISTED" ] || case_finish skip "a republished copy is listed by no Packages file"
[[ "$F_SUITE" =~ ^[a-z0-9-]+$ ]] || case_finish fail "manifest: suite '$F_SUITE' is not a suite name"

TREE=$(dirname "$MANIFEST")
sources="$TREE/clients/apt.sources"
[ -f "$sources" ] || case_finish fail "the tree has no clients/apt.sources"
grep -qxF "URIs: ${REGISTRY}deb/" "$sources" \
  || case_finish fail "clients/apt.sources does not name ${REGISTRY}deb/ (generate with --base-url $REGISTRY)"

# The suites the sources file names: the tree's file as it is, or, for a defect row, the same
# with the defect's own suite.
if [[ "$F_SUITE" == defect-* ]]; then
  SUITES=$F_SUITE
else
  SUITES=$(sed -n 's/^Suites: //p' "$sources" | head -n1)
  grep -qw -- "$F_SUITE" <<<"$SUITES" \
    || case_finish fail "clients/apt.sources lists the suites '$SUITES', not $F_SUITE, where the row's Packages is"
fi

case_isolate
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy APT_CONFIG
# apt_sandbox DIR: an apt of its own under DIR (nothing from the host's /etc/apt); prints its
# APT_CONFIG file.
apt_sandbox() {
  local a=$1
  mkdir -p "$a/etc/sources.list.d" "$a/etc/trusted.gpg.d" "$a/etc/preferences.d" "$a/etc/apt.conf.d" \
    "$a/state/lists/partial" "$a/cache/archives/partial" "$a/log"
  : >"$a/status"
  : >"$a/etc/sources.list"
  sed -e "s/^Suites: .*/Suites: $SUITES/" "$sources" >"$a/etc/sources.list.d/assetgen.sources"
  {
    printf 'Dir::State "%s/state";\nDir::State::status "%s/status";\nDir::Cache "%s/cache";\n' "$a" "$a" "$a"
    printf 'Dir::Etc "%s/etc";\nDir::Etc::SourceList "%s/etc/sources.list";\n' "$a" "$a"
    printf 'Dir::Etc::SourceParts "%s/etc/sources.list.d";\nDir::Etc::Trusted "%s/etc/trusted.gpg";\n' "$a" "$a"
    printf 'Dir::Etc::TrustedParts "%s/etc/trusted.gpg.d";\nDir::Etc::Preferences "%s/etc/preferences";\n' "$a" "$a"
    printf 'Dir::Etc::PreferencesParts "%s/etc/preferences.d";\nDir::Etc::Parts "%s/etc/apt.conf.d";\n' "$a" "$a"
    printf 'Dir::Log "%s/log";\nDebug::NoLocking "true";\nAPT::Sandbox::User "root";\n' "$a"
    printf 'Acquire::Languages "none";\nAcquire::Retries "0";\nAcquire::http::Proxy "DIRECT";\nAcquire::https::Proxy "DIRECT";\n'
    printf 'APT::Get::Assume-Yes "true";\nDpkg::Use-Pty "false";\n'
    if [ -n "$CA" ]; then
      printf 'Acquire::https::CAInfo "%s";\n' "$CA"
    elif [ -f "$TREE/clients/apt.conf" ]; then
      cat "$TREE/clients/apt.conf"
    fi
  } >"$a/apt.conf"
  printf '%s\n' "$a/apt.conf"
}
# dpkg_root DIR: an empty scratch root with its own dpkg database.
dpkg_root() {
  mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
  : >"$1/var/lib/dpkg/status"
  : >"$1/var/lib/dpkg/available"
}
# installed_in ROOT: NAME=VERSION of each installed package, sorted, space-separated.
installed_in() {
  dpkg-query --root="$1" -W -f='${Package}=${Version} ${Status}\n' 2>/dev/null \
    | awk '$4 == "installed" {print $1}' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
sorted_words() { tr ' ' '\n' <<<"$1" | grep . | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
dpkg_install() {
  local log=$1 root=$2
  shift 2
  case_run "$log" dpkg --root="$root" --log=/dev/null --force-script-chrootless --no-triggers -i "$@"
}

A="$WORK/apt"
APT_CONFIG=$(apt_sandbox "$A")
export APT_CONFIG
for suite in $SUITES; do
  case_require_reachable "${REGISTRY}deb/dists/$suite/Release"
done

APT="apt $APT_VERSION"
# Why apt 2.6 refuses a package set's install, as it says it: a dependency on a version other
# than the candidate, one on a package that cannot be installed (none listed, or one a
# conflict keeps out), a Conflicts or Breaks relation. "E: Unable to correct problems" is its
# verdict, not a reason, so it does not count alone.
UNMET_PATTERN='Depends: .* but [^ ]+ is to be installed'
DEPENDENCY_PATTERN="$UNMET_PATTERN|Depends: .* but it is not (installable|going to be installed)|(Conflicts|Breaks): [^ ]+"
REFUSAL_PATTERN="^E: (Unable to locate package|Version .* was not found|Package .* has no installation candidate)|is a virtual package|$DEPENDENCY_PATTERN"
# refusal_reason PATTERN: the line of apt's output in the current log that says why it refused,
# or nothing. apt says "Depends: X but it is not installable" both of an X no list has and of
# one that a conflict keeps out: which of the two is told by whether X has a candidate.
refusal_reason() {
  local hit dep
  hit=$(grep -v '^+ ' "$CASE_LOG" 2>/dev/null | grep -m1 -E "$1" | sed -e 's/^[[:space:]]*//' || true)
  [ -n "$hit" ] || return 0
  if [[ "$hit" =~ Depends:\ ([^ ]+).*\ but\ it\ is\ not\ installable ]]; then
    dep=${BASH_REMATCH[1]}
    if apt-cache policy "$dep" 2>/dev/null | grep -qE '^ *Candidate: [^(]'; then
      hit="$hit ($dep has a candidate: a conflict keeps it out)"
    else
      hit="$hit (no list has $dep)"
    fi
  fi
  printf '%s' "$hit"
}
# run_requests: the package set's requests this row answers: apt-get install of each as written, in a fresh
# sandbox, must install what the manifest expects (or refuse, for "fails", saying why).
run_requests() {
  local n=0 check kind want root refusal got parts args
  for check in "${SET_CHECKS[@]}"; do
    n=$((n + 1))
    IFS=$'\t' read -r -a parts <<<"$check"
    kind=${parts[0]} want=${parts[1]} args=("${parts[@]:2}")
    [ ${#args[@]} -gt 0 ] || case_finish fail "manifest: an empty request for $A_NAME"
    APT_CONFIG=$(apt_sandbox "$WORK/request-$n/apt")
    case_run "request-$n-update.log" apt-get update --error-on=any \
      || case_judge refused "request '${args[*]}': apt-get update failed: $(case_log_match '^(E|W): ')"
    if ! case_run "request-$n-install.log" apt-get install --download-only "${args[@]}"; then
      refusal=$(refusal_reason "$REFUSAL_PATTERN")
      [ "$kind" = FAILS ] && [ -n "$refusal" ] && { MSG="$MSG; $APT refuses '${args[*]}': $refusal; the manifest expects that ($want)"; continue; }
      case_judge refused "request '${args[*]}': apt-get install failed, the manifest expects ${want}: $(case_log_match '^E: ')"
    fi
    [ "$kind" = RESOLVES ] || case_judge refused "request '${args[*]}': $APT resolved it, the manifest expects no resolution ($want)"
    root="$WORK/request-$n/root"
    dpkg_root "$root"
    mapfile -t debs < <(find "$WORK/request-$n/apt/cache/archives" -maxdepth 1 -name '*.deb' -type f | LC_ALL=C sort)
    [ ${#debs[@]} -gt 0 ] || case_judge refused "request '${args[*]}': $APT fetched nothing"
    dpkg_install "request-$n-dpkg.log" "$root" "${debs[@]}" \
      || case_judge refused "request '${args[*]}': dpkg -i failed: $(case_log_match '^dpkg(-deb)?: (error|warning)')"
    got=$(installed_in "$root")
    [ "$got" = "$(sorted_words "$want")" ] \
      || case_judge refused "request '${args[*]}': apt and dpkg installed $got, the manifest expects $want"
    MSG="$MSG; request '${args[*]}' installs $got as the manifest expects"
  done
}

if ! case_run apt-update.log apt-get update --error-on=any; then
  case_judge refused "$APT: apt-get update failed: $(case_log_match '^(E|W): ')"
fi
# A set row whose request the manifest expects to fail may be refused itself, for the same
# reason: apt installs a package's candidate only (a dependency whose range excludes the
# candidate fails), and it keeps two packages that conflict apart. The refusal must say so.
if ! case_run apt-install.log apt-get install --download-only "$A_NAME=$A_VERSION"; then
  if [ -n "$F_FAILS" ] && [ "$CASE_EXPECT" != tls-refusal ]; then
    own=$(refusal_reason "$DEPENDENCY_PATTERN")
    if [ -n "$own" ]; then
      MSG="$APT refuses $A_NAME $A_VERSION too: $own"
      run_requests
      case_judge ok "$MSG"
    fi
  fi
  case_judge refused "$APT: apt-get install --download-only $A_NAME=$A_VERSION failed: $(case_log_match '^(E|W): ')"
fi
bare_version=${A_VERSION#*:}
fetched=$(find "$A/cache/archives" -maxdepth 1 -name "${A_NAME}_*.deb" -type f | head -n1)
[ -n "$fetched" ] || case_judge refused "$APT fetched no ${A_NAME}_${bare_version}_*.deb"
got=$(case_sha256 "$fetched")
[ "$got" = "$A_SHA256" ] || case_judge refused "the .deb apt fetched has sha256 $got, the manifest says $A_SHA256"

# Everything apt fetched, installed into a scratch root with its own dpkg database.
R="$WORK/root"
dpkg_root "$R"
mapfile -t debs < <(find "$A/cache/archives" -maxdepth 1 -name '*.deb' -type f | LC_ALL=C sort)
mapfile -t before_dpkg < <(find "$WORK" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort)
if ! dpkg_install dpkg-install.log "$R" "${debs[@]}"; then
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
installed=$(installed_in "$R")
if ! grep -qxF "$A_NAME=$A_VERSION" <(tr ' ' '\n' <<<"$installed"); then
  CASE_LOG="$WORK/installed.log"
  echo "installed package ${installed:-nothing} is not $A_NAME=$A_VERSION (dpkg installed what control names)" >>"$CASE_LOG"
  case_judge refused "dpkg installed ${installed:-nothing}, not $A_NAME $A_VERSION"
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
MSG="$MSG; dpkg --verify clean"
[ "$A_EXPECT" = accept ] || case_judge ok "$MSG"

# A pre-release: apt holds it back unless asked for it. apt_preferences(5): a NotAutomatic suite's
# versions get pin priority 1, or 100 with ButAutomaticUpgrades too (an installed one then
# upgrades within the suite); either is below the main suite's 500.
if [ -n "$F_PRERELEASE" ]; then
  release="$TREE/deb/dists/$F_SUITE/Release"
  grep -qx 'NotAutomatic: yes' "$release" || case_judge refused "dists/$F_SUITE/Release does not say NotAutomatic: yes"
  want_prio=1
  if grep -qx 'ButAutomaticUpgrades: yes' "$release"; then want_prio=100; fi
  case_run apt-policy.log apt-cache policy "$A_NAME" || case_judge refused "apt-cache policy $A_NAME failed"
  prio=$(awk -v v="$A_VERSION" '$1 == v && NF == 2 {print $2; exit}' "$WORK/apt-policy.log")
  [ "$prio" = "$want_prio" ] || case_judge refused "$APT gives $A_NAME $A_VERSION pin priority ${prio:-none}, not $want_prio (a NotAutomatic suite's)"
  case_run apt-target.log apt-get install -s -t "$F_SUITE" "$A_NAME" \
    || case_judge refused "apt-get install -s -t $F_SUITE $A_NAME failed: $(case_log_match '^E: ')"
  pick=$(sed -n "s/^Inst $A_NAME (\([^ ]*\) \([^ ]*\) .*/\1 \2/p" "$WORK/apt-target.log" | head -n1)
  pick_version=${pick%% *} pick_from=${pick#* }
  if [ -z "$pick" ] || [[ "$pick_from" != *":$F_SUITE" ]] || ! dpkg --compare-versions "$pick_version" ge "$A_VERSION"; then
    case_judge refused "apt-get install -t $F_SUITE $A_NAME takes '${pick:-nothing}', not $A_VERSION or newer from $F_SUITE"
  fi
  MSG="$MSG; pin priority $prio, -t $F_SUITE takes $pick_version"
fi
run_requests
case_judge ok "$MSG"
