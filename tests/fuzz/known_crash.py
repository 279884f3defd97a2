#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check that an input still fails a fuzz target the known way.

Usage: known_crash.py <standalone driver> <input file> <expected text>

For inputs in crashes/<target>/ that expose a known, unfixed library bug.
Passes while the driver fails with <expected text> in its output. Fails
when the driver succeeds (the bug is fixed: move the input into
corpus/<target>/ and drop it from fuzz_known_crashes in meson.build) or
fails in some other way (a different bug, or a broken test).
"""
import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    exe, path, expected = sys.argv[1:]
    r = subprocess.run([exe, path], capture_output=True, text=True,
                       errors="replace")
    out = r.stdout + r.stderr
    if r.returncode == 0:
        print(f"{path} no longer fails: the bug looks fixed. Move the file "
              f"into corpus/ and remove it from fuzz_known_crashes in "
              f"tests/fuzz/meson.build.")
        return 1
    if expected not in out:
        print(f"{path} fails (exit {r.returncode}) but not with the known "
              f"symptom {expected!r}:\n{out}")
        return 1
    print(f"{path}: still fails with the known symptom {expected!r} "
          f"(exit {r.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
