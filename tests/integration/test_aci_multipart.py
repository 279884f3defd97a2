# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the deep audit of multipart/mixed session evidence:
`teeattest chat --provider aci` behind teeattest-sim --aci-aggregator
serving a session whose evidence is a bundle in the gateway's shape (the
upstream's report + NEAR's real 8-GPU NVIDIA evidence of
../shared/fixtures, judged by the fixture's NRAS answer and JWKS given with
--nras-response / --jwks), and the fault aci_multipart: a part edited after
digesting, a report part that does not verify, the report part dropped
(digest recomputed), the parts swapped, the delimiter inside a part. Then
chat --save and `teeattest verify FILE` re-verifying the bundle offline.

Usage: test_aci_multipart.py TEEATTEST_EXE SIM_EXE|- [unittest args...]

The simulator's clock (--pki-time) and the verification time (--at) are
fixed at the NRAS answer's capture time: nothing depends on the wall
clock.
"""
import json
import os
import sys
import unittest

import runner
from aci_case import checks, failed, run_cli, start_sim

EXE = None
SIM = None
EXIT_VERIFIED, EXIT_FAILED = 0, 1
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
NEAR = os.path.join(FIXTURES, "nvidia", "remote_neardirect_h100x8")
GPU_EVIDENCE = os.path.join(NEAR, "nvidia_payload.json")
NRAS = os.path.join(NEAR, "nras_response.json")
JWKS = os.path.join(FIXTURES, "nvidia", "jwks", "nras_jwks_20260629.json")
AT = 1782699000          # 2026-06-29T02:10:00Z, the NRAS tokens' lifetime
PKI_TIME = AT - 60
GOOD, EDITED, BAD_REPORT, DROPPED, SWAPPED, TRICK = range(1, 7)
MATERIAL = ("--nras-response", NRAS, "--jwks", JWKS)


def run(*args):
    return run_cli(EXE, *args)


class MultipartCase(unittest.TestCase):
    n = 0

    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        if not all(os.path.exists(p) for p in (GPU_EVIDENCE, NRAS, JWKS)):
            raise unittest.SkipTest("NVIDIA fixtures not found")
        start_sim(cls, SIM, "test-aci-mp-",
                  ["--dialect", "aci", "--aci-aggregator", "--seed", "5",
                   "--no-gpu", "--pki-time", str(PKI_TIME),
                   "--aci-gpu-evidence", GPU_EVIDENCE])

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def chat(self, fault, *extra, stream=False, material=True):
        self.sim.control({"reset": True, "aci_multipart": fault})
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", *(MATERIAL if material else ()),
            "--timeout", "30", "--at", AT, "--json", "--aci-verified",
            *(["--stream"] if stream else []), *extra, "hello")
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        doc = json.loads(out)
        return rc, doc, doc["session"]

    def assert_both_parts_verified(self, s, report, gpu):
        c, f = checks(s), s["facts"]
        self.assertEqual((s["verdict"], failed(s)), ("verified", []))
        self.assertEqual(c["aci.session.deep_audit"]["outcome"], "pass")
        self.assertIn("2 parts", c["aci.session.deep_audit"]["detail"])
        self.assertEqual(c["aci.session.deep_audit_binding"]["outcome"],
                         "pass")
        self.assertIn("part[%d]" % report,
                      c["aci.session.deep_audit_binding"]["detail"])
        self.assertNotIn("aci.session.audit.claims", c)
        self.assertEqual(f["aci.session.audit.format"], "multipart")
        self.assertEqual(f["aci.session.audit.parts"], 2)
        r, g = "aci.session.audit.part[%d]." % report, \
            "aci.session.audit.part[%d]." % gpu
        self.assertEqual((f[r + "outcome"], f[g + "outcome"]),
                         ("pass", "pass"))
        self.assertEqual(f[g + "format"], "nvidia")
        self.assertEqual(f[g + "gpu.count"], "8")
        self.assertEqual(f[g + "gpu.measurements"], "nras")
        self.assertEqual(f[r + "type"], "application/json")
        self.assertIn(r + "aci.keyset_digest", f)
        self.assertEqual(c[r + "entry[0].tdx.quote.signature"]["outcome"],
                         "pass")
        self.assertEqual(c[r + "aci.nonce"]["outcome"], "warn")
        self.assertEqual(c[g + "gpu[7].nonce"]["outcome"], "pass")
        self.assertEqual(c[g + "gpu.freshness"]["outcome"], "warn")
        # nothing recorded as the single evidence's
        self.assertNotIn("aci.session.audit.entry[0].tdx.status", f)
        self.assertNotIn("aci.session.audit.gpu.freshness", c)
        # the claims stay the aggregator's statements
        self.assertEqual(
            f["unverified.aci.session.claim.gpu_attested.source"],
            "hardware_proven")


class TestAciMultipart(MultipartCase):
    def test_verified(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                rc, doc, s = self.chat(GOOD, stream=stream)
                self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
                self.assert_both_parts_verified(s, 0, 1)
                self.assertTrue(s["facts"]["aci.session.evidence_type"]
                                .startswith("multipart/mixed;boundary="
                                            "aci-evidence-"))

    def test_swapped_parts_same_outcome(self):
        rc, doc, s = self.chat(SWAPPED)
        self.assertEqual(rc, EXIT_VERIFIED)
        self.assert_both_parts_verified(s, 1, 0)

    def test_gpu_part_without_its_material_fails(self):
        rc, _, s = self.chat(GOOD, material=False)
        self.assertEqual(rc, EXIT_FAILED)
        c = checks(s)
        self.assertEqual(c["aci.session.deep_audit"]["outcome"], "fail")
        self.assertIn("part[1]", c["aci.session.deep_audit"]["detail"])
        self.assertEqual(s["facts"]
                         ["unverified.aci.session.audit.part[0].outcome"],
                         "pass")

    def test_part_edited_after_digesting(self):
        rc, _, s = self.chat(EDITED)
        self.assertEqual(rc, EXIT_FAILED)
        c = checks(s)
        self.assertEqual(c["aci.session.evidence"]["outcome"], "fail")
        self.assertEqual((c["aci.session.deep_audit"]["outcome"],
                          c["aci.session.deep_audit"]["required"]),
                         ("skip", True))

    def test_report_part_does_not_verify(self):
        rc, _, s = self.chat(BAD_REPORT)
        self.assertEqual(rc, EXIT_FAILED)
        c = checks(s)
        self.assertEqual(
            sorted(failed(s)),
            ["aci.session.audit.part[0].aci.keyset_digest",
             "aci.session.deep_audit", "aci.session.deep_audit_binding"])
        self.assertIn("part[0] (application/json)",
                      c["aci.session.deep_audit"]["detail"])
        # the GPU part verified, but one failing part fails the audit
        self.assertEqual(s["facts"]
                         ["unverified.aci.session.audit.part[1].outcome"],
                         "pass")

    def test_report_part_dropped_digest_recomputed(self):
        # what remains verifies (the GPU part); what the dropped part
        # proved is no longer claimed by the audit: no binding, and the
        # session's hardware-proven tee_attested claim is flagged
        rc, _, s = self.chat(DROPPED)
        c, f = checks(s), s["facts"]
        self.assertEqual(c["aci.session.deep_audit"]["outcome"], "pass")
        self.assertEqual(f["aci.session.audit.parts"], 1)
        self.assertEqual(f["aci.session.audit.part[0].format"], "nvidia")
        b = c["aci.session.deep_audit_binding"]
        self.assertEqual((b["outcome"], b["required"]), ("skip", False))
        self.assertIn("no verified report part", b["detail"])
        w = c["aci.session.audit.claims"]
        self.assertEqual((w["outcome"], w["required"]), ("warn", False))
        self.assertIn("tee_attested", w["detail"])
        self.assertNotIn("aci.session.audit.part[0].aci.keyset_digest", f)
        self.assertEqual(rc, EXIT_VERIFIED)

    def test_boundary_inside_a_part(self):
        rc, _, s = self.chat(TRICK)
        self.assertEqual(rc, EXIT_FAILED)
        c = checks(s)
        self.assertEqual(c["aci.session.evidence"]["outcome"], "pass")
        self.assertEqual(c["aci.session.deep_audit"]["outcome"], "fail")
        self.assertIn("boundary occurs inside a part",
                      c["aci.session.deep_audit"]["detail"])
        self.assertNotIn("unverified.aci.session.audit.parts", s["facts"])


class TestAciMultipartBundle(MultipartCase):
    """chat --save, then `teeattest verify FILE` offline (no material flag):
    the saved session's multipart evidence is audited again with the
    material the bundle keeps (the NRAS answer and JWKS given to chat)."""

    def save(self, fault, rc=EXIT_VERIFIED):
        type(self).n += 1
        path = os.path.join(self.sim.dir.name, "mp-%d.json" % self.n)
        got, doc, _ = self.chat(fault, "--save", path)
        self.assertEqual(got, rc)
        return doc, path

    def verify(self, path, *extra):
        rc, out, err = run("verify", path, "--test-root", self.root,
                           "--no-gpu", "--json", *extra)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), out + err)
        return rc, json.loads(out)

    def test_reverified_offline(self):
        online, path = self.save(GOOD)
        with open(path) as f:
            b = json.load(f)
        session = json.loads(b["aci"]["sessions"][0])
        self.assertTrue(session["evidence"]["data"].startswith(
            "data:multipart/mixed;boundary=aci-evidence-"))
        rc, res = self.verify(path)
        self.assertEqual((rc, failed(res)), (EXIT_VERIFIED, []))
        got = {c["name"]: c["outcome"] for c in res["checks"]}
        want = {c["name"]: c["outcome"]
                for c in online["session"]["checks"]}
        for name, outcome in want.items():
            self.assertEqual(got.get(name), outcome, name)
        f = res["facts"]
        self.assertEqual(f["aci.session.audit.part[1].gpu.count"], "8")
        self.assertEqual(f["aci.session.audit.part[0].outcome"], "pass")

    def test_bad_report_part_fails_offline(self):
        _, path = self.save(BAD_REPORT, rc=EXIT_FAILED)
        rc, res = self.verify(path)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertIn("aci.session.deep_audit", failed(res))


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
