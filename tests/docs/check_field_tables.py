#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/providers.md's field tables cover every member of the real captures.

Usage: check_field_tables.py PROVIDERS_MD FIXTURES_DIR

"Fields and what binds them" in docs/providers.md has one table (or a few)
per dialect, each after a marker `<!-- field-table: NAME -->`; a row's
first cell names members in backquotes, by path (`a.b`, `a[].b`), or
relative to the member just before a parenthesis (`vpc` (`.x`, `.y`)).
Every member of each capture below must be named in the tables listed
for it. Members of a dstack object may be named relative to the object
(the `dstack` table: `info.app_id` covers `all_attestations[].info.app_id`).
An object member is only descended into when the tables name one of its
members: a row may cover an object as a whole, but a table that lists
some members of an object must list all of them. GPU payloads are
checked against the `gpu` table (Tinfoil's `evidences` list read as
`evidence_list`). A self-test first checks that a member missing from
the tables is caught.
"""
import json
import os
import re
import sys

CAPTURES = {
    "nearai_direct_ed25519_tls/attestation_report.json": ["nearai", "dstack"],
    "nearai_cloud_gateway_ed25519_tls/attestation_report.json":
        ["nearai", "dstack"],
    "nanogpt_dstack_ecdsa/attestation_report.json": ["nanogpt", "dstack"],
    "venice_nearai_ecdsa/attestation_report.json": ["venice", "dstack"],
    "redpill_chutes_backend/attestation_report.json": ["redpill"],
    "chutes_direct/evidence.json": ["chutes"],
    "chutes_direct/e2e_instances.json": ["chutes"],
    "tinfoil_v3_direct/attestation.json": ["tinfoil"],
}
# Samples kept in the repository (tests/data, each with its README), by
# path relative to the project root.
REPO_SAMPLES = {
    "tests/data/aci_gateway/aci_report.json": ["aci"],
}
# The dstack objects inside a document, for names relative to them.
CONTAINERS = ("all_attestations[].", "model_attestations[].",
              "gateway_attestation.")
GPU_KEYS = ("nvidia_payload", "gpu_evidence", "gpu")
MARKER = re.compile(r"<!--\s*field-table:\s*([\w-]+)\s*-->")
CODE = re.compile(r"`([^`]+)`|(\()|(\))")


def tables(text):
    """{table name: set of member names} from the markdown."""
    out = {}
    current = []
    pending_markers = False
    for line in text.splitlines():
        m = MARKER.search(line)
        if m:
            if not pending_markers:
                current = []
            current.append(m.group(1))
            out.setdefault(m.group(1), set())
            pending_markers = True
            continue
        if line.startswith("#"):
            current = []
        if not line.startswith("|") or not current:
            continue
        pending_markers = False
        cell = line.split("|")[1]
        names = set()
        last, base = None, None
        for code, opened, closed in CODE.findall(cell):
            if opened:
                base = last
            elif closed:
                base = None
            elif code.startswith(".") and base:
                names.add(base + code)
            elif not code.startswith("."):
                names.add(code)
                last = code
        for t in current:
            out[t] |= names
    return out


def candidates(path):
    """The names that would cover `path`: itself, or relative to a
    dstack object it is in."""
    c = [path]
    for pre in CONTAINERS:
        if path.startswith(pre):
            c.append(path[len(pre):])
    return c


def missing(doc, names, relative=True):
    """Paths of `doc` that `names` does not cover."""
    out = []

    def named(path):
        cands = candidates(path) if relative else [path]
        return any(c in names or c + "[]" in names for c in cands)

    def has_members(path):
        if relative and (path + "." in CONTAINERS or
                         path + "[]." in CONTAINERS):
            return True  # dstack objects: named relative to themselves
        cands = candidates(path) if relative else [path]
        return any(n.startswith(c + ".") or n.startswith(c + "[].")
                   for c in cands for n in names)

    def walk(obj, prefix):
        for key, val in obj.items():
            path = prefix + key
            if not named(path):
                out.append(path)
                continue
            if isinstance(val, list) and val and all(
                    isinstance(v, dict) for v in val):
                if has_members(path):
                    for v in val:
                        walk(v, path + "[].")
            elif isinstance(val, dict) and has_members(path):
                walk(val, path + ".")

    walk(doc, "")
    return sorted(set(out))


def gpu_payloads(doc):
    """Every GPU payload of a report, as objects."""
    found = []

    def visit(o):
        if isinstance(o, dict):
            for k in GPU_KEYS:
                v = o.get(k)
                if isinstance(v, str) and v.strip().startswith(("{", "[")):
                    v = json.loads(v)
                if isinstance(v, list):
                    v = {"evidence_list": v}
                if isinstance(v, dict):
                    if "evidences" in v:
                        v = dict(v)
                        v["evidence_list"] = v.pop("evidences")
                    found.append(v)
            for k, v in o.items():
                if k not in GPU_KEYS:
                    visit(v)
        elif isinstance(o, list):
            for v in o:
                visit(v)

    visit(doc)
    return found


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        tabs = tables(f.read())
    fixtures = os.path.join(sys.argv[2], "providers")

    # Self-test: a member the tables do not name is reported.
    probe = {"evidence": [{"quote": "", "surprise": 1}], "extra": {},
             "gateway_attestation": {"info": {"surprise": 1}}}
    got = missing(probe, tabs.get("chutes", set()) |
                  tabs.get("dstack", set()) | {"gateway_attestation"})
    if got != ["evidence[].surprise", "extra",
               "gateway_attestation.info.surprise"]:
        print("self-test failed: a missing member went unnoticed: %s" % got)
        return 1

    bad = 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1])))
    for name in sorted({t for ts in CAPTURES.values() for t in ts} |
                       {t for ts in REPO_SAMPLES.values() for t in ts} |
                       {"gpu"}):
        if not tabs.get(name):
            print("docs/providers.md has no field table %r" % name)
            bad += 1
    docs = [(os.path.join(fixtures, rel), rel, want)
            for rel, want in sorted(CAPTURES.items())]
    docs += [(os.path.join(root, rel), rel, want)
             for rel, want in sorted(REPO_SAMPLES.items())]
    for path_, rel, want in docs:
        with open(path_, encoding="utf-8") as f:
            doc = json.load(f)
        names = set().union(*(tabs.get(t, set()) for t in want))
        for path in missing(doc, names):
            print("%s: member %s is in no field table of %s" %
                  (rel, path, ", ".join(want)))
            bad += 1
        gpu = set()
        for pl in gpu_payloads(doc):
            gpu.update(missing(pl, tabs.get("gpu", set()), False))
        for path in sorted(gpu):
            print("%s: GPU payload member %s is not in the gpu table" %
                  (rel, path))
            bad += 1
    if bad:
        print("%d member(s) missing from docs/providers.md" % bad)
        return 1
    print("every member of %d captures is in its field tables" %
          len(docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
