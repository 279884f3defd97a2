#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Integration tests of the on-disk cache of fetched verification material
(docs/cache.md) through the CLI, against the loopback simulator, whose
request log (GET /_sim/log) shows what was fetched.

Usage: test_cache_cli.py TEEATTEST_EXE SIM_EXE|- [unittest arguments...]

TestCacheAttest: `teeattest attest` with the simulator as provider and PCCS
(its TEST root trusted): a second attest asks for no collateral; a
corrupted, truncated, swapped, expired or tampered entry, or one replaced
by a symbolic link, is fetched anew with the same checklist; results are
the same with --no-cache; an unusable directory still verifies (fetching);
the default directory comes from XDG_CACHE_HOME, else HOME.
TestCacheGpu: `teeattest gpu` with the simulator as RIM service, OCSP
responder and NRAS (fixture answers, at their recorded time): a second run
fetches no RIM, no OCSP answer it already has and no JWKS; a tampered RIM
entry is fetched anew.
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import urllib.request

import runner
from simproc import SimProcess

EXE = None
SIM = None
FIXTURES = os.environ.get("TEEATTEST_FIXTURES", "")
NV = os.path.join(FIXTURES, "nvidia")
FULL = os.path.join(NV, "h100_550.90.07_full")
NEAR = os.path.join(NV, "remote_neardirect_h100x8")
JWKS = os.path.join(NV, "jwks", "nras_jwks_20260629.json")
FULL_NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
FULL_AT = 1761307200  # 2025-10-24T12:00:00Z, as in test_gpu_cli.py
NEAR_NONCE = "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
REMOTE_AT = 1782699000  # 2026-06-29T02:10:00Z
FULL_RIMS = {"NV_GPU_DRIVER_GH100_550.90.07": "driver_rim.xml",
             "NV_GPU_VBIOS_1010_0200_882_96009F0001": "vbios_rim.xml"}
EXIT_VERIFIED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
MAGIC = b"TEEATTEST-CACHE1"
COLLATERAL = ("GET /tdx/certification/v4/tcb",
              "GET /tdx/certification/v4/qe/identity",
              "GET /sgx/certification/v4/pckcrl",
              "GET /sgx/certification/v4/rootcacrl")


def run(*args, env=None):
    e = {k: v for k, v in os.environ.items()
         if not (k.endswith("_API_KEY") or k.lower().endswith("_proxy") or
                 k == "NVIDIA_SERVICE_KEY")}
    if env:
        e.update(env)
    r = subprocess.run([EXE] + [str(a) for a in args], capture_output=True,
                       timeout=180, env=e)
    return r.returncode, r.stdout.decode(errors="replace"), \
        r.stderr.decode(errors="replace")


def sim_counts(sim):
    with urllib.request.urlopen(sim.url + "/_sim/log", timeout=30) as r:
        return json.load(r)["counts"]


def checklist(doc):
    """(name, outcome) of every check, and the detail of those that do not
    depend on the run's nonce or time."""
    return [(c["name"], c["outcome"],
             c["detail"] if ".tdx." in c["name"] or ".rim." in c["name"]
             else "") for c in doc["checks"]]


# ---- entries (docs/cache.md) ---------------------------------------------

def parse_entry(b):
    assert b[:16] == MAGIC
    expires = struct.unpack(">q", b[16:24])[0]
    n = struct.unpack(">I", b[24:28])[0]
    off, parts = 28, []
    for _ in range(n):
        ln = struct.unpack(">I", b[off:off + 4])[0]
        parts.append(b[off + 4:off + 4 + ln])
        off += 4 + ln
    assert off == len(b) - 32
    return expires, parts


def make_entry(expires, parts):
    b = MAGIC + struct.pack(">qI", expires, len(parts))
    for p in parts:
        b += struct.pack(">I", len(p)) + p
    return b + hashlib.sha256(b).digest()


def entries(d):
    """{key: file path} of the entries in d."""
    out = {}
    for name in os.listdir(d):
        path = os.path.join(d, name)
        with open(path, "rb") as f:
            out[parse_entry(f.read())[1][0].decode()] = path
    return out


def find(d, needle):
    return next(p for k, p in entries(d).items() if needle in k)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


