#!/usr/bin/env bash
# End-to-end check of the package sets (`assetgen list sets`) with the real clients: every
# set is generated for npm and pypi, served over HTTPS by scripts/serve.sh with a test PKI
# (`assetgen pki init`), and pip, uv, npm, pnpm, gpgv, twine, pypiserver and verdaccio must
# do what the manifest's sets.<set> says. The clients trust only that test CA.
#
#   bash tests/e2e/sets.sh BIN WORKDIR PORT_BASE [SIZES...]      (sizes: default small medium)
#
# BIN is the assetgen binary; WORKDIR holds the trees, the PKI, the servers' state and one
# log a case (WORKDIR/logs/<case>.log). Servers listen on 127.0.0.1, ports PORT_BASE to
# PORT_BASE+9 only: +0 the static tree, +1/+2 the republish pypiserver (HTTPS proxy/HTTP),
# +3/+4 the republish verdaccio, +5/+6 and +7/+8 the pypiserver and verdaccio that take
# every tier. All are stopped on exit.
#
# Cases, for each size S:
#   resolver-basic  expect-S-resolver-basic: the manifest's resolutions are those of the
#                   shipped set (ag-lib 1.1.0 for ag-app and ag-lib, 1.2.0 yanked/deprecated
#                   with its reason, @next 2.0.0-rc.1, dist-tags not expressible in pypi);
#                   pip-conf-S / npmrc-S: the tree's clients/pip.conf and clients/.npmrc name
#                   the served index and the test CA (cert = <abs path>/keys/ca.crt, ca=...);
#                   pip-no-conf-S / npm-no-ca-S: without them the client fails on the
#                   certificate; pip-S-<request> / npm-S-<request>: each resolution the
#                   manifest lists, installed in a fresh venv or project with the tree's
#                   config as it is, must install exactly the versions it names (pip's
#                   --report and `pip list`; npm's node_modules/.package-lock.json), from the
#                   served tree with the manifest's sha256/sha512, and print the yanked or
#                   deprecated warning with the reason for every note (and none otherwise);
#                   "not expressible" resolutions are skips that say why.
#                   uv-S-<request> / pnpm-S-<request>: the same resolutions by the second
#                   clients. `uv pip install` into a fresh venv made by `uv venv`, with the
#                   index-url and cert of the tree's pip.conf as --default-index and --cert (uv
#                   reads no pip.conf; UV_NO_CONFIG, a cache of the case's own): `uv pip list`
#                   and the venv's metadata (each dist's INSTALLER says uv) show exactly the
#                   versions the manifest names, and uv's --verbose log fetched one archive of
#                   the served tree for each, a file of the manifest; a yanked note needs uv's
#                   `warning: `NAME==VERSION` is yanked (reason: "...")`. `pnpm add` in a fresh
#                   project, with the tree's .npmrc (registry, inline ca=) and a store, cache
#                   and state of the case's own: pnpm-lock.yaml's packages, their integrity
#                   (the manifest's sha512) and node_modules/.pnpm are exactly the manifest's,
#                   from the registry node_modules/.modules.yaml names (the served tree); a
#                   deprecated note needs pnpm's ` WARN  deprecated NAME@VERSION: REASON` and
#                   the lockfile's deprecated field. A "fails" resolution must be refused for
#                   want of a version: uv's "No solution found when resolving dependencies"
#                   whose cause names what is missing and ends "unsatisfiable", pnpm's
#                   ERR_PNPM_FETCH_404 (GET ...: Not Found - 404) or
#                   ERR_PNPM_NO_MATCHING_VERSION.
#   relations       pip-S-/uv-S-/npm-S-/pnpm-S-<request> as above: the dependency on the
#                   virtual name finds no package, the conflicting pair installs side by side.
#   signers         gpgv-S-<persona>: gpgv, with keys/gpg-signing.asc as the keyring, says
#                   GOODSIG+VALIDSIG for ag-signed, ERRSIG+NO_PUBKEY ("No public key") for
#                   ag-wrong-signer, BADSIG for ag-other-bytes; ag-unsigned has no .asc (404)
#                   and no data-gpg-sig in its simple page (ag-signed's page has them);
#                   audit-S-<persona>: `npm audit signatures` (npm 9.6.7) verifies ag-signed
#                   and refuses the others with npm's own reason (EMISSINGSIGNATUREKEY, missing
#                   registry signature, invalid registry signature); pip-signatures-S is a
#                   declared skip: pip does not check signatures.
#   republish       republish-{pypi,npm}-S-<file>-{first,again,served}: the listed ag-dup-S
#                   is accepted; the second copy (expect "reject", under <format>/_republish/2/)
#                   is refused by the registry itself (pypiserver "already exists", verdaccio
#                   409; npm publish runs with --force so that npm's own pre-check does not
#                   answer for the registry); the registry still serves the first bytes.
# and once, tiers-*: the default packages of small, medium and large (E2E_SETS_LARGE=0
# leaves large out; it adds about a minute, 300 MB pushed and pulled) in one out root, every
# accept row pushed into one pypiserver and one verdaccio (all accepted: the names carry the
# tier) and pulled back with the same sha256.
# pip is the one $PYTHON's venv brings; npm install and publish use the machine's npm, npm
# audit signatures the npm 9.6.7 that scripts/clients/setup.sh installs, and uv and pnpm
# are the pinned ones it installs (second-clients: setup.sh uv, setup.sh pnpm).
#
# Environment: E2E_SETS_LARGE (1 by default), PYTHON (python3). E2E_SETS_BREAK=KNOB[,KNOB]
# breaks the generated trees on purpose, to show which checks turn red: resolution (the
# manifest's 1.1.0 resolutions say 1.0.0; the pip, uv, npm and pnpm cases of them), unyank
# (no yanked/deprecated markers in the served metadata), untag (no next dist-tag), pipconf
# (no cert line in pip.conf), signers (ag-signed loses its signatures; ag-wrong-signer gets
# ag-other-bytes' .asc and the project keyid; ag-unsigned's page claims data-gpg-sig),
# republish (the second copies become another wheel file name and npm version 1.0.1, the
# second sdist the first's bytes), plain-names (the tiers without -<size> names).
# Prints a line a case (pass|FAIL|SKIP NAME (seconds) detail), writes
# test-results/e2e-sets.json (a list of {name, status, seconds, detail}) and .xml (JUnit),
# and ends with "N passed, N failed, N skipped"; exit 1 on any failure, 2 on usage. A tool
# that is missing makes its cases skips, failures under CI=true.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
case "$1" in -h|--help) usage ;; esac

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source-path=SCRIPTDIR/../..
. "$REPO_ROOT/scripts/ci/helpers.sh"
TOOLS_DIR=${ASSETGEN_TOOLS_DIR:-$REPO_ROOT/.tools}
PYTHON=${PYTHON:-python3}

BIN=$1 WORK=$2 PORT_BASE=$3
shift 3
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(small medium)

die() { echo "sets.sh: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "BIN '$BIN' is not an executable (build it: cmake -S . -B build && cmake --build build)"
BIN=$(cd "$(dirname "$BIN")" && pwd -P)/$(basename "$BIN")
if ! [[ "$PORT_BASE" =~ ^[0-9]+$ ]] || [ "$PORT_BASE" -lt 1024 ] || [ "$PORT_BASE" -gt 65526 ]; then
  die "PORT_BASE must be a number from 1024 to 65526 (ports PORT_BASE..PORT_BASE+9 are used; got '$PORT_BASE')"
fi
case "${E2E_SETS_LARGE:-1}" in 0|1) ;; *) die "E2E_SETS_LARGE must be 0 or 1 (got '$E2E_SETS_LARGE')" ;; esac
E2E_SETS_BREAK=${E2E_SETS_BREAK:-}
BREAKS=",$E2E_SETS_BREAK,"
for knob in ${E2E_SETS_BREAK//,/ }; do
  case "$knob" in resolution|unyank|untag|pipconf|signers|republish|plain-names) ;;
    *) die "E2E_SETS_BREAK: unknown knob '$knob' (resolution unyank untag pipconf signers republish plain-names)" ;;
  esac
done
for tool in "$PYTHON" curl nginx openssl gpg gpgv node npm sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh; node/npm: apt-get install nodejs npm)"
done
known_sizes=$("$BIN" list sizes 2>/dev/null | awk 'NR > 1 { print $1 }') || die "'$BIN list sizes' failed"
for size in "${SIZES[@]}"; do
  grep -qx -- "$size" <<<"$known_sizes" || die "unknown size '$size' ($BIN list sizes: $(echo "$known_sizes" | tr '\n' ' '))"
done
for port in $(seq "$PORT_BASE" $((PORT_BASE + 9))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "sets.sh: something already listens on 127.0.0.1:$port; ports $PORT_BASE-$((PORT_BASE + 9)) must be free (choose another PORT_BASE)" >&2
    exit 1
  fi
done
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd -P)
cd "$REPO_ROOT"

SERVE_PORT=$PORT_BASE
BASE_URL=https://127.0.0.1:$SERVE_PORT/
RP_PYPI_PROXY=$((PORT_BASE + 1)) RP_PYPI=$((PORT_BASE + 2))
RP_NPM_PROXY=$((PORT_BASE + 3)) RP_NPM=$((PORT_BASE + 4))
AT_PYPI_PROXY=$((PORT_BASE + 5)) AT_PYPI=$((PORT_BASE + 6))
AT_NPM_PROXY=$((PORT_BASE + 7)) AT_NPM=$((PORT_BASE + 8))
TIERS=(small medium)
[ "${E2E_SETS_LARGE:-1}" = 1 ] && TIERS+=(large)

PKI=$WORK/pki CA=$WORK/pki/ca.crt
SETS=$WORK/sets ALLTIERS=$WORK/tiers STATE=$WORK/state LOGS=$WORK/logs CASES=$WORK/cases
VENV_TEMPLATE=$WORK/venv-template
EMPTY_RC=$WORK/empty-npmrc
RESULTS=$WORK/results.tsv
TWINE=$TOOLS_DIR/pyenv/bin/twine
AUDIT_NPM=$TOOLS_DIR/npm-audit/node_modules/npm/bin/npm-cli.js
UV=$TOOLS_DIR/uv/bin/uv
PNPM=$TOOLS_DIR/pnpm/node_modules/.bin/pnpm
# Only what this script made is removed.
rm -rf "$PKI" "$SETS" "$ALLTIERS" "$STATE" "$LOGS" "$CASES" "$VENV_TEMPLATE" "${WORK:?}/home" "${WORK:?}/tmp"
mkdir -p "$STATE" "$LOGS" "$CASES" "$WORK/home" "$WORK/tmp" "$WORK/xdg/config" "$WORK/xdg/cache" "$WORK/xdg/data" \
  "$REPO_ROOT/test-results"
: >"$RESULTS"
: >"$EMPTY_RC"

# ---- the clients see nothing of the machine's or the user's configuration or trust ----
isolate() {
  local v
  unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS NODE_OPTIONS
  unset PYTHONPATH PYTHONHOME PYTHONUSERBASE VIRTUAL_ENV GNUPGHOME
  while IFS= read -r v; do
    case "$v" in npm_config_*|NPM_CONFIG_*|PIP_*|TWINE_*|UV_*|PNPM_*) unset "$v" ;; esac
  done < <(compgen -e)
  export HOME=$WORK/home TMPDIR=$WORK/tmp
  export XDG_CONFIG_HOME=$WORK/xdg/config XDG_CACHE_HOME=$WORK/xdg/cache XDG_DATA_HOME=$WORK/xdg/data
  export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONNOUSERSITE=1
  export NO_COLOR=1 npm_config_color=false npm_config_update_notifier=false COLUMNS=200
  # uv: no config file, no managed Python downloads, files copied out of its cache (each
  # case sets UV_CACHE_DIR).
  export UV_NO_CONFIG=1 UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1 UV_LINK_MODE=copy
}
isolate

