#!/usr/bin/env python3
"""Checks a generated package set from its files alone, for tests/integration/sets.sh.

  sets_resolve.py check ROOT SET LABEL [--semver DIR]
      ROOT is OUT/<size>/ of `assetgen generate --set SET --format npm,pypi`. Resolves each
      request of the manifest's sets.SET.requests for pypi and npm without assetgen's
      resolver: pypi from the simple index JSON (files, yanked) and each chosen wheel's
      METADATA, with `packaging` and pip's rules; npm from the abbreviated packuments, with
      the semver module in DIR (the one inside npm) and npm's rules. Compares both with
      sets.SET.formats.*.resolutions. Checks too that a format's indexes agree, that the
      dependencies are the set's and can be met in the set, the package URLs, what is
      listed in an index and what is not, the signers, and what a format cannot express.
  sets_resolve.py identities LABEL tiered|plain MANIFEST..
      Manifests of one package made at several sizes into one output root: tiered, no
      name@version of a format in two of them; plain (--plain-names), the same names in all.
  sets_resolve.py disjoint LABEL MANIFEST..
      Manifests of one set at several sizes: no name@version of a format in two of them.

Prints "pass NAME detail", "FAIL NAME problems" or "skip NAME why" per check, NAME being
LABEL/check; exits 1 when a check failed, 2 on wrong arguments.
"""
import base64
import email.parser
import html.parser
import json
import os
import re
import subprocess
import sys
import tarfile
import traceback
import urllib.parse
import zipfile

try:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.tags import sys_tags
    from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
    from packaging.version import InvalidVersion, Version
except ImportError as e:
    sys.exit("sets_resolve.py needs Python's 'packaging' module (Debian: python3-packaging): %s"
             % e)

FAILED = 0
KINDS = ("runtime", "dev", "optional")
NPM_KEYS = {"runtime": "dependencies", "dev": "devDependencies",
            "optional": "optionalDependencies"}
PYPI_EXTRAS = {"runtime": None, "dev": "dev", "optional": "optional"}


def report(name, problems, detail):
    """One line for a check: pass with its detail, or FAIL with its problems."""
    global FAILED
    if problems:
        FAILED += 1
        more = " (and %d more)" % (len(problems) - 6) if len(problems) > 6 else ""
        print("FAIL %s %s%s" % (name, "; ".join(problems[:6]), more))
    else:
        print("pass %s %s" % (name, detail))
    sys.stdout.flush()


def skip(name, why):
    print("skip %s %s" % (name, why))


def load_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def integrity(sha512_hex):
    return "sha512-" + base64.b64encode(bytes.fromhex(sha512_hex)).decode()


# ---- the neutral ranges of a set -------------------------------------------------------
NEUTRAL_OPS = (">=", "<=", "==", "!=", ">", "<", "=")


def neutral_comparators(text):
    """'>=1.0, <2' -> [('>=', '1.0'), ('<', '2')]; '*' -> []."""
    text = (text or "").strip()
    if text in ("", "*"):
        return []
    out = []
    for part in text.split(","):
        part = part.strip()
        op = next((o for o in NEUTRAL_OPS if part.startswith(o)), None)
        if op is None or not part[len(op):].strip():
            raise ValueError("comparator %r of range %r" % (part, text))
        out.append(("==" if op == "=" else op, part[len(op):].strip()))
    return out


def padded(version):
    """1 -> 1.0.0, 1.2 -> 1.2.0; a full SemVer version stays as it is."""
    if "-" in version or version.count(".") >= 2:
        return version
    return version + ".0" * (2 - version.count("."))


def pep440_version(semver):
    return str(Version(padded(semver)))


def pep440_specifier(text):
    """The neutral range as a PEP 440 specifier set."""
    return SpecifierSet(",".join(op + pep440_version(v) for op, v in neutral_comparators(text)))


def names_prerelease(spec):
    """Whether a specifier set names a pre-release (>=, <=, ==, ~= or === one), which lets
    pre-releases match it; packaging's long-standing rule for Specifier.prereleases."""
    for sp in spec:
        if sp.operator in ("==", "===", ">=", "<=", "~=") and not sp.version.endswith(".*"):
            try:
                if Version(sp.version).is_prerelease:
                    return True
            except InvalidVersion:
                continue
    return False


def pep440_filter(spec, versions):
    """The versions a specifier set takes, pre-releases as PEP 440 has it: when the set names
    one, or when no final release matches. (Written out: packaging's SpecifierSet.filter
    did not fall back to pre-releases for a non-empty set before 2025, nor did pip with it.)"""
    matching = [v for v in versions if spec.contains(v, prereleases=True)]
    if names_prerelease(spec):
        return matching
    finals = [v for v in matching if not v.is_prerelease]
    return finals or matching


def npm_range(text):
    """The neutral range in node-semver's syntax; '!=' splits it in two around the version."""
    comps = neutral_comparators(text)
    if not comps:
        return "*"
    alternatives = [[]]
    for op, v in comps:
        v = padded(v)
        if op == "!=":
            alternatives = [a + [o + v] for a in alternatives for o in ("<", ">")]
        else:
            alternatives = [a + [("" if op == "==" else op) + v] for a in alternatives]
    return " || ".join(" ".join(a) for a in alternatives)


