#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The simulated TEE end to end: teeattest-sim's quotes are real DCAP quotes
under its own TEST root, and its PCS v4 endpoints serve matching collateral.

Usage: test_sim_tee.py SIM_EXE TEEATTEST_EXE [unittest arguments...]

`teeattest quote --pccs <sim> --test-root <sim root>` must verify a
simulator quote (verdict verified, status UpToDate, every tdx.* check pass
except the warning tdx.root_override); without --test-root the PCK chain
fails; a flipped body byte fails the quote signature; another --seed has
another root and still verifies with its own. Python standard library only.
"""
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import unittest
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
from simproc import SimProcess  # noqa: E402

SIM = None
CLI = None
NONCE = bytes(range(32)).hex()
PKI_TIME = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def pem_certs(text):
    """The DER bytes of every certificate in a PEM text."""
    import base64
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("-----BEGIN CERTIFICATE"):
            cur = []
        elif line.startswith("-----END CERTIFICATE"):
            out.append(base64.b64decode("".join(cur)))
            cur = None
        elif cur is not None:
            cur.append(line.strip())
    return out


class SimTee(unittest.TestCase):
    SEED = "1"
    PIN = True

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="test-sim-tee-")
        cls.root_file = os.path.join(cls.tmp.name, "root.der")
        args = ["--seed", cls.SEED, "--tdx-root-out", cls.root_file]
        if cls.PIN:
            args += ["--pki-time", str(PKI_TIME)]
        cls.sim = SimProcess(SIM, args)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        if rc != 0:
            raise AssertionError("simulator exit status %d" % rc)

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.sim.ports["http_port"],
                                       timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r, r.read()
        finally:
            c.close()

    def quote_file(self, mutate=None, name="quote.bin"):
        st, _, data = self.get("/v1/attestation/report?nonce=" + NONCE)
        self.assertEqual(st, 200)
        q = bytearray(bytes.fromhex(json.loads(data)["intel_quote"]))
        if mutate:
            mutate(q)
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(q)
        return path

    def verify(self, quote, *extra, root=True, at=None):
        cmd = [CLI, "quote", "--quote", quote, "--pccs", self.sim.url, "--json"]
        if root:
            cmd += ["--test-root", self.root_file]
        if at is not None:
            cmd += ["--at", str(at)]
        cmd += list(extra)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        self.assertIn(p.returncode, (0, 1), p.stderr.decode())
        doc = json.loads(p.stdout)
        return p.returncode, doc, {c["name"]: c for c in doc["checks"]}

    def assert_verified(self, rc, doc, checks):
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assertEqual(doc["verdict"], "verified")
        self.assertEqual(doc["facts"]["tdx.status"], "UpToDate")
        self.assertEqual(doc["facts"]["tdx.root"], "override")
        self.assertEqual(checks["tdx.root_override"]["outcome"], "warn")
        for name, c in checks.items():
            if name in ("tdx.root_override", "tdx.td.measurements"):
                continue
            self.assertEqual(c["outcome"], "pass", (name, c))
        # no expected measurements given: an optional skip, never a pass
        self.assertEqual(checks["tdx.td.measurements"]["outcome"], "skip")
        for name in ("tdx.pck_chain", "tdx.crl.root", "tdx.crl.pck",
                     "tdx.pck_extension", "tdx.tcb_info.signature",
                     "tdx.qe_identity.signature", "tdx.qe_report.signature",
                     "tdx.qe_report.binding", "tdx.qe_identity.policy",
                     "tdx.quote.signature", "tdx.module_identity",
                     "tdx.tcb_level", "tdx.status"):
            self.assertIn(name, checks)


class TestSimTee(SimTee):
    def test_verified_up_to_date(self):
        rc, doc, checks = self.verify(self.quote_file(), at=PKI_TIME)
        self.assert_verified(rc, doc, checks)
        self.assertEqual(doc["facts"]["tdx.fmspc"], "5e1a00000000")
        self.assertEqual(doc["facts"]["tdx.advisories"], "")

    def test_whole_collateral_window(self):
        q = self.quote_file()
        for at in (PKI_TIME - DAY, PKI_TIME + 30 * DAY - 1):
            self.assert_verified(*self.verify(q, at=at))
        rc, doc, checks = self.verify(q, at=PKI_TIME + 31 * DAY)
        self.assertEqual(rc, 1)
        self.assertEqual(checks["tdx.tcb_info.freshness"]["outcome"], "fail")
        rc, doc, checks = self.verify(q, at=PKI_TIME - 2 * DAY)
        self.assertEqual(rc, 1)

    def test_intel_root_rejects(self):
        rc, doc, checks = self.verify(self.quote_file(), root=False,
                                      at=PKI_TIME)
        self.assertEqual(rc, 1)
        self.assertEqual(doc["verdict"], "failed")
        self.assertEqual(checks["tdx.pck_chain"]["outcome"], "fail")
        self.assertNotIn("tdx.root_override", checks)
        self.assertEqual(doc["facts"]["unverified.tdx.root"], "intel")

    def test_flipped_body_byte(self):
        def flip(q):
            q[48 + 136] ^= 0x01  # a byte of MRTD
        rc, doc, checks = self.verify(self.quote_file(flip, "flip.bin"),
                                      at=PKI_TIME)
        self.assertEqual(rc, 1)
        self.assertEqual(checks["tdx.quote.signature"]["outcome"], "fail")
        self.assertEqual(checks["tdx.pck_chain"]["outcome"], "pass")

    def test_flipped_qe_report_byte(self):
        def flip(q):
            q[636 + 134 + 64] ^= 0x01  # MRENCLAVE of the QE report
        rc, doc, checks = self.verify(self.quote_file(flip, "qe.bin"),
                                      at=PKI_TIME)
        self.assertEqual(rc, 1)
        self.assertEqual(checks["tdx.qe_report.signature"]["outcome"], "fail")

    def test_report_contents_kept(self):
        st, _, data = self.get("/v1/attestation/report?nonce=" + NONCE)
        d = json.loads(data)
        q = bytes.fromhex(d["intel_quote"])
        self.assertEqual(q[568 + 32:632].hex(), NONCE)  # L1 nonce
        tcb = d["info"]["tcb_info"]
        for i in range(4):
            self.assertEqual(q[376 + 48 * i:424 + 48 * i].hex(),
                             tcb["rtmr%d" % i])
        self.assertIn(b"TEEATTEST-SIM SYNTHETIC QUOTE", q)
        self.assertIn(b"NOT Intel", q)

    def test_root_endpoint_and_file(self):
        st, r, der = self.get("/_sim/tdx-root.der")
        self.assertEqual(st, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/pkix-cert")
        with open(self.root_file, "rb") as f:
            self.assertEqual(f.read(), der)
        st, _, pem = self.get("/_sim/tdx-root.pem")
        self.assertEqual(st, 200)
        self.assertEqual(pem_certs(pem.decode()), [der])
        self.assertIn(b"teeattest-sim TEST SGX Root CA (NOT Intel; tests only)",
                      der)

    def test_collateral_anchored_in_root(self):
        _, _, der = self.get("/_sim/tdx-root.der")
        st, r, tcb = self.get("/tdx/certification/v4/tcb?fmspc=5E1A00000000")
        self.assertEqual(st, 200)
        info = json.loads(tcb)
        self.assertEqual(info["tcbInfo"]["id"], "TDX")
        self.assertEqual(info["tcbInfo"]["version"], 3)
        self.assertEqual(len(info["signature"]), 128)
        chain = pem_certs(unquote(r.getheader("TCB-Info-Issuer-Chain")))
        self.assertEqual(len(chain), 2)
        self.assertEqual(chain[1], der)
        self.assertIn(b"SGX TCB Signing", chain[0])
        st, r, qe = self.get("/tdx/certification/v4/qe/identity")
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(qe)["enclaveIdentity"]["id"], "TD_QE")
        chain = pem_certs(unquote(
            r.getheader("SGX-Enclave-Identity-Issuer-Chain")))
        self.assertEqual(chain[1], der)
        st, r, crl = self.get("/sgx/certification/v4/pckcrl?ca=platform&"
                              "encoding=der")
        self.assertEqual(st, 200)
        self.assertEqual(crl[0], 0x30)
        chain = pem_certs(unquote(r.getheader("SGX-PCK-CRL-Issuer-Chain")))
        self.assertEqual(chain[1], der)
        self.assertIn(b"SGX PCK Platform CA", chain[0])
        st, _, _ = self.get("/sgx/certification/v4/pckcrl?ca=processor")
        self.assertEqual(st, 404)
        st, _, hexcrl = self.get("/sgx/certification/v4/rootcacrl")
        self.assertEqual(st, 200)
        self.assertEqual(bytes.fromhex(hexcrl.decode())[0], 0x30)
        st, _, _ = self.get("/tdx/certification/v4/tcb?fmspc=000000000000")
        self.assertEqual(st, 404)
        # the quote's own PCK chain ends in the same root
        with open(self.quote_file(), "rb") as f:
            q = f.read()
        certs = pem_certs(q[1258:].split(b"\0")[0].decode())
        self.assertEqual(len(certs), 3)
        self.assertEqual(certs[2], der)

    def test_pem_test_root(self):
        _, _, pem = self.get("/_sim/tdx-root.pem")
        path = os.path.join(self.tmp.name, "root.pem")
        with open(path, "wb") as f:
            f.write(pem)
        p = subprocess.run([CLI, "quote", "--quote", self.quote_file(),
                            "--pccs", self.sim.url, "--test-root", path,
                            "--at", str(PKI_TIME), "--json"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_bad_test_root(self):
        bad = os.path.join(self.tmp.name, "bad.der")
        with open(bad, "wb") as f:
            f.write(b"not a certificate")
        p = subprocess.run([CLI, "quote", "--quote", self.quote_file(),
                            "--pccs", self.sim.url, "--test-root", bad],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"--test-root", p.stderr)

    def test_help_mentions_test_root(self):
        p = subprocess.run([CLI, "quote", "--help"], stdout=subprocess.PIPE)
        self.assertIn(b"--test-root FILE", p.stdout)
        self.assertIn(b"tdx.root_override", p.stdout)


class TestSimTeeNow(SimTee):
    """No --pki-time: the collateral window is around the simulator's clock,
    so verification at the current time passes."""
    PIN = False

    def test_verified_now(self):
        self.assert_verified(*self.verify(self.quote_file()))


class TestSimTeeSeeds(SimTee):
    """Another seed: another root, which verifies its own quotes only."""
    SEED = "7"

    def test_other_seed(self):
        q = self.quote_file()
        self.assert_verified(*self.verify(q, at=PKI_TIME))
        other = SimProcess(SIM, ["--seed", "1", "--pki-time", str(PKI_TIME)])
        try:
            c = http.client.HTTPConnection("127.0.0.1",
                                           other.ports["http_port"], timeout=30)
            c.request("GET", "/_sim/tdx-root.der")
            root1 = c.getresponse().read()
            c.close()
        finally:
            self.assertEqual(other.stop(), 0)
        with open(self.root_file, "rb") as f:
            root7 = f.read()
        self.assertNotEqual(root1, root7)
        wrong = os.path.join(self.tmp.name, "root1.der")
        with open(wrong, "wb") as f:
            f.write(root1)
        p = subprocess.run([CLI, "quote", "--quote", q, "--pccs", self.sim.url,
                            "--test-root", wrong, "--at", str(PKI_TIME),
                            "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 1)
        checks = {c["name"]: c for c in json.loads(p.stdout)["checks"]}
        self.assertEqual(checks["tdx.pck_chain"]["outcome"], "fail")

    def test_root_deterministic(self):
        # the same seed gives the same root at any --pki-time
        other = SimProcess(SIM, ["--seed", self.SEED, "--pki-time", "1800000000"])
        try:
            c = http.client.HTTPConnection("127.0.0.1",
                                           other.ports["http_port"], timeout=30)
            c.request("GET", "/_sim/tdx-root.der")
            root = c.getresponse().read()
            c.close()
        finally:
            self.assertEqual(other.stop(), 0)
        with open(self.root_file, "rb") as f:
            self.assertEqual(f.read(), root)


H100 = os.path.join(os.environ.get("TEEATTEST_SOURCE_ROOT", "."),
                    "tests", "data", "dstack", "gpu_attestation_h100.json")


class TestSimTeeDstack2026(SimTee):
    """dstack 2026 (--dstack-2026): MRCONFIGID v3 rebuilt from the attested
    app_compose and RTMR3, the gpu-attestation event binding the entry's
    gpu_attestation (dstack's real H100 nvattest output, tests/data/dstack),
    the gpu-policy-hash and init-script-hash pins; and what must fail."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="test-sim-tee-")
        cls.root_file = os.path.join(cls.tmp.name, "root.der")
        cls.sim = SimProcess(SIM, ["--seed", cls.SEED, "--tdx-root-out",
                                   cls.root_file, "--pki-time", str(PKI_TIME),
                                   "--no-gpu", "--dstack-2026", H100])

    def report(self, mutate=None):
        st, _, data = self.get("/v1/attestation/report?nonce=" + NONCE)
        self.assertEqual(st, 200)
        doc = json.loads(data)
        if mutate:
            mutate(doc)
        path = os.path.join(self.tmp.name, "report.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def attest(self, path, *extra):
        cmd = [CLI, "attest", "--report-file", path, "--provider", "auto",
               "--nonce", NONCE, "--pccs", self.sim.url, "--test-root",
               self.root_file, "--at", str(PKI_TIME), "--no-gpu", "--json"]
        p = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        self.assertIn(p.returncode, (0, 1), p.stderr.decode())
        doc = json.loads(p.stdout)
        return p.returncode, doc, {c["name"]: c for c in doc["checks"]}

    @staticmethod
    def set_everywhere(doc, key, value):
        if isinstance(doc, dict):
            for k in list(doc):
                if k == key:
                    doc[k] = value
                else:
                    TestSimTeeDstack2026.set_everywhere(doc[k], key, value)
        elif isinstance(doc, list):
            for v in doc:
                TestSimTeeDstack2026.set_everywhere(v, key, value)

    def test_verified(self):
        rc, doc, checks = self.attest(self.report())
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        mr = checks["entry[0].compose.mr_config_id"]
        self.assertEqual(mr["outcome"], "pass")
        self.assertIn("v3", mr["detail"])
        self.assertEqual(checks["entry[0].gpu.binding"]["outcome"], "pass")
        self.assertEqual(checks["entry[0].eventlog.identity"]["outcome"], "pass")
        facts = doc["facts"]
        policy = hashlib.sha256(b"{}").hexdigest()
        script = hashlib.sha256(b"echo teeattest-sim").hexdigest()
        with open(H100, "rb") as f:
            evidence = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(facts["entry[0].gpu_policy_hash"], policy)
        self.assertEqual(facts["entry[0].init_script_hashes"], script)
        self.assertEqual(facts["entry[0].gpu_attestation_sha256"], evidence)
        self.assertEqual(facts["entry[0].gpu_attestation_devices"], 1)
        self.assertEqual(facts["entry[0].gpu_attestation_cc_mode"], "on")
        self.assertEqual(facts["entry[0].gpu_attestation_devtools"], "false")
        doc3 = json.loads(facts["entry[0].mr_config_v3"])
        self.assertEqual(doc3["version"], 3)
        self.assertEqual(doc3["gpu_policy_hash"], policy)
        self.assertEqual(doc3["init_script_hashes"], [script])
        self.assertEqual(doc3["key_provider"], "kms")

    def test_pins(self):
        policy = hashlib.sha256(b"{}").hexdigest()
        script = hashlib.sha256(b"echo teeattest-sim").hexdigest()
        path = self.report()
        rc, doc, checks = self.attest(path, "--expect-gpu-policy-hash", policy,
                                      "--expect-init-script-hash",
                                      "ab" * 32 + "," + script)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assertEqual(checks["entry[0].identity.gpu_policy_hash"]["outcome"],
                         "pass")
        self.assertEqual(
            checks["entry[0].identity.init_script_hashes"]["outcome"], "pass")
        rc, doc, checks = self.attest(path, "--expect-gpu-policy-hash", "ab" * 32)
        self.assertEqual(rc, 1)
        self.assertEqual(checks["entry[0].identity.gpu_policy_hash"]["outcome"],
                         "fail")
        rc, doc, checks = self.attest(path, "--expect-init-script-hash",
                                      "ab" * 32)
        self.assertEqual(rc, 1)
        self.assertEqual(
            checks["entry[0].identity.init_script_hashes"]["outcome"], "fail")

    def test_gpu_attestation_edited(self):
        with open(H100, "r") as f:
            text = f.read()
        # One byte more (a trailing newline), then another capture's
        # evidence in its place.
        for other in (text + "\n", text.replace("580.159.03", "580.159.04")):
            rc, doc, checks = self.attest(self.report(
                lambda d: self.set_everywhere(d, "gpu_attestation", other)))
            self.assertEqual(rc, 1)
            self.assertEqual(doc["verdict"], "failed")
            self.assertEqual(checks["entry[0].gpu.binding"]["outcome"], "fail")
            self.assertTrue(checks["entry[0].gpu.binding"]["required"])

    def test_gpu_attestation_dropped(self):
        def drop(d):
            def walk(o):
                if isinstance(o, dict):
                    o.pop("gpu_attestation", None)
                    for v in o.values():
                        walk(v)
                elif isinstance(o, list):
                    for v in o:
                        walk(v)
            walk(d)
        rc, doc, checks = self.attest(self.report(drop))
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        c = checks["entry[0].gpu.binding"]
        self.assertEqual(c["outcome"], "skip")
        self.assertFalse(c["required"])
        self.assertIn("does not carry", c["detail"])

    def test_app_compose_edited(self):
        # A v3 document member edited in app_compose: the compose hash
        # fails, and so does MRCONFIGID v3.
        def edit(d):
            def walk(o):
                if isinstance(o, dict):
                    for k, v in o.items():
                        if k == "app_compose" and isinstance(v, str):
                            o[k] = v.replace('"key_provider":"kms"',
                                             '"key_provider":"none"')
                        else:
                            walk(v)
                elif isinstance(o, list):
                    for v in o:
                        walk(v)
            walk(d)
        rc, doc, checks = self.attest(self.report(edit))
        self.assertEqual(rc, 1)
        self.assertEqual(checks["entry[0].compose.hash"]["outcome"], "fail")
        self.assertEqual(checks["entry[0].compose.mr_config_id"]["outcome"],
                         "fail")


if __name__ == "__main__":
    SIM, CLI = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
