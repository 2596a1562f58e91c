#!/usr/bin/env python3
"""Reads every artifact of an out/<size>/ tree with Python's own zipfile and
tarfile (independent of libarchive) and checks it against manifest.json:
digests, name and version inside, the data file, and the size tier."""

import argparse
import hashlib
import json
import os
import sys
import tarfile
import zipfile

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


def check(root, art, size):
    path = os.path.join(root, art["path"])
    if os.path.getsize(path) != art["bytes"] or sha256_file(path) != art["sha256"]:
        raise ValueError("bytes or sha256 differ from the manifest")
    reader = read_zip if zipfile.is_zipfile(path) and path.endswith(".whl") else read_tar
    name, version, data = reader(path, art)
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
    failed = 0
    for art in manifest["artifacts"]:
        if art.get("expect") == "reject":
            continue
        try:
            check(args.root, art, args.size)
            print("pass", art["path"])
        except (ValueError, KeyError, OSError, tarfile.TarError, zipfile.BadZipFile) as e:
            failed += 1
            print("FAIL", art["path"] + ":", e)
    print("%d passed, %d failed" % (len(manifest["artifacts"]) - failed, failed))
    sys.exit(1 if failed or not manifest["artifacts"] else 0)


if __name__ == "__main__":
    main()
