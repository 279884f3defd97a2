#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the simulator's NVIDIA endpoints (tools/sim/nvidia.c).

Usage: test_gpu_sim.py SIM_EXE [unittest arguments...]

The simulator serves NRAS (--nras-response), the NRAS JWKS (--jwks), the RIM
service (--rim-dir) and OCSP (--ocsp-dir) from the fixture files under
$TEEATTEST_FIXTURES/nvidia; these tests fetch every endpoint with urllib over
loopback HTTP (and HTTPS once) and compare the answers with the fixture
bytes. OCSP requests are built here by hand from the CertIDs found in the
fixture responses. Python 3 standard library only; no network beyond
127.0.0.1.
"""
import base64
import hashlib
import json
import os
import random
import ssl
import subprocess
import sys
import tempfile
import unittest

from simproc import SimProcess
import urllib.error
import urllib.request

import runner

SIM = None
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
NV = os.path.join(FIXTURES, "nvidia")
NRAS_RESPONSE = os.path.join(NV, "remote_neardirect_h100x8", "nras_response.json")
JWKS = os.path.join(NV, "jwks", "nras_jwks_20260629.json")
FULL = os.path.join(NV, "h100_550.90.07_full")
OCSP_DIR = os.path.join(FULL, "ocsp")
RIMS = {"NV_GPU_DRIVER_GH100_550.90.07": os.path.join(FULL, "driver_rim.xml"),
        "NV_GPU_VBIOS_1010_0200_882_96009F0001":
            os.path.join(FULL, "vbios_rim.xml")}
UNAUTHORIZED = bytes.fromhex("30030a0106")
HAVE_FIXTURES = all(os.path.exists(p) for p in
                    [NRAS_RESPONSE, JWKS, OCSP_DIR] + list(RIMS.values()))
NRAS_BODY = json.dumps({"nonce": "00" * 32, "arch": "HOPPER",
                        "claims_version": "3.0",
                        "evidence_list": []}).encode()


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- a tiny DER reader and writer ---------------------------------------

def der_tlv(buf, off):
    """(tag, start, content_start, end) of the TLV at `off`."""
    tag, n, hdr = buf[off], buf[off + 1], 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off + 2:off + 2 + k], "big")
        hdr += k
    end = off + hdr + n
    assert end <= len(buf), "DER length beyond the buffer"
    return tag, off, off + hdr, end


def der_children(buf, start, end):
    out, off = [], start
    while off < end:
        t = der_tlv(buf, off)
        out.append(t)
        off = t[3]
    assert off == end
    return out


def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content


def response_certid(resp):
    """The DER of the first SingleResponse's CertID of an OCSPResponse."""
    _, _, cs, ce = der_tlv(resp, 0)
    status, rb = der_children(resp, cs, ce)
    assert status[0] == 0x0A and rb[0] == 0xA0
    (seq,) = der_children(resp, rb[2], rb[3])
    oid, octets = der_children(resp, seq[2], seq[3])
    assert octets[0] == 0x04
    basic = resp[octets[2]:octets[3]]
    _, _, bs, be = der_tlv(basic, 0)
    tbs = der_children(basic, bs, be)[0]
    items = der_children(basic, tbs[2], tbs[3])
    i = 0
    if items[i][0] == 0xA0:              # version
        i += 1
    assert items[i][0] in (0xA1, 0xA2)  # responderID
    assert items[i + 1][0] == 0x18      # producedAt
    responses = items[i + 2]
    assert responses[0] == 0x30
    single = der_children(basic, responses[2], responses[3])[0]
    certid = der_children(basic, single[2], single[3])[0]
    assert certid[0] == 0x30
    return basic[certid[1]:certid[3]]


def ocsp_request(certid, version=False, requestor=False, nonce=None,
                 single_ext=False, more=()):
    """OCSPRequest DER for `certid` (plus optional fields the simulator
    must skip)."""
    req = certid
    if single_ext:
        req += der(0xA0, der(0x30, b""))
    requests = der(0x30, req) + b"".join(der(0x30, c) for c in more)
    tbs = b""
    if version:
        tbs += der(0xA0, der(0x02, b"\x00"))
    if requestor:
        tbs += der(0xA1, der(0xA4, der(0x30, b"")))
    tbs += der(0x30, requests)
    if nonce is not None:
        ext = der(0x30, der(0x06, bytes.fromhex("2b0601050507300102")) +
                  der(0x04, der(0x04, nonce)))
        tbs += der(0xA2, der(0x30, ext))
    return der(0x30, der(0x30, tbs))


