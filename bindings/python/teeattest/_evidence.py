# SPDX-License-Identifier: Apache-2.0
"""Verification material (TDX collateral, GPU inputs, report evidence),
quote and GPU verification, evidence bundles."""
from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_size_t, c_void_p
from typing import Any, List, Optional

from ._core import (Context, Handle, Result, adopt_borrowed, borrowed, call,
                    cstr, data, flag, i32, lib, new_handle, size, text, u32,
                    unix_time)
from ._policy import Data, Policy, Signature, _ctx, _nonce, _pol, _same
from ._provider import Attestation, Exchange, Report
from .constants import (NONCE_SIZE, ONLINE_MODEL_FILES, ONLINE_PCCS,
                        ONLINE_TINFOIL_RELEASE,
                        EvidenceItem)
from .errors import InvalidArgument, NotFound

class Collateral(Handle):
    """Intel TDX collateral for one platform family. Immutable."""

    _kind = "collateral"
    _free_name = "collateral_free"

    @classmethod
    def load_dir(cls, ctx: Context, directory: str) -> "Collateral":
        """From a directory in the PCS raw layout."""
        return new_handle(cls, _ctx(ctx), lib().collateral_load_dir, ctx._p,
                          cstr(str(directory), "directory"))

    @classmethod
    def parse_json(cls, ctx: Context, doc: Data) -> "Collateral":
        """From dcap-qvl's single-file JSON form."""
        d = data(doc, "doc")
        return new_handle(cls, _ctx(ctx), lib().collateral_parse_json, ctx._p,
                          d, len(d or b""))

    @classmethod
    def fetch(cls, ctx: Context, quote: bytes,
              base_url: Optional[str] = None) -> "Collateral":
        """From Intel PCS (base_url None) or a PCCS, for this quote."""
        q = data(quote, "quote")
        return new_handle(cls, _ctx(ctx), lib().collateral_fetch, ctx._p,
                          cstr(base_url, "base_url", True), q, len(q or b""))

    def save_dir(self, directory: str) -> None:
        self._call(lib().collateral_save_dir, self._p,
                   cstr(str(directory), "directory"))

    @property
    def expiry(self) -> int:
        """Earliest expiry, Unix seconds (0 if unknown)."""
        return int(lib().collateral_expiry(self._p))


def verify_quote(ctx: Context, quote: bytes, collateral: Collateral,
                 policy: Optional[Policy] = None) -> Result:
    """Verify an Intel TDX quote with collateral (teeattest_tdx_verify)."""
    q = data(quote, "quote")
    assert q is not None
    out = c_void_p()
    call(lib().tdx_verify, _ctx(ctx)._p, byref(out), q, len(q),
         _same(collateral, Collateral, "collateral", False), _pol(policy),
         state=ctx._cb)
    return Result(out.value, ctx)


def verify_sigstore_bundle(ctx: Context, bundle: bytes,
                           trusted_root: Optional[bytes] = None,
                           *, artifact: Optional[bytes] = None,
                           artifact_sha256: Optional[bytes] = None,
                           identity: Optional[str] = None,
                           issuer: Optional[str] = None,
                           identity_regexp: bool = False,
                           issuer_regexp: bool = False,
                           key_pem: Optional[bytes] = None) -> Result:
    """Verify a Sigstore bundle against a trusted_root.json
    (teeattest_sigstore_verify_bundle); checks are sigstore.*. trusted_root
    None: the library's shipped default (Sigstore's public-good root)."""
    b = data(bundle, "bundle")
    t = data(trusted_root, "trusted_root", True)
    a = data(artifact, "artifact", True)
    d = data(artifact_sha256, "artifact_sha256", True)
    k = data(key_pem, "key_pem", True)
    flags = (1 if identity_regexp else 0) | (2 if issuer_regexp else 0)
    out = c_void_p()
    call(lib().sigstore_verify_bundle, _ctx(ctx)._p, byref(out), b,
         len(b or b""), t, len(t or b""), a, len(a or b""), d,
         cstr(identity, "identity", True), cstr(issuer, "issuer", True),
         flags, k, len(k or b""), state=ctx._cb)
    return Result(out.value, ctx)


def tdx_status_name(status: int) -> str:
    return text(lib().tdx_status_name(i32(status, "status"))) or ""