# ---- pypi ------------------------------------------------------------------------------
class SimpleIndex:
    """The PEP 691 JSON pages under ROOT/pypi/simple/, read as pip reads them."""

    def __init__(self, root, base_url):
        self.root = root
        self.base_url = base_url
        self.pages = {}
        self.problems = []
        self.python = "%d.%d.%d" % sys.version_info[:3]
        self.tags = set(sys_tags())

    def tree_path(self, page_url, url):
        """A file's URL on a page as a path in the tree; None when it leads elsewhere."""
        absolute = urllib.parse.urljoin(page_url, url.split("#", 1)[0])
        if not absolute.startswith(self.base_url):
            return None
        return urllib.parse.unquote(absolute[len(self.base_url):])

    def project(self, name):
        """The files of a project (None when the index has no such project)."""
        canon = canonicalize_name(name)
        if canon not in self.pages:
            page = os.path.join(self.root, "pypi", "simple", canon, "index.v1_json")
            self.pages[canon] = self._read(page, canon) if os.path.exists(page) else None
        return self.pages[canon]

    def _read(self, page, canon):
        page_url = "%spypi/simple/%s/" % (self.base_url, canon)
        files = []
        for f in load_json(page).get("files", []):
            filename = f["filename"]
            try:
                if filename.endswith(".whl"):
                    fname, version, _, tags = parse_wheel_filename(filename)
                    kind = "wheel"
                else:
                    fname, version = parse_sdist_filename(filename)
                    tags, kind = None, "sdist"
            except ValueError as e:  # packaging's Invalid*Filename errors
                self.problems.append("%s: %s" % (page, e))
                continue
            if fname != canon:
                self.problems.append("%s lists %s, a file of %s" % (page, filename, fname))
                continue
            yanked = f.get("yanked", False)
            files.append({
                "filename": filename,
                "version": version,
                "kind": kind,
                "tags": tags,
                "yanked": yanked is not False and yanked is not None,
                "yanked_reason": yanked if isinstance(yanked, str) else "",
                "requires_python": f.get("requires-python"),
                "sidecar": any(k in f for k in ("core-metadata", "data-dist-info-metadata",
                                                 "dist-info-metadata")),
                "path": self.tree_path(page_url, f["url"]),
                "sha256": f.get("hashes", {}).get("sha256"),
            })
        return files

    def usable(self, c):
        """pip's link evaluation: Requires-Python, and a wheel's tags."""
        if c["requires_python"]:
            try:
                spec = SpecifierSet(c["requires_python"])
            except InvalidSpecifier:
                return False
            if not spec.contains(self.python, prereleases=True):
                return False
        return c["kind"] != "wheel" or bool(c["tags"] & self.tags)

    def candidates(self, name, spec):
        """The files pip tries for name+spec, most preferred first, one per version.

        As pip's resolver has it: the specifier filters the versions of all usable files
        (yanked ones too), pre-releases only when it names one or no final release matches
        (pep440_filter); PEP 592 yanked files are then left out unless every applicable
        file is yanked and the specifier pins one version (== or ===); newer versions
        first, a wheel before an sdist."""
        usable = [c for c in (self.project(name) or []) if self.usable(c)]
        versions = set(pep440_filter(spec, {c["version"] for c in usable}))
        applicable = [c for c in usable if c["version"] in versions]
        all_yanked = bool(applicable) and all(c["yanked"] for c in applicable)
        specs = list(spec)
        pinned = (len(specs) == 1 and specs[0].operator in ("==", "===")
                  and not specs[0].version.endswith(".*"))
        out, seen = [], set()
        for c in sorted(applicable, key=lambda c: (c["version"], c["kind"] == "wheel"),
                        reverse=True):
            if (c["yanked"] and not (all_yanked and pinned)) or c["version"] in seen:
                continue
            seen.add(c["version"])
            out.append(c)
        return out

    def metadata(self, c):
        """A file's core metadata: the PEP 658 sidecar when the page offers one, else the
        wheel's METADATA (or the sdist's PKG-INFO)."""
        path = os.path.join(self.root, c["path"])
        if c["kind"] == "wheel" and c["sidecar"]:
            with open(path + ".metadata", "rb") as f:
                return f.read().decode("utf-8")
        if c["kind"] == "wheel":
            return wheel_metadata(path)
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    return tar.extractfile(member).read().decode("utf-8")
        raise ValueError("%s has no PKG-INFO" % c["path"])


def wheel_metadata(path):
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise ValueError("%s holds %d .dist-info/METADATA" % (path, len(names)))
        return z.read(names[0]).decode("utf-8")


def requires_dist(metadata):
    msg = email.parser.Parser().parsestr(metadata, headersonly=True)
    return [Requirement(r) for r in msg.get_all("Requires-Dist") or []]


def marker_extra(req):
    """None for an unmarked requirement, the extra for 'extra == "x"', else the marker."""
    if req.marker is None:
        return None
    m = re.fullmatch(r'extra == "([^"]+)"', str(req.marker))
    return m.group(1) if m else str(req.marker)


def resolve_pypi(index, name, spec):
    """Resolves one request as pip would, following Requires-Dist without extras: each
    requirement takes the most preferred candidate; one the chosen version does not meet
    backtracks to the next candidate of the latest choice, as pip's resolver does; the
    request fails when no combination holds. A dependency the index does not hold fails
    it, as pip finds no distribution (a virtual name, which pypi cannot provide)."""
    notes, budget = [], [50000]

    def deps(c, canon):
        return [(r.name, r.specifier, canon) for r in requires_dist(index.metadata(c))
                if r.marker is None or r.marker.evaluate({"extra": ""})]

    def solve(chosen, queue):
        budget[0] -= 1
        if budget[0] < 0:
            raise RuntimeError("more than 50000 steps resolving %s%s" % (name, spec))
        if not queue:
            return chosen
        (n, s, parent), rest = queue[0], queue[1:]
        canon = canonicalize_name(n)
        if canon in chosen:
            have = chosen[canon]["version"]
            if s.contains(have, prereleases=True):
                return solve(chosen, rest)
            notes.append("%s needs %s%s, and %s %s is chosen" % (parent, canon, s, canon, have))
            return None
        if index.project(canon) is None:
            note = "%s needs %s%s, which this index does not hold" % (parent, canon, s)
            if note not in notes:
                notes.append(note)
            return None
        cands = index.candidates(canon, s)
        if not cands:
            notes.append("no file of %s matches %s" % (canon, s or "*"))
        for c in cands:
            got = solve(dict(chosen, **{canon: c}), rest + deps(c, canon))
            if got is not None:
                return got
        return None

    chosen = solve({}, [(name, spec, None)])
    if chosen is None:
        return {"outcome": "fails", "resolves": {}, "flagged": set(), "notes": notes}
    yanked = {k for k, c in chosen.items() if c["yanked"]}
    return {
        "outcome": "resolves",
        "resolves": {k: str(c["version"]) for k, c in chosen.items()},
        "flagged": yanked,
        "notes": [n for n in notes if "does not hold" in n] +
                 ["%s %s is yanked" % (k, chosen[k]["version"]) for k in sorted(yanked)],
    }


