# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the `aci` dialect (Attested Confidential Inference
aci/1) against teeattest-sim --dialect aci: `attest --provider aci` over
HTTPS end to end, each simulator fault failing on its named check, the
nonce:null policy both ways, the TLS key scoped to another host, and the
offline re-verification of a saved bundle.

Usage: test_aci_dialect.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

The simulator's clock (--pki-time) and the verification time (--at) are
fixed, so nothing depends on the wall clock; its quotes are under a TEST
root passed with --test-root.
"""
import hashlib
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

import runner
from aci_case import checks, failed, run_cli, start_sim

EXE = None
SIM = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PKI_TIME = 1796000000          # the simulator's clock
AT = PKI_TIME + 60             # the verification time
WEEK = 7 * 86400               # the simulator's keyset lifetime


def run(*args):
    return run_cli(EXE, *args)






class AciCase(unittest.TestCase):
    sim_args = ()

    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        start_sim(cls, SIM, "test-aci-",
                  ["--dialect", "aci", "--seed", "5", "--no-gpu",
                   "--pki-time", str(PKI_TIME), *cls.sim_args])

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.control({"reset": True})

    def attest(self, *extra, base=None, at=AT):
        rc, out, err = run(
            "attest", "--provider", "aci", "--base-url", base or self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", at, "--json",
            *extra)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out)


class TestAciAttest(AciCase):
    def test_verifies_end_to_end(self):
        rc, doc = self.attest()
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        c = checks(doc)
        for name in ("aci.api_version", "aci.keyset", "aci.keyset_digest",
                     "aci.report_data", "aci.nonce", "aci.not_after",
                     "aci.tls", "aci.provenance", "entry[0].eventlog.replay",
                     "entry[0].compose.hash", "entry[0].compose.mr_config_id"):
            self.assertEqual(c[name]["outcome"], "pass", c[name])
        self.assertIn("unknown algorithms ignored",
                      c["aci.keyset"]["detail"])
        facts = doc["facts"]
        self.assertTrue(facts["aci.keyset_digest"].startswith("sha256:"))
        self.assertEqual(facts["aci.serving"], "direct")
        self.assertEqual(len(facts["aci.tls_spki_sha256"]), 64)
        self.assertEqual(int(facts["aci.not_after"]), PKI_TIME + WEEK)

    def test_nonce_sent_is_lower_hex(self):
        self.attest()
        q = [e["query"] for e in self.sim.log()["requests"]
             if e["path"] == "/v1/aci/attestation"]
        self.assertTrue(q)
        n = q[-1]["nonce"]
        self.assertEqual(len(n), 64)
        self.assertEqual(n, n.lower())

    def fault(self, name, check, *extra):
        self.sim.control({"reset": True, name: True})
        rc, doc = self.attest(*extra)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(doc), [check], name)
        return checks(doc)[check]

    def test_wrong_keyset_digest(self):
        c = self.fault("aci_wrong_digest", "aci.keyset_digest")
        self.assertIn("differs from the recomputed", c["detail"])

    def test_expired_keyset(self):
        c = self.fault("aci_expired", "aci.not_after")
        self.assertIn("expired", c["detail"])

    def test_tls_key_not_listed(self):
        c = self.fault("aci_tls_unlisted", "aci.tls")
        self.assertIn("not in the keyset", c["detail"])

    def test_null_nonce_refused_by_default(self):
        c = self.fault("aci_null_nonce", "aci.nonce")
        self.assertIn("nonce:null", c["detail"])

    def test_null_nonce_allowed_by_policy(self):
        self.sim.control({"reset": True, "aci_null_nonce": True})
        rc, doc = self.attest("--aci-allow-null-nonce")
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        c = checks(doc)
        self.assertEqual(c["aci.nonce"]["outcome"], "warn")
        self.assertEqual(c["aci.report_data"]["outcome"], "pass")

    def test_tls_key_scoped_to_another_host(self):
        # the keyset lists the key for 127.0.0.1; localhost is another name
        base = "https://localhost:%d" % self.sim.ports["https_port"]
        rc, doc = self.attest(base=base)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(doc), ["aci.tls"])
        self.assertIn("listed for 127.0.0.1, not for localhost",
                      checks(doc)["aci.tls"]["detail"])

    def test_plain_http_has_no_tls_key(self):
        rc, doc = self.attest(base=self.sim.http_url)
        self.assertEqual(rc, EXIT_VERIFIED)
        self.assertEqual(checks(doc)["aci.tls"]["outcome"], "skip")
        rc, doc = self.attest("--require-tls", base=self.sim.http_url)
        self.assertEqual((rc, failed(doc)), (EXIT_FAILED, ["aci.tls"]))

    def test_implausible_lifetime(self):
        rc, doc = self.attest("--aci-max-lifetime", "3600")
        self.assertEqual((rc, failed(doc)), (EXIT_FAILED, ["aci.not_after"]))
        rc, doc = self.attest("--aci-max-lifetime", "0")
        self.assertEqual(rc, EXIT_VERIFIED)

    def test_expired_at_a_later_time(self):
        rc, doc = self.attest(at=PKI_TIME + WEEK)
        self.assertIn("aci.not_after", failed(doc))

    def test_bundle_reverifies_offline(self):
        path = os.path.join(self.sim.dir.name, "aci-bundle.json")
        if os.path.exists(path):
            os.unlink(path)
        rc, doc = self.attest("--save", path)
        self.assertEqual(rc, EXIT_VERIFIED)
        with open(path) as f:
            bundle = json.load(f)
        self.assertEqual(bundle["dialect"], "aci")
        self.assertEqual(bundle["host"], "127.0.0.1")
        rc, out, err = run("verify", path, "--test-root", self.root,
                           "--no-gpu", "--at", AT, "--json")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        again = json.loads(out)
        self.assertEqual(checks(again)["aci.tls"]["outcome"], "pass")
        # the host is what scopes the TLS key: another host fails aci.tls
        bundle["host"] = "localhost"
        other = os.path.join(self.sim.dir.name, "aci-bundle-other.json")
        with open(other, "w") as f:
            json.dump(bundle, f)
        rc, out, err = run("verify", other, "--test-root", self.root,
                           "--no-gpu", "--at", AT, "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertEqual(failed(json.loads(out)), ["aci.tls"])

    def test_bad_nonce_refused_by_the_service(self):
        url = self.sim.http_url + "/v1/aci/attestation?nonce=ABCD"
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=60)
        self.assertEqual(cm.exception.code, 400)


class TestAciReceipts(AciCase):
    """The simulator's receipts hash the exact bytes of each exchange: the
    request body as received, the response body as sent (SSE framing and
    [DONE] included). Their signatures are checked by the library's
    receipt verifier (lib/aci); here, only what the standard library can
    check."""

    def chat(self, stream):
        body = json.dumps({"model": "m", "stream": stream, "messages": [
            {"role": "user", "content": "hi"}]}).encode()
        req = urllib.request.Request(
            self.sim.http_url + "/v1/chat/completions", data=body,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            resp = r.read()
            rid = r.headers["X-Receipt-Id"]
            self.assertEqual(r.headers["X-ACI-Version"], "aci/1")
            digest = r.headers["X-ACI-Keyset-Digest"]
        with urllib.request.urlopen(self.sim.http_url + "/v1/aci/receipts/"
                                    + rid, timeout=60) as r:
            receipt = json.loads(r.read())
        return body, resp, digest, receipt

    def hashes(self, receipt):
        return {e["type"]: e["body_hash"] for e in receipt["event_log"]}

    def test_receipt_binds_the_exact_bytes(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                body, resp, digest, rc = self.chat(stream)
                h = self.hashes(rc)
                self.assertEqual(rc["api_version"], "aci/1")
                self.assertEqual(rc["workload_keyset_digest"], digest)
                self.assertEqual(rc["key_id"], "sim-receipt-ed25519")
                self.assertEqual(len(rc["signature"]), 128)
                self.assertEqual(rc["event_log"][0]["type"],
                                 "request.received")
                self.assertEqual(h["request.received"], "sha256:" +
                                 hashlib.sha256(body).hexdigest())
                self.assertEqual(h["response.returned"], "sha256:" +
                                 hashlib.sha256(resp).hexdigest())
                if stream:
                    self.assertTrue(resp.endswith(b"data: [DONE]\n\n"))

    def test_digest_is_the_attested_keyset(self):
        _, _, digest, _ = self.chat(False)
        rc, doc = self.attest()
        self.assertEqual(rc, EXIT_VERIFIED)
        self.assertEqual(doc["facts"]["aci.keyset_digest"], digest)
        ks = json.loads(doc["facts"]["aci.keyset"])
        ids = [k["key_id"] for k in ks["receipt_signing_keys"]]
        self.assertIn("sim-receipt-ed25519", ids)

    def test_faults_change_the_receipt(self):
        body, _, _, good = self.chat(False)
        self.sim.control({"reset": True, "aci_body_hash_other": True})
        body, _, _, bad = self.chat(False)
        self.assertNotEqual(self.hashes(bad)["request.received"], "sha256:" +
                            hashlib.sha256(body).hexdigest())
        self.sim.control({"reset": True, "aci_unlisted_key": True})
        _, _, _, other = self.chat(False)
        self.assertEqual(other["key_id"], "sim-receipt-ed25519")

    def test_unknown_receipt(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.sim.http_url +
                                   "/v1/aci/receipts/rcpt-999999", timeout=60)
        self.assertEqual(cm.exception.code, 404)


class TestAciChat(AciCase):
    """`teeattest chat --provider aci`: attest, chat, then verify the
    answer's receipt against the attested keyset over the exact bytes."""

    def chat(self, *extra, stream=False, prompt="hello"):
        self.sim.control({"clear_log": True})
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at", AT,
            *(["--stream"] if stream else []), *extra, prompt)
        return rc, out, err

    def chat_json(self, *extra, stream=False):
        rc, out, err = self.chat("--json", *extra, stream=stream)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out)

    def paths(self):
        return [e["path"] for e in self.sim.log()["requests"]]

    def test_verified(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                rc, doc = self.chat_json(stream=stream)
                self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
                c = checks(doc)
                for name in ("aci.receipt.signature",
                             "aci.receipt.keyset_digest",
                             "aci.receipt.request_hash",
                             "aci.receipt.response_hash"):
                    self.assertEqual(c[name]["outcome"], "pass", c[name])
                att = doc["attestation"]
                self.assertEqual(att["verdict"], "verified")
                self.assertEqual(doc["facts"]["aci.receipt.keyset_digest"],
                                 att["facts"]["aci.keyset_digest"])
                p = self.paths()
                self.assertEqual(p.count("/v1/chat/completions"), 1)
                self.assertTrue(any(x.startswith("/v1/aci/receipts/")
                                    for x in p))

    def test_text_prints_the_answer_once_verified(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                rc, out, err = self.chat(stream=stream)
                self.assertEqual(rc, EXIT_VERIFIED, err)
                self.assertIn("aci.receipt.signature", out)
                self.assertTrue(out.rstrip().endswith("verdict: verified"))
                self.assertIn("simulated answer", out.splitlines()[0])
                self.assertNotIn("not shown", out)

    def fault(self, fault, check, stream=False):
        self.sim.control({"reset": True, fault: True})
        rc, doc = self.chat_json(stream=stream)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["verdict"], "failed")
        self.assertEqual(failed(doc), [check], fault)
        self.assertEqual(checks(doc)[check]["outcome"], "fail")
        return doc

    def test_unlisted_key_fails_the_signature(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                doc = self.fault("aci_unlisted_key", "aci.receipt.signature",
                                 stream)
                self.assertEqual(doc["attestation"]["verdict"], "verified")

    def test_body_hash_of_other_bytes(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                self.fault("aci_body_hash_other", "aci.receipt.request_hash",
                           stream)

    def test_failed_receipt_withholds_the_answer(self):
        self.sim.control({"reset": True, "aci_unlisted_key": True})
        rc, out, err = self.chat(stream=True)
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertIn("answer: not shown", out)
        self.assertNotIn("simulated answer", out)
        self.assertTrue(out.rstrip().endswith("verdict: FAILED"))

    def test_report_fault_sends_no_request(self):
        self.sim.control({"reset": True, "aci_wrong_digest": True})
        rc, doc = self.chat_json()
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(doc["error"]["status"], "TEEATTEST_E_NOT_VERIFIED")
        self.assertEqual(failed(doc["attestation"]), ["aci.keyset_digest"])
        p = self.paths()
        self.assertIn("/v1/aci/attestation", p)
        self.assertNotIn("/v1/chat/completions", p)
        self.assertFalse(any(x.startswith("/v1/aci/receipts/") for x in p))

    def test_save_dir_reverifies_offline(self):
        d = os.path.join(self.sim.dir.name, "aci-chat-save")
        if os.path.isdir(d):
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
        rc, out, err = self.chat("--stream", "--save", d + "/")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        rc, out, err = run(
            "aci", "verify-receipt", "--receipt", os.path.join(d, "receipt.json"),
            "--keyset", os.path.join(d, "keyset.json"),
            "--request", os.path.join(d, "request_body.json"),
            "--response", os.path.join(d, "response_body.sse"), "--json")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        # one byte more in the response fails its hash
        with open(os.path.join(d, "response_body.sse"), "ab") as f:
            f.write(b"\n")
        rc, out, err = run(
            "aci", "verify-receipt", "--receipt", os.path.join(d, "receipt.json"),
            "--keyset", os.path.join(d, "keyset.json"),
            "--request", os.path.join(d, "request_body.json"),
            "--response", os.path.join(d, "response_body.sse"), "--json")
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertEqual(failed(json.loads(out)), ["aci.receipt.response_hash"])


class TestAciE2ee(AciCase):
    """`teeattest chat --provider aci --e2ee`: the prompt encrypted to an
    E2EE key of the attested keyset, the answer's fields decrypted with
    their AAD checked, the receipt's request hash over the restored body;
    plaintext printed only when all of it verified. The simulator's
    service half runs on its clock (--pki-time) and the client's timestamp
    is --at: no wall clock."""

    chat = TestAciChat.chat

    def e2ee(self, *extra, stream=False, suite=None):
        args = ["--e2ee"] + (["--e2ee-suite", suite] if suite else [])
        return self.chat(*args, *extra, stream=stream)

    def e2ee_json(self, *extra, stream=False, suite=None):
        rc, out, err = self.e2ee("--json", *extra, stream=stream, suite=suite)
        self.assertIn(rc, (EXIT_VERIFIED, EXIT_FAILED), err)
        return rc, json.loads(out)

    def test_e2ee_verified(self):
        for suite, key_id in (("x25519", "sim-e2ee-x25519"),
                              ("secp256k1", "sim-e2ee-secp256k1")):
            for stream in (False, True):
                with self.subTest(suite=suite, stream=stream):
                    rc, doc = self.e2ee_json(stream=stream, suite=suite)
                    self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
                    c = checks(doc)
                    for name in ("aci.e2ee.key", "aci.e2ee.response",
                                 "aci.receipt.request_hash",
                                 "aci.receipt.response_hash"):
                        self.assertEqual(c[name]["outcome"], "pass", c[name])
                    e = doc["e2ee"]
                    self.assertEqual(e["key_id"], key_id)
                    self.assertTrue(e["suite"].startswith(suite + "-"))
                    self.assertGreaterEqual(e["fields"], 1)
                    self.assertEqual(doc["facts"]["aci.e2ee.fields"],
                                     e["fields"])

    def test_e2ee_text_prints_the_plaintext(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                rc, out, err = self.e2ee(stream=stream)
                self.assertEqual(rc, EXIT_VERIFIED, err)
                self.assertIn("simulated answer", out.splitlines()[0])
                self.assertTrue(out.rstrip().endswith("verdict: verified"))

    def e2ee_fault(self, fault, check, stream):
        self.sim.control({"reset": True, fault: True})
        rc, out, err = self.e2ee(stream=stream)
        self.assertEqual(rc, EXIT_FAILED, err)
        self.assertNotIn("simulated answer", out + err)
        self.assertIn("answer: not shown", out)
        rc, doc = self.e2ee_json(stream=stream)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(failed(doc), [check], fault)
        self.assertEqual(checks(doc)[check]["outcome"], "fail")
        self.assertEqual(doc["attestation"]["verdict"], "verified")
        self.assertNotIn("simulated answer", json.dumps(doc))
        return doc

    def test_e2ee_tamper_fails_the_response(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                doc = self.e2ee_fault("aci_e2ee_tamper", "aci.e2ee.response",
                                      stream)
                # the receipt covers the tampered bytes: only the tag fails
                self.assertEqual(
                    checks(doc)["aci.receipt.response_hash"]["outcome"],
                    "pass")

    def test_e2ee_replayed_nonce_fails_the_response(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                self.e2ee_json(stream=stream)  # an earlier request
                doc = self.e2ee_fault("aci_e2ee_replay", "aci.e2ee.response",
                                      stream)
                self.assertIn("TEEATTEST_E_VERIFY_FAILED",
                              checks(doc)["aci.e2ee.response"]["detail"])

    def test_e2ee_unlisted_key_is_never_used(self):
        # the report advertises a key outside the quote-bound keyset: the
        # client encrypts to the keyset's key only
        self.sim.control({"reset": True, "aci_e2ee_unlisted": True})
        rc, doc = self.attest()
        self.assertEqual(rc, EXIT_VERIFIED)
        with urllib.request.urlopen(
                self.sim.http_url + "/v1/aci/attestation?nonce=" + "ab" * 32,
                timeout=60) as r:
            rep = json.loads(r.read())
        other = rep["service_capabilities"]["e2ee_public_key"]
        listed = [k["public_key"] for k in
                  rep["attestation"]["workload_keyset"]["e2ee_public_keys"]]
        self.assertNotIn(other, listed)
        rc, doc = self.e2ee_json()
        self.assertEqual((rc, failed(doc)), (EXIT_VERIFIED, []))
        self.assertEqual(doc["e2ee"]["key_id"], "sim-e2ee-x25519")
        self.assertEqual(checks(doc)["aci.e2ee.key"]["outcome"], "pass")

    def test_e2ee_stale_timestamp_refused(self):
        # a timestamp 10 minutes after the service's clock: the service
        # refuses it with the spec's error, nothing is printed
        rc, out, err = run(
            "chat", "--provider", "aci", "--base-url", self.https,
            "--ca-file", self.sim.cert, "--model", "m", "--pccs",
            self.sim.http_url, "--test-root", self.root, "--no-gpu",
            "--gpu-online", "none", "--timeout", "30", "--at",
            PKI_TIME + 600, "--e2ee", "hello")
        self.assertEqual(rc, EXIT_USAGE, err)
        self.assertIn("HTTP 400", err)
        self.assertIn("e2ee_invalid_timestamp", err)
        self.assertNotIn("simulated answer", out)

    def test_e2ee_usage(self):
        rc, out, err = self.chat("--e2ee-suite", "x25519")
        self.assertEqual(rc, EXIT_USAGE)
        rc, out, err = self.chat("--e2ee", "--e2ee-suite", "p256")
        self.assertEqual(rc, EXIT_USAGE)
        rc, out, err = self.chat("--e2ee", "--save",
                                 os.path.join(self.sim.dir.name, "e2ee/"))
        self.assertEqual(rc, EXIT_USAGE)
        self.assertIn("--e2ee", err)


if __name__ == "__main__":
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
