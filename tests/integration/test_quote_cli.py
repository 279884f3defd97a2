#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest quote` (Intel TDX quote verification).

Usage: test_quote_cli.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

Offline: every case of $TEEATTEST_FIXTURES/tdx with its collateral as a
PCS directory and as dcap-qvl JSON, quotes as binary, hex and base64, the
policy options, --json, and exit codes 0 (verified), 1 (not verified) and
2 (input errors). Online: the simulator acting as a PCCS (--pccs-dir)
serves the fixture collateral over loopback HTTP (skipped when SIM_EXE is
'-'). Fixtures are never written; derived files go to a temporary
directory. No wall clock: every run passes --at.
"""
import base64
import calendar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import runner
from simproc import SimProcess

EXE = None
SIM = None
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
TDX = os.path.join(FIXTURES, "tdx")
NEAR = os.path.join(FIXTURES, "providers", "nearai_direct_ed25519_tls")
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CASES = ["dcapqvl_v4_uptodate", "dcapqvl_near_v4_uptodate",
         "gcp_cos_v4_uptodate", "automata_gcp_v4_outofdate",
         "gotdxguest_v5_uptodate", "gotdxguest_v4_no_tcb_level",
         "dcapqvl_v5_no_tcb_level"]
NEAR_AT = 1782698797  # capture time 2026-06-29T02:06:37Z


def run(*args):
    r = subprocess.run([EXE] + [str(a) for a in args], capture_output=True,
                       timeout=120)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def expected(case):
    with open(os.path.join(TDX, case, "expected.json")) as f:
        return json.load(f)


def want_exit(case):
    status = expected(case)["expected"].get("status")
    return EXIT_VERIFIED if status in ("UpToDate", "SWHardeningNeeded") \
        else EXIT_FAILED


def quote_path(case):
    return os.path.join(TDX, case, "quote.bin")


def read(path):
    with open(path, "rb") as f:
        return f.read()


@unittest.skipUnless(os.path.isdir(TDX), "TEEATTEST_FIXTURES not set")
class TestQuoteOffline(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-quote-")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def test_every_case_directory(self):
        for case in CASES:
            with self.subTest(case=case):
                e = expected(case)
                rc, out, err = run("quote", "--quote", quote_path(case),
                                   "--collateral", os.path.join(TDX, case),
                                   "--at", e["verify_at_unix"])
                self.assertEqual(rc, want_exit(case), out + err)
                lines = out.strip().splitlines()
                self.assertEqual(lines[-1], "verdict: verified"
                                 if rc == 0 else "verdict: FAILED")
                status = e["expected"].get("status")
                # a failed verdict vouches for no fact: each is labelled
                unv = "" if rc == 0 else "unverified "
                self.assertIn("%sstatus: %s\n" % (unv, status or
                                                  "TCB level not supported"),
                              out)
                if status:
                    adv = ",".join(e["expected"]["advisory_ids"]) or "none"
                    self.assertIn("%sadvisories: %s\n" % (unv, adv), out)
                else:
                    self.assertRegex(out, r"FAIL  tdx\.tcb_level +TCB level "
                                          r"not supported")
                self.assertIn("  %sMRTD         %s\n"
                              % (unv, e["td_report"]["mr_td"]), out)
                self.assertIn("  %sreport_data  %s\n"
                              % (unv, e["td_report"]["report_data"]), out)
                # one line per check
                self.assertEqual(len([l for l in lines if l[:6] in
                                      ("PASS  ", "FAIL  ", "SKIP  ", "WARN  ",
                                       "SKIP* ")]),
                                 22)

    def test_every_case_dcap_qvl_json(self):
        for case in CASES:
            with self.subTest(case=case):
                rc, out, err = run("quote", "--quote", quote_path(case),
                                   "--collateral",
                                   os.path.join(TDX, case, "collateral.json"),
                                   "--at", expected(case)["verify_at_unix"])
                self.assertEqual(rc, want_exit(case), out + err)

    def test_json_output(self):
        case = "gotdxguest_v5_uptodate"
        rc, out, _ = run("quote", "--quote", quote_path(case), "--collateral",
                         os.path.join(TDX, case), "--at",
                         expected(case)["verify_at_unix"], "--json")
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "verified")
        self.assertEqual(doc["facts"]["tdx.status"], "UpToDate")
        self.assertEqual(doc["facts"]["tdx.quote.version"], "5")
        names = [c["name"] for c in doc["checks"]]
        self.assertEqual(names[0], "tdx.quote.parse")
        self.assertIn("tdx.td.mrservicetd", names)
        case = "dcapqvl_v5_no_tcb_level"
        rc, out, _ = run("quote", "--quote", quote_path(case), "--collateral",
                         os.path.join(TDX, case), "--at",
                         expected(case)["verify_at_unix"], "--json")
        self.assertEqual(rc, 1)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "failed")
        failed = [c["name"] for c in doc["checks"] if c["outcome"] == "fail"]
        self.assertEqual(failed[0], "tdx.tcb_level")

    def test_quote_encodings(self):
        case = "dcapqvl_v4_uptodate"
        raw = read(quote_path(case))
        at = expected(case)["verify_at_unix"]
        col = os.path.join(TDX, case)
        forms = {
            "hex": raw.hex() + "\n",
            "HEX0x": "0x" + raw.hex().upper(),
            "wrapped-hex": "\n".join(raw.hex()[i:i + 64]
                                     for i in range(0, len(raw) * 2, 64)),
            "base64": base64.b64encode(raw).decode() + "\n",
            "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        }
        for name, text in forms.items():
            with self.subTest(form=name):
                path = self.write(name, text)
                rc, out, err = run("quote", "--quote", path, "--collateral",
                                   col, "--at", at)
                self.assertEqual(rc, 0, out + err)

    def test_policy_options(self):
        case = "automata_gcp_v4_outofdate"
        e = expected(case)
        base = ["quote", "--quote", quote_path(case), "--collateral",
                os.path.join(TDX, case), "--at", e["verify_at_unix"]]
        rc, out, _ = run(*base)
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"FAIL  tdx\.status +OutOfDate is not accepted")
        rc, out, _ = run(*base, "--accept", "UpToDate,outofdate")
        self.assertEqual(rc, 0, out)
        rc, _, _ = run(*base, "--accept", "UpToDate")
        self.assertEqual(rc, 1)

    def eval_number(self, case):
        with open(os.path.join(TDX, case, "tcb_info.json")) as f:
            return json.load(f)["tcbInfo"]["tcbEvaluationDataNumber"]

    def test_min_tcb_eval(self):
        # The real collateral's tcbEvaluationDataNumber (TCB Info and QE
        # Identity alike) is the boundary: equal passes, one more fails.
        case = "dcapqvl_near_v4_uptodate"
        n = self.eval_number(case)
        base = ["quote", "--quote", quote_path(case), "--collateral",
                os.path.join(TDX, case), "--at",
                expected(case)["verify_at_unix"]]
        rc, out, _ = run(*base, "--min-tcb-eval", n)
        self.assertEqual(rc, EXIT_VERIFIED, out)
        self.assertRegex(out, r"PASS  tdx\.tcb_eval_number +TCB Info "
                         r"tcbEvaluationDataNumber %d, QE Identity %d, "
                         r"policy minimum %d" % (n, n, n))
        self.assertIn("TCB evaluation data number: TCB Info %d, QE Identity "
                      "%d\n" % (n, n), out)
        rc, out, _ = run(*base, "--min-tcb-eval", n + 1, "--json")
        self.assertEqual(rc, EXIT_FAILED, out)
        doc = json.loads(out)
        failed = [c for c in doc["checks"] if c["outcome"] == "fail"]
        self.assertEqual([c["name"] for c in failed], ["tdx.tcb_eval_number"])
        self.assertEqual(failed[0]["detail"], "tcbEvaluationDataNumber below "
                         "the policy minimum %d: TCB Info %d, QE Identity %d"
                         % (n + 1, n, n))
        self.assertEqual(doc["facts"]["unverified.tdx.tcb_info.eval_number"],
                         n)
        # without a minimum the check is not recorded; 0 is no minimum
        for extra in ([], ["--min-tcb-eval", "0"]):
            rc, out, _ = run(*base, "--json", *extra)
            self.assertEqual(rc, EXIT_VERIFIED)
            doc = json.loads(out)
            self.assertNotIn("tdx.tcb_eval_number",
                             [c["name"] for c in doc["checks"]])
            self.assertEqual(doc["facts"]["tdx.qe_identity.eval_number"], n)

    def explain(self, case, *extra):
        return run("quote", "--quote", quote_path(case), "--collateral",
                   os.path.join(TDX, case), "--at",
                   expected(case)["verify_at_unix"], "--explain", *extra)

    def test_explain_outofdate(self):
        # automata_gcp_v4_outofdate, by hand from its tcb_info.json: the PCK
        # SGX components 6,6,.. are below the newest level's 7,7,.. and
        # match level 1 (OutOfDate, 2023-08-09); TEE_TCB_SVN 04 01 07 has a
        # versioned module (TDX_01), so TDX components 0-1 are not judged
        # by the platform levels.
        case = "automata_gcp_v4_outofdate"
        rc, out, _ = self.explain(case, "--accept", "OutOfDate")
        self.assertEqual(rc, EXIT_VERIFIED, out)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "verdict: verified")
        self.assertRegex(out, r"\n  tcbDate +2024-03-13 2023-08-09 "
                         r"2023-02-15 2018-01-04\n")
        self.assertRegex(out, r"\n  tcbStatus +UpToDate +OutOfDate +"
                         r"OutOfDate +OutOfDate\n")
        row = next(l for l in lines if l.startswith("  matched"))
        self.assertEqual(row.index("MATCHED"), out.splitlines()[
            lines.index(row) - 3].index("level 1"))
        self.assertRegex(out, r"\n  SGX component 0 +6  7 < +6 +5 +5\n")
        self.assertRegex(out, r"\n  SGX component 1 +6  7 < +6 +5 +5\n")
        self.assertRegex(out, r"\n  SGX component 2 +2  2 +2 +2 +2\n")
        self.assertRegex(out, r"\n  PCESVN +11  11 +11 +11 +5\n")
        self.assertRegex(out, r"\n  TDX component 0 +4  5 - +3 - +3 - +3 -\n")
        self.assertRegex(out, r"\n  TDX component 2 +7  7 +6 +5 +5\n")
        self.assertIn("judged by the TDX_01 module identity", out)
        behind = ("Early Microcode Update (CPUSVN component 0): 6 < 7, "
                  "SGX Late Microcode Update (CPUSVN component 1): 6 < 7")
        self.assertIn("\nbehind newest TCB level: " + behind + "\n", out)
        # with --json: JSON only, the same data in the facts
        rc, out, _ = self.explain(case, "--accept", "OutOfDate", "--json")
        self.assertEqual(rc, EXIT_VERIFIED)
        facts = json.loads(out)["facts"]
        self.assertEqual(facts["tdx.tcb_behind"], behind)
        self.assertEqual(facts["tdx.tcb_level_index"], 1)
        self.assertEqual(facts["tdx.platform_tcb_date"],
                         expected(case)["reference_verifier_result"]
                         ["tdx_level_date"])
        self.assertEqual(len(facts["tdx.tcb_levels"].split("; ")), 4)
        # not accepted: the same table, labelled unverified
        rc, out, _ = self.explain(case)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertIn("unverified TCB comparison", out)
        self.assertIn("unverified behind newest TCB level: " + behind, out)

    def test_explain_uptodate_and_no_level(self):
        rc, out, _ = self.explain("gcp_cos_v4_uptodate")
        self.assertEqual(rc, EXIT_VERIFIED, out)
        self.assertRegex(out, r"\n  matched +MATCHED\n")
        self.assertNotIn("behind", out)
        self.assertNotIn(" <", out)
        rc, out, _ = self.explain("gotdxguest_v4_no_tcb_level")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertRegex(out, r"\n  matched +none\n")
        self.assertRegex(out, r"\n  SGX component 0 +3  5 < +5 <\n")

    def test_measurements(self):
        case = "dcapqvl_near_v4_uptodate"
        e = expected(case)
        td = e["td_report"]
        base = ["quote", "--quote", quote_path(case), "--collateral",
                os.path.join(TDX, case), "--at", e["verify_at_unix"]]
        rc, out, _ = run(*base, "--expect-mrtd", td["mr_td"], "--expect-rtmr0",
                         td["rtmr0"], "--expect-rtmr3", td["rtmr3"],
                         "--expect-mrconfigid", td["mr_config_id"])
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"PASS  tdx\.td\.measurements")
        other = "ab" * 48
        rc, out, _ = run(*base, "--expect-mrtd", other + "," + td["mr_td"])
        self.assertEqual(rc, 0, out)
        rc, out, _ = run(*base, "--expect-rtmr2", other)
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"FAIL  tdx\.td\.measurements +mismatch: RTMR2 "
                              r"is " + td["rtmr2"])

    def test_collateral_window(self):
        case = "dcapqvl_v4_uptodate"
        base = ["quote", "--quote", quote_path(case), "--collateral",
                os.path.join(TDX, case)]
        rc, out, _ = run(*base, "--at", 1752969600)  # after nextUpdate
        self.assertEqual(rc, 1)
        rc, out, _ = run(*base, "--at", 1752969600,
                         "--allow-expired-collateral")
        self.assertEqual(rc, 0, out)
        self.assertIn("WARN  tdx.", out)
        rc, _, _ = run(*base, "--at", 1700000000)  # before
        self.assertEqual(rc, 1)

    def test_tampered_quote(self):
        case = "dcapqvl_v4_uptodate"
        raw = bytearray(read(quote_path(case)))
        raw[48 + 136] ^= 1  # MRTD
        path = self.write("tampered.bin", bytes(raw))
        rc, out, _ = run("quote", "--quote", path, "--collateral",
                         os.path.join(TDX, case), "--at",
                         expected(case)["verify_at_unix"])
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"FAIL  tdx\.quote\.signature")
        # a truncated quote fails verification cleanly (exit 1, not a crash)
        path = self.write("short.bin", bytes(raw[:700]))
        rc, out, _ = run("quote", "--quote", path, "--collateral",
                         os.path.join(TDX, case), "--at",
                         expected(case)["verify_at_unix"])
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"FAIL  tdx\.quote\.parse")

    @unittest.skipUnless(os.path.isdir(NEAR), "NEAR capture not present")
    def test_near_capture(self):
        with open(os.path.join(NEAR, "attestation_report.json")) as f:
            quote_hex = json.load(f)["intel_quote"]
        path = self.write("near.hex", quote_hex)
        rc, out, err = run("quote", "--quote", path, "--collateral",
                           os.path.join(NEAR, "intel_pcs"), "--at", NEAR_AT)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("status: UpToDate\n", out)


@unittest.skipUnless(os.path.isdir(TDX), "TEEATTEST_FIXTURES not set")
class TestQuoteUsage(unittest.TestCase):
    CASE = "dcapqvl_v4_uptodate"

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-quote-")
        self.col = os.path.join(TDX, self.CASE)
        self.q = quote_path(self.CASE)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def usage(self, *args, msg=None):
        rc, out, err = run("quote", *args)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertTrue(err.startswith("teeattest: quote: "), err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        if msg:
            self.assertIn(msg, err)
        return err

    def test_help(self):
        rc, out, _ = run("quote", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("Usage: teeattest quote", out)
        rc, out, _ = run("help", "quote")
        self.assertEqual(rc, 0)
        rc, out, _ = run("--help")
        self.assertIn("quote", out)

    def test_missing_and_conflicting(self):
        self.usage("--collateral", self.col, msg="--quote")
        self.usage("--quote", self.q, msg="--collateral")
        self.usage("--quote", self.q, "--collateral", self.col, "--pccs",
                   "http://127.0.0.1:1", msg="not both")
        self.usage("--quote", self.q, "--collateral", self.col, "--bogus")
        self.usage("--quote", self.q, "--collateral", self.col, "extra")

    def test_cache_dir_usage(self):
        # --cache-dir caches fetched collateral: it needs --pccs
        self.usage("--quote", self.q, "--collateral", self.col, "--cache-dir",
                   self.tmp.name, msg="--cache-dir needs --pccs")
        self.usage("--quote", self.q, "--cache-dir", self.tmp.name,
                   msg="--collateral")
        self.usage("--quote", self.q, "--pccs", "http://127.0.0.1:1",
                   "--cache-dir", "", msg="--cache-dir")
        rc, out, _ = run("quote", "--help")
        self.assertIn("--cache-dir DIR", out)

    def test_bad_files(self):
        self.usage("--quote", os.path.join(self.tmp.name, "none.bin"),
                   "--collateral", self.col, msg="none.bin")
        bad = self.write("bad.hex", "04000200zz not hex at all!!\n")
        self.usage("--quote", bad, "--collateral", self.col,
                   msg="neither a binary quote nor hex or base64")
        empty = self.write("empty", b"")
        self.usage("--quote", empty, "--collateral", self.col)
        self.usage("--quote", self.q, "--collateral",
                   os.path.join(self.tmp.name, "nodir"))
        # a directory without the collateral files
        os.mkdir(os.path.join(self.tmp.name, "emptydir"))
        self.usage("--quote", self.q, "--collateral",
                   os.path.join(self.tmp.name, "emptydir"),
                   msg="tcb_info.json")
        junk = self.write("col.json", "{not json")
        self.usage("--quote", self.q, "--collateral", junk)
        self.usage("--quote", self.q, "--collateral", self.write("o.json", "{}"))

    def test_bad_values(self):
        base = ["--quote", self.q, "--collateral", self.col]
        self.usage(*base, "--at", "yesterday", msg="--at")
        self.usage(*base, "--at", "12x")
        self.usage(*base, "--at", "")
        self.usage(*base, "--at", "1751623200", "--accept", "Fine",
                   msg="unknown TCB status")
        self.usage(*base, "--accept", "")
        self.usage(*base, "--expect-mrtd", "abcd", msg="96 hex digits")
        self.usage(*base, "--expect-rtmr1", "zz" * 48)
        self.usage(*base, "--expect-rtmr3", "00" * 48 + ",")
        for bad in ("", "x", "-1", "1.5", "4294967296", "0x10"):
            self.usage(*base, "--min-tcb-eval", bad, msg="--min-tcb-eval")


class Sim(SimProcess):
    """The simulator serving one case's collateral as a PCCS."""

    def __init__(self, pccs_dir):
        super().__init__(SIM, ["--pccs-dir", pccs_dir],
                         prefix="test-quote-sim-")