# ---- npm -------------------------------------------------------------------------------
# Run by node with the semver module inside npm. Reads a job on stdin: requests to
# resolve, pairs of ranges to compare, ranges to match against version lists. A request
# picks a version as npm-pick-manifest does: a dist-tag names its version; an exact version
# only itself; a range the 'latest' dist-tag when that satisfies it and is not deprecated,
# else the newest satisfying version that is not deprecated, else the newest deprecated
# one. Then dependencies and optionalDependencies (not dev ones), breadth first by depth
# and name as npm's tree builder queues them: an optional one no version meets is left
# out, as npm does; one the version already chosen does not meet gets its own copy under
# its parent, as npm nests it (whose dependencies are not followed).
NPM_JS = r"""
const fs = require('fs');
const path = require('path');
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const semver = require(job.semver);
const loose = { loose: true };
const cache = {};
function packument(name) {
  if (!(name in cache)) {
    const p = path.join(job.root, 'npm', name, 'install-v1.json');
    cache[name] = fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null;
  }
  return cache[name];
}
function pick(p, range, tag) {
  const versions = p.versions || {};
  const tags = p['dist-tags'] || {};
  if (tag !== null) return tags[tag] in versions ? tags[tag] : null;
  const exact = semver.valid(range, loose);
  if (exact) return exact in versions ? exact : null;
  if (semver.validRange(range, loose) === null) return null;
  const latest = tags.latest;
  if (latest in versions && !versions[latest].deprecated &&
      (range === '*' || semver.satisfies(latest, range, loose))) return latest;
  const ok = Object.keys(versions).filter((v) => semver.satisfies(v, range, loose));
  ok.sort((a, b) => (!versions[a].deprecated === !versions[b].deprecated
    ? semver.rcompare(a, b, loose) : (versions[a].deprecated ? 1 : -1)));
  return ok.length ? ok[0] : null;
}
function resolve(name, range, tag) {
  const chosen = {}, deprecated = [], notes = [];
  let failed = false;
  const queue = [{ name, range, tag, parent: null, optional: false, depth: 0 }];
  while (queue.length) {
    queue.sort((a, b) => (a.depth - b.depth) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const q = queue.shift();
    const nested = q.name in chosen;
    if (nested && semver.satisfies(chosen[q.name], q.range, loose)) continue;
    const p = packument(q.name);
    if (p === null) {
      if (!q.optional) failed = true; // npm install stops at the 404 of a needed package
      notes.push(`${q.parent} needs ${q.name}@${q.range}, which this registry does not hold`);
      continue;
    }
    const v = pick(p, q.range, q.tag);
    if (v === null) {
      notes.push(`no version of ${q.name} matches ${q.tag !== null ? q.tag : q.range}` +
                 (q.optional ? ' (an optional dependency, which npm leaves out)' : ''));
      if (!q.optional) failed = true;
      continue;
    }
    if (nested) {
      notes.push(`${q.parent} needs ${q.name}@${q.range}, and ${q.name} ${chosen[q.name]} is ` +
                 `chosen: ${q.name} ${v} is installed under ${q.parent}`);
      continue;
    }
    chosen[q.name] = v;
    const m = p.versions[v];
    if (m.deprecated) deprecated.push(q.name);
    const opt = m.optionalDependencies || {};
    const deps = Object.assign({}, m.dependencies || {}, opt);
    for (const [dep, r] of Object.entries(deps)) {
      queue.push({ name: dep, range: r, tag: null, parent: q.name, optional: dep in opt,
                   depth: q.depth + 1 });
    }
  }
  return { outcome: failed ? 'fails' : 'resolves', resolves: chosen, flagged: deprecated, notes };
}
const same = ([a, b]) => {
  const ra = semver.validRange(a, loose), rb = semver.validRange(b, loose);
  return ra !== null && ra === rb;
};
process.stdout.write(JSON.stringify({
  results: job.requests.map((q) => resolve(q.name, q.range, q.tag)),
  same: job.same.map(same),
  matching: job.match.map(([r, versions]) => versions.filter((v) => semver.satisfies(v, r, loose))),
}));
"""


def run_node(semver_dir, root, requests, same, match):
    job = {"semver": semver_dir, "root": root, "requests": requests, "same": same,
           "match": match}
    proc = subprocess.run(["node", "-e", NPM_JS], input=json.dumps(job).encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        raise RuntimeError("node: %s" % proc.stderr.decode("utf-8", "replace").strip()[-400:])
    out = json.loads(proc.stdout)
    for r in out["results"]:
        r["flagged"] = set(r["flagged"])
    return out


def npm_packuments(root):
    """name -> (abbreviated, full, dist-tags file) for each package under ROOT/npm/."""
    out = {}
    top = os.path.join(root, "npm")
    for dirpath, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != "-" and not d.startswith((".", "_"))]
        if "index.json" in files or "install-v1.json" in files:
            name = os.path.relpath(dirpath, top).replace(os.sep, "/")
            paths = (os.path.join(dirpath, "install-v1.json"), os.path.join(dirpath, "index.json"),
                     os.path.join(top, "-", "package", name, "dist-tags"))
            out[name] = tuple(load_json(p) if os.path.exists(p) else None for p in paths)
    return out


# ---- resolutions -----------------------------------------------------------------------
def compare_resolution(fmt, text, mine, theirs):
    """What differs between an independent resolution and the manifest's."""
    what = "%s request %s" % (fmt, text)
    if theirs is None:
        return ["%s: the manifest has no resolution for it" % what]
    # A resolution that needs backtracking or a nested copy is declared
    # unpredicted by the manifest (with a note saying why): nothing to compare.
    if theirs.get("outcome") == "not predicted" and theirs.get("notes"):
        return []
    if mine["outcome"] != theirs.get("outcome"):
        return ["%s: the files give %s (%s), the manifest says %s" % (
            what, mine["outcome"], ", ".join(mine.get("notes", [])) or "no notes",
            theirs.get("outcome"))]
    if mine["outcome"] in ("not expressible", "fails"):
        return []  # where a failed resolution got on its way is not compared
    canon = canonicalize_name if fmt == "pypi" else (lambda n: n)
    norm = (lambda v: str(Version(v))) if fmt == "pypi" else (lambda v: v)
    got = {canon(k): norm(v) for k, v in mine["resolves"].items()}
    want = {canon(k): norm(v) for k, v in (theirs.get("resolves") or {}).items()}
    problems = []
    if got != want:
        problems.append("%s: the files resolve %s, the manifest says %s" % (
            what, json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)))
    # The notes name each yanked (deprecated) pick, and no other.
    notes = " | ".join(theirs.get("notes") or [])
    word = "yanked" if fmt == "pypi" else "deprecated"
    for name, version in sorted(got.items()):
        said = re.search(r"(^|[^\w.-])%s %s is %s" % (re.escape(name), re.escape(version), word),
                         notes)
        flagged = name in {canon(n) for n in mine["flagged"]}
        if flagged and not said:
            problems.append("%s: %s %s is %s in the index, and the manifest's notes do not say "
                            "so (%r)" % (what, name, version, word, notes))
        elif said and not flagged:
            problems.append("%s: the manifest's notes call %s %s %s, and the index does not"
                            % (what, name, version, word))
    return problems


