#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The API reference: every public symbol is documented.

Usage: check_apidoc.py DOXYGEN DOXYFILE OUTDIR MAPFILE

Runs Doxygen (docs/Doxyfile.in, configured by meson) over the public
headers into OUTDIR and fails on any warning: an undocumented function,
parameter, return value, struct field, macro or typedef, or a malformed
comment. Doxygen does not warn about enum values, so the XML it writes is
read as well: every enum value must have a description. Every symbol the
version script exports must be a documented function in the reference.
Doxygen missing: skipped (exit 77), or failed when CI=true.
"""
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from runner import cannot_run  # noqa: E402  (skip, or fail under CI=true)


def text(el):
    return "".join(el.itertext()).strip() if el is not None else ""


def main():
    doxygen, doxyfile, outdir, mapfile = sys.argv[1:5]
    if not shutil.which(doxygen) and not os.path.exists(doxygen):
        return cannot_run("doxygen is not installed (apt-get install doxygen)")
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    r = subprocess.run([doxygen, doxyfile], capture_output=True, text=True)
    if r.returncode:
        print(r.stdout + r.stderr)
        print("doxygen exited with %d" % r.returncode)
        return 1
    problems = [l for l in r.stderr.splitlines() if l.strip()]

    xmldir = os.path.join(outdir, "xml")
    documented = set()
    for name in sorted(os.listdir(xmldir)):
        if not name.endswith(".xml") or name in ("index.xml", "Doxyfile.xml"):
            continue
        root = ET.parse(os.path.join(xmldir, name)).getroot()
        for md in root.iter("memberdef"):
            mname = text(md.find("name"))
            described = (text(md.find("briefdescription")) or
                         text(md.find("detaileddescription")))
            if md.get("kind") == "function" and described:
                documented.add(mname)
            for ev in md.findall("enumvalue"):
                if not (text(ev.find("briefdescription")) or
                        text(ev.find("detaileddescription"))):
                    loc = md.find("location")
                    problems.append("%s:%s: enum value %s of %s is not documented"
                                    % (loc.get("file"), loc.get("line"),
                                       text(ev.find("name")), mname))

    with open(mapfile, encoding="utf-8") as f:
        exported = set(re.findall(r"\b(teeattest_\w+)\s*;", f.read()))
    for sym in sorted(exported - documented):
        problems.append("exported symbol %s is not a documented function in "
                        "the API reference" % sym)

    for p in problems:
        print(p)
    if problems:
        print("%d documentation problem(s)" % len(problems))
        return 1
    print("API reference: %d exported functions documented, no warnings"
          % len(exported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
