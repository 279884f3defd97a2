# SPDX-License-Identifier: Apache-2.0
"""`teeattest chat --provider nearai --e2ee` against teeattest-sim
--dialect nearai (docs/e2ee-nearai.md): the model attested first, the
prompt's fields encrypted to its verified signing key, the answer's fields
decrypted under the per-request client key, and the answer's signature
checked against the attested signer over the exact encrypted bytes; the
plaintext printed only when all of it verified. Each simulator fault
(tampered, plaintext and foreign-key answer fields, a refused model key)
fails with its message and exit code, and the simulator's log shows it saw
only ciphertext in the prompt's content fields.

Usage: test_near_e2ee.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

The simulator's collateral window (--pki-time) and the verification time
(--at) are fixed: nothing depends on the wall clock.
"""
import json
import os
import re
import sys
import unittest
import urllib.request

import runner
from aci_case import checks, run_cli
from simproc import SimProcess

EXE = None
SIM = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PKI_TIME = 1796000000
AT = PKI_TIME + 60
PROMPT = "the secret prompt 7c1f"
ANSWER = "simulated answer"


class NearE2eeCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        cls.sim = SimProcess(SIM, prefix="test-near-e2ee-",
                             args=["--dialect", "nearai", "--seed", "11",
                                   "--no-gpu", "--pki-time", str(PKI_TIME)])
        cls.root = os.path.join(cls.sim.dir.name, "root.der")
        with urllib.request.urlopen(cls.sim.http_url + "/_sim/tdx-root.der",
                                    timeout=60) as r, \
                open(cls.root, "wb") as f:
            f.write(r.read())

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.control({"reset": True, "clear_log": True})

    def chat(self, *extra, algo="ecdsa", stream=False, e2ee=True):
        return run_cli(EXE, "chat", "--provider", "nearai", "--base-url",
                       self.sim.url, "--model", "m", "--pccs", self.sim.url,
                       "--test-root", self.root, "--no-gpu", "--gpu-online",
                       "none", "--at", AT, "--timeout", "60",
                       "--signing-algo", algo,
                       *(["--e2ee"] if e2ee else []),
                       *(["--stream"] if stream else []), *extra, "--",
                       PROMPT)

    def chat_json(self, algo="ecdsa", stream=False):
        rc, out, err = self.chat("--json", algo=algo, stream=stream)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out), err

    def chat_posts(self):
        return [e for e in self.sim.log()["requests"]
                if e["method"] == "POST" and "chat" in e["path"]]

    def cases(self):
        for algo in ("ecdsa", "ed25519"):
            for stream in (False, True):
                with self.subTest(algo=algo, stream=stream):
                    yield algo, stream


class TestNearE2eeChat(NearE2eeCase):
    def test_verified_json(self):
        for algo, stream in self.cases():
            rc, doc, err = self.chat_json(algo, stream)
            self.assertEqual(rc, EXIT_VERIFIED, err)
            self.assertEqual(doc["verdict"], "verified")
            self.assertEqual(doc["attestation"]["verdict"], "verified")
            e = doc["e2ee"]
            self.assertEqual(e["scheme"], "nearai-ed25519-v2"
                             if algo == "ed25519" else "nearai-ecdsa")
            self.assertEqual(e["signing_algo"], algo)
            self.assertGreaterEqual(e["fields"], 1)
            self.assertNotIn("error", e)
            c = checks(doc)
            for name in ("signature.hash.request", "signature.hash.response",
                         "signature.signer.expected",
                         "signature.attestation"):
                self.assertEqual(c[name]["outcome"], "pass", c[name])
            self.assertNotIn(ANSWER, json.dumps(doc))  # no plaintext in JSON

    def test_text_prints_the_plaintext_after_the_checks_passed(self):
        for algo, stream in self.cases():
            rc, out, err = self.chat(algo=algo, stream=stream)
            self.assertEqual(rc, EXIT_VERIFIED, err)
            self.assertIn(ANSWER, out.splitlines()[0])
            self.assertIn("e2ee: nearai-", out)
            self.assertIn("answer field", out)
            self.assertTrue(out.rstrip().endswith("verdict: verified"), out)

    def test_simulator_saw_only_ciphertext(self):
        for algo, stream in self.cases():
            self.sim.control({"clear_log": True})
            rc, out, err = self.chat(algo=algo, stream=stream)
            self.assertEqual(rc, EXIT_VERIFIED, err)
            posts = self.chat_posts()
            self.assertEqual(len(posts), 1, posts)
            rec = posts[0]
            self.assertEqual(rec["status"], 200)
            self.assertGreaterEqual(rec["e2ee_fields"], 1)
            self.assertTrue(rec["e2ee_contents"])
            for content in rec["e2ee_contents"]:
                self.assertRegex(content, r"^[0-9a-f]+$")
                self.assertNotIn(PROMPT.encode().hex(), content)
            names = {h.lower() for h in rec["headers"]}
            for h in ("x-signing-algo", "x-client-pub-key",
                      "x-model-pub-key"):
                self.assertIn(h, names)
            self.assertEqual("x-encryption-version" in names,
                             algo == "ed25519")

    def test_without_e2ee_the_prompt_is_plaintext(self):
        # the contrast the log check above relies on: no E2EE headers, no
        # e2ee record, the answer shown as before
        rc, out, err = self.chat("--attest", e2ee=False)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        rec = self.chat_posts()[0]
        self.assertNotIn("e2ee_contents", rec)
        self.assertIn(ANSWER, out)