def check_pypi_resolutions(index, requests, names, entry, label):
    problems, agreed = [], 0
    resolutions = entry.get("resolutions") or []
    if len(resolutions) != len(requests):
        problems.append("%d pypi resolutions for %d requests" % (len(resolutions), len(requests)))
    for i, q in enumerate(requests):
        name = names[q["package"]]
        theirs = resolutions[i] if i < len(resolutions) else None
        if q.get("tag"):  # pypi has no dist-tags
            text, mine = "%s@%s" % (name, q["tag"]), {"outcome": "not expressible"}
            if theirs is not None and theirs.get("request") != text:
                problems.append("the manifest's request %r is not %s" % (theirs.get("request"),
                                                                         text))
        else:
            try:
                spec = pep440_specifier(q["range"])
            except (ValueError, InvalidVersion, InvalidSpecifier) as e:
                problems.append("request %s %s has no PEP 440 form: %s" % (name, q["range"], e))
                continue
            text = "%s%s" % (name, spec)
            asked = (theirs or {}).get("request", "")
            try:
                r = Requirement(asked)
                if canonicalize_name(r.name) != canonicalize_name(name) or r.specifier != spec:
                    problems.append("the manifest's request %r is not %s" % (asked, text))
            except InvalidRequirement as e:
                problems.append("the manifest's request %r: %s" % (asked, e))
            mine = resolve_pypi(index, name, spec)
        found = compare_resolution("pypi", text, mine, theirs)
        problems += found
        agreed += not found
    report(label + "/resolve-pypi", problems + index.problems,
           "%d of %d requests resolve from the simple index and METADATA as the manifest says"
           % (agreed, len(requests)))


def npm_requests(requests, names, entry):
    """Each request in npm's syntax, with the range the manifest gives it."""
    resolutions = entry.get("resolutions") or []
    out = []
    for i, q in enumerate(requests):
        name = names[q["package"]]
        asked = (resolutions[i] if i < len(resolutions) else {}).get("request", "")
        at = asked.find("@", 1)
        asked_name, asked_range = (asked, "*") if at < 0 else (asked[:at], asked[at + 1:])
        if q.get("tag"):
            text = "%s@%s" % (name, q["tag"])
            out.append({"name": name, "range": "*", "tag": q["tag"], "text": text,
                        "asked": asked, "name_ok": asked == text, "same": ["*", "*"]})
        else:
            rng = npm_range(q["range"])
            out.append({"name": name, "range": rng, "tag": None, "asked": asked,
                        "text": name if rng == "*" else "%s@%s" % (name, rng),
                        "name_ok": asked_name == name, "same": [rng, asked_range]})
    return out


def check_npm_resolutions(reqs, results, same, entry, label):
    resolutions = entry.get("resolutions") or []
    problems, agreed = [], 0
    if len(resolutions) != len(reqs):
        problems.append("%d npm resolutions for %d requests" % (len(resolutions), len(reqs)))
    for i, q in enumerate(reqs):
        theirs = resolutions[i] if i < len(resolutions) else None
        if theirs is not None and not (q["name_ok"] and same[i]):
            problems.append("the manifest's request %r is not %s" % (q["asked"], q["text"]))
        found = compare_resolution("npm", q["text"], results[i], theirs)
        problems += found
        agreed += not found
    report(label + "/resolve-npm", problems,
           "%d of %d requests resolve from the packuments as the manifest says"
           % (agreed, len(reqs)))


# ---- indexes ---------------------------------------------------------------------------
class LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def html_links(path):
    parser = LinkParser()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser.links


def reason(yanked, why):
    return why if yanked else False


