#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest gpu` (NVIDIA GPU attestation).

Usage: test_gpu_cli.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

Offline: the real cases of $TEEATTEST_FIXTURES/nvidia with local RIM
comparison (RIMs from a directory and as single files), saved OCSP
responses, saved NRAS answers verified under the captured JWKS, the policy
options, --json, --save-dir round trips and exit codes 0 (verified), 1 (not
verified) and 2 (usage and input errors). Online: the simulator acting as
NRAS, RIM service and OCSP responder on loopback (skipped when SIM_EXE is
'-' or the simulator has no NVIDIA services). Fixtures are never written;
derived files (symlinks named by RIM id, saved material) go to a temporary
directory. No wall clock: every verifying run passes --at.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

import runner
from simproc import SimProcess

EXE = None
SIM = None
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
NV = os.path.join(FIXTURES, "nvidia")
JWKS = os.path.join(NV, "jwks", "nras_jwks_20260629.json")
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# h100_550.90.07_full: one H100, driver and VBIOS RIMs, OCSP, NRAS v4 answer
FULL = os.path.join(NV, "h100_550.90.07_full")
FULL_NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
FULL_AT = 1761307200  # 2025-10-24T12:00:00Z
FULL_RIMS = {"NV_GPU_DRIVER_GH100_550.90.07": "driver_rim.xml",
             "NV_GPU_VBIOS_1010_0200_882_96009F0001": "vbios_rim.xml"}
# remote_neardirect_h100x8: 8 GPUs, NRAS answer signed by a key in JWKS
NEAR = os.path.join(NV, "remote_neardirect_h100x8")
NEAR_NONCE = "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
REMOTE_AT = 1782699000  # 2026-06-29T02:10:00Z
# remote_chutes_h100x8_nonce_mismatch: NRAS was sent the wrong nonce
CHUTES = os.path.join(NV, "remote_chutes_h100x8_nonce_mismatch")
CHUTES_NONCE = \
    "20c934acdd4b0f08b9f5a3ad6caf5fdf665d3538c90a495c09d1b6894ef1d583"
BAD_SIG = os.path.join(NV, "h100_bad_signature_sdk")

CHECK_PREFIXES = ("PASS  ", "FAIL  ", "SKIP  ", "WARN  ", "SKIP* ")


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("NVIDIA_SERVICE_KEY", None)
    if env:
        e.update(env)
    r = subprocess.run([EXE] + [str(a) for a in args], capture_output=True,
                       timeout=120, env=e)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def checks(doc):
    """name -> check object of a --json result."""
    return {c["name"]: c for c in doc["checks"]}


def gpu(*args, **kw):
    return run("gpu", *args, **kw)


def full_args(*extra):
    return ["--evidence", os.path.join(FULL, "nvidia_payload.json"),
            "--nonce", FULL_NONCE, "--at", FULL_AT] + list(extra)


def near_args(*extra, nonce=NEAR_NONCE):
    return ["--evidence", os.path.join(NEAR, "nvidia_payload.json"),
            "--nonce", nonce, "--at", REMOTE_AT] + list(extra)


class Case(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-gpu-")

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.tmp.name, *parts)

    def rim_dir(self):
        """A directory of symlinks <id>.xml to the 550 case's RIMs."""
        d = self.path("rims")
        if not os.path.isdir(d):
            os.mkdir(d)
            for rim_id, name in FULL_RIMS.items():
                os.symlink(os.path.join(FULL, name),
                           os.path.join(d, rim_id + ".xml"))
        return d

    def rim_ocsp_dir(self):
        """A directory with only the RIM signer chains' OCSP responses (the
        device ones are stale at FULL_AT)."""
        d = self.path("ocsp-rim")
        if not os.path.isdir(d):
            os.mkdir(d)
            src = os.path.join(FULL, "ocsp")
            for name in sorted(os.listdir(src)):
                if name.startswith("rim_") and name.endswith(".der"):
                    os.symlink(os.path.join(src, name), os.path.join(d, name))
        return d

    def json_run(self, args, want):
        rc, out, err = gpu(*(list(args) + ["--json"]))
        self.assertEqual(rc, want, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"],
                         "verified" if want == EXIT_VERIFIED else "failed")
        return doc

    def assertUsage(self, r, fragment=None):
        rc, out, err = r
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertTrue(err.startswith("teeattest: gpu: "), err)
        if fragment:
            self.assertIn(fragment, err)


