# SPDX-License-Identifier: Apache-2.0
"""Integration tests of E2EE exchanges in evidence bundles (docs/bundle.md,
"aci.e2ee"): `teeattest chat --provider aci --e2ee --save FILE` against
teeattest-sim --dialect aci, both suites, streamed and not, writes the
wire bytes (encrypted request and response), the restored request the
receipt hashes, the session's key and the answer; `teeattest verify FILE`
re-runs offline the checks of the online chat, aci.e2ee.key and
aci.e2ee.response included, plus bundle.e2ee. Then the attacks: each edit
of the saved bundle fails on its named checks or is refused.

Usage: test_aci_e2ee_bundle.py TEEATTEST_EXE SIM_EXE|- [unittest args...]

The simulator's clock (--pki-time) and the verification time (--at, also
the X-E2EE-Timestamp) are fixed; its quotes are under a TEST root passed
with --test-root.
"""
import base64
import hashlib
import json
import os
import stat
import sys
import unittest

import runner
from aci_case import (chat_save, failed, outcomes, run_cli, start_sim,
                      verify_bundle)

EXE = None
SIM = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PKI_TIME = 1796000000          # the simulator's clock
AT = PKI_TIME + 60             # the verification time
E2EE_CHECKS = ("aci.e2ee.key", "aci.e2ee.response", "bundle.e2ee")


def run(*args):
    return run_cli(EXE, *args)


