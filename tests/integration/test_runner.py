#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""CI=true turns "cannot run" into a failure (runner.py).

Runs real integration scripts in conditions where their tests cannot run
— no simulator, an empty fixtures directory, no openssl on PATH, a build
that lacks a component — and checks the exit status: 77 (meson's
"skipped") normally, 1 with a "CI=true" explanation when CI=true. Also
checks that CI=true changes nothing when everything can run.

Usage: test_runner.py TEEATTEST_EXE TRANSPORT_CLIENT|-
"""
import os
import subprocess
import sys
import tempfile
import unittest

import runner

HERE = os.path.dirname(os.path.abspath(__file__))
EXE = None
CLIENT = None


def script(name, *args, ci=None, **env_extra):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env.update(env_extra)
    p = subprocess.run([sys.executable, os.path.join(HERE, name)] +
                       list(args), capture_output=True, env=env, timeout=600)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


class TestCiSkips(unittest.TestCase):
    def both(self, name, *args, **env):
        rc, out = script(name, *args, **env)
        self.assertEqual(rc, runner.SKIPPED, out)
        for ci in ("true", "1", "TRUE"):
            rc, out = script(name, *args, ci=ci, **env)
            self.assertEqual(rc, 1, out)
            self.assertIn("CI=true", out)
        rc, out = script(name, *args, ci="false", **env)
        self.assertEqual(rc, runner.SKIPPED, out)

    def test_simulator_not_built(self):
        self.both("test_quote_cli.py", EXE, "-", "TestQuotePccs")

    def test_fixtures_missing(self):
        with tempfile.TemporaryDirectory() as empty:
            self.both("test_gpu_cli.py", EXE, "-", "TestGpuLocal",
                      TEEATTEST_FIXTURES=empty)

    def test_openssl_missing(self):
        if CLIENT == "-":
            self.skipTest("the transport client is not built")
        with tempfile.TemporaryDirectory() as empty:
            self.both("test_transport.py", CLIENT, "TestTLS", PATH=empty)

    def test_component_not_built(self):
        self.both("prerequisites.py", "teeattest-sim (not built)")

    def test_everything_runs(self):
        rc, out = script("prerequisites.py", ci="true")
        self.assertEqual(rc, 0, out)
        rc, out = script("test_quote_cli.py", EXE, "-", "TestQuoteUsage",
                         ci="true")
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    EXE, CLIENT = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