@unittest.skipUnless(os.path.isdir(NV), "TEEATTEST_FIXTURES not set")
class TestGpuLocal(Case):
    """Local verification of the 550.90.07 case against its RIMs."""

    def test_local_rim_dir(self):
        doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                      self.rim_dir()), EXIT_VERIFIED)
        c = checks(doc)
        for name in ("gpu[0].evidence.parse", "gpu[0].cert_chain",
                     "gpu[0].spdm.signature", "gpu[0].nonce", "gpu[0].fwid",
                     "gpu.count", "gpu[0].rim.driver.signature",
                     "gpu[0].rim.driver.digest", "gpu[0].rim.driver.chain",
                     "gpu[0].rim.driver.version",
                     "gpu[0].rim.driver.measurements",
                     "gpu[0].rim.vbios.measurements"):
            self.assertEqual(c[name]["outcome"], "pass", name)
        self.assertEqual(c["gpu.nras"]["outcome"], "skip")
        self.assertEqual(str(doc["facts"]["gpu.count"]), "1")
        self.assertEqual(doc["facts"]["gpu.mode"], "local")
        self.assertEqual(doc["facts"]["gpu.measurements"], "rim")
        self.assertEqual(doc["facts"]["gpu[0].driver_rim_id"],
                         "NV_GPU_DRIVER_GH100_550.90.07")
        self.assertFalse([n for n, v in c.items() if v["outcome"] == "fail"])

    def test_human_output(self):
        args = full_args("--mode", "local", "--rim-dir", self.rim_dir())
        rc, out, err = gpu(*args)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertEqual(err, "")
        lines = out.strip().splitlines()
        self.assertEqual(lines[-1], "verdict: verified")
        self.assertRegex(out, r"\nPASS  gpu\[0\]\.rim\.driver\.measurements +"
                              r"\S")
        self.assertIn("gpus: 1\n", out)
        self.assertIn("driver 550.90.07", out)
        self.assertIn("vbios 96.00.9F.00.01", out)
        self.assertIn("measurements judged by: rim\n", out)
        # one line per check, the same checks as --json
        doc = self.json_run(args, EXIT_VERIFIED)
        check_lines = [l for l in lines if l[:6] in CHECK_PREFIXES]
        self.assertEqual(len(check_lines), len(doc["checks"]))
        for line, c in zip(check_lines, doc["checks"]):
            self.assertEqual(line.split()[1], c["name"])
            self.assertEqual(line[:4], c["outcome"].upper())

    def test_rim_files(self):
        # named by id (symlinks NV_GPU_*.xml), and unnamed (matched by
        # version): both verify
        d = self.rim_dir()
        named = [os.path.join(d, i + ".xml") for i in FULL_RIMS]
        unnamed = [os.path.join(FULL, n) for n in FULL_RIMS.values()]
        for rims in (named, unnamed, [named[0], unnamed[1]]):
            with self.subTest(rims=rims):
                args = ["--mode", "local"]
                for r in rims:
                    args += ["--rim", r]
                doc = self.json_run(full_args(*args), EXIT_VERIFIED)
                c = checks(doc)
                self.assertEqual(c["gpu[0].rim.driver.measurements"]
                                 ["outcome"], "pass")
                self.assertEqual(c["gpu[0].rim.vbios.measurements"]
                                 ["outcome"], "pass")
        # --rim=FILE is the same
        doc = self.json_run(full_args("--mode", "local", "--rim=" + named[0],
                                      "--rim=" + named[1]), EXIT_VERIFIED)

    def test_missing_rim_fails(self):
        doc = self.json_run(full_args("--mode", "local", "--rim",
                                      os.path.join(FULL, "driver_rim.xml")),
                            EXIT_FAILED)
        c = checks(doc)
        self.assertEqual(c["gpu[0].rim.driver.measurements"]["outcome"],
                         "pass")
        self.assertNotEqual(c["gpu[0].rim.vbios.measurements"]["outcome"],
                            "pass")

    def test_rim_skip(self):
        # --rim skip: measurements judged by nothing (the result says so)
        rc, out, err = gpu(*full_args("--mode", "local", "--rim-check", "skip",
                                      "--json"))
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), out + err)
        doc = json.loads(out)
        self.assertEqual(doc["facts"]["gpu.measurements"], "none")
        c = checks(doc)
        self.assertFalse([n for n in c if n.startswith("gpu[0].rim.driver.")
                          and c[n]["outcome"] == "pass"])

    def test_rim_ocsp(self):
        doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                      self.rim_dir(), "--ocsp-dir",
                                      self.rim_ocsp_dir()), EXIT_VERIFIED)
        c = checks(doc)
        for k in range(3):
            for kind in ("driver", "vbios"):
                name = "gpu[0].rim.%s.ocsp.cert[%d]" % (kind, k)
                self.assertEqual(c[name]["outcome"], "pass", c[name])
        # device certificates have no (fresh) saved answer: skipped, not
        # required
        self.assertEqual(c["gpu[0].ocsp.cert[1]"]["outcome"], "skip")
        self.assertFalse(c["gpu[0].ocsp.cert[1]"]["required"])
        # --ocsp require: now the device certificates must have one
        doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                      self.rim_dir(), "--ocsp-dir",
                                      self.rim_ocsp_dir(), "--ocsp-check",
                                      "require"), EXIT_FAILED)
        self.assertTrue(checks(doc)["gpu[0].ocsp.cert[1]"]["required"])
        # --ocsp skip: no per-certificate OCSP check at all
        doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                      self.rim_dir(), "--ocsp-check", "skip"),
                            EXIT_VERIFIED)
        self.assertFalse([n for n in checks(doc) if ".ocsp.cert[" in n])

    def test_min_gpus(self):
        doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                      self.rim_dir(), "--min-gpus", "2"),
                            EXIT_FAILED)
        self.assertEqual(checks(doc)["gpu.count"]["outcome"], "fail")

    def test_bad_signature(self):
        rc, out, err = gpu("--evidence",
                           os.path.join(BAD_SIG, "nvidia_payload.json"),
                           "--nonce", FULL_NONCE, "--at", FULL_AT, "--json")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "failed")
        c = checks(doc)
        self.assertEqual(c["gpu[0].spdm.signature"]["outcome"], "fail")
        self.assertEqual(c["gpu[0].fwid"]["outcome"], "fail")
        rc, out, err = gpu("--evidence",
                           os.path.join(BAD_SIG, "nvidia_payload.json"),
                           "--nonce", FULL_NONCE, "--at", FULL_AT)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertRegex(out, r"\nFAIL  gpu\[0\]\.spdm\.signature ")
        self.assertEqual(out.strip().splitlines()[-1], "verdict: FAILED")

    def test_evidence_from_stdin(self):
        r = subprocess.run([EXE, "gpu", "--evidence", "-", "--nonce",
                            FULL_NONCE, "--at", str(FULL_AT), "--mode",
                            "local", "--rim-dir", self.rim_dir()],
                           input=read(os.path.join(FULL, "nvidia_payload.json")),
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, EXIT_VERIFIED, r.stdout + r.stderr)

    def test_service_key_never_printed(self):
        secret = "nvapi-SECRET-0123456789-do-not-print"
        for extra in ([], ["--json"]):
            rc, out, err = gpu(*full_args("--mode", "local", "--rim-dir",
                                          self.rim_dir(), *extra),
                               env={"NVIDIA_SERVICE_KEY": secret})
            self.assertEqual(rc, EXIT_VERIFIED, out + err)
            self.assertNotIn("SECRET", out + err)