class TestAciE2eeBundle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        start_sim(cls, SIM, "test-aci-e2ee-bundle-",
                  ["--dialect", "aci", "--seed", "5", "--no-gpu",
                   "--pki-time", str(PKI_TIME)])
        cls.n = 0
        # (suite, stream) -> (online result, bundle path)
        cls.saved = {}
        for suite in ("x25519", "secp256k1"):
            for stream in (False, True):
                cls.saved[suite, stream] = cls.chat_save(
                    "hello %s %s" % (suite, stream), suite, stream)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    @classmethod
    def chat_save(cls, prompt, suite, stream):
        return chat_save(cls, EXE, AT, "e2ee", prompt, stream, "--e2ee",
                         "--e2ee-suite", suite)

    def load(self, suite="x25519", stream=False):
        with open(self.saved[suite, stream][1]) as f:
            return json.load(f)

    def verify(self, doc_or_path, *extra):
        return verify_bundle(self, EXE, doc_or_path, *extra)

    def verify_failed(self, doc):
        rc, out, err = self.verify(doc)
        self.assertEqual(rc, EXIT_FAILED, err)
        return failed(json.loads(out))

    def each(self):
        return [(suite, stream, self.load(suite, stream))
                for (suite, stream) in self.saved]

    # ---- what is written ------------------------------------------------

    def test_written(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                path = self.saved[suite, stream][1]
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
                self.assertEqual((b["version"], b["dialect"]), (2, "aci"))
                e = b["aci"]["e2ee"]
                self.assertTrue(e["algo"].startswith(suite + "-"))
                self.assertEqual(e["key_id"], "sim-e2ee-" + suite)
                self.assertEqual(e["endpoint"], "chat")
                self.assertEqual(e["timestamp"], AT)
                self.assertEqual(len(e["nonce"]), 64)
                self.assertEqual(len(e["client_secret_key"]), 64)
                # the wire bytes: the prompt travelled encrypted
                sent = base64.b64decode(b["exchange"]["request"])
                prompt = "hello %s %s" % (suite, stream)
                self.assertNotIn(prompt.encode(), sent)
                restored = json.loads(e["restored_request"])
                self.assertEqual(restored["messages"][0]["content"], prompt)
                # the receipt hashes the restored body
                receipt = json.loads(b["aci"]["receipts"][0])
                self.assertIn(hashlib.sha256(
                    e["restored_request"].encode()).hexdigest(),
                    json.dumps(receipt))
                self.assertIn("simulated" if stream else "simulated answer",
                              e["answer"])
                resp = base64.b64decode(b["exchange"]["response"])
                self.assertNotIn(b"simulated answer", resp)
                lines = e["answer"].splitlines()
                if stream:
                    self.assertGreater(len(lines), 1)
                    self.assertEqual(lines[-1], "[DONE]")
                else:
                    self.assertEqual(len(lines), 1)

    def test_reverifies_offline_with_the_online_checklist(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                online, path = self.saved[suite, stream]
                rc, out, err = self.verify(path)
                self.assertEqual(rc, EXIT_VERIFIED, err)
                doc = json.loads(out)
                self.assertEqual(failed(doc), [])
                want = dict(outcomes(online["attestation"]))
                want.update(outcomes(online))
                want["bundle.sessions"] = "skip"  # a direct service
                want["bundle.e2ee"] = "pass"
                self.assertEqual(outcomes(doc), want)
                for name in E2EE_CHECKS:
                    self.assertEqual(outcomes(doc)[name], "pass", name)
                self.assertEqual(doc["facts"]["aci.e2ee.fields"],
                                 online["e2ee"]["fields"])
                self.assertEqual(doc["facts"]["aci.e2ee.key_id"],
                                 "sim-e2ee-" + suite)

    def test_answer_is_the_decrypted_body(self):
        b = self.load("x25519", False)
        answer = json.loads(b["aci"]["e2ee"]["answer"])
        self.assertIn("simulated answer",
                      answer["choices"][0]["message"]["content"])

    # ---- attacks ----------------------------------------------------------

    def test_restored_body_edited(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                e = b["aci"]["e2ee"]
                r = json.loads(e["restored_request"])
                r["messages"][0]["content"] = "something else"
                e["restored_request"] = json.dumps(r, separators=(",", ":"))
                self.assertEqual(self.verify_failed(b),
                                 ["aci.receipt.request_hash"])

    def test_response_ciphertext_edited(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                resp = base64.b64decode(b["exchange"]["response"])
                # one hex digit of the first encrypted content field
                key = b'"content":"'
                i = resp.index(key) + len(key) + 100
                c = b"0" if resp[i:i + 1] != b"0" else b"1"
                resp = resp[:i] + c + resp[i + 1:]
                b["exchange"]["response"] = base64.b64encode(resp).decode()
                self.assertEqual(self.verify_failed(b),
                                 ["aci.e2ee.response", "aci.receipt.response_hash",
                                  "bundle.e2ee"])

    def test_key_of_another_session(self):
        for suite in ("x25519", "secp256k1"):
            with self.subTest(suite=suite):
                b = self.load(suite, False)
                other = self.load(suite, True)["aci"]["e2ee"]
                self.assertNotEqual(other["client_secret_key"],
                                    b["aci"]["e2ee"]["client_secret_key"])
                b["aci"]["e2ee"]["client_secret_key"] = \
                    other["client_secret_key"]
                self.assertEqual(self.verify_failed(b),
                                 ["aci.e2ee.response", "bundle.e2ee"])

    def test_session_of_another_exchange(self):
        # the whole record of another exchange: its restored body is not
        # what this receipt hashes, its key opens nothing here
        b = self.load("x25519", False)
        b["aci"]["e2ee"] = self.load("x25519", True)["aci"]["e2ee"]
        self.assertEqual(self.verify_failed(b),
                         ["aci.e2ee.response", "aci.receipt.request_hash",
                          "bundle.e2ee"])

    def test_answer_edited(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                e = b["aci"]["e2ee"]
                e["answer"] = e["answer"].replace("simulated", "edited")
                self.assertEqual(self.verify_failed(b), ["bundle.e2ee"])
                e["answer"] = ""
                self.assertEqual(self.verify_failed(b), ["bundle.e2ee"])

    def test_clear_member_of_the_request_sent_edited(self):
        # the request sent is read only for its clear members (its fields
        # are encrypted to the service): an edit there fails bundle.e2ee
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                sent = json.loads(base64.b64decode(b["exchange"]["request"]))
                sent["stream"] = not sent["stream"]
                b["exchange"]["request"] = base64.b64encode(
                    json.dumps(sent).encode()).decode()
                self.assertEqual(self.verify_failed(b), ["bundle.e2ee"])
        b = self.load()
        b["exchange"]["request"] = base64.b64encode(b"[]").decode()
        self.assertEqual(self.verify_failed(b), ["bundle.e2ee"])

    def test_nonce_edited(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                e = b["aci"]["e2ee"]
                e["nonce"] = ("0" if e["nonce"][0] != "0" else "1") + \
                    e["nonce"][1:]
                self.assertEqual(self.verify_failed(b),
                                 ["aci.e2ee.response", "bundle.e2ee"])

    def test_timestamp_edited(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                b["aci"]["e2ee"]["timestamp"] += 1
                self.assertEqual(self.verify_failed(b),
                                 ["aci.e2ee.response", "bundle.e2ee"])

    def test_key_id_changed(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                b["aci"]["e2ee"]["key_id"] = "not-listed"
                self.assertEqual(self.verify_failed(b), ["aci.e2ee.key"])

    def test_key_not_listed(self):
        # a well-formed X25519 key outside the keyset
        b = self.load("x25519", False)
        b["aci"]["e2ee"]["public_key"] = hashlib.sha256(b"k").hexdigest()
        self.assertEqual(self.verify_failed(b), ["aci.e2ee.key"])
        # the other listed key under this key_id
        b = self.load("x25519", False)
        b["aci"]["e2ee"]["key_id"] = "sim-e2ee-secp256k1"
        self.assertEqual(self.verify_failed(b), ["aci.e2ee.key"])

    def test_e2ee_member_dropped(self):
        for suite, stream, b in self.each():
            with self.subTest(suite=suite, stream=stream):
                restored = b["aci"]["e2ee"]["restored_request"]
                del b["aci"]["e2ee"]
                # the exchange holds the encrypted request the receipt does
                # not hash
                self.assertEqual(self.verify_failed(b),
                                 ["aci.receipt.request_hash"])
                # relabelled as a plain exchange: it verifies as what it then
                # is, and no E2EE check is claimed
                b["exchange"]["request"] = base64.b64encode(
                    restored.encode()).decode()
                rc, out, err = self.verify(b)
                self.assertEqual(rc, EXIT_VERIFIED, err)
                names = outcomes(json.loads(out))
                for name in E2EE_CHECKS:
                    self.assertNotIn(name, names)
                self.assertNotIn("simulated answer", out)

    def test_version_1(self):
        b = self.load()
        b["version"] = 1
        self.assertEqual(self.verify_failed(b), ["bundle.response"])

    def test_malformed_record_refused(self):
        cases = (("client_secret_key", "zz" * 32, "client_secret_key"),
                 ("client_secret_key", None, "client_secret_key"),
                 ("algo", "aes", "algo"),
                 ("endpoint", "images", "endpoint"),
                 ("nonce", "AB" * 32, "aci.e2ee"),
                 ("timestamp", "1", "timestamp"),
                 ("public_key", "00", "aci.e2ee"),
                 ("restored_request", '{"messages":[]}', "aci.e2ee"),
                 ("answer", None, "answer"))
        for member, value, where in cases:
            with self.subTest(member=member):
                b = self.load()
                if value is None:
                    del b["aci"]["e2ee"][member]
                else:
                    b["aci"]["e2ee"][member] = value
                rc, out, err = self.verify(b)
                self.assertEqual(rc, EXIT_USAGE, out)
                self.assertIn(where, err)

    def test_record_without_exchange(self):
        b = self.load()
        del b["exchange"]
        self.assertIn("bundle.response", self.verify_failed(b))

    def test_save_dir_refused(self):
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT,
            "--e2ee", "--save", os.path.join(self.sim.dir.name, "d/"), "hi")
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--save FILE", err)


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
