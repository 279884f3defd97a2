#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No ambient credentials, end to end: the built-in transport and the
simulator.

With every dialect's key variable (and TEEATTEST_API_KEY) set in its
environment, tests/integration/keys_client.c makes a provider of each
dialect through the public API and chats with the simulator three times:
no key given (no Authorization may arrive), a key given for
http://127.0.0.1:PORT (it arrives), then the base URL moved to
http://localhost:PORT, another origin (it must not arrive). The
simulator logs header names only, never values.

Usage: test_api_keys.py KEYS_CLIENT SIM_EXE [unittest args]
"""
import json
import os
import subprocess
import sys
import unittest
import urllib.request

import runner
from simproc import SimProcess

CLIENT = None
SIM = None


class TestApiKeys(unittest.TestCase):
    def setUp(self):
        self.sim = SimProcess(SIM)

    def tearDown(self):
        self.sim.stop()

    def test_no_ambient_key_and_none_to_another_origin(self):
        names = subprocess.run([CLIENT, "--variables"], capture_output=True,
                               check=True, timeout=60).stdout.split()
        env = {k: v for k, v in os.environ.items()
               if not k.lower().endswith("_proxy")}
        for n in [x.decode() for x in names] + ["TEEATTEST_API_KEY"]:
            env[n] = "sk-from-the-environment"
        port = self.sim.ports["http_port"]
        p = subprocess.run([CLIENT, "http://127.0.0.1:%d" % port,
                            "http://localhost:%d" % port],
                           capture_output=True, env=env, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertEqual(len(lines), 3 * len(names), lines)
        with urllib.request.urlopen(self.sim.url + "/_sim/log",
                                    timeout=60) as r:
            log = json.loads(r.read())
        sent = ["Authorization" in q["headers"] for q in log["requests"]
                if not q["path"].startswith("/_sim")]
        self.assertEqual(sent, [False, True, False] * len(names))


if __name__ == "__main__":
    CLIENT, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
