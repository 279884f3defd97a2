#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Image provenance end to end (docs/provenance.md): teeattest-sim --oci
names two images in its attested app_compose and serves their Sigstore
bundles as an OCI registry, signed under its TEST trust root.

`teeattest attest --require-provenance` verifies them fetched from the
simulator's registry (referrers, or the cosign tag) and supplied offline;
each registry fault fails on its named check when provenance is required
and is only a warning or a skip when it is not; attacks (bundles swapped
between the images, one bundle for both, a tampered or foreign bundle, a
signer the policy does not name) fail on the check that catches them.

Usage: test_provenance.py SIM_EXE TEEATTEST_EXE [unittest arguments...]
Python standard library only.
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402
from simproc import SimProcess  # noqa: E402

SIM = None
CLI = None
NONCE = bytes(range(32)).hex()
PKI_TIME = 1767225600  # 2026-01-01T00:00:00Z
WORKFLOW = ("https://github.com/teeattest-sim/app/.github/workflows/"
            "release.yml@refs/heads/main")
ISSUER = "https://token.actions.githubusercontent.com"
SIGNER = "registry.sim.test/teeattest-sim/=%s@%s" % (WORKFLOW, ISSUER)
P = "entry[0].provenance"


class SimOci:
    """One simulator with --oci (and faults) per class."""

    def __init__(self, faults=()):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-provenance-")
        self.root = os.path.join(self.tmp.name, "root.der")
        self.trusted_root = os.path.join(self.tmp.name, "trusted_root.json")
        args = ["--seed", "1", "--tdx-root-out", self.root, "--pki-time",
                str(PKI_TIME), "--no-gpu", "--oci", "--sigstore-root-out",
                self.trusted_root]
        for f in faults:
            args += ["--fault", f]
        self.sim = SimProcess(SIM, args)
        self.report = os.path.join(self.tmp.name, "report.json")
        with open(self.report, "wb") as f:
            f.write(self.get("/v1/attestation/report?nonce=" + NONCE)[1])

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1",
                                       self.sim.ports["http_port"], timeout=30)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def stop(self):
        rc = self.sim.stop()
        self.tmp.cleanup()
        if rc != 0:
            raise AssertionError("simulator exit status %d" % rc)

    def attest(self, *extra, registry=True, root=True, report=None):
        cmd = [CLI, "attest", "--report-file", report or self.report,
               "--provider", "auto", "--nonce", NONCE, "--pccs", self.sim.url,
               "--test-root", self.root, "--at", str(PKI_TIME), "--no-gpu",
               "--json"]
        if registry:
            cmd += ["--registry-url", self.sim.url]
        if root:
            cmd += ["--sigstore-trusted-root", self.trusted_root]
        p = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if p.returncode not in (0, 1):
            raise AssertionError(p.stderr.decode())
        doc = json.loads(p.stdout)
        return p.returncode, doc, {c["name"]: c for c in doc["checks"]}

    def bundle(self, image):
        """The bundle the registry serves for image 0 or 1 (no fault)."""
        compose = json.loads(self.get("/v1/attestation/report?nonce=" +
                                      NONCE)[1])
        digest = image_digests(compose)[image]
        repo = ("web", "model")[image]
        st, idx = self.get("/v2/teeattest-sim/%s/referrers/sha256:%s"
                           % (repo, digest))
        assert st == 200, st
        man = json.loads(idx)["manifests"][0]["digest"]
        st, m = self.get("/v2/teeattest-sim/%s/manifests/%s" % (repo, man))
        blob = json.loads(m)["layers"][0]["digest"]
        st, b = self.get("/v2/teeattest-sim/%s/blobs/%s" % (repo, blob))
        assert st == 200, st
        return b


def load(path):
    with open(path) as f:
        return json.load(f)


def image_digests(report):
    """The two image digests of the report's app_compose."""
    text = json.dumps(report)
    out = []
    for name in ("web", "model"):
        key = "teeattest-sim/%s@sha256:" % name
        i = text.index(key) + len(key)
        out.append(text[i:i + 64])
    return out


