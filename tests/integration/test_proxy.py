#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`teeattest proxy` in front of the loopback simulator (docs/proxy.md).

Usage: test_proxy.py TEEATTEST TEEATTEST_SIM [TestClass ...]

Clients: curl and Python's http.client (TestProxyCurl, TestProxyFaults),
the official OpenAI Node SDK (TestProxyOpenAI: npm package "openai",
installed with npm into a scratch directory under the build directory;
skipped where node or npm is missing, failed under CI=true), and 32
concurrent streaming clients (TestProxyLoad). Faults come from the
simulator's /_sim/control. Never touches the internet except npm's
registry for the SDK; every other URL is a 127.0.0.1 address of a process
this test started. Timeouts are exercised with a simulator that never
answers, never with a race against the clock.
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

import runner
from simproc import SimProcess

TOOL = None
SIM = None
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = "m"
# The dialects the simulator plays and the simulator quirks they need
# (paths collide). io.net's signing key is not bound by its attestation,
# so it runs with a pinned signer (--expect-signer); and io.net signs
# canonicalised JSON, not the wire bytes (docs/signatures.md), so the
# proxy must refuse its answers: the hashes do not match what was sent.
# aci (ACI/1) answers are checked by their receipts against the attested
# keyset, over HTTPS: the keyset lists the simulator's TLS key, which the
# proxy pins.
DIALECTS = {"redpill": "redpill", "phala": "redpill", "nearai": "redpill",
            "nanogpt": "nanogpt", "venice": "venice", "ionet": "ionet",
            "aci": "aci"}
UNVERIFIABLE = {"ionet"}
# Tests that expect a request to attest again at once after a failure.
NO_BACKOFF = ["--reattest-backoff", "0"]


def sim_address():
    keys = subprocess.run([SIM, "--seed", "3", "--print-keys"],
                          capture_output=True, check=True, timeout=60)
    return json.loads(keys.stdout)["ecdsa_address"]


def clean_env(extra=None):
    env = dict(os.environ)
    for k in list(env):
        if k.endswith("_API_KEY") or k.lower().endswith("_proxy") or \
                k == "TEEATTEST_PROXY_TOKEN":
            del env[k]
    env.update(extra or {})
    return env


class Sims:
    """One simulator per quirk set, same seed (so one TEST root)."""

    def __init__(self):
        self.sims = {}
        self.root = None

    def get(self, quirks, name=None, args=()):
        """The simulator for these quirks (HTTPS too for aci); another
        `name` starts another one (its own TLS key; `args` added)."""
        name = name or quirks
        if name not in self.sims:
            sim = SimProcess(SIM, args=["--seed", "3", "--no-gpu",
                                        "--dialect", quirks, *args],
                             https=quirks == "aci" or name != quirks,
                             prefix="test-proxy-")
            sim.https_url = "https://127.0.0.1:%d" % \
                sim.ports["https_port"] if "https_port" in sim.ports else None
            self.sims[name] = sim
            if self.root is None:
                self.root = os.path.join(sim.dir.name, "root.der")
                with urllib.request.urlopen(sim.url + "/_sim/tdx-root.der",
                                            timeout=60) as r, \
                        open(self.root, "wb") as f:
                    f.write(r.read())
        return self.sims[name]

    def stop(self):
        for sim in self.sims.values():
            sim.stop()


