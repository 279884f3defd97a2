#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""teeattest_collateral_fetch() against the simulator acting as a PCCS
(`teeattest-sim --pccs-dir`), with the library's built-in libcurl
transport: the collateral fetched verifies the quote; a second fetch on the
same context is served from the context cache (the simulator sees 4
requests, not 8); a 503 is retried; an unknown FMSPC is an HTTP 404 naming
the TCB Info.

Usage: test_pccs_fetch.py PCCS_CLIENT TEEATTEST_SIM [TestClass ...]
Python standard library only; 127.0.0.1 only.
"""
import json
import os
import subprocess
import sys
import unittest

import runner
from simproc import SimProcess

CLIENT = None
SIM = None
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
CASE = os.path.join(FIXTURES, "tdx", "dcapqvl_near_v4_uptodate")
OTHER = os.path.join(FIXTURES, "tdx", "gcp_cos_v4_uptodate")


class Sim(SimProcess):
    def __init__(self, pccs_dir):
        super().__init__(SIM, ["--seed", "7", "--pccs-dir", pccs_dir])

    def close(self):
        self.stop()


def verify_at(case):
    with open(os.path.join(case, "expected.json")) as f:
        return json.load(f)["verify_at_unix"]


def run_client(base, n=1, case=CASE):
    p = subprocess.run([CLIENT, base, os.path.join(case, "quote.bin"),
                        str(verify_at(case)), str(n)],
                       capture_output=True, timeout=120)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l]
    return p.returncode, lines, p.stderr.decode()


def api_requests(log):
    return [r for r in log["requests"] if not r["path"].startswith("/_sim")]


class TestPccsFetch(unittest.TestCase):
    def setUp(self):
        self.sim = Sim(CASE)
        self.sim.control({"clear_log": True})

    def tearDown(self):
        self.sim.close()

    def test_fetch_verify_and_cache(self):
        rc, lines, err = run_client(self.sim.url, n=2)
        self.assertEqual(rc, 0, (lines, err))
        self.assertEqual(len(lines), 2)
        for line in lines:
            self.assertEqual(line["rc"], 0, line)
            self.assertEqual(line["verdict"], "verified", line)
            self.assertEqual(line["status"], "UpToDate")
            self.assertGreater(line["expires"], verify_at(CASE))
        reqs = api_requests(self.sim.log())
        paths = sorted(r["path"] for r in reqs)
        self.assertEqual(paths, sorted([
            "/tdx/certification/v4/tcb", "/tdx/certification/v4/qe/identity",
            "/sgx/certification/v4/pckcrl", "/sgx/certification/v4/rootcacrl"]))
        pck = [r for r in reqs if r["path"].endswith("pckcrl")][0]
        self.assertEqual(pck["query"].get("encoding"), "der")
        self.assertIn(pck["query"].get("ca"), ("platform", "processor"))
        tcb = [r for r in reqs if r["path"].endswith("/tcb")][0]
        self.assertEqual(tcb["query"]["fmspc"], tcb["query"]["fmspc"].upper())

    def test_api_path_in_base_url(self):
        rc, lines, err = run_client(self.sim.url + "/sgx/certification/v4/")
        self.assertEqual(rc, 0, (lines, err))
        self.assertEqual(lines[0]["verdict"], "verified")

    def test_retry_on_503(self):
        self.sim.control({"fail_next": [503]})
        self.sim.control({"clear_log": True})
        rc, lines, err = run_client(self.sim.url)
        self.assertEqual(rc, 0, (lines, err))
        self.assertEqual(lines[0]["verdict"], "verified")
        reqs = api_requests(self.sim.log())
        self.assertEqual(len(reqs), 5)
        self.assertEqual(reqs[0]["status"], 503)


class TestPccsErrors(unittest.TestCase):
    def test_unknown_fmspc(self):
        sim = Sim(OTHER)  # another platform's collateral
        try:
            rc, lines, err = run_client(sim.url)
        finally:
            sim.close()
        self.assertEqual(rc, 1)
        self.assertEqual(lines[0]["backend_code"], 404, lines)
        self.assertIn("TCB Info", lines[0]["error"])
        self.assertIn("HTTP 404", lines[0]["error"])

    def test_connection_refused(self):
        sim = Sim(CASE)
        url = sim.url
        sim.close()
        rc, lines, err = run_client(url)
        self.assertEqual(rc, 1)
        self.assertNotEqual(lines[0]["rc"], 0)
        self.assertIn("TCB Info", lines[0]["error"])


if __name__ == "__main__":
    CLIENT, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
