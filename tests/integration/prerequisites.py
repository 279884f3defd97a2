#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests that this build could not even define.

Usage: prerequisites.py [MISSING...]

meson leaves out the tests whose program was not built or found (the
simulator without libmicrohttpd/GnuTLS, the transport tests without
libcurl, the valgrind variants without valgrind) and passes their names
here. Also checks that TEEATTEST_FIXTURES names the shared fixtures.
Nothing missing: passes. Something missing: skipped (exit 77), or failed
when CI=true (runner.py), so CI never passes by defining fewer tests.
"""
import os
import sys

import runner


def main():
    missing = list(sys.argv[1:])
    fixtures = os.environ.get("TEEATTEST_FIXTURES", "")
    if not fixtures or not os.path.isdir(os.path.join(fixtures, "providers")):
        missing.append("the shared fixtures (TEEATTEST_FIXTURES=%r)"
                       % fixtures)
    if missing:
        return runner.cannot_run("these tests cannot run: " +
                                 "; ".join(missing))
    print("every integration test is defined and its fixtures are present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
