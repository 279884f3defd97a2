# SPDX-License-Identifier: Apache-2.0
"""How every Python test here ends: one runner, one rule for skips.

A test that cannot run (simulator not built, fixtures missing, a tool such
as openssl absent) is skipped on a developer's machine; when the
environment variable CI is "true" (or "1", "yes") it FAILS instead, naming
what was missing, so a CI run never passes by silently testing less.

    main(argv)          run unittest with argv (names of classes or tests);
                        exit status: 0 passed, 1 failed (or skipped under
                        CI), 77 (meson's "skipped") when every test skipped
    cannot_run(why)     a whole script that cannot start: 77, or 1 under CI
"""
import os
import sys
import unittest

SKIPPED = 77


def ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def cannot_run(why):
    if ci():
        print("CI=true: this test must run, but %s" % why)
        return 1
    print("skipped: %s" % why)
    return SKIPPED


def main(argv, module="__main__"):
    prog = unittest.main(module=module, argv=[sys.argv[0]] + list(argv),
                         exit=False, verbosity=2)
    result = prog.result
    if not result.wasSuccessful():
        return 1
    if result.skipped and ci():
        print("CI=true: %d test(s) could not run:" % len(result.skipped))
        for test, why in result.skipped:
            print("  %s: %s" % (test.id(), why))
        return 1
    if result.testsRun and len(result.skipped) == result.testsRun:
        return SKIPPED
    return 0