def check_pypi_indexes(index, root, names, label):
    """index.html and index.v1_html (data-yanked), the JSON API (the project's and each
    release's) and each wheel's METADATA agree with index.v1_json."""
    problems, files = [], 0
    for name in sorted(names.values()):
        canon = canonicalize_name(name)
        cands = index.project(canon)
        if cands is None:
            problems.append("pypi/simple/%s/index.v1_json is missing" % canon)
            continue
        listed = sorted(c["filename"] for c in cands)
        for page in ("index.html", "index.v1_html"):
            links = {urllib.parse.unquote(a.get("href", "").split("#")[0].rsplit("/", 1)[-1]): a
                     for a in html_links(os.path.join(root, "pypi", "simple", canon, page))}
            if sorted(links) != listed:
                problems.append("%s: %s lists %s, index.v1_json %s" % (canon, page, sorted(links),
                                                                       listed))
            for c in cands:
                a = links.get(c["filename"], {})
                got = reason("data-yanked" in a, a.get("data-yanked"))
                if got != reason(c["yanked"], c["yanked_reason"]):
                    problems.append("%s: data-yanked %r in %s, yanked %r in index.v1_json" % (
                        c["filename"], got, page, reason(c["yanked"], c["yanked_reason"])))
        api = load_json(os.path.join(root, "pypi", "pypi", canon, "json"))
        api_files = {f["filename"]: f for rel in api.get("releases", {}).values() for f in rel}
        if sorted(api_files) != listed:
            problems.append("%s: the JSON API lists %s, index.v1_json %s" % (
                canon, sorted(api_files), listed))
        for c in cands:
            files += 1
            j = api_files.get(c["filename"], {})
            got = reason(bool(j.get("yanked")), j.get("yanked_reason") or "")
            if got != reason(c["yanked"], c["yanked_reason"]):
                problems.append("%s: yanked %r in the JSON API, %r in index.v1_json" % (
                    c["filename"], got, reason(c["yanked"], c["yanked_reason"])))
            if c["path"] is None:
                problems.append("%s: its URL leads out of the tree" % c["filename"])
                continue
            release = os.path.join(root, "pypi", "pypi", canon, str(c["version"]), "json")
            if not os.path.exists(release):
                problems.append("pypi/pypi/%s/%s/json is missing" % (canon, c["version"]))
                continue
            rel = load_json(release)
            same_version = [x for x in cands if x["version"] == c["version"]]
            if sorted(u.get("filename") for u in rel.get("urls", [])) != \
                    sorted(x["filename"] for x in same_version):
                problems.append("pypi/pypi/%s/%s/json: urls are not the version's files"
                                % (canon, c["version"]))
            if bool(rel.get("info", {}).get("yanked")) != all(x["yanked"] for x in same_version):
                problems.append("pypi/pypi/%s/%s/json: info.yanked is %r" % (
                    canon, c["version"], rel.get("info", {}).get("yanked")))
            if c["kind"] != "wheel":
                continue
            meta = wheel_metadata(os.path.join(root, c["path"]))
            if c["sidecar"]:
                with open(os.path.join(root, c["path"] + ".metadata"), encoding="utf-8") as f:
                    if f.read() != meta:
                        problems.append("%s.metadata is not the wheel's METADATA" % c["filename"])
            want = [str(r) for r in requires_dist(meta)] or None
            got = [str(Requirement(r)) for r in rel.get("info", {}).get("requires_dist") or []]
            if (got or None) != want:
                problems.append("pypi/pypi/%s/%s/json: requires_dist %s, METADATA %s" % (
                    canon, c["version"], got, want))
    report(label + "/indexes-pypi", problems,
           "%d files: the HTML pages, the JSON API and METADATA agree with index.v1_json" % files)


def check_npm_indexes(pkms, names, label):
    """The full packument and the dist-tags file agree with the abbreviated packument."""
    problems, versions = [], 0
    keys = ("dependencies", "optionalDependencies", "devDependencies", "deprecated", "dist")
    for name in sorted(names.values()):
        abbr, full, tags = pkms.get(name, (None, None, None))
        if abbr is None or full is None:
            problems.append("npm/%s: install-v1.json or index.json is missing" % name)
            continue
        if not abbr.get("dist-tags") == full.get("dist-tags") == tags:
            problems.append("npm/%s: dist-tags %s abbreviated, %s full, %s in -/package/" % (
                name, abbr.get("dist-tags"), full.get("dist-tags"), tags))
        va, vf = abbr.get("versions", {}), full.get("versions", {})
        if set(va) != set(vf):
            problems.append("npm/%s: versions %s abbreviated, %s full" % (name, sorted(va),
                                                                          sorted(vf)))
        for v in sorted(set(va) & set(vf)):
            versions += 1
            for k in keys:
                if k == "devDependencies" and k not in va[v]:
                    continue  # the abbreviated form may leave dev dependencies out
                if va[v].get(k) != vf[v].get(k):
                    problems.append("npm/%s %s: %s %r abbreviated, %r full" % (
                        name, v, k, va[v].get(k), vf[v].get(k)))
    report(label + "/indexes-npm", problems,
           "%d versions: the full packument and dist-tags agree with the abbreviated one"
           % versions)


# ---- dependencies ----------------------------------------------------------------------
def pypi_dependencies(index, packages, names):
    """Requires-Dist of each release as the set defines its dependencies (runtime ones
    unmarked, dev and optional ones behind extra == "dev" / "optional"), and each on a
    package of the set met by a version in the index (pre-releases as pip takes them)."""
    declared, met, count = [], [], 0
    for pkg, spec in sorted(packages.items()):
        for version, rel in sorted(spec.get("versions", {}).items()):
            canon = canonicalize_name(names[pkg])
            pv = Version(pep440_version(version))
            wheels = [c for c in index.project(canon) or []
                      if c["version"] == pv and c["kind"] == "wheel"]
            if not wheels:
                declared.append("pypi: no wheel of %s %s in the index" % (canon, pv))
                continue
            got = {canonicalize_name(r.name): r for r in requires_dist(index.metadata(wheels[0]))}
            want = {canonicalize_name(run_name(names, packages, d["name"])): d
                    for d in rel.get("dependencies") or []}
            if set(got) != set(want):
                declared.append("pypi %s %s: Requires-Dist names %s, the set %s" % (
                    canon, pv, sorted(got), sorted(want)))
            for n, d in sorted(want.items()):
                r = got.get(n)
                if r is None:
                    continue
                count += 1
                if marker_extra(r) != PYPI_EXTRAS.get(d["kind"], "?"):
                    declared.append("pypi %s %s: %s is behind %r, a %s dependency" % (
                        canon, pv, n, marker_extra(r), d["kind"]))
                if r.specifier != pep440_specifier(d["range"]):
                    declared.append("pypi %s %s: %s%s, the set says %s" % (
                        canon, pv, n, r.specifier, d["range"]))
                if d.get("provided") and d["name"] in packages:
                    listed = {c["version"] for c in index.project(n) or []}
                    if not pep440_filter(r.specifier, listed):
                        met.append("pypi %s %s needs %s%s: no listed version matches (%s)" % (
                            canon, pv, n, r.specifier, ", ".join(sorted(map(str, listed)))))
    return declared, met, count


def run_name(names, packages, name):
    """A dependency's name in the tree: a package's as names maps it, a virtual name (one a
    release provides) with the same tier suffix, any other as written."""
    if name in names:
        return names[name]
    if any(name in (r.get("provides") or []) for spec in packages.values()
           for r in (spec.get("versions") or {}).values()):
        for pkg, run in names.items():
            if run.startswith(pkg):
                return name + run[len(pkg):]
    return name