def fixture_certids():
    out = {}
    for name in sorted(os.listdir(OCSP_DIR)):
        if name.endswith(".der"):
            out[name] = response_certid(read(os.path.join(OCSP_DIR, name)))
    return out


# ---- the simulator ---------------------------------------------------------

class Sim(SimProcess):
    def __init__(self, *args, https=False):
        super().__init__(SIM, args, https=https, prefix="test-gpu-sim-")
        # No proxies from the environment: everything is on loopback.
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}))
        self.https_opener = None
        if https:
            ctx = ssl.create_default_context(cafile=self.cert)
            self.https_opener = urllib.request.build_opener(
                urllib.request.ProxyHandler({}),
                urllib.request.HTTPSHandler(context=ctx))

    def fetch(self, method, path, body=None, ctype=None, https=False):
        """(status, headers, body) of one request; error statuses too."""
        if https:
            url = "https://127.0.0.1:%d%s" % (self.ports["https_port"], path)
            opener = self.https_opener
        else:
            url = "http://127.0.0.1:%d%s" % (self.ports["http_port"], path)
            opener = self.opener
        req = urllib.request.Request(url, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        try:
            with opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def ocsp(self, body, path="/ocsp"):
        return self.fetch("POST", path, body, "application/ocsp-request")

    def control(self, **settings):
        st, _, data = self.fetch("POST", "/_sim/control",
                                 json.dumps(settings).encode(),
                                 "application/json")
        assert st == 200, (st, data)


def rim_dir(tmp):
    """A directory of <id>.xml symlinks to the fixture RIMs."""
    d = os.path.join(tmp, "rims")
    os.mkdir(d)
    for rid, path in RIMS.items():
        os.symlink(path, os.path.join(d, rid + ".xml"))
    os.mkdir(os.path.join(d, "A_DIRECTORY.xml"))  # not a file: 404
    with open(os.path.join(tmp, "secret.xml"), "w") as f:
        f.write("<outside/>")                    # outside DIR: never served
    return d


class SimCase(unittest.TestCase):
    ARGS = ()
    FAULTS = ()
    HTTPS = False

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="test-gpu-sim-rims-")
        cls.rims = rim_dir(cls.tmp.name)
        args = [a.replace("{rims}", cls.rims) for a in cls.ARGS]
        for f in cls.FAULTS:
            args += ["--fault", f]
        cls.sim = Sim(*args, https=cls.HTTPS)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        cls.tmp.cleanup()
        assert rc == 0, "simulator exit status %r" % rc

    def setUp(self):
        self.sim.control(reset=True)

    def tearDown(self):
        self.assertTrue(self.sim.alive(), "the simulator died")


ALL_ARGS = ("--nras-response", NRAS_RESPONSE, "--jwks", JWKS,
            "--rim-dir", "{rims}", "--ocsp-dir", OCSP_DIR)


@unittest.skipUnless(HAVE_FIXTURES, "TEEATTEST_FIXTURES/nvidia not available")
class TestNras(SimCase):
    ARGS = ALL_ARGS

    def test_v3_and_v4(self):
        for path in ("/v3/attest/gpu", "/v4/attest/gpu"):
            st, h, data = self.sim.fetch("POST", path, NRAS_BODY,
                                         "application/json")
            self.assertEqual(st, 200, path)
            self.assertEqual(h["Content-Type"], "application/json")
            self.assertEqual(data, read(NRAS_RESPONSE))

    def test_body_must_be_json(self):
        for body in (b"", b"not json", b"{\"a\":", b"[1,2]", b"\xff\xfe"):
            st, _, data = self.sim.fetch("POST", "/v3/attest/gpu", body,
                                         "application/json")
            self.assertEqual(st, 400, body)
            self.assertIn(b"JSON", data)

    def test_methods(self):
        st, _, _ = self.sim.fetch("GET", "/v3/attest/gpu")
        self.assertEqual(st, 405)
        st, _, _ = self.sim.fetch("POST", "/v2/attest/gpu", NRAS_BODY)
        self.assertEqual(st, 404)

    def test_generic_faults_apply(self):
        self.sim.control(fail_next=[502])
        st, _, _ = self.sim.fetch("POST", "/v3/attest/gpu", NRAS_BODY)
        self.assertEqual(st, 502)
        st, _, _ = self.sim.fetch("POST", "/v3/attest/gpu", NRAS_BODY)
        self.assertEqual(st, 200)

    def test_jwks(self):
        st, h, data = self.sim.fetch("GET", "/.well-known/jwks.json")
        self.assertEqual(st, 200)
        self.assertEqual(h["Content-Type"], "application/json")
        self.assertEqual(data, read(JWKS))
        st, _, _ = self.sim.fetch("POST", "/.well-known/jwks.json", b"{}")
        self.assertEqual(st, 405)


