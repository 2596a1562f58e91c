#!/usr/bin/env python3
"""The package-set requests a manifest row answers, for a client case.

    set_checks.py FORMAT MANIFEST PATH

For the row at PATH (of a package set), each of the set's requests for the row's name whose
expected resolution (sets.<set>.formats.<FORMAT>.resolutions, matched to the set's requests
by index) installs this row's version, or fails, as one line:
    RESOLVES<TAB>NAME=VERSION ...<TAB>client args...   what the client must install
    FAILS<TAB>the manifest's notes<TAB>client args...   what the client must refuse
The client args are the request as the manifest writes it, split as a shell would. Nothing
is printed for a row outside a set. Exits 1 naming the problem when the manifest cannot say."""

import json
import shlex
import sys


def main():
    fmt, manifest, path = sys.argv[1:4]
    doc = json.load(open(manifest, encoding="utf-8"))
    rows = [a for a in doc.get("artifacts", []) if a.get("path") == path]
    if not rows:
        sys.exit("manifest lists no artifact at '%s'" % path)
    row = rows[0]
    if not row.get("set"):
        return
    entry = (doc.get("sets") or {}).get(row["set"]) or {}
    per = (entry.get("formats") or {}).get(fmt) or {}
    names = per.get("names") or {}
    requests = entry.get("requests") or []
    resolutions = per.get("resolutions", [])
    for i, r in enumerate(resolutions):
        # The request's package: the set's request of the same index, else the text itself.
        if len(requests) == len(resolutions):
            target = names.get(requests[i].get("package"), requests[i].get("package"))
        else:
            target = r.get("request")
        if target != row["name"]:
            continue
        res = r.get("resolves") or {}
        args = shlex.split(r.get("request") or "")
        if r.get("outcome") == "resolves" and res.get(row["name"]) == row["version"]:
            line = ["RESOLVES", " ".join("%s=%s" % kv for kv in sorted(res.items()))] + args
        elif r.get("outcome") == "fails":
            line = ["FAILS", "; ".join(r.get("notes") or ["no resolution"])] + args
        else:
            continue
        if any("\n" in part or "\t" in part for part in line):
            sys.exit("a request of '%s' holds a newline or tab" % path)
        print("\t".join(line))


if __name__ == "__main__":
    main()
