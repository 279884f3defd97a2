#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of `teeattest aci` (ACI/1 offline tools).

Usage: test_aci_cli.py TEEATTEST_EXE [unittest arguments...]

The documents are the published vectors of Dstack-TEE/private-ai-gateway
spec/test-vectors.md, commit b6b5c1b (tests/data/aci/README.md): the
keyset (section 1), the session (3), the receipt with its request and
response bodies (4). Each is also written in other JSON encodings, which
must give the same results. Exit codes: 0 printed or verified, 1 failed,
2 usage or input error. Derived files go to a temporary directory.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import runner

EXE = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

KEYSET = ('{"e2ee_public_keys":[{"algo":"x25519-aes-256-gcm-hkdf-sha256",'
          '"key_id":"e2ee-1","public_key":"5dfedd3b6bd47f6fa28ee15d969d5bb0'
          'ea53774d488bdaf9df1c6e0124b3ef22"}],"not_after":1800000000,'
          '"receipt_signing_keys":[{"algo":"ed25519","key_id":"receipt-1",'
          '"public_key":"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df6'
          '0f5b8fc9b394"}],"subject":"dstack-app://example-app",'
          '"tls_public_keys":[{"domain":"api.example.com","spki_sha256":'
          '"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"}]}')
DIGEST = ("sha256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a"
          "10cd9371")
SESSION_ID = "95ad1cb4dd25445808c2e9d116caf420b05703730b506395e8fc1ca6faeae28f"
SESSION = {
    "api_version": "aci/1", "upstream_name": "demo-upstream",
    "endpoint": "https://upstream.example.com", "verifier_id": "example/1",
    "established_at": 1750000000, "expires_at": 1750003600,
    "channel_binding": [{"type": "tls_spki_sha256",
                         "origin": "https://upstream.example.com",
                         "spki_sha256": "d1" * 32}],
    "claims": {
        "tee_attested": {"status": "asserted", "source": "hardware_proven",
                         "reason": "example quote verified"},
        "gpu_attested": {"status": "unknown"},
        "tcb_up_to_date": {"status": "unknown"},
        "os_known_good": {"status": "unknown"},
        "serving_software_known_good": {"status": "unknown"},
        "model_weights_provenance": {"status": "unknown"},
        "extra": {"gpu_arch": "HOPPER", "tcb_status": "UpToDate"}},
    "evidence": {"digest": "sha256:80d70e44d0ae1e829fd5f37c3ee4a60dfbea8d3a"
                           "a18407ea3f34cf7ec91da34d",
                 "data": "data:text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ=="},
}
REQUEST = b'{"messages":[{"content":"hi","role":"user"}],"model":"demo-model"}'
RESPONSE = b'{"choices":[],"id":"chatcmpl-123"}'
REQ_HASH = ("sha256:94d809bf47380d8a2eab0eb6e126d4dda9364b0b4725cdf7ead52dd7"
            "0b2aa87b")
RESP_HASH = ("sha256:dedfffe5b14d031b8e2c01996d021a15293cb7c63b56be7e4be9e89b"
             "6f0a5f61")
RECEIPT = {
    "api_version": "aci/1", "receipt_id": "rcpt-0001",
    "chat_id": "chatcmpl-123", "model": "demo-model",
    "workload_keyset_digest": DIGEST, "endpoint": "/v1/chat/completions",
    "method": "POST", "served_at": 1750000000,
    "event_log": [
        {"type": "request.received", "body_hash": REQ_HASH},
        {"type": "request.forwarded", "body_hash": REQ_HASH},
        {"type": "upstream.verified", "result": "verified", "required": True,
         "model_id": "demo-model", "session_id": SESSION_ID},
        {"type": "response.returned", "body_hash": RESP_HASH}],
    "key_id": "receipt-1",
    "signature": "d5b005e093bde3b577faf270b7184b09e169cacb0ecb206b103bd2581f"
                 "997db03da616175454b063323a23ac1dc68f1ce506c2a6eba8aa0561d5"
                 "e724f0b80c03",
}