@unittest.skipUnless(HAVE_FIXTURES, "TEEATTEST_FIXTURES/nvidia not available")
class TestRim(SimCase):
    ARGS = ALL_ARGS

    def test_rims(self):
        for rid, path in RIMS.items():
            st, h, data = self.sim.fetch("GET", "/v1/rim/" + rid)
            self.assertEqual(st, 200, rid)
            self.assertEqual(h["Content-Type"], "application/json")
            doc = json.loads(data)
            self.assertEqual(list(doc), ["id", "rim", "sha256", "last_updated",
                                         "rim_format", "request_id"])
            xml = read(path)
            self.assertEqual(doc["id"], rid)
            self.assertEqual(base64.b64decode(doc["rim"], validate=True), xml)
            self.assertEqual(doc["sha256"], hashlib.sha256(xml).hexdigest())
            self.assertEqual(doc["last_updated"], "2025-01-01T00:00:00Z")
            self.assertEqual(doc["rim_format"], "SWIDTAG")
            self.assertEqual(doc["request_id"], "sim")

    def test_unknown(self):
        for rid in ("NV_GPU_DRIVER_GH100_999.99.99", "A_DIRECTORY",
                    "nv_gpu_driver_gh100_550.90.07", "x", "-", "..", "%2e%2e"):
            st, _, data = self.sim.fetch("GET", "/v1/rim/" + rid)
            self.assertEqual(st, 404, rid)
            self.assertEqual(json.loads(data), {"message": "RIM_NOT_FOUND"})

    def test_bad_ids(self):
        for rid in ("..%2fsecret", "..%2F..%2Fsecret", "../secret",
                    "a%20b", "%2fetc%2fpasswd", "x/y", "",
                    "NV_GPU_DRIVER_GH100_550.90.07%2f", "%C3%A9",
                    "a" * 201):
            st, _, data = self.sim.fetch("GET", "/v1/rim/" + rid)
            self.assertEqual(st, 400, rid)
            self.assertEqual(json.loads(data), {"message": "INVALID_RIM_ID"})
            self.assertNotIn(b"outside", data)
        st, _, _ = self.sim.fetch("GET", "/v1/rim/" + "a" * 200)
        self.assertEqual(st, 404)
        # libmicrohttpd hands over the decoded path, which a %00 ends: this
        # is id "a" (absent), never a file name with a NUL in it.
        st, _, data = self.sim.fetch("GET", "/v1/rim/a%00b")
        self.assertEqual((st, json.loads(data)), (404, {"message":
                                                        "RIM_NOT_FOUND"}))

    def test_method(self):
        st, _, _ = self.sim.fetch("POST", "/v1/rim/x", b"{}")
        self.assertEqual(st, 405)


