#!/usr/bin/env python3
"""Reads every artifact of an out/<size>/ tree with Python's own zipfile and
tarfile (independent of libarchive) and checks it against manifest.json:
digests, name and version inside, the data file, and the size tier.

The formats come from the manifest's rows. A row is skipped, not passed, when it is a
defect variant (broken on purpose) or its format has no reader here; under CI (CI=true) a
skip fails unless scripts/ci/optional.tsv declares it (scope read_archives, key
defect/FORMAT/DEFECT or reader/FORMAT). Prints "N passed, N failed, N skipped"; exits 1
when a row failed or nothing passed."""

import argparse
import fnmatch
import hashlib
import io
import json
import os
import struct
import sys
import tarfile
import tomllib
import zipfile

SCOPE = "read_archives"
OPTIONAL_TABLE = os.environ.get("ASSETGEN_OPTIONAL_TABLE") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "optional.tsv")

# The seed's tiers: maximum bytes, and whether a data file fills the tier.
TIERS = {"small": (1 << 20, False), "medium": (10 << 20, True), "large": (100 << 20, True)}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def metadata_fields(text):
    fields = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, value)
    return fields


def normalize(name):
    out = []
    for ch in name.lower():
        ch = "-" if ch in "-_." else ch
        if not (ch == "-" and out and out[-1] == "-"):
            out.append(ch)
    return "".join(out)


def stream_sha256(fileobj):
    h = hashlib.sha256()
    for block in iter(lambda: fileobj.read(1 << 20), b""):
        h.update(block)
    return h.hexdigest()


def read_zip(path, art):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            raise ValueError("CRC error in " + bad)
        names = z.namelist()
        meta = [n for n in names if n.endswith(".dist-info/METADATA")]
        if len(meta) != 1:
            raise ValueError("expected one dist-info/METADATA, found %d" % len(meta))
        fields = metadata_fields(z.read(meta[0]).decode("utf-8"))
        data = None
        if art.get("data"):
            with z.open(art["data"]["path"]) as f:
                data = stream_sha256(f)
        return fields.get("Name"), fields.get("Version"), data


def read_tar(path, art):
    name = version = data = None
    with tarfile.open(path, "r:*") as t:
        for m in t:
            if not m.isfile():
                continue
            f = t.extractfile(m)
            if m.name == "package/package.json":
                pj = json.load(f)
                name, version = pj.get("name"), pj.get("version")
            elif m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"):
                fields = metadata_fields(f.read().decode("utf-8"))
                name, version = fields.get("Name"), fields.get("Version")
            elif art.get("data") and m.name.endswith("/" + art["data"]["path"]):
                data = stream_sha256(f)
            else:
                f.read()
            if m.uid != 0 or m.gid != 0:
                raise ValueError("%s is owned by %d:%d, not 0:0" % (m.name, m.uid, m.gid))
    return name, version, data


def read_pypi(path, art):
    return (read_zip if path.endswith(".whl") else read_tar)(path, art)


def read_crate_bytes(fileobj, art):
    """A .crate: every entry under <name>-<version>/, the Cargo.toml there naming it."""
    prefix = "%s-%s/" % (art["name"], art["version"])
    name = version = data = None
    with tarfile.open(fileobj=fileobj, mode="r:gz") as t:
        for m in t:
            if not m.name.startswith(prefix):
                raise ValueError("entry %s is outside %s" % (m.name, prefix))
            if not m.isfile():
                continue
            f = t.extractfile(m)
            if m.name == prefix + "Cargo.toml":
                package = tomllib.loads(f.read().decode("utf-8")).get("package", {})
                name, version = package.get("name"), package.get("version")
            elif art.get("data") and m.name == prefix + art["data"]["path"]:
                data = stream_sha256(f)
            else:
                f.read()
    return name, version, data