# ---- servers ----
stop_all() {
  local p port name kind
  for p in "$SERVE_PORT:serve" "$RP_PYPI_PROXY:rp-pypi-proxy" "$RP_NPM_PROXY:rp-npm-proxy" \
           "$AT_PYPI_PROXY:at-pypi-proxy" "$AT_NPM_PROXY:at-npm-proxy"; do
    if [ -d "$STATE/${p#*:}" ]; then
      scripts/serve.sh stop --port "${p%%:*}" --state "$STATE/${p#*:}" >/dev/null 2>&1 || true
    fi
  done
  for p in "$RP_PYPI:rp-pypi:pypi" "$RP_NPM:rp-npm:npm" "$AT_PYPI:at-pypi:pypi" "$AT_NPM:at-npm:npm"; do
    IFS=: read -r port name kind <<<"$p"
    if [ -d "$STATE/$name" ]; then
      "scripts/clients/$kind.sh" server stop --port "$port" --state "$STATE/$name" >/dev/null 2>&1 || true
    fi
  done
  return 0
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# ---- the manifest, pip's and npm's answers, and the breakage knobs, read in Python ----
read -r -d '' PY <<'PYEOF' || true
import base64, configparser, gzip, hashlib, html.parser, io, json, os, re, shutil, sys, tarfile

def die(msg):
    print(msg)
    sys.exit(1)

def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read %s: %s" % (path, e))

def save(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def name_re(name):
    return "[-_.]".join(re.escape(p) for p in re.split(r"[-_.]+", name))

def fmt(d):
    return ", ".join("%s %s" % (k, d[k]) for k in sorted(d)) or "nothing"

def set_format(doc, set_, fmt_):
    try:
        return doc["sets"][set_]["formats"][fmt_]
    except (KeyError, TypeError):
        die("the manifest has no sets.%s.formats.%s" % (set_, fmt_))

def last_lines(text, pattern, n=2):
    hits = [l.strip() for l in text.splitlines() if re.search(pattern, l)]
    return " / ".join(hits[-n:]) if hits else "(no matching line)"

def cmd_resolutions(manifest, set_, fmt_):
    f = set_format(load(manifest), set_, fmt_)
    res = f.get("resolutions") or []
    if not res:
        die("the manifest lists no %s resolutions for set %s" % (fmt_, set_))
    names = f.get("names") or {}
    for i, r in enumerate(res):
        req, outcome = r.get("request"), r.get("outcome")
        if not isinstance(req, str) or not req or re.search(r"\s", req):
            die("resolution %d has no usable request (%r)" % (i, req))
        if outcome not in ("resolves", "fails", "not expressible"):
            die("resolution %d (%s) has outcome %r" % (i, req, outcome))
        reason = ""
        if outcome == "not expressible":
            neutral = req
            for k, v in names.items():
                neutral = neutral.replace(v, k)
            hits = [u for u in f.get("unexpressed") or [] if u.startswith("request %s:" % neutral)]
            reason = hits[0] if hits else "the manifest's unexpressed list gives no reason"
        print("%d\t%s\t%s\t%s" % (i, outcome, req, reason))

def resolution(doc, set_, fmt_, idx):
    try:
        return set_format(doc, set_, fmt_)["resolutions"][int(idx)]
    except (IndexError, KeyError):
        die("no %s resolution %s in set %s" % (fmt_, idx, set_))

def cmd_check_pip(manifest, set_, idx, report, piplist, log, rc):
    doc = load(manifest)
    r = resolution(doc, set_, "pypi", idx)
    text = open(log, encoding="utf-8", errors="replace").read()
    rc = int(rc)
    if r["outcome"] == "fails":
        if rc == 0:
            die("pip installed it, but the manifest says it fails")
        pat = r"Could not find a version that satisfies|ResolutionImpossible|No matching distribution found"
        if not re.search(pat, text):
            die("pip failed, but not for want of a version: " + last_lines(text, r"^ERROR"))
        print("pip refused it, as the manifest says: " + last_lines(text, pat, 1))
        return
    if rc != 0:
        tls = re.search(r"\[SSL: [A-Z_]+\][^(]*", text)
        die("pip exited %d: %s%s" % (rc, "TLS: %s; " % tls.group(0).strip() if tls else "", last_lines(text, r"^ERROR")))
    base = doc.get("base_url") or ""
    rows = [a for a in doc["artifacts"] if a["format"] == "pypi"]
    got, problems = {}, []
    for it in load(report).get("install", []):
        md = it.get("metadata", {})
        n, v = norm(md.get("name", "")), md.get("version", "")
        info = it.get("download_info", {})
        url = info.get("url", "")
        sha = info.get("archive_info", {}).get("hashes", {}).get("sha256")
        if n in got:
            problems.append("pip installed %s twice" % n)
        got[n] = v
        fname = url.rsplit("/", 1)[-1].split("#")[0]
        if not url.startswith(base):
            problems.append("%s came from %s, not from the served tree %s" % (n, url, base))
        hit = [a for a in rows if norm(a["name"]) == n and a["version"] == v
               and os.path.basename(a["path"]) == fname]
        if len(hit) != 1:
            problems.append("%s %s: %s is no file of the manifest" % (n, v, fname))
        elif sha != hit[0]["sha256"]:
            problems.append("%s has sha256 %s, the manifest says %s" % (fname, sha, hit[0]["sha256"]))
    want = {norm(k): v for k, v in (r.get("resolves") or {}).items()}
    if got != want:
        problems.append("pip installed %s; the manifest says %s" % (fmt(got), fmt(want)))
    listed = {norm(p["name"]): p["version"] for p in load(piplist)}
    for n, v in got.items():
        if listed.get(n) != v:
            problems.append("pip list shows %s %s, pip's report %s" % (n, listed.get(n), v))
    seen = []
    for note in r.get("notes") or []:
        m = re.fullmatch(r"(\S+) (\S+) is yanked \(PEP 592\): (.+)", note)
        if not m:
            problems.append("a note this test cannot check: %r" % note)
            continue
        name, ver, reason = m.groups()
        pat = (r"^WARNING: The candidate selected for download or install is a yanked version: "
               r"'%s' candidate \(version %s at .*\)[ \t]*\nReason for being yanked: %s[ \t]*$"
               % (name_re(name), re.escape(ver), re.escape(reason)))
        if re.search(pat, text, re.M | re.I):
            seen.append("pip warned: %s %s is yanked, reason '%s'" % (name, ver, reason))
        else:
            problems.append("pip printed no yanked warning for %s %s with reason '%s' (pip said: %s)"
                            % (name, ver, reason, last_lines(text, r"yanked")))
    if not seen and re.search(r"is a yanked version", text):
        problems.append("pip warned of a yanked version the manifest does not note: "
                        + last_lines(text, r"is a yanked version", 1))
    if problems:
        die("; ".join(problems))
    print("pip installed %s, as the manifest says%s" % (fmt(got), "".join("; " + s for s in seen)))

def cmd_check_npm(manifest, set_, idx, proj, log, rc):
    doc = load(manifest)
    r = resolution(doc, set_, "npm", idx)
    text = open(log, encoding="utf-8", errors="replace").read()
    rc = int(rc)
    if r["outcome"] == "fails":
        if rc == 0:
            die("npm installed it, but the manifest says it fails")
        # A 404 names the dependency no package of the registry has (a virtual name).
        pat = r"code (ETARGET|ERESOLVE)|No matching version found|404 Not Found - GET \S+"
        if not re.search(pat, text):
            die("npm failed, but not for want of a version: " + last_lines(text, r"^npm (error|ERR!)"))
        print("npm refused it, as the manifest says: " + last_lines(text, pat, 1))
        return
    if rc != 0:
        die("npm exited %d: %s" % (rc, last_lines(text, r"^npm (error|ERR!)")))
    base = (doc.get("base_url") or "") + "npm/"
    rows = [a for a in doc["artifacts"] if a["format"] == "npm" and a.get("listed", True)]
    lock = load(os.path.join(proj, "node_modules", ".package-lock.json"))
    got, problems = {}, []
    for key, meta in sorted(lock.get("packages", {}).items()):
        if "node_modules/" not in key:
            continue
        name = meta.get("name") or key.rsplit("node_modules/", 1)[1]
        v = meta.get("version", "")
        if name in got and got[name] != v:
            problems.append("npm installed %s twice (%s and %s)" % (name, got[name], v))
        got[name] = v
        if not meta.get("resolved", "").startswith(base):
            problems.append("%s came from %s, not from the served tree %s" % (name, meta.get("resolved"), base))
        hit = [a for a in rows if a["name"] == name and a["version"] == v]
        if len(hit) != 1:
            problems.append("%s@%s is no row of the manifest" % (name, v))
        else:
            want_i = "sha512-" + base64.b64encode(bytes.fromhex(hit[0]["sha512"])).decode()
            if meta.get("integrity") != want_i:
                problems.append("%s@%s has integrity %s, the manifest's sha512 is %s"
                                % (name, v, meta.get("integrity"), want_i))
        pj = load(os.path.join(proj, key, "package.json"))
        if pj.get("version") != v:
            problems.append("%s/package.json says %s, the lock %s" % (key, pj.get("version"), v))
    want = dict(r.get("resolves") or {})
    if got != want:
        problems.append("npm installed %s; the manifest says %s" % (fmt(got), fmt(want)))
    seen = []
    for note in r.get("notes") or []:
        m = re.fullmatch(r"(\S+) (\S+) is deprecated: (.+)", note)
        if not m:
            problems.append("a note this test cannot check: %r" % note)
            continue
        name, ver, reason = m.groups()
        pat = r"^npm (warn|WARN) deprecated %s@%s: %s[ \t]*$" % (re.escape(name), re.escape(ver), re.escape(reason))
        if re.search(pat, text, re.M):
            seen.append("npm warned: %s@%s deprecated, '%s'" % (name, ver, reason))
        else:
            problems.append("npm printed no deprecation warning for %s@%s with reason '%s' (npm said: %s)"
                            % (name, ver, reason, last_lines(text, r"deprecated")))
    if not seen and re.search(r"^npm (warn|WARN) deprecated", text, re.M):
        problems.append("npm warned of a deprecation the manifest does not note: "
                        + last_lines(text, r"deprecated", 1))
    if problems:
        die("; ".join(problems))
    print("npm installed %s, as the manifest says%s" % (fmt(got), "".join("; " + s for s in seen)))

def cmd_check_uv(manifest, set_, idx, uvlist, dists, log, rc):
    doc = load(manifest)
    r = resolution(doc, set_, "pypi", idx)
    text = open(log, encoding="utf-8", errors="replace").read()
    rc = int(rc)
    errors = r"^ *(error|cause): "
    if r["outcome"] == "fails":
        if rc == 0:
            die("uv installed it, but the manifest says it fails")
        # uv's resolver error: its cause, wrapped over indented lines, names the requirement
        # no version satisfies and ends on "unsatisfiable".
        lines = text.splitlines()
        head = [i for i, l in enumerate(lines) if l.startswith("error: No solution found when resolving dependencies")]
        block = ""
        if head:
            tail = []
            for l in lines[head[-1] + 1:]:
                if not l.startswith(" "):
                    break
                tail.append(l.strip())
            block = re.sub(r"\s+", " ", " ".join(tail))
        if not (re.search(r"requirements are unsatisfiable", block)
                and re.search(r"was not found in the package registry|only \S+ (is|are) available"
                              r"|there (is|are) no versions? of", block)):
            die("uv failed, but not for want of a version: " + last_lines(text, errors))
        print("uv refused it, as the manifest says: error: No solution found when resolving dependencies, " + block)
        return
    if rc != 0:
        die("uv exited %d: %s" % (rc, last_lines(text, errors, 3)))
    base = (doc.get("base_url") or "") + "pypi/"
    rows = [a for a in doc["artifacts"] if a["format"] == "pypi"]
    got = {norm(p["name"]): p["version"] for p in load(uvlist)}
    problems = []
    # The venv's own record (uv venv brings no pip): every dist, and who installed it.
    meta = {}
    for d in load(dists):
        meta[norm(d["name"])] = d["version"]
        if d.get("installer") != "uv":
            problems.append("%s %s in the venv was installed by %r, not uv" % (d["name"], d["version"], d.get("installer")))
    if meta != got:
        problems.append("the venv's metadata says %s, uv pip list %s" % (fmt(meta), fmt(got)))
    # The archives uv fetched, from its --verbose log: one file of the manifest for each dist.
    fetched = re.findall(r"^DEBUG Sending (?:fresh|cached|revalidation) GET request for: (\S+\.(?:whl|tar\.gz|zip))$",
                         text, re.M)
    by_name = {}
    for url in sorted(set(fetched)):
        fname = url.rsplit("/", 1)[-1]
        hits = [a for a in rows if os.path.basename(a["path"]) == fname]
        if not url.startswith(base):
            problems.append("uv fetched %s, not from the served tree %s" % (url, base))
        if len(hits) != 1:
            problems.append("uv fetched %s, no file of the manifest" % fname)
            continue
        by_name.setdefault(norm(hits[0]["name"]), []).append(hits[0])
    for n, v in got.items():
        files = by_name.pop(n, [])
        if len(files) != 1 or files[0]["version"] != v:
            problems.append("uv installed %s %s but fetched %s" % (n, v, " ".join(os.path.basename(a["path"]) for a in files) or "no archive of it"))
    for n, files in by_name.items():
        problems.append("uv fetched %s, which it did not install" % " ".join(os.path.basename(a["path"]) for a in files))
    want = {norm(k): v for k, v in (r.get("resolves") or {}).items()}
    if got != want:
        problems.append("uv installed %s; the manifest says %s" % (fmt(got), fmt(want)))
    seen = []
    for note in r.get("notes") or []:
        m = re.fullmatch(r"(\S+) (\S+) is yanked \(PEP 592\): (.+)", note)
        if not m:
            problems.append("a note this test cannot check: %r" % note)
            continue
        name, ver, reason = m.groups()
        pat = r"^warning: `%s==%s` is yanked \(reason: \"%s\"\)[ \t]*$" % (name_re(name), re.escape(ver), re.escape(reason))
        if re.search(pat, text, re.M | re.I):
            seen.append("uv warned: %s %s is yanked (reason: \"%s\")" % (name, ver, reason))
        else:
            problems.append("uv printed no yanked warning for %s %s with reason '%s' (uv said: %s)"
                            % (name, ver, reason, last_lines(text, r"yanked")))
    if not seen and re.search(r"^warning: .* is yanked", text, re.M):
        problems.append("uv warned of a yanked version the manifest does not note: "
                        + last_lines(text, r"^warning: .* is yanked", 1))
    if problems:
        die("; ".join(problems))
    print("uv installed %s from %s, as the manifest says%s" % (fmt(got), base, "".join("; " + s for s in seen)))

def pnpm_lock_packages(path):
    # The packages section of a pnpm-lock.yaml (lockfile v9): key -> its indented lines.
    lines = open(path, encoding="utf-8").read().splitlines()
    if "packages:" not in lines:
        return {}
    out, cur = {}, None
    for line in lines[lines.index("packages:") + 1:]:
        if line and not line.startswith(" "):
            break
        m = re.match(r"^  (['\"]?)(.+)\1:\s*(\{\})?\s*$", line)
        if m:
            cur = out.setdefault(m.group(2), [])
        elif cur is not None and line.startswith("    "):
            cur.append(line.strip())
    return {k: "\n".join(v) for k, v in out.items()}

def cmd_check_pnpm(manifest, set_, idx, proj, log, rc):
    doc = load(manifest)
    r = resolution(doc, set_, "npm", idx)
    text = open(log, encoding="utf-8", errors="replace").read()
    rc = int(rc)
    # pnpm sets its error badge off with thin spaces (U+2009): \W+ after a code.
    errors = r"ERR_PNPM_[A-Z_0-9]+"
    if r["outcome"] == "fails":
        if rc == 0:
            die("pnpm installed it, but the manifest says it fails")
        # A 404 names the dependency no package of the registry has (a virtual name).
        pat = (r"ERR_PNPM_FETCH_404\W+GET \S+: Not Found - 404"
               r"|ERR_PNPM_NO_MATCHING_VERSION\W+No matching version found for \S+")
        if not re.search(pat, text):
            die("pnpm failed, but not for want of a version: " + last_lines(text, errors))
        print("pnpm refused it, as the manifest says: " + re.sub(r"\s+", " ", re.search(pat, text).group(0)))
        return
    if rc != 0:
        die("pnpm exited %d: %s" % (rc, last_lines(text, errors + r"|^\S*Error: ")))
    base = (doc.get("base_url") or "") + "npm/"
    rows = [a for a in doc["artifacts"] if a["format"] == "npm" and a.get("listed", True)]
    problems = []
    lockfile = os.path.join(proj, "pnpm-lock.yaml")
    if not os.path.isfile(lockfile):
        die("pnpm wrote no pnpm-lock.yaml")
    pkgs = pnpm_lock_packages(lockfile)
    try:
        modules = json.load(open(os.path.join(proj, "node_modules", ".modules.yaml"), encoding="utf-8"))
        registry = modules["registries"]["default"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        die("cannot read node_modules/.modules.yaml's default registry: %s" % e)
    if registry != base:
        problems.append("pnpm installed from %s, not from the served tree %s" % (registry, base))
    got, deprecated = {}, {}
    for key, body in sorted(pkgs.items()):
        name, _, v = key.rpartition("@")
        if name in got:
            problems.append("pnpm installed %s twice (%s and %s)" % (name, got[name], v))
        got[name] = v
        m = re.search(r"\bintegrity:\s*['\"]?(sha\d+-[A-Za-z0-9+/]+=*)", body)
        hit = [a for a in rows if a["name"] == name and a["version"] == v]
        if len(hit) != 1:
            problems.append("%s@%s is no row of the manifest" % (name, v))
        else:
            want_i = "sha512-" + base64.b64encode(bytes.fromhex(hit[0]["sha512"])).decode()
            if not m or m.group(1) != want_i:
                problems.append("%s@%s has integrity %s in pnpm-lock.yaml, the manifest's sha512 is %s"
                                % (name, v, m.group(1) if m else "none", want_i))
        t = re.search(r"\btarball:\s*['\"]?([^,'\"}\s]+)", body)
        if t and not t.group(1).startswith(base):
            problems.append("%s@%s came from %s, not from the served tree %s" % (name, v, t.group(1), base))
        d = re.search(r"^deprecated:\s*(.+)$", body, re.M)
        if d:
            deprecated[name + "@" + v] = d.group(1).strip().strip("'\"")
        pj = os.path.join(proj, "node_modules", ".pnpm", name.replace("/", "+") + "@" + v, "node_modules", name, "package.json")
        try:
            with open(pj, encoding="utf-8") as f:
                pv = json.load(f).get("version")
        except (OSError, ValueError, AttributeError):
            pv = None
        if pv != v:
            problems.append("node_modules/.pnpm has no %s@%s (its package.json says %s)" % (name, v, pv))
    store = sorted(d for d in os.listdir(os.path.join(proj, "node_modules", ".pnpm")) if "@" in d[1:])
    locked = sorted(k.replace("/", "+") for k in pkgs)
    if store != locked:
        problems.append("node_modules/.pnpm holds %s, pnpm-lock.yaml %s" % (" ".join(store), " ".join(locked)))
    want = dict(r.get("resolves") or {})
    if got != want:
        problems.append("pnpm installed %s; the manifest says %s" % (fmt(got), fmt(want)))
    seen = []
    for note in r.get("notes") or []:
        m = re.fullmatch(r"(\S+) (\S+) is deprecated: (.+)", note)
        if not m:
            problems.append("a note this test cannot check: %r" % note)
            continue
        name, ver, reason = m.groups()
        pat = r"^\W*WARN\W+deprecated %s@%s: %s[ \t]*$" % (re.escape(name), re.escape(ver), re.escape(reason))
        if not re.search(pat, text, re.M):
            problems.append("pnpm printed no deprecation warning for %s@%s with reason '%s' (pnpm said: %s)"
                            % (name, ver, reason, last_lines(text, r"deprecated")))
        elif deprecated.pop(name + "@" + ver, None) != reason:
            problems.append("pnpm-lock.yaml does not record %s@%s as deprecated: '%s'" % (name, ver, reason))
        else:
            seen.append("pnpm warned: %s@%s deprecated, '%s' (and its lockfile says so)" % (name, ver, reason))
    if deprecated:
        problems.append("pnpm-lock.yaml marks deprecated what the manifest does not note: %s" % fmt(deprecated))
    if not seen and re.search(r"WARN\W+(\d+ )?deprecated", text):
        problems.append("pnpm warned of a deprecation the manifest does not note: " + last_lines(text, r"deprecated", 1))
    if problems:
        die("; ".join(problems))
    print("pnpm installed %s from %s, as the manifest says%s" % (fmt(got), base, "".join("; " + s for s in seen)))

def cmd_expect_resolver(manifest, size):
    # What the shipped resolver-basic set means, written out: the manifest must say it.
    doc = load(manifest)
    app, lib = "ag-app-" + size, "ag-lib-" + size
    try:
        yanked = doc["sets"]["resolver-basic"]["packages"]["ag-lib"]["versions"]["1.2.0"]["yanked"]
    except (KeyError, TypeError):
        die("sets.resolver-basic.packages has no ag-lib 1.2.0")
    if not isinstance(yanked, str) or not yanked:
        die("sets.resolver-basic.packages: ag-lib 1.2.0 is not yanked with a reason (%r)" % (yanked,))
    want = {
        "npm": {
            app: ("resolves", {app: "1.0.0", lib: "1.1.0"}, []),
            lib: ("resolves", {lib: "1.1.0"}, []),
            lib + "@1.2.0": ("resolves", {lib: "1.2.0"}, ["%s 1.2.0 is deprecated: %s" % (lib, yanked)]),
            lib + "@latest": ("resolves", {lib: "1.1.0"}, []),
            lib + "@next": ("resolves", {lib: "2.0.0-rc.1"}, []),
        },
        "pypi": {
            app: ("resolves", {app: "1.0.0", lib: "1.1.0"}, []),
            lib: ("resolves", {lib: "1.1.0"}, []),
            lib + "==1.2.0": ("resolves", {lib: "1.2.0"}, ["%s 1.2.0 is yanked (PEP 592): %s" % (lib, yanked)]),
            lib + "@latest": ("not expressible", None, None),
            lib + "@next": ("not expressible", None, None),
        },
    }
    problems = []
    for f, reqs in want.items():
        res = {r.get("request"): r for r in set_format(doc, "resolver-basic", f).get("resolutions") or []}
        for req, (outcome, resolves, notes) in reqs.items():
            r = res.get(req)
            if r is None:
                problems.append("%s: no resolution for %s" % (f, req))
                continue
            if r.get("outcome") != outcome:
                problems.append("%s %s: outcome %r, not %r" % (f, req, r.get("outcome"), outcome))
            if resolves is not None and r.get("resolves") != resolves:
                problems.append("%s %s: resolves %s, the set means %s" % (f, req, fmt(r.get("resolves") or {}), fmt(resolves)))
            if notes is not None and (r.get("notes") or []) != notes:
                problems.append("%s %s: notes %s, the set means %s" % (f, req, r.get("notes"), notes))
    if problems:
        die("; ".join(problems))
    print("the manifest's %d resolutions are the shipped set's: ag-lib %s for ag-app and ag-lib, "
          "1.2.0 yanked ('%s'), @next 2.0.0-rc.1, no dist-tags in pypi"
          % (sum(len(v) for v in want.values()), "1.1.0", yanked))

def cmd_rows(manifest, set_):
    for a in load(manifest)["artifacts"]:
        if set_ != "-" and a.get("set") != set_:
            continue
        fields = [a["format"], a["name"], a["version"], a["path"], a.get("sha256") or "",
                  a.get("sha512") or "", a.get("expect") or "accept",
                  "listed" if a.get("listed", True) else "unlisted",
                  a.get("signer") or "project", a.get("signature") or "-", a.get("kind") or ""]
        fields = [x if x else "-" for x in fields]
        if any(re.search(r"[\t\n]", x) for x in fields):
            die("a field of %s holds a tab or newline" % a["path"])
        print("\t".join(fields))

def cmd_field(manifest, key):
    v = load(manifest).get(key)
    if not isinstance(v, str) or not v:
        die("the manifest has no %s" % key)
    print(v)

def cmd_pipconf(conf):
    c = configparser.ConfigParser()
    try:
        c.read_file(open(conf, encoding="utf-8"))
    except (OSError, configparser.Error) as e:
        die("cannot read %s: %s" % (conf, e))
    g = c["global"] if c.has_section("global") else {}
    print("%s\t%s\t%s" % (g.get("index-url") or "-", g.get("cert") or "-",
                          " ".join("%s.%s" % (s, k) for s in c.sections() for k in c[s]) or "-"))

def cmd_npmrc(npmrc, ca_out):
    keys, reg, ca = [], "", None
    for line in open(npmrc, encoding="utf-8"):
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        k, v = (s.strip() for s in line.split("=", 1))
        keys.append(k)
        if v.startswith('"'):
            v = json.loads(v)
        if k == "registry":
            reg = v
        if k == "ca":
            ca = v
    if ca is not None:
        with open(ca_out, "w", encoding="utf-8") as f:
            f.write(ca.strip() + "\n")
    print("%s\t%s" % (reg or "-", " ".join(keys) or "-"))

class Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cur = [], None
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.cur = [dict(attrs), ""]
    def handle_data(self, data):
        if self.cur is not None:
            self.cur[1] += data
    def handle_endtag(self, tag):
        if tag == "a" and self.cur is not None:
            self.rows.append(self.cur)
            self.cur = None

def cmd_anchors(page):
    p = Anchors()
    p.feed(open(page, encoding="utf-8").read())
    for attrs, text in p.rows:
        print("%s\t%s" % (text.strip(), attrs.get("data-gpg-sig", "-")))

def cmd_json_gpg(page):
    doc = load(page)
    for f in doc.get("files", []):
        print("%s\t%s" % (f.get("filename"), f.get("gpg-sig", "-")))

def cmd_keyids(keys):
    for k in load(keys).get("keys", []):
        print(k.get("keyid"))

def cmd_results(tsv, out_json, out_xml, seconds, report_dir):
    rows = []
    for line in open(tsv, encoding="utf-8"):
        name, status, secs, detail = (line.rstrip("\n").split("\t", 3) + [""] * 4)[:4]
        rows.append({"name": name, "status": status, "seconds": float(secs or 0), "detail": detail})
    with open(out_json + ".tmp", "w", encoding="utf-8") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    os.replace(out_json + ".tmp", out_json)
    sys.path.insert(0, report_dir)
    import report  # scripts/ci/report.py: the tiers' JUnit writer
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "fail", "skip")}
    junit_rows = [{"name": r["name"], "status": r["status"], "duration": r["seconds"],
                   "message": r["detail"], "optional": None} for r in rows]
    with open(out_xml + ".tmp", "w", encoding="utf-8") as f:
        f.write(report.junit("e2e-sets", junit_rows, float(seconds), counts))
    os.replace(out_xml + ".tmp", out_xml)

# ---- breakage knobs: each changes a generated tree so that named checks must turn red ----
def edit_text(path, fn):
    with open(path, encoding="utf-8") as f:
        old = f.read()
    new = fn(old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return old != new

def packuments(tree):
    for name in sorted(os.listdir(os.path.join(tree, "npm"))):
        for leaf in ("index.json", "install-v1.json"):
            p = os.path.join(tree, "npm", name, leaf)
            if os.path.isfile(p):
                yield name, p

def break_resolution(tree, size):
    doc = load(os.path.join(tree, "manifest.json"))
    n = 0
    for f in doc["sets"]["resolver-basic"]["formats"].values():
        for r in f["resolutions"]:
            for k, v in (r.get("resolves") or {}).items():
                if v == "1.1.0":
                    r["resolves"][k] = "1.0.0"
                    n += 1
    save(os.path.join(tree, "manifest.json"), doc)
    print("manifest: %d resolutions of 1.1.0 now say 1.0.0" % n)

def break_unyank(tree, size):
    n = 0
    simple = os.path.join(tree, "pypi", "simple")
    for proj in sorted(os.listdir(simple)):
        d = os.path.join(simple, proj)
        if not os.path.isdir(d):
            continue
        for leaf in ("index.html", "index.v1_html"):
            if edit_text(os.path.join(d, leaf), lambda s: re.sub(r' data-yanked="[^"]*"', "", s)):
                n += 1
        p = os.path.join(d, "index.v1_json")
        doc = load(p)
        for f in doc.get("files", []):
            if f.pop("yanked", None) is not None:
                n += 1
        save(p, doc)
    for name, p in packuments(tree):
        doc = load(p)
        for v in doc.get("versions", {}).values():
            if v.pop("deprecated", None) is not None:
                n += 1
        save(p, doc)
    print("removed %d yanked/deprecated markers from the served metadata" % n)

def break_untag(tree, size):
    n = 0
    for name, p in packuments(tree):
        doc = load(p)
        if doc.get("dist-tags", {}).pop("next", None) is not None:
            n += 1
        save(p, doc)
        tags = os.path.join(tree, "npm", "-", "package", name, "dist-tags")
        if os.path.isfile(tags):
            t = load(tags)
            t.pop("next", None)
            save(tags, t)
    print("removed the next dist-tag from %d packuments" % n)

def break_pipconf(tree, size):
    p = os.path.join(tree, "clients", "pip.conf")
    edit_text(p, lambda s: "".join(l for l in s.splitlines(True) if not l.startswith("cert")))
    print("removed the cert line of clients/pip.conf")

def break_signers(tree, size):
    pk = os.path.join(tree, "pypi", "packages")
    for f in sorted(os.listdir(pk)):
        if f.startswith("ag_signed_") and f.endswith(".asc"):
            os.remove(os.path.join(pk, f))
        if f.startswith("ag_other_bytes_") and f.endswith(".asc"):
            shutil.copyfile(os.path.join(pk, f), os.path.join(pk, f.replace("ag_other_bytes_", "ag_wrong_signer_")))
    simple = os.path.join(tree, "pypi", "simple", "ag-unsigned-" + size)
    for leaf in ("index.html", "index.v1_html"):
        edit_text(os.path.join(simple, leaf), lambda s: s.replace("<a href=", '<a data-gpg-sig="true" href='))
    keyid = load(os.path.join(tree, "npm", "-", "npm", "v1", "keys"))["keys"][0]["keyid"]
    for name, p in packuments(tree):
        doc = load(p)
        for v in doc.get("versions", {}).values():
            if name.startswith("ag-signed-"):
                v["dist"].pop("signatures", None)
            if name.startswith("ag-wrong-signer-"):
                for s in v["dist"].get("signatures", []):
                    s["keyid"] = keyid
        save(p, doc)
    print("ag-signed lost its .asc and registry signatures; ag-wrong-signer has ag-other-bytes' .asc "
          "and the project keyid; ag-unsigned's page claims data-gpg-sig")

def break_republish(tree, size):
    doc = load(os.path.join(tree, "manifest.json"))
    for a in doc["artifacts"]:
        if a.get("listed", True):
            continue
        p = os.path.join(tree, a["path"])
        if a["format"] == "pypi" and a["path"].endswith(".whl"):
            new = a["path"].replace("-1.0.0-py3", "-1.0.0-1-py3")
            os.rename(p, os.path.join(tree, new))
            if os.path.exists(p + ".asc"):
                os.rename(p + ".asc", os.path.join(tree, new) + ".asc")
            a["path"] = new
        elif a["format"] == "pypi":
            first = [b for b in doc["artifacts"] if b.get("listed", True) and b["format"] == "pypi"
                     and os.path.basename(b["path"]) == os.path.basename(a["path"])][0]
            shutil.copyfile(os.path.join(tree, first["path"]), p)
            a["sha256"] = first["sha256"]
        elif a["format"] == "npm":
            out = io.BytesIO()
            with tarfile.open(p, "r:gz") as src, tarfile.open(fileobj=out, mode="w") as dst:
                for m in src.getmembers():
                    data = src.extractfile(m).read() if m.isfile() else None
                    if m.name == "package/package.json":
                        pj = json.loads(data)
                        pj["version"] = "1.0.1"
                        data = (json.dumps(pj, indent=2) + "\n").encode()
                        m.size = len(data)
                    dst.addfile(m, io.BytesIO(data) if data is not None else None)
            with open(p, "wb") as f:
                f.write(gzip.compress(out.getvalue(), mtime=0))
            a["sha256"] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    save(os.path.join(tree, "manifest.json"), doc)
    print("the second copies: another wheel file name, npm version 1.0.1, the first sdist's bytes")

def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    table = {
        "resolutions": cmd_resolutions, "check-pip": cmd_check_pip, "check-npm": cmd_check_npm,
        "check-uv": cmd_check_uv, "check-pnpm": cmd_check_pnpm,
        "expect-resolver": cmd_expect_resolver, "rows": cmd_rows, "field": cmd_field,
        "pipconf": cmd_pipconf, "npmrc": cmd_npmrc, "anchors": cmd_anchors, "json-gpg": cmd_json_gpg,
        "keyids": cmd_keyids, "results": cmd_results,
        "break-resolution": break_resolution, "break-unyank": break_unyank,
        "break-untag": break_untag, "break-pipconf": break_pipconf,
        "break-signers": break_signers, "break-republish": break_republish,
    }
    table[cmd](*args)

main()
PYEOF
py() { "$PYTHON" -c "$PY" "$@"; }

# ---- cases ----
now() { LC_ALL=C date +%s.%N; }
T0=$(now)
oneline() {
  local s=${1//$'\t'/ }
  s=${s//$'\r'/ }
  s=$(printf '%s' "${s//$'\n'/ }" | tr -s ' ')
  [ ${#s} -le 400 ] || s="${s:0:397}..."
  printf '%s' "$s"
}
# Inside a case: say sets its detail; bad fails it; skip_case skips it; need_tool skips it,
# or fails it under CI (scripts/ci/helpers.sh ci_strict).
say() { printf '%s\n' "$*" >"$DETAIL_FILE"; printf '=> %s\n' "$*"; }
bad() { say "$*"; exit 1; }
skip_case() { say "$*"; exit 3; }
need_tool() { if ci_strict; then bad "$* (a missing tool fails under CI)"; fi; skip_case "$*"; }

CASE_STATUS=""
# run NAME FUNCTION [ARGS...]: the function runs in a subshell with errexit, in its own
# scratch directory $CASE_DIR, its output in logs/NAME.log; exit 0 pass, 3 skip, else fail.
run() {
  local name=$1 log start secs rc detail status
  shift
  name=${name//[^A-Za-z0-9._=@+-]/_}
  log=$LOGS/$name.log
  CASE_DIR=$CASES/$name DETAIL_FILE=$LOGS/$name.detail
  rm -rf "$CASE_DIR" "$DETAIL_FILE"
  mkdir -p "$CASE_DIR"
  start=$(now)
  set +e
  ( set -e; "$@" ) </dev/null >"$log" 2>&1
  rc=$?
  set -e
  secs=$(LC_ALL=C awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  detail=""
  [ -s "$DETAIL_FILE" ] && detail=$(cat "$DETAIL_FILE")
  [ -n "$detail" ] || detail=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)
  detail=$(oneline "$detail")
  case "$rc" in 0) status=pass ;; 3) status=skip ;; *) status=fail ;; esac
  # A failed case keeps its scratch directory (venv, project, downloads) for a look.
  [ "$status" = fail ] || rm -rf "$CASE_DIR"
  case "$status" in
    pass) printf 'pass  %s (%ss) %s\n' "$name" "$secs" "$detail" ;;
    skip) printf 'SKIP  %s (%ss) %s\n' "$name" "$secs" "$detail" ;;
    fail) printf 'FAIL  %s (%ss) %s\n' "$name" "$secs" "$detail"
          [ "$rc" -eq 1 ] || printf '      (exit %s)\n' "$rc"
          echo "      last lines of $log:"
          tail -n 12 "$log" | sed 's/^/      | /' ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$secs" "$detail" >>"$RESULTS"
  CASE_STATUS=$status
}
# record NAME STATUS DETAIL: a line for something that was not run as a case.
record() {
  printf '%s  %s (0.00s) %s\n' "$([ "$2" = skip ] && echo SKIP || echo FAIL)" "$1" "$3"
  printf '%s\t%s\t0\t%s\n' "$1" "$2" "$(oneline "$3")" >>"$RESULTS"
}
broken() { [[ "$BREAKS" == *",$1,"* ]]; }

# ---- setup ----
c_tools() {
  local rc=0
  # pip's and npm's tools only: the sets run in npm and pypi.
  scripts/clients/setup.sh pypi || rc=$?
  scripts/clients/setup.sh npm || rc=$((rc > 0 ? rc : $?))
  [ "$rc" -ne 3 ] || need_tool "scripts/clients/setup.sh could not install every tool: $(cat "$TOOLS_DIR"/*.skip 2>/dev/null | tr '\n' ' ')"
  [ "$rc" -eq 0 ] || bad "scripts/clients/setup.sh failed (exit $rc)"
  say "npm $(npm --version) on node $(node --version) for install and publish; npm $(node "$AUDIT_NPM" --version) for audit signatures; $("$TWINE" --version | head -n1 | cut -d' ' -f1-3); pypiserver $("$TOOLS_DIR/pyenv/bin/pypi-server" --version); verdaccio $(node "$TOOLS_DIR/verdaccio/node_modules/verdaccio/bin/verdaccio" --version); $(gpgv --version | head -n1)"
}

c_second_tools() {
  local rc=0
  scripts/clients/setup.sh uv || rc=$?
  scripts/clients/setup.sh pnpm || rc=$((rc > 0 ? rc : $?))
  [ "$rc" -ne 3 ] || need_tool "scripts/clients/setup.sh could not install uv or pnpm: $(cat "$TOOLS_DIR"/uv.skip "$TOOLS_DIR"/pnpm.skip 2>/dev/null | tr '\n' ' ')"
  [ "$rc" -eq 0 ] || bad "scripts/clients/setup.sh uv pnpm failed (exit $rc)"
  say "$("$UV" --version | cut -d' ' -f1-2) and pnpm $("$PNPM" --version), the second clients of the resolutions"
}

c_pki() {
  "$BIN" pki init --dir "$PKI"
  openssl verify -CAfile "$CA" "$PKI/server.crt" || bad "the PKI's CA does not vouch for its server certificate"
  say "test CA $(openssl x509 -in "$CA" -noout -subject | sed 's/^subject=//')"
}

c_venv() {
  "$PYTHON" -m venv "$VENV_TEMPLATE" || need_tool "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
  say "pip $("$VENV_TEMPLATE/bin/python" -m pip --version | cut -d' ' -f2) ($("$VENV_TEMPLATE/bin/python" --version)) in a template venv; each pip case gets a fresh copy"
}

# fresh_venv DIR: a new venv with the template's pip (a copy: the same as `python -m venv`).
fresh_venv() { cp -a "$VENV_TEMPLATE" "$1"; }

# ---- generation and serving ----
c_generate_set() { # set size
  local set=$1 size=$2 tree=$SETS/$1/$2 knob breaks="" msg
  rm -rf "$tree"
  "$BIN" generate --format npm,pypi --set "$set" --size "$size" --out "$SETS/$set" --pki "$PKI" \
    --base-url "$BASE_URL" --quiet
  [ -f "$tree/manifest.json" ] || bad "no $tree/manifest.json"
  for knob in resolution unyank untag pipconf signers republish; do
    case "$set:$knob" in resolver-basic:resolution|resolver-basic:unyank|resolver-basic:untag|resolver-basic:pipconf|signers:signers|republish:republish) ;; *) continue ;; esac
    broken "$knob" || continue
    msg=$(py "break-$knob" "$tree" "$size")
    echo "BREAK $knob: $msg"
    breaks+="; BREAK $knob: $msg"
  done
  say "$(py rows "$tree/manifest.json" "$set" | wc -l) rows of set $set in $tree$breaks"
}

