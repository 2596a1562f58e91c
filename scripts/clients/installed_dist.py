#!/usr/bin/env python3
"""What a Python installer left in the environment that runs this, for a client case.

    installed_dist.py NAME VERSION [DATA_PATH DATA_SHA256]

The distribution NAME is installed at VERSION, and the data file (relative to its
site-packages, as the manifest's data.path) has DATA_SHA256. Prints what matched; exits 1
naming what did not. pip's and uv's cases both run it with the venv's own python."""

import hashlib
import importlib.metadata as md
import sys


def main():
    name, version = sys.argv[1:3]
    data_path, data_sha256 = (sys.argv[3:5] + ["", ""])[:2]
    try:
        got = md.version(name)
    except md.PackageNotFoundError:
        sys.exit("%s is not installed" % name)
    if got != version:
        sys.exit("installed version %s, wanted %s" % (got, version))
    if not data_path:
        print("version matches the manifest")
        return
    path = md.distribution(name).locate_file(data_path)
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        sys.exit("data file %s not installed (%s)" % (data_path, e.strerror))
    if h.hexdigest() != data_sha256:
        sys.exit("data file %s sha256 %s, manifest says %s" % (data_path, h.hexdigest(),
                                                               data_sha256))
    print("version and data sha256 match the manifest")


if __name__ == "__main__":
    main()
