#!/usr/bin/env bash
# Native client case for rpm.
#
#   scripts/clients/rpm.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                               [--ca FILE] [--work DIR]
#       dnf with --installroot=<work>/root, --config an empty dnf.conf and
#       --setopt=reposdir=<work>/repos.d holding the tree's clients/assetgen.repo with its
#       baseurl, gpgkey and sslcacert pointed at URL (and at --ca FILE), or for a defect with
#       a repository of its own (rpm/defect/<defect>/) a copy pointing there: gpgcheck=1,
#       repo_gpgcheck=1, nothing from the host's repositories. `dnf install NAME-VERSION-RELEASE`,
#       then the installed data file's sha256 must be the manifest's and `rpm --root ... -ql`
#       must list it. For a row of a package set, each of the set's requests of NAME whose
#       expected resolution (manifest `sets.<set>.formats.rpm.resolutions`) picks this version
#       is then given to dnf as written (`dnf install ag-lib`, `dnf install 'ag-lib >= 1.0.0'`)
#       in a fresh installroot, and what dnf installs must be exactly what the manifest says
#       (a request recorded as "fails" must be refused with libsolv's reason, REFUSAL_PATTERN:
#       a conflict, a dependency nothing provides, no match; such a row's own NAME-VERSION may
#       be refused too, when dnf says it is for a conflict or a missing dependency).
#       Before dnf: rpm -K with the published key imported into a scratch --dbpath, rpm -qpi,
#       rpm -qpl and rpm2cpio | cpio -t on the downloaded file (an accept row must pass all).
#   scripts/clients/rpm.sh push|server
#       A yum repository is files: there is no dnf push. Prints a skip RESULT (exit 3).
#
# Prints one line: RESULT rpm <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). An artifact with expect "reject" (or a signer persona
# other than the project's) passes when dnf refuses it with the defect's error
# (DEFECT_PATTERNS, matched against dnf's output and rpm -K's); dnf installing it is a failure,
# but for name-mismatch, which dnf does not check: the case refuses it itself and says so.
# --expect tls-refusal passes when dnf refuses the server certificate (TLS_REFUSAL_PATTERN).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How dnf 4 / rpm 4.18 refuse each defect variant (`assetgen list defects`). dnf names only
# the step for some ("Problem opening package", "GPG check FAILED" for every signature
# problem), so those patterns take rpm's own verdict from the case's rpm -K, which is
# appended to the log on a refusal.
DEFECT_PATTERNS=(
  [bad-signature]='Signature, key ID [0-9a-f]+: BAD'
  [wrong-signer]='(Public key for .* is not installed|Signature, key ID [0-9a-f]+: NOKEY)'
  [unsigned]='Package .* is not signed'
  [payload-digest-mismatch]='Payload SHA256 digest: BAD'
  # Cut inside the headers, rpm cannot read the header blob; cut inside the payload, only
  # the payload digest can tell.
  [truncated-rpm]='(hdr blob\([0-9]+\): BAD|Package does not match intended download|Payload SHA256 digest: BAD)'
  [repomd-checksum-mismatch]='(checksum doesn.t match|Checksum mismatch)'
  # dnf does not compare the header's name with primary.xml's: the case's own check refuses.
  [name-mismatch]='^dnf does not check the header name against primary\.xml'
)
TLS_REFUSAL_PATTERN='(SSL certificate problem|Curl error \(60\)|certificate verify failed|Peer certificate cannot be authenticated)'

if [ "${1:-}" = server ] || [ "${1:-}" = push ]; then
  OP=$1
  echo "RESULT rpm $OP -@- skip 0.00 a yum repository is static files: dnf has no push, and the static tree is served by scripts/serve.sh"
  exit 3
