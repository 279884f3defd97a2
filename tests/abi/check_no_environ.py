#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The library never reads the process environment.

Usage: check_no_environ.py <libteeattest.so.1> <source root>

Fails when the built shared library imports a function or variable that
reads (or writes) the environment (nm -D --undefined-only), or when any C
file under lib/ names one, so a build configuration not compiled here is
covered too. Keys, URLs and paths reach the library only through its API;
the CLI reads the documented variables and passes them (docs/providers.md).
libcurl's own handling of the proxy variables is outside this check.

Prints TAP. Uses only the Python standard library plus nm.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

NAMES = ("getenv", "secure_getenv", "__secure_getenv", "environ", "__environ",
         "_environ", "putenv", "setenv", "unsetenv", "clearenv")
SOURCE_RE = re.compile(r"\b(%s)\b" % "|".join(NAMES))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    lib, src = sys.argv[1], sys.argv[2]
    nm = shutil.which("nm")
    if not nm:
        print("Bail out! nm not found")
        return 1
    out = subprocess.run([nm, "-D", "--undefined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    imported = sorted({line.split()[-1].split("@")[0]
                       for line in out.splitlines() if line.strip()})
    bad = [n for n in imported if n in NAMES]
    failed = 0
    print("ok 1 - %s imports %d symbols" % (os.path.basename(lib),
                                            len(imported))
          if imported else "not ok 1 - nm listed no imports (wrong file?)")
    failed += not imported
    if bad:
        failed += 1
        print("not ok 2 - the library imports %s" % ", ".join(bad))
    else:
        print("ok 2 - the library imports nothing that reads the environment")
    hits = []
    for path in sorted(glob.glob(os.path.join(src, "lib", "**", "*.[ch]"),
                                 recursive=True)):
        with open(path, encoding="utf-8") as f:
            for no, line in enumerate(f, 1):
                m = SOURCE_RE.search(line)
                if m:
                    hits.append("%s:%d: %s" % (os.path.relpath(path, src), no,
                                               m.group(1)))
    if hits:
        failed += 1
        print("not ok 3 - lib/ names an environment function")
        for h in hits:
            print("#   " + h)
    else:
        print("ok 3 - no C file under lib/ names an environment function")
    print("1..3")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