c_serve() { # tree
  scripts/serve.sh stop --port "$SERVE_PORT" --state "$STATE/serve" >/dev/null 2>&1 || true
  scripts/serve.sh start --root "$1" --port "$SERVE_PORT" --pki "$PKI" --state "$STATE/serve" 2>"$CASE_DIR/start.err" \
    || bad "serve.sh did not start on 127.0.0.1:$SERVE_PORT: $(tail -n 1 "$CASE_DIR/start.err")"
  cat "$CASE_DIR/start.err"
  curl -sS -o /dev/null --cacert "$CA" "$BASE_URL.serve-ping" || bad "the server does not answer through the test CA"
  say "serving $1 at $BASE_URL"
}

# ---- resolver-basic ----
c_expect_resolver() { # tree size
  local out
  out=$(py expect-resolver "$1/manifest.json" "$2") || bad "$out"
  say "$out"
}

c_pip_conf() { # tree
  local tree=$1 conf=$1/clients/pip.conf index cert keys base listed
  [ -f "$conf" ] || bad "the tree has no clients/pip.conf"
  IFS=$'\t' read -r index cert keys < <(py pipconf "$conf") || bad "cannot read $conf"
  base=$(py field "$tree/manifest.json" base_url)
  [ "$index" = "${base}pypi/simple/" ] || bad "pip.conf's index-url is '$index', not ${base}pypi/simple/"
  [ "$cert" != - ] || bad "pip.conf has no cert line (keys: $keys), so pip cannot trust the test CA over HTTPS"
  [ "$cert" = "$tree/keys/ca.crt" ] || bad "pip.conf's cert is '$cert', not $tree/keys/ca.crt"
  cmp -s "$cert" "$CA" || bad "$cert is not the test CA"
  # What pip reads with it: exactly the tree's two settings, nothing from another file.
  listed=$(PIP_CONFIG_FILE=$conf "$VENV_TEMPLATE/bin/python" -m pip config list | { grep -v '^:env:' || true; } | sort | tr '\n' ' ')
  [ "$listed" = "global.cert='$cert' global.index-url='$index' " ] || bad "pip reads more than the tree's config: $listed"
  say "pip.conf: index-url = $index, cert = $cert (the test CA); pip reads nothing else"
}