class TestCacheAttest(unittest.TestCase):
    def setUp(self):
        if SIM in (None, "-"):
            self.skipTest("simulator not built")
        self.tmp = tempfile.TemporaryDirectory(prefix="test-cache-")
        self.addCleanup(self.tmp.cleanup)
        self.sim = SimProcess(SIM, args=["--seed", "3", "--no-gpu"],
                              prefix="test-cache-sim-")
        self.addCleanup(self.sim.stop)
        self.root = os.path.join(self.tmp.name, "root.der")
        with urllib.request.urlopen(self.sim.url + "/_sim/tdx-root.der",
                                    timeout=30) as r:
            write(self.root, r.read())
        self.cache = os.path.join(self.tmp.name, "cache")

    def attest(self, *extra, env=None, cache=True):
        args = ["attest", "--provider", "redpill", "--base-url",
                self.sim.url, "--model", "m", "--pccs", self.sim.url,
                "--test-root", self.root, "--no-gpu", "--gpu-online", "none",
                "--timeout", "60", "--json"]
        if cache:
            args += ["--cache-dir", self.cache]
        rc, out, err = run(*args, *extra, env=env)
        self.assertEqual(rc, EXIT_VERIFIED, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["verdict"], "verified")
        return doc

    def fetched(self):
        c = sim_counts(self.sim)
        return sum(c.get(k, 0) for k in COLLATERAL)

    def test_second_attest_fetches_no_collateral(self):
        first = self.attest()
        self.assertEqual(self.fetched(), 4)
        names = os.listdir(self.cache)
        self.assertEqual(len(names), 4)
        self.assertEqual(os.stat(self.cache).st_mode & 0o777, 0o700)
        for n in names:
            self.assertRegex(n, "^[0-9a-f]{64}$")
            self.assertEqual(os.stat(os.path.join(self.cache, n)).st_mode &
                             0o777, 0o600)
        second = self.attest()
        self.assertEqual(self.fetched(), 4)  # nothing new
        self.assertEqual(checklist(first), checklist(second))
        # and the same without the cache
        third = self.attest("--no-cache", cache=False)
        self.assertEqual(self.fetched(), 8)
        self.assertEqual(checklist(first), checklist(third))

    def test_bad_entries_are_fetched_anew(self):
        want = checklist(self.attest())
        pristine = {k: read(p) for k, p in entries(self.cache).items()}
        tcb = next(k for k in pristine if "/tcb?" in k)
        qe = next(k for k in pristine if "/qe/identity" in k)

        def corrupt(path):
            b = bytearray(read(path))
            b[len(b) // 2] ^= 0x20
            write(path, bytes(b))

        def truncate(path):
            write(path, read(path)[:-100])

        def swap(path):
            write(path, pristine[qe])  # QE Identity under TCB Info's name

        def expire(path):
            _, parts = parse_entry(read(path))
            write(path, make_entry(1000, parts))  # checksum recomputed

        def tamper(path):
            # a valid entry whose signed TCB Info body was changed
            exp, parts = parse_entry(read(path))
            body = parts[2]
            i = body.index(b'"issueDate":"') + len(b'"issueDate":"')
            body = body[:i] + (b"1" if body[i:i + 1] != b"1" else b"2") + \
                body[i + 1:]
            write(path, make_entry(exp, [parts[0], parts[1], body]))

        def symlink(path):
            outside = os.path.join(self.tmp.name, "outside")
            write(outside, read(path))  # a valid entry, but behind a link
            os.unlink(path)
            os.symlink(outside, path)

        for mutate in (corrupt, truncate, swap, expire, tamper, symlink):
            with self.subTest(mutate.__name__):
                for k, p in entries(self.cache).items():
                    write(p, pristine[k]) if not os.path.islink(p) else None
                path = find(self.cache, tcb)
                if os.path.islink(path):
                    os.unlink(path)
                    write(path, pristine[tcb])
                before = self.fetched()
                mutate(path)
                self.assertEqual(checklist(self.attest()), want)
                # every item fetched again, the bad entry replaced
                self.assertEqual(self.fetched(), before + 4)
                self.assertFalse(os.path.islink(path))
                self.assertEqual(checklist(self.attest()), want)
                self.assertEqual(self.fetched(), before + 4)

    def test_unusable_directory_still_verifies(self):
        blocker = os.path.join(self.tmp.name, "file")
        write(blocker, b"not a directory")
        want = checklist(self.attest("--no-cache", cache=False))
        for bad in (blocker, os.path.join(blocker, "sub")):
            with self.subTest(bad):
                before = self.fetched()
                rc, out, err = run("attest", "--provider", "redpill",
                                   "--base-url", self.sim.url, "--model",
                                   "m", "--pccs", self.sim.url,
                                   "--test-root", self.root, "--no-gpu",
                                   "--gpu-online", "none", "--json",
                                   "--cache-dir", bad)
                self.assertEqual(rc, EXIT_VERIFIED, out + err)
                self.assertEqual(checklist(json.loads(out)), want)
                self.assertEqual(self.fetched(), before + 4)

    def test_default_directory(self):
        xdg = os.path.join(self.tmp.name, "xdg")
        self.attest(cache=False, env={"XDG_CACHE_HOME": xdg})
        self.assertEqual(len(os.listdir(os.path.join(xdg, "teeattest"))), 4)
        self.attest(cache=False, env={"XDG_CACHE_HOME": xdg})
        self.assertEqual(self.fetched(), 4)
        home = os.path.join(self.tmp.name, "home")
        os.mkdir(home)
        env = {"HOME": home, "XDG_CACHE_HOME": ""}
        self.attest(cache=False, env=env)
        self.assertEqual(
            len(os.listdir(os.path.join(home, ".cache", "teeattest"))), 4)
        # --no-cache neither reads nor writes
        self.attest("--no-cache", cache=False,
                    env={"XDG_CACHE_HOME": os.path.join(self.tmp.name, "n")})
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "n",
                                                     "teeattest")))

    def test_usage(self):
        for extra, msg in ((["--cache-dir", self.cache, "--no-cache"],
                            "--no-cache"),
                           (["--cache-dir", ""], "--cache-dir")):
            rc, out, err = run("attest", "--provider", "redpill",
                               "--base-url", self.sim.url, "--model", "m",
                               *extra)
            self.assertEqual(rc, EXIT_USAGE, out + err)
            self.assertIn(msg, err)
        for cmd in ("attest", "chat", "gpu", "verify", "quote"):
            rc, out, err = run(cmd, "--help")
            self.assertEqual(rc, 0)
            self.assertIn("--no-cache", out, cmd)
            self.assertIn("--cache-dir", out, cmd)