@unittest.skipUnless(os.path.isdir(NV), "TEEATTEST_FIXTURES not set")
class TestGpuRemote(Case):
    """Saved NRAS answers verified under the captured JWKS."""

    def test_neardirect_verified(self):
        doc = self.json_run(near_args("--nras-response",
                                      os.path.join(NEAR, "nras_response.json"),
                                      "--jwks", JWKS), EXIT_VERIFIED)
        self.assertEqual(str(doc["facts"]["gpu.count"]), "8")
        self.assertEqual(doc["facts"]["gpu.measurements"], "nras")
        c = checks(doc)
        for name in ("gpu.nras.response", "gpu.nras.jwt.signature",
                     "gpu.nras.jwt.claims", "gpu.nras.nonce",
                     "gpu.nras.submods", "gpu.nras.result", "gpu.nras.ueid"):
            self.assertEqual(c[name]["outcome"], "pass", c[name])
        for i in range(8):
            self.assertEqual(c["gpu[%d].nonce" % i]["outcome"], "pass")
            self.assertEqual(c["gpu[%d].spdm.signature" % i]["outcome"],
                             "pass")
            self.assertEqual(c["gpu[%d].nras.measurements" % i]["outcome"],
                             "pass")
            self.assertEqual(c["gpu[%d].nras.versions" % i]["outcome"],
                             "pass")
        # --jwks is repeatable (keys merged); --jwks=FILE form too
        self.json_run(near_args("--nras-response",
                                os.path.join(NEAR, "nras_response.json"),
                                "--jwks", JWKS, "--jwks=" + JWKS),
                      EXIT_VERIFIED)

    def test_neardirect_jwks_untrusted(self):
        """A key counts only through x5c; a kid bound to two keys fails."""
        with open(JWKS) as f:
            jwks = json.load(f)
        bare = {"keys": [{k: v for k, v in key.items() if k != "x5c"}
                         for key in jwks["keys"]]}
        # The overall token's kid bound to another key of the same JWKS.
        with open(os.path.join(NEAR, "nras_response.json")) as f:
            overall = json.load(f)[0][1]
        hdr = overall.split(".")[0]
        kid = json.loads(base64.urlsafe_b64decode(hdr + "=" * (-len(hdr) % 4)))["kid"]
        donor = dict(next(k for k in jwks["keys"] if k["kid"] != kid))
        donor["kid"] = kid
        with tempfile.TemporaryDirectory() as d:
            bare_path = os.path.join(d, "bare.json")
            other_path = os.path.join(d, "other.json")
            with open(bare_path, "w") as f:
                json.dump(bare, f)
            with open(other_path, "w") as f:
                json.dump({"keys": [donor]}, f)
            answer = os.path.join(NEAR, "nras_response.json")
            doc = self.json_run(near_args("--nras-response", answer,
                                          "--jwks", bare_path), EXIT_FAILED)
            c = checks(doc)["gpu.nras.jwt.signature"]
            self.assertEqual(c["outcome"], "fail")
            self.assertIn("has no x5c", c["detail"])
            for order in ((JWKS, other_path), (other_path, JWKS)):
                doc = self.json_run(near_args("--nras-response", answer,
                                              "--jwks", order[0],
                                              "--jwks", order[1]), EXIT_FAILED)
                c = checks(doc)["gpu.nras.jwt.signature"]
                self.assertEqual(c["outcome"], "fail")
                self.assertIn("conflict", c["detail"])

    def test_neardirect_human(self):
        rc, out, err = gpu(*near_args("--nras-response",
                                      os.path.join(NEAR, "nras_response.json"),
                                      "--jwks", JWKS))
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("gpus: 8\n", out)
        self.assertIn("  gpu[7] ", out)
        self.assertIn("measurements judged by: nras\n", out)
        self.assertEqual(out.strip().splitlines()[-1], "verdict: verified")

    def test_neardirect_without_jwks(self):
        doc = self.json_run(near_args("--nras-response",
                                      os.path.join(NEAR, "nras_response.json")),
                            EXIT_FAILED)
        self.assertEqual(checks(doc)["gpu.nras.jwt.signature"]["outcome"],
                         "fail")

    def test_neardirect_wrong_nonce(self):
        doc = self.json_run(near_args("--nras-response",
                                      os.path.join(NEAR, "nras_response.json"),
                                      "--jwks", JWKS, nonce=FULL_NONCE),
                            EXIT_FAILED)
        c = checks(doc)
        self.assertEqual(c["gpu[0].nonce"]["outcome"], "fail")
        self.assertEqual(c["gpu.nras.nonce"]["outcome"], "fail")

    def test_neardirect_local_mode_needs_rims(self):
        # --mode local ignores the NRAS answer; no RIMs for this driver
        doc = self.json_run(near_args("--nras-response",
                                      os.path.join(NEAR, "nras_response.json"),
                                      "--jwks", JWKS, "--mode", "local"),
                            EXIT_FAILED)
        self.assertEqual(checks(doc)["gpu.nras"]["outcome"], "skip")
        self.assertEqual(doc["facts"]["unverified.gpu.mode"], "local")
        self.assertNotIn("gpu.mode", doc["facts"])

    def chutes(self):
        return self.json_run(
            ["--evidence", os.path.join(CHUTES, "nvidia_payload_as_sent.json"),
             "--nonce", CHUTES_NONCE, "--at", REMOTE_AT, "--nras-response",
             os.path.join(CHUTES, "nras_response.json"), "--jwks", JWKS],
            EXIT_FAILED)

    def test_chutes_nonce_mismatch(self):
        doc = self.chutes()
        c = checks(doc)
        self.assertEqual(str(doc["facts"]["unverified.gpu.count"]), "8")
        for i in range(8):
            # the GPUs signed the derived nonce: not a local failure (the
            # library reports a warning, see the next test)
            self.assertIn(c["gpu[%d].nonce" % i]["outcome"], ("pass", "warn"))
            self.assertEqual(c["gpu[%d].spdm.signature" % i]["outcome"],
                             "pass")
        self.assertEqual(c["gpu.nras.jwt.signature"]["outcome"], "pass")
        self.assertEqual(c["gpu.nras.result"]["outcome"], "fail")
        self.assertIn("4010", c["gpu.nras.result"]["detail"])

    def test_chutes_local_nonce_warns(self):
        # The SPDM requester nonce equals the derived nonce, but the
        # payload's unsigned top-level "nonce" (the client nonce teep put
        # there) differs: a warning, not a pass, so the mismatch shows.
        c = checks(self.chutes())
        for i in range(8):
            self.assertEqual(c["gpu[%d].nonce" % i]["outcome"], "warn")

    def test_full_v4_answer_unknown_kid(self):
        # the v4 answer of the 550 case is signed by a key in no JWKS
        doc = self.json_run(full_args("--nras-response",
                                      os.path.join(FULL,
                                                   "nras_v4_detached_eat.json"),
                                      "--jwks", JWKS), EXIT_FAILED)
        c = checks(doc)
        self.assertEqual(c["gpu.nras.jwt.signature"]["outcome"], "fail")
        self.assertEqual(c["gpu[0].spdm.signature"]["outcome"], "pass")
        # --mode both with the RIMs: still failed, on NRAS
        doc = self.json_run(full_args("--nras-response",
                                      os.path.join(FULL,
                                                   "nras_v4_detached_eat.json"),
                                      "--jwks", JWKS, "--mode", "both",
                                      "--rim-dir", self.rim_dir()),
                            EXIT_FAILED)
        c = checks(doc)
        self.assertEqual(c["gpu.nras.jwt.signature"]["outcome"], "fail")
        self.assertEqual(c["gpu[0].rim.driver.measurements"]["outcome"],
                         "pass")


