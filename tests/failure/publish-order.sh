#!/usr/bin/env bash
# publish-order: SIGKILL before each move of a run that adds a package to
# an existing tree, through the fault point of a build with
# ASSETGEN_FAULT_INJECTION. Expect: at every point, before any recovery,
# a client reading the tree as it stands finds every file that a root or
# listing names, with the digest it names: artifacts move before the
# listings that name them, listings before the roots.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x "$FAULT_BIN" ] || fail "no fault-injection build at $FAULT_BIN"

# What a client sees, followed from the roots down: pypi's simple root to
# each project page to each file and its core metadata; npm's packuments
# to each tarball and the registry keys their signatures name; cargo's
# index files to each crate their dl template names, with its cksum; apt's
# InRelease to the by-hash index files to each .deb; dnf's repomd.xml to
# its metadata to each .rpm.
client_view_consistent() { # root base_url
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, json, os, sys
root, base = sys.argv[1], sys.argv[2]
problems, checked = [], 0
# A format this view cannot follow would pass unchecked: name it instead.
VIEWS = {"npm", "pypi", "cargo", "deb", "rpm"}
with open(os.path.join(root, "manifest.json")) as f:
    formats = {a["format"] for a in json.load(f)["artifacts"]}
for unknown in sorted(formats - VIEWS):
    problems.append("no client view of format %s in this test: add one" % unknown)

def digest(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h

def load(rel):
    with open(os.path.join(root, rel)) as f:
        return json.load(f)

simple = os.path.join(root, "pypi/simple/index.v1_json")
if os.path.exists(simple):
    for project in load("pypi/simple/index.v1_json")["projects"]:
        name = project["name"]
        for form in ("index.html", "index.v1_html", "index.v1_json"):
            if not os.path.exists(os.path.join(root, "pypi/simple", name, form)):
                problems.append("simple root lists %s but %s/%s is missing" % (name, name, form))
        page = os.path.join("pypi/simple", name, "index.v1_json")
        if not os.path.exists(os.path.join(root, page)):
            continue
        for f in load(page)["files"]:
            rel = os.path.normpath(os.path.join("pypi/simple", name, f["url"]))
            path = os.path.join(root, rel)
            checked += 1
            if not os.path.exists(path):
                problems.append("%s lists %s, which is missing" % (page, rel))
            elif digest(path, "sha256").hexdigest() != f["hashes"]["sha256"]:
                problems.append("%s gives %s another sha256" % (page, rel))
            meta = f.get("core-metadata")
            if meta and (not os.path.exists(path + ".metadata") or
                         digest(path + ".metadata", "sha256").hexdigest() != meta["sha256"]):
                problems.append("%s: core metadata of %s missing or different" % (page, rel))

npm = os.path.join(root, "npm")
for entry in sorted(os.listdir(npm)) if os.path.isdir(npm) else []:
    packument = os.path.join("npm", entry, "index.json")
    if entry == "-" or not os.path.exists(os.path.join(root, packument)):
        continue
    for version, meta in load(packument)["versions"].items():
        dist = meta["dist"]
        rel = dist["tarball"][len(base):]
        path = os.path.join(root, rel)
        checked += 1
        if not os.path.exists(path):
            problems.append("%s lists %s, which is missing" % (packument, rel))
            continue
        sri = "sha512-" + base64.b64encode(digest(path, "sha512").digest()).decode()
        if sri != dist["integrity"]:
            problems.append("%s gives %s another integrity" % (packument, rel))
        if dist.get("signatures") and not os.path.exists(os.path.join(root, "npm/-/npm/v1/keys")):
            problems.append("%s is signed but the registry keys are missing" % packument)

index = os.path.join(root, "cargo/index")
for top, _, files in os.walk(index):
    for name in sorted(files):
        rel = os.path.relpath(os.path.join(top, name), root)
        # A client asks for index files by crate name: a publish's backup
        # (a dot file) is never one, and serve.sh refuses dot files.
        if rel == "cargo/index/config.json" or name.startswith("."):
            continue
        if not os.path.exists(os.path.join(index, "config.json")):
            problems.append("%s is there but cargo/index/config.json is missing" % rel)
            continue
        dl = load("cargo/index/config.json")["dl"]
        with open(os.path.join(root, rel)) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        for line in lines:
            url = dl.replace("{crate}", line["name"]).replace("{version}", line["vers"])
            crate = os.path.join(root, url[len(base):])
            checked += 1
            if not os.path.exists(crate):
                problems.append("%s lists %s %s, whose crate is missing" % (rel, line["name"], line["vers"]))
            elif digest(crate, "sha256").hexdigest() != line["cksum"]:
                problems.append("%s gives %s %s another cksum" % (rel, line["name"], line["vers"]))

# apt: each suite's InRelease (what apt reads first) to each index file it lists, fetched
# by hash (Acquire-By-Hash), to each .deb that Packages lists with its SHA256.
import gzip, re
dists = os.path.join(root, "deb/dists")
for suite in sorted(os.listdir(dists)) if os.path.isdir(dists) else []:
    inrelease = os.path.join(dists, suite, "InRelease")
    if suite.startswith(".") or not os.path.exists(inrelease):
        continue
    with open(inrelease, encoding="utf-8") as f:
        body = f.read().split("\n\n", 1)[1].split("\n-----BEGIN PGP SIGNATURE-----", 1)[0]
    sha_section = body.split("\nSHA256:\n", 1)[1] if "\nSHA256:\n" in body else ""
    for line in sha_section.splitlines():
        if not line.startswith(" "):
            break
        hexdigest, size, rel = line.split()
        by_hash = os.path.join(dists, suite, os.path.dirname(rel), "by-hash/SHA256", hexdigest)
        checked += 1
        if not os.path.exists(by_hash):
            problems.append("deb/dists/%s/InRelease lists %s, whose by-hash copy is missing" % (suite, rel))
            continue
        if digest(by_hash, "sha256").hexdigest() != hexdigest or os.path.getsize(by_hash) != int(size):
            problems.append("deb/dists/%s: by-hash copy of %s differs" % (suite, rel))
            continue
        if not rel.endswith("/Packages"):
            continue
        with open(by_hash, encoding="utf-8") as f:
            for stanza in f.read().split("\n\n"):
                fields = dict(re.findall(r"^([A-Za-z0-9-]+): (.*)$", stanza, re.M))
                if "Filename" not in fields:
                    continue
                deb = os.path.join(root, "deb", fields["Filename"])
                checked += 1
                if not os.path.exists(deb):
                    problems.append("%s/%s lists %s, which is missing" % (suite, rel, fields["Filename"]))
                elif digest(deb, "sha256").hexdigest() != fields["SHA256"]:
                    problems.append("%s/%s gives %s another SHA256" % (suite, rel, fields["Filename"]))

# dnf: each repomd.xml to the metadata it lists, with its checksum, to each package
# primary.xml lists, with its pkgid. (repomd.xml and repomd.xml.asc are two files: between
# their moves the signature is the previous one's, which no per-file order avoids.)
import xml.etree.ElementTree as ET
REPO, COMMON = "{http://linux.duke.edu/metadata/repo}", "{http://linux.duke.edu/metadata/common}"
for top, dirs, files in os.walk(os.path.join(root, "rpm")):
    if "repomd.xml" not in files or os.path.basename(top) != "repodata":
        continue
    base_dir = os.path.dirname(top)
    for data in ET.parse(os.path.join(top, "repomd.xml")).getroot().iter(REPO + "data"):
        href = data.find(REPO + "location").get("href")
        want = data.find(REPO + "checksum").text
        path = os.path.join(base_dir, href)
        checked += 1
        if not os.path.exists(path):
            problems.append("%s/repomd.xml lists %s, which is missing" % (os.path.relpath(top, root), href))
            continue
        if digest(path, "sha256").hexdigest() != want:
            problems.append("%s/repomd.xml gives %s another checksum" % (os.path.relpath(top, root), href))
            continue
        if data.get("type") != "primary":
            continue
        with gzip.open(path) as f:
            for pkg in ET.parse(f).getroot().iter(COMMON + "package"):
                loc = pkg.find(COMMON + "location").get("href")
                rpm = os.path.join(base_dir, loc)
                checked += 1
                if not os.path.exists(rpm):
                    problems.append("%s lists %s, which is missing" % (href, loc))
                elif digest(rpm, "sha256").hexdigest() != pkg.find(COMMON + "checksum").text:
                    problems.append("%s gives %s another pkgid" % (href, loc))

if problems:
    sys.exit("; ".join(problems[:3]))
print("consistent: %d listed files checked" % checked)
PY
}

base_url=http://127.0.0.1:8080/
base=$SCRATCH/base
"$BIN" generate --format "$FORMAT_LIST" --size small --out "$base" --pki "$PKI" --quiet
client_view_consistent "$base/small" "$base_url" >/dev/null || fail "the first tree is not consistent"

point=0
while :; do
  point=$((point + 1))
  [ "$point" -le 200 ] || fail "still killed after 200 moves"
  rm -rf "$SCRATCH/out"
  cp -a "$base" "$SCRATCH/out"
  set +e
  bash -c '"$@"; exit $?' killed env ASSETGEN_FAULT="kill@$point:publish" "$FAULT_BIN" generate \
    --format "$FORMAT_LIST" --size small --name other --out "$SCRATCH/out" --pki "$PKI" --quiet 2>/dev/null
  rc=$?
  set -e
  [ "$rc" -eq 0 ] && break
  [ "$rc" -eq 137 ] || fail "kill@$point: exit $rc, expected 137 (killed)"
  view=$(client_view_consistent "$SCRATCH/out/small" "$base_url" 2>&1) ||
    fail "killed before move $point: a client sees a mix: $view"
done
moves=$((point - 1))
[ "$moves" -ge 10 ] || fail "only $moves moves: the run did not publish what it should"
client_view_consistent "$SCRATCH/out/small" "$base_url" >/dev/null || fail "the finished tree is not consistent"
echo "publish-order: consistent before each of $moves moves"
