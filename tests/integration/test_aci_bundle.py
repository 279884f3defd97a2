# SPDX-License-Identifier: Apache-2.0
"""Integration tests of evidence bundles version 2 for the `aci` dialect
(docs/bundle.md): `teeattest chat --provider aci --save FILE` against
teeattest-sim --dialect aci writes the report, its material, the exact
exchange bytes and the receipt; `teeattest verify FILE` re-verifies all of
it offline with the checklist of the online chat. Then the attacks: each
edit of the saved bundle fails on its named check or is refused.

Usage: test_aci_bundle.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

The simulator's clock (--pki-time) and the verification time (--at) are
fixed; its quotes are under a TEST root passed with --test-root.
"""
import base64
import json
import os
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


def run(*args):
    return run_cli(EXE, *args)


class TestAciBundle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        start_sim(cls, SIM, "test-aci-bundle-",
                  ["--dialect", "aci", "--seed", "5", "--no-gpu",
                   "--pki-time", str(PKI_TIME)])
        cls.n = 0
        # Two saved exchanges (different prompts), streamed and not.
        cls.online, cls.path = cls.chat_save("hello", stream=False)
        cls.online_stream, cls.path_stream = cls.chat_save("other", True)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    @classmethod
    def chat_save(cls, prompt, stream):
        return chat_save(cls, EXE, AT, "bundle", prompt, stream)

    def load(self, path=None):
        with open(path or self.path) as f:
            return json.load(f)

    def verify(self, doc_or_path, *extra):
        return verify_bundle(self, EXE, doc_or_path, *extra)

    def verify_failed(self, doc):
        rc, out, err = self.verify(doc)
        self.assertEqual(rc, EXIT_FAILED, err)
        return failed(json.loads(out))

    def test_written_as_version_2(self):
        b = self.load()
        self.assertEqual((b["format"], b["version"], b["dialect"]),
                         ("teeattest-bundle", 2, "aci"))
        self.assertEqual(len(b["aci"]["receipts"]), 1)
        self.assertEqual(b["aci"]["sessions"], [])
        self.assertNotIn("signature", b)
        receipt = json.loads(b["aci"]["receipts"][0])
        self.assertEqual(receipt["api_version"], "aci/1")

    def test_reverifies_offline_with_the_online_checklist(self):
        for online, path in ((self.online, self.path),
                             (self.online_stream, self.path_stream)):
            with self.subTest(path=path):
                rc, out, err = self.verify(path)
                self.assertEqual(rc, EXIT_VERIFIED, err)
                doc = json.loads(out)
                self.assertEqual(failed(doc), [])
                want = dict(outcomes(online["attestation"]))
                want.update(outcomes(online))
                want["bundle.sessions"] = "skip"  # a direct service
                self.assertEqual(outcomes(doc), want)
                self.assertEqual(doc["facts"]["aci.receipt.keyset_digest"],
                                 doc["facts"]["aci.keyset_digest"])
                # the text form says it too
                rc, out, err = run("verify", path, "--test-root", self.root,
                                   "--no-gpu")
                self.assertEqual(rc, EXIT_VERIFIED, err)
                self.assertIn("1 receipt", out)

    def test_edited_response_byte(self):
        for path in (self.path, self.path_stream):
            b = self.load(path)
            resp = bytearray(base64.b64decode(b["exchange"]["response"]))
            resp[len(resp) // 2] ^= 0x01
            b["exchange"]["response"] = base64.b64encode(resp).decode()
            self.assertEqual(self.verify_failed(b),
                             ["aci.receipt.response_hash"])

    def test_edited_request_byte(self):
        b = self.load()
        req = base64.b64decode(b["exchange"]["request"]) + b" "
        b["exchange"]["request"] = base64.b64encode(req).decode()
        self.assertEqual(self.verify_failed(b), ["aci.receipt.request_hash"])

    def test_receipt_of_another_exchange(self):
        b = self.load()
        b["aci"]["receipts"] = self.load(self.path_stream)["aci"]["receipts"]
        self.assertEqual(self.verify_failed(b),
                         ["aci.receipt.request_hash",
                          "aci.receipt.response_hash"])

    def test_receipt_dropped(self):
        b = self.load()
        b["aci"]["receipts"] = []
        self.assertEqual(self.verify_failed(b), ["bundle.response"])
        del b["aci"]
        self.assertEqual(self.verify_failed(b), ["bundle.response"])

    def test_receipt_duplicated(self):
        b = self.load()
        b["aci"]["receipts"] *= 2
        self.assertEqual(self.verify_failed(b), ["bundle.response"])

    def test_receipt_edited(self):
        b = self.load()
        r = json.loads(b["aci"]["receipts"][0])
        r["served_at"] += 1
        b["aci"]["receipts"][0] = json.dumps(r)
        self.assertEqual(self.verify_failed(b), ["aci.receipt.signature"])

    def test_receipt_in_another_encoding(self):
        # the receipt is signed over its JCS form: any encoding verifies
        b = self.load()
        r = json.loads(b["aci"]["receipts"][0])
        b["aci"]["receipts"][0] = json.dumps(r, indent=2, sort_keys=False)
        rc, out, err = self.verify(b)
        self.assertEqual(rc, EXIT_VERIFIED, err)

    def test_uncited_session(self):
        b = self.load()
        b["aci"]["sessions"] = ['{"api_version":"aci/1"}']
        self.assertEqual(self.verify_failed(b), ["bundle.sessions"])

    def test_changed_nonce(self):
        b = self.load()
        nonce = bytearray(bytes.fromhex(b["nonce"]))
        nonce[0] ^= 0x01
        b["nonce"] = nonce.hex()
        self.assertEqual(self.verify_failed(b),
                         ["aci.nonce", "aci.report_data"])

    def test_version_1(self):
        # a version 1 reader ignores "aci": the exchange has nothing that
        # checks it
        b = self.load()
        b["version"] = 1
        self.assertEqual(self.verify_failed(b), ["bundle.response"])

    def test_version_3_refused(self):
        b = self.load()
        b["version"] = 3
        rc, out, err = self.verify(b)
        self.assertEqual(rc, EXIT_USAGE, out)
        self.assertIn("TEEATTEST_E_UNSUPPORTED", err)

    def test_sigstore_member_read(self):
        """Version 2's sigstore_bundles (formerly reserved) is read into
        the evidence; without a provenance policy nothing changes
        (test_provenance.py TestSavedBundle verifies real ones)."""
        b = self.load()
        b["sigstore_bundles"] = ["{}"]
        rc, out, err = self.verify(b)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        b["sigstore_bundles"] = ["{}", "{}"]
        rc, out, err = self.verify(b)
        self.assertEqual(rc, EXIT_USAGE, out)
        self.assertIn("sigstore_bundles[1]", err)

    def test_receipt_not_an_object(self):
        b = self.load()
        b["aci"]["receipts"] = ["[1]"]
        rc, out, err = self.verify(b)
        self.assertEqual(rc, EXIT_USAGE, out)
        self.assertIn("not a JSON object (TEEATTEST_E_JSON)", err)

    def test_attest_save_stays_version_1(self):
        path = os.path.join(self.sim.dir.name, "attest-v1.json")
        rc, out, err = run(
            "attest", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT, "--json",
            "--save", path)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        b = self.load(path)
        self.assertEqual(b["version"], 1)
        self.assertNotIn("aci", b)
        rc, out, err = self.verify(path)
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.assertNotIn("bundle.sessions", outcomes(json.loads(out)))


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
