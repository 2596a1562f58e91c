#!/usr/bin/env bash
# A second native client case for rpm: zypper (libzypp), stricter than dnf in other places.
#
#   scripts/clients/zypper.sh pull --registry URL --manifest out/<size>/manifest.json --artifact PATH
#                                  [--ca FILE] [--work DIR] [--expect tls-refusal]
#       zypper --root <work>/root with its own zypp.conf (ZYPP_CONF), an empty zypper.conf
#       (--config), the root's repos.d holding one repository (rpm/, or a defect's own
#       rpm/defect/<defect>/) with gpgcheck, repo_gpgcheck and pkg_gpgcheck on and no gpgkey=:
#       the only key zypper trusts is keys/gpg-signing.asc, imported into the root's rpm
#       database beforehand (libzypp takes its trusted keys from there). HTTPS trusts the --ca
#       file only: the repository URL's ssl_capath names a hashed directory holding it, and,
#       because libcurl reads its built-in bundle beside any CA path, zypper runs in a private
#       mount namespace whose /etc/ssl/certs is that directory and whose /var is the work
#       directory's (libzypp keeps its keyrings and media in /var/tmp and curl's cookies in
#       /var/lib/YaST2, whatever the root). `zypper refresh`, `zypper install NAME=VERSION-RELEASE`,
#       then the installed data file's sha256 must be the manifest's, `rpm --root ... -ql` must
#       list it, and the root's keys must still be the published one alone. For a row of a
#       package set, each of the set's requests of NAME whose expected resolution (manifest
#       `sets.<set>.formats.rpm.resolutions`, written for dnf) picks this version, or fails, is
#       then given to zypper in its own form (zypper_request) in a fresh --root of the same
#       sandbox: what zypper installs must be exactly the manifest's resolution, and a "fails"
#       must be refused with libzypp's reason (REFUSAL_PATTERN: a conflict, a dependency nothing
#       provides, no provider of the name). Such a row's own NAME=VERSION-RELEASE may be refused
#       too, when zypper says it is for a conflict or a missing dependency.
#   scripts/clients/zypper.sh push|server
#       A yum repository is files: zypper has no push. Prints a skip RESULT (exit 3).
#
# Prints one line: RESULT zypper <op> <name>@<version> pass|fail|skip <seconds> <message>;
# exits 0 (pass), 1 (fail) or 3 (skip). A row with expect "reject" (or a signer persona other
# than the project's) passes when zypper refuses it with the defect's reason (DEFECT_PATTERNS);
# name-mismatch, which zypper does not check, is refused by the case's own look at the rpm
# database, and says so. A defect that dnf refuses and zypper installs is reported as a skip
# naming it, not as a pass.
# Needs root: zypper's rpm chroots into --root, and the mount namespace needs CAP_SYS_ADMIN.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# How zypper 1.14 / libzypp 17.25 (rpm 4.18 underneath) refuse each defect variant. libzypp's
# own verdict for a package ("Signature verification failed [N-...]") is the same for a bad
# signature, a bad payload digest and a cut file, so those patterns take the rpm line zypper
# prints above it.
DEFECT_PATTERNS=(
  [bad-signature]='Signature, key ID [0-9a-f]+: BAD'
  [wrong-signer]='Signature verification failed \[4-Signatures public key is not available\]'
  [unsigned]='Signature verification failed \[6-File is unsigned\]'
  [payload-digest-mismatch]='Payload SHA256 digest: BAD'
  # Cut inside the headers, rpm cannot read the header blob; cut inside the payload, only
  # the payload digest can tell.
  [truncated-rpm]='(hdr blob\([0-9]+\): BAD|Payload SHA256 digest: BAD)'
  [repomd-checksum-mismatch]="Digest verification failed for file '[^']*-primary\.xml(\.gz)?'"
  # zypper does not compare the header's name with primary.xml's: the case's own check refuses.
  [name-mismatch]='^zypper does not check the header name against primary\.xml'
)
TLS_REFUSAL_PATTERN='SSL certificate problem'