c_pip_no_conf() { # tree size
  local tree=$1 index rc=0
  IFS=$'\t' read -r index _ < <(py pipconf "$tree/clients/pip.conf")
  fresh_venv "$CASE_DIR/venv"
  PIP_CONFIG_FILE=/dev/null "$CASE_DIR/venv/bin/python" -m pip install --no-cache-dir --retries 0 \
    --index-url "$index" "ag-app-$2" >"$CASE_DIR/pip.log" 2>&1 || rc=$?
  cat "$CASE_DIR/pip.log"
  [ "$rc" -ne 0 ] || bad "pip installed from $index without the tree's pip.conf: it trusts a CA it was not given"
  grep -q 'CERTIFICATE_VERIFY_FAILED' "$CASE_DIR/pip.log" \
    || bad "pip failed without the config, but not on the certificate: $(grep -m1 '^ERROR' "$CASE_DIR/pip.log")"
  say "without clients/pip.conf pip refuses the server: $(grep -m1 -o '\[SSL: CERTIFICATE_VERIFY_FAILED\][^(]*' "$CASE_DIR/pip.log")"
}

c_pip_resolution() { # tree set idx request
  local tree=$1 set=$2 idx=$3 req=$4 venv=$CASE_DIR/venv rc=0 out
  fresh_venv "$venv"
  PIP_CONFIG_FILE=$tree/clients/pip.conf "$venv/bin/python" -m pip install --no-cache-dir \
    --report "$CASE_DIR/report.json" "$req" >"$CASE_DIR/pip.log" 2>&1 || rc=$?
  cat "$CASE_DIR/pip.log"
  PIP_CONFIG_FILE=$tree/clients/pip.conf "$venv/bin/python" -m pip list --format json >"$CASE_DIR/list.json"
  out=$(py check-pip "$tree/manifest.json" "$set" "$idx" "$CASE_DIR/report.json" "$CASE_DIR/list.json" \
        "$CASE_DIR/pip.log" "$rc") || bad "pip install '$req': $out"
  say "pip install '$req': $out"
}

