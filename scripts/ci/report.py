#!/usr/bin/env python3
"""Turns a tier's results file (tab-separated: name, status, seconds, message, and the
reason a skip is optional, empty for any other row) into test-results/<tier>.json (the
seed's Test Report) and JUnit XML. Whether a skip may pass is decided when it is recorded
(scripts/ci/lib.sh): under CI a skip nobody declared optional is already a failure here."""

import datetime
import json
import os
import sys
from xml.sax.saxutils import quoteattr


def workflow_id():
    for var in ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILD_ID", "BUILDKITE_BUILD_ID",
                "CIRCLE_WORKFLOW_ID"):
        if os.environ.get(var):
            return os.environ[var]
    return None


def main():
    tier, results_tsv, seconds, out_dir = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    rows = []
    with open(results_tsv, encoding="utf-8") as f:
        for line in f:
            name, status, secs, message, optional = (line.rstrip("\n").split("\t", 4) + [""] * 5)[:5]
            if status not in ("pass", "fail", "skip"):
                status, message = "fail", "unknown status '%s': %s" % (status, message)
            row = {"name": name, "status": status, "duration": float(secs or 0), "message": message}
            if status == "skip":
                row["optional"] = optional or None
            rows.append(row)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "fail", "skip")}
    status = "fail" if counts["fail"] else ("pass" if counts["pass"] else "skip")
    report = {
        "tier": tier,
        "workflow": workflow_id(),
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": status,
        "duration": round(seconds, 3),
        "passed": counts["pass"],
        "failed": counts["fail"],
        "skipped": counts["skip"],
        "strict": os.environ.get("CI") == "true",
        "optionalSkips": [{"name": r["name"], "reason": r["optional"]}
                          for r in rows if r["status"] == "skip" and r["optional"]],
        "retentionDays": 14,
        "artifacts": [{"path": "test-results/"}, {"path": "logs/" + tier + "/"}],
        "tests": rows,
    }
    os.makedirs(out_dir, exist_ok=True)
    for suffix, text in ((".json", json.dumps(report, indent=2, sort_keys=True) + "\n"),
                         (".xml", junit(tier, rows, seconds, counts))):
        path = os.path.join(out_dir, tier + suffix)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)


def junit(tier, rows, seconds, counts):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<testsuite name=%s tests="%d" failures="%d" skipped="%d" time="%.3f">'
           % (quoteattr(tier), len(rows), counts["fail"], counts["skip"], seconds)]
    for r in rows:
        head = '  <testcase classname=%s name=%s time="%.3f"' % (
            quoteattr(tier), quoteattr(r["name"]), r["duration"])
        if r["status"] == "pass":
            out.append(head + "/>")
        else:
            tag = "failure" if r["status"] == "fail" else "skipped"
            out.append(head + ">")
            message = r["message"]
            if r.get("optional"):
                message += " (optional: %s)" % r["optional"]
            out.append("    <%s message=%s/>" % (tag, quoteattr(message)))
            out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