@unittest.skipUnless(os.path.isdir(NV), "TEEATTEST_FIXTURES not set")
class TestGpuSave(Case):
    """--save-dir writes what the inputs hold; re-verifying from it alone
    gives the same verdict."""

    def saved_args(self, save):
        args = ["--rim-dir", os.path.join(save, "rim"),
                "--ocsp-dir", os.path.join(save, "ocsp")]
        if os.path.exists(os.path.join(save, "nras_response.json")):
            args += ["--nras-response", os.path.join(save,
                                                     "nras_response.json")]
        for name in sorted(os.listdir(save)):
            if name.startswith("jwks_"):
                args += ["--jwks", os.path.join(save, name)]
            if name.startswith("rim_") and name.endswith(".xml"):
                args += ["--rim", os.path.join(save, name)]
        return args

    def test_remote_round_trip(self):
        save = self.path("save")
        first = self.json_run(near_args("--nras-response",
                                        os.path.join(NEAR,
                                                     "nras_response.json"),
                                        "--jwks", JWKS, "--save-dir", save),
                              EXIT_VERIFIED)
        self.assertEqual(read(os.path.join(save, "nras_response.json")),
                         read(os.path.join(NEAR, "nras_response.json")))
        self.assertEqual(read(os.path.join(save, "jwks_1.json")), read(JWKS))
        again = self.json_run(near_args(*self.saved_args(save)),
                              EXIT_VERIFIED)
        self.assertEqual([(c["name"], c["outcome"]) for c in first["checks"]],
                         [(c["name"], c["outcome"]) for c in again["checks"]])
        # the failing case round-trips as failing
        save2 = self.path("save2")
        self.json_run(near_args("--nras-response",
                                os.path.join(NEAR, "nras_response.json"),
                                "--save-dir", save2), EXIT_FAILED)
        self.json_run(near_args(*self.saved_args(save2)), EXIT_FAILED)

    def test_local_round_trip(self):
        save = self.path("save")
        d = self.rim_dir()
        rc, out, err = gpu(*full_args(
            "--mode", "local",
            "--rim", os.path.join(d, "NV_GPU_DRIVER_GH100_550.90.07.xml"),
            "--rim", os.path.join(FULL, "vbios_rim.xml"),  # no id
            "--ocsp-dir", self.rim_ocsp_dir(), "--save-dir", save))
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("saved in %s: 2 RIM(s), 4 OCSP response(s)" % save, out)
        self.assertEqual(out.strip().splitlines()[-1], "verdict: verified")
        self.assertEqual(
            read(os.path.join(save, "rim",
                              "NV_GPU_DRIVER_GH100_550.90.07.xml")),
            read(os.path.join(FULL, "driver_rim.xml")))
        # a RIM without id is saved outside rim/ (whose names are ids)
        self.assertEqual(read(os.path.join(save, "rim_1.xml")),
                         read(os.path.join(FULL, "vbios_rim.xml")))
        saved_ocsp = sorted(read(os.path.join(save, "ocsp", n))
                            for n in os.listdir(os.path.join(save, "ocsp")))
        want_ocsp = sorted(read(os.path.join(self.rim_ocsp_dir(), n))
                           for n in os.listdir(self.rim_ocsp_dir()))
        self.assertEqual(saved_ocsp, want_ocsp)
        doc = self.json_run(full_args("--mode", "local",
                                      *self.saved_args(save)), EXIT_VERIFIED)
        self.assertEqual(checks(doc)["gpu[0].rim.driver.ocsp.cert[0]"]
                         ["outcome"], "pass")

    def test_save_never_overwrites(self):
        save = self.path("save")
        args = near_args("--nras-response",
                         os.path.join(NEAR, "nras_response.json"), "--jwks",
                         JWKS, "--save-dir", save)
        rc, out, err = gpu(*args)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        rc, out, err = gpu(*args)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertIn("cannot write", err)
        # the save dir below a regular file
        blocker = self.path("file")
        with open(blocker, "w") as f:
            f.write("x")
        rc, out, err = gpu(*near_args("--save-dir",
                                      os.path.join(blocker, "d")))
        self.assertEqual(rc, EXIT_USAGE, out + err)


