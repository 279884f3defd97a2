#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the Python bindings (bindings/python) on real data.

Usage: test_python.py SIM|- [unittest names...]

Environment (tests/python/meson.build): TEEATTEST_LIBRARY = the built
library, PYTHONPATH = bindings/python, TEEATTEST_FIXTURES,
TEEATTEST_SOURCE_ROOT, TEEATTEST_BUILD_ROOT. Classes that need the
simulator skip without it (and fail under CI=true, runner.py). Runs with
unittest; pytest-3 collects it too.
"""
import base64
import datetime
import gc
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("TEEATTEST_SOURCE_ROOT",
                     os.path.dirname(os.path.dirname(HERE)))
BUILD = os.environ.get("TEEATTEST_BUILD_ROOT", os.path.join(SRC, "build"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, os.path.join(SRC, "bindings", "python"))

import runner  # noqa: E402
from simproc import SimProcess  # noqa: E402

import teeattest as ta  # noqa: E402
from teeattest import _lib  # noqa: E402

FIX = os.environ.get("TEEATTEST_FIXTURES",
                     os.path.join(SRC, "..", "shared", "fixtures"))
SIM = os.environ.get("TEEATTEST_SIM", "-")
SIGS = os.path.join(FIX, "providers", "real_signatures")
NEAR_SIGNER = "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca"
PHALA_SIGNER = "0x50f9b35e94dfa4805a8c69c50ba13841a06c1216"


def read(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def child_env(**extra):
    """The environment of a child python that imports the source tree's
    package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(SRC, "bindings", "python")
    env.update(extra)
    return env


def saved_exchange(name):
    d = os.path.join(SIGS, name)
    return (read(d, "signature_response.json"), read(d, "request_body.json"),
            read(d, "response_body.sse"))


def glob_match(pattern, name):
    """'*' matches any run of characters; nothing else is special."""
    rx = ".*".join(re.escape(p) for p in pattern.split("*"))
    return re.fullmatch(rx, name) is not None


class TestTable(unittest.TestCase):
    """The one ctypes table against the library and the headers."""

    def test_every_name_is_exported(self):
        lib = ta._lib.load()
        for name in _lib.FUNCTIONS:
            with self.subTest(name=name):
                self.assertTrue(hasattr(lib.cdll, name), name)

    def test_every_export_is_bound(self):
        with open(os.path.join(SRC, "lib", "libteeattest.map")) as f:
            exported = set(re.findall(r"\b(teeattest_\w+);", f.read()))
        self.assertEqual(exported, set(_lib.FUNCTIONS))

    def test_argument_counts_match_the_headers(self):
        inc = os.path.join(SRC, "include", "teeattest")
        text = ""
        for name in sorted(os.listdir(inc)):
            if name.endswith((".h", ".h.in")):
                with open(os.path.join(inc, name)) as f:
                    text += f.read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        protos = {}
        for m in re.finditer(r"TEEATTEST_API\s+[^;{]*?\b(teeattest_\w+)\s*"
                             r"\(([^)]*)\)\s*;", text):
            params = m.group(2).strip()
            protos[m.group(1)] = 0 if params in ("", "void") else \
                params.count(",") + 1
        self.assertEqual(set(protos), set(_lib.FUNCTIONS))
        for name, (_, argtypes) in _lib.FUNCTIONS.items():
            with self.subTest(name=name):
                self.assertEqual(len(argtypes), protos[name])

    def test_struct_sizes(self):
        import ctypes
        # 1.0 layouts on LP64 (teeattest_error is 368 bytes).
        self.assertEqual(ctypes.sizeof(_lib.Error), 8 + 4 + 4 + 256 + 96)
        self.assertEqual(ctypes.sizeof(_lib.CtxOptions), 18 * 8)
        self.assertEqual(ctypes.sizeof(_lib.CryptoBackend), 9 * 8)
        self.assertEqual(ctypes.sizeof(_lib.Transport), 5 * 8)
        self.assertEqual(ctypes.sizeof(_lib.AciReceiptOptions), 12 * 8)

    def test_version_checked_and_reported(self):
        self.assertEqual(ta.library_version(), "1.0.0")
        self.assertEqual(ta.__version__, "1.0.0")
        with open(os.path.join(SRC, "bindings", "python",
                               "pyproject.toml")) as f:
            self.assertIn('version = "1.0.0"', f.read())

    def run_child(self, env_lib):
        env = child_env(TEEATTEST_LIBRARY=env_lib)
        return subprocess.run(
            [sys.executable, "-c",
             "import teeattest as ta\n"
             "try:\n ta.Context()\n"
             "except ta.LibraryLoadError as e: print('LOADERROR', e)\n"],
            env=env, capture_output=True, text=True, timeout=120)

    def test_missing_library_is_a_clear_error(self):
        r = self.run_child("/nonexistent/libteeattest.so.1")
        self.assertIn("LOADERROR libteeattest not found", r.stdout, r.stderr)
        self.assertIn("TEEATTEST_LIBRARY", r.stdout)

    def test_not_libteeattest_is_refused(self):
        import ctypes.util
        libc = ctypes.util.find_library("c")
        r = self.run_child(libc)
        self.assertIn("LOADERROR", r.stdout, r.stderr)
        self.assertIn("is not libteeattest", r.stdout)

    def test_search_order(self):
        built = os.environ["TEEATTEST_LIBRARY"]
        code = "import teeattest as ta; print(ta.library_path())"
        # Next to the package (a copy of the package beside the library).
        with tempfile.TemporaryDirectory() as tmp:
            import shutil
            shutil.copytree(os.path.join(SRC, "bindings", "python",
                                         "teeattest"),
                            os.path.join(tmp, "teeattest"))
            os.symlink(os.path.realpath(built),
                       os.path.join(tmp, "libteeattest.so.1"))
            env = child_env(PYTHONPATH=tmp)
            env.pop("TEEATTEST_LIBRARY")
            r = subprocess.run([sys.executable, "-c", code], env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.stdout.strip(),
                             os.path.join(tmp, "libteeattest.so.1"), r.stderr)
        # By SONAME, through the dynamic linker's search path.
        env = child_env(LD_LIBRARY_PATH=os.path.dirname(built))
        env.pop("TEEATTEST_LIBRARY")
        r = subprocess.run([sys.executable, "-c", code], env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.stdout.strip(), "libteeattest.so.1", r.stderr)

    def test_import_does_not_load(self):
        env = child_env(TEEATTEST_LIBRARY="/nonexistent.so")
        r = subprocess.run([sys.executable, "-c", "import teeattest"],
                           env=env, capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)