def npm_dependencies(pkms, packages, names):
    """The same for npm: each dependency under the key of its kind (an optional one may
    stand in dependencies too), its range the set's (compared by node), and the ranges
    of those on a package of the set, to match against its listed versions."""
    declared, same, match, count = [], [], [], 0
    for pkg, spec in sorted(packages.items()):
        for version, rel in sorted(spec.get("versions", {}).items()):
            name = names[pkg]
            m = (((pkms.get(name) or (None,))[0] or {}).get("versions") or {}).get(version)
            if m is None:
                declared.append("npm: %s %s is not in npm/%s/install-v1.json" % (name, version,
                                                                                 name))
                continue
            full = ((pkms[name][1] or {}).get("versions") or {}).get(version) or {}
            got = {}
            for key in NPM_KEYS.values():
                for n, r in (m.get(key) or full.get(key) or {}).items():
                    got.setdefault(n, {})[key] = r
            want = {run_name(names, packages, d["name"]): d for d in rel.get("dependencies") or []}
            if set(got) != set(want):
                declared.append("npm %s %s: dependencies on %s, the set %s" % (
                    name, version, sorted(got), sorted(want)))
            for n, d in sorted(want.items()):
                keys, key = got.get(n, {}), NPM_KEYS.get(d["kind"], "?")
                allowed = {key, "dependencies"} if d["kind"] == "optional" else {key}
                if not keys:
                    continue
                count += 1
                if key not in keys or set(keys) - allowed:
                    declared.append("npm %s %s: %s is in %s, a %s dependency" % (
                        name, version, n, sorted(keys), d["kind"]))
                    continue
                same.append((keys[key], npm_range(d["range"]),
                             "npm %s %s: %s@%s, the set says %s" % (
                                 name, version, n, keys[key], d["range"])))
                if d.get("provided") and d["name"] in packages:
                    listed = sorted((((pkms.get(n) or (None,))[0] or {}).get("versions") or {}))
                    match.append((keys[key], listed,
                                  "npm %s %s needs %s@%s: no listed version matches (%s)" % (
                                      name, version, n, keys[key], ", ".join(listed))))
    return declared, same, match, count


# ---- rows ------------------------------------------------------------------------------
PURL_RE = re.compile(r"pkg:(?P<type>[a-z][a-z0-9.+-]*)/(?P<path>[^?#@]+)@(?P<version>[^?#@/]+)")
PURL_SAFE = "-._~"  # unreserved: never percent-encoded


def check_purls(rows, label):
    """pkg:npm/NAME@V (a scope's '@' as %40) and pkg:pypi/NORMALISED-NAME@V."""
    problems = []
    for row in rows:
        purl, fmt, name, version = (row.get(k) for k in ("purl", "format", "name", "version"))
        where = "%s row %s" % (fmt, row.get("path"))
        m = PURL_RE.fullmatch(purl or "")
        if not m:
            problems.append("%s: %r is not a package URL" % (where, purl))
            continue
        segments = m["path"].split("/")
        encoded = [urllib.parse.quote(urllib.parse.unquote(s), safe=PURL_SAFE) for s in segments]
        decoded = "/".join(urllib.parse.unquote(s) for s in segments)
        if m["type"] != fmt:
            problems.append("%s: %s is of type %s" % (where, purl, m["type"]))
        elif "" in segments or segments != encoded:
            problems.append("%s: %s has a name part empty or not percent-encoded" % (where, purl))
        elif fmt == "npm" and (len(segments) != (2 if name.startswith("@") else 1)
                               or decoded != name):
            problems.append("%s: %s does not name %s" % (where, purl, name))
        elif fmt == "pypi" and (len(segments) != 1 or decoded != canonicalize_name(name)):
            problems.append("%s: %s does not name %s as PEP 503 normalises it (%s)" % (
                where, purl, name, canonicalize_name(name)))
        elif m["version"] != urllib.parse.quote(version, safe=PURL_SAFE + "+"):
            problems.append("%s: %s is not of version %s" % (where, purl, version))
    report(label + "/purls", problems,
           "%d rows: package URLs of their type, name and version" % len(rows))


def index_references(root, base_url, index, pkms):
    """Every URL and digest an index of the tree names; npm's entries by name@version and
    pypi's by file name."""
    urls, digests, npm, pypi = set(), set(), {}, {}

    def local(u):
        return u[len(base_url):] if u.startswith(base_url) else u

    for name, (abbr, full, _) in pkms.items():
        for doc in (abbr, full):
            for v, m in ((doc or {}).get("versions") or {}).items():
                dist = m.get("dist") or {}
                path = local(dist.get("tarball", ""))
                urls.add(path)
                digests.update(x for x in (dist.get("shasum"), dist.get("integrity")) if x)
                npm[(name, v)] = (path, dist.get("shasum"), dist.get("integrity"))
    simple = os.path.join(root, "pypi", "simple")
    for project in sorted(os.listdir(simple)) if os.path.isdir(simple) else []:
        if project.startswith(".") or not os.path.isdir(os.path.join(simple, project)):
            continue
        for c in index.project(project) or []:
            urls.add(c["path"])
            digests.add(c["sha256"])
            pypi[c["filename"]] = c
        page_url = "%spypi/simple/%s/" % (base_url, project)
        for page in ("index.html", "index.v1_html"):
            p = os.path.join(simple, project, page)
            for a in html_links(p) if os.path.exists(p) else []:
                href = a.get("href", "")
                urls.add(index.tree_path(page_url, href))
                digests.add(href.partition("#sha256=")[2])
        api = os.path.join(root, "pypi", "pypi", project, "json")
        for rel in (load_json(api).get("releases", {}) if os.path.exists(api) else {}).values():
            for f in rel:
                urls.add(local(f.get("url", "")))
                digests.update((f.get("digests") or {}).values())
    return urls, digests, npm, pypi