@unittest.skipUnless(os.path.isdir(NV), "TEEATTEST_FIXTURES not set")
class TestGpuUsage(Case):
    def test_help_lists_every_flag(self):
        for args in (["gpu", "--help"], ["gpu", "-h"], ["help", "gpu"],
                     ["gpu", "--mode", "bogus", "--help"]):
            with self.subTest(args=args):
                rc, out, err = run(*args)
                self.assertEqual(rc, 0, err)
                self.assertEqual(err, "")
                self.assertIn("Usage: teeattest gpu", out)
                for flag in ("--evidence", "--nonce", "--rim-dir", "--rim",
                             "--ocsp-dir", "--nras-response", "--jwks",
                             "--nras", "--online", "--rim-url", "--ocsp-url",
                             "--jwks-url", "--nras-version", "--mode",
                             "--ocsp-check", "--rim-check", "--ocsp-nonce", "--allow-cert-hold",
                             "--min-gpus", "--save-dir", "--at", "--json",
                             "NVIDIA_SERVICE_KEY"):
                    self.assertRegex(out, r"\n  %s[ =]" % flag
                                     if flag.startswith("--") else flag, flag)
        rc, out, _ = run("--help")
        self.assertRegex(out, r"\n  gpu +\S")

    def test_nonce(self):
        ev = os.path.join(FULL, "nvidia_payload.json")
        for bad in ("12", FULL_NONCE[:-1], FULL_NONCE + "00",
                    "zz" + FULL_NONCE[2:], ""):
            with self.subTest(nonce=bad):
                r = gpu("--evidence", ev, "--nonce=" + bad, "--at", FULL_AT)
                self.assertUsage(r)
        self.assertUsage(gpu("--evidence", ev, "--nonce", "12"), "64 hex")
        self.assertUsage(gpu("--evidence", ev), "missing --nonce")
        # upper case and 0x are accepted
        rc, out, err = gpu("--evidence", ev, "--nonce",
                           "0x" + FULL_NONCE.upper(), "--at", FULL_AT,
                           "--mode", "local", "--rim-dir", self.rim_dir())
        self.assertEqual(rc, EXIT_VERIFIED, out + err)

    def test_evidence(self):
        self.assertUsage(gpu("--nonce", FULL_NONCE), "missing --evidence")
        self.assertUsage(gpu("--evidence", self.path("nope.json"), "--nonce",
                             FULL_NONCE), "cannot read --evidence")
        self.assertUsage(gpu("--evidence", self.tmp.name, "--nonce",
                             FULL_NONCE), "cannot read --evidence")

    def test_bad_values(self):
        base = ["--evidence", os.path.join(FULL, "nvidia_payload.json"),
                "--nonce", FULL_NONCE]
        for extra, frag in [
                (["--mode", "bogus"], "--mode"),
                (["--mode", "LOCAL"], "--mode"),
                (["--ocsp-check", "maybe"], "--ocsp-check"),
                (["--ocsp-nonce", "sometimes"], "--ocsp-nonce"),
                (["--online", "nras,frob"], "--online"),
                (["--online", ""], None),
                (["--online", "nras,"], "--online"),
                (["--nras-version", "5"], "--nras-version"),
                (["--min-gpus", "0"], "--min-gpus"),
                (["--min-gpus", "65"], "--min-gpus"),
                (["--min-gpus", "x"], "--min-gpus"),
                (["--at", "soon"], "--at"),
                (["--rim-check", "skip", "--rim-check", "require"], "more than once"),
                (["--rim-check", "maybe"], "--rim-check"),
                (["--rim"], "needs a value"),
                (["--rim="], "non-empty"),
                (["--jwks", "--json"], "needs a value"),
                (["--nras", "https://nras.example", "--nras-response",
                  os.path.join(NEAR, "nras_response.json")], "not both"),
                (["--nras", "http://nras.example"], "--nras"),
                (["--rim-url", "ftp://x"], "--rim-url"),
                (["--frobnicate"], "unknown option"),
                (["stray"], "unexpected argument"),
                (["--json", "--json"], "more than once"),
                (["--allow-cert-hold=1"], "takes no value")]:
            with self.subTest(extra=extra):
                self.assertUsage(gpu(*(base + extra)), frag)

    def test_unreadable_material(self):
        base = ["--evidence", os.path.join(FULL, "nvidia_payload.json"),
                "--nonce", FULL_NONCE, "--at", FULL_AT]
        missing = self.path("missing")
        for extra, frag in [
                (["--rim", missing], "--rim"),
                (["--rim-dir", missing], "--rim-dir"),
                (["--ocsp-dir", missing], "--ocsp-dir"),
                (["--nras-response", missing], "--nras-response"),
                (["--jwks", missing], "--jwks"),
                # a JWKS that is not one
                (["--jwks", os.path.join(FULL, "nvidia_payload.json")],
                 "--jwks")]:
            with self.subTest(extra=extra):
                self.assertUsage(gpu(*(base + extra)), frag)


