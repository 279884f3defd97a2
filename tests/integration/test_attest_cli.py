#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest attest` (report verification) and
`teeattest verify` (evidence bundles).

Usage: test_attest_cli.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

Offline: real provider captures of $TEEATTEST_FIXTURES/providers verified
with `attest --report-file` (their nonce from capture_manifest.json, the
captured Intel collateral, NRAS answer and JWKS, the connection's TLS key
from the http_meta capture, written to a temporary file), the policy
options, --json and exit codes 0 (verified), 1 (failed) and 2 (usage and
input errors). Bundles: `attest --save FILE` then `verify FILE`, at the
recorded time and now, corrupted. Online: `attest` against
the loopback simulator acting as provider and PCCS, whose quotes are
signed under a TEST root the library does not trust, and `chat --save`
(bundle and directory forms); skipped when SIM_EXE is '-'. Fixtures are only read; every verifying offline run passes --at.
"""
import base64
import datetime
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
PROVIDERS = os.path.join(FIXTURES, "providers")
NEAR = os.path.join(PROVIDERS, "nearai_direct_ed25519_tls")
NEAR_AT = 1782698797  # 2026-06-29T02:06:37Z, the capture time
PCS = os.path.join(NEAR, "intel_pcs")
REDPILL = os.path.join(PROVIDERS, "redpill_chutes_backend")
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CHECK_PREFIXES = ("PASS  ", "FAIL  ", "SKIP  ", "WARN  ", "SKIP* ")


def run(*args, env=None):
    e = dict(os.environ)
    for k in list(e):
        if k.endswith("_API_KEY") or k.lower().endswith("_proxy") or \
                k == "NVIDIA_SERVICE_KEY":
            del e[k]
    if env:
        e.update(env)
    r = subprocess.run([EXE] + [str(a) for a in args], capture_output=True,
                       timeout=120, env=e)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def manifest(d):
    with open(os.path.join(d, "capture_manifest.json")) as f:
        return json.load(f)


def capture_time(d):
    t = manifest(d)["captured_at"].rstrip("Z").split(".")[0]
    dt = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S")
    return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp())


def checks(doc):
    """name -> check object of a --json result."""
    return {c["name"]: c for c in doc["checks"]}


def need_fixtures(testcase):
    if not os.path.isdir(NEAR):
        testcase.skipTest("fixtures not found: " + PROVIDERS)


class Case(unittest.TestCase):
    def setUp(self):
        need_fixtures(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="test-attest-")
        with open(os.path.join(NEAR, "attestation_report.http_meta.json")) \
                as f:
            b64 = json.load(f)["peer_spki_der_base64"]
        self.spki = os.path.join(self.tmp.name, "spki.der")
        with open(self.spki, "wb") as f:
            f.write(base64.b64decode(b64))
        self.nonce = manifest(NEAR)["nonce_hex"]

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def near_args(self, *extra, nonce=None, spki=True, at=NEAR_AT):
        args = ["attest", "--report-file",
                os.path.join(NEAR, "attestation_report.json"),
                "--provider", "nearai", "--nonce", nonce or self.nonce,
                "--collateral", PCS,
                "--nras-response", os.path.join(NEAR, "nras_response.json"),
                "--jwks", os.path.join(NEAR, "nras_jwks.json")]
        if spki:
            args += ["--tls-spki", self.spki]
        if at is not None:
            args += ["--at", at]
        return args + list(extra)

    def near(self, *extra, **kw):
        return run(*self.near_args(*extra, **kw))

    def near_json(self, *extra, **kw):
        rc, out, err = self.near("--json", *extra, **kw)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out)

    def redpill(self, *extra):
        return run("attest", "--report-file",
                   os.path.join(REDPILL, "attestation_report.json"),
                   "--provider", "redpill",
                   "--nonce", manifest(REDPILL)["nonce_hex"],
                   "--collateral", PCS, "--at", capture_time(REDPILL),
                   *extra)


class TestAttestReportFile(Case):
    def test_near_verified(self):
        rc, doc = self.near_json()
        self.assertEqual(rc, EXIT_VERIFIED, doc)
        self.assertEqual(doc["verdict"], "verified")
        c = checks(doc)
        for name in ("entry[0].binding.nonce", "entry[0].binding.tls",
                     "entry[0].binding.signing_key",
                     "entry[0].tdx.quote.signature", "entry[0].compose.hash",
                     "entry[0].gpu.nras.nonce"):
            self.assertEqual(c[name]["outcome"], "pass", c[name])
        self.assertEqual(doc["facts"]["entry[0].tdx.status"], "UpToDate")
        self.assertTrue(doc["facts"]["signer"])

    def test_near_text(self):
        rc, out, err = self.near()
        self.assertEqual(rc, EXIT_VERIFIED, err)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "verdict: verified")
        self.assertIn("nonce: " + self.nonce, lines)
        self.assertTrue(any(line.startswith("PASS  entry[0].binding.nonce")
                            for line in lines))
        for label in ("signer:", "tdx status:", "app_id:", "compose_hash:",
                      "os_image_hash:"):
            self.assertTrue(any(line.strip().startswith(label)
                                for line in lines), label)
        # every check is exactly one line
        n_checks = sum(1 for line in lines if line.startswith(CHECK_PREFIXES))
        _, doc = self.near_json()
        self.assertEqual(n_checks, len(doc["checks"]))

    def test_failed_names_no_signer(self):
        # The example: without --collateral the capture fails, and
        # its signer must not be printed or keyed as "the" signer.
        args = self.near_args()
        i = args.index("--collateral")
        del args[i:i + 2]
        signer = ("d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce"
                  "323f823")
        rc, out, err = run(*args)
        self.assertEqual(rc, EXIT_FAILED, err)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "verdict: FAILED")
        self.assertIn("signer: none verified", lines)
        for line in lines:
            if signer in line:
                self.assertIn("unverified signer:", line)
        self.assertTrue(any(line.startswith("unverified signer: " + signer)
                            for line in lines), out)
        rc, out, err = run(*args, "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        facts = json.loads(out)["facts"]
        self.assertNotIn("signer", facts)
        self.assertNotIn("entry[0].signer", facts)
        self.assertEqual(facts["unverified.signer"], signer)
        self.assertEqual([k for k in facts if not k.startswith("unverified.")],
                         [])

    def test_other_nonce_fails(self):
        other = "00" * 31 + "01"
        rc, doc = self.near_json(nonce=other)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["verdict"], "failed")
        self.assertEqual(checks(doc)["entry[0].binding.nonce"]["outcome"],
                         "fail")

    def test_without_tls_key(self):
        rc, doc = self.near_json(spki=False)
        self.assertEqual(rc, EXIT_VERIFIED, doc)
        self.assertEqual(checks(doc)["entry[0].binding.tls"]["outcome"],
                         "skip")

    def test_require_tls_without_key(self):
        rc, doc = self.near_json("--require-tls", spki=False)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["verdict"], "failed")
        # policy.h says "fails"; the library reports a required skip, which
        # fails the verdict just the same.
        tls = checks(doc)["entry[0].binding.tls"]
        self.assertIn(tls["outcome"], ("fail", "skip"), tls)
        self.assertTrue(tls["required"], tls)
        self.assertEqual([c["name"] for c in doc["checks"]
                          if c["outcome"] == "fail" or
                          (c["outcome"] == "skip" and c["required"] and
                           "ocsp" not in c["name"])],
                         ["entry[0].binding.tls"])

    def test_tls_key_as_base64(self):
        b64 = self.path("spki.b64")
        with open(self.spki, "rb") as f, open(b64, "w") as g:
            g.write(base64.b64encode(f.read()).decode() + "\n")
        rc, out, err = run(*[b64 if a == self.spki else a
                             for a in self.near_args("--json")])
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.assertEqual(
            checks(json.loads(out))["entry[0].binding.tls"]["outcome"],
            "pass")

    def test_pins(self):
        _, doc = self.near_json()
        compose = doc["facts"]["entry[0].compose_hash"]
        rc, _ = self.near_json("--expect-compose-hash", compose)
        self.assertEqual(rc, EXIT_VERIFIED)
        rc, doc = self.near_json("--expect-compose-hash", "ab" * 32)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertTrue(any(c["outcome"] == "fail" and "compose" in c["name"]
                            for c in doc["checks"]), doc["checks"])

    def test_accept(self):
        rc, doc = self.near_json("--accept", "OutOfDate")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(checks(doc)["entry[0].tdx.status"]["outcome"],
                         "fail")

    def test_min_tcb_eval(self):
        _, doc = self.near_json()
        n = doc["facts"]["entry[0].tdx.tcb_info.eval_number"]
        self.assertEqual(n, doc["facts"]["entry[0].tdx.qe_identity.eval_number"])
        rc, doc = self.near_json("--min-tcb-eval", str(n))
        self.assertEqual(rc, EXIT_VERIFIED, doc)
        self.assertEqual(checks(doc)["entry[0].tdx.tcb_eval_number"]
                         ["outcome"], "pass")
        rc, doc = self.near_json("--min-tcb-eval", str(n + 1))
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(checks(doc)["entry[0].tdx.tcb_eval_number"]
                         ["outcome"], "fail")

    def test_redpill_server_nonce(self):
        rc, out, err = self.redpill("--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        c = checks(json.loads(out))
        self.assertEqual(c["entry[0].binding.nonce"]["outcome"], "fail")
        self.assertIn("server's nonce", c["entry[0].binding.nonce"]["detail"])
        rc, out, err = self.redpill("--json", "--allow-server-nonce")
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        c = checks(json.loads(out))
        self.assertEqual(c["entry[0].binding.nonce"]["outcome"], "warn")


class TestAttestUsage(Case):
    def assertUsage(self, *args, msg=None):
        rc, out, err = run(*args)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertEqual(out, "")
        self.assertTrue(err.startswith("teeattest: attest: "), err)
        self.assertEqual(len(err.splitlines()), 1, err)
        if msg:
            self.assertIn(msg, err)

    def test_help(self):
        rc, out, _ = run("attest", "--help")
        self.assertEqual(rc, 0)
        for opt in ("--report-file", "--nonce", "--collateral", "--offline",
                    "--pccs", "--nras-response", "--jwks", "--tls-spki",
                    "--e2e-instances", "--save", "--at", "--require-tls",
                    "--allow-server-nonce", "--allow-unbound-key", "--no-gpu",
                    "--max-age", "--expect-compose-hash", "--expect-app-id",
                    "--expect-os-image", "--accept"):
            self.assertIn(opt, out)
        rc, out, _ = run("--help")
        self.assertIn("verify ", out)

    def test_missing_nonce(self):
        args = self.near_args()
        i = args.index("--nonce")
        self.assertUsage(*(args[:i] + args[i + 2:]), msg="--nonce")

    def test_bad_nonce(self):
        self.assertUsage(*self.near_args(nonce="abcd"), msg="--nonce")

    def test_bad_test_root(self):
        """The library's detail reaches the message: why the certificate
        was refused, not only that it was."""
        bad = self.path("bad.der")
        with open(bad, "wb") as f:
            f.write(b"\x30\x03\x02\x01\x01")
        self.assertUsage(*self.near_args("--test-root", bad),
                         msg="root certificate is not one DER X.509 "
                             "certificate")

    def test_missing_provider(self):
        self.assertUsage("attest", "--report-file",
                         os.path.join(NEAR, "attestation_report.json"),
                         "--nonce", self.nonce, msg="--provider")

    def test_unknown_provider(self):
        args = self.near_args()
        args[args.index("nearai")] = "nosuch"
        self.assertUsage(*args, msg="unknown provider")

    def test_unreadable_inputs(self):
        self.assertUsage(*self.near_args("--collateral", self.path("none")),
                         msg="--collateral")
        args = self.near_args()
        args[args.index(self.spki)] = self.path("none")
        self.assertUsage(*args, msg="--tls-spki")

    def test_not_a_report(self):
        args = self.near_args()
        args[args.index("--report-file") + 1] = self.spki
        self.assertUsage(*args, msg="--report-file")

    def test_bad_tls_key(self):
        bad = self.path("bad.txt")
        with open(bad, "w") as f:
            f.write("not base64 !!!\n")
        args = self.near_args()
        args[args.index(self.spki)] = bad
        self.assertUsage(*args, msg="--tls-spki")

    def test_bad_values(self):
        self.assertUsage(*self.near_args("--accept", "Fine"), msg="--accept")
        self.assertUsage(*self.near_args("--max-age", "soon"),
                         msg="--max-age")
        self.assertUsage(*self.near_args("--min-tcb-eval", "-1"),
                         msg="--min-tcb-eval")
        self.assertUsage(*self.near_args("--expect-app-id", "ab" * 32),
                         msg="--expect-app-id")
        self.assertUsage(*self.near_args(at="yesterday"), msg="--at")
        self.assertUsage(*self.near_args("--gpu-online", "everything"),
                         msg="--gpu-online")

    def test_conflicts(self):
        self.assertUsage(*self.near_args("--offline"), msg="--offline")
        self.assertUsage("attest", "--provider", "nearai", "--model", "m",
                         "--nonce", self.nonce, msg="--nonce")
        self.assertUsage("attest", "--provider", "nearai", "--model", "m",
                         "--offline", "--pccs", "http://127.0.0.1:1",
                         msg="--offline")
        self.assertUsage(*self.near_args("--base-url", "http://127.0.0.1:1"),
                         msg="--base-url")

    def test_time_range(self):
        """No typed value means "now": INT64_MIN (once the library's "now"
        sentinel) and everything else outside 0..253402300799 is
        a usage error naming the range, on every command taking --at."""
        nonce = "ab" * 32
        missing = self.path("missing")
        commands = {
            "attest": lambda at: self.near_args(at=at),
            "verify": lambda at: ["verify", missing, "--at", at],
            "quote": lambda at: ["quote", "--quote", missing, "--collateral",
                                 missing, "--at", at],
            "gpu": lambda at: ["gpu", "--evidence", missing, "--nonce", nonce,
                               "--at", at],
        }
        for cmd, args in commands.items():
            for bad in ("-9223372036854775808", "-1", "253402300800",
                        "9223372036854775807", "99999999999999999999",
                        "+5", " 5", "1e9", "0x10"):
                with self.subTest(cmd=cmd, at=bad):
                    rc, out, err = run(*args(bad))
                    self.assertEqual(rc, EXIT_USAGE, out + err)
                    self.assertEqual(out, "")
                    self.assertEqual(err, "teeattest: %s: --at: expected Unix "
                                     "seconds from 0 to 253402300799 "
                                     "(1970-01-01 to 9999-12-31 UTC), got "
                                     "'%s'\n" % (cmd, bad))
            # "--at=VALUE" is the same option
            rc, out, err = run(*[a if a != "--at" else "--at=-1"
                                 for a in args("x") if a != "x"])
            self.assertEqual(rc, EXIT_USAGE, err)
            self.assertIn("from 0 to 253402300799", err)
        # both ends of the range are times: a verdict, not a usage error
        for edge in ("0", "253402300799"):
            rc, doc = self.near_json(at=edge)
            self.assertEqual((rc, doc["verdict"]), (EXIT_FAILED, "failed"))
        # --now remains the way to say now (verify)
        rc, out, err = run("verify", missing, "--now")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("cannot read", err)

    def test_unknown_option(self):
        self.assertUsage(*self.near_args("--frobnicate"), msg="--frobnicate")
        self.assertUsage(*self.near_args("--at", "1"), msg="more than once")


SOURCE_ROOT = os.environ.get("TEEATTEST_SOURCE_ROOT", "")
COMPOSE = os.path.join(SOURCE_ROOT, "tests", "data", "nearai_model_compose")
FLASH = os.path.join(COMPOSE, "qwen35-dsv4-flash.6a284da3.yaml")
QWEN = "Qwen/Qwen3.5-122B-A10B"
VENICE = os.path.join(PROVIDERS, "venice_nearai_ecdsa")
NANOGPT = os.path.join(PROVIDERS, "nanogpt_dstack_ecdsa")
GATEWAY = os.path.join(PROVIDERS, "nearai_cloud_gateway_ed25519_tls")


class TestExpectModel(Case):
    """identity.model on real captures (docs/providers.md, "Model
    binding"): the compose files are the real ones the captured
    compose-manager actions name (tests/data/nearai_model_compose)."""

    def model(self, rc_want, *extra, name="entry[0].identity.model",
              runner_fn=None):
        rc, doc = (runner_fn or self.near_json)(*extra)
        self.assertEqual(rc, rc_want, doc)
        return checks(doc)[name], doc

    def test_near_compose_file_binds_the_model(self):
        c, doc = self.model(EXIT_VERIFIED, "--expect-model", QWEN,
                            "--model-compose", FLASH)
        self.assertEqual((c["outcome"], c["required"]), ("pass", True))
        self.assertIn("prod/qwen35-dsv4-flash.yaml at commit 6a284da3",
                      c["detail"])
        self.assertEqual(doc["facts"]["entry[0].model"], QWEN)
        self.assertEqual(doc["facts"]["entry[0].model_compose"],
                         "prod/qwen35-dsv4-flash.yaml@"
                         "6a284da32cbd385192d3d9de96f48af2d5794cbc")
        # the same file serves a second model: it binds that one too
        c, _ = self.model(EXIT_VERIFIED, "--expect-model",
                          "deepseek-ai/DeepSeek-V4-Flash",
                          "--model-compose", FLASH)
        self.assertEqual(c["outcome"], "pass")

    def test_no_expected_model_no_check(self):
        rc, doc = self.near_json("--model-compose", FLASH)
        self.assertEqual(rc, EXIT_VERIFIED)
        self.assertNotIn("entry[0].identity.model", checks(doc))
        self.assertNotIn("entry[0].model", doc["facts"])
        self.assertEqual(doc["facts"]["unverified.entry[0].model"], QWEN)

    def test_offline_without_file_is_a_required_skip(self):
        c, doc = self.model(EXIT_FAILED, "--expect-model", QWEN)
        self.assertEqual((c["outcome"], c["required"]), ("skip", True))
        for part in ("prod/qwen35-dsv4-flash.yaml", "6a284da3",
                     "80b0c3cebbc7aae8d516f0d8123b2be5808408457a8eb4ecb26314559eda4247",
                     "name alone"):
            self.assertIn(part, c["detail"])
        self.assertEqual(doc["verdict"], "failed")
        self.assertNotIn("entry[0].model", doc["facts"])

    def test_other_model_fails_naming_both(self):
        c, _ = self.model(EXIT_FAILED, "--expect-model", "openai/gpt-oss-120b",
                          "--model-compose", FLASH)
        self.assertEqual(c["outcome"], "fail")
        self.assertIn("openai/gpt-oss-120b", c["detail"])
        self.assertIn(QWEN, c["detail"])
        # exact comparison: case and prefixes count
        for name in ("qwen/qwen3.5-122b-a10b", "Qwen3.5-122B-A10B"):
            c, _ = self.model(EXIT_FAILED, "--expect-model", name,
                              "--model-compose", FLASH)
            self.assertEqual(c["outcome"], "fail", name)

    def test_edited_file_fails(self):
        with open(FLASH, "rb") as f:
            data = f.read()
        edited = self.path("edited.yaml")
        with open(edited, "wb") as f:
            f.write(data.replace(QWEN.encode(), b"Qwen/Qwen3.5-397B-A17B"))
        c, _ = self.model(EXIT_FAILED, "--expect-model", QWEN,
                          "--model-compose", edited)
        self.assertEqual(c["outcome"], "fail")
        self.assertIn("file_sha256 of no compose_up action", c["detail"])

    def test_replaced_file_fails(self):
        old = os.path.join(COMPOSE, "Qwen3.5-122B.cda28bbd.yaml")
        c, _ = self.model(EXIT_FAILED, "--expect-model", QWEN,
                          "--model-compose", old)
        self.assertEqual(c["outcome"], "fail")
        self.assertIn("no longer deployed", c["detail"])
        self.assertIn("action 9", c["detail"])

    def test_file_naming_no_model_fails(self):
        other = os.path.join(COMPOSE, "cleanup-hf-model.aa2e3db1.yaml")
        c, _ = self.model(EXIT_FAILED, "--expect-model", QWEN,
                          "--model-compose", other)
        self.assertEqual(c["outcome"], "fail")
        self.assertIn("names no model", c["detail"])

    def test_edited_action_file_name_fails(self):
        """An attacker renames the action's file to point at another
        compose file: actions_hash fails, and so identity.model."""
        with open(os.path.join(NEAR, "attestation_report.json")) as f:
            text = f.read()
        self.assertIn("prod/qwen35-dsv4-flash.yaml", text)
        report = self.path("report.json")
        with open(report, "w") as f:
            f.write(text.replace("prod/qwen35-dsv4-flash.yaml",
                                 "prod/other.yaml"))
        args = self.near_args("--json", "--expect-model", QWEN,
                              "--model-compose", FLASH)
        args[args.index("--report-file") + 1] = report
        rc, out, err = run(*args)
        self.assertEqual(rc, EXIT_FAILED, err)
        c = checks(json.loads(out))
        self.assertEqual(c["entry[0].compose_manager.actions_hash"]["outcome"],
                         "fail")
        self.assertEqual(c["entry[0].identity.model"]["outcome"], "fail")
        self.assertIn("not verified", c["entry[0].identity.model"]["detail"])

    def test_duplicate_actions_key_fails(self):
        """A second "actions" member after the hashed one must not be where
        the model is read from: the report or identity.model fails."""
        with open(os.path.join(NEAR, "attestation_report.json")) as f:
            text = f.read()
        head = '"compose_manager_attestation":{'
        self.assertEqual(text.count(head), 1)
        i = text.index(head) + len(head)
        j = text.index('"actions_hash"', i)
        # copy the actions, rename the current file in the copy, and put
        # the copy after the original
        actions = text[i:j]
        report = self.path("dup.json")
        with open(report, "w") as f:
            f.write(text[:j] + actions.replace("qwen35-dsv4-flash",
                                               "other") + text[j:])
        args = self.near_args("--json", "--expect-model", QWEN,
                              "--model-compose", FLASH)
        args[args.index("--report-file") + 1] = report
        rc, out, err = run(*args)
        self.assertIn(rc, (EXIT_FAILED, EXIT_USAGE), err)
        if rc == EXIT_FAILED:
            c = checks(json.loads(out))
            self.assertNotEqual(c["entry[0].identity.model"]["outcome"],
                                "pass")

    def test_bundle_keeps_the_file(self):
        bundle = self.path("model.bundle.json")
        rc, out, err = self.near("--json", "--expect-model", QWEN,
                                 "--model-compose", FLASH, "--save", bundle)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        rc, out, err = run("verify", bundle, "--json", "--expect-model", QWEN)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        doc = json.loads(out)
        self.assertEqual(checks(doc)["entry[0].identity.model"]["outcome"],
                         "pass")
        rc, out, err = run("verify", bundle, "--json", "--expect-model", "x/y")
        self.assertEqual(rc, EXIT_FAILED, err)

    def capture(self, d, provider, *extra):
        return run("attest", "--report-file",
                   os.path.join(d, "attestation_report.json"),
                   "--provider", provider, "--nonce", manifest(d)["nonce_hex"],
                   "--no-gpu", "--json", *extra)

    def test_other_captures(self):
        # Venice resells NEAR's model: its own compose-manager actions
        # (hashed as sent) name the 8cb87c4f file.
        venice = os.path.join(COMPOSE, "Qwen3.5-122B.8cb87c4f.yaml")
        rc, out, err = self.capture(VENICE, "venice", "--expect-model", QWEN,
                                    "--model-compose", venice)
        c = checks(json.loads(out))["entry[0].identity.model"]
        self.assertEqual(c["outcome"], "pass", c)
        rc, out, err = self.capture(VENICE, "venice", "--expect-model", QWEN,
                                    "--model-compose", FLASH)
        c = checks(json.loads(out))["entry[0].identity.model"]
        self.assertEqual(c["outcome"], "fail", c)
        # the cloud gateway: the gateway entry skips, the model entry binds
        rc, out, err = self.capture(GATEWAY, "nearai", "--expect-model", QWEN,
                                    "--model-compose", FLASH)
        c = checks(json.loads(out))
        self.assertEqual((c["entry[0].identity.model"]["outcome"],
                          c["entry[0].identity.model"]["required"]),
                         ("skip", False))
        self.assertEqual(c["entry[1].identity.model"]["outcome"], "pass")
        # NanoGPT: the verified app_compose names its two models
        rc, out, err = self.capture(NANOGPT, "nanogpt", "--expect-model",
                                    "google/gemma-3-27b-it")
        c = checks(json.loads(out))["entry[0].identity.model"]
        self.assertEqual(c["outcome"], "pass", c)
        self.assertIn("app_compose", c["detail"])
        rc, out, err = self.capture(NANOGPT, "nanogpt", "--expect-model", QWEN)
        c = checks(json.loads(out))["entry[0].identity.model"]
        self.assertEqual(c["outcome"], "fail", c)
        self.assertIn("openai/gpt-oss-20b, google/gemma-3-27b-it", c["detail"])
        # RedPill's Chutes backend: nothing in its evidence names a model
        rc, out, err = self.capture(REDPILL, "redpill", "--expect-model", QWEN)
        c = checks(json.loads(out))["entry[0].identity.model"]
        self.assertEqual((c["outcome"], c["required"]), ("skip", True), c)

    def test_usage(self):
        rc, out, err = self.near("--expect-model", "")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--expect-model", err)
        rc, out, err = self.near("--model-compose", self.path("none"))
        self.assertEqual(rc, EXIT_USAGE)
        rc, out, err = run("attest", "--help")
        self.assertIn("--expect-model", out)
        self.assertIn("--model-compose", out)


class TestExpectModelOnline(Case):
    """TEEATTEST_ONLINE_MODEL_FILES through --model-files-url against the
    simulator serving the real compose file at its commit (no internet)."""

    def setUp(self):
        super().setUp()
        if SIM in (None, "-"):
            self.skipTest("simulator not built")
        root = self.path("files")
        commit = "6a284da32cbd385192d3d9de96f48af2d5794cbc"
        os.makedirs(os.path.join(root, commit, "prod"))
        with open(FLASH, "rb") as f, \
                open(os.path.join(root, commit, "prod",
                                  "qwen35-dsv4-flash.yaml"), "wb") as g:
            g.write(f.read())
        # an edited file under the fetched name: hash mismatch
        bad = os.path.join(root, "bad")
        os.makedirs(os.path.join(bad, commit, "prod"))
        with open(FLASH, "rb") as f, \
                open(os.path.join(bad, commit, "prod",
                                  "qwen35-dsv4-flash.yaml"), "wb") as g:
            g.write(f.read() + b"# edited\n")
        self.sim = SimProcess(SIM, args=["--compose-dir", root],
                              prefix="test-attest-model-")

    def tearDown(self):
        self.sim.stop()
        super().tearDown()

    def test_fetched_file_binds_the_model(self):
        bundle = self.path("fetched.bundle.json")
        rc, doc = self.near_json("--expect-model", QWEN, "--model-files-url",
                                 self.sim.url + "/compose-files",
                                 "--save", bundle)
        self.assertEqual(rc, EXIT_VERIFIED, doc)
        c = checks(doc)["entry[0].identity.model"]
        self.assertEqual(c["outcome"], "pass", c)
        # the fetched file went into the bundle: verifies offline
        rc, out, err = run("verify", bundle, "--json", "--expect-model", QWEN)
        self.assertEqual(rc, EXIT_VERIFIED, err)

    def test_wrong_file_served_fails(self):
        rc, doc = self.near_json("--expect-model", QWEN, "--model-files-url",
                                 self.sim.url + "/compose-files/bad")
        c = checks(doc)["entry[0].identity.model"]
        self.assertEqual((rc, c["outcome"]), (EXIT_FAILED, "fail"), c)
        self.assertIn("file_sha256 of no compose_up action", c["detail"])

    def test_missing_file_is_a_required_skip(self):
        rc, doc = self.near_json("--expect-model", QWEN, "--model-files-url",
                                 self.sim.url + "/compose-files/none")
        c = checks(doc)["entry[0].identity.model"]
        self.assertEqual((rc, c["outcome"], c["required"]),
                         (EXIT_FAILED, "skip", True), c)
        self.assertIn("HTTP 404", c["detail"])

    def test_offline_conflict(self):
        rc, out, err = run("attest", "--provider", "nearai", "--model", "m",
                           "--offline", "--model-files-url", self.sim.url)
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--model-files-url", err)


class TestBundle(Case):
    def setUp(self):
        super().setUp()
        self.bundle = self.path("near.bundle.json")
        rc, out, err = self.near("--json", "--save", self.bundle)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.live = json.loads(out)

    def test_round_trip(self):
        with open(self.bundle) as f:
            json.load(f)
        rc, out, err = run("verify", self.bundle, "--json")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        again = json.loads(out)
        self.assertEqual(again["verdict"], "verified")
        self.assertEqual([(c["name"], c["outcome"]) for c in again["checks"]],
                         [(c["name"], c["outcome"])
                          for c in self.live["checks"]])
        rc, out, err = run("verify", self.bundle)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.assertEqual(out.splitlines()[-1], "verdict: verified")

    def test_at_recorded_time_explicitly(self):
        rc, out, err = run("verify", self.bundle, "--at", NEAR_AT, "--json")
        self.assertEqual(rc, EXIT_VERIFIED, err)

    def test_now_fails(self):
        rc, out, err = run("verify", self.bundle, "--now", "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "failed")
        failed = [c["name"] for c in doc["checks"] if c["outcome"] == "fail"]
        self.assertTrue(any("freshness" in n or "crl" in n or "nras" in n
                            for n in failed), failed)

    def test_policy_flags(self):
        rc, out, err = run("verify", self.bundle, "--json",
                           "--expect-compose-hash", "ab" * 32)
        self.assertEqual(rc, EXIT_FAILED, err)

    def test_never_overwrites(self):
        rc, _, err = self.near("--save", self.bundle)
        self.assertEqual(rc, EXIT_USAGE, err)

    def test_corrupt(self):
        with open(self.bundle, "rb") as f:
            data = f.read()
        bad = self.path("bad.json")
        with open(bad, "wb") as f:
            f.write(data[: len(data) // 2])
        rc, out, err = run("verify", bad)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertTrue(err.startswith("teeattest: verify: "), err)
        with open(bad, "wb") as f:
            f.write(b"{\"version\": 1}")
        rc, out, err = run("verify", bad)
        self.assertEqual(rc, EXIT_USAGE, out + err)

    def test_usage(self):
        for args in (["verify"], ["verify", self.bundle, "--now", "--at", "1"],
                     ["verify", self.path("missing.json")],
                     ["verify", self.bundle, "--at", "x"],
                     ["verify", self.bundle, "--frob"]):
            rc, out, err = run(*args)
            self.assertEqual(rc, EXIT_USAGE, (args, out, err))
        rc, out, _ = run("verify", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--now", out)
        # --online also turns on image-registry fetching: said so
        for cmd in ("verify", "attest"):
            rc, out, _ = run(cmd, "--help")
            online = out[out.index("  --online "):]
            online = online[:online.index("\n  --", 1)]
            self.assertIn("image's registry", " ".join(online.split()))


class TestAttestSimTrusted(unittest.TestCase):
    """With the simulator's TEST root trusted (--test-root) and its CPU-only
    TEE (--no-gpu), every dialect's fetched report verifies end to end, and
    io.net's unbound signing key is reported as such."""

    def setUp(self):
        if SIM in (None, "-"):
            self.skipTest("simulator not built")
        self.sims = {}
        self.root = None

    def tearDown(self):
        for sim in self.sims.values():
            sim.stop()

    def sim_for(self, dialect):
        """A simulator in the dialect's quirks (paths collide), the same
        seed and so the same TEST root for all."""
        quirks = dialect if dialect in ("nanogpt", "venice", "ionet") \
            else "redpill"
        if quirks not in self.sims:
            self.sims[quirks] = SimProcess(
                SIM, args=["--seed", "3", "--no-gpu", "--dialect", quirks],
                prefix="test-attest-trusted-")
        sim = self.sims[quirks]
        if self.root is None:
            import urllib.request
            self.root = os.path.join(sim.dir.name, "root.der")
            with urllib.request.urlopen(sim.url + "/_sim/tdx-root.der",
                                        timeout=20) as r, \
                    open(self.root, "wb") as f:
                f.write(r.read())
        return sim

    def attest(self, dialect, *extra):
        sim = self.sim_for(dialect)
        # NanoGPT's and Venice's APIs live under /api (teeattest providers)
        base = sim.url + ("/api" if dialect in ("nanogpt", "venice") else "")
        return run("attest", "--provider", dialect, "--base-url", base,
                   "--model", "m", "--pccs", sim.url, "--test-root",
                   self.root, "--no-gpu", "--gpu-online", "none",
                   "--timeout", "20", "--json", *extra)

    def test_dstack_dialects_verify(self):
        for dialect in ("nearai", "phala", "redpill", "nanogpt", "venice"):
            with self.subTest(dialect=dialect):
                rc, out, err = self.attest(dialect)
                doc = json.loads(out)
                bad = [c["name"] for c in doc["checks"]
                       if c["outcome"] == "fail" or
                       (c["outcome"] == "skip" and c["required"])]
                self.assertEqual((rc, bad), (EXIT_VERIFIED, []), err)
                c = checks(doc)
                self.assertEqual(c["entry[0].tdx.root_override"]["outcome"],
                                 "warn")
                self.assertEqual(c["entry[0].eventlog.replay"]["outcome"],
                                 "pass")
                self.assertTrue(doc["facts"].get("signer"), doc["facts"])

    def test_ionet_key_not_bound(self):
        rc, out, err = self.attest("ionet")
        self.assertEqual(rc, EXIT_FAILED, err)
        doc = json.loads(out)
        c = checks(doc)
        self.assertEqual(c["entry[0].binding.signing_key"]["outcome"], "fail")
        self.assertIn("not bound by hardware",
                      c["entry[0].binding.signing_key"]["detail"])
        self.assertEqual(c["entry[0].binding.nonce"]["outcome"], "pass")
        self.assertNotIn("signer", doc["facts"])
        rc, out, err = self.attest("ionet", "--allow-unbound-key")
        doc = json.loads(out)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.assertEqual(checks(doc)["entry[0].binding.signing_key"]["outcome"],
                         "warn")
        self.assertNotIn("signer", doc["facts"])

    def test_near_ohttp(self):
        """NEAR's OHTTP key config, signed with the Ed25519 key: attested
        in an ed25519 report, not in an ecdsa one; each layer of the
        gateway form its own."""
        self.sim_for("redpill")  # the TEST root
        sim = self.sims["nearai"] = SimProcess(
            SIM, args=["--seed", "3", "--no-gpu", "--dialect", "nearai"],
            prefix="test-attest-trusted-")

        def attest(*extra):
            rc, out, err = run("attest", "--provider", "nearai",
                               "--base-url", sim.url, "--model", "m",
                               "--pccs", sim.url, "--test-root", self.root,
                               "--no-gpu", "--gpu-online", "none",
                               "--timeout", "20", "--json", *extra)
            self.assertEqual(rc, EXIT_VERIFIED, err + out)
            return json.loads(out)

        doc = attest("--signing-algo", "ed25519")
        self.assertEqual(checks(doc)["entry[0].binding.ohttp"]["outcome"],
                         "pass")
        cfg = doc["facts"]["entry[0].ohttp_key_config"]
        self.assertEqual((len(cfg), cfg[:6]), (90, "010020"))
        self.assertEqual(doc["facts"]["entry[0].ohttp.kem"], "x25519")
        doc = attest()  # ecdsa: the Ed25519 signer is not bound
        c = checks(doc)["entry[0].binding.ohttp"]
        self.assertEqual((c["outcome"], c["required"]), ("skip", False))
        self.assertNotIn("entry[0].ohttp_key_config", doc["facts"])
        sim.control({"near_gateway": True})
        doc = attest("--signing-algo", "ed25519")
        for i in (0, 1):
            self.assertEqual(
                checks(doc)["entry[%d].binding.ohttp" % i]["outcome"], "pass")
        self.assertNotEqual(doc["facts"]["entry[0].ohttp_key_config"],
                            doc["facts"]["entry[1].ohttp_key_config"])

    def chat_attest(self, *extra):
        sim = self.sim_for("redpill")
        return run("chat", "--provider", "redpill", "--base-url", sim.url,
                   "--model", "m", "--pccs", sim.url, "--gpu-online", "none",
                   "--no-gpu", "--timeout", "20", "--attest", *extra, "--",
                   "Say hello")

    def test_chat_attest(self):
        """chat --attest: the answer is checked against the key the fresh
        attestation binds, and only a verified attestation counts."""
        rc, out, err = self.chat_attest("--stream", "--test-root",
                                        self.sim_root())
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("PASS  signature.attestation", out)
        self.assertIn("PASS  signature.signer.role", out)
        self.assertIn("signature kind: none named (legacy record); signed by "
                      "the attested model's key\n", out)
        self.assertIn("PASS  entry[0].binding.report_data", out)
        self.assertEqual(out.splitlines()[-1], "verdict: verified")
        # without the test root the attestation fails, and so the answer
        rc, out, err = self.chat_attest("--stream")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertIn("FAIL  signature.attestation", out)
        # --attest and --expect-signer exclude each other
        rc, out, err = self.chat_attest("--expect-signer", "0x" + "00" * 20)
        self.assertEqual(rc, EXIT_USAGE)

    def sim_root(self):
        self.sim_for("redpill")
        return self.root

    def test_chat_attest_json(self):
        """chat --attest --json: one JSON object, the signature's result
        (verdict, checks, facts) with the attestation's result added as
        "attestation"."""
        rc, out, err = self.chat_attest("--json", "--test-root",
                                        self.sim_root())
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertEqual(out.count("\n"), 1, out)
        doc = json.loads(out)
        self.assertEqual(sorted(doc),
                         ["attestation", "checks", "facts", "verdict"])
        self.assertEqual(doc["verdict"], "verified")
        self.assertEqual(checks(doc)["signature.attestation"]["outcome"],
                         "pass")
        # A record without signature_kind: either form, either attested
        # key; the model entry's signed it.
        self.assertEqual(checks(doc)["signature.kind"]["outcome"], "skip")
        self.assertEqual(checks(doc)["signature.signer.role"]["outcome"],
                         "pass")
        self.assertEqual(doc["facts"]["signer_role"], "model")
        self.assertNotIn("signature_kind", doc["facts"])
        att = doc["attestation"]
        self.assertEqual(att["verdict"], "verified")
        self.assertEqual(checks(att)["entry[0].binding.report_data"]
                         ["outcome"], "pass")
        self.assertNotIn("signature.attestation", checks(att))
        # a failed attestation shows in both, and fails the verdict
        rc, out, err = self.chat_attest("--json")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        doc = json.loads(out)
        self.assertEqual((doc["verdict"], doc["attestation"]["verdict"]),
                         ("failed", "failed"))
        self.assertEqual(checks(doc["attestation"])["entry[0].tdx.pck_chain"]
                         ["outcome"], "fail")
        # no signature: the error object, with the attestation checked
        import urllib.request
        req = urllib.request.Request(
            self.sim_for("redpill").url + "/_sim/control", method="POST",
            data=json.dumps({"expire_signatures": True}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            r.read()
        try:
            rc, out, err = self.chat_attest("--json", "--test-root",
                                            self.sim_root())
        finally:
            req.data = json.dumps({"expire_signatures": False}).encode()
            with urllib.request.urlopen(req, timeout=20) as r:
                r.read()
        self.assertEqual(rc, EXIT_FAILED, out + err)
        doc = json.loads(out)
        self.assertEqual(sorted(doc), ["attestation", "error"])
        self.assertEqual(doc["error"]["status"],
                         "TEEATTEST_E_SIGNATURE_UNAVAILABLE")
        self.assertEqual(doc["attestation"]["verdict"], "verified")

    def test_bundle_high_s(self):
        """A high-s answer saved in a bundle: `verify` takes the signature
        flags of verify-signature and chat, a warning by default and a
        failure with --strict-ecdsa, as the live check was."""
        import urllib.request
        sim = self.sim_for("redpill")
        req = urllib.request.Request(
            sim.url + "/_sim/control", method="POST",
            data=json.dumps({"high_s": True}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as r:
            r.read()
        path = os.path.join(sim.dir.name, "high-s.json")
        rc, out, err = self.chat_attest("--test-root", self.root, "--save",
                                        path)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("WARN  signature.ecdsa.low_s", out)
        rc, out, err = self.chat_attest("--test-root", self.root,
                                        "--strict-ecdsa")
        self.assertEqual(rc, EXIT_FAILED, out + err)
        self.assertIn("FAIL  signature.ecdsa.low_s", out)
        base = ["verify", path, "--json", "--no-gpu", "--test-root", self.root]
        rc, out, err = run(*base)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        c = checks(json.loads(out))
        self.assertEqual(c["response.signature.ecdsa.low_s"]["outcome"],
                         "warn")
        rc, out, err = run(*base, "--strict-ecdsa")
        self.assertEqual(rc, EXIT_FAILED, err)
        doc = json.loads(out)
        self.assertEqual([n for n, v in checks(doc).items()
                          if v["outcome"] == "fail"],
                         ["response.signature.ecdsa.low_s"])
        rc, out, err = run(*base, "--allow-high-s")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        rc, out, err = run(*base, "--allow-high-s", "--strict-ecdsa")
        self.assertEqual(rc, EXIT_USAGE, out + err)

    def test_save_verify_round_trip(self):
        path = os.path.join(self.sim_for("redpill").dir.name, "b.json")
        rc, out, err = self.attest("redpill", "--save", path)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        live = json.loads(out)
        rc, out, err = run("verify", path, "--json", "--no-gpu",
                           "--test-root", self.root)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        again = json.loads(out)
        # the same checks with the same outcomes; only the collateral's
        # origin differs (fetched live, from the bundle when verified again)
        self.assertEqual([(c["name"], c["outcome"]) for c in again["checks"]],
                         [(c["name"], c["outcome"]) for c in live["checks"]])
        self.assertEqual(again["facts"]["signer"], live["facts"]["signer"])
        # without the test root the same bundle fails on the PCK chain
        rc, out, err = run("verify", path, "--json", "--no-gpu")
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertEqual(checks(json.loads(out))["entry[0].tdx.pck_chain"]
                         ["outcome"], "fail")


class TestAttestSim(unittest.TestCase):
    """`attest` fetches and verifies in full: the simulator's quotes are
    signed under its TEST root, so the PCK chain fails while the report_data
    binding, the event log replay and the compose hash pass."""

    def setUp(self):
        if SIM in (None, "-"):
            self.skipTest("simulator not built")
        self.sim = SimProcess(SIM, args=["--seed", "7"],
                              prefix="test-attest-sim-")

    def tearDown(self):
        self.sim.stop()

    def attest(self, dialect, *extra):
        return run("attest", "--provider", dialect, "--base-url",
                   self.sim.url, "--model", "m", "--pccs", self.sim.url,
                   "--no-gpu", "--gpu-online", "none", "--timeout", "20",
                   *extra)

    def test_dstack_dialects(self):
        for dialect in ("nearai", "phala", "redpill"):
            with self.subTest(dialect=dialect):
                rc, out, err = self.attest(dialect, "--json")
                self.assertEqual(rc, EXIT_FAILED, err)
                doc = json.loads(out)
                self.assertEqual(doc["verdict"], "failed")
                c = checks(doc)
                self.assertEqual(c["entry[0].tdx.pck_chain"]["outcome"],
                                 "fail")
                self.assertEqual(c["entry[0].tdx.collateral"]["outcome"],
                                 "pass")
                self.assertIn(self.sim.url,
                              c["entry[0].tdx.collateral"]["detail"])
                for name in ("report.freshness",
                             "entry[0].binding.report_data",
                             "entry[0].binding.nonce",
                             "entry[0].binding.signing_key",
                             "entry[0].eventlog.parse",
                             "entry[0].eventlog.replay",
                             "entry[0].compose.hash",
                             "entry[0].compose.mr_config_id"):
                    self.assertEqual(c[name]["outcome"], "pass",
                                     (dialect, c[name]))

    def test_text(self):
        rc, out, err = self.attest("nearai")
        self.assertEqual(rc, EXIT_FAILED, err)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "verdict: FAILED")
        self.assertTrue(lines[0].startswith("provider: nearai"))
        self.assertTrue(any(line.startswith("FAIL  entry[0].tdx.pck_chain")
                            for line in lines))

    def test_offline_has_no_collateral(self):
        rc, out, err = run("attest", "--provider", "nearai", "--base-url",
                           self.sim.url, "--model", "m", "--offline",
                           "--no-gpu", "--timeout", "20", "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        c = checks(json.loads(out))
        self.assertNotEqual(c["entry[0].tdx.collateral"]["outcome"], "pass")

    def test_save(self):
        path = os.path.join(self.sim.dir.name, "b.json")
        rc, out, err = self.attest("nearai", "--json", "--save", path)
        self.assertEqual(rc, EXIT_FAILED, err)
        live = json.loads(out)
        rc, out, err = run("verify", path, "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        again = json.loads(out)
        self.assertEqual([(c["name"], c["outcome"]) for c in again["checks"]],
                         [(c["name"], c["outcome"]) for c in live["checks"]])

    def sim_signer(self):
        out = subprocess.run([SIM, "--seed", "7", "--print-keys"],
                             capture_output=True, check=True, timeout=20)
        return json.loads(out.stdout)["ecdsa_address"]

    def chat(self, *extra):
        return run("chat", "--provider", "nearai", "--base-url", self.sim.url,
                   "--model", "m", "--timeout", "20", "--expect-signer",
                   self.sim_signer(), "--pccs", self.sim.url,
                   "--gpu-online", "none", *extra, "--", "Say hello")

    def test_chat_save_bundle(self):
        path = os.path.join(self.sim.dir.name, "chat.json")
        rc, out, err = self.chat("--stream", "--save", path)
        # the verdict is the signature's (pinned signer); the attestation's
        # is printed on its own line
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("attestation: FAILED", out)
        rc, out, err = run("verify", path, "--json", "--no-gpu")
        self.assertEqual(rc, EXIT_FAILED, err)
        c = checks(json.loads(out))
        self.assertEqual(c["entry[0].tdx.pck_chain"]["outcome"], "fail")
        for name in ("entry[0].binding.signing_key",
                     "response.signature.hash.request",
                     "response.signature.hash.response"):
            self.assertEqual(c[name]["outcome"], "pass", c[name])

    def test_chat_save_dir(self):
        d = os.path.join(self.sim.dir.name, "x") + "/"
        rc, out, err = self.chat("--save", d)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertIn("attestation: not checked", out)
        self.assertEqual(sorted(os.listdir(d)),
                         ["request_body.json", "response_body.json",
                          "signature_response.json"])


SRC = os.environ.get("TEEATTEST_SOURCE_ROOT",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
TINFOIL = os.path.join(PROVIDERS, "tinfoil_v3_direct")
RELEASE = os.path.join(SRC, "tests", "data", "tinfoil-release",
                       "router-v0.0.38.sigstore.json")
SIGSTORE_ROOT = os.path.join(SRC, "tests", "data", "sigstore-conformance",
                             "production_trusted_root.json")


class TestTinfoilRelease(Case):
    """--tinfoil-release-bundle: the real router release against the real
    gemma capture (another release: the measurements differ)."""

    def tinfoil(self, *extra):
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil",
                           "--nonce", manifest(TINFOIL)["nonce_hex"],
                           "--collateral", PCS, "--at", capture_time(TINFOIL),
                           "--no-gpu", "--json", *extra)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return checks(json.loads(out))

    def release(self, repo, *extra):
        return self.tinfoil("--tinfoil-release-bundle", RELEASE,
                            "--sigstore-trusted-root", SIGSTORE_ROOT,
                            "--tinfoil-repo", repo, *extra)

    def test_default_skips(self):
        c = self.tinfoil()
        self.assertEqual((c["entry[0].tinfoil.release.bundle"]["outcome"],
                          c["entry[0].tinfoil.release.bundle"]["required"]),
                         ("skip", False))
        c = self.tinfoil("--require-tinfoil-release")
        self.assertEqual(c["entry[0].tinfoil.release.bundle"]["outcome"],
                         "fail")

    def test_release_of_another_enclave(self):
        c = self.release("tinfoilsh/confidential-model-router",
                         "--tinfoil-release-digest", "sha256:5ed9d5c94252"
                         "8ec2eeb759919827f1bc2183c6810f80225a52147dd4020c12a0")
        for name in ("bundle", "identity", "predicate", "digest"):
            self.assertEqual(c["entry[0].tinfoil.release." + name]["outcome"],
                             "pass", name)
        self.assertEqual(c["entry[0].tinfoil.release.measurement"]["outcome"],
                         "fail")

    def test_other_identity_and_digest(self):
        c = self.release("tinfoilsh/confidential-gemma4-31b")
        self.assertEqual(c["entry[0].tinfoil.release.identity"]["outcome"],
                         "fail")
        c = self.release("tinfoilsh/confidential-model-router",
                         "--tinfoil-release-digest", "11" * 32)
        self.assertEqual(c["entry[0].tinfoil.release.digest"]["outcome"],
                         "fail")

    def test_default_trusted_root(self):
        """Without --sigstore-trusted-root the shipped default (Sigstore's
        public-good root) gives the same checks, outcome by outcome, as the
        production root given explicitly."""
        repo = "tinfoilsh/confidential-model-router"
        for extra in ((), ("--tinfoil-release-digest", "sha256:5ed9d5c94252"
                           "8ec2eeb759919827f1bc2183c6810f80225a52147dd4020"
                           "c12a0"),
                      ("--require-tinfoil-release",)):
            want = self.release(repo, *extra)
            got = self.tinfoil("--tinfoil-release-bundle", RELEASE,
                               "--tinfoil-repo", repo, *extra)
            self.assertEqual({n: c["outcome"] for n, c in got.items()},
                             {n: c["outcome"] for n, c in want.items()})
            b = got["entry[0].tinfoil.release.bundle"]
            self.assertEqual(b["outcome"], "pass")
            self.assertIn("shipped default trusted root", b["detail"])
        # the default does not loosen the identity
        got = self.tinfoil("--tinfoil-release-bundle", RELEASE,
                           "--tinfoil-repo", "tinfoilsh/confidential-gemma4-31b")
        self.assertEqual(got["entry[0].tinfoil.release.identity"]["outcome"],
                         "fail")
        # an empty root file is refused, never taken for the default
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-release-bundle", RELEASE,
                           "--sigstore-trusted-root", "/dev/null",
                           "--tinfoil-repo", repo)
        self.assertEqual(rc, EXIT_USAGE, out + err)
        self.assertIn("--sigstore-trusted-root", err)

    def test_usage(self):
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-release-bundle", RELEASE)
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--tinfoil-repo", err)
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-release-bundle", RELEASE,
                           "--sigstore-trusted-root", SIGSTORE_ROOT)
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--tinfoil-repo", err)
        # The flag of the one trusted root is --sigstore-trusted-root.
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-release-bundle", RELEASE,
                           "--tinfoil-trusted-root", SIGSTORE_ROOT,
                           "--tinfoil-repo", "a/b")
        self.assertEqual(rc, EXIT_USAGE)
        # --tinfoil-repo alone names the release to discover (online; here
        # offline: tinfoil.release.bundle is skipped), no longer a usage
        # error (test_tinfoil_fetch.py)
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-repo", "a/b")
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil", "--nonce", "00" * 32,
                           "--tinfoil-release-bundle", RELEASE,
                           "--sigstore-trusted-root", SIGSTORE_ROOT,
                           "--tinfoil-repo", "not/a/repo")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("owner/name", err)


HARDWARE = os.path.join(SRC, "tests", "data", "tinfoil-hardware")


class TestTinfoilHardware(Case):
    """--tinfoil-hardware-bundle: TEST-signed hardware measurements
    (tests/data/tinfoil-hardware: no real bundle is public) against the
    real gemma capture."""

    def tinfoil(self, *extra):
        rc, out, err = run("attest", "--report-file",
                           os.path.join(TINFOIL, "attestation.json"),
                           "--provider", "tinfoil",
                           "--nonce", manifest(TINFOIL)["nonce_hex"],
                           "--collateral", PCS, "--at", capture_time(TINFOIL),
                           "--no-gpu", "--json", *extra)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, checks(json.loads(out))

    def hardware(self, name, *extra):
        return self.tinfoil("--tinfoil-hardware-bundle",
                            os.path.join(HARDWARE, name + ".sigstore.json"),
                            "--sigstore-trusted-root",
                            os.path.join(HARDWARE, "test_trusted_root.json"),
                            *extra)

    def test_default_skips(self):
        rc, c = self.tinfoil()
        b = c["entry[0].tinfoil.hardware.bundle"]
        self.assertEqual((b["outcome"], b["required"]), ("skip", False))
        rc, c = self.tinfoil("--require-tinfoil-hardware")
        self.assertEqual(c["entry[0].tinfoil.hardware.bundle"]["outcome"],
                         "fail")
        self.assertEqual(rc, EXIT_FAILED)

    def test_platform_listed(self):
        base, _ = self.tinfoil()
        rc, c = self.hardware("hw-match", "--require-tinfoil-hardware")
        for name in ("bundle", "identity", "predicate", "measurement"):
            self.assertEqual(c["entry[0].tinfoil.hardware." + name]["outcome"],
                             "pass", name)
        self.assertIn("capture_platform",
                      c["entry[0].tinfoil.hardware.measurement"]["detail"])
        self.assertEqual(rc, base)

    def test_registers_of_two_platforms(self):
        rc, c = self.hardware("hw-nomatch")
        for name in ("bundle", "identity", "predicate"):
            self.assertEqual(c["entry[0].tinfoil.hardware." + name]["outcome"],
                             "pass", name)
        self.assertEqual(c["entry[0].tinfoil.hardware.measurement"]["outcome"],
                         "fail")
        self.assertEqual(rc, EXIT_FAILED)

    def test_not_under_the_default_root(self):
        rc, c = self.tinfoil("--tinfoil-hardware-bundle",
                             os.path.join(HARDWARE, "hw-match.sigstore.json"))
        self.assertEqual(c["entry[0].tinfoil.hardware.bundle"]["outcome"],
                         "fail")
        self.assertEqual(rc, EXIT_FAILED)

    def test_usage(self):
        for path in ("/dev/null", os.path.join(HARDWARE, "missing.json")):
            rc, out, err = run("attest", "--report-file",
                               os.path.join(TINFOIL, "attestation.json"),
                               "--provider", "tinfoil", "--nonce", "00" * 32,
                               "--tinfoil-hardware-bundle", path)
            self.assertEqual(rc, EXIT_USAGE, out + err)
            self.assertIn("--tinfoil-hardware-bundle"
                          if path != "/dev/null" else "Tinfoil hardware",
                          err)


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