def read_cargo(path, art):
    """A crate, or a publish body: u32 LE length and JSON metadata, u32 LE length and the
    crate, nothing after."""
    with open(path, "rb") as f:
        if art["kind"] != "publish-body":
            return read_crate_bytes(f, art)
        body = f.read()
    (meta_len,) = struct.unpack_from("<I", body, 0)
    meta = json.loads(body[4:4 + meta_len])
    (crate_len,) = struct.unpack_from("<I", body, 4 + meta_len)
    crate = body[8 + meta_len:]
    if len(crate) != crate_len:
        raise ValueError("the body frames %d crate bytes but holds %d" % (crate_len, len(crate)))
    name, version, data = read_crate_bytes(io.BytesIO(crate), art)
    if (meta.get("name"), meta.get("vers")) != (name, version):
        raise ValueError("metadata names %s %s, the crate %s %s" % (meta.get("name"), meta.get("vers"), name, version))
    return name, version, data


# Per format, the reader that finds name, version and data file inside its artifacts.
READERS = {"npm": read_tar, "pypi": read_pypi, "cargo": read_cargo}
# Formats whose reader is a module of its own beside this file (read_<format>.py, with
# read(path, art) -> (name, version, data sha256)).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for _format in ("deb", "rpm"):
    if os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "read_%s.py" % _format)):
        READERS[_format] = __import__("read_" + _format).read


def optional_reason(key):
    """The reason optional.tsv gives for skipping KEY in this scope, or None."""
    try:
        with open(OPTIONAL_TABLE, encoding="utf-8") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                scope, glob, reason = (line.rstrip("\n").split("\t", 2) + ["", ""])[:3]
                if scope == SCOPE and reason.strip() and fnmatch.fnmatchcase(key, glob):
                    return reason.strip()
    except FileNotFoundError:
        pass
    return None


def check(root, art, size):
    path = os.path.join(root, art["path"])
    if os.path.getsize(path) != art["bytes"] or sha256_file(path) != art["sha256"]:
        raise ValueError("bytes or sha256 differ from the manifest")
    name, version, data = READERS[art["format"]](path, art)
    if normalize(name or "") != normalize(art["name"]) or version != art["version"]:
        raise ValueError("inside: %s %s, manifest: %s %s" % (name, version, art["name"], art["version"]))
    if art.get("data") and data != art["data"]["sha256"]:
        raise ValueError("data file sha256 differs from the manifest")
    if size in TIERS:
        maximum, filled = TIERS[size]
        if art["bytes"] > maximum:
            raise ValueError("%d bytes exceeds the tier maximum %d" % (art["bytes"], maximum))
        if filled and art["bytes"] < maximum * 95 // 100:
            raise ValueError("%d bytes is under 95%% of %d" % (art["bytes"], maximum))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--size", required=True)
    args = parser.parse_args()
    manifest = json.load(open(os.path.join(args.root, "manifest.json")))
    strict = os.environ.get("CI") == "true"
    passed = failed = skipped = 0
    for art in manifest["artifacts"]:
        if art.get("expect") == "reject" or art.get("defect") is not None:
            key, why = "defect/%s/%s" % (art["format"], art.get("defect")), "a defect variant"
        elif art["format"] not in READERS:
            key, why = "reader/" + art["format"], "no independent reader for " + art["format"]
        else:
            try:
                check(args.root, art, args.size)
                passed += 1
                print("pass", art["path"])
            except (ValueError, KeyError, OSError, tarfile.TarError, zipfile.BadZipFile) as e:
                failed += 1
                print("FAIL", art["path"] + ":", e)
            continue
        reason = optional_reason(key)
        if reason:
            skipped += 1
            print("OPTIONAL-SKIP %s: %s, %s [optional: %s]" % (key, art["path"], why, reason))
        elif strict:
            failed += 1
            print("FAIL %s: skipped (%s) under CI, and optional.tsv does not declare %s optional"
                  % (art["path"], why, key))
        else:
            skipped += 1
            print("SKIP-PART %s: %s, %s" % (key, art["path"], why))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