def check_listing(root, base_url, rows, packages, names, index, pkms, label):
    """A listed row is in its index (URL and digests), a row listed false in none; no index
    entry without a listed row; a version of N copies has N rows of each kind, one listed
    (expect accept), the others not (expect reject), each of other bytes."""
    problems = []
    urls, digests, npm, pypi = index_references(root, base_url, index, pkms)
    listed, unlisted, seen_npm, seen_pypi = 0, 0, set(), set()
    for row in rows:
        fmt, path = row.get("format"), row.get("path")
        if row.get("listed") is True:
            listed += 1
            if fmt == "npm":
                key = (row["name"], row["version"])
                seen_npm.add(key)
                want = (path, row.get("sha1"), integrity(row["sha512"]))
                if key not in npm:
                    problems.append("npm %s@%s is listed, and no packument has it" % key)
                elif npm[key] != want:
                    problems.append("npm %s@%s: the packument has %s, the row %s" % (
                        key + (npm[key], want)))
            elif fmt == "pypi":
                filename = os.path.basename(path)
                seen_pypi.add(filename)
                c = pypi.get(filename)
                if c is None:
                    problems.append("pypi %s is listed, and the simple index does not have it"
                                    % path)
                elif (c["path"], c["sha256"]) != (path, row.get("sha256")):
                    problems.append("pypi %s: the simple index has %s, the row %s" % (
                        path, (c["path"], c["sha256"]), (path, row.get("sha256"))))
        elif row.get("listed") is False:
            unlisted += 1
            own = [row.get("sha256"), row.get("sha1")]
            own += [integrity(row["sha512"])] if row.get("sha512") else []
            if path in urls:
                problems.append("%s %s is listed false, and an index names its URL" % (fmt, path))
            elif any(d in digests for d in own if d):
                problems.append("%s %s is listed false, and an index names its digest"
                                % (fmt, path))
        else:
            problems.append("%s row %s: listed is %r" % (fmt, path, row.get("listed")))
    for key in sorted(set(npm) - seen_npm):
        problems.append("npm %s@%s is in a packument, and no listed row is" % key)
    for filename in sorted(set(pypi) - seen_pypi):
        problems.append("pypi %s is in the simple index, and no listed row is" % filename)
    for pkg, spec in sorted(packages.items()):
        for version, rel in sorted(spec.get("versions", {}).items()):
            copies = rel.get("copies", 1)
            for fmt in ("npm", "pypi"):
                name = names[fmt][pkg]
                v = version if fmt == "npm" else pep440_version(version)
                mine = [r for r in rows if (r.get("format"), r.get("name"), r.get("version"))
                        == (fmt, name, v)]
                if not mine:
                    problems.append("%s %s %s: no rows" % (fmt, name, v))
                for kind in sorted({r.get("kind") for r in mine}):
                    of_kind = [r for r in mine if r.get("kind") == kind]
                    expect = [(r.get("listed"), r.get("expect")) for r in of_kind]
                    if sorted(expect, key=str) != sorted(
                            [(True, "accept")] + [(False, "reject")] * (copies - 1), key=str):
                        problems.append("%s %s %s %s: (listed, expect) %s for %d copies" % (
                            fmt, name, v, kind, expect, copies))
                    if len({r.get("sha256") for r in of_kind}) != len(of_kind):
                        problems.append("%s %s %s %s: copies of the same bytes" % (fmt, name, v,
                                                                                     kind))
    report(label + "/listing", problems,
           "%d listed rows in their index, %d others in none" % (listed, unlisted))


def check_signers(rows, packages, names, label):
    problems = []
    for pkg, spec in sorted(packages.items()):
        for version, rel in sorted(spec.get("versions", {}).items()):
            for fmt in ("npm", "pypi"):
                v = version if fmt == "npm" else pep440_version(version)
                for r in rows:
                    if (r.get("format"), r.get("name"), r.get("version")) != \
                            (fmt, names[fmt][pkg], v):
                        continue
                    if (r.get("signer") or "project") != rel.get("signer", "project"):
                        problems.append("%s %s: signer %s, the set says %s" % (
                            fmt, r.get("path"), r.get("signer"), rel.get("signer")))
    report(label + "/signers", problems, "each row carries the signer the set gives it")


def check_unexpressed(packages, requests, formats, label):
    """pypi has no dist-tags; neither has provides or conflicts; npm expresses the rest."""
    tagged = ["%s %s" % (p, v) for p, s in sorted(packages.items())
              for v, r in sorted(s.get("versions", {}).items()) if r.get("tags")]
    tagged += ["%s@%s" % (q["package"], q["tag"]) for q in requests if q.get("tag")]
    relations = ["%s %s: %s %s" % (p, v, word, x if isinstance(x, str) else x.get("name"))
                 for p, s in sorted(packages.items())
                 for v, r in sorted(s.get("versions", {}).items())
                 for word, key in (("provides", "provides"), ("conflicts with", "conflicts"))
                 for x in r.get(key) or []]
    problems = []
    said = {f: formats[f].get("unexpressed") or [] for f in ("npm", "pypi")}
    for f in ("npm", "pypi"):
        missing = [x for x in relations if not any(u.startswith(x + " ") or u.startswith(x + ",")
                                                   for u in said[f])]
        if missing:
            problems.append("%s's unexpressed %s does not say %s" % (f, said[f], missing))
    pypi = [u for u in said["pypi"] if not u.startswith(tuple(relations))]
    npm = [u for u in said["npm"] if not u.startswith(tuple(relations))]
    if npm:
        problems.append("npm expresses all of a set but provides and conflicts, and its "
                        "unexpressed says %s" % npm)
    if bool(pypi) != bool(tagged):
        problems.append("the set uses dist-tags %s, and pypi's unexpressed is %s" % (
            tagged or "nowhere", pypi or "empty"))
    elif len(pypi) != len(tagged) or not all("dist-tag" in u for u in pypi):
        problems.append("pypi's unexpressed %s does not name exactly the dist-tags of %s" % (
            pypi, tagged))
    report(label + "/unexpressed", problems, "pypi: %d (the dist-tags of %s), both: %d "
           "relations" % (len(pypi), ", ".join(tagged) or "nothing", len(relations)))


