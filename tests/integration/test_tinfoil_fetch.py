#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A Tinfoil release discovered online (docs/providers.md, "Tinfoil
releases"): `teeattest attest --tinfoil-repo OWNER/NAME` without a bundle
fetches the repository's latest release (or --tinfoil-release-tag), its
tinfoil.hash asset (through a redirect) and the GitHub attestation of that
digest from `--github-api-url`, here teeattest-sim --github-release.

The simulator does not play a Tinfoil enclave: it serves the REAL release
bundle of tinfoilsh/confidential-model-router v0.0.38
(tests/data/tinfoil-release) at the GitHub endpoints, and the report is the
real Tinfoil capture ($TEEATTEST_FIXTURES/providers/tinfoil_v3_direct, a
gemma release): every tinfoil.release.* check passes except
tinfoil.release.measurement (another release), as offline with the bundle
given (test_attest_cli.py TestTinfoilRelease). The shipped default Sigstore
root verifies the real bundle; nothing reaches the internet.

`attest --save` keeps the fetched bundle; `verify FILE --tinfoil-repo`
re-checks it offline without a request. Each simulator fault (gh_missing,
gh_hash_not_hex, gh_other_digest, gh_other_repo, gh_tag_mismatch,
gh_oversized) fails the check that catches it: a fetch failure skips
tinfoil.release.bundle (not required), or fails it with
--require-tinfoil-release.