class Sim(SimProcess):
    """The simulator serving NRAS, the JWKS, RIMs and OCSP answers."""

    def __init__(self, *args):
        super().__init__(SIM, args, prefix="test-gpu-sim-")


def sim_has_nvidia():
    if not SIM or SIM == "-":
        return False
    r = subprocess.run([SIM, "--help"], capture_output=True, timeout=30)
    return b"--nras-response" in r.stdout + r.stderr


@unittest.skipUnless(os.path.isdir(NV), "TEEATTEST_FIXTURES not set")
class TestGpuOnline(Case):
    """--nras URL, --online and the service URLs against the simulator."""

    def setUp(self):
        super().setUp()
        if not sim_has_nvidia():
            self.skipTest("simulator not built or without NVIDIA services")

    def test_nras_online_then_offline(self):
        sim = Sim("--nras-response", os.path.join(NEAR, "nras_response.json"),
                  "--jwks", JWKS)
        save = self.path("save")
        try:
            rc, out, err = gpu(*near_args("--nras", sim.url, "--save-dir",
                                          save, "--json"),
                               env={"NVIDIA_SERVICE_KEY": "nvapi-SECRET-x"})
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertNotIn("SECRET", out + err)
        first = json.loads(out)
        self.assertEqual(first["facts"]["gpu.measurements"], "nras")
        # what was fetched was saved byte for byte
        self.assertEqual(read(os.path.join(save, "nras_response.json")),
                         read(os.path.join(NEAR, "nras_response.json")))
        self.assertEqual(read(os.path.join(save, "jwks_1.json")), read(JWKS))
        # offline from the saved files: the same checks and verdict
        again = self.json_run(near_args(
            "--nras-response", os.path.join(save, "nras_response.json"),
            "--jwks", os.path.join(save, "jwks_1.json")), EXIT_VERIFIED)
        self.assertEqual([(c["name"], c["outcome"]) for c in first["checks"]],
                         [(c["name"], c["outcome"]) for c in again["checks"]])

    def test_nras_version_4(self):
        sim = Sim("--nras-response", os.path.join(NEAR, "nras_response.json"),
                  "--jwks", JWKS)
        try:
            rc, out, err = gpu(*near_args("--nras", sim.url, "--nras-version",
                                          "4"))
        finally:
            self.assertEqual(sim.stop(), 0)
        # the simulator answers both versions with the same (claims 2.0)
        # file; what matters here is that the request was made and judged
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), out + err)
        self.assertIn("gpu.nras.response", out)

    def test_nras_unreachable(self):
        sim = Sim("--nras-response", os.path.join(NEAR, "nras_response.json"))
        url = sim.url
        self.assertEqual(sim.stop(), 0)  # nothing listens there any more
        rc, out, err = gpu(*near_args("--nras", url, "--json"))
        # a failed fetch is a failed check, not an error
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertEqual(json.loads(out)["verdict"], "failed")

    def test_rims_online(self):
        sim = Sim("--rim-dir", self.rim_dir())
        save = self.path("save")
        try:
            doc = self.json_run(full_args("--mode", "local", "--online",
                                          "rim", "--rim-url", sim.url,
                                          "--ocsp-check", "skip", "--save-dir",
                                          save), EXIT_VERIFIED)
        finally:
            self.assertEqual(sim.stop(), 0)
        self.assertEqual(checks(doc)["gpu[0].rim.driver.measurements"]
                         ["outcome"], "pass")
        for rim_id, name in FULL_RIMS.items():
            self.assertEqual(read(os.path.join(save, "rim", rim_id + ".xml")),
                             read(os.path.join(FULL, name)))
        # offline from the saved RIMs
        self.json_run(full_args("--mode", "local", "--ocsp-check", "skip",
                                "--rim-dir", os.path.join(save, "rim")),
                      EXIT_VERIFIED)

    def test_rim_not_found(self):
        # RIM_NOT_FOUND is "reference missing", distinct from a mismatch
        sim = Sim("--rim-dir", self.rim_dir(), "--fault", "rim_missing")
        try:
            doc = self.json_run(full_args("--mode", "local", "--online",
                                          "rim", "--rim-url", sim.url,
                                          "--ocsp-check", "skip"),
                                EXIT_FAILED)
        finally:
            self.assertEqual(sim.stop(), 0)
        c = checks(doc)
        self.assertEqual(c["gpu[0].rim.driver.source"]["outcome"], "fail")
        self.assertIn("RIM_NOT_FOUND", c["gpu[0].rim.driver.source"]["detail"])
        self.assertNotIn("gpu[0].rim.driver.measurements", [
            n for n, v in c.items() if v["outcome"] == "pass"])

    def test_ocsp_online(self):
        sim = Sim("--ocsp-dir", self.rim_ocsp_dir())
        try:
            doc = self.json_run(full_args("--mode", "local", "--rim-dir",
                                          self.rim_dir(), "--online", "ocsp",
                                          "--ocsp-url", sim.url + "/ocsp",
                                          "--ocsp-nonce", "optional"),
                                EXIT_FAILED)
        finally:
            self.assertEqual(sim.stop(), 0)
        c = checks(doc)
        # the RIM signer chains' answers are served and good
        self.assertEqual(c["gpu[0].rim.driver.ocsp.cert[0]"]["outcome"],
                         "pass")
        # online OCSP is required: the device certificates, which the
        # simulator has no answer for here, fail
        self.assertEqual(c["gpu[0].ocsp.cert[1]"]["outcome"], "fail")


def main():
    global EXE, SIM
    if len(sys.argv) < 3:
        sys.exit("usage: test_gpu_cli.py TEEATTEST_EXE SIM_EXE|- "
                 "[unittest args]")
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))


if __name__ == "__main__":
    main()