# ---- one set ---------------------------------------------------------------------------
def check_set(root, set_name, label, semver_dir):
    manifest = load_json(os.path.join(root, "manifest.json"))
    base_url = manifest["base_url"].rstrip("/") + "/"
    entry = (manifest.get("sets") or {}).get(set_name)
    if not isinstance(entry, dict):
        report(label + "/manifest", ["the manifest has no sets.%s" % set_name], "")
        return
    packages = entry.get("packages") or {}
    requests = entry.get("requests") or []
    formats = entry.get("formats") or {}
    rows = manifest.get("artifacts", [])
    problems = [] if packages else ["sets.%s.packages is empty" % set_name]
    for fmt in ("npm", "pypi"):
        if fmt not in formats:
            problems.append("sets.%s.formats has no %s" % (set_name, fmt))
        elif set(formats[fmt].get("names", {})) != set(packages):
            problems.append("sets.%s.formats.%s.names maps %s, the set holds %s" % (
                set_name, fmt, sorted(formats[fmt].get("names", {})), sorted(packages)))
    problems += ["row %s is of set %r" % (r.get("path"), r.get("set"))
                 for r in rows if r.get("set") != set_name]
    virtual = {v for spec in packages.values() for rel in (spec.get("versions") or {}).values()
               for v in rel.get("provides") or []}
    for pkg, spec in sorted(packages.items()):
        for version, rel in sorted(spec.get("versions", {}).items()):
            for d in rel.get("dependencies") or []:
                held = d["name"] in packages or d["name"] in virtual
                if d.get("kind") not in KINDS or bool(d.get("provided")) != held:
                    problems.append("%s %s: dependency %s of kind %r says provided %r" % (
                        pkg, version, d["name"], d.get("kind"), d.get("provided")))
    report(label + "/manifest", problems, "%d packages, %d requests, %d rows" % (
        len(packages), len(requests), len(rows)))
    if problems:
        return
    index = SimpleIndex(root, base_url)
    pkms = npm_packuments(root)
    names = {fmt: formats[fmt]["names"] for fmt in ("npm", "pypi")}

    # Node answers npm's side of the resolutions and the dependencies in one run.
    npm_reqs = npm_requests(requests, names["npm"], formats["npm"])
    npm_declared, npm_same, npm_match, npm_count = npm_dependencies(pkms, packages, names["npm"])
    node = None
    if semver_dir:
        try:
            node = run_node(semver_dir, root, [{k: q[k] for k in ("name", "range", "tag")}
                                               for q in npm_reqs],
                            [q["same"] for q in npm_reqs] + [[a, b] for a, b, _ in npm_same],
                            [[r, versions] for r, versions, _ in npm_match])
        except RuntimeError as e:
            node = e

    if not requests:
        for fmt in ("pypi", "npm"):
            if formats[fmt].get("resolutions"):
                report("%s/resolve-%s" % (label, fmt), ["resolutions for no request: %s"
                                                       % formats[fmt]["resolutions"]], "")
            else:
                report("%s/resolve-%s" % (label, fmt), [],
                       "the set makes no requests, and the manifest records no resolution")
    else:
        check_pypi_resolutions(index, requests, names["pypi"], formats["pypi"], label)
        if node is None:
            skip(label + "/resolve-npm", "no node, or no semver module inside npm")
        elif isinstance(node, Exception):
            report(label + "/resolve-npm", [str(node)], "")
        else:
            check_npm_resolutions(npm_reqs, node["results"], node["same"], formats["npm"], label)
    check_pypi_indexes(index, root, names["pypi"], label)
    check_npm_indexes(pkms, names["npm"], label)

    declared, met, count = pypi_dependencies(index, packages, names["pypi"])
    declared += npm_declared
    if isinstance(node, Exception):
        met.append(str(node))
    elif node is not None:
        ranges = node["same"][len(npm_reqs):]
        declared += [why for (_, _, why), ok in zip(npm_same, ranges) if not ok]
        met += [why for (_, _, why), ok in zip(npm_match, node["matching"]) if not ok]
    elif npm_same:
        skip(label + "/deps-npm", "no node, or no semver module inside npm: npm's ranges "
             "are not compared or matched")
    report(label + "/deps-declared", declared,
           "%d dependencies in METADATA and packuments as the set defines them"
           % (count + npm_count))
    report(label + "/deps-satisfiable", met,
           "each dependency on a package of the set matches a listed version")
    check_purls(rows, label)
    check_listing(root, base_url, rows, packages, names, index, pkms, label)
    check_signers(rows, packages, names, label)
    check_unexpressed(packages, requests, formats, label)


# ---- identities ------------------------------------------------------------------------
def identities(label, mode, paths):
    per = {}  # format -> size -> {name@version}
    for path in paths:
        m = load_json(path)
        for row in m.get("artifacts", []):
            per.setdefault(row["format"], {}).setdefault(m.get("size", path), set()).add(
                "%s@%s" % (row["name"], row["version"]))
    problems = [] if per else ["no rows"]
    for fmt, sizes in sorted(per.items()):
        if len(sizes) != len(paths):
            problems.append("%s: rows in %d of %d manifests" % (fmt, len(sizes), len(paths)))
            continue
        ids = [ids for _, ids in sorted(sizes.items())]
        if mode == "tiered":
            shared = set().union(*[a & b for i, a in enumerate(ids) for b in ids[i + 1:]])
            if shared:
                problems.append("%s: %s in more than one size" % (fmt, sorted(shared)))
        else:
            names = sorted({tuple(sorted(x.rsplit("@", 1)[0] for x in i)) for i in ids})
            if len(names) != 1:
                problems.append("%s: the sizes have the names %s" % (fmt, names))
    detail = "; ".join("%s: %s" % (f, ", ".join("%s %s" % (s, "/".join(sorted(i)))
                                                  for s, i in sorted(z.items())))
                       for f, z in sorted(per.items()))
    report("%s/%s" % (label, "distinct-per-size" if mode == "tiered" else "same-name-plain"),
           problems, detail)


def main(argv):
    if len(argv) in (4, 6) and argv[0] == "check" and (len(argv) == 4 or argv[4] == "--semver"):
        label = argv[3]
        try:
            check_set(argv[1], argv[2], label, argv[5] if len(argv) == 6 else None)
        except Exception as e:  # a tree too broken to read is a failure, said as one
            traceback.print_exc()
            report(label + "/read", ["%s: %s" % (type(e).__name__, e)], "")
    elif len(argv) >= 4 and argv[0] == "identities" and argv[2] in ("tiered", "plain"):
        identities(argv[1], argv[2], argv[3:])
    elif len(argv) >= 3 and argv[0] == "disjoint":
        identities(argv[1], "tiered", argv[2:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
