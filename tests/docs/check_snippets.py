#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compile every C block of a documentation page against the headers.

Usage: check_snippets.py CC SRC_ROOT BUILD_ROOT PAGE...

Each ```c block of each PAGE (relative to SRC_ROOT) is one translation
unit: it is compiled (not linked: the vendor-SDK functions it calls are
declared only) as C11 with -Wall -Wextra -Werror against the public
headers, so a snippet that no longer matches the API fails the docs suite.
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    cc, src_root, build_root = sys.argv[1:4]
    pages = sys.argv[4:]
    failures = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            with open(os.path.join(src_root, page), encoding="utf-8") as f:
                blocks = re.findall(r"```c\n(.*?)```", f.read(), re.S)
            if not blocks:
                print("%s has no C block" % page)
                failures += 1
            for i, block in enumerate(blocks, 1):
                total += 1
                c = os.path.join(tmp, "snippet%d.c" % total)
                with open(c, "w", encoding="utf-8") as f:
                    f.write(block)
                cmd = cc.split() + [
                    "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                    "-c", "-o", c + ".o", c,
                    "-I" + os.path.join(src_root, "include"),
                    "-I" + os.path.join(build_root, "include")]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode:
                    failures += 1
                    print("%s, C block %d does not compile:\n%s"
                          % (page, i, r.stderr))
                else:
                    print("ok %s, C block %d" % (page, i))
    if failures:
        print("%d of %d C blocks failed" % (failures, total))
        return 1
    print("%d C blocks compile" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