@unittest.skipUnless(HAVE_FIXTURES, "TEEATTEST_FIXTURES/nvidia not available")
class TestOcsp(SimCase):
    ARGS = ALL_ARGS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.certids = fixture_certids()

    def test_fixture_certids(self):
        self.assertEqual(len(self.certids), 7)
        self.assertEqual(len(set(self.certids.values())), 7)
        for cid in self.certids.values():
            # SHA-384 CertIDs: AlgorithmIdentifier(sha384, NULL)
            self.assertIn(bytes.fromhex("300d060960864801650304020205 00"
                                        .replace(" ", "")), cid)

    def test_each_response(self):
        for name, cid in self.certids.items():
            for path in ("/ocsp", "/"):
                st, h, data = self.sim.ocsp(ocsp_request(cid), path)
                self.assertEqual(st, 200, name)
                self.assertEqual(h["Content-Type"], "application/ocsp-response")
                self.assertEqual(data, read(os.path.join(OCSP_DIR, name)), name)

    def test_optional_fields_skipped(self):
        name, cid = sorted(self.certids.items())[0]
        want = read(os.path.join(OCSP_DIR, name))
        other = list(self.certids.values())[1]
        for req in (ocsp_request(cid, version=True),
                    ocsp_request(cid, requestor=True),
                    ocsp_request(cid, version=True, requestor=True,
                                 nonce=os.urandom(32), single_ext=True),
                    ocsp_request(cid, nonce=b"\x01" * 200),  # long lengths
                    ocsp_request(cid, more=(other,))):      # first one counts
            st, _, data = self.sim.ocsp(req)
            self.assertEqual((st, data), (200, want))

    def test_unknown_certid(self):
        cid = bytearray(list(self.certids.values())[0])
        cid[-1] ^= 0x01  # another serial number
        for req in (ocsp_request(bytes(cid)),
                    ocsp_request(bytes.fromhex("3010300706052b0e03021a0400"
                                               "0400020101"))):
            st, h, data = self.sim.ocsp(req)
            self.assertEqual(st, 200)
            self.assertEqual(h["Content-Type"], "application/ocsp-response")
            self.assertEqual(data, UNAUTHORIZED)

    def test_malformed(self):
        cid = list(self.certids.values())[0]
        good = ocsp_request(cid)
        content = cid[der_tlv(cid, 0)[2]:]
        bad = [b"", b"\x30", b"\x30\x00", b"\x30\x80\x00\x00",
               good + b"\x00",                                # trailing
               b"\x30\x84\xff\xff\xff\xff" + good[2:],          # too long
               b"\x30\x85\x00\x00\x00\x00\x8a" + good[2:],      # 5 length bytes
               b"\x3f\x01\x00",                                # high tag
               der(0x30, der(0x30, der(0x30, b""))),          # no Request
               der(0x30, der(0x30, der(0x30, der(0x30, b"")))),  # no CertID
               ocsp_request(cid[:-3]),                         # cut CertID
               ocsp_request(der(0x30, content + b"\x02\x01\x01")),  # extra
               ocsp_request(der(0x30, der(0x30, b"") + der(0x04, b"") +
                                der(0x04, b"") + der(0x02, b""))),
               der(0x31, good[2:]),                            # SET
               b"not DER at all"]
        bad += [good[:i] for i in range(len(good))]          # every prefix
        for body in bad:
            st, _, _ = self.sim.ocsp(body)
            self.assertEqual(st, 400, body.hex())
        self.assertTrue(self.sim.alive())

    def test_fuzz_no_crash(self):
        rnd = random.Random(20250101)
        cid = list(self.certids.values())[0]
        good = ocsp_request(cid, version=True, nonce=b"\x07" * 16)
        for i in range(400):
            if i % 2:
                body = bytes(rnd.randrange(256)
                             for _ in range(rnd.randrange(0, 64)))
            else:
                body = bytearray(good)
                for _ in range(rnd.randrange(1, 4)):
                    body[rnd.randrange(len(body))] = rnd.randrange(256)
                body = bytes(body)
            st, _, _ = self.sim.ocsp(body)
            self.assertIn(st, (200, 400))
        self.assertTrue(self.sim.alive())

    def test_method(self):
        st, _, _ = self.sim.fetch("GET", "/ocsp")
        self.assertEqual(st, 405)
        st, _, _ = self.sim.fetch("GET", "/")
        self.assertEqual(st, 404)


@unittest.skipUnless(HAVE_FIXTURES, "TEEATTEST_FIXTURES/nvidia not available")
class TestFaults(SimCase):
    ARGS = ALL_ARGS
    FAULTS = ("nras_status", "rim_missing", "ocsp_down")

    def test_nras_status(self):
        for path in ("/v3/attest/gpu", "/v4/attest/gpu"):
            st, _, data = self.sim.fetch("POST", path, NRAS_BODY,
                                         "application/json")
            self.assertEqual(st, 500)
            self.assertEqual(json.loads(data), {"error": "sim"})
        st, _, data = self.sim.fetch("GET", "/.well-known/jwks.json")
        self.assertEqual((st, data), (200, read(JWKS)))

    def test_rim_missing(self):
        for rid in RIMS:
            st, _, data = self.sim.fetch("GET", "/v1/rim/" + rid)
            self.assertEqual(st, 404)
            self.assertEqual(json.loads(data), {"message": "RIM_NOT_FOUND"})

    def test_ocsp_down(self):
        cid = fixture_certids()["device_l4_gsp_brom.der"]
        st, _, _ = self.sim.ocsp(ocsp_request(cid))
        self.assertEqual(st, 503)

    def test_single_fault(self):
        s = Sim(*[a.replace("{rims}", self.rims) for a in ALL_ARGS],
                "--fault", "ocsp_down")
        try:
            st, _, _ = s.fetch("POST", "/v3/attest/gpu", NRAS_BODY)
            self.assertEqual(st, 200)
            st, _, _ = s.fetch("GET", "/v1/rim/" + next(iter(RIMS)))
            self.assertEqual(st, 200)
            st, _, _ = s.ocsp(b"\x30\x00")
            self.assertEqual(st, 503)
        finally:
            self.assertEqual(s.stop(), 0)


