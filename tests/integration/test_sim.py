#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the loopback provider simulator `teeattest-sim`.

Usage: test_sim.py SIM_EXE TEEATTEST_EXE [unittest arguments...]

Each test class starts its own simulator on ephemeral loopback ports (read
from --port-file) and resets its faults before every test. Signatures are
checked with the project's CLI (`teeattest verify-signature`), hashes and
report_data layouts with hashlib. Python 3 standard library only; no
network beyond 127.0.0.1, no wall clock (only monotonic time for pacing).
"""
import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import runner
from simproc import START_LIMIT

SIM = None
CLI = None
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
NONCE = bytes(range(32))
RUNTIME_EVENT = 0x08000001
CHAT_BODY = (b'{"model":"sim/test-model","messages":[{"role":"user",'
             b'"content":"Say something"}]}')
STREAM_BODY = (b'{"model":"sim/test-model","stream":true,"messages":'
               b'[{"role":"user","content":"Say something"}]}')


class Sim:
    """One simulator process; tests talk to it over http.client."""

    def __init__(self, *args, https=False, events=5):
        self.dir = tempfile.TemporaryDirectory(prefix="test-sim-")
        self.port_file = os.path.join(self.dir.name, "ports")
        self.cert = os.path.join(self.dir.name, "cert.pem")
        self.log_path = os.path.join(self.dir.name, "log.jsonl")
        cmd = [SIM, "--http", "0", "--port-file", self.port_file,
               "--events", str(events), "--log", self.log_path]
        if https:
            cmd += ["--https", "0", "--cert-out", self.cert]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.ports = self._wait_ports()
        self.stdout_first = self.proc.stdout.readline().decode()

    def _wait_ports(self):
        deadline = time.monotonic() + START_LIMIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("simulator exited: %s"
                                     % self.proc.stderr.read().decode())
            try:
                with open(self.port_file) as f:
                    text = f.read()
                ports = dict(line.split("=") for line in text.split())
                return {k: int(v) for k, v in ports.items()}
            except FileNotFoundError:
                time.sleep(0.01)
        raise AssertionError("simulator did not write its port file")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        rc = self.proc.returncode
        if rc != 0:
            sys.stderr.write(err.decode(errors="replace"))
        self.dir.cleanup()
        return rc

    def conn(self, https=False, host="127.0.0.1", timeout=30):
        if https:
            ctx = ssl.create_default_context(cafile=self.cert)
            return http.client.HTTPSConnection(host, self.ports["https_port"],
                                               context=ctx, timeout=timeout)
        return http.client.HTTPConnection(host, self.ports["http_port"],
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, https=False):
        c = self.conn(https)
        try:
            h = {"Content-Type": "application/json"} if body is not None else {}
            h.update(headers or {})
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, r, data
        finally:
            c.close()

    def get_json(self, path, expect=200, **kw):
        st, _, data = self.request("GET", path, **kw)
        if st != expect:
            raise AssertionError("GET %s: %d %r" % (path, st, data[:300]))
        return json.loads(data)

    def control(self, **settings):
        st, _, data = self.request("POST", "/_sim/control",
                                   json.dumps(settings).encode())
        if st != 200:
            raise AssertionError("control %r: %d %r" % (settings, st, data))
        return json.loads(data)

    def log(self):
        return self.get_json("/_sim/log")

    def keys(self):
        return self.get_json("/_sim/keys")


def quote_fields(q):
    """report_data, RTMRs and MRCONFIGID of a TDX v4 quote."""
    assert int.from_bytes(q[0:2], "little") == 4
    assert int.from_bytes(q[4:8], "little") == 0x81
    return {"report_data": q[568:632],
            "rtmr": [q[376 + 48 * i:424 + 48 * i] for i in range(4)],
            "mrtd": q[184:232], "mr_config_id": q[232:280]}


def replay(event_log):
    rtmr = [bytes(48)] * 4
    for e in event_log:
        if e["event_type"] == RUNTIME_EVENT:
            d = hashlib.sha384(b"\x01\x00\x00\x08:" + e["event"].encode() +
                               b":" + bytes.fromhex(e["event_payload"])).digest()
            if e["digest"]:
                assert d.hex() == e["digest"], e
        else:
            d = bytes.fromhex(e["digest"])
        rtmr[e["imr"]] = hashlib.sha384(rtmr[e["imr"]] + d).digest()
    return rtmr


def der_items(buf):
    """Top-level (tag, whole element, content) triples of DER bytes."""
    out, i = [], 0
    while i < len(buf):
        tag, ln = buf[i], buf[i + 1]
        hdr = 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(buf[i + 2:i + 2 + n], "big")
            hdr += n
        out.append((tag, buf[i:i + hdr + ln], buf[i + hdr:i + hdr + ln]))
        i += hdr + ln
    return out


def spki_of_pem(path):
    import base64
    with open(path) as f:
        b64 = "".join(l for l in f.read().splitlines() if "-----" not in l)
    cert = base64.b64decode(b64)
    tbs = der_items(der_items(cert)[0][2])[0][2]
    fields = der_items(tbs)
    if fields[0][0] == 0xA0:  # explicit version
        fields = fields[1:]
    return fields[5][1]  # serial, sigalg, issuer, validity, subject, spki


def parse_sse(data):
    """Split an SSE body into events; each must end with a blank line."""
    assert data.endswith(b"\n\n"), data[-40:]
    return [e for e in data.split(b"\n\n")[:-1]]


def cli_verify(req, resp, sig, signer, headers=False):
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for name, content in (("req", req), ("resp", resp), ("sig", sig)):
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(content)
            paths.append(p)
        r = subprocess.run([CLI, "verify-signature", "--request", paths[0],
                            "--response", paths[1],
                            "--signature-headers" if headers else "--signature",
                            paths[2], "--expect-signer", signer],
                           capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode() + r.stderr.decode()


class SimCase(unittest.TestCase):
    ARGS = ()
    HTTPS = False

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(*cls.ARGS, https=cls.HTTPS)
        cls.k = cls.sim.keys()

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        if rc != 0:
            raise AssertionError("simulator exit status %d" % rc)

    def setUp(self):
        self.sim.control(reset=True, clear_log=True)

    def chat(self, body=CHAT_BODY, path="/v1/chat/completions"):
        st, r, data = self.sim.request("POST", path, body)
        self.assertEqual(st, 200, data[:300])
        return r, data

    def chat_id(self, data):
        if data.startswith(b"data: "):
            return json.loads(parse_sse(data)[0][6:])["id"]
        return json.loads(data)["id"]

    def signature(self, cid, algo="ecdsa", prefix="/v1/signature/"):
        st, _, data = self.sim.request(
            "GET", "%s%s?model=sim%%2Ftest-model&signing_algo=%s"
            % (prefix, cid, algo))
        return st, data


class TestStartup(unittest.TestCase):
    def test_port_file_and_banner(self):
        s = Sim()
        try:
            self.assertEqual(set(s.ports), {"http_port"})
            self.assertEqual(s.stdout_first.strip(),
                             "listening on http://127.0.0.1:%d"
                             % s.ports["http_port"])
        finally:
            self.assertEqual(s.stop(), 0)

    def test_both_and_sigint(self):
        s = Sim(https=True)
        try:
            self.assertEqual(set(s.ports), {"http_port", "https_port"})
            self.assertTrue(os.path.getsize(s.cert) > 100)
        finally:
            self.assertEqual(s.stop(signal.SIGINT), 0)

    def test_print_keys(self):
        out = subprocess.run([SIM, "--print-keys"], capture_output=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0)
        k = json.loads(out.stdout)
        self.assertRegex(k["ecdsa_address"], r"^0x[0-9a-fA-F]{40}$")
        self.assertRegex(k["ed25519_public_key"], r"^[0-9a-f]{64}$")
        self.assertIn("TEST", k["note"])
        again = json.loads(subprocess.run([SIM, "--print-keys"],
                                          capture_output=True).stdout)
        self.assertEqual(k, again)  # deterministic
        other = json.loads(subprocess.run([SIM, "--seed", "2", "--print-keys"],
                                          capture_output=True).stdout)
        self.assertNotEqual(k["ecdsa_address"], other["ecdsa_address"])
        self.assertNotEqual(k["ed25519_public_key"],
                            other["ed25519_public_key"])

    def test_usage_errors(self):
        for args in (["--bogus"], ["--http"], ["--http", "70000"],
                     ["--dialect", "nope"], ["--events", "-1"]):
            r = subprocess.run([SIM] + args, capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(b"teeattest-sim:", r.stderr)
        r = subprocess.run([SIM, "--help"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"TEST KEYS", r.stdout)


class TestAttestation(SimCase):
    HTTPS = True

    def report(self, path="/v1/attestation/report", algo=None, extra="",
               **kw):
        q = "?model=sim%2Ftest-model&nonce=" + NONCE.hex()
        if algo:
            q += "&signing_algo=" + algo
        return self.sim.get_json(path + q + extra, **kw)

    def check_l1(self, entry, ident):
        q = bytes.fromhex(entry["intel_quote"])
        rd = quote_fields(q)["report_data"]
        self.assertEqual(rd[:len(ident)], ident)
        self.assertEqual(rd[len(ident):32], bytes(32 - len(ident)))
        self.assertEqual(rd[32:], NONCE)

    def test_dstack_shape_ecdsa(self):
        d = self.report()
        for f in ("signing_address", "signing_algo", "signing_public_key",
                  "request_nonce", "intel_quote", "nvidia_payload",
                  "event_log", "info", "all_attestations"):
            self.assertIn(f, d)
        self.assertEqual(d["signing_address"], self.k["ecdsa_address"])
        self.assertEqual(d["signing_algo"], "ecdsa")
        self.assertEqual(d["request_nonce"], NONCE.hex())
        self.assertEqual(len(d["all_attestations"]), 1)
        gpu = json.loads(d["nvidia_payload"])
        self.assertEqual(gpu["nonce"], NONCE.hex())
        self.check_l1(d, bytes.fromhex(d["signing_address"][2:]))
        self.assertIn("SYNTHETIC", bytes.fromhex(d["intel_quote"]).decode(
            "latin-1"))

    def test_event_log_replays_and_compose(self):
        d = self.report()
        q = quote_fields(bytes.fromhex(d["intel_quote"]))
        self.assertEqual(replay(d["event_log"]), q["rtmr"])
        tcb = d["info"]["tcb_info"]
        for i in range(4):
            self.assertEqual(tcb["rtmr%d" % i], q["rtmr"][i].hex())
        self.assertEqual(tcb["mrtd"], q["mrtd"].hex())
        ch = hashlib.sha256(tcb["app_compose"].encode()).digest()
        self.assertEqual(tcb["compose_hash"], ch.hex())
        self.assertEqual(q["mr_config_id"], b"\x01" + ch + bytes(15))
        ev = [e for e in d["event_log"] if e["event"] == "compose-hash"]
        self.assertEqual(ev[0]["event_payload"], ch.hex())

    def test_ed25519(self):
        d = self.report(algo="ed25519")
        self.assertEqual(d["signing_algo"], "ed25519")
        self.assertEqual(d["signing_address"], self.k["ed25519_public_key"])
        self.check_l1(d, bytes.fromhex(d["signing_address"]))

    def test_tls_fingerprint_l2(self):
        st, _, data = self.sim.request(
            "GET", "/v1/attestation/report?include_tls_fingerprint=true&nonce="
            + NONCE.hex(), https=True)
        self.assertEqual(st, 200)
        d = json.loads(data)
        fp = hashlib.sha256(spki_of_pem(self.sim.cert)).digest()
        self.assertEqual(d["tls_cert_fingerprint"], fp.hex())
        rd = quote_fields(bytes.fromhex(d["intel_quote"]))["report_data"]
        addr = bytes.fromhex(d["signing_address"][2:])
        self.assertEqual(rd, hashlib.sha256(addr + fp).digest() + NONCE)

    def test_nodes_and_selection(self):
        self.sim.control(nodes=3)
        d = self.report()
        addrs = [e["signing_address"] for e in d["all_attestations"]]
        self.assertEqual(len(set(addrs)), 3)
        d2 = self.report(extra="&signing_address=" + addrs[2].lower())
        self.assertEqual(d2["signing_address"], addrs[2])
        self.report(extra="&signing_address=0x" + "11" * 20, expect=404)

    def test_bad_requests(self):
        self.sim.get_json("/v1/attestation/report?nonce=abcd", expect=400)
        d = self.report(algo="rsa", expect=400)
        self.assertEqual(d["error"]["type"], "invalid_signing_algo")
        st, _, _ = self.sim.request("POST", "/v1/attestation/report", b"{}")
        self.assertEqual(st, 405)
        self.sim.get_json("/nope", expect=404)

    def test_no_nonce_random(self):
        a = self.sim.get_json("/v1/attestation/report")
        b = self.sim.get_json("/v1/attestation/report")
        self.assertRegex(a["request_nonce"], "^[0-9a-f]{64}$")
        self.assertNotEqual(a["request_nonce"], b["request_nonce"])

    def test_wrong_nonce(self):
        self.sim.control(wrong_nonce=True)
        d = self.report()
        self.assertNotEqual(d["request_nonce"], NONCE.hex())
        rd = quote_fields(bytes.fromhex(d["intel_quote"]))["report_data"]
        self.assertNotEqual(rd[32:], NONCE)

    def test_nanogpt_shape(self):
        d = self.report(path="/api/v1/tee/attestation")
        self.assertEqual(d["quote"], d["intel_quote"])
        self.assertIsInstance(d["event_log"], str)
        log = json.loads(d["event_log"])
        self.assertTrue(all(e["digest"] == "" for e in log
                            if e["event_type"] == RUNTIME_EVENT))
        q = quote_fields(bytes.fromhex(d["quote"]))
        self.assertEqual(replay(log), q["rtmr"])  # after recomputation
        self.assertEqual(len(d["signing_public_key"]), 128)
        self.assertIsInstance(d["vm_config"], str)

    def test_ionet_attestation(self):
        st, _, data = self.sim.request(
            "POST", "/v1/private/attestation",
            json.dumps({"model_id": "x", "nonce": "0xabcd"}).encode())
        self.assertEqual(st, 200)
        self.assertIn(b'"nonce": "abcd', data)  # Python separators
        d = json.loads(data)
        self.assertEqual(d["nonce"], "abcd" + "00" * 30)
        self.assertEqual(d["gpu"]["claims_version"], "3.0")
        self.assertEqual(d["signing_address"], self.k["ecdsa_address"])
        rd = quote_fields(bytes.fromhex(d["cpu"]["quote"]))["report_data"]
        self.assertEqual(rd, bytes.fromhex(d["nonce"]) + bytes(32))
        st, _, _ = self.sim.request("POST", "/v1/private/attestation",
                                    b'{"nonce":"' + b"a" * 66 + b'"}')
        self.assertEqual(st, 400)


class TestDialects(unittest.TestCase):
    def with_sim(self, dialect, fn):
        s = Sim("--dialect", dialect)
        try:
            fn(s)
        finally:
            self.assertEqual(s.stop(), 0)

    def test_nearai_gateway_and_three_part_text(self):
        def run(s):
            k = s.keys()
            d = s.get_json("/v1/attestation/report?nonce=" + NONCE.hex())
            self.assertEqual(d["model_name"], "sim/test-model")
            self.assertEqual(d["signing_address"], k["ecdsa_address"].lower())
            s.control(near_gateway=True)
            d = s.get_json("/v1/attestation/report?model=m&nonce="
                           + NONCE.hex())
            g = d["gateway_attestation"]
            self.assertEqual(g["signing_algo"], "ed25519")  # cloud-api default
            self.assertEqual(g["signing_address"],
                             k["gateway_ed25519_public_key"])
            self.assertIsInstance(g["event_log"], str)
            rd = bytes.fromhex(g["report_data"])
            self.assertEqual(quote_fields(bytes.fromhex(g["intel_quote"]))
                             ["report_data"], rd)
            self.assertEqual(rd[32:], NONCE)
            self.assertEqual(len(d["model_attestations"]), 1)
            st, _, body = s.request("POST", "/v1/chat/completions", CHAT_BODY)
            cid = json.loads(body)["id"]
            sig = s.get_json("/v1/signature/%s?signing_algo=ecdsa" % cid)
            self.assertEqual(sig["text"].split(":")[0], "sim/test-model")
            self.assertEqual(len(sig["text"].split(":")), 3)
            self.assertEqual(sig["signature_kind"], "provider_tee")
            self.assertEqual(sig["signing_address"],
                             k["ecdsa_address"].lower())
            rc, out = cli_verify(CHAT_BODY, body, json.dumps(sig).encode(),
                                 k["ecdsa_address"])
            self.assertEqual(rc, EXIT_VERIFIED, out)
            self.assertIn("PASS  signature.kind", out)
            self.assertIn("signature kind: provider_tee\n", out)
            # The kind swapped to gateway: the three-part text is not the
            # gateway's form.
            sig["signature_kind"] = "gateway"
            rc, out = cli_verify(CHAT_BODY, body, json.dumps(sig).encode(),
                                 k["ecdsa_address"])
            self.assertEqual(rc, EXIT_FAILED, out)
            self.assertIn("FAIL  signature.kind", out)
            s.control(truncate_stream=True)
            c = s.conn()
            c.request("POST", "/v1/chat/completions", body=STREAM_BODY)
            r = c.getresponse()
            with self.assertRaises(http.client.IncompleteRead):
                r.read()
            c.close()
            sig = s.get_json("/v1/signature/chatcmpl-2")
            self.assertEqual(sig["error_code"], "STREAM_DISCONNECTED")
        self.with_sim("nearai", run)

    def test_phala_legacy(self):
        def run(s):
            k = s.keys()
            d = s.get_json("/v1/attestation/report")
            self.assertEqual(set(d), {"signing_address", "nvidia_payload",
                                      "intel_quote"})
            import base64
            q = base64.b64decode(d["intel_quote"])
            self.assertEqual(q[:2], b"\x04\x00")
            st, _, body = s.request("POST", "/v1/chat/completions", CHAT_BODY)
            sig = s.get_json("/v1/signature/chatcmpl-1")
            self.assertEqual(set(sig), {"text", "signature"})
            self.assertRegex(sig["signature"], "^[0-9a-f]{130}$")  # no 0x
            rc, out = cli_verify(CHAT_BODY, body, json.dumps(sig).encode(),
                                 k["ecdsa_address"])
            self.assertEqual(rc, EXIT_VERIFIED, out)
        self.with_sim("phala", run)

    def test_venice(self):
        def run(s):
            d = s.get_json("/api/v1/tee/attestation?nonce=" + NONCE.hex())
            self.assertTrue(d["signing_public_key"].startswith("04"))
            self.assertEqual(d["signing_key"], d["signing_public_key"])
            pub = bytes.fromhex(d["signing_public_key"])[1:]
            self.assertEqual(len(pub), 64)
        self.with_sim("venice", run)


class TestChat(SimCase):
    def test_nonstream_shape_and_signatures(self):
        _, data = self.chat()
        d = json.loads(data)
        self.assertRegex(d["id"], r"^chatcmpl-\d+$")
        self.assertEqual(d["object"], "chat.completion")
        self.assertEqual(d["choices"][0]["message"]["role"], "assistant")
        _, data2 = self.chat()
        n1 = int(d["id"].split("-")[1])
        self.assertEqual(json.loads(data2)["id"], "chatcmpl-%d" % (n1 + 1))
        st, sig = self.signature(d["id"])
        self.assertEqual(st, 200)
        rec = json.loads(sig)
        self.assertEqual(rec["text"], "%s:%s" % (
            hashlib.sha256(CHAT_BODY).hexdigest(),
            hashlib.sha256(data).hexdigest()))
        self.assertRegex(rec["signature"], r"^0x[0-9a-f]{128}(1b|1c)$")
        self.assertEqual(rec["signing_address"], self.k["ecdsa_address"])
        rc, out = cli_verify(CHAT_BODY, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)
        st, sig = self.signature(d["id"], "ed25519")
        rec = json.loads(sig)
        self.assertEqual(rec["signing_address"], self.k["ed25519_public_key"])
        self.assertRegex(rec["signature"], r"^[0-9a-f]{128}$")
        rc, out = cli_verify(CHAT_BODY, data, sig,
                             self.k["ed25519_public_key"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_stream_framing_and_signature(self):
        r, data = self.chat(STREAM_BODY)
        self.assertTrue(r.getheader("Content-Type").startswith(
            "text/event-stream"))
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        events = parse_sse(data)
        self.assertEqual(events[-1], b"data: [DONE]")
        chunks = [json.loads(e[6:]) for e in events[:-1]]
        self.assertTrue(all(e.startswith(b"data: {") for e in events[:-1]))
        content = [c for c in chunks if c["choices"][0]["delta"].get("content")]
        self.assertEqual(len(content), 5)  # --events 5
        self.assertEqual(chunks[-1]["choices"][0]["finish_reason"], "stop")
        self.assertEqual(len({c["id"] for c in chunks}), 1)
        st, sig = self.signature(chunks[0]["id"])
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(sig)["text"].split(":")[1],
                         hashlib.sha256(data).hexdigest())
        rc, out = cli_verify(STREAM_BODY, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_nanogpt_paths(self):
        _, data = self.chat(path="/api/v1/chat/completions")
        st, sig = self.signature(self.chat_id(data),
                                 prefix="/api/v1/tee/signature/")
        self.assertEqual(st, 200)
        rc, out = cli_verify(CHAT_BODY, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_unknown_id_and_bad_algo(self):
        st, data = self.signature("chatcmpl-999999")
        self.assertEqual(st, 404)
        self.assertEqual(json.loads(data)["error"]["message"],
                         "Chat id not found or expired")
        _, data = self.chat()
        st, _ = self.signature(self.chat_id(data), "rsa")
        self.assertEqual(st, 400)

    def test_exact_request_bytes(self):
        # Same JSON, different bytes: the hash follows the bytes received.
        pretty = json.dumps(json.loads(CHAT_BODY), indent=2).encode()
        _, data = self.chat(pretty)
        st, sig = self.signature(self.chat_id(data))
        self.assertEqual(json.loads(sig)["text"].split(":")[0],
                         hashlib.sha256(pretty).hexdigest())
        rc, out = cli_verify(pretty, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)
        st, _, _ = self.sim.request("POST", "/v1/chat/completions", b"{bad")
        self.assertEqual(st, 400)

    def test_concurrent_streams(self):
        import threading
        self.sim.control(slow_ms=20)
        results, errors = [], []

        def one():
            try:
                _, data = self.chat(STREAM_BODY)
                st, sig = self.signature(self.chat_id(data))
                results.append((data, st, json.loads(sig)))
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 8)
        for data, st, rec in results:
            self.assertEqual(st, 200)
            self.assertEqual(rec["text"].split(":")[1],
                             hashlib.sha256(data).hexdigest())
        self.assertEqual(self.sim.log()["counts"]["POST /v1/chat/completions"], 8)

    def test_nodes_round_robin(self):
        self.sim.control(nodes=2)
        signers = set()
        for _ in range(2):
            _, data = self.chat()
            st, sig = self.signature(self.chat_id(data))
            rec = json.loads(sig)
            rc, out = cli_verify(CHAT_BODY, data, sig, rec["signing_address"])
            self.assertEqual(rc, EXIT_VERIFIED, out)
            signers.add(rec["signing_address"])
        keys = self.sim.keys()
        self.assertEqual(signers, {n["ecdsa_address"] for n in keys["nodes"]})


def py_compact(v):
    return json.dumps(v, separators=(",", ":"))


class TestIonet(SimCase):
    REQ = {"model": "m", "messages": [{"role": "user", "content": "h\u00e9 \u2603"}],
           "temperature": 1, "top_p": 0.9, "max_tokens": 16, "seed": 7,
           "user": None}

    def canonical_request(self, req):
        order = ["messages", "model", "temperature", "max_tokens", "stream",
                 "top_p", "frequency_penalty", "presence_penalty", "stop", "n",
                 "logprobs"]
        out = {}
        for k in order:
            v = req.get(k, False if k == "stream" else None)
            if v is None:
                continue
            if k in ("temperature", "top_p", "frequency_penalty",
                     "presence_penalty") and isinstance(v, int):
                v = float(v)
            out[k] = v
        for k, v in req.items():
            if k not in out and v is not None:
                out[k] = v
        return py_compact(out).encode()

    def test_nonstream_headers(self):
        body = json.dumps(self.REQ, ensure_ascii=False).encode()
        st, r, data = self.sim.request("POST", "/v1/private/completions", body)
        self.assertEqual(st, 200)
        doc = json.loads(data)
        self.assertEqual(data.decode(), json.dumps(doc))  # Python default
        req_c = self.canonical_request(self.REQ)
        resp_c = py_compact(doc).encode()
        text = r.getheader("text")
        self.assertEqual(text, "%s:%s" % (hashlib.sha256(req_c).hexdigest(),
                                          hashlib.sha256(resp_c).hexdigest()))
        self.assertRegex(r.getheader("signature"), "^[0-9a-f]{130}$")
        self.assertEqual(r.getheader("signing_algo"), "ecdsa")
        self.assertTrue(r.getheader("image_digest").startswith("sha256:"))
        hdrs = "".join("%s: %s\n" % (n, r.getheader(n)) for n in
                       ("text", "signature", "signing_address",
                        "signing_algo")).encode()
        rc, out = cli_verify(req_c, resp_c, hdrs, self.k["ecdsa_address"],
                             headers=True)
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_stream_signature_event(self):
        req = dict(self.REQ, stream=True)
        body = json.dumps(req).encode()
        st, _, data = self.sim.request("POST", "/v1/private/completions", body)
        self.assertEqual(st, 200)
        events = parse_sse(data)
        self.assertEqual(events[-1], b"data: [DONE]")
        self.assertTrue(events[-2].startswith(b"event: signature\ndata: {"))
        sig = json.loads(events[-2].split(b"\ndata: ", 1)[1])
        chunks = [e[6:].decode() for e in events[:-2]]
        resp_c = py_compact({"chunks": chunks}).encode()
        req_c = self.canonical_request(req)
        self.assertEqual(sig["text"], "%s:%s" % (
            hashlib.sha256(req_c).hexdigest(),
            hashlib.sha256(resp_c).hexdigest()))
        rc, out = cli_verify(req_c, resp_c, json.dumps(sig).encode(),
                             self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_tamper_keeps_json_valid(self):
        self.sim.control(tamper_response=True)
        body = json.dumps(self.REQ).encode()
        st, r, data = self.sim.request("POST", "/v1/private/completions", body)
        doc = json.loads(data)  # still valid JSON
        resp_c = py_compact(doc).encode()
        self.assertNotEqual(r.getheader("text").split(":")[1],
                            hashlib.sha256(resp_c).hexdigest())

    def test_models(self):
        d = self.sim.get_json("/v1/models")
        self.assertTrue(d["data"][0]["supports_attestation"])


class TestFaults(SimCase):
    def test_fail_next_and_log(self):
        self.sim.control(fail_next=[503, 503], retry_after=1)
        for expect in (503, 503, 200):
            st, r, data = self.sim.request(
                "GET", "/v1/attestation/report?nonce=" + NONCE.hex(),
                headers={"Authorization": "Bearer sk-secret-test-value"})
            self.assertEqual(st, expect)
            if expect == 503:
                self.assertEqual(r.getheader("Retry-After"), "1")
                self.assertEqual(json.loads(data)["error"]["type"], "sim_fault")
        self.sim.request("POST", "/v1/chat/completions", CHAT_BODY)
        log = self.sim.log()
        self.assertEqual(log["count"], 4)
        self.assertEqual(log["counts"]["GET /v1/attestation/report"], 3)
        self.assertEqual(log["counts"]["POST /v1/chat/completions"], 1)
        first = log["requests"][0]
        self.assertEqual(first["status"], 503)
        self.assertEqual(first["query"]["nonce"], NONCE.hex())
        self.assertIn("Authorization", first["headers"])
        post = log["requests"][3]
        self.assertEqual(post["body_sha256"], hashlib.sha256(CHAT_BODY).hexdigest())
        self.assertEqual(post["body_len"], len(CHAT_BODY))
        raw = self.sim.request("GET", "/_sim/log")[2]
        self.assertNotIn(b"sk-secret", raw)
        with open(self.sim.log_path, "rb") as f:
            lines = f.read().splitlines()
        self.assertNotIn(b"sk-secret", b"".join(lines))
        self.assertEqual(json.loads(lines[-1])["path"], "/v1/chat/completions")

    def wait_logged(self, path, status):
        # The stalled request is logged once its thread sees the client
        # leave: wait for that (bounded only by the meson test timeout).
        while True:
            for q in self.sim.log()["requests"]:
                if q["path"] == path and q["status"] == status:
                    return q
            time.sleep(0.05)

    def test_stall_forever(self):
        # Half the events, then nothing until the client leaves: the read
        # times out whatever the load (the rest never comes).
        self.sim.control(stall_forever=True)
        c = self.sim.conn(timeout=3)
        c.request("POST", "/v1/chat/completions", body=STREAM_BODY,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        events = []
        with self.assertRaises((socket.timeout, TimeoutError)):
            while True:
                line = r.fp.readline()
                self.assertTrue(line, "the stream ended instead of stalling")
                if line.startswith(b"data: "):
                    events.append(line)
        c.close()
        self.assertLessEqual(len(events), 3)  # 5 events: stalls before #4
        self.assertNotIn(b"data: [DONE]\n", events)
        self.assertIs(self.sim.control(reset=True)["stall_forever"], False)
        self.chat(STREAM_BODY)  # the simulator still answers

    def test_first_byte_never(self):
        self.sim.control(first_byte_never=True)
        c = self.sim.conn(timeout=3)
        c.request("GET", "/v1/attestation/report?nonce=" + NONCE.hex())
        with self.assertRaises((socket.timeout, TimeoutError)):
            c.getresponse()
        c.close()
        # Its thread ends when the client leaves: logged as "no answer".
        self.wait_logged("/v1/attestation/report", 0)
        self.sim.control(reset=True)
        st, _, _ = self.sim.request("GET", "/v1/attestation/report?nonce=" +
                                    NONCE.hex())
        self.assertEqual(st, 200)

    def test_signature_delay_polls(self):
        self.sim.control(signature_delay_polls=2)
        _, data = self.chat()
        cid = self.chat_id(data)
        self.assertEqual(self.signature(cid)[0], 404)
        self.assertEqual(self.signature(cid)[0], 404)
        st, sig = self.signature(cid)
        self.assertEqual(st, 200)
        rc, out = cli_verify(CHAT_BODY, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_expired(self):
        _, data = self.chat()
        self.sim.control(expire_signatures=True)
        self.assertEqual(self.signature(self.chat_id(data))[0], 404)

    def rejected(self, body=CHAT_BODY, **fault):
        self.sim.control(**fault)
        _, data = self.chat(body)
        st, sig = self.signature(self.chat_id(data))
        self.assertEqual(st, 200)
        rc, out = cli_verify(body, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_FAILED, out)
        return out

    def test_tamper_response(self):
        out = self.rejected(tamper_response=True)
        self.assertIn("response", out)

    def test_tamper_stream(self):
        self.rejected(STREAM_BODY, tamper_response=True)

    def test_wrong_signer(self):
        self.rejected(wrong_signer=True)

    def test_bad_signature(self):
        self.rejected(bad_signature=True)

    def test_high_s(self):
        """high_s: the malleable form (s > n/2, the other v) of a valid
        signature by the same key; the CLI accepts it with a warning."""
        n = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE"
                "BAAEDCE6AF48A03BBFD25E8CD0364141", 16)
        sigs = {}
        for high in (False, True):
            self.sim.control(high_s=high)
            self.assertIs(json.loads(self.sim.request(
                "GET", "/_sim/control")[2])["high_s"], high)
            _, data = self.chat(STREAM_BODY)
            st, sig = self.signature(self.chat_id(data))
            self.assertEqual(st, 200)
            hexsig = json.loads(sig)["signature"]
            self.assertEqual(len(hexsig), 132)
            sigs[high] = bytes.fromhex(hexsig[2:])
            s = int.from_bytes(sigs[high][32:64], "big")
            self.assertEqual(s > n // 2, high)
            rc, out = cli_verify(STREAM_BODY, data, sig,
                                 self.k["ecdsa_address"])
            self.assertEqual(rc, EXIT_VERIFIED, out)
            self.assertEqual("WARN  signature.ecdsa.low_s" in out, high, out)
        self.assertIn(sigs[True][64], (27, 28))

    def test_sign_other_request(self):
        out = self.rejected(sign_other_request=True)
        self.assertIn("request", out)

    def test_truncate(self):
        self.sim.control(truncate_stream=True)
        for body in (STREAM_BODY, CHAT_BODY):
            c = self.sim.conn()
            c.request("POST", "/v1/chat/completions", body=body)
            r = c.getresponse()
            with self.assertRaises(http.client.IncompleteRead):
                r.read()
            c.close()

    def test_truncated_stream_unsigned(self):
        _, data = self.chat()
        n = int(self.chat_id(data).split("-")[1])
        self.sim.control(truncate_stream=True)
        c = self.sim.conn()
        c.request("POST", "/v1/chat/completions", body=STREAM_BODY)
        with self.assertRaises(http.client.IncompleteRead):
            c.getresponse().read()
        c.close()
        self.assertEqual(self.signature("chatcmpl-%d" % (n + 1))[0], 404)

    def test_slow_stream_is_flushed_per_event(self):
        self.sim.control(slow_ms=150)
        c = self.sim.conn()
        c.request("POST", "/v1/chat/completions", body=STREAM_BODY)
        r = c.getresponse()
        times = []
        while True:
            line = r.fp.readline()
            if not line:
                break
            if line.startswith(b"data: "):
                times.append(time.monotonic())
            if line.startswith(b"data: [DONE]"):
                break
        c.close()
        self.assertEqual(len(times), 7)  # 5 content + finish + [DONE]
        # each event arrives on its own, not all at the end
        self.assertGreater(times[-1] - times[0], 6 * 0.150 * 0.8)

    def test_first_byte_and_stall(self):
        self.sim.control(first_byte_ms=300)
        t = time.monotonic()
        self.sim.request("GET", "/v1/attestation/report")
        self.assertGreater(time.monotonic() - t, 0.25)
        self.sim.control(reset=True, stall_ms=400)
        t = time.monotonic()
        self.chat(STREAM_BODY)
        self.assertGreater(time.monotonic() - t, 0.35)

    def test_truncate_body(self):
        self.sim.control(truncate_body=True)
        c = self.sim.conn()
        c.request("GET", "/v1/attestation/report")
        with self.assertRaises(http.client.IncompleteRead):
            c.getresponse().read()
        c.close()
        self.chat()  # chat answers are cut by truncate_stream only

    def test_huge_body(self):
        self.sim.control(huge_body=5_000_000)
        st, r, data = self.sim.request("GET", "/v1/attestation/report")
        self.assertEqual(st, 200)
        self.assertEqual(r.getheader("Content-Length"), "5000000")
        self.assertEqual(len(data), 5_000_000)
        self.assertTrue(data.startswith(b'{"pad":"') and data.endswith(b'"}'))
        # one-shot
        self.assertLess(len(self.sim.request("GET", "/v1/attestation/report")[2]),
                        1_000_000)

    def test_malformed_json(self):
        self.sim.control(malformed_json=1)
        st, _, data = self.sim.request("GET", "/v1/attestation/report")
        self.assertEqual(st, 200)
        with self.assertRaises(ValueError):
            json.loads(data)
        self.sim.get_json("/v1/attestation/report")  # one-shot

    def test_drop_connection(self):
        self.sim.control(drop_connection=True)
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionResetError)):
            self.sim.request("GET", "/v1/attestation/report")
        self.sim.get_json("/v1/attestation/report")
        reqs = self.sim.log()["requests"]
        self.assertEqual([q["status"] for q in reqs], [0, 200])

    def test_control_errors(self):
        for bad in (b'{"no_such_fault":1}', b'{"nodes":0}', b'{"nodes":99}',
                    b'{"fail_next":["x"]}', b'{"slow_ms":"x"}', b"[1]",
                    b'{"tamper_response":1}'):
            st, _, _ = self.sim.request("POST", "/_sim/control", bad)
            self.assertEqual(st, 400, bad)
        st = self.sim.get_json("/_sim/control")
        self.assertEqual(st["nodes"], 1)  # nothing half-applied
        self.assertFalse(st["tamper_response"])


class TestHTTPS(SimCase):
    HTTPS = True

    def test_https_with_cert_as_ca(self):
        for host in ("127.0.0.1", "localhost"):
            c = self.sim.conn(https=True, host=host)
            c.request("POST", "/v1/chat/completions", body=CHAT_BODY)
            r = c.getresponse()
            data = r.read()
            self.assertEqual(r.status, 200)
            c.close()
        cid = json.loads(data)["id"]
        st, _, sig = self.sim.request("GET", "/v1/signature/" + cid, https=True)
        self.assertEqual(st, 200)
        rc, out = cli_verify(CHAT_BODY, data, sig, self.k["ecdsa_address"])
        self.assertEqual(rc, EXIT_VERIFIED, out)

    def test_untrusted_without_ca(self):
        ctx = ssl.create_default_context()
        c = http.client.HTTPSConnection("127.0.0.1", self.sim.ports["https_port"],
                                        context=ctx, timeout=10)
        with self.assertRaises(ssl.SSLCertVerificationError):
            c.request("GET", "/v1/attestation/report")
        c.close()

    def test_cert_is_p256_self_signed(self):
        spki = spki_of_pem(self.sim.cert)
        # id-ecPublicKey + prime256v1 OIDs
        self.assertIn(bytes.fromhex("2a8648ce3d0201"), spki)
        self.assertIn(bytes.fromhex("2a8648ce3d030107"), spki)


FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
PCCS_CASE = os.path.join(FIXTURES, "tdx", "dcapqvl_near_v4_uptodate")


@unittest.skipUnless(os.path.isdir(PCCS_CASE), "TEEATTEST_FIXTURES not set")
class TestPccs(SimCase):
    ARGS = ("--pccs-dir", PCCS_CASE)

    def fixture(self, name):
        with open(os.path.join(PCCS_CASE, name), "rb") as f:
            return f.read()

    def check_chain(self, r, header, name):
        from urllib.parse import unquote
        raw = r.getheader(header)
        self.assertNotIn(" ", raw)
        self.assertIn("%2B", raw) if "+" in self.fixture(name).decode() else None
        self.assertEqual(unquote(raw).encode(), self.fixture(name))

    def test_tcb_info(self):
        fmspc = json.loads(self.fixture("tcb_info.json"))["tcbInfo"]["fmspc"]
        st, r, data = self.sim.request(
            "GET", "/tdx/certification/v4/tcb?fmspc=" + fmspc.upper())
        self.assertEqual(st, 200)
        self.assertEqual(data, self.fixture("tcb_info.json"))
        self.check_chain(r, "TCB-Info-Issuer-Chain", "tcb_info_issuer_chain.pem")
        self.assertTrue(r.getheader("Request-ID"))
        st, _, _ = self.sim.request("GET", "/tdx/certification/v4/tcb?fmspc="
                                    "000000000000")
        self.assertEqual(st, 404)
        st, _, _ = self.sim.request("GET", "/tdx/certification/v4/tcb")
        self.assertEqual(st, 400)

    def test_qe_identity(self):
        st, r, data = self.sim.request("GET", "/tdx/certification/v4/qe/identity")
        self.assertEqual(st, 200)
        self.assertEqual(data, self.fixture("qe_identity.json"))
        self.check_chain(r, "SGX-Enclave-Identity-Issuer-Chain",
                         "qe_identity_issuer_chain.pem")

    def test_crls(self):
        st, r, data = self.sim.request(
            "GET", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der")
        self.assertEqual(st, 200)
        self.assertEqual(data, self.fixture("pck_crl.der"))
        self.assertEqual(r.getheader("Content-Type"), "application/pkix-crl")
        self.check_chain(r, "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem")
        st, r, pem = self.sim.request("GET",
                                      "/sgx/certification/v4/pckcrl?ca=platform")
        import base64
        b64 = b"".join(l for l in pem.splitlines() if b"-----" not in l)
        self.assertEqual(base64.b64decode(b64), self.fixture("pck_crl.der"))
        st, _, _ = self.sim.request("GET", "/sgx/certification/v4/pckcrl?ca=x")
        self.assertEqual(st, 400)
        st, _, data = self.sim.request("GET", "/sgx/certification/v4/rootcacrl")
        self.assertEqual(bytes.fromhex(data.decode()),
                         self.fixture("root_ca_crl.der"))
        st, _, data = self.sim.request("GET", "/IntelSGXRootCA.der")
        self.assertEqual(data, self.fixture("root_ca_crl.der"))

    def test_faults_apply(self):
        self.sim.control(fail_next=[503])
        st, _, _ = self.sim.request("GET", "/tdx/certification/v4/qe/identity")
        self.assertEqual(st, 503)


def main():
    global SIM, CLI
    if len(sys.argv) < 3:
        sys.exit("usage: test_sim.py SIM_EXE TEEATTEST_EXE [unittest args]")
    SIM, CLI = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))


if __name__ == "__main__":
    main()