class Base(unittest.TestCase):
    FAULTS = ()

    @classmethod
    def setUpClass(cls):
        cls.s = SimOci(cls.FAULTS)

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def outcome(self, checks, name):
        self.assertIn(name, checks, sorted(checks))
        c = checks[name]
        return c["outcome"], c["required"]

    def assert_image_ok(self, checks, k):
        for step in ("digest", "bundle", "subject", "signature", "identity"):
            self.assertEqual(self.outcome(checks, "%s.image[%d].%s"
                                          % (P, k, step)), ("pass", True))


class TestProvenance(Base):
    def test_required_verified(self):
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assertEqual(checks[P]["outcome"], "pass")
        self.assert_image_ok(checks, 0)
        self.assert_image_ok(checks, 1)
        f = doc["facts"]
        pre = P + ".image[1]."
        self.assertEqual(f[pre + "name"], "registry.sim.test/teeattest-sim/model")
        self.assertEqual(f[pre + "identity"], WORKFLOW)
        self.assertEqual(f[pre + "issuer"], ISSUER)
        self.assertEqual(f[pre + "source_repository"],
                         "https://github.com/teeattest-sim/app")
        self.assertEqual(f[pre + "source_ref"], "refs/heads/main")
        self.assertEqual(len(f[pre + "source_commit"]), 40)
        self.assertEqual(f[pre + "workflow"], WORKFLOW)
        self.assertEqual(f[pre + "signing_time"], "2025-12-31T23:00:00Z")

    def test_default_unchanged(self):
        """No provenance asked: one skipped, not required check."""
        rc, doc, checks = self.s.attest(registry=False, root=False)
        self.assertEqual(rc, 0)
        self.assertEqual(self.outcome(checks, P), ("skip", False))
        self.assertFalse([n for n in checks if n.startswith(P + ".")])

    def test_regexp_identity(self):
        rc, doc, checks = self.s.attest(
            "--require-provenance", "--provenance-identity-regexp",
            "*=https://github\\.com/teeattest-sim/app/.*@" + ISSUER)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))

    def test_signer_not_named(self):
        """The policy names another repository's workflow."""
        other = SIGNER.replace("teeattest-sim/app", "teeattest-sim/other")
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", other)
        self.assertEqual(rc, 1)
        for k in (0, 1):
            self.assertEqual(self.outcome(checks, "%s.image[%d].identity"
                                          % (P, k)), ("fail", True))
            self.assertEqual(checks["%s.image[%d].signature" % (P, k)]
                             ["outcome"], "pass")
        # a rule for other images only: this one has no signer
        rc, doc, checks = self.s.attest(
            "--require-provenance", "--provenance-identity",
            "ghcr.io/elsewhere/=%s@%s" % (WORKFLOW, ISSUER))
        self.assertEqual(rc, 1)
        self.assertIn("names no signer",
                      checks[P + ".image[0].identity"]["detail"])

    def test_no_trusted_root(self):
        """Without --sigstore-trusted-root the shipped default (Sigstore's
        public-good root) is used: the simulator's TEST bundles must fail
        against it, every image, named as the default's failure."""
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        root=False)
        self.assertEqual(rc, 1)
        for k in (0, 1):
            sig = P + ".image[%d].signature" % k
            self.assertEqual(self.outcome(checks, sig), ("fail", True))
            self.assertIn("shipped default trusted root",
                          checks[sig]["detail"])
        self.assertEqual(doc["verdict"], "failed")

    def test_supplied_offline(self):
        d = os.path.join(self.s.tmp.name, "bundles")
        os.makedirs(d, exist_ok=True)
        for k in (0, 1):
            with open(os.path.join(d, "b%d.sigstore" % k), "wb") as f:
                f.write(self.s.bundle(k))
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        "--sigstore-bundle", d,
                                        registry=False)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assertIn("0 fetched from the registry, 1 supplied",
                      checks[P + ".image[1].bundle"]["detail"])

    def test_supplied_one_bundle_for_both(self):
        """Attack: image 0's bundle supplied alone cannot cover image 1."""
        path = os.path.join(self.s.tmp.name, "only0.json")
        with open(path, "wb") as f:
            f.write(self.s.bundle(0))
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        "--sigstore-bundle", path,
                                        registry=False)
        self.assertEqual(rc, 1)
        self.assert_image_ok(checks, 0)
        self.assertEqual(self.outcome(checks, P + ".image[1].bundle"),
                         ("skip", True))

    def test_supplied_tampered(self):
        """Attack: the statement edited to name image 1 breaks the DSSE
        signature."""
        b = json.loads(self.s.bundle(0))
        env = b["dsseEnvelope"]
        stmt = json.loads(base64.b64decode(env["payload"]))
        digests = image_digests(load(self.s.report))
        stmt["subject"][0]["digest"]["sha256"] = digests[1]
        env["payload"] = base64.b64encode(json.dumps(stmt).encode()).decode()
        path = os.path.join(self.s.tmp.name, "tampered.json")
        with open(path, "w") as f:
            json.dump(b, f)
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        "--sigstore-bundle", path,
                                        registry=False)
        self.assertEqual(rc, 1)
        self.assertEqual(self.outcome(checks, P + ".image[1].subject"),
                         ("pass", True))
        self.assertEqual(self.outcome(checks, P + ".image[1].signature"),
                         ("fail", True))

    def test_compose_digest_case(self):
        """Attack: the app_compose's digest upper-cased to dodge a rule:
        the compose is no longer the attested one."""
        rep = load(self.s.report)
        d = image_digests(rep)[1]
        text = json.dumps(rep).replace(d, d.upper())
        path = os.path.join(self.s.tmp.name, "upper.json")
        with open(path, "w") as f:
            f.write(text)
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        report=path)
        self.assertEqual(rc, 1)
        self.assertEqual(self.outcome(checks, P), ("fail", True))


