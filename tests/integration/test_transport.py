#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The built-in libcurl transport against real loopback servers.

Drives tests/integration/transport_client.c (one ta_http_perform per run)
against a threaded http.server on 127.0.0.1 (plain HTTP) and the same
handler behind TLS with a certificate made here with the openssl CLI.
Python standard library only; the TLS tests are skipped when openssl is
missing (a failure when CI=true; see runner.py).

Usage: test_transport.py CLIENT [unittest selection...]
"""
import gzip
import hashlib
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import runner

CLIENT = None
OPENSSL = shutil.which("openssl")

# An SSE stream with every kind of line end, split by the server at awkward
# places (inside CRLF, inside a field name, inside a multi-byte character).
SSE = (b": keep-alive\r\n"
       b"event: chunk\r\n"
       b"data: {\"id\":\"chatcmpl-1\",\"delta\":\"h\xc3\xa9\"}\r\n"
       b"\r\n"
       b"data: line one\n"
       b"data: line two\r"
       b"\r"
       b"data: [DONE]\n"
       b"\n")
SSE_EVENTS = [b"{\"id\":\"chatcmpl-1\",\"delta\":\"h\xc3\xa9\"}",
              b"line one\nline two", b"[DONE]"]
SSE_CUTS = [3, 14, 15, 30, 47, 48, 70, 81, 95, 96]

# How long a stalled answer waits for the client to give up (seconds).
STALL_LIMIT = 900

FIXED = bytes(range(256)) * 4 + b"\r\n\x00 end"
PLAIN_FOR_GZIP = b'{"text":"compressed anyway"}' * 50


def sha256(b):
    return hashlib.sha256(b).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TestServer/1"

    def log_message(self, *args):
        pass

    def record(self, body=b""):
        srv = self.server
        with srv.lock:
            srv.requests.append({
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "port": self.client_address[1],
            })

    def send_body(self, status, body, ctype="application/octet-stream",
                  extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def do_GET(self):
        self.record()
        self.route()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        self.record(body)
        if urlsplit(self.path).path == "/echo":
            doc = {"sha256": sha256(body), "len": len(body),
                   "expect": self.headers.get("Expect"),
                   "content_type": self.headers.get("Content-Type"),
                   "te": self.headers.get("Transfer-Encoding")}
            self.send_body(200, json.dumps(doc).encode(), "application/json")
        else:
            self.route()

    def route(self):
        path = urlsplit(self.path).path  # proxied requests carry a full URL
        try:
            getattr(self, "r_" + path.strip("/").replace("-", "_"),
                    self.r_missing)()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def r_missing(self):
        self.send_body(404, b"not found", "text/plain")

    def r_fixed(self):
        self.send_body(200, FIXED, extra=[("X-Test", "  spaced value  ")])

    def r_busy(self):
        self.send_body(503, b"busy", "text/plain", [("Retry-After", "1")])

    def r_redirect(self):
        self.send_body(301, b"moved", "text/plain",
                       [("Location", "/fixed")])

    def r_sse(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        prev = 0
        for cut in SSE_CUTS + [len(SSE)]:
            self.chunk(SSE[prev:cut])
            prev = cut
            time.sleep(0.01)
        self.wfile.write(b"0\r\n\r\n")

    def wait_for_client_to_leave(self):
        # Silence until the client closes the connection: a stall that no
        # amount of load or valgrind can outlast (the timeout under test is
        # the only way out). The limit only frees the thread of a client
        # that never gives up, long after the test has failed.
        self.wfile.flush()
        self.connection.settimeout(STALL_LIMIT)
        try:
            while self.connection.recv(4096):
                pass
        except OSError:
            pass
        self.close_connection = True

    def r_stall(self):
        # Headers and one event, then silence.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.chunk(b"data: first\n\n")
        self.wait_for_client_to_leave()

    def r_slow_first_byte(self):
        # Not a byte of the answer, ever.
        self.wait_for_client_to_leave()

    def r_huge(self):
        # Announces 8 MiB; refused from Content-Length alone.
        self.send_response(200)
        self.send_header("Content-Length", str(8 << 20))
        self.end_headers()
        for _ in range(8):
            self.wfile.write(b"x" * (1 << 20))

    def r_huge_chunked(self):
        # No length announced: refused once the limit is crossed.
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(64):
            self.chunk(b"y" * 65536)
        self.wfile.write(b"0\r\n\r\n")

    def r_gzip(self):
        # Compressed although the client asked for the identity encoding.
        self.send_body(200, gzip.compress(PLAIN_FOR_GZIP), "application/json",
                       [("Content-Encoding", "gzip")])

    def r_unknown_encoding(self):
        self.send_body(200, b"\x01\x02opaque", "application/json",
                       [("Content-Encoding", "x-custom")])

    def r_early_hints(self):
        self.wfile.write(b"HTTP/1.1 103 Early Hints\r\n"
                         b"Link: </style.css>; rel=preload\r\n\r\n")
        self.send_body(200, b"final", "text/plain", [("X-Final", "1")])

    def r_big_headers(self):
        self.send_response(200)
        for i in range(80):
            self.send_header("X-Filler-%d" % i, "v" * 1000)
        self.send_header("Content-Length", "0")
        self.end_headers()


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gives up (a timeout, a cancel) resets its
        # connection: expected here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
            super().handle_error(request, client_address)


class Server:
    def __init__(self, tls_context=None):
        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.lock = threading.Lock()
        self.httpd.requests = []
        if tls_context:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket,
                                                        server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def requests(self):
        with self.httpd.lock:
            return list(self.httpd.requests)

    def clear(self):
        with self.httpd.lock:
            self.httpd.requests.clear()


def client_env(extra=None):
    env = dict(os.environ)
    # Hermetic: no proxy and no CA bundle override from the caller's shell.
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                         "ssl_cert_file", "ssl_cert_dir", "curl_ca_bundle"):
            del env[k]
    env.update(extra or {})
    return env


def run(method, url, *args, env=None, timeout=None):
    # TRANSPORT_CLIENT_WRAPPER="valgrind --error-exitcode=42 ..." runs the
    # client under a checker; a finding fails the test (non-zero exit).
    # No test asserts how long a run takes: the limit here only stops a
    # hung client, with room for valgrind on a loaded machine (the meson
    # test timeout bounds the whole class).
    wrapper = os.environ.get("TRANSPORT_CLIENT_WRAPPER", "").split()
    if timeout is None:
        timeout = 300 if wrapper else 60
    start = time.monotonic()
    p = subprocess.run(wrapper + [CLIENT, method, url] + list(args),
                       capture_output=True, timeout=timeout,
                       env=client_env(env))
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        raise AssertionError("client exit %d: %s" %
                             (p.returncode, p.stderr.decode(errors="replace")))
    out = json.loads(p.stdout)
    out["elapsed"] = elapsed
    out["stderr"] = p.stderr.decode(errors="replace")
    return out


class TestHTTP(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server()
        cls.base = "http://127.0.0.1:%d" % cls.srv.port
        cls.tmp = tempfile.mkdtemp(prefix="teeattest-transport-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.srv.clear()

    def ok(self, r, status=200):
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(r["status"], status)

    def test_fixed_body_and_headers(self):
        out = os.path.join(self.tmp, "fixed.bin")
        r = run("GET", self.base + "/fixed", "--body-out", out)
        self.ok(r)
        self.assertEqual(r["body_len"], len(FIXED))
        self.assertEqual(r["body_sha256"], sha256(FIXED))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), FIXED)
        h = {k.lower(): v for k, v in r["headers"]}
        self.assertEqual(h["x-test"], "spaced value")
        self.assertEqual(h["content-length"], str(len(FIXED)))
        self.assertIsNone(r["spki_sha256"])  # plain HTTP: no key
        sent = self.srv.requests[0]["headers"]
        # We ask for the identity encoding so the body is the wire body.
        self.assertEqual(sent.get("accept-encoding"), "identity")

    def test_exact_request_bytes(self):
        for size in (0, 1, 1000, 3 << 20):  # 3 MiB: past curl's Expect limit
            body = bytes((i * 7 + 13) % 256 for i in range(size))
            body = body.replace(b"\x01", b"\r\n\x00")
            path = os.path.join(self.tmp, "body-%d" % size)
            with open(path, "wb") as f:
                f.write(body)
            self.srv.clear()
            r = run("POST", self.base + "/echo", "--body", path,
                    "--header", "Content-Type: application/json",
                    "--header", "Authorization: Bearer sk-secret")
            self.ok(r)
            echo = self.srv.requests[0]
            self.assertEqual(echo["body"], body)
            self.assertNotIn("expect", echo["headers"])
            self.assertNotIn("transfer-encoding", echo["headers"])
            self.assertEqual(echo["headers"]["content-type"],
                             "application/json")
            self.assertEqual(echo["headers"]["content-length"],
                             str(len(body)))

    def test_post_without_content_type_sends_none(self):
        path = os.path.join(self.tmp, "b")
        with open(path, "wb") as f:
            f.write(b"a=b")
        r = run("POST", self.base + "/echo", "--body", path)
        self.ok(r)
        self.assertNotIn("content-type", self.srv.requests[0]["headers"])

    def test_streaming_sse_split_chunks(self):
        r = run("GET", self.base + "/sse", "--stream")
        self.ok(r)
        self.assertEqual(r["body_sha256"], sha256(SSE))  # de-chunked, raw
        self.assertEqual(r["body_len"], len(SSE))
        # How many pieces the client reads depends on scheduling (a loaded
        # machine may read them all at once): not asserted. Delivery as data
        # arrives is test_idle_timeout's "first"; split points are covered
        # byte by byte in tests/unit/test_sse.c.
        self.assertGreaterEqual(r["chunks"], 1)
        # The client escapes each byte >= 0x7f as \u00XX: latin-1 undoes it.
        got = [e.encode("latin-1") for e in r["events"]]
        self.assertEqual(got, SSE_EVENTS)

    def test_cancel_from_chunk_callback(self):
        r = run("GET", self.base + "/sse", "--stream", "--cancel-after", "1")
        self.assertEqual(r["code"], "TEEATTEST_E_CANCELLED")
        self.assertEqual(r["chunks"], 1)

    def test_idle_timeout(self):
        # The server stalls until the client leaves, so only the idle
        # timeout can end this (the total one is far away); how long it
        # took is not asserted: load and valgrind only make it later.
        # The idle clock starts with the transfer, so the window must also
        # outlast connecting and the server's first chunk under valgrind on
        # a loaded machine (500 ms did not, at load 45): 5 s.
        r = run("GET", self.base + "/stall", "--stream", "--idle-ms", "5000",
                "--total-ms", "3600000")
        self.assertEqual(r["code"], "TEEATTEST_E_TIMEOUT", r["message"])
        self.assertIn("idle", r["message"])
        # The complete event was delivered as it arrived, before the stall.
        self.assertEqual(r["events"], ["first"])

    def test_total_timeout(self):
        # Not a byte ever comes: only the total timeout can end this.
        r = run("GET", self.base + "/slow-first-byte", "--total-ms", "500")
        self.assertEqual(r["code"], "TEEATTEST_E_TIMEOUT", r["message"])
        self.assertNotIn("idle", r["message"])

    def test_max_body_announced(self):
        r = run("GET", self.base + "/huge", "--max-body", "1000")
        self.assertEqual(r["code"], "TEEATTEST_E_RESPONSE_TOO_LARGE",
                         r["message"])
        self.assertLessEqual(r["body_len"], 1000)

    def test_max_body_chunked(self):
        r = run("GET", self.base + "/huge-chunked", "--max-body", "100000")
        self.assertEqual(r["code"], "TEEATTEST_E_RESPONSE_TOO_LARGE",
                         r["message"])
        self.assertLessEqual(r["body_len"], 100000)
        self.assertIn("100000", r["message"])

    def test_max_body_exact_fit(self):
        r = run("GET", self.base + "/fixed", "--max-body", str(len(FIXED)))
        self.ok(r)

    def test_redirect_not_followed(self):
        r = run("GET", self.base + "/redirect")
        self.ok(r, 301)
        self.assertEqual(r["body_sha256"], sha256(b"moved"))
        self.assertEqual([q["path"] for q in self.srv.requests], ["/redirect"])

    def test_error_status_is_a_response(self):
        r = run("GET", self.base + "/busy")
        self.ok(r, 503)
        self.assertEqual(len(self.srv.requests), 1)  # no transport retries

    def test_compressed_anyway_is_decoded(self):
        r = run("GET", self.base + "/gzip")
        self.ok(r)
        self.assertEqual(r["body_sha256"], sha256(PLAIN_FOR_GZIP))
        h = {k.lower(): v for k, v in r["headers"]}
        self.assertEqual(h["content-encoding"], "gzip")

    def test_unknown_encoding_fails(self):
        r = run("GET", self.base + "/unknown-encoding")
        self.assertEqual(r["code"], "TEEATTEST_E_TRANSPORT", r["message"])

    def test_caller_accept_encoding_not_decoded(self):
        r = run("GET", self.base + "/gzip", "--header",
                "Accept-Encoding: gzip")
        self.ok(r)
        self.assertEqual(self.srv.requests[0]["headers"]["accept-encoding"],
                         "gzip")
        self.assertNotEqual(r["body_sha256"], sha256(PLAIN_FOR_GZIP))
        self.assertEqual(r["body_len"],
                         int(dict((k.lower(), v) for k, v in r["headers"])
                             ["content-length"]))

    def test_informational_headers_dropped(self):
        r = run("GET", self.base + "/early-hints")
        self.ok(r)
        names = [k.lower() for k, _ in r["headers"]]
        self.assertIn("x-final", names)
        self.assertNotIn("link", names)

    def test_header_budget(self):
        r = run("GET", self.base + "/big-headers")
        self.assertEqual(r["code"], "TEEATTEST_E_RESPONSE_TOO_LARGE",
                         r["message"])

    def test_connection_refused(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run("GET", "http://127.0.0.1:%d/" % port)
        self.assertEqual(r["code"], "TEEATTEST_E_TRANSPORT")
        self.assertEqual(r["backend_code"], 7)  # CURLE_COULDNT_CONNECT

    def test_bad_scheme_and_method(self):
        r = run("GET", "file:///etc/passwd")
        self.assertEqual(r["code"], "TEEATTEST_E_INVALID_ARG")
        r = run("DELETE", self.base + "/fixed")
        self.assertEqual(r["code"], "TEEATTEST_E_INVALID_ARG")
        self.assertEqual(self.srv.requests, [])

    def test_handle_and_connection_reuse(self):
        r = run("GET", self.base + "/fixed", "--repeat", "3")
        self.ok(r)
        self.assertEqual(r["body_sha256"], sha256(FIXED))
        reqs = self.srv.requests
        self.assertEqual(len(reqs), 3)
        self.assertEqual(len({q["port"] for q in reqs}), 1)  # one connection

    def test_concurrent_requests_share_one_context(self):
        r = run("GET", self.base + "/fixed", "--threads", "8", "--repeat",
                "5")
        self.ok(r)
        self.assertEqual(r["thread_failures"], 0)
        self.assertEqual(len(self.srv.requests), 1 + 8 * 5 + 5)

    def test_proxy_from_environment(self):
        # The server doubles as a forward proxy: libcurl must honour
        # http_proxy (nothing leaves the machine: the name never resolves).
        r = run("GET", "http://upstream.invalid/fixed",
                env={"http_proxy": self.base})
        self.ok(r)
        self.assertEqual(r["body_sha256"], sha256(FIXED))
        self.assertEqual(self.srv.requests[0]["path"],
                         "http://upstream.invalid/fixed")


def openssl(*args, stdin=None):
    return subprocess.run([OPENSSL] + list(args), input=stdin,
                          capture_output=True, check=True).stdout


@unittest.skipUnless(OPENSSL, "the openssl command is not installed")
class TestTLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="teeattest-tls-")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        cls.key = os.path.join(cls.tmp, "key.pem")
        cls.make_cert(cls.cert, cls.key, "IP:127.0.0.1,DNS:localhost")
        cls.other_cert = os.path.join(cls.tmp, "other.pem")
        cls.other_key = os.path.join(cls.tmp, "other-key.pem")
        cls.make_cert(cls.other_cert, cls.other_key, "DNS:other.example")
        # SHA-256 of the DER SubjectPublicKeyInfo, computed independently.
        pub = openssl("x509", "-in", cls.cert, "-pubkey", "-noout")
        cls.spki = openssl("pkey", "-pubin", "-outform", "DER", stdin=pub)
        cls.pin = "sha256//" + base64.b64encode(
            hashlib.sha256(cls.spki).digest()).decode()
        cls.srv = Server(cls.context(cls.cert, cls.key))
        cls.base = "https://127.0.0.1:%d" % cls.srv.port
        cls.other = Server(cls.context(cls.other_cert, cls.other_key))

    @staticmethod
    def make_cert(cert, key, san):
        openssl("req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2",
                "-subj", "/CN=teeattest test", "-addext",
                "subjectAltName=" + san)

    @staticmethod
    def context(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.other.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.srv.clear()

    def test_ca_file(self):
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert)
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(r["status"], 200)
        self.assertEqual(r["body_sha256"], sha256(FIXED))
        self.assertIsNone(r["spki_sha256"])  # not asked for

    def test_untrusted_without_ca_file(self):
        r = run("GET", self.base + "/fixed")
        self.assertEqual(r["code"], "TEEATTEST_E_TLS", r["message"])
        self.assertEqual(self.srv.requests, [])

    def test_wrong_host_name(self):
        # Trusted certificate, but for another name: still refused.
        url = "https://127.0.0.1:%d/fixed" % self.other.port
        r = run("GET", url, "--ca-file", self.other_cert)
        self.assertEqual(r["code"], "TEEATTEST_E_TLS", r["message"])

    def test_peer_key_capture(self):
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                "--peer-key")
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(r["spki_sha256"], hashlib.sha256(self.spki).hexdigest())

    def test_peer_key_on_every_request(self):
        # Each request asking for the key gets a fresh handshake.
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                "--peer-key", "--repeat", "3")
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(r["spki_sha256"], hashlib.sha256(self.spki).hexdigest())
        self.assertEqual(len({q["port"] for q in self.srv.requests}), 3)

    def test_pinned_key(self):
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                "--pinned-key", self.pin)
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        # Several pins, one matching.
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                "--pinned-key", "sha256//" + "A" * 43 + "=;" + self.pin)
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])

    def test_pinned_key_mismatch(self):
        wrong = "sha256//" + base64.b64encode(b"\x00" * 32).decode()
        r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                "--pinned-key", wrong)
        self.assertEqual(r["code"], "TEEATTEST_E_TLS", r["message"])
        self.assertEqual(self.srv.requests, [])

    def test_pin_does_not_replace_verification(self):
        # The right pin without a trusted CA is still refused: verification
        # is always on.
        r = run("GET", self.base + "/fixed", "--pinned-key", self.pin)
        self.assertEqual(r["code"], "TEEATTEST_E_TLS", r["message"])

    def test_streaming_over_tls(self):
        r = run("GET", self.base + "/sse", "--stream", "--ca-file", self.cert,
                "--peer-key")
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(r["body_sha256"], sha256(SSE))
        self.assertEqual(len(r["events"]), 3)
        self.assertEqual(r["spki_sha256"], hashlib.sha256(self.spki).hexdigest())

    def test_concurrent_tls(self):
        # Shared TLS session cache under contention, with and without the
        # fresh handshakes of peer-key requests.
        for extra in ([], ["--peer-key"]):
            r = run("GET", self.base + "/fixed", "--ca-file", self.cert,
                    "--threads", "6", "--repeat", "3", *extra)
            self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
            self.assertEqual(r["thread_failures"], 0)

    def test_exact_post_over_tls(self):
        path = os.path.join(self.tmp, "body")
        body = b'{"model":"m","messages":[]}\r\n'
        with open(path, "wb") as f:
            f.write(body)
        r = run("POST", self.base + "/echo", "--body", path, "--ca-file",
                self.cert, "--header", "Content-Type: application/json")
        self.assertEqual(r["code"], "TEEATTEST_OK", r["message"])
        self.assertEqual(self.srv.requests[0]["body"], body)


def main():
    global CLIENT
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    CLIENT = sys.argv[1]
    return runner.main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