def run(*args):
    r = subprocess.run([EXE] + [str(a) for a in args], capture_output=True,
                       timeout=60)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="test-aci-")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.tmp.name, name)
        if isinstance(data, (dict, list)):
            data = json.dumps(data)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        return path

    def receipt(self, doc=None, *extra, keyset=None):
        rc_path = self.write("receipt.json", RECEIPT if doc is None else doc)
        ks = self.write("keyset.json", KEYSET if keyset is None else keyset)
        return run("aci", "verify-receipt", "--receipt", rc_path, "--keyset",
                   ks, *extra)

    def bodies(self, request=REQUEST, response=RESPONSE):
        return ["--request", self.write("req.bin", request),
                "--response", self.write("resp.bin", response)]

    def check(self, out, name):
        for c in json.loads(out)["checks"]:
            if c["name"] == name:
                return c["outcome"]
        return None


class TestAciTools(Base):
    def test_keyset_digest_any_encoding(self):
        ks = json.loads(KEYSET)
        for text in (KEYSET, json.dumps(ks, indent=4),
                     json.dumps(dict(reversed(list(ks.items())))),
                     # escapes that decode to the same strings
                     KEYSET.replace("receipt-1", "receipt\\u002d1")):
            rc, out, err = run("aci", "keyset-digest",
                               self.write("ks.json", text))
            self.assertEqual((rc, out), (EXIT_VERIFIED, DIGEST + "\n"), err)

    def test_keyset_digest_of_report(self):
        report = {"api_version": "aci/1", "workload_keyset_digest": DIGEST,
                  "attestation": {"tee_type": "tdx",
                                  "workload_keyset": json.loads(KEYSET)}}
        rc, out, err = run("aci", "keyset-digest",
                           self.write("report.json", report))
        self.assertEqual((rc, out), (EXIT_VERIFIED, DIGEST + "\n"), err)

    def test_keyset_digest_changes(self):
        ks = json.loads(KEYSET)
        ks["not_after"] += 1
        rc, out, _ = run("aci", "keyset-digest", self.write("ks.json", ks))
        self.assertEqual(rc, EXIT_VERIFIED)
        self.assertNotEqual(out.strip(), DIGEST)

    def test_session_id_any_encoding(self):
        for text in (json.dumps(SESSION), json.dumps(SESSION, indent=2),
                     json.dumps(SESSION, sort_keys=True,
                                separators=(",", ":"))):
            rc, out, err = run("aci", "session-id", self.write("s.json", text))
            self.assertEqual((rc, out), (EXIT_VERIFIED, SESSION_ID + "\n"),
                             err)