class Fault:
    """Mixin, one registry fault: (check of image 1 or 0, outcome when required,
    outcome when not required)."""
    EXPECT = ()

    def test_required_fails(self):
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER)
        self.assertEqual(rc, 1)
        self.assertEqual(doc["verdict"], "failed")
        for name, req, _ in self.EXPECT:
            self.assertEqual(self.outcome(checks, P + name), (req, True),
                             checks[P + name]["detail"])

    def test_not_required_warns(self):
        rc, doc, checks = self.s.attest("--provenance-identity", SIGNER)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        for name, _, opt in self.EXPECT:
            self.assertEqual(self.outcome(checks, P + name), (opt, False))


class TestFaultMissing(Fault, Base):
    FAULTS = ("oci_missing",)
    EXPECT = ((".image[1].bundle", "skip", "skip"),)


class TestFaultOtherDigest(Fault, Base):
    FAULTS = ("oci_other_digest",)
    EXPECT = ((".image[1].subject", "fail", "warn"),)


class TestFaultOtherIdentity(Fault, Base):
    FAULTS = ("oci_other_identity",)
    EXPECT = ((".image[1].identity", "fail", "warn"),)


class TestFaultSwap(Fault, Base):
    FAULTS = ("oci_swap",)
    EXPECT = ((".image[0].subject", "fail", "warn"),
              (".image[1].subject", "fail", "warn"))


class TestFaultDuplicate(Fault, Base):
    FAULTS = ("oci_duplicate",)
    EXPECT = ((".image[0].subject", "pass", "pass"),
              (".image[1].subject", "fail", "warn"))


class TestTagsOnly(Base):
    FAULTS = ("oci_tags_only",)

    def test_cosign_tag(self):
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assert_image_ok(checks, 1)


if __name__ == "__main__":
    SIM, CLI = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