fi
case_init rpm "$@"
[ ${#EXTRA_ARGS[@]} -eq 0 ] || { echo "rpm.sh: unknown argument '${EXTRA_ARGS[0]}'" >&2; case_usage; }

case_load_artifact
[ "$A_KIND" = rpm ] || case_finish fail "manifest: '$A_PATH' is not an rpm (kind '$A_KIND')"
for tool in dnf rpm rpm2cpio cpio curl; do
  command -v "$tool" >/dev/null || case_finish skip "$tool not found"
done
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"

# The row's facts: its release, its repository directory and its signer persona.
case_row_facts RELEASE REPO_DIR SIGNER <<'EOF'
out = {"RELEASE": facts.get("release", "1"),
       "REPO_DIR": path.split("/Packages/")[0], "SIGNER": row.get("signer") or ""}
EOF
# The set's requests of NAME that this row answers (dnf args; RESOLVES: the NAME=VERSION list
# dnf must install; FAILS: the manifest's notes).
case_set_checks
F_FAILS=""
for line in "${SET_CHECKS[@]+"${SET_CHECKS[@]}"}"; do
  value=${line#*$'\t'}
  [[ "$line" == FAILS$'\t'* ]] && F_FAILS=${value%%$'\t'*}
done
# A signer persona other than the project's is refused like the matching defect.
if [ "$A_EXPECT" = accept ] && [ -n "$F_SIGNER" ]; then A_EXPECT=reject A_DEFECT=$F_SIGNER; fi
[ "$A_DEFECT" != other-bytes ] || DEFECT_PATTERNS["other-bytes"]=${DEFECT_PATTERNS[bad-signature]}

TREE=$(dirname "$MANIFEST")
[ -f "$TREE/clients/assetgen.repo" ] || case_finish fail "no clients/assetgen.repo beside the manifest"
case_require_reachable "${REGISTRY}${F_REPO_DIR}/repodata/repomd.xml"
case_isolate

# The tree's .repo, pointed at the registry (and at the defect's own repository).
mkdir -p "$WORK/repos.d" "$WORK/root" "$WORK/cache" "$WORK/rpmdb"
: >"$WORK/dnf.conf"
sed -e "s#^baseurl=.*#baseurl=${REGISTRY}${F_REPO_DIR}/#" \
    -e "s#^gpgkey=.*#gpgkey=${REGISTRY}keys/gpg-signing.asc#" \
    -e "/^sslcacert=/d" "$TREE/clients/assetgen.repo" >"$WORK/repos.d/assetgen.repo"
if [ -n "$CA" ]; then
  printf 'sslcacert=%s\n' "$CA" >>"$WORK/repos.d/assetgen.repo"
elif grep -q '^sslcacert=' "$TREE/clients/assetgen.repo"; then
  grep '^sslcacert=' "$TREE/clients/assetgen.repo" >>"$WORK/repos.d/assetgen.repo"
fi
grep -q '^gpgcheck=1' "$WORK/repos.d/assetgen.repo" || case_finish fail "clients/assetgen.repo does not set gpgcheck=1"
grep -q '^repo_gpgcheck=1' "$WORK/repos.d/assetgen.repo" || case_finish fail "clients/assetgen.repo does not set repo_gpgcheck=1"

DNF=(dnf -y --installroot="$WORK/root" --config="$WORK/dnf.conf" --releasever=assetgen
     --setopt=reposdir="$WORK/repos.d" --setopt=cachedir="$WORK/cache" --setopt=logdir="$WORK"
     --setopt=install_weak_deps=True --setopt=gpgcheck=1 --setopt=repo_gpgcheck=1
     --disableplugin='*' --repo=assetgen)
DNF_VERSION="dnf $(dnf --version 2>/dev/null | head -n1)"
NVR="$A_NAME-$A_VERSION-$F_RELEASE"

# rpm's own checks on the file as served: rpm -K with the published key, -qpi, -qpl, cpio -t.
curl_args=(-sS --fail)
if [ -n "$CA" ]; then curl_args+=(--cacert "$CA"); elif grep -q '^sslcacert=' "$WORK/repos.d/assetgen.repo"; then
  curl_args+=(--cacert "$(sed -n 's/^sslcacert=//p' "$WORK/repos.d/assetgen.repo")")
fi
rpm_ok=1
if [ "$CASE_EXPECT" != tls-refusal ]; then
  case_run rpm-checks.log curl "${curl_args[@]}" -o "$WORK/key.asc" "${REGISTRY}keys/gpg-signing.asc" || true
  if case_run rpm-checks.log curl "${curl_args[@]}" -o "$WORK/pkg.rpm" "${REGISTRY}${A_PATH}"; then
    case_run rpm-checks.log rpm --dbpath "$WORK/rpmdb" --import "$WORK/key.asc" || rpm_ok=0
    case_run rpm-checks.log rpm --dbpath "$WORK/rpmdb" -Kv "$WORK/pkg.rpm" || rpm_ok=0
    case_run rpm-checks.log rpm --dbpath "$WORK/rpmdb" -qpi "$WORK/pkg.rpm" || rpm_ok=0
    case_run rpm-checks.log rpm --dbpath "$WORK/rpmdb" -qpl "$WORK/pkg.rpm" || rpm_ok=0
    # shellcheck disable=SC2016
    case_run rpm-checks.log sh -c 'rpm2cpio "$1" | cpio -t --quiet' sh "$WORK/pkg.rpm" || rpm_ok=0
    if [ "$A_EXPECT" = accept ] && [ "$rpm_ok" -ne 1 ]; then
      case_finish fail "rpm's checks of $A_PATH failed: $(case_log_tail)"
    fi
  else
    rpm_ok=0
  fi
fi
RPM_LOG="$WORK/rpm-checks.log"

installed_in() {
  rpm --root "$1" -qa --qf '%{NAME}=%{VERSION}\n' 2>/dev/null | grep -v '^gpg-pubkey=' | sort | tr '\n' ' ' | sed 's/ $//'
}
# Why dnf 4 refuses a package set's install, as libsolv states the problem: a conflict (or an
# obsoletes) between two packages, or a dependency nothing provides. "none of the providers
# can be installed" and "conflicting requests" follow from one of those and say no more.
DEPENDENCY_PATTERN='package [^ ]+ (conflicts with|obsoletes) .+ provided by [^ ]+|nothing provides .+ needed by [^ ]+'
REFUSAL_PATTERN="^No match for argument: |$DEPENDENCY_PATTERN"
# dnf_reason PATTERN: dnf's line in the current log that says why it refused, or nothing.
dnf_reason() {
  grep -v '^+ ' "$CASE_LOG" 2>/dev/null | grep -m1 -E "$1" \
    | sed -E -e 's/^[[:space:]]*(Problem( [0-9]+)?: |- )?//' || true
}

# run_requests: the package set's requests this row answers: dnf resolves each as written, into
# a fresh installroot, and must install what the manifest expects (or refuse, for "fails",
# saying why).
run_requests() {
  local n=0 check kind want root got parts args dnf_req refusal
  for check in "${SET_CHECKS[@]}"; do
    n=$((n + 1))
    IFS=$'\t' read -r -a parts <<<"$check"
    kind=${parts[0]} want=${parts[1]} args=("${parts[@]:2}")
    [ ${#args[@]} -gt 0 ] || case_finish fail "manifest: an empty request for $A_NAME"
    root="$WORK/root-request-$n"
    mkdir -p "$root"
    dnf_req=("${DNF[@]/--installroot=*/--installroot=$root}")
    if ! case_run "dnf-request-$n.log" "${dnf_req[@]}" install "${args[@]}"; then
      refusal=$(dnf_reason "$REFUSAL_PATTERN")
      [ "$kind" = FAILS ] && [ -n "$refusal" ] && { MSG="$MSG; dnf refuses '${args[*]}': $refusal; the manifest expects that ($want)"; continue; }
      case_finish fail "$DNF_VERSION install ${args[*]} failed, the manifest expects $want: $(case_log_tail)"
    fi
    got=$(installed_in "$root")
    [ "$kind" = RESOLVES ] || case_finish fail "$DNF_VERSION install ${args[*]} installed $got, the manifest expects no resolution ($want)"
    [ "$got" = "$want" ] || case_finish fail "request '${args[*]}': $DNF_VERSION installed $got, the manifest expects $want"
    MSG="$MSG; request '${args[*]}' resolved as the manifest expects: $got"
  done
}

if ! case_run dnf-install.log "${DNF[@]}" install "$NVR"; then
  # A set row whose request the manifest expects to fail may be refused itself, for the
  # same reason (two packages it needs conflict, or nothing provides one): dnf must say so.
  if [ -n "$F_FAILS" ] && [ "$A_EXPECT" = accept ] && [ "$CASE_EXPECT" != tls-refusal ]; then
    own=$(dnf_reason "$DEPENDENCY_PATTERN")
    if [ -n "$own" ]; then
      MSG="$DNF_VERSION refuses $NVR too: $own"
      run_requests
      case_judge ok "$MSG"
    fi
  fi
  # rpm's own verdict counts for the refusal too (dnf names only the step that failed).
  [ -f "$RPM_LOG" ] && grep -v '^+ ' "$RPM_LOG" >>"$CASE_LOG"
  case_judge refused "$DNF_VERSION install $NVR failed"
fi
# dnf installed it: check what it installed.
installed=$(installed_in "$WORK/root")
if [ "$A_EXPECT" = reject ]; then
  [ -f "$RPM_LOG" ] && grep -v '^+ ' "$RPM_LOG" >>"$CASE_LOG"
  if [ "$A_DEFECT" = name-mismatch ] && ! rpm --root "$WORK/root" -q "$A_NAME" >/dev/null 2>&1; then
    echo "dnf does not check the header name against primary.xml: asked for $NVR, which primary.xml lists, it installed $installed; refused by this case's own check" >>"$CASE_LOG"
    case_judge refused "dnf installed a package its repository names otherwise"
  fi
  if [ "$rpm_ok" -ne 1 ]; then
    case_finish fail "$DNF_VERSION installed $NVR ($installed) although rpm -K refuses it (defect ${A_DEFECT:-?}): $(case_oneline "$(grep -m1 -E 'BAD|NOKEY|NOTFOUND|error' "$RPM_LOG" || true)")"
  fi
  case_judge ok "$DNF_VERSION installed $NVR ($installed)"
fi
case_run rpm-ql.log rpm --root "$WORK/root" -ql "$A_NAME" || case_finish fail "rpm -ql $A_NAME failed after the install: $(case_log_tail)"
if [ -n "$A_DATA_PATH" ]; then
  grep -qx "/$A_DATA_PATH" "$WORK/rpm-ql.log" || case_finish fail "rpm -ql does not list /$A_DATA_PATH"
  [ -f "$WORK/root/$A_DATA_PATH" ] || case_finish fail "/$A_DATA_PATH is not installed"
  got=$(case_sha256 "$WORK/root/$A_DATA_PATH")
  [ "$got" = "$A_DATA_SHA256" ] || case_finish fail "installed /$A_DATA_PATH has sha256 $got, the manifest $A_DATA_SHA256"
fi
MSG="$DNF_VERSION installed $NVR from a signed repository (gpgcheck, repo_gpgcheck)${A_DATA_PATH:+, /$A_DATA_PATH sha256 matches}"

run_requests
case_judge ok "$MSG"
