#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Image provenance end to end (docs/provenance.md): teeattest-sim --oci
names two images in its attested app_compose and serves their Sigstore
bundles as an OCI registry, signed under its TEST trust root.

`teeattest attest --require-provenance` verifies them fetched from the
simulator's registry (referrers, or the cosign tag) and supplied offline;
`attest --save FILE` keeps them in the evidence bundle (docs/bundle.md,
`sigstore_bundles`) and `teeattest verify FILE` re-verifies them offline
(TestSavedBundle: no registry request; attacks on the saved file);
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

    def verify(self, path, *extra, policy=True):
        """`teeattest verify FILE --json` with the provenance policy given
        again (policy=False: none). (exit status, doc or None, checks,
        stderr)"""
        cmd = [CLI, "verify", path, "--json", "--test-root", self.root,
               "--no-gpu"]
        if policy:
            cmd += ["--require-provenance", "--provenance-identity", SIGNER,
                    "--sigstore-trusted-root", self.trusted_root]
        p = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if p.returncode not in (0, 1):
            return p.returncode, None, {}, p.stderr.decode()
        doc = json.loads(p.stdout)
        return (p.returncode, doc, {c["name"]: c for c in doc["checks"]},
                p.stderr.decode())

    def requests(self):
        """(all requests the simulator has seen, its registry (/v2/) ones
        among those it lists)."""
        log = self.sim.log()
        return log["count"], sum(n for k, n in log["counts"].items()
                                 if " /v2/" in k)

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

    def test_supplied_and_fetched(self):
        """A supplied bundle the registry serves too: held once, one
        candidate (it was held twice and counted as both)."""
        path = os.path.join(self.s.tmp.name, "b0-again.sigstore")
        with open(path, "wb") as f:
            f.write(self.s.bundle(0))
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        "--sigstore-bundle", path)
        self.assertEqual(rc, 0, json.dumps(doc["checks"], indent=1))
        self.assertIn("1 fetched from the registry, 0 supplied",
                      checks[P + ".image[0].bundle"]["detail"])
        self.assert_image_ok(checks, 0)
        self.assert_image_ok(checks, 1)

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