@unittest.skipUnless(os.path.isdir(FULL), "TEEATTEST_FIXTURES not set")
class TestCacheGpu(unittest.TestCase):
    def setUp(self):
        if SIM in (None, "-"):
            self.skipTest("simulator not built")
        r = subprocess.run([SIM, "--help"], capture_output=True, timeout=30)
        if b"--nras-response" not in r.stdout + r.stderr:
            self.skipTest("simulator without NVIDIA services")
        self.tmp = tempfile.TemporaryDirectory(prefix="test-cache-gpu-")
        self.addCleanup(self.tmp.cleanup)
        self.cache = os.path.join(self.tmp.name, "cache")

    def sim(self, *args):
        s = SimProcess(SIM, args=list(args), prefix="test-cache-gpu-sim-")
        self.addCleanup(s.stop)
        return s

    def rim_dir(self):
        d = os.path.join(self.tmp.name, "rims")
        os.mkdir(d)
        for rim_id, name in FULL_RIMS.items():
            shutil.copy(os.path.join(FULL, name),
                        os.path.join(d, rim_id + ".xml"))
        return d

    def gpu(self, *extra, rc=EXIT_VERIFIED):
        r, out, err = run("gpu", "--evidence",
                          os.path.join(FULL, "nvidia_payload.json"),
                          "--nonce", FULL_NONCE, "--at", FULL_AT,
                          "--mode", "local", "--json", *extra)
        self.assertEqual(r, rc, out + err)
        return json.loads(out)

    def test_rims(self):
        sim = self.sim("--rim-dir", self.rim_dir())
        args = ("--online", "rim", "--rim-url", sim.url, "--ocsp-check",
                "skip", "--cache-dir", self.cache)

        def rim_requests():
            return sum(v for k, v in sim_counts(sim).items()
                       if k.startswith("GET /v1/rim/"))
        first = self.gpu(*args)
        self.assertEqual(rim_requests(), 2)
        self.assertEqual(len(os.listdir(self.cache)), 2)
        second = self.gpu(*args)
        self.assertEqual(rim_requests(), 2)
        self.assertEqual(checklist(first), checklist(second))
        self.assertEqual(checklist(first), checklist(
            self.gpu(*args[:-2], "--no-cache")))
        self.assertEqual(rim_requests(), 4)
        # a tampered RIM (a measurement changed, entry re-framed): fetched
        path = find(self.cache, "NV_GPU_DRIVER")
        exp, parts = parse_entry(read(path))
        doc = json.loads(parts[1])
        xml = base64.b64decode(doc["rim"])
        i = xml.index(b"Hash0")
        i = xml.index(b'="', i) + 2
        xml = xml[:i] + (b"A" if xml[i:i + 1] != b"A" else b"B") + \
            xml[i + 1:]
        doc["rim"] = base64.b64encode(xml).decode()
        write(path, make_entry(exp, [parts[0], json.dumps(doc).encode()]))
        self.assertEqual(checklist(self.gpu(*args)), checklist(first))
        self.assertEqual(rim_requests(), 5)
        self.gpu(*args)
        self.assertEqual(rim_requests(), 5)

    def test_ocsp(self):
        d = os.path.join(self.tmp.name, "ocsp")
        os.mkdir(d)
        for name in os.listdir(os.path.join(FULL, "ocsp")):
            if name.startswith("rim_"):
                shutil.copy(os.path.join(FULL, "ocsp", name), d)
        sim = self.sim("--ocsp-dir", d)
        args = ("--rim-dir", self.rim_dir(), "--online", "ocsp",
                "--ocsp-url", sim.url + "/ocsp", "--cache-dir", self.cache)

        def posts():
            return sim_counts(sim).get("POST /ocsp", 0)
        first = self.gpu(*args, "--ocsp-nonce", "optional", rc=EXIT_FAILED)
        n = posts()
        cached = len(os.listdir(self.cache))
        self.assertGreater(cached, 0)
        second = self.gpu(*args, "--ocsp-nonce", "optional", rc=EXIT_FAILED)
        # only the certificates without a verified answer are asked again
        self.assertEqual(posts(), n + (n - cached))
        self.assertEqual(checklist(first), checklist(second))
        self.assertEqual(
            second and [c for c in second["checks"]
                        if c["name"] == "gpu[0].rim.driver.ocsp.cert[0]"]
            [0]["outcome"], "pass")
        # a policy that requires the nonce never takes a kept answer: it
        # asks as often as without a cache
        before = posts()
        self.gpu(*args[:-2], "--no-cache", "--ocsp-nonce", "require",
                 rc=EXIT_FAILED)
        uncached = posts() - before
        before = posts()
        self.gpu(*args, "--ocsp-nonce", "require", rc=EXIT_FAILED)
        self.assertEqual(posts() - before, uncached)

    def test_jwks(self):
        if not os.path.isdir(NEAR):
            self.skipTest("fixture missing: " + NEAR)
        sim = self.sim("--nras-response",
                       os.path.join(NEAR, "nras_response.json"),
                       "--jwks", JWKS)

        def jwks_requests():
            return sum(v for k, v in sim_counts(sim).items()
                       if "jwks" in k)

        def near():
            r, out, err = run("gpu", "--evidence",
                              os.path.join(NEAR, "nvidia_payload.json"),
                              "--nonce", NEAR_NONCE, "--at", REMOTE_AT,
                              "--nras", sim.url,
                              "--cache-dir", self.cache, "--json")
            self.assertEqual(r, EXIT_VERIFIED, out + err)
            return json.loads(out)
        first = near()
        self.assertEqual(jwks_requests(), 1)
        second = near()
        self.assertEqual(jwks_requests(), 1)
        self.assertEqual([(c["name"], c["outcome"]) for c in first["checks"]],
                         [(c["name"], c["outcome"])
                          for c in second["checks"]])


def main():
    global EXE, SIM
    if len(sys.argv) < 3:
        sys.exit("usage: test_cache_cli.py TEEATTEST_EXE SIM_EXE|- "
                 "[unittest args]")
    EXE, SIM = sys.argv[1], sys.argv[2]
    sys.exit(runner.main(sys.argv[3:]))


if __name__ == "__main__":
    main()