class TestAciReceipt(Base):
    def test_verified(self):
        rc, out, err = self.receipt(None, *self.bodies())
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        self.assertTrue(out.rstrip().endswith("verdict: verified"), out)
        rc, out, err = self.receipt(None, *self.bodies(), "--json")
        self.assertEqual(rc, EXIT_VERIFIED, err)
        self.assertEqual(json.loads(out)["verdict"], "verified")
        self.assertEqual(self.check(out, "aci.receipt.signature"), "pass")
        self.assertEqual(json.loads(out)["facts"]["aci.receipt.session_id"],
                         SESSION_ID)

    def test_pretty_printed_receipt(self):
        rc, out, err = self.receipt(json.dumps(RECEIPT, indent=1),
                                    *self.bodies(), "--json")
        self.assertEqual(rc, EXIT_VERIFIED, out + err)

    def test_edited_fields_fail(self):
        for key, value in (("model", "other-model"), ("served_at", 1),
                           ("receipt_id", "rcpt-0002"),
                           ("chat_id", None)):
            doc = dict(RECEIPT, **{key: value})
            rc, out, _ = self.receipt(doc, "--json")
            self.assertEqual(rc, EXIT_FAILED, key)
            self.assertEqual(self.check(out, "aci.receipt.signature"), "fail")

    def test_unlisted_key(self):
        rc, out, _ = self.receipt(dict(RECEIPT, key_id="receipt-2"), "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.signature"), "fail")

    def test_other_keyset(self):
        ks = json.loads(KEYSET)
        ks["subject"] = "dstack-app://other"
        rc, out, _ = self.receipt(None, "--json", keyset=ks)
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.keyset_digest"), "fail")
        self.assertEqual(self.check(out, "aci.receipt.signature"), "pass")

    def test_other_bytes(self):
        rc, out, _ = self.receipt(None, *self.bodies(request=REQUEST + b"\n"),
                                  "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.request_hash"), "fail")
        rc, out, _ = self.receipt(None, *self.bodies(response=b""), "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.response_hash"), "fail")

    def test_sessions(self):
        ses = self.write("session.json", json.dumps(SESSION, indent=2))
        rc, out, err = self.receipt(None, *self.bodies(), "--session", ses,
                                    "--pin-session", SESSION_ID,
                                    "--require-verified", "--json")
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        for name in ("aci.receipt.session_pinned",
                     "aci.receipt.session_window", "aci.session.id",
                     "aci.session.evidence"):
            self.assertEqual(self.check(out, name), "pass", name)
        # pinned elsewhere
        rc, out, _ = self.receipt(None, "--pin-session", "00" * 32,
                                  "--session", ses, "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.session_pinned"), "fail")
        # required, session not given: a required skip
        rc, out, _ = self.receipt(None, "--require-verified", "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.receipt.session_window"), "skip")
        # another session document than the cited one
        other = dict(SESSION, upstream_name="other")
        rc, out, _ = self.receipt(None, "--session",
                                  self.write("o.json", other), "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.session.id"), "fail")
        self.assertEqual(self.check(out, "aci.receipt.session_window"), "fail")
        # evidence that does not hash to its digest
        bad = json.loads(json.dumps(SESSION))
        bad["evidence"]["data"] = "data:text/plain;base64,b3RoZXI="
        rc, out, _ = self.receipt(None, "--session",
                                  self.write("b.json", bad), "--json")
        self.assertEqual(rc, EXIT_FAILED)
        self.assertEqual(self.check(out, "aci.session.evidence"), "fail")


class TestAciUsage(Base):
    def test_help(self):
        for args in (("aci", "--help"), ("help", "aci"),
                     ("aci", "verify-receipt", "--help")):
            rc, out, _ = run(*args)
            self.assertEqual(rc, EXIT_VERIFIED)
            self.assertIn("verify-receipt", out)

    def test_input_errors(self):
        ks = self.write("ks.json", KEYSET)
        for args in (("aci",), ("aci", "nope"), ("aci", "keyset-digest"),
                     ("aci", "keyset-digest", "/nonexistent/x"),
                     ("aci", "keyset-digest", self.write("bad.json", "{")),
                     ("aci", "keyset-digest",
                      self.write("dup.json", '{"not_after":1,"not_after":2}')),
                     ("aci", "keyset-digest",
                      self.write("k2.json", KEYSET.replace(
                          "8139770ea87d", "8139770EA87D"))),
                     ("aci", "session-id", self.write("s.json", "[1")),
                     ("aci", "verify-receipt", "--keyset", ks),
                     ("aci", "verify-receipt", "--receipt", ks, "--keyset",
                      ks, "--rewrite", "maybe"),
                     ("aci", "verify-receipt", "--receipt",
                      self.write("r.json", "[]"), "--keyset", ks)):
            rc, out, err = run(*args)
            self.assertEqual(rc, EXIT_USAGE, (args, out, err))
            self.assertTrue(err.startswith("teeattest: "), err)


def main():
    global EXE
    if len(sys.argv) < 2:
        sys.exit("usage: test_aci_cli.py TEEATTEST_EXE [unittest args]")
    EXE = sys.argv[1]
    sys.exit(runner.main(sys.argv[2:]))


if __name__ == "__main__":
    main()