class TestSavedBundle(Base):
    """attest --save with provenance required (bundles fetched from the
    simulator's registry) -> verify the file offline: the same provenance
    checks, no registry request. Then attacks on the saved file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.saved = os.path.join(cls.s.tmp.name, "saved.json")
        rc, cls.online, cls.online_checks = cls.s.attest(
            "--require-provenance", "--provenance-identity", SIGNER,
            "--save", cls.saved)
        assert rc == 0, json.dumps(cls.online["checks"], indent=1)
        cls.doc = load(cls.saved)
        digests = image_digests(load(cls.s.report))
        # which saved item names which image (by its statement's subject)
        cls.index = {}
        for i, item in enumerate(cls.doc["sigstore_bundles"]):
            stmt = json.loads(base64.b64decode(
                json.loads(item)["dsseEnvelope"]["payload"]))
            d = stmt["subject"][0]["digest"]["sha256"]
            cls.index[digests.index(d)] = i

    def write(self, doc, name):
        path = os.path.join(self.s.tmp.name, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def edited(self, fn):
        doc = json.loads(json.dumps(self.doc))
        fn(doc, doc["sigstore_bundles"])
        return doc

    def prov(self, checks):
        return {n: (c["outcome"], c["required"]) for n, c in checks.items()
                if n.startswith(P)}

    def test_saved_file(self):
        self.assertEqual(self.doc["version"], 2)
        self.assertEqual(len(self.doc["sigstore_bundles"]), 2)
        self.assertEqual(sorted(self.index), [0, 1])
        self.assertNotIn("aci", self.doc)
        # the exact bytes the registry served
        for k in (0, 1):
            self.assertEqual(
                self.doc["sigstore_bundles"][self.index[k]].encode(),
                self.s.bundle(k))

    def test_offline_same_checks(self):
        before = self.s.requests()
        self.assertGreater(before[1], 0)  # the attest fetched them
        rc, doc, checks, err = self.s.verify(self.saved)
        self.assertEqual(rc, 0, err or json.dumps(doc["checks"], indent=1))
        self.assertEqual(self.s.requests(), before)
        self.assertEqual(self.prov(checks), self.prov(self.online_checks))
        self.assert_image_ok(checks, 0)
        self.assert_image_ok(checks, 1)
        for k in (0, 1):
            self.assertIn("0 fetched from the registry, 1 supplied",
                          checks["%s.image[%d].bundle" % (P, k)]["detail"])
        f, g = doc["facts"], self.online["facts"]
        for key in g:
            if key.startswith(P):
                self.assertEqual(f.get(key), g[key], key)
        # without the policy: provenance is not asked, as before
        rc, doc, checks, err = self.s.verify(self.saved, policy=False)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.outcome(checks, P), ("skip", False))
        self.assertEqual(self.s.requests(), before)

    def test_dropped(self):
        doc = self.edited(lambda d, ss: ss.pop(self.index[1]))
        rc, out, checks, err = self.s.verify(self.write(doc, "drop.json"))
        self.assertEqual(rc, 1, err)
        self.assert_image_ok(checks, 0)
        self.assertEqual(self.outcome(checks, P + ".image[1].bundle"),
                         ("skip", True))
        # not required: the verdict stands, the image is skipped
        rc, out, checks, err = self.s.verify(
            self.write(doc, "drop.json"), "--provenance-identity", SIGNER,
            policy=False)
        self.assertEqual(checks[P + ".image[1].bundle"]["outcome"], "skip")

    def test_relabelled_version_1(self):
        """A version 1 reader ignores the member: provenance finds none."""
        doc = self.edited(lambda d, ss: d.update(version=1))
        rc, out, checks, err = self.s.verify(self.write(doc, "v1.json"))
        self.assertEqual(rc, 1, err)
        for k in (0, 1):
            self.assertEqual(self.outcome(checks, "%s.image[%d].bundle"
                                          % (P, k)), ("skip", True))

    def test_reordered(self):
        """Not an attack: bundles are matched by the digest they name."""
        doc = self.edited(lambda d, ss: ss.reverse())
        rc, out, checks, err = self.s.verify(self.write(doc, "rev.json"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.prov(checks), self.prov(self.online_checks))

    def test_swapped_payloads(self):
        """The two images' DSSE payloads swapped: each statement now sits
        under the other image's signature and certificate."""
        def swap(d, ss):
            b = [json.loads(x) for x in ss]
            p0 = b[0]["dsseEnvelope"]["payload"]
            b[0]["dsseEnvelope"]["payload"] = b[1]["dsseEnvelope"]["payload"]
            b[1]["dsseEnvelope"]["payload"] = p0
            ss[:] = [json.dumps(x) for x in b]
        rc, out, checks, err = self.s.verify(
            self.write(self.edited(swap), "swap.json"))
        self.assertEqual(rc, 1, err)
        for k in (0, 1):
            self.assertEqual(self.outcome(checks, "%s.image[%d].subject"
                                          % (P, k)), ("pass", True))
            self.assertEqual(self.outcome(checks, "%s.image[%d].signature"
                                          % (P, k)), ("fail", True))

    def test_swapped_signatures(self):
        def swap(d, ss):
            b = [json.loads(x) for x in ss]
            s0 = b[0]["dsseEnvelope"]["signatures"]
            b[0]["dsseEnvelope"]["signatures"] = \
                b[1]["dsseEnvelope"]["signatures"]
            b[1]["dsseEnvelope"]["signatures"] = s0
            ss[:] = [json.dumps(x) for x in b]
        rc, out, checks, err = self.s.verify(
            self.write(self.edited(swap), "swapsig.json"))
        self.assertEqual(rc, 1, err)
        for k in (0, 1):
            self.assertEqual(self.outcome(checks, "%s.image[%d].signature"
                                          % (P, k)), ("fail", True))

    def edit_bundle(self, k, fn, name):
        def edit(d, ss):
            b = json.loads(ss[self.index[k]])
            fn(b)
            ss[self.index[k]] = json.dumps(b)
        return self.write(self.edited(edit), name)

    def test_signature_byte(self):
        def flip(b):
            sig = bytearray(base64.b64decode(
                b["dsseEnvelope"]["signatures"][0]["sig"]))
            sig[len(sig) // 2] ^= 1
            b["dsseEnvelope"]["signatures"][0]["sig"] = \
                base64.b64encode(bytes(sig)).decode()
        rc, out, checks, err = self.s.verify(
            self.edit_bundle(1, flip, "sigbyte.json"))
        self.assertEqual(rc, 1, err)
        self.assert_image_ok(checks, 0)
        self.assertEqual(self.outcome(checks, P + ".image[1].signature"),
                         ("fail", True))

    def test_payload_byte(self):
        """One byte of the DSSE payload outside the subject (the predicate)
        edited: the statement still names the digest, the signature
        breaks."""
        def edit(b):
            stmt = base64.b64decode(b["dsseEnvelope"]["payload"])
            i = stmt.index(b"predicateType")
            stmt = stmt[:i] + b"P" + stmt[i + 1:]
            b["dsseEnvelope"]["payload"] = base64.b64encode(stmt).decode()
        rc, out, checks, err = self.s.verify(
            self.edit_bundle(0, edit, "payload.json"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.outcome(checks, P + ".image[0].subject"),
                         ("pass", True))
        self.assertEqual(self.outcome(checks, P + ".image[0].signature"),
                         ("fail", True))
        self.assert_image_ok(checks, 1)

    def test_exact_text_byte(self):
        """A byte of the saved text itself (not re-encoded JSON) changed:
        the signed document is kept as exact bytes, so it fails."""
        def edit(d, ss):
            t = ss[self.index[1]]
            i = t.index('"sig":"') + len('"sig":"') + 4
            ss[self.index[1]] = t[:i] + ("A" if t[i] != "A" else "B") + \
                t[i + 1:]
        rc, out, checks, err = self.s.verify(
            self.write(self.edited(edit), "text.json"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.outcome(checks, P + ".image[1].signature"),
                         ("fail", True))

    def test_duplicated(self):
        """The same bundle twice: no writer makes that; refused whole."""
        doc = self.edited(lambda d, ss: ss.append(ss[self.index[0]]))
        rc, out, checks, err = self.s.verify(self.write(doc, "dup.json"))
        self.assertEqual(rc, 2)
        self.assertIn("sigstore_bundles[2]", err)
        # image 0's bundle in place of image 1's: the same refusal
        def both0(d, ss):
            ss[self.index[1]] = ss[self.index[0]]
        rc, out, checks, err = self.s.verify(
            self.write(self.edited(both0), "both0.json"))
        self.assertEqual(rc, 2)
        self.assertIn("same Sigstore bundle", err)

    def test_other_bundle_not_json(self):
        """Garbage in place of image 1's bundle: kept, a candidate for no
        image."""
        def junk(d, ss):
            ss[self.index[1]] = {"base64": base64.b64encode(
                b"\xff not a bundle").decode()}
        rc, out, checks, err = self.s.verify(
            self.write(self.edited(junk), "junk.json"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(self.outcome(checks, P + ".image[1].bundle"),
                         ("skip", True))


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

    # Offline re-verification of the file `attest --save` wrote under the
    # fault: (check, outcome when required), or () when the saved file
    # verifies (a registry fault the offline matching does not see).
    OFFLINE = None

    def test_saved_offline(self):
        path = os.path.join(self.s.tmp.name, "saved-fault.json")
        if os.path.exists(path):
            os.unlink(path)
        rc, doc, checks = self.s.attest("--require-provenance",
                                        "--provenance-identity", SIGNER,
                                        "--save", path)
        self.assertEqual(rc, 1)
        before = self.s.requests()
        rc, doc, checks, err = self.s.verify(path)
        self.assertEqual(self.s.requests(), before)
        expect = self.EXPECT if self.OFFLINE is None else self.OFFLINE
        self.assertEqual(rc, 1 if expect else 0,
                         err or json.dumps(doc["checks"], indent=1))
        for name, req, *_ in expect:
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
    # saved: a bundle for another digest is a candidate for no image
    OFFLINE = ((".image[1].bundle", "skip"),)


class TestFaultOtherIdentity(Fault, Base):
    FAULTS = ("oci_other_identity",)
    EXPECT = ((".image[1].identity", "fail", "warn"),)


class TestFaultSwap(Fault, Base):
    FAULTS = ("oci_swap",)
    EXPECT = ((".image[0].subject", "fail", "warn"),
              (".image[1].subject", "fail", "warn"))
    # saved: both bundles are held and each names its own image's digest;
    # which image the registry served them for is not saved (by design)
    OFFLINE = ()


class TestFaultDuplicate(Fault, Base):
    FAULTS = ("oci_duplicate",)
    EXPECT = ((".image[0].subject", "pass", "pass"),
              (".image[1].subject", "fail", "warn"))
    # saved once (the writer writes each bundle once): none for image 1
    OFFLINE = ((".image[0].subject", "pass"), (".image[1].bundle", "skip"))


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