class TestErrors(unittest.TestCase):
    """Every non-OK status raises its TeeattestError subclass."""

    def test_classes(self):
        cases = {-1: ta.InvalidArgument, -2: ta.OutOfMemory,
                 -6: ta.Unsupported, -7: ta.CallbackError,
                 -10: ta.NotFound, -11: ta.IoError, -12: ta.NotVerified,
                 -100: ta.ParseError, -102: ta.ParseError,
                 -110: ta.ParseError, -200: ta.CryptoError,
                 -203: ta.CryptoError, -300: ta.NetworkError,
                 -301: ta.Timeout, -302: ta.HttpStatusError,
                 -303: ta.TlsError, -304: ta.Cancelled,
                 -306: ta.SignatureUnavailable, -999: ta.TeeattestError}
        from teeattest.errors import from_status
        for status, cls in cases.items():
            with self.subTest(status=status):
                e = from_status(status)
                self.assertIs(type(e), cls)
                self.assertIsInstance(e, ta.TeeattestError)
                self.assertEqual(e.status, status)
                self.assertEqual(e.name, ta.status_name(status))
        self.assertTrue(issubclass(ta.Timeout, ta.NetworkError))
        self.assertTrue(issubclass(ta.Timeout, TimeoutError))
        self.assertTrue(issubclass(ta.InvalidArgument, ValueError))

    def test_message_and_where_from_the_library(self):
        ctx = ta.Context()
        with self.assertRaises(ta.ParseError) as cm:
            ta.Signature.parse_json(ctx, b'{"text": 1}')
        e = cm.exception
        self.assertEqual(e.name, "TEEATTEST_E_JSON")
        self.assertEqual(e.status, ta.Status.E_JSON)
        self.assertTrue(e.message)
        with self.assertRaises(ta.InvalidArgument) as cm:
            ta.Policy(ctx).set_gpu_mode(99)
        self.assertEqual(cm.exception.where, "mode")
        self.assertIn("99", cm.exception.message)
        self.assertIn("(at mode)", str(cm.exception))
        with self.assertRaises(ta.NotFound) as cm:
            ta.Provider(ctx, "no-such-dialect")
        self.assertEqual(cm.exception.status, -10)
        with self.assertRaises(ta.ParseError) as cm:
            ta.Report.parse(ctx, "nearai", b"{not json")
        with self.assertRaises(ta.IoError) as cm:
            ta.Collateral.load_dir(ctx, "/nonexistent/collateral")
        self.assertIn("tcb_info", cm.exception.message)

    def test_nul_in_a_string_is_refused_not_truncated(self):
        ctx = ta.Context()
        sig = ta.Signature.parse_json(ctx, saved_exchange(
            "nearai_cloud_2025_stream")[0])
        with self.assertRaises(ta.InvalidArgument):
            sig.verify(b"", b"", expected_signer=NEAR_SIGNER + "\0x")