class TestNearE2eeFaults(NearE2eeCase):
    def answer_fault(self, fault, status, message):
        for algo, stream in self.cases():
            self.sim.control({"reset": True, fault: True})
            rc, out, err = self.chat(algo=algo, stream=stream)
            self.assertEqual(rc, EXIT_FAILED, err)
            self.assertNotIn(ANSWER, out + err)
            self.assertIn("answer: not shown", out)
            self.assertIn("e2ee: FAILED", out)
            self.assertIn("did not decrypt", err)
            self.assertIn(message, err)
            self.assertTrue(out.rstrip().endswith("verdict: FAILED"))
            rc, doc, err = self.chat_json(algo, stream)
            self.assertEqual(rc, EXIT_FAILED)
            self.assertEqual(doc["verdict"], "failed")
            self.assertEqual(doc["attestation"]["verdict"], "verified")
            e = doc["e2ee"]["error"]
            self.assertEqual(e["status"], status)
            self.assertRegex(e["where"], r"^choices\.0\.(message|delta)\."
                                         r"content$")
            # the signature covers the bytes as served: only E2EE fails
            self.assertEqual([c["name"] for c in doc["checks"]
                              if c["outcome"] == "fail"], [])
            self.assertNotIn(ANSWER, json.dumps(doc))

    def test_tampered_answer_field(self):
        self.answer_fault("near_e2ee_tamper", "TEEATTEST_E_VERIFY_FAILED",
                          "tag does not verify")

    def test_plaintext_answer_field_is_a_downgrade(self):
        self.answer_fault("near_e2ee_plaintext", "TEEATTEST_E_HEX",
                          "not a NEAR AI E2EE ciphertext")

    def test_answer_encrypted_to_another_key(self):
        self.answer_fault("near_e2ee_other_key", "TEEATTEST_E_VERIFY_FAILED",
                          "tag does not verify")

    def test_model_key_refused_by_the_service(self):
        for algo, stream in self.cases():
            self.sim.control({"reset": True, "near_e2ee_key_mismatch": True})
            rc, out, err = self.chat(algo=algo, stream=stream)
            self.assertEqual(rc, EXIT_USAGE, err)
            self.assertIn("HTTP 400", err)
            self.assertIn("X-Model-Pub-Key", err)
            self.assertNotIn(ANSWER, out + err)

    def test_failed_attestation_sends_no_prompt(self):
        self.sim.control({"reset": True, "wrong_nonce": True})
        for json_out in (False, True):
            rc, out, err = self.chat(*(["--json"] if json_out else []))
            self.assertEqual(rc, EXIT_FAILED, err)
            if json_out:
                doc = json.loads(out)
                self.assertEqual(doc["error"]["status"],
                                 "TEEATTEST_E_NOT_VERIFIED")
                self.assertEqual(doc["attestation"]["verdict"], "failed")
            else:
                self.assertIn("no chat request was sent", out)
        self.assertEqual(self.chat_posts(), [])

    def test_answer_signed_by_another_key(self):
        # the fields decrypt, but the signature is not the attested
        # model's: the answer is not shown
        self.sim.control({"reset": True, "wrong_signer": True})
        for algo, stream in self.cases():
            rc, out, err = self.chat(algo=algo, stream=stream)
            self.assertEqual(rc, EXIT_FAILED, err)
            self.assertNotIn(ANSWER, out + err)
            self.assertIn("answer: not shown", out)

    def test_options_that_do_not_apply(self):
        save = os.path.join(self.sim.dir.name, "near.json")
        for extra, says in ((["--e2ee-suite", "x25519"], "--e2ee-suite"),
                            (["--save", save], "--save"),
                            (["--expect-signer", "0x" + "11" * 20],
                             "--expect-signer"),
                            (["--allow-unbound-signer"], "--expect-signer")):
            with self.subTest(extra=extra):
                rc, out, err = self.chat(*extra)
                self.assertEqual(rc, EXIT_USAGE, err)
                self.assertIn(says, err)
                self.assertFalse(os.path.exists(save))
        rc, out, err = run_cli(EXE, "chat", "--provider", "redpill",
                               "--base-url", self.sim.url, "--model", "m",
                               "--e2ee", "--", PROMPT)
        self.assertEqual(rc, EXIT_USAGE, err)
        self.assertIn("--provider nearai", err)
        self.assertEqual(self.chat_posts(), [])


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