def iso_unix(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


CACHE_FILES = ["tcb_info.json", "tcb_info_issuer_chain.pem",
               "qe_identity.json", "qe_identity_issuer_chain.pem",
               "pck_crl.der", "root_ca_crl.der"]


class PccsCacheTests:
    """`--pccs URL --cache-dir DIR`: fetch once, then verify from the cache
    without network until the collateral expires. Mixed into
    TestQuotePccs (its setUp skips them without the simulator)."""

    def cache_setup(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-quote-cache-")
        self.addCleanup(self.tmp.cleanup)
        self.cache = os.path.join(self.tmp.name, "cache", "tdx")

    def quote(self, case, url, at=None, *extra):
        at = expected(case)["verify_at_unix"] if at is None else at
        return run("quote", "--quote", quote_path(case), "--pccs", url,
                   "--cache-dir", self.cache, "--at", at, *extra)

    def populate(self, case):
        """First run: fetched through the simulator and saved. Returns the
        simulator's (now dead) URL and the cache subdirectory."""
        sim = Sim(os.path.join(TDX, case))
        try:
            rc, out, err = self.quote(case, sim.url)
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertEqual(rc, want_exit(case), out + err)
        self.assertIn("collateral: fetched from %s, saved in " % sim.url, out)
        self.assertEqual(err, "")
        subs = os.listdir(self.cache)
        self.assertEqual(len(subs), 1, subs)
        sub = os.path.join(self.cache, subs[0])
        fmspc, ca = subs[0].split("-")
        self.assertEqual(len(fmspc), 12)
        self.assertIn(ca, ("platform", "processor"))
        names = os.listdir(sub)
        for name in CACHE_FILES:
            self.assertIn(name, names)
        self.assertFalse([n for n in names if n.startswith(".")], names)
        # the signed documents are kept exactly as served
        for name in ("tcb_info.json", "qe_identity.json"):
            self.assertEqual(read(os.path.join(sub, name)),
                             read(os.path.join(TDX, case, name)))
        return sim.url, sub

    def test_cache_then_offline(self):
        self.cache_setup()
        for case in ["dcapqvl_v4_uptodate", "automata_gcp_v4_outofdate",
                     "gotdxguest_v5_uptodate"]:
            with self.subTest(case=case):
                shutil.rmtree(self.cache, ignore_errors=True)
                url, sub = self.populate(case)
                status = expected(case)["expected"]["status"]
                # the simulator is gone: only the cache can answer
                for u in (url, "http://127.0.0.1:1"):
                    rc, out, err = self.quote(case, u)
                    self.assertEqual(rc, want_exit(case), out + err)
                    self.assertIn("collateral: cached in %s\n" % sub, out)
                    self.assertIn("status: %s\n" % status, out)
                    self.assertEqual(err, "")
                # --json prints the result only
                rc, out, err = self.quote(case, url, None, "--json")
                self.assertEqual(rc, want_exit(case), out + err)
                res = json.loads(out)
                # a failed verdict keeps its facts only as unverified.*
                key = ("tdx.status" if res["verdict"] == "verified"
                       else "unverified.tdx.status")
                self.assertEqual(res["facts"][key], status)

    def test_expired_cache_refetches(self):
        self.cache_setup()
        case = "dcapqvl_v4_uptodate"
        url, sub = self.populate(case)
        until = iso_unix(expected(case)["collateral_valid_until"])
        # still valid at its last second
        rc, out, err = self.quote(case, url, until - 1)
        self.assertIn("collateral: cached in", out)
        # expired: fetched again, which fails with the simulator gone
        rc, out, err = self.quote(case, url, until + 1)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertIn("expired, fetching", out)
        self.assertIn("fetching collateral from %s" % url, err)
        # and succeeds against a running PCCS, replacing the cached files
        stale = os.path.join(sub, "pck_crl.der")
        os.utime(stale, (0, 0))
        sim = Sim(os.path.join(TDX, case))
        try:
            rc, out, err = self.quote(case, sim.url, until + 1)
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertIn("expired, fetching", out)
        self.assertIn("saved in %s" % sub, out)
        # the fixture collateral itself is expired at that time
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertGreater(os.stat(stale).st_mtime, 0)

    def test_broken_cache_refetches(self):
        self.cache_setup()
        case = "dcapqvl_v4_uptodate"
        url, sub = self.populate(case)
        os.unlink(os.path.join(sub, "qe_identity.json"))
        sim = Sim(os.path.join(TDX, case))
        try:
            rc, out, err = self.quote(case, sim.url)
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("warning: cache", err)
        self.assertIn("saved in %s" % sub, out)
        self.assertTrue(os.path.exists(os.path.join(sub, "qe_identity.json")))

    def test_unwritable_cache_warns(self):
        self.cache_setup()
        case = "dcapqvl_v4_uptodate"
        blocker = os.path.join(self.tmp.name, "file")
        with open(blocker, "w") as f:
            f.write("x")
        self.cache = os.path.join(blocker, "cache")
        sim = Sim(os.path.join(TDX, case))
        try:
            rc, out, err = self.quote(case, sim.url)
        finally:
            self.assertEqual(sim.stop(), 0)
        # verification is unaffected; the cache failure is a warning
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("warning: collateral not cached", err)


@unittest.skipUnless(os.path.isdir(TDX), "TEEATTEST_FIXTURES not set")
class TestQuotePccs(PccsCacheTests, unittest.TestCase):
    """`--pccs URL` against the simulator acting as a PCCS."""

    def setUp(self):
        if not SIM or SIM == "-":
            self.skipTest("simulator not built")

    def verify_online(self, case):
        sim = Sim(os.path.join(TDX, case))
        try:
            return run("quote", "--quote", quote_path(case), "--pccs", sim.url,
                       "--at", expected(case)["verify_at_unix"])
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_online_cases(self):
        for case in ["dcapqvl_near_v4_uptodate", "dcapqvl_v4_uptodate",
                     "automata_gcp_v4_outofdate", "gotdxguest_v5_uptodate"]:
            with self.subTest(case=case):
                rc, out, err = self.verify_online(case)
                self.assertEqual(rc, want_exit(case), out + err)
                status = expected(case)["expected"]["status"]
                self.assertIn("status: %s\n" % status, out)

    def test_wrong_platform(self):
        # the simulator serves another FMSPC's TCB Info: 404, exit 2
        sim = Sim(os.path.join(TDX, "dcapqvl_near_v4_uptodate"))
        try:
            case = "dcapqvl_v4_uptodate"
            rc, out, err = run("quote", "--quote", quote_path(case), "--pccs",
                               sim.url, "--at",
                               expected(case)["verify_at_unix"])
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertIn("fetching collateral", err)

    def test_unreachable(self):
        sim = Sim(os.path.join(TDX, "dcapqvl_v4_uptodate"))
        url = sim.url
        self.assertEqual(sim.stop(), 0)  # nothing listens there any more
        case = "dcapqvl_v4_uptodate"
        rc, out, err = run("quote", "--quote", quote_path(case), "--pccs",
                           url, "--at", expected(case)["verify_at_unix"])
        self.assertEqual(rc, EXIT_USAGE, out + err)


def main():
    global EXE, SIM
    if len(sys.argv) < 3:
        sys.exit("usage: test_quote_cli.py TEEATTEST_EXE SIM_EXE|- "
                 "[unittest args]")
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))


if __name__ == "__main__":
    main()