c_npmrc() { # tree
  local tree=$1 rc_file=$1/clients/.npmrc reg keys base
  [ -f "$rc_file" ] || bad "the tree has no clients/.npmrc"
  IFS=$'\t' read -r reg keys < <(py npmrc "$rc_file" "$CASE_DIR/ca.pem") || bad "cannot read $rc_file"
  base=$(py field "$tree/manifest.json" base_url)
  [ "$reg" = "${base}npm/" ] || bad ".npmrc's registry is '$reg', not ${base}npm/"
  [ -f "$CASE_DIR/ca.pem" ] || bad ".npmrc carries no ca= (keys: $keys), so npm cannot trust the test CA"
  [ "$(openssl x509 -in "$CASE_DIR/ca.pem" -noout -fingerprint -sha256)" = "$(openssl x509 -in "$CA" -noout -fingerprint -sha256)" ] \
    || bad ".npmrc's ca= is not the test CA"
  say ".npmrc: registry=$reg, ca= inline is the test CA (keys: $keys)"
}

c_npm_no_ca() { # tree size
  local tree=$1 reg rc=0 pattern
  IFS=$'\t' read -r reg _ < <(py npmrc "$tree/clients/.npmrc" "$CASE_DIR/unused.pem")
  printf 'registry=%s\nfetch-retries=0\naudit=false\nfund=false\n' "$reg" >"$CASE_DIR/npmrc"
  mkdir -p "$CASE_DIR/proj"
  printf '{"name":"e2e-sets-scratch","version":"0.0.0","private":true}\n' >"$CASE_DIR/proj/package.json"
  (cd "$CASE_DIR/proj" && npm install "ag-lib-$2" --userconfig "$CASE_DIR/npmrc" --globalconfig "$EMPTY_RC" \
     --cache "$CASE_DIR/cache" --no-audit --no-fund --loglevel=warn) >"$CASE_DIR/npm.log" 2>&1 || rc=$?
  cat "$CASE_DIR/npm.log"
  [ "$rc" -ne 0 ] || bad "npm installed from $reg without the CA of the tree's .npmrc"
  pattern='^npm (error|ERR!) code (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_[A-Z_]+)$'
  grep -qE "$pattern" "$CASE_DIR/npm.log" \
    || bad "npm failed without the CA, but not on the certificate: $(grep -m1 -E '^npm (error|ERR!)' "$CASE_DIR/npm.log")"
  say "without .npmrc's ca= npm refuses the server: $(grep -m1 -E "$pattern" "$CASE_DIR/npm.log")"
}

# npm_project DIR: an empty private project.
npm_project() {
  mkdir -p "$1"
  printf '{"name":"e2e-sets-scratch","version":"0.0.0","private":true}\n' >"$1/package.json"
}

c_npm_resolution() { # tree set idx request
  local tree=$1 set=$2 idx=$3 req=$4 proj=$CASE_DIR/proj rc=0 out
  npm_project "$proj"
  (cd "$proj" && npm install "$req" --userconfig "$tree/clients/.npmrc" --globalconfig "$EMPTY_RC" \
     --cache "$CASE_DIR/cache" --no-audit --no-fund --loglevel=warn) >"$CASE_DIR/npm.log" 2>&1 || rc=$?
  cat "$CASE_DIR/npm.log"
  out=$(py check-npm "$tree/manifest.json" "$set" "$idx" "$proj" "$CASE_DIR/npm.log" "$rc") \
    || bad "npm install '$req': $out"
  say "npm $(npm --version) install '$req': $out"
}