class GpuInputs(Handle):
    """Saved and fetched material for GPU verification. Not locked: one
    per thread."""

    _kind = "gpu_inputs"
    _free_name = "gpu_inputs_free"

    def __init__(self, ctx: Context, *, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            out = c_void_p()
            call(lib().gpu_inputs_new, _ctx(ctx)._p, byref(out), state=ctx._cb)
            _ptr = out.value
        super().__init__(_ptr, ctx)  # type: ignore[arg-type]

    def add(self, kind: int, item: Data, id: Optional[str] = None
            ) -> "GpuInputs":
        """Add a RIM (with its id), OCSP response, NRAS answer or JWKS."""
        d = data(item, "item")
        assert d is not None
        self._call(lib().gpu_inputs_add, self._p, i32(kind, "kind"),
                   cstr(id, "id", True), d, len(d))
        return self

    def add_dir(self, kind: int, directory: str) -> "GpuInputs":
        self._call(lib().gpu_inputs_add_dir, self._p, i32(kind, "kind"),
                   cstr(str(directory), "directory"))
        return self

    def count(self, kind: int) -> int:
        return int(lib().gpu_inputs_count(self._p, i32(kind, "kind")))

    def items(self, kind: int) -> List[tuple]:
        """[(id or None, bytes)] of a kind, in the order added."""
        out = []
        for i in range(self.count(kind)):
            idp, p, n = c_char_p(), c_void_p(), c_size_t()
            self._call(lib().gpu_inputs_get, self._p, i32(kind, "kind"), i,
                       byref(idp), byref(p), byref(n))
            out.append((text(idp.value), borrowed(p.value, n.value)))
        return out

    def set_online(self, services: int) -> "GpuInputs":
        """GpuService bits the verification may call (0: offline)."""
        self._call(lib().gpu_inputs_set_online, self._p,
                   u32(int(services), "services"))
        return self

    def set_url(self, service: int, url: Optional[str]) -> "GpuInputs":
        self._call(lib().gpu_inputs_set_url, self._p,
                   u32(int(service), "service"), cstr(url, "url", True))
        return self

    def set_service_key(self, key: Optional[str]) -> "GpuInputs":
        self._call(lib().gpu_inputs_set_service_key, self._p,
                   cstr(key, "key", True))
        return self

    def set_nras_version(self, version: int) -> "GpuInputs":
        self._call(lib().gpu_inputs_set_nras_version, self._p,
                   i32(version, "version"))
        return self


def verify_gpu(ctx: Context, evidence: Data, nonce: Data,
               inputs: Optional[GpuInputs] = None,
               policy: Optional[Policy] = None) -> Result:
    """Verify NVIDIA GPU evidence against the 32-byte nonce (bytes or
    hex) the GPUs must have signed."""
    e = data(evidence, "evidence")
    assert e is not None
    n = _nonce(nonce)
    out = c_void_p()
    call(lib().gpu_verify, _ctx(ctx)._p, byref(out), e, len(e), n, len(n),
         _same(inputs, GpuInputs, "inputs"), _pol(policy), state=ctx._cb)
    return Result(out.value, ctx)


class Evidence(Handle):
    """Verification material for reports (collateral, NRAS answers, GPU
    inputs, TLS key); what a verification fetches is added to it. Not
    synchronised: one verification at a time."""

    _kind = "evidence"
    _free_name = "evidence_free"

    def __init__(self, ctx: Context, *, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            out = c_void_p()
            call(lib().evidence_new, _ctx(ctx)._p, byref(out), state=ctx._cb)
            _ptr = out.value
        super().__init__(_ptr, ctx)  # type: ignore[arg-type]

    def add_collateral(self, collateral: Collateral) -> "Evidence":
        self._call(lib().evidence_add_collateral, self._p,
                   _same(collateral, Collateral, "collateral", False))
        return self

    @property
    def collaterals(self) -> List[Collateral]:
        L = lib()
        return [adopt_borrowed(Collateral, self._ctx, L.collateral_ref,
                               L.evidence_collateral(self._p, i))
                for i in range(L.evidence_collateral_count(self._p))]

    def set(self, item: int, value: Optional[Data], entry: int = 0
            ) -> "Evidence":
        """Set (or with None remove) an EvidenceItem."""
        d = data(value, "value", allow_none=True)
        self._call(lib().evidence_set, self._p, i32(item, "item"),
                   size(entry, "entry"), d, len(d) if d else 0)
        return self

    def get(self, item: int, entry: int = 0) -> Optional[bytes]:
        p, n = c_void_p(), c_size_t()
        try:
            self._call(lib().evidence_get, self._p, i32(item, "item"),
                       size(entry, "entry"), byref(p), byref(n))
        except NotFound:
            return None
        return borrowed(p.value, n.value)

    def set_tls_spki(self, der: Optional[bytes]) -> "Evidence":
        return self.set(EvidenceItem.TLS_SPKI, der)

    def set_nras_response(self, doc: Optional[Data], entry: int = 0
                          ) -> "Evidence":
        return self.set(EvidenceItem.NRAS_RESPONSE, doc, entry)

    @property
    def gpu_inputs(self) -> GpuInputs:
        """The GPU material shared by every entry."""
        L = lib()
        g = adopt_borrowed(GpuInputs, self._ctx, L.gpu_inputs_ref,
                           L.evidence_gpu_inputs(self._p))
        if g is None:
            raise InvalidArgument("evidence without GPU inputs")
        return g

    def set_online(self, pccs: bool = True,
                   pccs_url: Optional[str] = None,
                   model_files: bool = False,
                   tinfoil_release: bool = False) -> "Evidence":
        """Allow fetching missing TDX collateral (from pccs_url, or Intel
        PCS when None), with model_files the compose file NEAR's compose
        manager deployed, and with tinfoil_release the Tinfoil release a
        policy names by repository (Policy.set_tinfoil_release_repo).
        pccs=False: offline (the default)."""
        self._call(lib().evidence_set_online, self._p,
                   (ONLINE_PCCS if flag(pccs, "pccs") else 0) |
                   (ONLINE_MODEL_FILES if flag(model_files, "model_files")
                    else 0) |
                   (ONLINE_TINFOIL_RELEASE
                    if flag(tinfoil_release, "tinfoil_release") else 0),
                   cstr(pccs_url, "pccs_url", True))
        return self

    def add_sigstore_bundle(self, doc: Data) -> "Evidence":
        """Add a Sigstore bundle for image provenance."""
        d = data(doc, "doc")
        self._call(lib().evidence_add_sigstore_bundle, self._p, d, len(d))
        return self

    @property
    def sigstore_bundles(self) -> List[bytes]:
        """The Sigstore bundles held (supplied or fetched)."""
        L = lib()
        out = []
        for i in range(L.evidence_sigstore_bundle_count(self._p)):
            p, n = c_void_p(), c_size_t()
            self._call(L.evidence_sigstore_bundle, self._p, size(i, "index"),
                       byref(p), byref(n))
            out.append(borrowed(p.value, n.value))
        return out

    def set_url(self, service: int, url: Optional[str]) -> "Evidence":
        """Base URL of one online service (ONLINE_PCCS,
        ONLINE_MODEL_FILES, ONLINE_IMAGE_REGISTRY or
        ONLINE_TINFOIL_RELEASE); None restores the default."""
        self._call(lib().evidence_set_url, self._p, int(service),
                   cstr(url, "url", True))
        return self


# ---- bundles -----------------------------------------------------------

class Bundle(Handle):
    """An evidence bundle: everything to verify an attestation (and one
    signed exchange) again offline. Verify one bundle from one thread at a
    time."""

    _kind = "bundle"
    _free_name = "bundle_free"

    def __init__(self, ctx: Context, *, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            out = c_void_p()
            call(lib().bundle_new, _ctx(ctx)._p, byref(out), state=ctx._cb)
            _ptr = out.value
        super().__init__(_ptr, ctx)  # type: ignore[arg-type]

    @classmethod
    def parse(cls, ctx: Context, doc: Data) -> "Bundle":
        d = data(doc, "doc")
        out = c_void_p()
        call(lib().bundle_parse, _ctx(ctx)._p, byref(out), d, len(d or b""),
             state=ctx._cb)
        return cls(ctx, _ptr=out.value)

    @classmethod
    def from_attestation(cls, att: Attestation, *,
                         exchange: Optional[Exchange] = None,
                         signature: Optional[Signature] = None,
                         model: Optional[str] = None) -> "Bundle":
        """A bundle of an Attestation (and a signed exchange)."""
        ctx = att.report._ctx
        assert ctx is not None
        b = cls(ctx)
        b.set_report(att.report).set_evidence(att.evidence)
        b.set_nonce(att.nonce)
        if model is not None:
            b.set_model(model)
        if exchange is not None:
            b.set_exchange(exchange.request, exchange.response)
        if signature is not None:
            b.set_signature(signature)
        return b

    def set_report(self, report: Report) -> "Bundle":
        self._call(lib().bundle_set_report, self._p,
                   _same(report, Report, "report", False))
        return self

    def set_evidence(self, evidence: Evidence) -> "Bundle":
        self._call(lib().bundle_set_evidence, self._p,
                   _same(evidence, Evidence, "evidence", False))
        return self

    def set_nonce(self, nonce: Data) -> "Bundle":
        n = _nonce(nonce)
        self._call(lib().bundle_set_nonce, self._p, n, len(n))
        return self

    def set_model(self, model: Optional[str]) -> "Bundle":
        self._call(lib().bundle_set_model, self._p,
                   cstr(model, "model", True))
        return self

    def set_time(self, when: Any) -> "Bundle":
        self._call(lib().bundle_set_time, self._p, unix_time(when, "time"))
        return self

    def set_exchange(self, request: Optional[Data],
                     response: Optional[Data]) -> "Bundle":
        rq = data(request, "request", True)
        rs = data(response, "response", True)
        self._call(lib().bundle_set_exchange, self._p, rq,
                   len(rq) if rq else 0, rs, len(rs) if rs else 0)
        return self

    def set_signature(self, signature: Optional[Signature]) -> "Bundle":
        self._call(lib().bundle_set_signature, self._p,
                   _same(signature, Signature, "signature"))
        return self

    def set_e2ee(self, session) -> "Bundle":
        """Record the E2EE v2 session of the exchange (a
        teeattest_e2ee_session pointer, after its request was encrypted;
        there is no session wrapper yet), or None to remove the record:
        verification then re-runs the E2EE checks offline. The bundle then
        holds the conversation in plaintext and the session's secret
        response key (docs/bundle.md, "aci.e2ee")."""
        self._call(lib().bundle_set_e2ee, self._p, session)
        return self

    def to_json(self) -> str:
        js, n = c_void_p(), c_size_t()
        self._call(lib().bundle_to_json, self._p, byref(js), byref(n))
        return borrowed(js.value, n.value).decode("utf-8")

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    @property
    def report(self) -> Optional[Report]:
        L = lib()
        return adopt_borrowed(Report, self._ctx, L.report_ref,
                              L.bundle_report(self._p))

    @property
    def evidence(self) -> Optional[Evidence]:
        L = lib()
        return adopt_borrowed(Evidence, self._ctx, L.evidence_ref,
                              L.bundle_evidence(self._p))

    @property
    def signature(self) -> Optional[Signature]:
        L = lib()
        return adopt_borrowed(Signature, self._ctx, L.signature_ref,
                              L.bundle_signature(self._p))

    @property
    def model(self) -> Optional[str]:
        return text(lib().bundle_model(self._p))

    @property
    def time(self) -> int:
        return int(lib().bundle_time(self._p))

    @property
    def nonce(self) -> Optional[bytes]:
        buf = ctypes.create_string_buffer(NONCE_SIZE)
        try:
            self._call(lib().bundle_nonce, self._p, buf, NONCE_SIZE)
        except NotFound:
            return None
        return buf.raw

    @property
    def exchange(self) -> Optional[tuple]:
        """(request, response) bytes, or None."""
        a, an, b, bn = c_void_p(), c_size_t(), c_void_p(), c_size_t()
        try:
            self._call(lib().bundle_exchange, self._p, byref(a), byref(an),
                       byref(b), byref(bn))
        except NotFound:
            return None
        return borrowed(a.value, an.value), borrowed(b.value, bn.value)

    # teeattest_bundle_item_kind
    ACI_RECEIPT = 1
    ACI_SESSION = 2

    def add_item(self, kind: int, doc: Data) -> "Bundle":
        """Add an ACI receipt or session (Bundle.ACI_RECEIPT, ACI_SESSION),
        exact bytes: the bundle is then written as version 2."""
        d = data(doc, "doc")
        self._call(lib().bundle_add_item, self._p, int(kind), d, len(d))
        return self

    def items(self, kind: int) -> list:
        """The documents of a kind, as bytes, in order."""
        out = []
        for i in range(int(lib().bundle_item_count(self._p, int(kind)))):
            a, an = c_void_p(), c_size_t()
            self._call(lib().bundle_item, self._p, int(kind), i, byref(a),
                       byref(an))
            out.append(borrowed(a.value, an.value))
        return out

    @property
    def version(self) -> int:
        """The format version to_json() writes: 2 with ACI items or Sigstore
        bundles in the evidence (member sigstore_bundles), else 1."""
        return int(lib().bundle_version(self._p))

    def verify(self, policy: Optional[Policy] = None) -> Result:
        """Verify offline: at the policy's time, else the capture time."""
        out = c_void_p()
        self._call(lib().bundle_verify, self._ctx._p, byref(out),  # type: ignore
                   self._p, _pol(policy))
        return Result(out.value, self._ctx)