class TestLifetime(unittest.TestCase):
    """close(), context managers, double close, use after close,
    finalizers in any order."""

    def test_close_twice_and_use_after_close(self):
        ctx = ta.Context()
        pol = ta.Policy(ctx)
        pol.close()
        pol.close()
        self.assertTrue(pol.closed)
        with self.assertRaises(ta.ClosedHandleError):
            pol.set_time(0)
        with self.assertRaises(ta.InvalidArgument):
            pol.set_allow_debug(True)
        ctx.close()
        with self.assertRaises(ta.ClosedHandleError):
            ta.Policy(ctx)
        with self.assertRaises(ta.ClosedHandleError):
            ctx.now()

    def test_context_managers(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        with ta.Context() as ctx, ta.Signature.parse_json(ctx, raw) as sig:
            with sig.verify(req, resp, NEAR_SIGNER) as res:
                self.assertTrue(res.verified)
            self.assertTrue(res.closed)
            with self.assertRaises(ta.ClosedHandleError):
                res.verdict
        self.assertTrue(sig.closed and ctx.closed)

    def test_parent_closed_first(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        ctx = ta.Context()
        sig = ta.Signature.parse_json(ctx, raw)
        ctx.close()  # the signature holds the C context
        res = sig.verify(req, resp, NEAR_SIGNER)
        sig.close()
        self.assertEqual(res.verdict, ta.Verdict.VERIFIED)
        self.assertEqual(res.verified_signer().signer, NEAR_SIGNER)

    def test_garbage_collected_in_any_order(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        results = []
        for _ in range(50):
            ctx = ta.Context(clock=lambda: 1764763435)
            sig = ta.Signature.parse_json(ctx, raw)
            results.append(sig.verify(req, resp, NEAR_SIGNER))
            del ctx, sig
        gc.collect()
        self.assertTrue(all(r.verified for r in results))
        del results
        gc.collect()

    def test_borrowed_children_hold_references(self):
        ctx = ta.Context()
        b = ta.Bundle.parse(ctx, self.bundle_doc(ctx))
        rep = b.report
        ev = b.evidence
        gi = ev.gpu_inputs
        b.close()
        ev.close()
        self.assertEqual(rep.dialect, "nearai")
        self.assertEqual(gi.count(ta.GpuItem.JWKS), 0)

    def bundle_doc(self, ctx):
        d = os.path.join(FIX, "providers", "nearai_direct_ed25519_tls")
        rep = ta.Report.parse(ctx, "nearai",
                              read(d, "attestation_report.json"))
        with ta.Bundle(ctx) as b:
            b.set_report(rep).set_nonce(bytes(32)).set_time(1782698797)
            return b.to_json()


class TestPolicy(unittest.TestCase):
    """Every setter, and values the library (or the binding) refuses."""

    def test_every_setter(self):
        ctx = ta.Context()
        p = ta.Policy(ctx)
        root = read(FIX, "tdx", "intel_sgx_root_ca.der")
        data = os.path.join(SRC, "tests", "data")
        tinfoil = read(data, "tinfoil-release", "router-v0.0.38.sigstore.json")
        troot = read(data, "sigstore-conformance",
                     "production_trusted_root.json")
        (p.set_time(0).set_time(ta.TIME_MAX)
         .set_time(datetime.datetime(2026, 6, 29, tzinfo=datetime.timezone.utc))
         .set_time_now().set_ecdsa_strict(True).set_require_signer(False)
         .set_expected_model("m").set_expected_model(None)
         .set_tdx_statuses([ta.TdxStatus.UP_TO_DATE,
                            ta.TdxStatus.OUT_OF_DATE])
         .set_tdx_statuses(0).set_allow_expired_collateral(True)
         .set_allow_debug(False).set_allow_mrservicetd(True)
         .add_measurement(ta.Register.MRTD, bytes(48))
         .add_measurement(ta.Register.RTMR3, "00" * 48)
         .clear_measurements(ta.Register.MRTD).clear_measurements()
         .set_tdx_root(root).set_tdx_root(None)
         .set_gpu_mode(ta.GpuMode.BOTH).set_gpu_rim(ta.GpuRequirement.SKIP)
         .set_gpu_ocsp(ta.GpuRequirement.REQUIRE)
         .set_gpu_ocsp_nonce(ta.GpuOcspNonce.OPTIONAL)
         .set_gpu_allow_cert_hold(True).set_gpu_min_count(8)
         .add_identity(ta.Identity.COMPOSE_HASH, bytes(32))
         .add_identity(ta.Identity.APP_ID, bytes(20))
         .clear_identity(ta.Identity.APP_ID).clear_identity()
         .set_require_gpu(False).set_require_tls_binding(True)
         .set_allow_server_nonce(True).set_allow_unbound_key(True)
         .set_require_event_log(True).set_max_report_age(3600)
         .set_min_tcb_eval(17).set_min_tcb_eval(0)
         .set_aci_allow_null_nonce(True).set_aci_max_keyset_lifetime(0)
         .set_sigstore_trusted_root(troot)
         .set_tinfoil_release(tinfoil, "tinfoilsh/confidential-model-router",
                              "sha256:" + "ab" * 32)
         .set_tinfoil_release(None).set_require_tinfoil_release(True)
         .set_tinfoil_release_repo("tinfoilsh/confidential-model-router",
                                   "v0.0.38")
         .set_tinfoil_release_repo(None)
         .set_tinfoil_hardware(tinfoil).set_tinfoil_hardware(None)
         .set_require_tinfoil_hardware(True)
         .set_require_provenance(True)
         .add_provenance_identity("ghcr.io/org/", "id", "https://iss")
         .set_sigstore_trusted_root(b"{}").set_sigstore_trusted_root(None))
        # A method for every setter of the C policy.
        c_setters = {n[len("teeattest_policy_"):] for n in _lib.FUNCTIONS
                     if re.match(r"teeattest_policy_(set|add|clear)_", n)}
        self.assertEqual(len(c_setters), 37)
        for n in c_setters:
            self.assertTrue(callable(getattr(ta.Policy, n, None)), n)

    def test_bad_values(self):
        ctx = ta.Context()
        p = ta.Policy(ctx)
        bad = [
            (ta.InvalidArgument, lambda: p.set_time(-1)),
            (ta.InvalidArgument, lambda: p.set_time(ta.TIME_MAX + 1)),
            (ta.InvalidArgument, lambda: p.set_time(
                datetime.datetime(2026, 1, 1))),  # naive
            (ta.InvalidArgument, lambda: p.set_gpu_mode(99)),
            (ta.InvalidArgument, lambda: p.set_gpu_min_count(65)),
            # would wrap to 0 (the default, 1 GPU) in C: refused here
            (ta.InvalidArgument, lambda: p.set_gpu_min_count(1 << 32)),
            (ta.InvalidArgument, lambda: p.set_max_report_age(-1)),
            (ta.InvalidArgument, lambda: p.set_min_tcb_eval(1 << 32)),
            (ta.InvalidArgument, lambda: p.set_allow_debug(2)),
            (ta.InvalidArgument, lambda: p.set_allow_debug("yes")),
            (ta.InvalidArgument, lambda: p.set_tdx_statuses(
                [ta.TdxStatus.TCB_NOT_SUPPORTED])),
            (ta.InvalidArgument, lambda: p.add_measurement(99, bytes(48))),
            (ta.ParseError, lambda: p.add_measurement(ta.Register.MRTD,
                                                      bytes(47))),
            (ta.ParseError, lambda: p.add_identity(ta.Identity.APP_ID,
                                                   bytes(32))),
            (ta.InvalidArgument, lambda: p.add_identity(
                ta.Identity.COMPOSE_HASH, "zz")),
            (ta.ParseError, lambda: p.set_tdx_root(b"not a certificate")),
            (ta.InvalidArgument, lambda: p.set_gpu_rim(7)),
            # not a GitHub owner/name; a digest that is not 64 hex digits
            (ta.InvalidArgument, lambda: p.set_tinfoil_release(
                b"{}", "owner/name/extra")),
            (ta.ParseError, lambda: p.set_tinfoil_release(
                b"{}", "owner/name", "abc")),
            (ta.InvalidArgument, lambda: p.set_tinfoil_release(b"{}")),
            # a tag no release URL can carry
            (ta.InvalidArgument, lambda: p.set_tinfoil_release_repo(
                "owner/name", "../x")),
            (ta.InvalidArgument, lambda: p.set_tinfoil_release_repo(
                "owner/name/extra")),
        ]
        for cls, fn in bad:
            with self.subTest(fn=fn):
                with self.assertRaises(cls):
                    fn()


class TestSignatures(unittest.TestCase):
    """Saved signatures against pinned signers; tampering rejected."""

    def setUp(self):
        self.ctx = ta.Context()

    def test_near_pinned_signer(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(self.ctx, raw)
        self.assertEqual(sig.algo, "ecdsa")
        self.assertEqual(sig.claimed_signer, NEAR_SIGNER)
        self.assertEqual(sig.recover(), NEAR_SIGNER)
        res = sig.verify(req, resp, expected_signer=NEAR_SIGNER)
        self.assertTrue(res.verified)
        self.assertEqual(res.verdict, ta.Verdict.VERIFIED)
        self.assertEqual(res.failures, [])
        self.assertEqual(res.verified_signer().signer, NEAR_SIGNER)
        doc = json.loads(res.to_json())
        self.assertEqual(doc, res.as_dict())
        self.assertEqual(doc["verdict"], "verified")
        self.assertEqual([c["name"] for c in doc["checks"]],
                         [c.name for c in res.checks])
        self.assertEqual({k: str(v).lower() if isinstance(v, bool) else
                          str(v) for k, v in doc["facts"].items()},
                         res.facts)
        self.assertEqual(res.check("signature.hash.response").outcome,
                         ta.Outcome.PASS)
        again = ta.Signature.parse_json(self.ctx, sig.to_json())
        self.assertTrue(again.verify(req, resp, NEAR_SIGNER).verified)

    def test_signature_kind(self):
        """signature_kind (NEAR cloud-api, nearai/cloud-api@54b4a7c
        crates/api/src/routes/attestation/signature.rs) on the real NEAR
        record: read and written back; provider_tee over its two-part text
        fails signature.kind; an unknown or duplicate kind is rejected."""
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        self.assertIsNone(ta.Signature.parse_json(self.ctx, raw).kind)
        gw = ta.Signature.parse_json(
            self.ctx, raw[:-1] + b',"signature_kind":"gateway"}')
        self.assertEqual(gw.kind, "gateway")
        self.assertEqual(json.loads(gw.to_json())["signature_kind"], "gateway")
        res = gw.verify(req, resp, expected_signer=NEAR_SIGNER)
        self.assertTrue(res.verified)
        self.assertEqual(res.facts["signature_kind"], "gateway")
        pt = ta.Signature.parse_json(
            self.ctx, raw[:-1] + b',"signature_kind":"provider_tee"}')
        self.assertEqual(pt.kind, "provider_tee")
        res = pt.verify(req, resp, expected_signer=NEAR_SIGNER)
        self.assertFalse(res.verified)
        self.assertEqual([c.name for c in res.failures], ["signature.kind"])
        self.assertEqual(res.check("signature.kind").outcome, ta.Outcome.FAIL)
        for extra in (b',"signature_kind":"Gateway"}',
                      b',"signature_kind":"gateway","signature_kind":"gateway"}'):
            with self.assertRaises(ta.ParseError) as cm:
                ta.Signature.parse_json(self.ctx, raw[:-1] + extra)
            self.assertEqual(cm.exception.status, ta.Status.E_JSON)
        self.assertEqual(int(ta.SigKind.GATEWAY), 2)

    def test_phala_2024_record(self):
        raw, req, resp = saved_exchange("phala_inference_api_2024_stream")
        sig = ta.Signature.parse_json(self.ctx, raw)
        self.assertIsNone(sig.claimed_signer)
        self.assertTrue(sig.verify(req, resp, PHALA_SIGNER).verified)

    def test_tampered_response_rejected(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(self.ctx, raw)
        bad = resp.replace(b'"Okay"', b'"Okey"')
        self.assertNotEqual(bad, resp)
        res = sig.verify(req, bad, expected_signer=NEAR_SIGNER)
        self.assertFalse(res.verified)
        self.assertEqual(res.verdict, ta.Verdict.FAILED)
        self.assertIn("signature.hash.response",
                      [c.name for c in res.failures])
        with self.assertRaises(ta.NotVerified):
            res.verified_signer()
        with self.assertRaises(ta.NotVerified):
            res.require_verified()
        # A failed result's facts are never promoted to verified names.
        self.assertTrue(res.facts)
        for key in res.facts:
            self.assertTrue(key.startswith("unverified."), key)
        self.assertIsNone(res.fact("signer"))

    def test_wrong_pinned_signer_and_no_signer(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(self.ctx, raw)
        res = sig.verify(req, resp, expected_signer=PHALA_SIGNER)
        self.assertFalse(res.verified)
        res = sig.verify(req, resp)  # no pin: the required check is skipped
        self.assertFalse(res.verified)
        self.assertIn("signature.signer.expected",
                      [c.name for c in res.failures])
        with self.assertRaises(ta.ParseError):
            sig.verify(req, resp, expected_signer="0x1234")

    def test_bool_is_not_a_verdict(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(self.ctx, raw)
        for r in (sig.verify(req, resp, NEAR_SIGNER),
                  sig.verify(req, resp + b"x", NEAR_SIGNER)):
            with self.assertRaises(TypeError):
                bool(r)
            with self.assertRaises(TypeError):
                if r:
                    pass

    def test_from_fields_and_headers(self):
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        doc = json.loads(raw)
        sig = ta.Signature.from_fields(self.ctx, doc["text"],
                                       doc["signature"],
                                       doc["signing_address"], "ecdsa")
        self.assertTrue(sig.verify(req, resp, NEAR_SIGNER).verified)
        hdr = "".join("%s: %s\r\n" % (k, doc[k]) for k in
                      ("text", "signature", "signing_address"))
        sig = ta.Signature.parse_headers(self.ctx, hdr)
        self.assertTrue(sig.verify(req, resp, NEAR_SIGNER).verified)


def near_capture(ctx, name):
    """A NEAR capture as tests/conformance/test_report_verify.c loads it:
    report, TLS key, Intel collateral, nonce and recorded time."""
    d = os.path.join(FIX, "providers", name)
    m = json.loads(read(d, "capture_manifest.json"))
    rep = ta.Report.parse(ctx, "nearai", read(d, "attestation_report.json"))
    ev = ta.Evidence(ctx)
    meta = json.loads(read(d, "attestation_report.http_meta.json"))
    if meta.get("peer_spki_der_base64"):
        ev.set_tls_spki(base64.b64decode(meta["peer_spki_der_base64"]))
    with ta.Collateral.load_dir(ctx, os.path.join(
            FIX, "providers", "nearai_direct_ed25519_tls", "intel_pcs")) as c:
        ev.add_collateral(c)
    at = int(datetime.datetime.strptime(
        m["captured_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp())
    return rep, ev, bytes.fromhex(m["nonce_hex"]), at, d


class TestReports(unittest.TestCase):
    """The NEAR captures offline at their recorded time, with the checks
    tests/conformance/test_report_verify.c expects."""

    def setUp(self):
        self.ctx = ta.Context()

    def expect_failures(self, res, patterns):
        bad = [c.name for c in res.failures]
        stray = [n for n in bad if not any(glob_match(p, n)
                                           for p in patterns)]
        unused = [p for p in patterns if not any(glob_match(p, n)
                                                 for n in bad)]
        self.assertEqual((stray, unused), ([], []))
        self.assertEqual(res.verified, not patterns)

    def test_near_direct_verifies(self):
        rep, ev, nonce, at, d = near_capture(self.ctx,
                                             "nearai_direct_ed25519_tls")
        ev.set_nras_response(read(d, "nras_response.json"), 0)
        ev.gpu_inputs.add(ta.GpuItem.JWKS, read(d, "nras_jwks.json"))
        res = rep.verify(ev, ta.Policy(self.ctx).set_time(at), nonce=nonce)
        self.expect_failures(res, [])
        self.assertEqual(res.verdict, ta.Verdict.VERIFIED)
        signer = res.verified_signer()
        self.assertEqual(signer.algo, "ed25519")
        self.assertEqual(signer.signer, res.facts["signer"])
        self.assertNotIn("signer", [k for k in res.facts
                                    if k.startswith("unverified.")])

    def test_near_direct_replayed_nonce_fails(self):
        rep, ev, nonce, at, d = near_capture(self.ctx,
                                             "nearai_direct_ed25519_tls")
        ev.set_nras_response(read(d, "nras_response.json"), 0)
        ev.gpu_inputs.add(ta.GpuItem.JWKS, read(d, "nras_jwks.json"))
        res = rep.verify(ev, ta.Policy(self.ctx).set_time(at),
                         nonce=bytes(32))
        self.assertFalse(res.verified)
        self.assertTrue(any("nonce" in c.name or "freshness" in c.name
                            for c in res.failures), res.failures)
        for key in res.facts:
            self.assertTrue(key.startswith("unverified."), key)
        with self.assertRaises(ta.NotVerified):
            res.verified_signer()

    def test_near_gateway_fails_where_the_data_says(self):
        rep, ev, nonce, at, _ = near_capture(
            self.ctx, "nearai_cloud_gateway_ed25519_tls")
        res = rep.verify(ev, ta.Policy(self.ctx).set_time(at), nonce=nonce)
        # The gateway's FMSPC has no collateral in the fixtures; the
        # model's GPUs have no RIMs and no NRAS answer.
        self.expect_failures(res, ["entry[0].tdx.collateral",
                                   "entry[1].gpu[*].rim.*"])
        o = {c.name: c.outcome.value for c in res.checks}
        self.assertEqual(o["entry[0].binding.report_data"], "pass")
        self.assertEqual(o["entry[0].binding.tls"], "pass")
        self.assertEqual(o["entry[0].eventlog.replay"], "pass")
        self.assertEqual(o["entry[0].gpu.present"], "skip")
        self.assertEqual(o["entry[1].tdx.status"], "pass")
        self.assertEqual(
            res.facts["unverified.signer"],
            "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823")
        self.assertNotIn("signer", res.facts)

    def test_report_accessors(self):
        rep, _, _, _, d = near_capture(self.ctx, "nearai_direct_ed25519_tls")
        self.assertEqual(rep.dialect, "nearai")
        self.assertEqual(rep.raw, read(d, "attestation_report.json"))
        self.assertIsNone(rep.nonce)  # parsed offline
        self.assertGreaterEqual(len(rep), 1)
        e = rep.entry(0)
        self.assertIn("quote", e)
        addr = rep.entry_field(0, ta.EntryField.SIGNING_ADDRESS).decode()
        self.assertEqual(rep.find_entry(addr), 0)
        with self.assertRaises(ta.NotFound):
            rep.find_entry("00" * 32)


class TestQuoteGpu(unittest.TestCase):
    """TDX quote and NVIDIA GPU verification from the fixtures."""

    def setUp(self):
        self.ctx = ta.Context()

    def test_quote_uptodate(self):
        d = os.path.join(FIX, "tdx", "dcapqvl_near_v4_uptodate")
        exp = json.loads(read(d, "expected.json"))
        col = ta.Collateral.load_dir(self.ctx, d)
        self.assertGreater(col.expiry, exp["verify_at_unix"])
        pol = ta.Policy(self.ctx).set_time(exp["verify_at_unix"])
        res = ta.verify_quote(self.ctx, read(d, "quote.bin"), col, pol)
        self.assertTrue(res.verified, res.failures)
        self.assertEqual(res.facts["tdx.status"], "UpToDate")
        self.assertEqual(res.facts["tdx.fmspc"].lower(), "20a06f000000")
        col2 = ta.Collateral.parse_json(self.ctx, read(d, "collateral.json"))
        self.assertTrue(ta.verify_quote(self.ctx, read(d, "quote.bin"), col2,
                                        pol).verified)
        with tempfile.TemporaryDirectory() as tmp:
            col.save_dir(tmp)
            col3 = ta.Collateral.load_dir(self.ctx, tmp)
            self.assertTrue(ta.verify_quote(self.ctx, read(d, "quote.bin"),
                                            col3, pol).verified)
        # A flipped byte of the quote body: the signature no longer holds.
        q = bytearray(read(d, "quote.bin"))
        q[100] ^= 1
        res = ta.verify_quote(self.ctx, bytes(q), col, pol)
        self.assertFalse(res.verified)
        self.assertIn("tdx.quote.signature", [c.name for c in res.failures])
        # Outside the collateral's window.
        res = ta.verify_quote(self.ctx, read(d, "quote.bin"), col,
                              ta.Policy(self.ctx).set_time(1900000000))
        self.assertFalse(res.verified)
        self.assertEqual(ta.tdx_status_name(ta.TdxStatus.UP_TO_DATE),
                         "UpToDate")

    def test_quote_min_tcb_eval(self):
        # The fixture's TCB Info and QE Identity both carry
        # tcbEvaluationDataNumber 17: 17 is accepted, 18 is not.
        d = os.path.join(FIX, "tdx", "dcapqvl_near_v4_uptodate")
        exp = json.loads(read(d, "expected.json"))
        col = ta.Collateral.load_dir(self.ctx, d)
        quote = read(d, "quote.bin")
        pol = ta.Policy(self.ctx).set_time(exp["verify_at_unix"])
        res = ta.verify_quote(self.ctx, quote, col, pol.set_min_tcb_eval(17))
        self.assertTrue(res.verified, res.failures)
        self.assertEqual(res.facts["tdx.tcb_info.eval_number"], "17")
        self.assertEqual(res.facts["tdx.qe_identity.eval_number"], "17")
        res = ta.verify_quote(self.ctx, quote, col, pol.set_min_tcb_eval(18))
        self.assertFalse(res.verified)
        self.assertEqual([c.name for c in res.failures],
                         ["tdx.tcb_eval_number"])

    def test_gpu_h100_local(self):
        d = os.path.join(FIX, "nvidia", "h100_550.90.07_full")
        inp = ta.GpuInputs(self.ctx)
        inp.add(ta.GpuItem.RIM, read(d, "driver_rim.xml"),
                id="NV_GPU_DRIVER_GH100_550.90.07")
        inp.add(ta.GpuItem.RIM, read(d, "vbios_rim.xml"),
                id="NV_GPU_VBIOS_1010_0200_882_96009F0001")
        for n in ("rim_driver_l4_signer", "rim_vbios_l4_signer",
                  "rim_l3_reference_value_gh100_002",
                  "rim_l2_reference_value_gh100_ca"):
            inp.add(ta.GpuItem.OCSP, read(d, "ocsp", n + ".der"))
        self.assertEqual(inp.count(ta.GpuItem.RIM), 2)
        self.assertEqual(inp.items(ta.GpuItem.RIM)[0][0],
                         "NV_GPU_DRIVER_GH100_550.90.07")
        nonce = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
        pol = ta.Policy(self.ctx).set_time(1761307200)
        payload = read(d, "nvidia_payload.json")
        res = ta.verify_gpu(self.ctx, payload, nonce, inp, pol)
        self.assertTrue(res.verified, res.failures)
        o = {c.name: c.outcome.value for c in res.checks}
        self.assertEqual(o["gpu[0].spdm.signature"], "pass")
        self.assertEqual(o["gpu[0].rim.driver.measurements"], "pass")
        self.assertEqual(o["gpu[0].ocsp.cert[1]"], "skip")
        self.assertEqual(res.facts["gpu.measurements"], "rim")
        # Another nonce: the GPU did not sign it.
        res = ta.verify_gpu(self.ctx, payload, bytes(32), inp, pol)
        self.assertFalse(res.verified)
        self.assertIn("gpu[0].nonce", [c.name for c in res.failures])
        # OCSP required without the device responses: fails closed.
        pol.set_gpu_ocsp(ta.GpuRequirement.REQUIRE)
        self.assertFalse(ta.verify_gpu(self.ctx, payload, nonce, inp,
                                       pol).verified)
        with self.assertRaises(ta.InvalidArgument):
            ta.verify_gpu(self.ctx, payload, bytes(31), inp, pol)

    def test_sigstore_bundle(self):
        d = os.path.join(SRC, "tests", "data", "sigstore-conformance")
        case = os.path.join(d, "bundle-verify", "happy-path-v0.3")
        bundle = read(case, "bundle.sigstore.json")
        root = read(d, "production_trusted_root.json")
        art = read(d, "a.txt")
        ident = ("https://github.com/sigstore-conformance/extremely-dangerous-"
                 "public-oidc-beacon/.github/workflows/extremely-dangerous-"
                 "oidc-beacon.yml@refs/heads/main")
        iss = "https://token.actions.githubusercontent.com"
        res = ta.verify_sigstore_bundle(self.ctx, bundle, root, artifact=art,
                                        identity=ident, issuer=iss)
        self.assertTrue(res.verified, res.failures)
        self.assertEqual(res.facts["sigstore.issuer"], iss)
        res = ta.verify_sigstore_bundle(
            self.ctx, bundle, root, artifact_sha256=hashlib.sha256(art).digest(),
            identity=r"https://github\.com/sigstore-conformance/.*",
            issuer=iss, identity_regexp=True)
        self.assertTrue(res.verified, res.failures)
        # Another identity, another artifact: each fails on its check.
        res = ta.verify_sigstore_bundle(self.ctx, bundle, root, artifact=art,
                                        identity="someone@example.com",
                                        issuer=iss)
        self.assertFalse(res.verified)
        self.assertIn("sigstore.certificate.identity",
                      [c.name for c in res.failures])
        res = ta.verify_sigstore_bundle(self.ctx, bundle, root,
                                        artifact=art + b"x", identity=ident,
                                        issuer=iss)
        self.assertIn("sigstore.artifact.digest",
                      [c.name for c in res.failures])
        with self.assertRaises(ta.InvalidArgument):
            ta.verify_sigstore_bundle(self.ctx, bundle, root, artifact=art)
        # No root: the shipped default (Sigstore's public-good root); an
        # empty root is a given one that does not parse.
        res = ta.verify_sigstore_bundle(self.ctx, bundle, artifact=art,
                                        identity=ident, issuer=iss)
        self.assertTrue(res.verified, res.failures)
        self.assertIn("shipped default",
                      [c for c in res.checks
                       if c.name == "sigstore.trusted_root"][0].detail)
        res = ta.verify_sigstore_bundle(self.ctx, bundle, b"", artifact=art,
                                        identity=ident, issuer=iss)
        self.assertIn("sigstore.trusted_root",
                      [c.name for c in res.failures])


class TestBundle(unittest.TestCase):
    """Bundle round trip: the NEAR capture and a signed exchange saved,
    parsed back and verified offline with the same verdict."""

    def test_round_trip(self):
        ctx = ta.Context()
        rep, ev, nonce, at, d = near_capture(ctx, "nearai_direct_ed25519_tls")
        ev.set_nras_response(read(d, "nras_response.json"), 0)
        ev.gpu_inputs.add(ta.GpuItem.JWKS, read(d, "nras_jwks.json"))
        b = ta.Bundle(ctx)
        b.set_report(rep).set_evidence(ev).set_nonce(nonce).set_time(at)
        b.set_model("Qwen/Qwen3.5-122B-A10B")
        doc = b.to_json()
        b2 = ta.Bundle.parse(ctx, doc)
        self.assertEqual(b2.nonce, nonce)
        self.assertEqual(b2.time, at)
        self.assertEqual(b2.model, "Qwen/Qwen3.5-122B-A10B")
        self.assertIsNone(b2.exchange)
        self.assertIsNone(b2.signature)
        self.assertEqual(b2.report.raw, rep.raw)
        res = b2.verify()
        self.assertTrue(res.verified, res.failures)
        live = rep.verify(ev, ta.Policy(ctx).set_time(at), nonce=nonce)
        self.assertEqual([(c.name, c.outcome) for c in res.checks],
                         [(c.name, c.outcome) for c in live.checks])
        # A saved exchange whose signer the report does not attest: the
        # required response check fails, the report part still passes.
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        b2.set_exchange(req, resp).set_signature(
            ta.Signature.parse_json(ctx, raw))
        b3 = ta.Bundle.parse(ctx, b2.to_json())
        self.assertEqual(b3.exchange, (req, resp))
        res = b3.verify()
        self.assertFalse(res.verified)
        self.assertTrue(all(c.name.startswith("response.")
                            for c in res.failures), res.failures)
        with self.assertRaises(ta.ParseError):
            ta.Bundle.parse(ctx, doc.replace('"version"', '"versi0n"')
                            .replace("{", "[", 1))


class CountingCrypto:
    """A crypto backend in Python: SHA-2 with hashlib, randomness from
    os.urandom, everything else (keccak, curves) built in."""

    def __init__(self):
        self.calls = {"hash": 0, "random": 0, "ecdsa_verify": 0}

    def hash(self, alg, data):
        self.calls["hash"] += 1
        name = {ta.HashAlg.SHA256: "sha256", ta.HashAlg.SHA384: "sha384",
                ta.HashAlg.SHA512: "sha512"}.get(alg)
        return hashlib.new(name, data).digest() if name else None

    def random(self, n):
        self.calls["random"] += 1
        return os.urandom(n)

    def ecdsa_verify(self, curve, pubkey, digest, sig):
        self.calls["ecdsa_verify"] += 1
        return None  # the built-in code decides


class TestBackends(unittest.TestCase):
    """Python crypto members and callbacks through the library; exceptions
    in callbacks never cross into C and never become a pass."""

    def test_counting_crypto(self):
        crypto = CountingCrypto()
        ctx = ta.Context(crypto=crypto)
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(ctx, raw)
        self.assertTrue(sig.verify(req, resp, NEAR_SIGNER).verified)
        self.assertGreaterEqual(crypto.calls["hash"], 2)
        bad = sig.verify(req, resp + b" ", NEAR_SIGNER)
        self.assertFalse(bad.verified)
        rep, ev, nonce, at, d = near_capture(ctx, "nearai_direct_ed25519_tls")
        ev.set_nras_response(read(d, "nras_response.json"), 0)
        ev.gpu_inputs.add(ta.GpuItem.JWKS, read(d, "nras_jwks.json"))
        before = crypto.calls["hash"]
        res = rep.verify(ev, ta.Policy(ctx).set_time(at), nonce=nonce)
        self.assertTrue(res.verified, res.failures)
        self.assertGreater(crypto.calls["hash"], before)
        self.assertGreater(crypto.calls["ecdsa_verify"], 0)

    def test_lying_hash_fails(self):
        class Liar:
            def hash(self, alg, data):
                return bytes(32) if alg == ta.HashAlg.SHA256 else None
        ctx = ta.Context(crypto=Liar())
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        sig = ta.Signature.parse_json(ctx, raw)
        self.assertFalse(sig.verify(req, resp, NEAR_SIGNER).verified)

    def test_exception_in_crypto_is_reraised_not_passed(self):
        class Boom(Exception):
            pass

        class Broken:
            def hash(self, alg, data):
                raise Boom("from a crypto member")
        ctx = ta.Context(crypto=Broken())
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        # Parsing hashes the text already: the exception comes out there.
        with self.assertRaises(Boom):
            ta.Signature.parse_json(ctx, raw)
        # The context stays usable; the next call raises again.
        with self.assertRaises(Boom):
            ta.Signature.parse_json(ctx, raw)

    def test_verify_member_must_return_exactly_true(self):
        class Truthy:
            def ecdsa_verify(self, curve, pubkey, digest, sig):
                return 1  # truthy, but not True: refused
        ctx = ta.Context(crypto=Truthy())
        d = os.path.join(FIX, "tdx", "dcapqvl_near_v4_uptodate")
        col = ta.Collateral.load_dir(ctx, d)
        with self.assertRaises(TypeError):
            ta.verify_quote(ctx, read(d, "quote.bin"), col,
                            ta.Policy(ctx).set_time(1758092400))

    def test_verify_member_false_fails(self):
        class No:
            def ecdsa_verify(self, curve, pubkey, digest, sig):
                return False
        ctx = ta.Context(crypto=No())
        d = os.path.join(FIX, "tdx", "dcapqvl_near_v4_uptodate")
        col = ta.Collateral.load_dir(ctx, d)
        res = ta.verify_quote(ctx, read(d, "quote.bin"), col,
                              ta.Policy(ctx).set_time(1758092400))
        self.assertFalse(res.verified)

    def test_clock_and_log_callbacks(self):
        messages = []
        ctx = ta.Context(clock=lambda: 1700000000,
                         log=lambda lvl, msg: messages.append((lvl, msg)),
                         log_level=ta.LogLevel.DEBUG)
        self.assertEqual(ctx.now(), 1700000000)

        def bad_clock():
            raise KeyError("clock")
        ctx2 = ta.Context(clock=bad_clock)
        with self.assertRaises(KeyError):
            ctx2.now()
        raw, req, resp = saved_exchange("nearai_cloud_2025_stream")
        d = os.path.join(FIX, "tdx", "dcapqvl_near_v4_uptodate")
        col = ta.Collateral.load_dir(ctx2, d)
        with self.assertRaises(KeyError):
            ta.verify_quote(ctx2, read(d, "quote.bin"), col)


def need_sim(test):
    if SIM in ("", "-") or not os.path.exists(SIM):
        test.skipTest("teeattest-sim not built")


class UrllibTransport:
    """A transport in Python (urllib), counting its calls."""

    def __init__(self):
        self.calls = []

    def request(self, req):
        self.calls.append((req.method, req.url))
        headers = {k: v for k, v in (h.split(":", 1) for h in req.headers)}
        r = urllib.request.Request(req.url, data=req.body or None,
                                   method=req.method, headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=60) as f:
                return ta.HttpResponse(f.status, list(f.headers.items()),
                                       f.read())
        except urllib.error.HTTPError as e:
            return ta.HttpResponse(e.code, list(e.headers.items()), e.read())


class StreamingTransport(UrllibTransport):
    """The same, with a stream member writing chunks as they arrive."""

    def __init__(self):
        super().__init__()
        self.writes = 0

    def stream(self, req, sink):
        self.calls.append((req.method, req.url))
        headers = {k: v for k, v in (h.split(":", 1) for h in req.headers)}
        r = urllib.request.Request(req.url, data=req.body or None,
                                   method=req.method, headers=headers)
        with urllib.request.urlopen(r, timeout=60) as f:
            sink.set_status(f.status)
            for k, v in f.headers.items():
                sink.add_header(k, v)
            while True:
                chunk = f.read1(65536)
                if not chunk:
                    break
                self.writes += 1
                sink.write(chunk)


class SimCase(unittest.TestCase):
    def setUp(self):
        need_sim(self)
        self.sim = SimProcess(SIM, args=["--seed", "3", "--no-gpu"],
                              prefix="test-python-")
        self.addCleanup(self.sim.stop)
        with urllib.request.urlopen(self.sim.url + "/_sim/tdx-root.der",
                                    timeout=60) as r:
            self.root = r.read()

    def setup_ctx(self, **kw):
        ctx = ta.Context(**kw)
        prov = ta.Provider(ctx, "redpill", base_url=self.sim.url, model="m")
        pol = ta.Policy(ctx).set_tdx_root(self.root).set_require_gpu(False)
        ev = ta.Evidence(ctx).set_online(True, self.sim.url)
        return ctx, prov, pol, ev


class TestSim(SimCase):
    """attest and chat against teeattest-sim with its TEST root."""

    def test_attest_and_streamed_chat(self):
        ctx, prov, pol, ev = self.setup_ctx()
        att = prov.attest(pol, ev)
        self.assertTrue(att.verified, att.result.failures)
        self.assertEqual(att.result.check("entry[0].tdx.root_override")
                         .outcome, ta.Outcome.WARN)
        signer = att.result.verified_signer()
        self.assertEqual(len(att.nonce), 32)
        self.assertEqual(att.report.nonce, att.nonce)
        with prov.chat_stream(ta.chat_body("m", "hello", stream=True)) as cs:
            events = list(cs)
            self.assertGreater(len(events), 3)
            self.assertTrue(events[-1].done)
            text = "".join(e.content for e in events)
            self.assertEqual(text, cs.text)
            res = cs.verify(attestation=att.result)
            self.assertTrue(res.verified, res.failures)
            self.assertEqual(res.facts["signer_source"], "attestation")
            res2 = cs.verify(signer.signer)
            self.assertTrue(res2.verified, res2.failures)
        # Non-streamed, with a callback.
        seen = []
        x = prov.chat(ta.chat_body("m", "hi"), on_event=seen.append)
        self.assertEqual(x.status, 200)
        self.assertEqual(len(seen), 1)
        sig = prov.fetch_signature(x)
        self.assertTrue(sig.verify(x.request, x.response,
                                   signer.signer).verified)
        # And the bundle of all of it verifies offline.
        b = ta.Bundle.from_attestation(att, exchange=x, signature=sig,
                                       model="m")
        offline = ta.Bundle.parse(ta.Context(), b.to_json())
        res = offline.verify(ta.Policy(offline._ctx).set_tdx_root(self.root)
                             .set_require_gpu(False))
        self.assertTrue(res.verified, res.failures)

    def test_tampered_answer_rejected(self):
        ctx, prov, pol, ev = self.setup_ctx()
        att = prov.attest(pol, ev)
        self.assertTrue(att.verified)
        self.sim.control({"tamper_response": True})
        cs = prov.chat_stream(ta.chat_body("m", "hello", stream=True))
        self.assertGreater(len(list(cs)), 3)
        res = cs.verify(attestation=att.result)
        self.assertFalse(res.verified)
        self.assertIn("signature.hash.response",
                      [c.name for c in res.failures])
        with self.assertRaises(ta.NotVerified):
            res.verified_signer()
        self.sim.control({"reset": True, "wrong_signer": True})
        res = prov.chat_stream(ta.chat_body("m", "x", stream=True)).verify(
            attestation=att.result)
        self.assertFalse(res.verified)

    def test_untrusted_root_fails_attest(self):
        ctx, prov, pol, ev = self.setup_ctx()
        pol.set_tdx_root(None)
        att = prov.attest(pol, ev)
        self.assertFalse(att.verified)
        with self.assertRaises(TypeError):
            bool(att)
        self.assertIn("entry[0].tdx.pck_chain",
                      [c.name for c in att.result.failures])

    def test_provenance_online_twice(self):
        """One evidence object verified online twice against the
        simulator's OCI registry: the second time the registry serves the
        same bundles, which are held already, so the evidence does not
        grow (it did, toward its 64-bundle bound)."""
        tmp = tempfile.TemporaryDirectory(prefix="test-python-oci-")
        self.addCleanup(tmp.cleanup)
        root_path = os.path.join(tmp.name, "trusted_root.json")
        sim = SimProcess(SIM, args=["--seed", "3", "--no-gpu", "--oci",
                                    "--sigstore-root-out", root_path],
                         prefix="test-python-oci-")
        self.addCleanup(sim.stop)
        with urllib.request.urlopen(sim.url + "/_sim/tdx-root.der",
                                    timeout=60) as r:
            tdx_root = r.read()
        ctx = ta.Context()
        prov = ta.Provider(ctx, "redpill", base_url=sim.url, model="m")
        workflow = ("https://github.com/teeattest-sim/app/.github/workflows/"
                    "release.yml@refs/heads/main")
        pol = (ta.Policy(ctx).set_tdx_root(tdx_root).set_require_gpu(False)
               .set_require_provenance(True)
               .add_provenance_identity(
                   "registry.sim.test/teeattest-sim/", workflow,
                   "https://token.actions.githubusercontent.com")
               .set_sigstore_trusted_root(read(root_path)))
        ev = ta.Evidence(ctx)
        # The wrapper's set_online has no image-registry switch: the C call.
        ev._call(_lib.load().evidence_set_online, ev._p,
                 ta.ONLINE_PCCS | ta.ONLINE_IMAGE_REGISTRY,
                 sim.url.encode())
        ev.set_url(ta.ONLINE_IMAGE_REGISTRY, sim.url)
        rep = prov.fetch_report()
        res = rep.verify(ev, pol)
        self.assertTrue(res.verified, res.failures)
        held = ev.sigstore_bundles
        self.assertEqual(len(held), 2)
        res = rep.verify(ev, pol)
        self.assertTrue(res.verified, res.failures)
        self.assertEqual(ev.sigstore_bundles, held)
        detail = [c.detail for c in res.checks
                  if c.name == "entry[0].provenance.image[0].bundle"][0]
        self.assertIn("1 fetched from the registry, 0 supplied", detail)

    def test_errors_from_the_network(self):
        ctx, prov, pol, ev = self.setup_ctx()
        self.sim.control({"fail_next": [404]})
        with self.assertRaises(ta.HttpStatusError) as cm:
            prov.fetch_report()
        self.assertEqual(cm.exception.backend_code, 404)
        self.sim.control({"expire_signatures": True})
        x = prov.chat(ta.chat_body("m", "hi"))
        with self.assertRaises(ta.SignatureUnavailable):
            prov.fetch_signature(x)
        dead = ta.Provider(ctx, "redpill", base_url="http://127.0.0.1:9",
                           model="m")
        with self.assertRaises(ta.NetworkError):
            dead.fetch_report()

    def test_sleep_callback_between_retries(self):
        waits, logs = [], []
        ctx, prov, pol, ev = self.setup_ctx(
            sleep=waits.append, log=lambda lvl, msg: logs.append((lvl, msg)),
            log_level=ta.LogLevel.INFO)
        self.sim.control({"fail_next": [503, 503]})
        rep = prov.fetch_report()  # a GET: retried after each 503
        self.assertEqual(len(rep.nonce), 32)
        self.assertEqual(len(waits), 2)
        self.assertTrue(logs)
        self.assertTrue(all(isinstance(m, str) for _, m in logs))

        def broken_sleep(ms):
            raise OverflowError("sleep")
        ctx, prov, pol, ev = self.setup_ctx(sleep=broken_sleep)
        self.sim.control({"fail_next": [503]})
        with self.assertRaises(OverflowError):
            prov.fetch_report()

    def test_stream_closed_early(self):
        ctx, prov, pol, ev = self.setup_ctx()
        # The stream stalls halfway until the client leaves; the idle
        # timeout ends the exchange whatever the machine's speed.
        # (Should the first event not even arrive within the idle timeout
        # on a crawling machine, iterating raises the timeout instead.)
        prov.set_timeouts(idle_ms=3000)
        self.sim.control({"stall_forever": True})
        cs = prov.chat_stream(ta.chat_body("m", "hello", stream=True))
        it = iter(cs)
        try:
            first = next(it)
            self.assertIn("assistant", first.text)
        except ta.NetworkError:
            pass
        cs.close()
        self.assertIsNone(cs.exchange)
        with self.assertRaises(ta.NetworkError):
            cs.verify(attestation=None)

    def test_cancel_from_the_callback(self):
        ctx, prov, pol, ev = self.setup_ctx()
        with self.assertRaises(ta.Cancelled):
            prov.chat(ta.chat_body("m", "hi", stream=True), stream=True,
                      on_event=lambda e: False)

        class Stop(Exception):
            pass

        def boom(e):
            raise Stop()
        with self.assertRaises(Stop):
            prov.chat(ta.chat_body("m", "hi", stream=True), stream=True,
                      on_event=boom)


class TestTransport(SimCase):
    """A transport written in Python, through the library."""

    def test_python_transport(self):
        tr = UrllibTransport()
        ctx, prov, pol, ev = self.setup_ctx(transport=tr)
        att = prov.attest(pol, ev)
        self.assertTrue(att.verified, att.result.failures)
        n = len(tr.calls)
        self.assertGreaterEqual(n, 2)  # report + collateral
        cs = prov.chat_stream(ta.chat_body("m", "hello", stream=True))
        self.assertGreater(len(list(cs)), 3)
        res = cs.verify(attestation=att.result)
        self.assertTrue(res.verified, res.failures)
        self.assertEqual(tr.calls[n][0], "POST")
        log = self.sim.log()
        self.assertGreaterEqual(log["count"], len(tr.calls))

    def test_cache_dir_passed_through(self):
        # Context(cache_dir=...) reaches teeattest_ctx_options.cache_dir: a
        # second context on the same directory attests without asking the
        # PCCS for collateral again; an empty path is refused by the C side.
        with self.assertRaises(ta.InvalidArgument):
            ta.Context(cache_dir="")
        with tempfile.TemporaryDirectory(prefix="test-python-cache-") as d:
            first = UrllibTransport()
            ctx, prov, pol, ev = self.setup_ctx(transport=first,
                                                cache_dir=d)
            self.assertTrue(prov.attest(pol, ev).verified)
            self.assertTrue(any("/certification/" in u
                                for _, u in first.calls), first.calls)
            self.assertTrue(os.listdir(d))
            second = UrllibTransport()
            ctx, prov, pol, ev = self.setup_ctx(transport=second,
                                                cache_dir=d)
            att = prov.attest(pol, ev)
            self.assertTrue(att.verified, att.result.failures)
            self.assertFalse([u for _, u in second.calls
                              if "/certification/" in u], second.calls)

    def test_memo_bounds_passed_through(self):
        # Context(memo_entries=..., memo_bytes=...) reach
        # teeattest_ctx_options: off, tiny and default bounds all verify the
        # same attestation twice; a negative bound is refused.
        with self.assertRaises(ta.InvalidArgument):
            ta.Context(memo_entries=-1)
        for kw in ({"memo_entries": ta.MEMO_OFF}, {"memo_bytes": ta.MEMO_OFF},
                   {"memo_entries": 1, "memo_bytes": 1}, {}):
            ctx, prov, pol, ev = self.setup_ctx(**kw)
            for _ in range(2):
                att = prov.attest(pol, ev)
                self.assertTrue(att.verified, (kw, att.result.failures))

    def test_python_streaming_transport(self):
        tr = StreamingTransport()
        ctx, prov, pol, ev = self.setup_ctx(transport=tr)
        att = prov.attest(pol, ev)
        self.assertTrue(att.verified, att.result.failures)
        cs = prov.chat_stream(ta.chat_body("m", "hello", stream=True))
        events = list(cs)
        self.assertGreater(len(events), 3)
        self.assertGreater(tr.writes, 1)  # chunks, not one body
        res = cs.verify(attestation=att.result)
        self.assertTrue(res.verified, res.failures)
        # A callback that stops the stream: the sink refuses the next
        # chunk, the transport lets that propagate, chat() says Cancelled.
        with self.assertRaises(ta.Cancelled):
            prov.chat(ta.chat_body("m", "hi", stream=True), stream=True,
                      on_event=lambda e: False)

    def test_transport_exception_is_reraised(self):
        class Broken:
            def request(self, req):
                raise ZeroDivisionError("transport bug")
        ctx, prov, pol, ev = self.setup_ctx(transport=Broken(),
                                            sleep=lambda ms: None)
        with self.assertRaises(ZeroDivisionError):
            prov.fetch_report()

    def test_transport_reports_a_timeout(self):
        class Slow:
            def request(self, req):
                raise ta.Timeout("the peer took too long")
        ctx, prov, pol, ev = self.setup_ctx(transport=Slow(),
                                            sleep=lambda ms: None)
        with self.assertRaises(ta.Timeout) as cm:
            prov.fetch_report()
        self.assertIn("too long", cm.exception.message)

    def test_threads_share_a_context(self):
        tr = UrllibTransport()
        ctx, prov, pol, ev = self.setup_ctx(transport=tr)
        errors = []

        def work():
            try:
                x = prov.chat(ta.chat_body("m", "hi"))
                sig = prov.fetch_signature(x)
                r = sig.verify(x.request, x.response, sig.claimed_signer)
                if not r.verified:
                    errors.append(r.failures)
            except BaseException as e:
                errors.append(e)
        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])


class TestInstall(unittest.TestCase):
    """pip install --no-index ./bindings/python into a fresh venv, then
    the example program with that venv's python against the built
    library (and the simulator)."""

    def test_pip_install_and_example(self):
        need_sim(self)
        venv = os.path.join(BUILD, "python-venv")
        subprocess.run([sys.executable, "-m", "venv", "--clear", venv],
                       check=True, timeout=600)
        py = os.path.join(venv, "bin", "python")
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env["PIP_NO_INDEX"] = "1"
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        r = subprocess.run([py, "-m", "pip", "install", "--no-index",
                            os.path.join(SRC, "bindings", "python")],
                           env=env, capture_output=True, text=True,
                           timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run([py, "-c", "import teeattest, sys; "
                            "print(teeattest.__file__); "
                            "print(teeattest.library_version())"],
                           env=env, capture_output=True, text=True,
                           timeout=120, cwd=venv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(venv), r.stdout)
        example = os.path.join(SRC, "bindings", "python", "examples",
                               "verify_and_chat.py")
        r = subprocess.run([py, example, "--fixtures", FIX, "--sim", SIM],
                           env=env, capture_output=True, text=True,
                           timeout=600, cwd=venv)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for line in ("saved signature: verified",
                     "NEAR capture at 2026-06-29T02:06:37Z: verified",
                     "simulator attestation: verified",
                     "simulator chat: verified",
                     "tampered answer: failed"):
            self.assertIn(line, r.stdout)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args:
        SIM = os.path.abspath(args[0]) if args[0] != "-" else "-"
        args = args[1:]
    fixtures_ok = os.path.isdir(os.path.join(FIX, "providers"))
    if not fixtures_ok:
        sys.exit(runner.cannot_run("the shared fixtures (TEEATTEST_FIXTURES="
                                   "%r)" % FIX))
    sys.exit(runner.main(args))