# c_uv_resolution TREE SET IDX REQUEST: `uv pip install REQUEST` into a fresh venv made by
# uv, with the index and CA of the tree's pip.conf (uv reads no pip.conf) and its own cache.
c_uv_resolution() {
  local tree=$1 set=$2 idx=$3 req=$4 venv=$CASE_DIR/venv rc=0 out index cert
  [ -x "$UV" ] || need_tool "uv is not installed: $(cat "$TOOLS_DIR/uv.skip" 2>/dev/null || echo 'scripts/clients/setup.sh uv')"
  IFS=$'\t' read -r index cert _ < <(py pipconf "$tree/clients/pip.conf") || bad "cannot read $tree/clients/pip.conf"
  [ "$cert" != - ] || bad "$tree/clients/pip.conf names no cert for uv's --cert"
  export UV_CACHE_DIR=$CASE_DIR/uv-cache
  "$UV" venv --no-config --python "$(command -v "$PYTHON")" "$venv" >"$CASE_DIR/venv.log" 2>&1 \
    || bad "uv venv failed: $(grep -m1 '^error' "$CASE_DIR/venv.log")"
  "$UV" pip install --no-config --verbose --python "$venv/bin/python" --default-index "$index" --cert "$cert" \
    "$req" >"$CASE_DIR/uv.log" 2>&1 || rc=$?
  cat "$CASE_DIR/uv.log"
  "$UV" pip list --no-config --python "$venv/bin/python" --format json >"$CASE_DIR/list.json" 2>"$CASE_DIR/list.err" \
    || bad "uv pip list failed: $(cat "$CASE_DIR/list.err")"
  "$venv/bin/python" -c 'import importlib.metadata as m, json, sys
json.dump([{"name": d.metadata["Name"], "version": d.version, "installer": (d.read_text("INSTALLER") or "").strip()}
           for d in m.distributions()], sys.stdout)' >"$CASE_DIR/dists.json"
  out=$(py check-uv "$tree/manifest.json" "$set" "$idx" "$CASE_DIR/list.json" "$CASE_DIR/dists.json" \
        "$CASE_DIR/uv.log" "$rc") || bad "uv pip install '$req': $out"
  say "$("$UV" --version | cut -d' ' -f1-2) pip install '$req': $out"
}

# c_pnpm_resolution TREE SET IDX REQUEST: `pnpm add REQUEST` in a fresh project, with the
# tree's .npmrc (registry, inline CA) plus a store, cache and state of the case's own.
c_pnpm_resolution() {
  local tree=$1 set=$2 idx=$3 req=$4 proj=$CASE_DIR/proj rc=0 out
  [ -x "$PNPM" ] || need_tool "pnpm is not installed: $(cat "$TOOLS_DIR/pnpm.skip" 2>/dev/null || echo 'scripts/clients/setup.sh pnpm')"
  {
    cat "$tree/clients/.npmrc"
    printf 'store-dir=%s\ncache-dir=%s\nstate-dir=%s\n' "$CASE_DIR/store" "$CASE_DIR/cache" "$CASE_DIR/state"
    # Never fetch another pnpm for a packageManager field; short retry back-offs.
    printf 'manage-package-manager-versions=false\nfetch-retry-mintimeout=1000\nfetch-retry-maxtimeout=4000\n'
  } >"$CASE_DIR/npmrc"
  npm_project "$proj"
  (cd "$proj" && npm_config_userconfig=$CASE_DIR/npmrc npm_config_globalconfig=$EMPTY_RC \
     "$PNPM" add "$req" --reporter=append-only) >"$CASE_DIR/pnpm.log" 2>&1 || rc=$?
  cat "$CASE_DIR/pnpm.log"
  out=$(py check-pnpm "$tree/manifest.json" "$set" "$idx" "$proj" "$CASE_DIR/pnpm.log" "$rc") \
    || bad "pnpm add '$req': $out"
  say "pnpm $("$PNPM" --version) add '$req': $out"
}

c_declared() { skip_case "$*"; }

resolver_basic() { # size
  local size=$1 tree=$SETS/resolver-basic/$1
  run "generate-$size-resolver-basic" c_generate_set resolver-basic "$size"
  run "serve-$size-resolver-basic" c_serve "$tree"
  run "expect-$size-resolver-basic" c_expect_resolver "$tree" "$size"
  run "pip-conf-$size" c_pip_conf "$tree"
  run "pip-no-conf-$size" c_pip_no_conf "$tree" "$size"
  run "npmrc-$size" c_npmrc "$tree"
  run "npm-no-ca-$size" c_npm_no_ca "$tree" "$size"
  set_resolutions resolver-basic "$tree" "$size"
}

# relations: pip and npm know no Provides or Conflicts. A dependency on the virtual name
# finds no package (pip: no matching distribution; npm: E404), and the two packages that
# conflict install side by side, as the manifest's resolutions say.
relations() { # size
  local size=$1 tree=$SETS/relations/$1
  run "generate-$size-relations" c_generate_set relations "$size"
  run "serve-$size-relations" c_serve "$tree"
  set_resolutions relations "$tree" "$size"
}

# set_resolutions SET TREE SIZE: each resolution the manifest lists for pypi and npm, run
# by pip and uv (pip-S-<request>, uv-S-<request>) and by npm and pnpm (npm-S-<request>,
# pnpm-S-<request>).
set_resolutions() {
  local set=$1 tree=$2 size=$3 f lines idx outcome req reason
  for f in pypi npm; do
    if ! lines=$(py resolutions "$tree/manifest.json" "$set" "$f"); then
      record "$([ "$f" = pypi ] && echo pip || echo npm)-$size-resolutions" fail "$lines"
      continue
    fi
    while IFS=$'\t' read -r idx outcome req reason; do
      if [ "$f" = pypi ]; then
        if [ "$outcome" = "not expressible" ]; then
          run "pip-$size-$req" c_declared "not expressible in pypi, not run: $reason"
          run "uv-$size-$req" c_declared "not expressible in pypi, not run: $reason"
        else
          run "pip-$size-$req" c_pip_resolution "$tree" "$set" "$idx" "$req"
          run "uv-$size-$req" c_uv_resolution "$tree" "$set" "$idx" "$req"
        fi
      else
        if [ "$outcome" = "not expressible" ]; then
          run "npm-$size-$req" c_declared "not expressible in npm, not run: $reason"
          run "pnpm-$size-$req" c_declared "not expressible in npm, not run: $reason"
        else
          run "npm-$size-$req" c_npm_resolution "$tree" "$set" "$idx" "$req"
          run "pnpm-$size-$req" c_pnpm_resolution "$tree" "$set" "$idx" "$req"
        fi
      fi
    done <<<"$lines"
  done
}

# ---- signers ----
# The manifest's signer for each persona, as the set defines it ("project" for null).
persona_signer() {
  case "$1" in
    ag-signed) echo project ;; ag-wrong-signer) echo wrong-signer ;;
    ag-unsigned) echo unsigned ;; ag-other-bytes) echo other-bytes ;;
  esac
}
PERSONAS=(ag-signed ag-wrong-signer ag-other-bytes ag-unsigned)

# gpg_dearmor IN OUT: an armored key as a binary keyring (what gpgv reads), in a throw-away
# GNUPGHOME, as scripts/ci/tier2.sh does.
gpg_dearmor() {
  local home rc=0
  home=$(mktemp -d "$CASE_DIR/gnupg.XXXXXX")
  gpg --homedir "$home" --batch --yes --dearmor -o "$2" "$1" || rc=$?
  gpgconf --homedir "$home" --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf "$home"
  return "$rc"
}

c_gpgv() { # tree size persona
  local tree=$1 size=$2 persona=$3 name fpr kr rows n=0 path sha signer sig
  local want file status rc code anchors
  name=$persona-$size want=$(persona_signer "$persona")
  fpr=$(py field "$tree/manifest.json" signing_key)
  curl -fsS --cacert "$CA" -o "$CASE_DIR/gpg-signing.asc" "${BASE_URL}keys/gpg-signing.asc" \
    || bad "cannot download ${BASE_URL}keys/gpg-signing.asc"
  kr=$CASE_DIR/keyring.gpg
  gpg_dearmor "$CASE_DIR/gpg-signing.asc" "$kr" || bad "gpg cannot dearmor keys/gpg-signing.asc"
  rows=$(py rows "$tree/manifest.json" signers | awk -F'\t' -v n="$name" '$1 == "pypi" && $2 == n')
  [ -n "$rows" ] || bad "the manifest has no pypi rows of $name"
  while IFS=$'\t' read -r _ _ _ path sha _ _ _ signer sig _; do
    n=$((n + 1))
    [ "$signer" = "$want" ] || bad "the manifest says signer '$signer' for $path, the set means '$want'"
    file=$CASE_DIR/$(basename "$path")
    curl -fsS --cacert "$CA" -o "$file" "$BASE_URL$path" || bad "cannot download $BASE_URL$path"
    [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sha" ] || bad "$path as served is not the manifest's bytes"
    if [ "$persona" = ag-unsigned ]; then
      [ "$sig" = - ] || bad "the manifest lists a signature $sig for the unsigned $path"
      code=$(curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' "$BASE_URL$path.asc")
      [ "$code" = 404 ] || bad "$BASE_URL$path.asc answers $code, not 404"
      continue
    fi
    [ "$sig" = "$path.asc" ] || bad "the manifest's signature of $path is '$sig', not $path.asc"
    curl -fsS --cacert "$CA" -o "$file.asc" "$BASE_URL$sig" || bad "cannot download $BASE_URL$sig"
    rc=0
    status=$(gpgv --status-fd 1 --keyring "$kr" "$file.asc" "$file" 2>"$CASE_DIR/gpgv.err") || rc=$?
    printf '%s\n' "$status"; cat "$CASE_DIR/gpgv.err"
    case "$persona" in
      ag-signed)
        if ! { [ "$rc" -eq 0 ] && grep -q '^\[GNUPG:\] GOODSIG ' <<<"$status" \
               && grep -q "^\[GNUPG:\] VALIDSIG $fpr " <<<"$status"; }; then
          bad "gpgv did not verify $sig with $fpr (exit $rc): $(tr '\n' ' ' <"$CASE_DIR/gpgv.err")"
        fi ;;
      ag-wrong-signer)
        [ "$rc" -ne 0 ] || bad "gpgv accepted $sig, which a key keys/ does not publish made"
        if ! { grep -q '^\[GNUPG:\] ERRSIG ' <<<"$status" && grep -q '^\[GNUPG:\] NO_PUBKEY ' <<<"$status" \
               && grep -q 'No public key' "$CASE_DIR/gpgv.err"; }; then
          bad "gpgv refused $sig (exit $rc), but not for want of the key: $(tr '\n' ' ' <"$CASE_DIR/gpgv.err")"
        fi
        ! grep -q "^\[GNUPG:\] ERRSIG .* $fpr\$" <<<"$status" || bad "$sig is by the published key $fpr" ;;
      ag-other-bytes)
        if ! { [ "$rc" -eq 1 ] && grep -q '^\[GNUPG:\] BADSIG ' <<<"$status" && grep -q 'BAD signature' "$CASE_DIR/gpgv.err"; }; then
          bad "gpgv did not call $sig a BAD signature (exit $rc): $(tr '\n' ' ' <"$CASE_DIR/gpgv.err")"
        fi ;;
    esac
  done <<<"$rows"
  if [ "$persona" = ag-unsigned ]; then
    # The index says so too; ag-signed's page, which must mark its files, is the control.
    curl -fsS --cacert "$CA" -H 'Accept: text/html' -o "$CASE_DIR/unsigned.html" "${BASE_URL}pypi/simple/$name/"
    curl -fsS --cacert "$CA" -H 'Accept: text/html' -o "$CASE_DIR/signed.html" "${BASE_URL}pypi/simple/ag-signed-$size/"
    curl -fsS --cacert "$CA" -H 'Accept: application/vnd.pypi.simple.v1+json' -o "$CASE_DIR/unsigned.json" "${BASE_URL}pypi/simple/$name/"
    anchors=$(py anchors "$CASE_DIR/signed.html")
    if [ -z "$anchors" ] || awk -F'\t' '$2 != "true"' <<<"$anchors" | grep -q .; then
      bad "control: ag-signed-$size's simple page does not mark every file data-gpg-sig=\"true\": $anchors"
    fi
    anchors=$(py anchors "$CASE_DIR/unsigned.html")
    [ -n "$anchors" ] || bad "$name's simple page lists no files"
    ! awk -F'\t' '$2 != "-"' <<<"$anchors" | grep -q . \
      || bad "$name's simple page shows data-gpg-sig: $(awk -F'\t' '$2 != "-"' <<<"$anchors" | tr '\n' ' ')"
    ! py json-gpg "$CASE_DIR/unsigned.json" | awk -F'\t' '$2 == "True"' | grep -q . \
      || bad "$name's PEP 691 page says gpg-sig true"
    say "$n files of $name: no .asc (404), the manifest lists no signature, and its simple page has no data-gpg-sig (ag-signed's has)"
  fi
  case "$persona" in
    ag-signed) say "gpgv: GOODSIG and VALIDSIG $fpr for the $n files of $name" ;;
    ag-wrong-signer) say "gpgv refused the $n files of $name: ERRSIG/NO_PUBKEY, \"Can't check signature: No public key\"" ;;
    ag-other-bytes) say "gpgv refused the $n files of $name: BADSIG, \"BAD signature\"" ;;
  esac
}