if [ "${1:-}" = server ] || [ "${1:-}" = push ]; then
  echo "RESULT zypper $1 -@- skip 0.00 a yum repository is static files: zypper has no push, and the static tree is served by scripts/serve.sh"
  exit 3
fi
case_init zypper "$@"
[ ${#EXTRA_ARGS[@]} -eq 0 ] || { echo "zypper.sh: unknown argument '${EXTRA_ARGS[0]}'" >&2; case_usage; }

# The manifest's rows are rpm's; the RESULT line names this client.
FORMAT=rpm
case_load_artifact
FORMAT=zypper
[ "$A_KIND" = rpm ] || case_finish fail "manifest: '$A_PATH' is not an rpm (kind '$A_KIND')"
for tool in zypper rpm unshare mount openssl curl; do
  command -v "$tool" >/dev/null || case_finish skip "$tool not found"
done
command -v "$PYTHON" >/dev/null || case_finish skip "$PYTHON not found"
[ "$(id -u)" -eq 0 ] || case_finish skip "zypper needs root here: its rpm chroots into --root, and the private mount namespace needs CAP_SYS_ADMIN"
case "$WORK/" in /var/*) case_finish fail "--work $WORK is under /var, which zypper's mount namespace replaces" ;; esac

case_row_facts RELEASE REPO_DIR SIGNER <<'EOF'
out = {"RELEASE": facts.get("release", "1"), "REPO_DIR": path.split("/Packages/")[0],
       "SIGNER": row.get("signer") or ""}
EOF
# The set's requests of NAME that this row answers, as the manifest writes them for rpm (dnf's
# args; RESOLVES: the NAME=VERSION list the client must install; FAILS: the manifest's notes).
FORMAT=rpm
case_set_checks
FORMAT=zypper
F_FAILS=""
for line in "${SET_CHECKS[@]+"${SET_CHECKS[@]}"}"; do
  value=${line#*$'\t'}
  [[ "$line" == FAILS$'\t'* ]] && F_FAILS=${value%%$'\t'*}
done
if [ "$A_EXPECT" = accept ] && [ -n "$F_SIGNER" ]; then A_EXPECT=reject A_DEFECT=$F_SIGNER; fi
[ "$A_DEFECT" != other-bytes ] || DEFECT_PATTERNS["other-bytes"]=${DEFECT_PATTERNS[bad-signature]}

TREE=$(dirname "$MANIFEST")
[ -f "$TREE/keys/gpg-signing.asc" ] || case_finish fail "no keys/gpg-signing.asc beside the manifest"
# Without --ca, the CA the tree's own .repo names (as rpm.sh does).
if [ -z "$CA" ] && [ -f "$TREE/clients/assetgen.repo" ]; then
  CA=$(sed -n 's/^sslcacert=//p' "$TREE/clients/assetgen.repo" | head -n1)
fi
if [[ "$REGISTRY" == https://* ]] && { [ -z "$CA" ] || [ ! -r "$CA" ]; }; then
  case_finish fail "an https registry needs --ca FILE"
fi
case_require_reachable "${REGISTRY}${F_REPO_DIR}/repodata/repomd.xml"
case_isolate

ROOT=$WORK/root
rm -rf "${ROOT:?}" "${WORK:?}"/root-request-* "${WORK:?}/var" "${WORK:?}/certs"
mkdir -p "$WORK/var/tmp" "$WORK/var/lib/YaST2" "$WORK/var/log" "$WORK/var/cache" "$WORK/certs"
chmod 1777 "$WORK/var/tmp"
# Debian's rpm keeps its database in ~/.rpmdb; zypper and this case's rpm must share the root's.
printf '%%_dbpath /var/lib/rpm\n' >"$HOME/.rpmmacros"
if [ -n "$CA" ]; then
  cp "$CA" "$WORK/certs/ca-certificates.crt"
  openssl rehash "$WORK/certs" >"$WORK/rehash.log" 2>&1 || case_finish fail "openssl rehash of the CA failed: $(tail -n1 "$WORK/rehash.log")"
fi
cat >"$WORK/zypp.conf" <<EOF
[main]
gpgcheck = on
repo_gpgcheck = on
pkg_gpgcheck = on
download.media_mountdir = $WORK/var/tmp
EOF
: >"$WORK/zypper.conf"
url="${REGISTRY}${F_REPO_DIR}/"
[ -z "$CA" ] || url="$url?ssl_capath=$WORK/certs&ssl_verify=yes"
export ZYPP_CONF="$WORK/zypp.conf" ZYPP_LOGFILE="$WORK/zypp-debug.log"
unset ZYPP_READONLY_HACK ZYPP_REPO_RELEASEVER ZYPP_MULTICURL ZYPP_TESTSUITE_FAKE_ARCH

# new_root DIR: a new root, the one zypper_run works on from now: the repository alone, and the
# published key, as the tree holds it, the only one in its rpm database.
new_root() {
  ZROOT=$1
  export ZYPP_LOCKFILE_ROOT="$ZROOT"
  mkdir -p "$ZROOT/etc/zypp/repos.d"
  cat >"$ZROOT/etc/zypp/repos.d/assetgen.repo" <<EOF
[assetgen]
name=assetgen test packages
baseurl=$url
enabled=1
autorefresh=0
type=rpm-md
keeppackages=0
gpgcheck=1
repo_gpgcheck=1
pkg_gpgcheck=1
EOF
  case_run rpm-import.log rpm --root "$ZROOT" --import "$TREE/keys/gpg-signing.asc" ||
    case_finish fail "rpm --import of keys/gpg-signing.asc into $ZROOT failed: $(case_log_tail)"
}
new_root "$ROOT"
keys_of() { rpm --root "$ROOT" -q gpg-pubkey --qf '%{VERSION}-%{RELEASE}\n' 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'; }
KEYS=$(keys_of)
[ -n "$KEYS" ] || case_finish fail "no gpg-pubkey in the root's rpm database after the import"

# in_namespace LOG COMMAND...: COMMAND in a mount namespace that sees only the work
# directory's /var and CA.
in_namespace() {
  local log=$1 certs=""
  shift
  [ -z "$CA" ] || [ ! -d /etc/ssl/certs ] || certs="$WORK/certs"
  # shellcheck disable=SC2016
  case_run "$log" unshare --mount --propagation private -- bash -c \
    'mount --bind "$1" /var || exit 1; if [ -n "$2" ]; then mount --bind "$2" /etc/ssl/certs || exit 1; fi; shift 2; exec "$@"' \
    zypper-ns "$WORK/var" "$certs" "$@"
}
zypper_run() {
  local log=$1
  shift
  in_namespace "$log" zypper --non-interactive --no-color --root "$ZROOT" --config "$WORK/zypper.conf" "$@"
}
in_namespace namespace.log true || case_finish skip "no private mount namespace for zypper here: $(case_log_tail)"
ZYPPER_VERSION="$(zypper --version 2>/dev/null | head -n1)"
libzypp=$(dpkg-query -W -f '${Version} ' 'libzypp[0-9]*' 2>/dev/null | cut -d' ' -f1 || true)
[ -z "$libzypp" ] || ZYPPER_VERSION="$ZYPPER_VERSION (libzypp $libzypp)"
NVR="$A_NAME-$A_VERSION-$F_RELEASE"

# Why zypper refuses a package set's request, in libzypp's words: a conflict (or an obsoletes)
# between two packages, a dependency nothing provides, or no package nor provider of the name
# (after "'NAME' not found in package names. Trying capabilities."). "X requires Y, but this
# requirement cannot be provided" follows from one of those and says no more.
DEPENDENCY_PATTERN='[^ ]+ (conflicts with|obsoletes) .+ provided by [^ ]+|nothing provides .+ needed by [^ ]+'
REFUSAL_PATTERN="^No provider of '.+' found\.|$DEPENDENCY_PATTERN"
# Non-interactive, zypper prints only the one problem rule libsolv picks to stand for a
# dependency problem, and for a conflict that is the "cannot be provided" consequence. The rules
# behind it (libzypp's completeProblemInfo, "Detailed information:") come only as the answer to
# 'd' at zypper's problem prompt, which zypper reads from a terminal and nothing else. This runs
# a --dry-run of the same install on a terminal of its own: 'd' at the problem prompt until the
# details are out, then 'c' (cancel), "n" to a "Continue?"; an answer is sent again when zypper
# stays silent (it empties its input before each read), and it gives up after 300 s.
cat >"$WORK/zypper-details.py" <<'PY'
import fcntl, os, pty, re, select, signal, struct, sys, termios, time
PROBLEM = re.compile(rb"\[[0-9/]*(s/r/)?c/d/\?\] \([^)]*\): $")
CONTINUE = re.compile(rb"Continue\? \[[^]]*\] \([^)]*\): $")
pid, fd = pty.fork()
if pid == 0:
    # Wide enough that zypper wraps none of its lines.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 1000, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
seen, pending, answer, sent = b"", b"", None, 0.0
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    ready, _, _ = select.select([fd], [], [], 1.0)
    if not ready:
        if answer and time.monotonic() - sent > 3:
            os.write(fd, answer)
            sent = time.monotonic()
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    sys.stdout.buffer.write(data.replace(b"\r", b""))
    sys.stdout.buffer.flush()
    seen, pending = seen + data, pending + data
    if PROBLEM.search(pending):
        answer = b"c\n" if b"Detailed information:" in seen else b"d\n"
    elif CONTINUE.search(pending):
        answer = b"n\n"
    else:
        continue
    os.write(fd, answer)
    pending, sent = b"", time.monotonic()
else:
    os.kill(pid, signal.SIGKILL)
    print("zypper-details: zypper did not finish in 300 s")
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
# reason_in PATTERN: the current log's first line of zypper's that matches PATTERN, or nothing.
reason_in() {
  grep -v '^+ ' "$CASE_LOG" 2>/dev/null | grep -m1 -E "$1" | sed -E -e 's/^[[:space:]]*(Problem( [0-9]+)?: )?//' -e 's/\.$//' || true
}
# zypper_reason PATTERN ARGS...: why zypper refused `install ARGS` (the current log), as a line
# matching PATTERN; zypper's details of a dependency problem are asked for when the line it
# printed does not say. Nothing when zypper does not say.
zypper_reason() {
  local pattern=$1 hit
  shift
  hit=$(reason_in "$pattern")
  if [ -z "$hit" ] && grep -q '^Problem: ' "$CASE_LOG"; then
    in_namespace "${CASE_LOG#"$WORK"/}" "$PYTHON" "$WORK/zypper-details.py" zypper --no-color \
      --root "$ZROOT" --config "$WORK/zypper.conf" install --dry-run "$@" || true
    hit=$(reason_in "$pattern")
  fi
  printf '%s' "$hit"
}

# zypper_request ARG: a request of NAME as the manifest writes it for dnf, in zypper's words.
# NAME stays NAME. dnf's pin NAME-VERSION[-RELEASE] becomes NAME=VERSION[-RELEASE], zypper's
# exact form (zypper guesses at the dashed one only after finding no package of that whole
# name); as with dnf's pin, a VERSION without its RELEASE matches every release. A relation
# 'NAME OP VERSION' becomes NAME{OP}VERSION, one capability, as zypper's manual writes it.
# Prints nothing for any other form.
zypper_request() {
  local arg=$1 rel
  if [ "$arg" = "$A_NAME" ]; then
    printf '%s' "$arg"
  elif [[ "$arg" == "$A_NAME"-[0-9]* && "$arg" != *[[:space:]]* ]]; then
    printf '%s=%s' "$A_NAME" "${arg#"$A_NAME"-}"
  elif [[ "$arg" == "$A_NAME"[[:space:]]* ]]; then
    rel=${arg#"$A_NAME"}
    rel=${rel//[[:space:]]/}
    if [[ "$rel" =~ ^(\<=|\>=|=|\<|\>)[0-9][^\<\>=]*$ ]]; then printf '%s%s' "$A_NAME" "$rel"; fi
  fi
}
installed_in() {
  rpm --root "$1" -qa --qf '%{NAME}=%{VERSION}\n' 2>/dev/null | grep -v '^gpg-pubkey=' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# run_requests: the package set's requests this row answers, each given to zypper in a fresh
# root: zypper must install what the manifest expects, or refuse, for "fails", saying why.
run_requests() {
  local n=0 check kind want root got parts args zargs arg z said refusal rc
  for check in "${SET_CHECKS[@]+"${SET_CHECKS[@]}"}"; do
    n=$((n + 1))
    IFS=$'\t' read -r -a parts <<<"$check"
    kind=${parts[0]} want=${parts[1]} args=("${parts[@]:2}") zargs=()
    [ ${#args[@]} -gt 0 ] || case_finish fail "manifest: an empty request for $A_NAME"
    for arg in "${args[@]}"; do
      z=$(zypper_request "$arg")
      [ -n "$z" ] || case_finish fail "manifest: request '${args[*]}': zypper.sh knows no zypper form of '$arg'"
      zargs+=("$z")
    done
    root="$WORK/root-request-$n"
    new_root "$root"
    rc=0
    zypper_run "zypper-request-$n.log" refresh || rc=$?
    [ "$rc" -eq 0 ] || case_finish fail "$ZYPPER_VERSION refresh for request '${args[*]}' failed (exit $rc): $(case_log_tail)"
    if ! zypper_run "zypper-request-$n.log" install "${zargs[@]}"; then
      said=$(reason_in '^(Problem: |No provider of )')
      if [ "$kind" = FAILS ]; then
        refusal=$(zypper_reason "$REFUSAL_PATTERN" "${zargs[@]}")
        [ -n "$refusal" ] && { MSG="$MSG; zypper refuses '${zargs[*]}': $refusal; the manifest expects that ($want)"; continue; }
      fi
      case_finish fail "$ZYPPER_VERSION install ${zargs[*]} (request '${args[*]}') failed, the manifest expects $want: ${said:-$(case_log_tail)}"
    fi
    got=$(installed_in "$root")
    [ "$kind" = RESOLVES ] || case_finish fail "$ZYPPER_VERSION install ${zargs[*]} (request '${args[*]}') installed $got, the manifest expects no resolution ($want)"
    want=$(tr ' ' '\n' <<<"$want" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || case_finish fail "request '${args[*]}' as zypper's '${zargs[*]}': $ZYPPER_VERSION installed $got, the manifest expects $want"
    MSG="$MSG; request '${args[*]}' as zypper's '${zargs[*]}' resolved as the manifest expects: $got"
  done
}

zypper_refused() { case_judge refused "$ZYPPER_VERSION $2 failed (exit $1)"; }
rc=0
zypper_run zypper.log refresh || rc=$?
[ "$rc" -eq 0 ] || zypper_refused "$rc" refresh
zypper_run zypper.log install "$A_NAME=$A_VERSION-$F_RELEASE" || rc=$?
if [ "$rc" -ne 0 ]; then
  # A set row whose request the manifest expects to fail may be refused itself, for the same
  # reason (two packages it needs conflict, or nothing provides one): zypper must say so.
  if [ -n "$F_FAILS" ] && [ "$A_EXPECT" = accept ] && [ "$CASE_EXPECT" != tls-refusal ]; then
    own=$(zypper_reason "$DEPENDENCY_PATTERN" "$A_NAME=$A_VERSION-$F_RELEASE")
    if [ -n "$own" ]; then
      MSG="$ZYPPER_VERSION refuses $NVR too: $own"
      run_requests
      case_judge ok "$MSG"
    fi
  fi
  zypper_refused "$rc" "install $A_NAME=$A_VERSION-$F_RELEASE"
fi

installed=$(rpm --root "$ROOT" -qa --qf '%{NAME}=%{VERSION}-%{RELEASE}\n' 2>/dev/null | grep -v '^gpg-pubkey=' | sort | tr '\n' ' ' | sed 's/ $//')
if [ "$A_EXPECT" = reject ]; then
  if [ "$A_DEFECT" = name-mismatch ]; then
    rpm --root "$ROOT" -q "$A_NAME" >/dev/null 2>&1 &&
      case_finish fail "no name mismatch: zypper installed $installed, named as primary.xml names it"
    echo "zypper does not check the header name against primary.xml: asked for $NVR, which primary.xml lists, it installed $installed; refused by this case's own check" >>"$CASE_LOG"
    case_judge refused "zypper installed a package its repository names otherwise"
  fi
  # zypper installed a package the manifest says is bad. When rpm -K with the published key
  # accepts the served file too, the file is not the defect it claims to be.
  if [ "$A_DEFECT" != repomd-checksum-mismatch ]; then
    curl_args=(-sS --fail -o "$WORK/pkg.rpm")
    [ -z "$CA" ] || curl_args+=(--cacert "$CA")
    case_run rpm-k.log curl "${curl_args[@]}" "${REGISTRY}${A_PATH}" || case_finish fail "download of $A_PATH for rpm -K failed: $(case_log_tail)"
    # rpm -K passes an unsigned package on its digests alone: it must name a good signature.
    if case_run rpm-k.log rpm --dbpath "$ROOT/var/lib/rpm" -Kv "$WORK/pkg.rpm" &&
      grep -qE 'Signature, key ID [0-9a-f]+: OK' "$WORK/rpm-k.log"; then
      case_finish fail "$ZYPPER_VERSION installed $NVR ($installed) and rpm -K accepts the served file: it does not carry defect ${A_DEFECT:-?}"
    fi
  fi
  # dnf refuses every other defect variant and persona: zypper installing one is a finding
  # about zypper, not a pass.
  case_finish skip "$ZYPPER_VERSION installs $NVR ($installed): it does not refuse defect ${A_DEFECT:-?}, which dnf refuses"
fi
[ "$(keys_of)" = "$KEYS" ] || case_finish fail "the root's keys changed during the install: $KEYS before, $(keys_of) after"
case_run rpm-ql.log rpm --root "$ROOT" -ql "$A_NAME" || case_finish fail "rpm -ql $A_NAME failed after the install: $(case_log_tail)"
if [ -n "$A_DATA_PATH" ]; then
  grep -qx "/$A_DATA_PATH" "$WORK/rpm-ql.log" || case_finish fail "rpm -ql does not list /$A_DATA_PATH"
  [ -f "$ROOT/$A_DATA_PATH" ] || case_finish fail "/$A_DATA_PATH is not installed"
  got=$(case_sha256 "$ROOT/$A_DATA_PATH")
  [ "$got" = "$A_DATA_SHA256" ] || case_finish fail "installed /$A_DATA_PATH has sha256 $got, the manifest $A_DATA_SHA256"
fi
MSG="$ZYPPER_VERSION installed $NVR from a signed repository (repo_gpgcheck, pkg_gpgcheck, key $KEYS only)${A_DATA_PATH:+, /$A_DATA_PATH sha256 matches}"

run_requests
case_judge ok "$MSG"