@unittest.skipUnless(HAVE_FIXTURES, "TEEATTEST_FIXTURES/nvidia not available")
class TestHttps(SimCase):
    ARGS = ALL_ARGS
    HTTPS = True

    def test_over_https(self):
        st, _, data = self.sim.fetch("POST", "/v3/attest/gpu", NRAS_BODY,
                                     "application/json", https=True)
        self.assertEqual((st, data), (200, read(NRAS_RESPONSE)))
        st, _, data = self.sim.fetch("GET", "/.well-known/jwks.json",
                                     https=True)
        self.assertEqual((st, data), (200, read(JWKS)))
        rid = next(iter(RIMS))
        st, _, data = self.sim.fetch("GET", "/v1/rim/" + rid, https=True)
        self.assertEqual(st, 200)
        self.assertEqual(base64.b64decode(json.loads(data)["rim"]),
                         read(RIMS[rid]))
        cid = fixture_certids()["rim_vbios_l4_signer.der"]
        st, _, data = self.sim.fetch("POST", "/ocsp", ocsp_request(cid),
                                     "application/ocsp-request", https=True)
        self.assertEqual(data, read(os.path.join(OCSP_DIR,
                                                 "rim_vbios_l4_signer.der")))


class TestAbsent(SimCase):
    """Without the flags the NVIDIA paths are not served."""

    def test_404(self):
        for method, path, body in (
                ("POST", "/v3/attest/gpu", NRAS_BODY),
                ("POST", "/v4/attest/gpu", NRAS_BODY),
                ("GET", "/.well-known/jwks.json", None),
                ("GET", "/v1/rim/NV_GPU_DRIVER_GH100_550.90.07", None),
                ("POST", "/ocsp", b"\x30\x00"),
                ("POST", "/", b"\x30\x00")):
            st, _, _ = self.sim.fetch(method, path, body)
            self.assertEqual(st, 404, path)


class TestUsage(unittest.TestCase):
    def run_sim(self, *args):
        with tempfile.TemporaryDirectory(prefix="test-gpu-sim-") as d:
            p = subprocess.run([SIM, "--http", "0", "--port-file",
                                os.path.join(d, "ports")] + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=30)
            return p.returncode, p.stderr.decode()

    def test_unknown_fault(self):
        rc, err = self.run_sim("--fault", "no_such_fault")
        self.assertEqual(rc, 2)
        self.assertIn("no_such_fault", err)
        rc, _ = self.run_sim("--fault")
        self.assertEqual(rc, 2)

    def test_bad_paths(self):
        with tempfile.TemporaryDirectory(prefix="test-gpu-sim-") as d:
            missing = os.path.join(d, "missing")
            for args in (("--nras-response", missing), ("--jwks", missing),
                         ("--nras-response", d), ("--rim-dir", missing),
                         ("--ocsp-dir", missing)):
                rc, err = self.run_sim(*args)
                self.assertEqual(rc, 1, args)
                self.assertIn(args[0], err)

    def test_help_lists_flags(self):
        p = subprocess.run([SIM, "--help"], stdout=subprocess.PIPE, timeout=30)
        for flag in (b"--nras-response", b"--jwks", b"--rim-dir",
                     b"--ocsp-dir", b"--fault"):
            self.assertIn(flag, p.stdout)


def main():
    global SIM
    if len(sys.argv) < 2:
        sys.exit("usage: test_gpu_sim.py SIM_EXE [unittest args]")
    SIM = os.path.abspath(sys.argv[1])
    sys.exit(runner.main(sys.argv[2:]))


if __name__ == "__main__":
    main()