class Proxy:
    """`teeattest proxy` on an ephemeral loopback port."""

    def __init__(self, sims, dialect="redpill", extra=(), env=None,
                 base=None, ca_file=None, sim=None):
        self.sim = sim or sims.get(DIALECTS[dialect])
        if base is None and dialect == "aci":
            base, ca_file = self.sim.https_url, self.sim.cert
        if base is None:
            base = self.sim.url + ("/api" if dialect in ("nanogpt", "venice")
                                   else "")
        self.err = tempfile.TemporaryFile()
        args = [TOOL, "proxy", "--provider", dialect, "--base-url", base,
                "--model", MODEL, "--listen", "127.0.0.1:0",
                "--pccs", self.sim.url, "--test-root", sims.root,
                "--no-gpu", "--gpu-online", "none", *extra]
        if ca_file:
            args += ["--ca-file", ca_file]
        if dialect == "ionet" and "--expect-signer" not in extra:
            args += ["--expect-signer", sim_address()]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=self.err, env=clean_env(env))
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening on "):
            raise AssertionError("proxy did not start: %r %s"
                                 % (line, self.stderr()))
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stderr(self):
        if self.err.closed:
            return self.err_text
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def stop(self):
        """SIGTERM; the exit status (0: a clean stop)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=120)
        self.proc.stdout.close()
        if not self.err.closed:
            self.err_text = self.stderr()
            self.err.close()
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict lower-cased, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            c.close()

    def chat(self, stream=False, headers=None, model=MODEL):
        body = json.dumps({"model": model, "stream": stream, "messages": [
            {"role": "user", "content": "hello"}]}).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        return self.request("POST", "/v1/chat/completions", body, h)

    def status(self):
        st, _, body = self.request("GET", "/teeattest/status")
        assert st == 200, body
        return json.loads(body)


def sse_events(body):
    """[(event, data)] of an SSE body; comments as ("comment", text)."""
    out = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith(":"):
                out.append(("comment", line[1:].strip()))
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            out.append((event, "\n".join(data)))
    return out


class ProxyCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        cls.sims = Sims()
        cls.sims.get("redpill")

    @classmethod
    def tearDownClass(cls):
        cls.sims.stop()

    def start(self, dialect="redpill", extra=(), env=None, base=None,
              ca_file=None, sim=None):
        p = Proxy(self.sims, dialect, extra, env, base, ca_file, sim)
        self.addCleanup(self.stopped, p)
        return p

    def stopped(self, p):
        self.assertEqual(p.stop(), 0, p.stderr())

    def fault(self, sim, **settings):
        sim.control(dict(settings, reset=True))
        self.addCleanup(sim.control, {"reset": True})

    def assert_verified_plain(self, p, pinned=False):
        st, h, body = p.chat()
        self.assertEqual(st, 200, body)
        self.assertEqual(h["x-teeattest-verdict"],
                         "pinned" if pinned else "verified")
        self.assertTrue(h["x-teeattest-signer"])
        if not pinned:
            self.assertRegex(h["x-teeattest-attested-at"],
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        doc = json.loads(body)
        self.assertIn("simulated answer", doc["choices"][0]["message"]
                      ["content"])
        return h

    def assert_verified_stream(self, p):
        st, h, body = p.chat(stream=True)
        self.assertEqual(st, 200, body)
        self.assertEqual(h["content-type"], "text/event-stream")
        ev = sse_events(body)
        self.assertEqual(ev[-1], (None, "[DONE]"))
        self.assertEqual(ev[-2][0], "comment")
        self.assertRegex(ev[-2][1], r"^teeattest verdict=(verified|pinned) "
                                    r"signer=\S+")
        chunks = [json.loads(d) for e, d in ev[:-2] if e is None]
        self.assertGreater(len(chunks), 2)
        return ev

    def assert_refused(self, result, status, code, check=None):
        st, h, body = result
        self.assertEqual(st, status, body)
        self.assertEqual(h["content-type"], "application/json")
        err = json.loads(body)["error"]
        self.assertEqual(err["code"], code, err)
        self.assertNotIn("x-teeattest-verdict", h)
        if check:
            self.assertIn(check, err["failed_checks"], err)
            self.assertIn(check, err["message"])
        return err

    def assert_stream_error(self, result, code, check=None):
        st, h, body = result
        self.assertEqual(st, 200, body)
        ev = sse_events(body)
        self.assertNotIn((None, "[DONE]"), ev)
        self.assertEqual(ev[-1][0], "error", ev[-3:])
        err = json.loads(ev[-1][1])["error"]
        self.assertEqual(err["code"], code, err)
        if check:
            self.assertIn(check, err["failed_checks"], err)
        return err


class TestProxyCurl(ProxyCase):
    """curl, streaming and not, through the proxy for every dialect the
    simulator plays; /v1/models and /teeattest/status."""

    def curl(self, p, stream):
        body = json.dumps({"model": MODEL, "stream": stream, "messages": [
            {"role": "user", "content": "hi"}]})
        r = subprocess.run(["curl", "-sS", "-N", "-D", "-", "-H",
                            "Content-Type: application/json", "--data", body,
                            p.url + "/v1/chat/completions"],
                           capture_output=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, rest = r.stdout.partition(b"\r\n\r\n")
        return head.decode(), rest

    def test_dialects(self):
        if not shutil.which("curl"):
            self.skipTest("curl missing")
        for dialect in DIALECTS:
            with self.subTest(dialect=dialect):
                p = self.start(dialect)
                head, body = self.curl(p, False)
                if dialect in UNVERIFIABLE:
                    self.assertIn(" 502 ", head.splitlines()[0], body)
                    err = json.loads(body)["error"]
                    self.assertIn("signature.hash.request",
                                  err["failed_checks"])
                    head, body = self.curl(p, True)
                    ev = sse_events(body)
                    self.assertNotIn((None, "[DONE]"), ev)
                    self.assertEqual(ev[-1][0], "error")
                    continue
                self.assertIn(" 200 ", head.splitlines()[0], body)
                verdict = "verified"
                self.assertIn("X-Teeattest-Verdict: " + verdict, head)
                self.assertIn("simulated answer", json.loads(body)
                              ["choices"][0]["message"]["content"])
                head, body = self.curl(p, True)
                self.assertIn("text/event-stream", head)
                ev = sse_events(body)
                self.assertEqual(ev[-1], (None, "[DONE]"))
                self.assertTrue(ev[-2][1].startswith(
                    "teeattest verdict=" + verdict), ev[-2])

    def test_pinned(self):
        """--expect-signer: no attestation; answers marked pinned; another
        signer is refused."""
        p = self.start(extra=["--expect-signer", sim_address()])
        self.assert_verified_plain(p, pinned=True)
        ev = self.assert_verified_stream(p)
        self.assertTrue(ev[-2][1].startswith("teeattest verdict=pinned"))
        self.assertEqual(p.status()["attestation"]["mode"], "pinned")
        self.fault(p.sim, wrong_signer=True)
        self.assert_refused(p.chat(), 502, "signature_verification_failed")

    def test_models_and_status(self):
        p = self.start()
        st, _, body = p.request("GET", "/v1/models")
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["object"], "list")
        self.assert_verified_plain(p)
        doc = p.status()
        self.assertEqual(doc["provider"], "redpill")
        self.assertEqual(doc["e2ee"], {"enabled": False, "suite": None})
        self.assertTrue(doc["attestation"]["verified"])
        self.assertEqual(doc["attestation"]["result"]["verdict"], "verified")
        self.assertEqual(doc["counters"]["verified"], 1)
        st, _, body = p.request("GET", "/v1/nothing")
        self.assertEqual(st, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "not_found")

    def test_authorization_not_forwarded(self):
        p = self.start()
        p.sim.control({"clear_log": True})
        st, _, body = p.chat(headers={"Authorization": "Bearer client-key"})
        self.assertEqual(st, 200, body)
        chats = [r for r in p.sim.log()["requests"]
                 if r["path"] == "/v1/chat/completions"]
        self.assertEqual(len(chats), 1)
        names = [n.lower() for n in chats[0]["headers"]]
        self.assertNotIn("authorization", names)

    def test_bearer_token(self):
        p = self.start(env={"TEEATTEST_PROXY_TOKEN": "s3cret"})
        st, _, body = p.chat()
        self.assertEqual(st, 401, body)
        self.assertEqual(json.loads(body)["error"]["code"], "invalid_api_key")
        st, _, body = p.chat(headers={"Authorization": "Bearer wrong!"})
        self.assertEqual(st, 401, body)
        st, h, body = p.chat(headers={"Authorization": "Bearer s3cret"})
        self.assertEqual((st, h["x-teeattest-verdict"]), (200, "verified"))

    def test_other_model_refused(self):
        p = self.start()
        st, _, body = p.chat(model="another")
        self.assertEqual(st, 400, body)
        self.assertEqual(json.loads(body)["error"]["code"],
                         "model_not_attested")

    def test_buffer_streams(self):
        p = self.start(extra=["--buffer-streams"])
        self.assert_verified_stream(p)
        self.fault(p.sim, tamper_response=True)
        st, _, body = p.chat(stream=True)
        ev = sse_events(body)
        # Nothing of the unverified answer reaches the client.
        self.assertEqual([e for e, _ in ev], ["error"], ev)
        # An answer that fails before any event: the plain JSON error.
        self.fault(p.sim, fail_next=[500])
        self.assert_refused(p.chat(stream=True), 502, "upstream_error")
        self.assert_verified_stream(p)

    def test_save_dir(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        p = self.start(extra=["--save-dir", d.name])
        self.assert_verified_plain(p)
        self.assert_verified_stream(p)
        files = sorted(os.listdir(d.name))
        self.assertEqual(files, ["exchange-000001.json",
                                 "exchange-000002.json"])
        for f in files:
            r = subprocess.run([TOOL, "verify", os.path.join(d.name, f),
                                "--test-root", self.sims.root, "--no-gpu"],
                               capture_output=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_usage(self):
        for args, msg in (
                (["--listen", "0.0.0.0:0"], "--allow-remote"),
                (["--listen", "0.0.0.0:0", "--allow-remote"],
                 "TEEATTEST_PROXY_TOKEN"),
                (["--listen", "nowhere"], "--listen"),
                (["--reattest", "soon"], "--reattest"),
                (["--upstream-timeout", "0"], "--upstream-timeout")):
            with self.subTest(args=args):
                r = subprocess.run([TOOL, "proxy", "--provider", "redpill",
                                    *args], capture_output=True, timeout=60,
                                   env=clean_env())
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr.decode())


class TestProxyFaults(ProxyCase):
    """Every fault gives the client the documented error, streaming and
    not, and the proxy keeps serving."""

    def each(self, p, settings, status, code, check=None, stream=True):
        self.fault(p.sim, **settings)
        err = self.assert_refused(p.chat(), status, code, check)
        if stream:
            self.fault(p.sim, **settings)
            self.assert_stream_error(p.chat(stream=True), code, check)
        p.sim.control({"reset": True})
        self.assert_verified_plain(p)
        return err

    def test_signature_faults(self):
        p = self.start()
        self.each(p, {"tamper_response": True}, 502,
                  "signature_verification_failed", "signature.hash.response")
        self.each(p, {"sign_other_request": True}, 502,
                  "signature_verification_failed", "signature.hash.request")
        self.each(p, {"expire_signatures": True}, 502,
                  "signature_unavailable")
        # A changed r recovers another key, or none (then also
        # signature.ecdsa.recover): the expected signer never matches.
        self.each(p, {"bad_signature": True}, 502,
                  "signature_verification_failed",
                  "signature.signer.expected")
        self.each(p, {"wrong_signer": True}, 502,
                  "signature_verification_failed",
                  "signature.signer.expected")

    def test_upstream_faults(self):
        p = self.start()
        self.each(p, {"fail_next": [500]}, 502, "upstream_error",
                  stream=False)
        self.fault(p.sim, fail_next=[500])
        self.assert_refused(p.chat(stream=True), 502, "upstream_error")
        # Two drops: libcurl retries a request whose reused connection
        # was closed once, on a new connection.
        self.each(p, {"drop_connection": 2}, 502, "upstream_unreachable",
                  stream=False)
        self.fault(p.sim, drop_connection=2)
        self.assert_refused(p.chat(stream=True), 502, "upstream_unreachable")
        self.assert_verified_stream(p)

    def test_hang(self):
        """A provider that never answers: the request gets 504 after the
        per-request timeout (the simulator never answers, so the timeout
        always wins); a stream stalled halfway ends with an error event.
        Meanwhile the proxy answers a status request."""
        p = self.start(extra=["--upstream-timeout", "1"])
        self.fault(p.sim, first_byte_never=True)
        self.assert_refused(p.chat(), 504, "upstream_timeout")
        self.assert_refused(p.chat(stream=True), 504, "upstream_timeout")
        self.fault(p.sim, stall_forever=True)
        self.assert_stream_error(p.chat(stream=True), "upstream_timeout")
        p.sim.control({"reset": True})
        self.assert_verified_plain(p)

    def test_wrong_nonce(self):
        """An attestation bound to another nonce never verifies: 503
        naming the check, until the provider is fixed."""
        sim = self.sims.get("redpill")
        self.fault(sim, wrong_nonce=True)
        p = self.start(extra=NO_BACKOFF)
        err = self.assert_refused(p.chat(), 503, "attestation_failed",
                                  "entry[0].binding.nonce")
        self.assertIn("no verified attestation", err["message"])
        self.assert_refused(p.chat(stream=True), 503, "attestation_failed")
        self.assertFalse(p.status()["attestation"]["verified"])
        sim.control({"reset": True})
        self.assert_verified_plain(p)
        self.assertTrue(p.status()["attestation"]["verified"])

    def test_signer_rotation(self):
        """A second node joins: its answer names a signer the attestation
        does not; the proxy attests again and carries on. A third joins
        while attestations fail: 503."""
        p = self.start(extra=NO_BACKOFF)
        self.assert_verified_plain(p)
        gen = p.status()["attestation"]["generation"]
        self.fault(p.sim, nodes=2)
        signers = {self.assert_verified_plain(p)["x-teeattest-signer"]
                   for _ in range(2)}
        self.assertEqual(len(signers), 2)
        self.assertEqual(p.status()["attestation"]["generation"], gen + 1)
        self.assert_verified_stream(p)
        # Node 2's signer is new, and its attestation fails: 503 from
        # then on (each request tries again) until one verifies.
        self.fault(p.sim, nodes=3, wrong_nonce=True)
        results = [p.chat() for _ in range(3)]
        self.assertIn(503, [r[0] for r in results])
        for r in results[[r[0] for r in results].index(503):]:
            self.assert_refused(r, 503, "attestation_failed",
                                "entry[0].binding.nonce")
        p.sim.control({"reset": True, "nodes": 3})
        for _ in range(3):
            self.assert_verified_plain(p)

    def test_shutdown_mid_stream(self):
        """SIGTERM while a stream waits for a stalled provider: the client's
        stream ends without [DONE] and the proxy exits 0 at once (the
        upstream timeout is the default 120 s: no race)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(signal=sig):
                p = Proxy(self.sims)
                self.fault(p.sim, stall_forever=True)
                c = http.client.HTTPConnection("127.0.0.1", p.port,
                                               timeout=600)
                c.request("POST", "/v1/chat/completions", json.dumps(
                    {"model": MODEL, "stream": True, "messages": []}))
                r = c.getresponse()
                self.assertEqual(r.status, 200)
                r.read1(10)  # the first events arrived: now it stalls
                p.proc.send_signal(sig)
                try:
                    rest = r.read()
                except http.client.IncompleteRead as e:
                    rest = e.partial
                c.close()
                self.assertNotIn(b"[DONE]", rest)
                self.assertEqual(p.stop(), 0, p.stderr())
                self.assertIn("stopping", p.stderr())

    def test_interrupted_client(self):
        """A client that goes away mid-stream costs only its request."""
        p = self.start()
        self.fault(p.sim, slow_ms=50)
        c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=600)
        c.request("POST", "/v1/chat/completions", json.dumps(
            {"model": MODEL, "stream": True, "messages": []}))
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        r.read(10)
        c.close()
        p.sim.control({"reset": True})
        self.assert_verified_stream(p)