c_audit() { # tree size persona
  local tree=$1 size=$2 persona=$3 name proj=$CASE_DIR/proj rc=0 want signer log=$CASE_DIR/audit.log hit keyid
  name=$persona-$size want=$(persona_signer "$persona")
  [ -f "$AUDIT_NPM" ] || need_tool "npm for audit signatures is not installed ($(cat "$TOOLS_DIR/npm-audit.skip" 2>/dev/null || echo 'scripts/clients/setup.sh npm-audit'))"
  signer=$(py rows "$tree/manifest.json" signers | awk -F'\t' -v n="$name" '$1 == "npm" && $2 == n { print $9 }')
  [ "$signer" = "$want" ] || bad "the manifest says signer '${signer:-none}' for npm $name, the set means '$want'"
  npm_project "$proj"
  (cd "$proj" && npm install "$name" --userconfig "$tree/clients/.npmrc" --globalconfig "$EMPTY_RC" \
     --cache "$CASE_DIR/cache" --no-audit --no-fund --loglevel=warn) >"$CASE_DIR/install.log" 2>&1 \
    || bad "npm install $name failed: $(grep -m1 -E '^npm (error|ERR!)' "$CASE_DIR/install.log")"
  (cd "$proj" && node "$AUDIT_NPM" audit signatures --userconfig "$tree/clients/.npmrc" --globalconfig "$EMPTY_RC" \
     --cache "$CASE_DIR/cache-audit") >"$log" 2>&1 || rc=$?
  cat "$log"
  case "$persona" in
    ag-signed)
      [ "$rc" -eq 0 ] || bad "npm audit signatures failed (exit $rc) for $name: $(grep -v '^$' "$log" | head -n 3 | tr '\n' ' ')"
      hit=$(grep -m1 -E '^1 package has a verified registry signature$' "$log") \
        || bad "npm audit signatures exited 0 without verifying $name's registry signature"
      ! grep -qE 'invalid|missing' "$log" || bad "npm audit signatures reported a problem: $(grep -m1 -E 'invalid|missing' "$log")" ;;
    ag-wrong-signer)
      [ "$rc" -ne 0 ] || bad "npm audit signatures accepted $name, signed by a key the registry does not publish"
      hit=$(grep -m1 -E "^npm ERR! $name@1\.0\.0 has a registry signature with keyid: SHA256:[^ ]+ but no corresponding public key can be found$" "$log" || true)
      if ! grep -q '^npm ERR! code EMISSINGSIGNATUREKEY$' "$log" || [ -z "$hit" ]; then
        bad "npm audit signatures failed (exit $rc), but not for the missing key: $(grep -m2 -E 'ERR!|signature' "$log" | tr '\n' ' ')"
      fi
      keyid=$(sed -E 's/.*keyid: (SHA256:[^ ]+) .*/\1/' <<<"$hit")
      ! py keyids "$tree/npm/-/npm/v1/keys" | grep -qxF "$keyid" || bad "npm names keyid $keyid, which the registry does publish"
      hit="EMISSINGSIGNATUREKEY: ${hit#npm ERR! }" ;;
    ag-unsigned)
      [ "$rc" -ne 0 ] || bad "npm audit signatures accepted $name, which has no registry signature"
      hit=$(grep -m1 -E '^1 package has a missing registry signature but the registry is providing signing keys:$' "$log" || true)
      if [ -z "$hit" ] || ! grep -qE "^$name@1\.0\.0 \(" "$log"; then
        bad "npm audit signatures failed (exit $rc), but not for a missing signature of $name: $(grep -v '^$' "$log" | head -n 3 | tr '\n' ' ')"
      fi
      hit="$hit $(grep -m1 -E "^$name@1\.0\.0 \(" "$log")" ;;
    ag-other-bytes)
      [ "$rc" -ne 0 ] || bad "npm audit signatures accepted $name, whose signature is over other bytes"
      hit=$(grep -m1 -E '^1 package has an invalid registry signature:$' "$log" || true)
      if [ -z "$hit" ] || ! grep -qE "^$name@1\.0\.0 \(" "$log"; then
        bad "npm audit signatures failed (exit $rc), but not for an invalid signature of $name: $(grep -v '^$' "$log" | head -n 3 | tr '\n' ' ')"
      fi
      hit="$hit $(grep -m1 -E "^$name@1\.0\.0 \(" "$log")" ;;
  esac
  say "npm $(node "$AUDIT_NPM" --version) audit signatures, $name (exit $rc): $hit"
}

signers() { # size
  local size=$1 tree=$SETS/signers/$1 p
  run "generate-$size-signers" c_generate_set signers "$size"
  run "serve-$size-signers" c_serve "$tree"
  for p in "${PERSONAS[@]}"; do run "gpgv-$size-$p" c_gpgv "$tree" "$size" "$p"; done
  run "pip-signatures-$size" c_declared "declared, not checked: pip does not verify signatures (it ignores data-gpg-sig and .asc files); gpgv-$size-* check them"
  for p in "${PERSONAS[@]}"; do run "audit-$size-$p" c_audit "$tree" "$size" "$p"; done
}

# ---- push registries ----
# c_registry KIND UPSTREAM_PORT PROXY_PORT NAME: pypiserver (pypi) or verdaccio (npm) on
# 127.0.0.1:UPSTREAM_PORT, behind an HTTPS proxy with the test certificate on PROXY_PORT.
# For verdaccio, a user is created and STATE/NAME.npmrc holds the CA and its token.
c_registry() {
  local kind=$1 up=$2 proxy=$3 name=$4 rc=0 url user pass body token
  rm -rf "${STATE:?}/$name" "${STATE:?}/$name-proxy"
  "scripts/clients/$kind.sh" server start --port "$up" --state "$STATE/$name" 2>"$CASE_DIR/start.err" || rc=$?
  cat "$CASE_DIR/start.err"
  [ "$rc" -ne 3 ] || need_tool "$([ "$kind" = pypi ] && echo pypiserver || echo verdaccio) is not installed (scripts/clients/setup.sh): $(tail -n 1 "$CASE_DIR/start.err")"
  [ "$rc" -eq 0 ] || bad "the $kind registry did not start on 127.0.0.1:$up (exit $rc): $(grep -v '^ ' "$CASE_DIR/start.err" | tail -n 1)"
  scripts/serve.sh start --proxy "http://127.0.0.1:$up" --port "$proxy" --pki "$PKI" --state "$STATE/$name-proxy" 2>"$CASE_DIR/proxy.err" \
    || bad "the HTTPS proxy did not start on 127.0.0.1:$proxy: $(tail -n 1 "$CASE_DIR/proxy.err")"
  cat "$CASE_DIR/proxy.err"
  url=https://127.0.0.1:$proxy/
  curl -sS -o /dev/null --cacert "$CA" "$url" || bad "the proxy at $url does not answer through the test CA"
  if [ "$kind" = npm ]; then
    user=e2e-sets-$RANDOM$RANDOM pass=pw-$RANDOM$RANDOM$RANDOM
    body=$(printf '{"_id":"org.couchdb.user:%s","name":"%s","password":"%s","type":"user","roles":[]}' "$user" "$user" "$pass")
    curl -sS --cacert "$CA" -X PUT -H 'Content-Type: application/json' --data "$body" \
      "${url}-/user/org.couchdb.user:$user" >"$CASE_DIR/adduser.json"
    token=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$CASE_DIR/adduser.json") \
      || bad "verdaccio created no user: $(head -c 200 "$CASE_DIR/adduser.json")"
    printf 'cafile=%s\n//127.0.0.1:%s/:_authToken=%s\naudit=false\nfund=false\nfetch-retry-mintimeout=1000\nfetch-retry-maxtimeout=4000\n' \
      "$CA" "$proxy" "$token" >"$STATE/$name.npmrc"
  fi
  say "$([ "$kind" = pypi ] && echo pypiserver || echo verdaccio) on 127.0.0.1:$up behind $url"
}

twine_upload() { # url file log [--verbose]
  local url=$1 file=$2 log=$3
  shift 3
  "$TWINE" --no-color upload "$@" --repository-url "$url" --non-interactive -u e2e -p e2e --cert "$CA" \
    --disable-progress-bar "$file" >"$log" 2>&1
}

npm_publish() { # registry-name url tgz log [--force]
  local name=$1 url=$2 tgz=$3 log=$4
  shift 4
  mkdir -p "$CASE_DIR/publish"
  (cd "$CASE_DIR/publish" && npm publish "$tgz" "$@" --registry "$url" --userconfig "$STATE/$name.npmrc" \
     --globalconfig "$EMPTY_RC" --cache "$CASE_DIR/cache" --access public --loglevel=warn) >"$log" 2>&1
}

# pip_download URL NAME VERSION FILE: downloads FILE (wheel or sdist) back from the
# pypiserver at URL; prints its path.
pip_download() {
  local url=$1 name=$2 ver=$3 file=$4 bin=(--only-binary :all:)
  case "$file" in *.whl) ;; *) bin=(--no-binary :all:) ;; esac
  mkdir -p "$CASE_DIR/dl"
  "$VENV_TEMPLATE/bin/python" -m pip download --no-cache-dir --no-deps "${bin[@]}" -d "$CASE_DIR/dl" \
    --index-url "${url}simple/" --cert "$CA" "$name==$ver" >"$CASE_DIR/download.log" 2>&1 \
    || bad "pip download $name==$ver from $url failed: $(grep -m1 '^ERROR' "$CASE_DIR/download.log")"
  cat "$CASE_DIR/download.log" >&2
  [ -f "$CASE_DIR/dl/$file" ] || bad "pip download saved $(find "$CASE_DIR/dl" -type f -printf '%f ' ), not $file"
  echo "$CASE_DIR/dl/$file"
}

npm_download() { # registry-name url name version: prints the fetched tarball's path
  local tgz
  mkdir -p "$CASE_DIR/dl"
  (cd "$CASE_DIR" && npm pack "$3@$4" --pack-destination "$CASE_DIR/dl" --registry "$2" \
     --userconfig "$STATE/$1.npmrc" --globalconfig "$EMPTY_RC" --cache "$CASE_DIR/cache-dl" --loglevel=warn) \
    >"$CASE_DIR/pack.log" 2>&1 || bad "npm pack $3@$4 from $2 failed: $(grep -m1 -E '^npm (error|ERR!)' "$CASE_DIR/pack.log")"
  tgz=$(find "$CASE_DIR/dl" -name '*.tgz' | head -n 1)
  [ -n "$tgz" ] || bad "npm pack $3@$4 wrote no tarball"
  echo "$tgz"
}