Usage: test_tinfoil_fetch.py SIM_EXE TEEATTEST_EXE CLASS
Python standard library only.
"""
import datetime
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
SRC = os.environ.get("TEEATTEST_SOURCE_ROOT",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
TINFOIL = os.path.join(FIXTURES, "providers", "tinfoil_v3_direct")
PCS = os.path.join(FIXTURES, "providers", "nearai_direct_ed25519_tls",
                   "intel_pcs")
RELEASE = os.path.join(SRC, "tests", "data", "tinfoil-release",
                       "router-v0.0.38.sigstore.json")
REPO = "tinfoilsh/confidential-model-router"
OTHER_REPO = "tinfoilsh/confidential-gemma4-31b"
TAG = "v0.0.38"
DIGEST = "5ed9d5c942528ec2eeb759919827f1bc2183c6810f80225a52147dd4020c12a0"
T = "entry[0].tinfoil.release."
PASSING = ("bundle", "identity", "predicate", "digest")


def manifest():
    with open(os.path.join(TINFOIL, "capture_manifest.json")) as f:
        return json.load(f)


def capture_time():
    t = manifest()["captured_at"].rstrip("Z").split(".")[0]
    dt = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S")
    return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp())


def facts(doc):
    """Facts by name, "unverified." dropped (the verdict fails on the
    measurement of this other release)."""
    return {k[len("unverified."):] if k.startswith("unverified.") else k: v
            for k, v in doc["facts"].items()}


class Base(unittest.TestCase):
    FAULTS = ()
    SERVE = (REPO, TAG, RELEASE)

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(TINFOIL):
            raise unittest.SkipTest("no fixtures at $TEEATTEST_FIXTURES")
        args = ["--github-release", "%s@%s=%s" % cls.SERVE]
        for f in cls.FAULTS:
            args += ["--fault", f]
        cls.sim = SimProcess(SIM, args, prefix="test-tinfoil-fetch-")
        cls.tmp = tempfile.TemporaryDirectory(prefix="test-tinfoil-fetch-")

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        if rc != 0:
            raise AssertionError("simulator exit status %d" % rc)

    def run_cli(self, *args):
        p = subprocess.run([CLI] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    @classmethod
    def attest_args(cls, repo=REPO, online=True):
        """teeattest attest of the real Tinfoil capture, at its time."""
        args = ["attest", "--report-file",
                os.path.join(TINFOIL, "attestation.json"), "--provider",
                "tinfoil", "--nonce", manifest()["nonce_hex"],
                "--collateral", PCS, "--at", str(capture_time()), "--no-gpu",
                "--json"]
        if repo:
            args += ["--tinfoil-repo", repo]
        if online:
            args += ["--github-api-url", cls.sim.url]
        return args

    @classmethod
    def attest_saved(cls, *extra):
        """attest --save into the class's directory: cls.saved, and
        cls.online, each check's outcome online."""
        cls.saved = os.path.join(cls.tmp.name, "saved.json")
        p = subprocess.run([CLI] + cls.attest_args() +
                           list(extra) + ["--save", cls.saved],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        assert p.returncode in (0, 1), p.stderr.decode()
        cls.online = {c["name"]: c["outcome"]
                      for c in json.loads(p.stdout)["checks"]}

    def load(self):
        with open(self.saved) as f:
            return json.load(f)

    def write(self, doc, name):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def attest(self, *extra, repo=REPO, online=True):
        args = self.attest_args(repo, online)
        rc, out, err = self.run_cli(*args, *extra)
        self.assertIn(rc, (0, 1), err)
        doc = json.loads(out)
        return doc, {c["name"]: c for c in doc["checks"]}

    def outcome(self, checks, name):
        self.assertIn(T + name, checks, sorted(checks))
        return checks[T + name]["outcome"], checks[T + name]["required"]

    def requests(self):
        return self.sim.log()["count"]

    def repo_requests(self, repo):
        """Requests for one repository's release, hash or attestations."""
        return sum(v for k, v in self.sim.log()["counts"].items()
                   if "/%s/" % repo in k)

    def assert_release_checked(self, checks):
        for name in PASSING:
            self.assertEqual(self.outcome(checks, name), ("pass", True),
                             checks[T + name]["detail"])
        # the real capture runs another release than this router
        self.assertEqual(self.outcome(checks, "measurement"), ("fail", True))

    def assert_not_fetched(self, why):
        """A fetch failure: skipped (not required), failed when required;
        the detail says why."""
        doc, checks = self.attest()
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        self.assertIn(why, checks[T + "bundle"]["detail"])
        self.assertNotIn(T + "measurement", checks)
        doc, checks = self.attest("--require-tinfoil-release")
        self.assertEqual(self.outcome(checks, "bundle"), ("fail", True))
        self.assertIn(why, checks[T + "bundle"]["detail"])
        self.assertEqual(doc["verdict"], "failed")


class TestTinfoilFetch(Base):
    def test_latest(self):
        before = self.sim.log()["counts"]
        doc, checks = self.attest()
        self.assert_release_checked(checks)
        self.assertIn("given release digest", checks[T + "digest"]["detail"])
        f = facts(doc)
        self.assertEqual(f[T + "tag"], TAG)
        self.assertEqual(f[T + "digest"], DIGEST)
        self.assertEqual(f[T + "repo"], REPO)
        self.assertEqual(f[T + "source"], "%s/repos/%s/attestations/sha256:%s"
                         % (self.sim.url, REPO, DIGEST))
        after = self.sim.log()["counts"]
        for path in ("/repos/%s/releases/latest" % REPO,
                     "/%s/releases/download/%s/tinfoil.hash" % (REPO, TAG),
                     "/release-assets/tinfoil.hash",
                     "/repos/%s/attestations/sha256:%s" % (REPO, DIGEST)):
            k = "GET " + path
            self.assertEqual(after.get(k, 0) - before.get(k, 0), 1, k)

    def test_tag(self):
        before = self.sim.log()["counts"]
        doc, checks = self.attest("--tinfoil-release-tag", TAG)
        self.assert_release_checked(checks)
        self.assertEqual(facts(doc)[T + "tag"], TAG)
        k = "GET /repos/%s/releases/tags/%s" % (REPO, TAG)
        self.assertEqual(self.sim.log()["counts"].get(k, 0) -
                         before.get(k, 0), 1)

    def test_unknown_tag(self):
        doc, checks = self.attest("--tinfoil-release-tag", "v0.0.37")
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        self.assertIn("HTTP 404", checks[T + "bundle"]["detail"])

    def test_repository_not_served(self):
        doc, checks = self.attest(repo=OTHER_REPO)
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        self.assertIn("HTTP 404", checks[T + "bundle"]["detail"])

    def test_offline_fetches_nothing(self):
        n = self.requests()
        doc, checks = self.attest(online=False)
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        self.assertIn("not fetched", checks[T + "bundle"]["detail"])
        doc, checks = self.attest("--require-tinfoil-release", online=False)
        self.assertEqual(self.outcome(checks, "bundle"), ("fail", True))
        self.assertEqual(self.requests(), n + 0)

    def test_no_repo_no_fetch(self):
        n = self.requests()
        doc, checks = self.attest(repo=None)
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        self.assertEqual(self.requests(), n)

    def test_given_bundle_wins_and_tag_applies(self):
        """A bundle given is never replaced by a fetched one; a tag given
        with it is required of its workflow. (The hardware measurements,
        not given, are still fetched: only the release's requests count.)"""
        n = self.repo_requests(REPO)
        doc, checks = self.attest("--tinfoil-release-bundle", RELEASE,
                                  "--tinfoil-release-digest", DIGEST,
                                  "--tinfoil-release-tag", TAG)
        self.assert_release_checked(checks)
        self.assertEqual(facts(doc)[T + "source"], "policy")
        doc, checks = self.attest("--tinfoil-release-bundle", RELEASE,
                                  "--tinfoil-release-tag", "v0.0.39")
        self.assertEqual(self.outcome(checks, "identity"), ("fail", True))
        self.assertIn("v0.0.39", checks[T + "identity"]["detail"])
        # the whole tag, literally: not a prefix, '.' is no wildcard
        for tag in ("v0.0.3", "v0x0x38", "v0.0.38x", "0.0.38"):
            doc, checks = self.attest("--tinfoil-release-bundle", RELEASE,
                                      "--tinfoil-release-tag", tag)
            self.assertEqual(self.outcome(checks, "identity"),
                             ("fail", True), tag)
        self.assertEqual(self.repo_requests(REPO), n)

    def test_usage(self):
        base = ["attest", "--report-file",
                os.path.join(TINFOIL, "attestation.json"), "--provider",
                "tinfoil", "--nonce", "00" * 32]
        for extra, word in (
                (["--tinfoil-release-tag", TAG], "--tinfoil-repo"),
                (["--tinfoil-repo", REPO, "--tinfoil-release-tag", "../x"],
                 "tag"),
                (["--tinfoil-repo", REPO, "--tinfoil-release-tag", ""],
                 "tag"),
                (["--tinfoil-repo", "not a repo"], "repo"),
                (["--tinfoil-repo", REPO, "--tinfoil-release-digest",
                  DIGEST], "--tinfoil-release-bundle"),
                (["--github-api-url", "ftp://x"], "--github-api-url")):
            rc, out, err = self.run_cli(*base, *extra)
            self.assertEqual(rc, 2, (extra, out, err))
            self.assertIn(word, err, extra)


class TestSavedRelease(Base):
    """attest --save with the release fetched; verify FILE offline."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attest_saved()

    def verify(self, path, *extra, repo=REPO):
        args = ["verify", path, "--json", "--no-gpu"]
        if repo:
            args += ["--tinfoil-repo", repo]
        rc, out, err = self.run_cli(*args, *extra)
        if rc not in (0, 1):
            return rc, None, {}, err
        doc = json.loads(out)
        return rc, doc, {c["name"]: c for c in doc["checks"]}, err


    def test_saved_bundle(self):
        d = self.load()
        self.assertEqual(len(d["sigstore_bundles"]), 1)
        with open(RELEASE) as f:
            self.assertEqual(json.loads(d["sigstore_bundles"][0]),
                             json.load(f))

    def test_offline_same_checks(self):
        n = self.requests()
        rc, doc, checks, err = self.verify(self.saved)
        self.assertIsNotNone(doc, err)
        self.assertEqual(self.requests(), n)
        for name in ("bundle", "identity", "predicate"):
            self.assertEqual(self.outcome(checks, name), ("pass", True))
        # offline the release's tinfoil.hash is not known: any digest the
        # workflow signed (the fact still names it)
        self.assertEqual(self.outcome(checks, "digest")[0], "skip")
        self.assertEqual(self.outcome(checks, "measurement"), ("fail", True))
        f = facts(doc)
        self.assertEqual(f[T + "source"], "evidence sigstore_bundles[0]")
        self.assertEqual(f[T + "digest"], DIGEST)
        self.assertEqual(f[T + "tag"], TAG)
        for name, outcome in self.online.items():
            if name != T + "digest":
                self.assertEqual(checks[name]["outcome"], outcome, name)
        # the tag asked for is still required of the saved bundle
        rc, doc, checks, err = self.verify(self.saved, "--tinfoil-release-tag",
                                           TAG)
        self.assertEqual(self.outcome(checks, "identity"), ("pass", True))
        rc, doc, checks, err = self.verify(self.saved, "--tinfoil-release-tag",
                                           "v0.0.39")
        self.assertEqual(self.outcome(checks, "identity"), ("fail", True))

    def test_other_repository(self):
        rc, doc, checks, err = self.verify(self.saved, repo=OTHER_REPO)
        self.assertEqual(self.outcome(checks, "identity"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")

    def test_no_repository(self):
        rc, doc, checks, err = self.verify(self.saved, repo=None)
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))

    def test_dropped(self):
        d = self.load()
        del d["sigstore_bundles"]
        rc, doc, checks, err = self.verify(self.write(d, "dropped.json"),
                                           "--require-tinfoil-release")
        self.assertEqual(self.outcome(checks, "bundle"), ("fail", True))
        self.assertIn("none of the evidence", checks[T + "bundle"]["detail"])

    def test_two_releases(self):
        """A second Tinfoil release bundle (the same, re-indented): which
        one the enclave runs is not known offline."""
        d = self.load()
        d["sigstore_bundles"].append(
            json.dumps(json.loads(d["sigstore_bundles"][0]), indent=2))
        rc, doc, checks, err = self.verify(self.write(d, "two.json"),
                                           "--require-tinfoil-release")
        self.assertEqual(self.outcome(checks, "bundle"), ("fail", True))
        self.assertIn("2 Tinfoil release", checks[T + "bundle"]["detail"])

    def test_tampered_statement(self):
        """A byte of the signed statement changed: the bundle fails."""
        import base64
        d = self.load()
        b = json.loads(d["sigstore_bundles"][0])
        payload = base64.b64decode(b["dsseEnvelope"]["payload"])
        payload = payload.replace(b"a7ed1bcb", b"46658ae5", 1)
        b["dsseEnvelope"]["payload"] = base64.b64encode(payload).decode()
        d["sigstore_bundles"][0] = json.dumps(b)
        rc, doc, checks, err = self.verify(self.write(d, "tampered.json"))
        self.assertEqual(self.outcome(checks, "bundle"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")

    def test_broken_statement_still_checked(self):
        """A bundle of the release predicate type whose statement is
        malformed (an RTMR1 of 90 digits) is the one checked offline: it
        fails, it is not skipped as absent."""
        import base64
        d = self.load()
        b = json.loads(d["sigstore_bundles"][0])
        payload = base64.b64decode(b["dsseEnvelope"]["payload"])
        payload = payload.replace(b"a7ed1bcb", b"a7", 1)
        b["dsseEnvelope"]["payload"] = base64.b64encode(payload).decode()
        d["sigstore_bundles"][0] = json.dumps(b)
        rc, doc, checks, err = self.verify(self.write(d, "short.json"))
        self.assertEqual(self.outcome(checks, "predicate"), ("fail", True))
        self.assertEqual(facts(doc)[T + "source"],
                         "evidence sigstore_bundles[0]")
        self.assertEqual(doc["verdict"], "failed")


class TestFaultMissing(Base):
    FAULTS = ("gh_missing",)

    def test_missing_release(self):
        self.assert_not_fetched("HTTP 404")


class TestFaultHashNotHex(Base):
    FAULTS = ("gh_hash_not_hex",)

    def test_hash_not_hex(self):
        self.assert_not_fetched("is not 64 hex digits")


class TestFaultOversized(Base):
    FAULTS = ("gh_oversized",)

    def test_oversized(self):
        self.assert_not_fetched("/attestations/sha256:" + DIGEST)


class TestFaultOtherDigest(Base):
    FAULTS = ("gh_other_digest",)

    def test_attestation_for_another_digest(self):
        """tinfoil.hash names another digest and the attestation served
        for it is the real bundle: its subject is not the release's."""
        doc, checks = self.attest()
        self.assertEqual(self.outcome(checks, "digest"), ("fail", True))
        self.assertEqual(self.outcome(checks, "identity"), ("pass", True))
        self.assertEqual(doc["verdict"], "failed")


class TestFaultOtherRepo(Base):
    FAULTS = ("gh_other_repo",)

    def test_signed_by_another_repository(self):
        """The release of another repository, served for the one asked:
        its workflow is not that repository's."""
        doc, checks = self.attest(repo=OTHER_REPO)
        self.assertEqual(self.outcome(checks, "identity"), ("fail", True))
        self.assertIn(OTHER_REPO, checks[T + "identity"]["detail"])
        self.assertEqual(self.outcome(checks, "measurement")[0], "skip")
        self.assertEqual(doc["verdict"], "failed")


class TestFaultTagMismatch(Base):
    FAULTS = ("gh_tag_mismatch",)

    def test_tag_mismatch(self):
        """The latest release is v9.9.9 but its attestation was signed at
        v0.0.38: not that release's."""
        doc, checks = self.attest()
        self.assertEqual(self.outcome(checks, "identity"), ("fail", True))
        self.assertIn("v9.9.9", checks[T + "identity"]["detail"])
        self.assertEqual(facts(doc)[T + "tag"], "v9.9.9")
        self.assertEqual(doc["verdict"], "failed")


# Hardware measurements fetched too: with a release repository named and no
# --tinfoil-hardware-bundle, the latest release of
# tinfoilsh/hardware-measurements. The simulator serves one release: here
# the TEST-signed bundles of tests/data/tinfoil-hardware (signed at
# v0.0.35, verified under their TEST root, which the real router release
# does not verify under: its fetch is a 404 here anyway).
HW_REPO = "tinfoilsh/hardware-measurements"
HW_TAG = "v0.0.35"
HW_DATA = os.path.join(SRC, "tests", "data", "tinfoil-hardware")
HW_ROOT = os.path.join(HW_DATA, "test_trusted_root.json")
H = "entry[0].tinfoil.hardware."
HW_CHECKS = ("bundle", "identity", "predicate", "measurement")


def hw_bundle(name):
    return os.path.join(HW_DATA, name + ".sigstore.json")


def hw_digest(name):
    import base64
    with open(hw_bundle(name)) as f:
        b = json.load(f)
    st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
    return st["subject"][0]["digest"]["sha256"]


class HwBase(Base):
    SERVE = (HW_REPO, HW_TAG, hw_bundle("hw-match"))

    def hw(self, checks, name):
        self.assertIn(H + name, checks, sorted(checks))
        return checks[H + name]["outcome"], checks[H + name]["required"]

    def attest_hw(self, *extra, **kw):
        return self.attest("--sigstore-trusted-root", HW_ROOT, *extra, **kw)


class TestHardwareFetch(HwBase):
    def test_fetched_and_verified(self):
        before = self.sim.log()["counts"]
        doc, checks = self.attest_hw("--require-tinfoil-hardware")
        for name in HW_CHECKS:
            self.assertEqual(self.hw(checks, name), ("pass", True),
                             checks[H + name]["detail"])
        self.assertIn("capture_platform", checks[H + "measurement"]["detail"])
        f = facts(doc)
        digest = hw_digest("hw-match")
        self.assertEqual(f[H + "tag"], HW_TAG)
        self.assertEqual(f[H + "digest"], digest)
        self.assertEqual(f[H + "source"], "%s/repos/%s/attestations/sha256:%s"
                         % (self.sim.url, HW_REPO, digest))
        # the enclave release is not served here: skipped, not required
        self.assertEqual(self.outcome(checks, "bundle"), ("skip", False))
        after = self.sim.log()["counts"]
        for path in ("/repos/%s/releases/latest" % HW_REPO,
                     "/%s/releases/download/%s/tinfoil.hash"
                     % (HW_REPO, HW_TAG),
                     "/repos/%s/attestations/sha256:%s" % (HW_REPO, digest)):
            k = "GET " + path
            self.assertEqual(after.get(k, 0) - before.get(k, 0), 1, k)

    def test_release_tag_does_not_apply(self):
        """--tinfoil-release-tag names the enclave release: the hardware
        measurements are still the latest release."""
        doc, checks = self.attest_hw("--tinfoil-release-tag", "v0.0.38")
        self.assertEqual(self.hw(checks, "measurement"), ("pass", True))

    def test_given_bundle_wins(self):
        doc, checks = self.attest_hw("--tinfoil-hardware-bundle",
                                     hw_bundle("hw-nomatch"), online=False)
        self.assertEqual(facts(doc)[H + "source"], "policy")
        self.assertEqual(self.hw(checks, "measurement"), ("fail", True))
        before = self.sim.log()["counts"]
        doc, checks = self.attest_hw("--tinfoil-hardware-bundle",
                                     hw_bundle("hw-nomatch"))
        self.assertEqual(self.hw(checks, "measurement"), ("fail", True))
        k = "GET /repos/%s/releases/latest" % HW_REPO
        self.assertEqual(self.sim.log()["counts"].get(k, 0),
                         before.get(k, 0))

    def test_no_repo_no_fetch(self):
        n = self.requests()
        doc, checks = self.attest_hw(repo=None)
        self.assertEqual(self.hw(checks, "bundle"), ("skip", False))
        self.assertIn("no hardware measurements given",
                      checks[H + "bundle"]["detail"])
        self.assertEqual(self.requests(), n)

    def test_not_under_the_default_root(self):
        doc, checks = self.attest()
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")


class TestHardwareMismatch(HwBase):
    SERVE = (HW_REPO, HW_TAG, hw_bundle("hw-nomatch"))

    def test_registers_of_two_platforms(self):
        doc, checks = self.attest_hw()
        for name in ("bundle", "identity", "predicate"):
            self.assertEqual(self.hw(checks, name), ("pass", True), name)
        self.assertEqual(self.hw(checks, "measurement"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")


class TestHardwareMissing(HwBase):
    """The simulator serves the router release only: the hardware
    measurements' release is a 404."""
    SERVE = (REPO, TAG, RELEASE)

    def test_missing(self):
        doc, checks = self.attest_hw()
        self.assertEqual(self.hw(checks, "bundle"), ("skip", False))
        self.assertIn(HW_REPO, checks[H + "bundle"]["detail"])
        self.assertIn("HTTP 404", checks[H + "bundle"]["detail"])
        self.assertNotIn(H + "measurement", checks)
        doc, checks = self.attest_hw("--require-tinfoil-hardware")
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertIn("HTTP 404", checks[H + "bundle"]["detail"])
        self.assertEqual(doc["verdict"], "failed")

    def test_offline_fetches_nothing(self):
        n = self.requests()
        doc, checks = self.attest_hw(online=False)
        self.assertEqual(self.hw(checks, "bundle"), ("skip", False))
        self.assertIn("not fetched", checks[H + "bundle"]["detail"])
        doc, checks = self.attest_hw("--require-tinfoil-hardware",
                                     online=False)
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertEqual(self.requests(), n)


class TestHardwareTagMismatch(HwBase):
    FAULTS = ("gh_tag_mismatch",)

    def test_tag_mismatch(self):
        """The latest release is v9.9.9, its attestation signed at
        v0.0.35: not that release's."""
        doc, checks = self.attest_hw()
        self.assertEqual(self.hw(checks, "identity"), ("fail", True))
        self.assertIn("v9.9.9", checks[H + "identity"]["detail"])
        self.assertEqual(self.hw(checks, "measurement")[0], "skip")
        self.assertEqual(doc["verdict"], "failed")


class TestHardwareOtherDigest(HwBase):
    FAULTS = ("gh_other_digest",)

    def test_attestation_for_another_digest(self):
        """tinfoil.hash names another digest; the attestation served for
        it has the real subject: not the release's."""
        doc, checks = self.attest_hw()
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertEqual(self.hw(checks, "measurement")[0], "skip")
        self.assertEqual(doc["verdict"], "failed")


class TestSavedHardware(HwBase):
    """attest --save with the hardware measurements fetched; verify FILE
    offline re-checks the one hardware bundle of the evidence."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attest_saved("--sigstore-trusted-root", HW_ROOT)

    def verify(self, path, *extra):
        rc, out, err = self.run_cli("verify", path, "--json", "--no-gpu",
                                    "--tinfoil-repo", REPO,
                                    "--sigstore-trusted-root", HW_ROOT,
                                    *extra)
        self.assertIn(rc, (0, 1), err)
        doc = json.loads(out)
        return doc, {c["name"]: c for c in doc["checks"]}

    def test_saved_bundle(self):
        d = self.load()
        self.assertEqual(len(d["sigstore_bundles"]), 1)
        with open(hw_bundle("hw-match")) as f:
            self.assertEqual(json.loads(d["sigstore_bundles"][0]),
                             json.load(f))

    def test_offline_same_checks(self):
        n = self.requests()
        doc, checks = self.verify(self.saved, "--require-tinfoil-hardware")
        self.assertEqual(self.requests(), n)
        for name in HW_CHECKS:
            self.assertEqual(self.hw(checks, name), ("pass", True), name)
            self.assertEqual(self.online[H + name], "pass", name)
        f = facts(doc)
        self.assertEqual(f[H + "source"], "evidence sigstore_bundles[0]")
        self.assertEqual(f[H + "tag"], HW_TAG)

    def test_dropped(self):
        d = self.load()
        del d["sigstore_bundles"]
        doc, checks = self.verify(self.write(d, "dropped.json"),
                                  "--require-tinfoil-hardware")
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertIn("none of the evidence", checks[H + "bundle"]["detail"])

    def test_swapped(self):
        """The saved bundle replaced by the mismatching one (validly
        signed too): the measurement fails offline."""
        d = self.load()
        with open(hw_bundle("hw-nomatch")) as f:
            d["sigstore_bundles"][0] = f.read()
        doc, checks = self.verify(self.write(d, "swapped.json"))
        self.assertEqual(self.hw(checks, "measurement"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")

    def test_broken_statement_still_checked(self):
        """A bundle of the hardware predicate type whose statement is
        malformed (an MRTD of 94 digits) is the one checked offline: it
        fails, it is not skipped as absent."""
        d = self.load()
        with open(hw_bundle("hw-short")) as f:
            d["sigstore_bundles"][0] = f.read()
        doc, checks = self.verify(self.write(d, "short.json"))
        self.assertEqual(self.hw(checks, "predicate"), ("fail", True))
        self.assertEqual(doc["verdict"], "failed")

    def test_enclave_type_not_taken(self):
        """A bundle of the enclave release predicate type is not a
        hardware bundle."""
        d = self.load()
        with open(hw_bundle("hw-enclave-type")) as f:
            d["sigstore_bundles"][0] = f.read()
        doc, checks = self.verify(self.write(d, "enclave.json"),
                                  "--require-tinfoil-hardware")
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertIn("none of the evidence", checks[H + "bundle"]["detail"])

    def test_two_bundles(self):
        d = self.load()
        with open(hw_bundle("hw-nomatch")) as f:
            d["sigstore_bundles"].append(f.read())
        doc, checks = self.verify(self.write(d, "two.json"),
                                  "--require-tinfoil-hardware")
        self.assertEqual(self.hw(checks, "bundle"), ("fail", True))
        self.assertIn("2 Tinfoil hardware", checks[H + "bundle"]["detail"])


if __name__ == "__main__":
    SIM, CLI = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