class TestProxyAci(ProxyCase):
    """--provider aci: each answer's receipt, fetched over the connection
    pinned to the attested TLS key, verified against the attested keyset
    over the exact request and response bytes; every fault gives the
    documented error, and nothing is forwarded without an attestation."""

    def chats(self, sim):
        return [r for r in sim.log()["requests"]
                if r["path"] == "/v1/chat/completions"]

    def test_verified(self):
        p = self.start("aci")
        p.sim.control({"clear_log": True})
        h = self.assert_verified_plain(p)
        self.assertEqual(h["x-teeattest-signer"], "sim-receipt-ed25519")
        ev = self.assert_verified_stream(p)
        self.assertIn("signer=sim-receipt-ed25519", ev[-2][1])
        paths = [r["path"] for r in p.sim.log()["requests"]]
        self.assertEqual(len([x for x in paths
                              if x.startswith("/v1/aci/receipts/")]), 2)
        self.assertEqual(p.status()["counters"]["verified"], 2)

    def test_receipt_faults(self):
        p = self.start("aci")
        for fault, check in (("aci_unlisted_key", "aci.receipt.signature"),
                             ("aci_body_hash_other",
                              "aci.receipt.request_hash")):
            with self.subTest(fault=fault):
                self.fault(p.sim, **{fault: True})
                self.assert_refused(p.chat(), 502,
                                    "receipt_verification_failed", check)
                self.assert_stream_error(p.chat(stream=True),
                                         "receipt_verification_failed",
                                         check)
                p.sim.control({"reset": True})
                self.assert_verified_plain(p)

    def test_wrong_digest(self):
        """A report whose restated keyset digest is not the keyset's: no
        attestation, 503 naming aci.keyset_digest, nothing forwarded."""
        sim = self.sims.get("aci")
        self.fault(sim, aci_wrong_digest=True, clear_log=True)
        p = self.start("aci", extra=NO_BACKOFF)
        self.assert_refused(p.chat(), 503, "attestation_failed",
                            "aci.keyset_digest")
        self.assert_refused(p.chat(stream=True), 503, "attestation_failed",
                            "aci.keyset_digest")
        self.assertEqual(self.chats(sim), [])
        sim.control({"reset": True})
        self.assert_verified_plain(p)

    def test_save_dir(self):
        """--save-dir: per exchange the files 'teeattest aci
        verify-receipt' re-verifies offline."""
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        p = self.start("aci", extra=["--save-dir", d.name])
        self.assert_verified_plain(p)
        self.assert_verified_stream(p)
        dirs = sorted(os.listdir(d.name))
        self.assertEqual(dirs, ["exchange-000001", "exchange-000002"])
        for sub, resp in zip(dirs, ("response_body.json",
                                    "response_body.sse")):
            f = {n: os.path.join(d.name, sub, n) for n in
                 ("receipt.json", "keyset.json", "request_body.json", resp)}
            self.assertEqual(sorted(os.listdir(os.path.join(d.name, sub))),
                             sorted(f))
            r = subprocess.run([TOOL, "aci", "verify-receipt",
                                "--receipt", f["receipt.json"],
                                "--keyset", f["keyset.json"],
                                "--request", f["request_body.json"],
                                "--response", f[resp]],
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_usage(self):
        r = subprocess.run([TOOL, "proxy", "--provider", "aci",
                            "--expect-signer", "receipt-1"],
                           capture_output=True, timeout=60, env=clean_env())
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("receipt", r.stderr.decode())


class TestProxyE2ee(ProxyCase):
    """--provider aci --e2ee: each client request encrypted (E2EE v2) to a
    key of the attested keyset, each answer decrypted with every field's
    AAD checked and released as plaintext only after its receipt verified
    (aci.e2ee.key, aci.e2ee.response). The simulator's service half checks
    X-E2EE-Timestamp against its clock (--pki-time); the proxy's clock is
    --at, so nothing depends on the wall clock. Clients: http.client, curl
    and the OpenAI Node SDK (skipped where node or npm is missing)."""

    PKI_TIME = 1796000000            # the simulator's clock
    AT = PKI_TIME + 60               # the proxy's (--at)
    SUITES = (("x25519", "x25519-aes-256-gcm-hkdf-sha256",
               "sim-e2ee-x25519"),
              ("secp256k1", "secp256k1-aes-256-gcm-hkdf-sha256",
               "sim-e2ee-secp256k1"))

    @classmethod
    def setUpClass(cls):
        if SIM in (None, "-"):
            raise unittest.SkipTest("simulator not built")
        cls.sims = Sims()
        # first, so that its TEST root is the one passed to the proxy
        cls.sim = cls.sims.get("aci", "aci-e2ee",
                               ["--pki-time", str(cls.PKI_TIME)])

    def setUp(self):
        self.sim.control({"reset": True})

    def e2ee(self, suite=None, extra=(), at=None):
        args = ["--e2ee", "--at", str(at or self.AT)]
        if suite:
            args += ["--e2ee-suite", suite]
        return self.start("aci", extra=[*args, *extra], sim=self.sim)

    def plain_proxy(self):
        """The same provider without --e2ee: what the simulator serves."""
        return self.start("aci", extra=["--at", str(self.AT)], sim=self.sim)

    def chats(self):
        return [r for r in self.sim.log()["requests"]
                if r["path"] == "/v1/chat/completions"]

    @staticmethod
    def body(stream):
        return json.dumps({"model": MODEL, "stream": stream, "messages": [
            {"role": "user", "content": "hello"}]}).encode()

    def assert_sim_saw_ciphertext(self, stream):
        """The last chat the simulator got carried the E2EE headers, not
        the client's bytes, and the service decrypted it (200)."""
        r = self.chats()[-1]
        names = {h.lower() for h in r["headers"]}
        for h in ("x-e2ee-version", "x-client-pub-key", "x-model-pub-key",
                  "x-e2ee-nonce", "x-e2ee-timestamp"):
            self.assertIn(h, names, r)
        self.assertEqual(r["status"], 200, r)
        self.assertNotEqual(r["body_sha256"], hashlib.sha256(
            self.body(stream)).hexdigest())
        self.assertGreater(r["body_len"], len(self.body(stream)))

    def stream_text(self, body):
        ev = sse_events(body)
        self.assertEqual(ev[-1], (None, "[DONE]"), ev[-3:])
        self.assertEqual(ev[-2][0], "comment")
        chunks = [json.loads(d) for e, d in ev[:-2] if e is None]
        text = ""
        for c in chunks:
            for ch in c["choices"]:
                text += ch.get("delta", {}).get("content") or ""
        return ev[-2][1], text

    def test_plaintext_both_suites(self):
        """http.client, streaming and not, both suites: the client gets
        plaintext equal to what the simulator serves without E2EE; the
        simulator saw only the encrypted request."""
        q = self.plain_proxy()
        st, _, body = q.chat()
        self.assertEqual(st, 200, body)
        want = json.loads(body)["choices"][0]["message"]["content"]
        st, _, body = q.chat(stream=True)
        self.assertEqual(st, 200, body)
        _, want_stream = self.stream_text(body)
        self.assertIn("simulated answer", want)
        for suite, algo, key_id in self.SUITES:
            with self.subTest(suite=suite):
                p = self.e2ee(suite)
                st, h, body = p.chat()
                self.assertEqual(st, 200, body)
                self.assertEqual(h["x-teeattest-verdict"], "verified")
                self.assertEqual(h["x-teeattest-e2ee"], algo)
                self.assertEqual(h["x-teeattest-e2ee-key"], key_id)
                self.assertEqual(h["x-teeattest-attested-at"],
                                 time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                               time.gmtime(self.AT)))
                doc = json.loads(body)
                self.assertEqual(doc["choices"][0]["message"]["content"],
                                 want)
                self.assertNotIn("ciphertext", body.decode())
                self.assert_sim_saw_ciphertext(False)
                st, h, body = p.chat(stream=True)
                self.assertEqual(st, 200, body)
                comment, text = self.stream_text(body)
                self.assertEqual(text, want_stream)
                self.assertRegex(comment, r"^teeattest verdict=verified "
                                 r"signer=\S+ attested_at=\S+ e2ee=%s "
                                 r"e2ee_key=%s$" % (algo, key_id))
                self.assert_sim_saw_ciphertext(True)
                self.assertEqual(p.status()["counters"]["verified"], 2)

    def test_default_suite(self):
        p = self.e2ee()
        st, h, body = p.chat()
        self.assertEqual(st, 200, body)
        self.assertEqual(h["x-teeattest-e2ee-key"], "sim-e2ee-x25519")
        # /teeattest/status: E2EE on, no suite fixed (the keyset's choice)
        self.assertEqual(p.status()["e2ee"], {"enabled": True, "suite": None})

    def test_status_suite(self):
        """/teeattest/status names the suite --e2ee-suite fixed."""
        for suite, algo, _ in self.SUITES:
            p = self.e2ee(suite)
            self.assertEqual(p.status()["e2ee"],
                             {"enabled": True, "suite": algo})

    def curl(self, p, stream):
        r = subprocess.run(["curl", "-sS", "-N", "-D", "-", "-H",
                            "Content-Type: application/json", "--data",
                            self.body(stream),
                            p.url + "/v1/chat/completions"],
                           capture_output=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        head, _, rest = r.stdout.partition(b"\r\n\r\n")
        return head.decode().lower(), rest

    def test_curl(self):
        if not shutil.which("curl"):
            self.skipTest("curl missing")
        for suite, algo, key_id in self.SUITES:
            with self.subTest(suite=suite):
                p = self.e2ee(suite)
                head, body = self.curl(p, False)
                self.assertIn(" 200 ", head.splitlines()[0], body)
                self.assertIn("x-teeattest-e2ee: " + algo, head)
                self.assertIn("simulated answer", json.loads(body)
                              ["choices"][0]["message"]["content"])
                head, body = self.curl(p, True)
                self.assertIn("text/event-stream", head)
                comment, text = self.stream_text(body)
                self.assertIn("simulated answer", text)
                self.assertIn("e2ee=" + algo, comment)

    def assert_e2ee_refused(self, p, stream):
        """A fault the E2EE checks catch: the plain answer gets 502
        naming aci.e2ee.response; a stream ends with the error (before or
        after its first chunk: the chunks before it were relayed as they
        decrypted) and no [DONE]; a plain answer is not released at all."""
        st, h, body = p.chat(stream=stream)
        self.assertNotIn("x-teeattest-verdict", h)
        if not stream:
            self.assertNotIn(b"simulated", body)
        if st == 200:
            self.assertTrue(stream, body)
            err = self.assert_stream_error((st, h, body),
                                           "e2ee_decryption_failed")
        else:
            self.assertEqual(st, 502, body)
            err = json.loads(body)["error"]
            self.assertIn(err["code"], ("receipt_verification_failed",
                                        "e2ee_decryption_failed"), err)
        self.assertIn("aci.e2ee.response", err["failed_checks"], err)
        self.assertIn("aci.e2ee.response", err["message"])
        return err

    def test_tamper_and_replay(self):
        p = self.e2ee()
        for fault in ("aci_e2ee_tamper", "aci_e2ee_replay"):
            for stream in (False, True):
                with self.subTest(fault=fault, stream=stream):
                    self.sim.control({"reset": True})
                    st, _, body = p.chat()   # an earlier request (replay)
                    self.assertEqual(st, 200, body)
                    self.fault(self.sim, **{fault: True})
                    self.assert_e2ee_refused(p, stream)
                    self.sim.control({"reset": True})
        counters = p.status()["counters"]
        self.assertEqual(counters["rejected"], 4)
        self.assertEqual(counters["verified"], 4)

    def test_unlisted_key_never_used(self):
        """The report advertises an E2EE key outside the quote-bound
        keyset: the proxy encrypts to the keyset's key only."""
        self.fault(self.sim, aci_e2ee_unlisted=True)
        with urllib.request.urlopen(
                self.sim.url + "/v1/aci/attestation?nonce=" + "ab" * 32,
                timeout=60) as r:
            rep = json.loads(r.read())
        other = rep["service_capabilities"]["e2ee_public_key"]
        keys = rep["attestation"]["workload_keyset"]["e2ee_public_keys"]
        self.assertNotIn(other, [k["public_key"] for k in keys])
        self.assertIn("sim-e2ee-x25519", [k["key_id"] for k in keys])
        p = self.e2ee()
        st, h, body = p.chat()
        self.assertEqual(st, 200, body)
        self.assertEqual(h["x-teeattest-e2ee-key"], "sim-e2ee-x25519")
        st, h, body = p.chat(stream=True)
        self.assertEqual(st, 200, body)
        comment, text = self.stream_text(body)
        self.assertTrue(comment.endswith(" e2ee_key=sim-e2ee-x25519"),
                        comment)
        self.assertIn("simulated answer", text)

    def test_new_tls_key(self):
        """The provider moves to another instance (another TLS key): the
        pinned handshake fails, the new key is attested, and the request
        is encrypted again, in a new session, to the new attestation's
        keyset before that instance gets it. (Both instances have the
        same seed, so the same E2EE keys: this shows the path works, not
        which keyset it read.)"""
        other = self.sims.get("aci", "aci-e2ee-2",
                              ["--pki-time", str(self.PKI_TIME)])
        ca = os.path.join(self.sim.dir.name, "cas.pem")
        with open(ca, "w") as out:
            for sim in (self.sim, other):
                with open(sim.cert) as f:
                    out.write(f.read())
        fwd = Forwarder(self.sim.ports["https_port"])
        self.addCleanup(fwd.stop)
        p = self.start("aci", base="https://127.0.0.1:%d" % fwd.port,
                       ca_file=ca, sim=self.sim,
                       extra=["--e2ee", "--at", str(self.AT), *NO_BACKOFF])
        st, _, body = p.chat()
        self.assertEqual(st, 200, body)
        gen = p.status()["attestation"]["generation"]
        other.control({"reset": True, "clear_log": True})
        fwd.switch(other.ports["https_port"])
        for stream in (False, True):
            st, h, body = p.chat(stream=stream)
            self.assertEqual(st, 200, body)
            self.assertIn(b"simulated", body)
        self.assertEqual(p.status()["attestation"]["generation"], gen + 1)
        chats = [r for r in other.log()["requests"]
                 if r["path"] == "/v1/chat/completions"]
        self.assertEqual([r["status"] for r in chats], [200, 200])
        for r in chats:
            self.assertIn("X-E2EE-Nonce".lower(),
                          {x.lower() for x in r["headers"]})

    def test_clock(self):
        """Without a matching clock the service refuses the timestamp
        (HTTP 400 e2ee_invalid_timestamp): the proxy answers 502
        upstream_error and forwards nothing of it."""
        p = self.e2ee(at=self.PKI_TIME + 600)
        self.assert_refused(p.chat(), 502, "upstream_error")
        self.assertEqual(self.chats()[-1]["status"], 400)

    def test_request_not_encryptable(self):
        """Nothing to encrypt (no messages): 400 before anything is sent."""
        p = self.e2ee()
        self.sim.control({"reset": True, "clear_log": True})
        st, h, body = p.request("POST", "/v1/chat/completions",
                                json.dumps({"model": MODEL}).encode(),
                                {"Content-Type": "application/json"})
        self.assertEqual(st, 400, body)
        self.assertEqual(json.loads(body)["error"]["code"],
                         "e2ee_request_failed")
        self.assertEqual(self.chats(), [])

    def test_usage(self):
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        save = os.path.join(d.name, "saved")
        for args, what in (
                (["--provider", "redpill", "--e2ee"], "--e2ee"),
                (["--provider", "aci", "--e2ee-suite", "x25519"],
                 "--e2ee-suite"),
                (["--provider", "aci", "--e2ee", "--e2ee-suite", "p256"],
                 "--e2ee-suite"),
                (["--provider", "aci", "--e2ee", "--at", "yesterday"],
                 "--at")):
            with self.subTest(args=args):
                r = subprocess.run([TOOL, "proxy", *args, "--listen",
                                    "127.0.0.1:0"], capture_output=True,
                                   timeout=60, env=clean_env())
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(what, r.stderr.decode())
        self.assertFalse(os.path.exists(save))

    def test_save_dir(self):
        """--save-dir with --e2ee: per exchange an evidence bundle (0600)
        with the wire bytes, the receipt and the session's record, which
        'teeattest verify' re-checks offline, E2EE included; an edited
        answer fails bundle.e2ee."""
        d = tempfile.TemporaryDirectory()
        self.addCleanup(d.cleanup)
        p = self.e2ee("secp256k1", extra=["--save-dir", d.name])
        st, _, body = p.chat()
        self.assertEqual(st, 200, body)
        st, _, body = p.chat(stream=True)
        self.assertEqual(st, 200, body)
        files = sorted(os.listdir(d.name))
        self.assertEqual(files, ["exchange-000001.json",
                                 "exchange-000002.json"])
        for f in files:
            path = os.path.join(d.name, f)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            with open(path) as fh:
                b = json.load(fh)
            e = b["aci"]["e2ee"]
            self.assertEqual(e["key_id"], "sim-e2ee-secp256k1")
            self.assertEqual(json.loads(e["restored_request"])["messages"],
                             [{"role": "user", "content": "hello"}])
            r = subprocess.run([TOOL, "verify", path, "--test-root",
                                self.sims.root, "--no-gpu", "--json"],
                               capture_output=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            out = {c["name"]: c["outcome"]
                   for c in json.loads(r.stdout)["checks"]}
            for name in ("aci.e2ee.key", "aci.e2ee.response", "bundle.e2ee",
                         "aci.receipt.request_hash",
                         "aci.receipt.response_hash"):
                self.assertEqual(out[name], "pass", name)
            e["answer"] = e["answer"].replace("simulated", "edited")
            edited = os.path.join(d.name, "edited-" + f)
            with open(edited, "w") as fh:
                json.dump(b, fh)
            r = subprocess.run([TOOL, "verify", edited, "--test-root",
                                self.sims.root, "--no-gpu", "--json"],
                               capture_output=True, timeout=300)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            out = {c["name"]: c["outcome"]
                   for c in json.loads(r.stdout)["checks"]}
            self.assertEqual(out["bundle.e2ee"], "fail")

    def sdk(self, p, stream):
        return TestProxyOpenAI.sdk(self, p, stream)

    def test_openai_sdk(self):
        self.dir, why = openai_sdk()
        if self.dir is None:
            self.skipTest(why)
        q = self.plain_proxy()
        want = {s: self.sdk(q, s)["content"] for s in (False, True)}
        for suite, algo, key_id in self.SUITES:
            p = self.e2ee(suite)
            for stream in (False, True):
                with self.subTest(suite=suite, stream=stream):
                    out = self.sdk(p, stream)
                    self.assertTrue(out["ok"], out)
                    self.assertEqual(out["content"], want[stream])
                    self.assertIn("simulated answer", out["content"])
        p = self.e2ee()
        for fault in ("aci_e2ee_tamper", "aci_e2ee_replay"):
            for stream in (False, True):
                with self.subTest(fault=fault, stream=stream):
                    self.sim.control({"reset": True})
                    self.assertTrue(self.sdk(p, False)["ok"])
                    self.fault(self.sim, **{fault: True})
                    out = self.sdk(p, stream)
                    self.assertFalse(out["ok"], out)
                    self.assertIn(out["error"]["code"],
                                  ("receipt_verification_failed",
                                   "e2ee_decryption_failed"), out)
                    self.assertIn("aci.e2ee.response",
                                  out["error"]["failed_checks"], out)
                    self.sim.control({"reset": True})


class Forwarder:
    """A TCP forwarder on 127.0.0.1 standing for the provider's address:
    a test switches its backend (another simulator: another TLS key), and
    the switch closes the connections in progress, as a redeployed
    service would."""

    def __init__(self, port):
        self.target, self.lock, self.socks = port, threading.Lock(), []
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            with self.lock:
                target = self.target
            try:
                u = socket.create_connection(("127.0.0.1", target), 60)
            except OSError:
                c.close()
                continue
            u.settimeout(None)
            with self.lock:
                self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b),
                                 daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def switch(self, port):
        with self.lock:
            self.target, socks, self.socks = port, self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.srv.close()
        self.switch(None)


class TestProxyPinning(ProxyCase):
    """Where the dialect binds the TLS key (aci's keyset, the dstack-style
    report's TLS fingerprint), the chats go only to the attested key. The
    provider's address moves to another instance (another key): the
    pinned handshake fails, the proxy attests the new key and sends the
    request there only once that verified; an instance whose attestation
    fails never gets the prompt."""

    def key_change(self, dialect, quirks, bad, check):
        sims = [self.sims.get(quirks, "%s-%d" % (quirks, i))
                for i in range(3)]
        ca = os.path.join(sims[0].dir.name, "cas.pem")
        with open(ca, "w") as out:
            for sim in sims:
                with open(sim.cert) as f:
                    out.write(f.read())
        fwd = Forwarder(sims[0].ports["https_port"])
        self.addCleanup(fwd.stop)
        p = self.start(dialect, base="https://127.0.0.1:%d" % fwd.port,
                       ca_file=ca, extra=NO_BACKOFF)
        att = p.status()["attestation"]
        tls = [c for c in att["result"]["checks"]
               if c["name"].endswith("tls")]
        self.assertTrue(tls and all(c["outcome"] == "pass" for c in tls),
                        tls)
        self.assert_verified_plain(p)
        for sim in sims:
            sim.control({"reset": True, "clear_log": True})
        # Another instance, another key: attested, then served.
        fwd.switch(sims[1].ports["https_port"])
        self.assert_verified_plain(p)
        self.assert_verified_stream(p)
        self.assertEqual(p.status()["attestation"]["generation"],
                         att["generation"] + 1)
        self.assertEqual(len(TestProxyAci.chats(self, sims[1])), 2)
        self.assertEqual(TestProxyAci.chats(self, sims[0]), [])
        # An instance whose attestation fails: 503, the prompt never sent.
        sims[2].control({"reset": True, bad: True})
        fwd.switch(sims[2].ports["https_port"])
        self.assert_refused(p.chat(), 503, "attestation_failed", check)
        self.assert_refused(p.chat(stream=True), 503, "attestation_failed",
                            check)
        self.assertEqual(TestProxyAci.chats(self, sims[2]), [])
        self.assertFalse(p.status()["attestation"]["verified"])
        # Back to the verified instance's key: attested again, served.
        fwd.switch(sims[1].ports["https_port"])
        self.assert_verified_plain(p)

    def test_aci(self):
        self.key_change("aci", "aci", "aci_tls_unlisted", "aci.tls")

    def test_dstack_tls_binding(self):
        self.key_change("nearai", "redpill", "wrong_nonce",
                        "entry[0].binding.nonce")


class TestProxyHardening(ProxyCase):
    """The re-attestation backoff after a failure and the idle timeout of
    client keep-alive connections. No test races the clock: the backoff
    is 0 (TestProxyFaults), an hour, or 1 s waited out three times over
    (only its expiry is asserted), and the idle close is only waited for
    (bounded to catch a hang)."""

    def test_backoff_keeps_the_failed_attestation(self):
        sim = self.sims.get("redpill")
        self.fault(sim, wrong_nonce=True)
        p = self.start(extra=["--reattest-backoff", "1h"])
        check = "entry[0].binding.nonce"
        self.assert_refused(p.chat(), 503, "attestation_failed", check)
        # The provider is fixed, but the backoff has not run out: the
        # cached 503, and the provider is not asked for a report.
        sim.control({"reset": True, "clear_log": True})
        for stream in (False, True):
            self.assert_refused(p.chat(stream=stream), 503,
                                "attestation_failed", check)
        self.assertEqual(p.status()["counters"]["attestations"], 1)
        self.assertEqual([r["path"] for r in sim.log()["requests"]], [])

    def test_backoff_expires(self):
        """A short backoff runs out: once clearly longer than it has
        passed, the next request asks the provider for a report again,
        whether the provider is still failing or fixed. Only the waiting
        depends on the clock, and waiting longer only makes the backoff
        more expired; nothing asserts what happens within it (the 1 h
        test above does, with no race)."""
        sim = self.sims.get("redpill")
        self.fault(sim, wrong_nonce=True)
        p = self.start(extra=["--reattest-backoff", "1s"])
        check = "entry[0].binding.nonce"
        # Within the backoff or not (the clock decides, so not asserted):
        # refused either way, the fault is still there.
        self.assert_refused(p.chat(), 503, "attestation_failed", check)

        def reports():
            return [r["path"] for r in sim.log()["requests"]
                    if r["path"] == "/v1/attestation/report"]

        def expire():
            # The last attempt was made before the answer above came
            # back; three times the backoff from now is clearly past it.
            until = time.monotonic() + 3.0
            while time.monotonic() < until:
                time.sleep(until - time.monotonic())

        # Still failing: the expired backoff lets one request try again
        # (one new report asked for), and it is refused again.
        n0 = p.status()["counters"]["attestations"]
        sim.control({"clear_log": True})
        expire()
        self.assert_refused(p.chat(stream=True), 503, "attestation_failed",
                            check)
        self.assertEqual(len(reports()), 1)
        self.assertEqual(p.status()["counters"]["attestations"], n0 + 1)
        # Fixed: after the backoff the next request attests, verified,
        # and the requests after it use that attestation.
        sim.control({"reset": True, "clear_log": True})
        expire()
        self.assert_verified_plain(p)
        self.assert_verified_stream(p)
        self.assertEqual(len(reports()), 1)
        counters = p.status()["counters"]
        self.assertEqual(counters["attestations"], n0 + 2)
        self.assertEqual(counters["attestation_failures"], n0 + 1)

    def test_backoff_usage(self):
        r = subprocess.run([TOOL, "proxy", "--provider", "redpill",
                            "--reattest-backoff", "soon"],
                           capture_output=True, timeout=60, env=clean_env())
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--reattest-backoff", r.stderr.decode())

    def test_idle_timeout(self):
        p = self.start(extra=["--idle-timeout", "1"])
        c = socket.create_connection(("127.0.0.1", p.port), timeout=120)
        self.addCleanup(c.close)
        c.sendall(b"GET /teeattest/status HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += c.recv(65536)
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertIn(b" 200 ", head.split(b"\r\n")[0])
        length = int([h.split(b":")[1] for h in head.split(b"\r\n")
                      if h.lower().startswith(b"content-length:")][0])
        while len(body) < length:
            body += c.recv(65536)
        # Keep-alive, then idle: the proxy closes it (EOF), and serves on.
        rest = c.recv(65536)
        self.assertEqual(rest, b"")
        self.assert_verified_plain(p)

    def test_waiting_request_is_not_idle(self):
        """A request waiting for a slow provider outlives the idle
        timeout: only an idle connection is closed."""
        p = self.start(extra=["--idle-timeout", "1"])
        self.fault(p.sim, first_byte_ms=2500)
        self.assert_verified_plain(p)
        self.fault(p.sim, first_byte_ms=2500)
        self.assert_verified_stream(p)


NODE_DIR = None
NODE_DIR = None
NODE_DIR = None
NODE_DIR = None


def openai_sdk():
    """The scratch directory with the openai package, installed once per
    build directory; None (with the reason) when npm or node is absent."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        return None, "node or npm not installed (scripts/deps.sh --test)"
    root = os.environ.get("TEEATTEST_BUILD_ROOT") or tempfile.gettempdir()
    d = os.path.join(root, "proxy-openai-sdk")
    if not os.path.exists(os.path.join(d, "node_modules", "openai",
                                       "package.json")):
        os.makedirs(d, exist_ok=True)
        r = subprocess.run([npm, "install", "--no-audit", "--no-fund",
                            "--prefix", d, "openai@4"],
                           capture_output=True, timeout=900)
        if r.returncode != 0:
            return None, "npm install openai failed: %s" % \
                r.stderr.decode(errors="replace")[-500:]
    shutil.copy(os.path.join(HERE, "proxy_openai.mjs"), d)
    return d, None


class TestProxyOpenAI(ProxyCase):
    """The official OpenAI Node SDK, unmodified, through the proxy: it gets
    verified answers for every dialect and raises on every fault."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir, why = openai_sdk()
        if cls.dir is None:
            cls.sims.stop()
            raise unittest.SkipTest(why)

    def sdk(self, p, stream):
        r = subprocess.run(["node", os.path.join(self.dir,
                                                 "proxy_openai.mjs"),
                            p.url + "/v1", MODEL,
                            "stream" if stream else "plain"],
                           capture_output=True, timeout=600,
                           env=clean_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout.decode().strip().splitlines()[-1])

    def assert_ok(self, p, stream, verdict="verified"):
        out = self.sdk(p, stream)
        self.assertTrue(out["ok"], out)
        self.assertIn("simulated answer", out["content"])
        if not stream:
            self.assertEqual(out["verdict"], verdict)

    def assert_raises(self, p, stream, code, status=None):
        out = self.sdk(p, stream)
        self.assertFalse(out["ok"], out)
        self.assertEqual(out["error"]["code"], code, out)
        if status:
            self.assertEqual(out["error"]["status"], status, out)
        return out["error"]

    def test_dialects(self):
        for dialect in DIALECTS:
            with self.subTest(dialect=dialect):
                p = self.start(dialect)
                for stream in (False, True):
                    if dialect in UNVERIFIABLE:
                        self.assert_raises(p, stream,
                                           "signature_verification_failed")
                    else:
                        self.assert_ok(p, stream)

    def test_faults_raise(self):
        p = self.start(extra=["--upstream-timeout", "1"])
        bad = "signature_verification_failed"
        cases = [({"tamper_response": True}, bad, "signature.hash.response"),
                 ({"sign_other_request": True}, bad,
                  "signature.hash.request"),
                 ({"expire_signatures": True}, "signature_unavailable", None),
                 ({"wrong_signer": True}, bad, "signature.signer.expected"),
                 ({"fail_next": [500]}, "upstream_error", None),
                 ({"first_byte_never": True}, "upstream_timeout", None),
                 ({"drop_connection": 2}, "upstream_unreachable", None)]
        for settings, code, check in cases:
            for stream in (False, True):
                with self.subTest(fault=settings, stream=stream):
                    self.fault(p.sim, **settings)
                    err = self.assert_raises(p, stream, code)
                    if check:
                        self.assertIn(check, err["failed_checks"], err)
        # Halfway through a stream: the SDK raises on the error event.
        self.fault(p.sim, stall_forever=True)
        self.assert_raises(p, True, "upstream_timeout")
        p.sim.control({"reset": True})
        self.assert_ok(p, True)

    def test_attestation_faults_raise(self):
        sim = self.sims.get("redpill")
        self.fault(sim, wrong_nonce=True)
        p = self.start(extra=NO_BACKOFF)
        for stream in (False, True):
            err = self.assert_raises(p, stream, "attestation_failed", 503)
            self.assertIn("entry[0].binding.nonce", err["failed_checks"])
        sim.control({"reset": True})
        self.assert_ok(p, False)
        # Rotation: the new signer is attested and the SDK carries on.
        self.fault(sim, nodes=2)
        for _ in range(2):
            self.assert_ok(p, False)
        self.assert_ok(p, True)

    def test_aci_faults_raise(self):
        """aci: the SDK raises on every receipt fault and on a failed
        attestation."""
        p = self.start("aci")
        for fault, check in (("aci_unlisted_key", "aci.receipt.signature"),
                             ("aci_body_hash_other",
                              "aci.receipt.request_hash")):
            for stream in (False, True):
                with self.subTest(fault=fault, stream=stream):
                    self.fault(p.sim, **{fault: True})
                    err = self.assert_raises(p, stream,
                                             "receipt_verification_failed")
                    self.assertIn(check, err["failed_checks"], err)
        p.sim.control({"reset": True})
        self.assert_ok(p, True)
        self.fault(p.sim, aci_wrong_digest=True)
        q = self.start("aci")
        for stream in (False, True):
            err = self.assert_raises(q, stream, "attestation_failed", 503)
            self.assertIn("aci.keyset_digest", err["failed_checks"])


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def settled_fds(pid, target=None):
    """The descriptor count once the connection threads that just served
    their last byte have closed theirs: polled until it stops falling
    (or reaches target), bounded only to catch a leak."""
    n, deadline = proc_fds(pid), time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        m = proc_fds(pid)
        if (target is not None and m <= target) or \
                (target is None and m == n):
            return m
        n = m
    return proc_fds(pid)


def proc_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class TestProxyLoad(ProxyCase):
    """Issue 18's load: 32 concurrent streaming clients for 30 s against
    the simulator (loopback only), each looping until a deadline on a
    monotonic clock and doing at least MIN_EACH exchanges, so a slow
    machine still exercises it. The duration changes only how many
    exchanges run, never a verdict: none is lost, every one verified,
    descriptors back to the settled count, RSS printed before and after
    and bounded generously. TEEATTEST_LOAD_SECONDS overrides the
    duration (a shorter local run; the suite uses 30)."""

    CLIENTS = 32
    SECONDS = 30.0
    MIN_EACH = 4
    WARM_EACH = 2

    def test_load(self):
        seconds = float(os.environ.get("TEEATTEST_LOAD_SECONDS",
                                       self.SECONDS))
        # No timed re-attestation during the run (a day: the most
        # --reattest takes), so the one attestation serves every exchange.
        p = self.start(extra=["--reattest", "24h"])
        p.sim.control({"reset": True})

        def exchange():
            try:
                st, _, body = p.chat(stream=True)
                ev = sse_events(body)
                return st == 200 and len(ev) > 2 and \
                    ev[-1] == (None, "[DONE]") and \
                    ev[-2][0] == "comment" and \
                    ev[-2][1].startswith("teeattest verdict=verified ")
            except Exception as e:  # noqa: BLE001  (counted as lost)
                return repr(e)

        def client(results, least, deadline):
            n = 0
            while n < least or (deadline is not None and
                                time.monotonic() < deadline):
                results.append(exchange())
                n += 1

        def wave(least, deadline=None):
            # One list per client: every exchange a client started is in
            # its list, answered or not.
            lists = [[] for _ in range(self.CLIENTS)]
            threads = [threading.Thread(target=client,
                                        args=(lists[i], least, deadline))
                       for i in range(self.CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return lists

        warm = wave(self.WARM_EACH)  # fills the connection pools
        fds0, rss0 = settled_fds(p.proc.pid), proc_rss_kib(p.proc.pid)
        start = time.monotonic()
        lists = wave(self.MIN_EACH, start + seconds)
        took = time.monotonic() - start
        fds1 = settled_fds(p.proc.pid, fds0)
        rss1 = proc_rss_kib(p.proc.pid)
        results = [r for lst in lists for r in lst]
        print("load: %d clients, %.1f s: %d exchanges (%d to %d per "
              "client, %.0f/s), fds %d -> %d, RSS %d -> %d KiB"
              % (self.CLIENTS, took, len(results),
                 min(map(len, lists)), max(map(len, lists)),
                 len(results) / took if took > 0 else 0.0,
                 fds0, fds1, rss0, rss1))
        warm_results = [r for lst in warm for r in lst]
        self.assertEqual(warm_results.count(True), len(warm_results),
                         [r for r in warm_results if r is not True][:5])
        self.assertEqual(len(warm_results), self.CLIENTS * self.WARM_EACH)
        self.assertEqual(results.count(True), len(results),
                         [r for r in results if r is not True][:5])
        for lst in lists:
            self.assertGreaterEqual(len(lst), self.MIN_EACH)
        # The library keeps up to 8 idle easy handles per context
        # (lib/transport/curl.c POOL_MAX), each with its own connection
        # cache, so how many upstream connections stay open after a wave
        # depends on its concurrency (26 after the warm-up, 29 after the
        # load was seen): that bound, not a leak. A leak of even one
        # descriptor per thousand exchanges goes far past it.
        self.assertLessEqual(fds1, fds0 + 8, "descriptors grew")
        # AddressSanitizer keeps freed memory in quarantine (256 MiB by
        # default): growth there is not a leak (LeakSanitizer checks those
        # at the proxy's exit).
        with open("/proc/%d/maps" % p.proc.pid) as f:
            asan = "libasan" in f.read()
        bound = (512 if asan else 64) * 1024
        self.assertLess(rss1, rss0 + bound, "RSS grew by over %d KiB" % bound)
        # The proxy counted each one as verified: none lost on its side.
        counters = p.status()["counters"]
        self.assertEqual(counters["verified"],
                         len(warm_results) + len(results))
        self.assertEqual(counters["rejected"], 0)
        self.assertEqual(counters["upstream_errors"], 0)
        self.assertEqual(counters["attestations"], 1)

if __name__ == "__main__":
    TOOL, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))