# ---- republish ----
c_push_first() { # kind url file log-label
  local kind=$1 url=$2 file=$3
  if [ "$kind" = pypi ]; then
    twine_upload "$url" "$file" "$CASE_DIR/upload.log" --verbose \
      || bad "twine upload of $(basename "$file") was not accepted: $(grep -m1 -E 'HTTPError|ERROR' "$CASE_DIR/upload.log") $(grep -m1 -oE 'Package .* already exists' "$CASE_DIR/upload.log" | sed "s/&#039;/'/g")"
    cat "$CASE_DIR/upload.log"
    say "twine $("$TWINE" --version | head -n1 | cut -d' ' -f3) uploaded $(basename "$file") to $url: accepted"
  else
    npm_publish rp-npm "$url" "$file" "$CASE_DIR/publish.log" || bad "npm publish of $(basename "$file") was not accepted: $(grep -m2 -E '^npm (error|ERR!)' "$CASE_DIR/publish.log" | tr '\n' ' ')"
    cat "$CASE_DIR/publish.log"
    say "npm $(npm --version) published $(basename "$file") to $url: accepted"
  fi
}

c_push_again() { # kind url first-sha second-file second-sha
  local kind=$1 url=$2 first_sha=$3 second=$4 second_sha=$5 rc=0 hit log pattern
  [ "$first_sha" != "$second_sha" ] || bad "the second copy has the first's bytes ($first_sha): its refusal would prove nothing"
  [ "$(sha256sum "$second" | cut -d' ' -f1)" = "$second_sha" ] || bad "$second is not the manifest's second copy"
  if [ "$kind" = pypi ]; then
    log=$CASE_DIR/upload.log
    twine_upload "$url" "$second" "$log" --verbose || rc=$?
    cat "$log"
    [ "$rc" -ne 0 ] || bad "pypiserver accepted a second $(basename "$second") with other bytes"
    pattern="Package (&#039;|')$(basename "$second" | sed 's/[.]/[.]/g')(&#039;|') already exists"
    hit=$(grep -m1 -oE "$pattern" "$log" || true)
    if [ -z "$hit" ] || ! grep -qE '^ERROR +HTTPError: 400 Bad Request' "$log"; then
      bad "twine failed (exit $rc), but not with pypiserver's 'already exists': $(grep -m2 -E 'ERROR|HTTPError' "$log" | tr '\n' ' ')"
    fi
    say "pypiserver refused the second $(basename "$second"): HTTP 400, ${hit//&#039;/\'}"
  else
    log=$CASE_DIR/publish.log
    # npm 11 refuses on its own when the packument already has the version; --force
    # leaves the decision to the registry, which is what is tested here.
    npm_publish rp-npm "$url" "$second" "$log" --force || rc=$?
    cat "$log"
    [ "$rc" -ne 0 ] || bad "verdaccio accepted a second $(basename "$second") with other bytes"
    hit=$(grep -m1 -E '^npm (error|ERR!) 409 Conflict - PUT \S+ - this package is already present$' "$log") \
      || bad "npm publish failed (exit $rc), but not with the registry's 409 conflict: $(grep -m2 -E '^npm (error|ERR!)' "$log" | tr '\n' ' ')"
    grep -qE '^npm (error|ERR!) code E409$' "$log" || bad "npm did not report code E409: $hit"
    say "verdaccio refused the second $(basename "$second") (npm publish --force): ${hit#npm error }"
  fi
}

c_served() { # kind url registry-name name version file sha other-sha
  local kind=$1 url=$2 reg=$3 name=$4 ver=$5 file=$6 sha=$7 other=$8 got path
  if [ "$kind" = pypi ]; then
    path=$(pip_download "$url" "$name" "$ver" "$file")
  else
    path=$(npm_download "$reg" "$url" "$name" "$ver")
  fi
  got=$(sha256sum "$path" | cut -d' ' -f1)
  [ "$got" != "$other" ] || bad "the registry serves the second copy's bytes ($got) for $name $ver"
  [ "$got" = "$sha" ] || bad "the registry serves $got for $(basename "$path"), the first push was $sha"
  say "$url serves $(basename "$path") with the first push's sha256 $got"
}

republish() { # size
  local size=$1 tree=$SETS/republish/$1 rows fmt_ nm ver path sha expect listed kind
  local second second_sha url label
  run "generate-$size-republish" c_generate_set republish "$size"
  rows=$(py rows "$tree/manifest.json" republish 2>/dev/null) || { record "republish-$size-rows" fail "cannot read $tree/manifest.json"; return 0; }
  while IFS=$'\t' read -r fmt_ nm ver path sha _ expect listed _ _ kind; do
    [ "$listed" = listed ] || continue
    [ "$expect" = accept ] || { record "republish-$fmt_-$size-$(basename "$path")" fail "the listed $path has expect '$expect'"; continue; }
    # The second copy: same format, name, version and kind, unlisted, expect reject.
    second="" second_sha=""
    read -r second second_sha < <(awk -F'\t' -v f="$fmt_" -v n="$nm" -v v="$ver" -v k="$kind" '
      $1 == f && $2 == n && $3 == v && $11 == k && $8 == "unlisted" && $7 == "reject" && $4 ~ /\/_republish\/2\// { print $4, $5 }' <<<"$rows") || true
    label=$fmt_-$size-$(basename "$path")
    if [ -z "$second" ]; then record "republish-$label" fail "no unlisted expect-reject copy of $path under $fmt_/_republish/2/"; continue; fi
    if [ "$fmt_" = pypi ]; then url=https://127.0.0.1:$RP_PYPI_PROXY/; else url=https://127.0.0.1:$RP_NPM_PROXY/; fi
    if [ -z "${READY[$fmt_]:-}" ]; then record "republish-$label" skip "not run: the $fmt_ registry is not up (see republish-$fmt_-registry)"; continue; fi
    run "republish-$label-first" c_push_first "$fmt_" "$url" "$tree/$path"
    run "republish-$label-again" c_push_again "$fmt_" "$url" "$sha" "$tree/$second" "$second_sha"
    run "republish-$label-served" c_served "$fmt_" "$url" rp-npm "$nm" "$ver" "$(basename "$path")" "$sha" "$second_sha"
  done <<<"$rows"
}

# ---- every tier in one registry ----
c_generate_tier() { # size
  local plain=()
  broken plain-names && plain=(--plain-names) && echo "BREAK plain-names: the tiers share names"
  rm -rf "${ALLTIERS:?}/$1"
  "$BIN" generate --format npm,pypi --size "$1" --out "$ALLTIERS" --pki "$PKI" --base-url "$BASE_URL" --quiet "${plain[@]}"
  say "$(py rows "$ALLTIERS/$1/manifest.json" - | wc -l) rows ($(py rows "$ALLTIERS/$1/manifest.json" - | cut -f2 | sort -u | tr '\n' ' '| sed 's/ $//')), $(du -sh "$ALLTIERS/$1" | cut -f1)${plain:+ (BREAK plain-names)}"
}

c_tier_push() { # kind file
  local kind=$1 file=$2
  if [ "$kind" = pypi ]; then
    twine_upload "https://127.0.0.1:$AT_PYPI_PROXY/" "$file" "$CASE_DIR/upload.log" --verbose \
      || bad "twine upload of $(basename "$file") was not accepted: $(grep -m1 -E 'HTTPError|ERROR' "$CASE_DIR/upload.log") $(grep -m1 -oE 'Package .* already exists' "$CASE_DIR/upload.log" | sed "s/&#039;/'/g")"
    say "twine uploaded $(basename "$file") ($(du -h "$file" | cut -f1)) to the one pypiserver: accepted"
  else
    npm_publish at-npm "https://127.0.0.1:$AT_NPM_PROXY/" "$file" "$CASE_DIR/publish.log" \
      || bad "npm publish of $(basename "$file") was not accepted: $(grep -m2 -E '^npm (error|ERR!)' "$CASE_DIR/publish.log" | tr '\n' ' ')"
    say "npm published $(basename "$file") ($(du -h "$file" | cut -f1)) to the one verdaccio: accepted"
  fi
}

c_tier_pull() { # kind name version file sha
  local kind=$1 path got
  if [ "$kind" = pypi ]; then
    path=$(pip_download "https://127.0.0.1:$AT_PYPI_PROXY/" "$2" "$3" "$4")
  else
    path=$(npm_download at-npm "https://127.0.0.1:$AT_NPM_PROXY/" "$2" "$3")
  fi
  got=$(sha256sum "$path" | cut -d' ' -f1)
  [ "$got" = "$5" ] || bad "pulled $(basename "$path") back with sha256 $got, pushed $5"
  say "pulled $2 $3 ($(basename "$path")) back with the pushed sha256"
}

all_tiers() {
  local t rows fmt_ nm ver path sha expect label
  for t in "${TIERS[@]}"; do run "tiers-generate-$t" c_generate_tier "$t"; done
  run tiers-pypi-registry c_registry pypi "$AT_PYPI" "$AT_PYPI_PROXY" at-pypi
  [ "$CASE_STATUS" = pass ] && READY[at-pypi]=1
  run tiers-npm-registry c_registry npm "$AT_NPM" "$AT_NPM_PROXY" at-npm
  [ "$CASE_STATUS" = pass ] && READY[at-npm]=1
  for t in "${TIERS[@]}"; do
    rows=$(py rows "$ALLTIERS/$t/manifest.json" - 2>/dev/null) || { record "tiers-$t-rows" fail "cannot read $ALLTIERS/$t/manifest.json"; continue; }
    while IFS=$'\t' read -r fmt_ nm ver path sha _ expect _; do
      [ "$expect" = accept ] || continue
      label=$t-$(basename "$path")
      if [ -z "${READY[at-$fmt_]:-}" ]; then record "tiers-push-$label" skip "not run: the one $fmt_ registry is not up (see tiers-$fmt_-registry)"; continue; fi
      run "tiers-push-$label" c_tier_push "$fmt_" "$ALLTIERS/$t/$path"
      run "tiers-pull-$label" c_tier_pull "$fmt_" "$nm" "$ver" "$(basename "$path")" "$sha"
    done <<<"$rows"
  done
}

# ---- main ----
declare -A READY=()
echo "== e2e-sets: sizes ${SIZES[*]}; tiers ${TIERS[*]} in one registry; ports $PORT_BASE-$((PORT_BASE + 9)); work $WORK =="
[ -z "${E2E_SETS_BREAK:-}" ] || echo "!! E2E_SETS_BREAK=$E2E_SETS_BREAK: the trees are broken on purpose; checks must fail"
run client-tools c_tools
run second-clients c_second_tools
run pki c_pki
run venv c_venv
run republish-pypi-registry c_registry pypi "$RP_PYPI" "$RP_PYPI_PROXY" rp-pypi
[ "$CASE_STATUS" = pass ] && READY[pypi]=1
run republish-npm-registry c_registry npm "$RP_NPM" "$RP_NPM_PROXY" rp-npm
[ "$CASE_STATUS" = pass ] && READY[npm]=1
for size in "${SIZES[@]}"; do
  resolver_basic "$size"
  relations "$size"
  signers "$size"
  republish "$size"
done
scripts/serve.sh stop --port "$SERVE_PORT" --state "$STATE/serve" >/dev/null 2>&1 || true
all_tiers
stop_all

# Under CI a skip fails unless scripts/ci/optional.tsv declares it (scope e2e-sets).
if ci_strict; then
  strict=$(mktemp)
  while IFS=$'\t' read -r name status secs detail; do
    if [ "$status" = skip ]; then
      if why=$(optional_reason e2e-sets "$name"); then
        detail="$detail [optional: $why]"
      else
        status=fail detail="skipped under CI, and scripts/ci/optional.tsv does not declare it: $detail"
        printf 'FAIL  %s %s\n' "$name" "$detail"
      fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$secs" "$detail"
  done <"$RESULTS" >"$strict"
  mv "$strict" "$RESULTS"
fi
secs=$(LC_ALL=C awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
py results "$RESULTS" "$REPO_ROOT/test-results/e2e-sets.json" "$REPO_ROOT/test-results/e2e-sets.xml" "$secs" \
  "$REPO_ROOT/scripts/ci"
passed=$(awk -F'\t' '$2 == "pass"' "$RESULTS" | wc -l)
failed=$(awk -F'\t' '$2 == "fail"' "$RESULTS" | wc -l)
skipped=$(awk -F'\t' '$2 == "skip"' "$RESULTS" | wc -l)
echo "e2e-sets took ${secs}s; results in test-results/e2e-sets.json, logs in $LOGS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
