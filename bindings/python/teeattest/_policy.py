# SPDX-License-Identifier: Apache-2.0
"""Policies and response signatures (and the argument helpers of the
object modules)."""
from __future__ import annotations

import ctypes
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Iterable, Optional, Union

from ._core import (Context, Handle, Result, call, cstr, data, flag, i32,
                    lib, new_handle, text, u32, unix_time)
from .constants import NONCE_SIZE, SigAlgo, SigKind, TdxStatus
from .errors import BufferTooSmall, InvalidArgument

Data = Union[bytes, bytearray, memoryview, str]

def _ctx(ctx: Any) -> Context:
    if not isinstance(ctx, Context):
        raise InvalidArgument("expected a teeattest.Context, not %s"
                              % type(ctx).__name__)
    return ctx


def _same(obj: Any, cls: Any, name: str, allow_none: bool = True) -> Any:
    """The C pointer of an optional argument of a given wrapper type."""
    if obj is None:
        if allow_none:
            return None
        raise InvalidArgument("%s must not be None" % name)
    if not isinstance(obj, cls):
        raise InvalidArgument("%s must be a teeattest.%s, not %s"
                              % (name, cls.__name__, type(obj).__name__))
    return obj._p


def _nonce(nonce: Any, name: str = "nonce") -> bytes:
    b = data(nonce, name)
    assert b is not None
    if isinstance(nonce, str):
        try:
            b = bytes.fromhex(nonce)
        except ValueError:
            raise InvalidArgument("%s: not hexadecimal" % name)
    if len(b) != NONCE_SIZE:
        raise InvalidArgument("%s must be %d bytes, not %d"
                              % (name, NONCE_SIZE, len(b)))
    return b


# ---- policy ----------------------------------------------------------------

class Policy(Handle):
    """Which checks are required and which values are acceptable. A new
    policy holds the safe defaults (docs/policy.md); None wherever a policy
    is accepted means the same defaults. Every setter raises for a value the
    library refuses (the policy is then unchanged) and returns the policy,
    so setters chain. Not synchronised: do not change a policy while
    another thread verifies with it."""

    _kind = "policy"
    _free_name = "policy_free"

    def __init__(self, ctx: Context, *, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            out = c_void_p()
            call(lib().policy_new, _ctx(ctx)._p, byref(out), state=ctx._cb)
            _ptr = out.value
        super().__init__(_ptr, ctx)  # type: ignore[arg-type]

    def _set(self, fn: str, *args: Any) -> "Policy":
        self._call(getattr(lib(), fn), self._p, *args)
        return self

    def set_time(self, when: Any) -> "Policy":
        """Verify at this time (Unix seconds or an aware datetime), e.g. a
        capture's recorded time. 0 .. TIME_MAX."""
        return self._set("policy_set_time", unix_time(when, "time"))

    def set_time_now(self) -> "Policy":
        """Verify at the context's clock when each verification runs."""
        return self._set("policy_set_time_now")

    def set_ecdsa_strict(self, strict: bool) -> "Policy":
        return self._set("policy_set_ecdsa_strict", flag(strict, "strict"))

    def set_require_signer(self, required: bool) -> "Policy":
        return self._set("policy_set_require_signer",
                         flag(required, "required"))

    def set_expected_model(self, model: Optional[str]) -> "Policy":
        return self._set("policy_set_expected_model",
                         cstr(model, "model", allow_none=True))

    def set_tdx_statuses(self, statuses: Union[int, Iterable[int]]) -> "Policy":
        """Accepted final TDX TCB statuses: a mask of 1 << TdxStatus, or an
        iterable of TdxStatus values; 0 (or empty) restores the default."""
        if isinstance(statuses, int) and not isinstance(statuses, bool):
            mask = u32(statuses, "statuses")
        else:
            mask = 0
            for s in statuses:
                mask |= 1 << _int_enum(s, TdxStatus, "status")
        return self._set("policy_set_tdx_statuses", u32(mask, "statuses"))

    def set_allow_expired_collateral(self, allow: bool) -> "Policy":
        return self._set("policy_set_allow_expired_collateral",
                         flag(allow, "allow"))

    def set_min_tcb_eval(self, minimum: int) -> "Policy":
        """Minimum Intel tcbEvaluationDataNumber of the TCB Info and QE
        Identity (check tdx.tcb_eval_number); 0, the default: none."""
        return self._set("policy_set_min_tcb_eval", u32(minimum, "minimum"))

    def set_allow_debug(self, allow: bool) -> "Policy":
        return self._set("policy_set_allow_debug", flag(allow, "allow"))

    def set_allow_mrservicetd(self, allow: bool) -> "Policy":
        return self._set("policy_set_allow_mrservicetd", flag(allow, "allow"))

    def add_measurement(self, register: int, value: Data) -> "Policy":
        """Accept this 48-byte value (bytes or hex) for a Register."""
        v = _hex_or_bytes(value, "value")
        return self._set("policy_add_measurement", i32(register, "register"),
                         v, len(v))

    def clear_measurements(self, register: int = 0) -> "Policy":
        return self._set("policy_clear_measurements",
                         i32(register, "register"))

    def set_tdx_root(self, der: Optional[bytes]) -> "Policy":
        """FOR TESTS ONLY: trust this DER root instead of Intel's (every
        result then carries the warning tdx.root_override). None restores
        Intel's root."""
        d = data(der, "der", allow_none=True)
        return self._set("policy_set_tdx_root", d, len(d) if d else 0)

    def set_gpu_mode(self, mode: int) -> "Policy":
        return self._set("policy_set_gpu_mode", i32(mode, "mode"))

    def set_gpu_rim(self, requirement: int) -> "Policy":
        return self._set("policy_set_gpu_rim", i32(requirement, "requirement"))

    def set_gpu_ocsp(self, requirement: int) -> "Policy":
        return self._set("policy_set_gpu_ocsp",
                         i32(requirement, "requirement"))

    def set_gpu_ocsp_nonce(self, mode: int) -> "Policy":
        return self._set("policy_set_gpu_ocsp_nonce", i32(mode, "mode"))

    def set_gpu_allow_cert_hold(self, allow: bool) -> "Policy":
        return self._set("policy_set_gpu_allow_cert_hold",
                         flag(allow, "allow"))

    def set_gpu_min_count(self, count: int) -> "Policy":
        return self._set("policy_set_gpu_min_count", u32(count, "count"))

    def add_identity(self, kind: int, value: Data) -> "Policy":
        """Accept this value (bytes or hex) for an Identity."""
        v = _hex_or_bytes(value, "value")
        return self._set("policy_add_identity", i32(kind, "kind"), v, len(v))

    def clear_identity(self, kind: int = 0) -> "Policy":
        return self._set("policy_clear_identity", i32(kind, "kind"))

    def set_require_gpu(self, required: bool) -> "Policy":
        return self._set("policy_set_require_gpu", flag(required, "required"))

    def set_require_tls_binding(self, required: bool) -> "Policy":
        return self._set("policy_set_require_tls_binding",
                         flag(required, "required"))

    def set_allow_server_nonce(self, allow: bool) -> "Policy":
        return self._set("policy_set_allow_server_nonce",
                         flag(allow, "allow"))

    def set_allow_unbound_key(self, allow: bool) -> "Policy":
        return self._set("policy_set_allow_unbound_key", flag(allow, "allow"))

    def set_require_event_log(self, required: bool) -> "Policy":
        return self._set("policy_set_require_event_log",
                         flag(required, "required"))

    def set_tinfoil_release(self, bundle: Optional[bytes],
                            repo: Optional[str] = None,
                            release_digest: Optional[str] = None
                            ) -> "Policy":
        """Check Tinfoil reports against this Sigstore release bundle
        (tinfoil.release.*), verified against the policy's trusted root
        (set_sigstore_trusted_root; without one the shipped default) and signed
        by a tag workflow of GitHub repository `repo` ("owner/name"); with
        release_digest (64 hex) the statement must name that release.
        bundle None removes it."""
        if bundle is None:
            return self._set("policy_set_tinfoil_release", None, 0, None,
                             None)
        b = data(bundle, "bundle")
        return self._set("policy_set_tinfoil_release", b, len(b),
                         cstr(repo, "repo"),
                         cstr(release_digest, "release_digest",
                              allow_none=True))

    def set_tinfoil_release_repo(self, repo: Optional[str],
                                 tag: Optional[str] = None) -> "Policy":
        """Name the Tinfoil release to discover when no bundle is given:
        GitHub repository `repo` ("owner/name") and release `tag` (None:
        the latest release). Online (Evidence.set_url /
        ONLINE_TINFOIL_RELEASE) it is fetched from GitHub and kept in the
        evidence; offline the one Tinfoil release bundle the evidence
        holds is checked. A tag is also required of a given bundle's
        workflow. repo None removes it."""
        return self._set("policy_set_tinfoil_release_repo",
                         cstr(repo, "repo", allow_none=True),
                         cstr(tag, "tag", allow_none=True))

    def set_require_tinfoil_release(self, required: bool) -> "Policy":
        return self._set("policy_set_require_tinfoil_release",
                         flag(required, "required"))

    def set_tinfoil_hardware(self, bundle: Optional[bytes]) -> "Policy":
        """Check the MRTD and RTMR0 of Tinfoil reports against this Sigstore
        bundle of Tinfoil's hardware measurements (tinfoil.hardware.*):
        verified against the policy's trusted root, signed by a tag
        workflow of tinfoilsh/hardware-measurements; one platform must
        match both registers. bundle None removes it."""
        if bundle is None:
            return self._set("policy_set_tinfoil_hardware", None, 0)
        b = data(bundle, "bundle")
        return self._set("policy_set_tinfoil_hardware", b, len(b))

    def set_require_tinfoil_hardware(self, required: bool) -> "Policy":
        return self._set("policy_set_require_tinfoil_hardware",
                         flag(required, "required"))

    def set_require_provenance(self, required: bool) -> "Policy":
        """Require image provenance for the images of a verified
        app_compose (docs/provenance.md)."""
        return self._set("policy_set_require_provenance",
                         flag(required, "required"))

    def add_provenance_identity(self, image: str, identity: str,
                                issuer: str, flags: int = 0) -> "Policy":
        """Accept this signer (certificate identity and OIDC issuer, exact
        or with SIGSTORE_*_REGEXP flags) for `image`: "sha256:<hex>", a
        repository, a path ending in "/", or "*"."""
        return self._set("policy_add_provenance_identity",
                         cstr(image, "image"), cstr(identity, "identity"),
                         cstr(issuer, "issuer"), u32(flags, "flags"))

    def set_sigstore_trusted_root(self, doc: Optional[Data]) -> "Policy":
        """The Sigstore trusted_root.json provenance bundles and the Tinfoil
        release bundle are verified against; None restores the shipped
        default (Sigstore's public-good root)."""
        d = data(doc, "doc", allow_none=True)
        return self._set("policy_set_sigstore_trusted_root", d,
                         len(d) if d else 0)

    def set_max_report_age(self, seconds: int) -> "Policy":
        return self._set("policy_set_max_report_age", u32(seconds, "seconds"))

    def set_aci_allow_null_nonce(self, allow: bool) -> "Policy":
        return self._set("policy_set_aci_allow_null_nonce",
                         flag(allow, "allow"))

    def set_aci_max_keyset_lifetime(self, seconds: int) -> "Policy":
        return self._set("policy_set_aci_max_keyset_lifetime",
                         u32(seconds, "seconds"))


def _int_enum(v: Any, enum: Any, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InvalidArgument("%s must be a %s" % (name, enum.__name__))
    return int(v)


def _hex_or_bytes(value: Data, name: str) -> bytes:
    if isinstance(value, str):
        try:
            return bytes.fromhex(value[2:] if value.startswith("0x")
                                 else value)
        except ValueError:
            raise InvalidArgument("%s: not hexadecimal" % name)
    b = data(value, name)
    assert b is not None
    return b


def _pol(policy: Optional[Policy]) -> Optional[int]:
    return _same(policy, Policy, "policy")


# ---- signatures ---------------------------------------------------------

class Signature(Handle):
    """A parsed response-signature record. Immutable."""

    _kind = "signature"
    _free_name = "signature_free"

    @classmethod
    def parse_json(cls, ctx: Context, doc: Data) -> "Signature":
        """From a signature endpoint's JSON body."""
        d = data(doc, "doc")
        return new_handle(cls, _ctx(ctx), lib().signature_parse_json, ctx._p,
                          d, len(d or b""))

    @classmethod
    def parse_headers(cls, ctx: Context, headers: Data) -> "Signature":
        """From an HTTP header block carrying text/signature/... (io.net)."""
        d = data(headers, "headers")
        return new_handle(cls, _ctx(ctx), lib().signature_parse_headers,
                          ctx._p, d, len(d or b""))

    @classmethod
    def from_fields(cls, ctx: Context, text_: str, signature: str,
                    signing_address: Optional[str] = None,
                    signing_algo: Optional[str] = None) -> "Signature":
        return new_handle(cls, _ctx(ctx), lib().signature_new, ctx._p,
                          cstr(text_, "text"), cstr(signature, "signature"),
                          cstr(signing_address, "signing_address", True),
                          cstr(signing_algo, "signing_algo", True))

    @property
    def algo(self) -> str:
        a = lib().signature_algo(self._p)
        return "ecdsa" if a == SigAlgo.ECDSA else \
            "ed25519" if a == SigAlgo.ED25519 else "unknown"

    @property
    def kind(self) -> Optional[str]:
        """The record's signature_kind ("provider_tee", "gateway"), or None
        for a record that names none."""
        k = lib().signature_kind(self._p)
        return "provider_tee" if k == SigKind.PROVIDER_TEE else \
            "gateway" if k == SigKind.GATEWAY else None

    @property
    def text(self) -> str:
        return text(lib().signature_text(self._p)) or ""

    @property
    def model(self) -> Optional[str]:
        return text(lib().signature_model(self._p))

    @property
    def request_hash(self) -> str:
        return text(lib().signature_request_hash(self._p)) or ""

    @property
    def response_hash(self) -> str:
        return text(lib().signature_response_hash(self._p)) or ""

    @property
    def claimed_signer(self) -> Optional[str]:
        """The signer the record *claims* (not verified), or None."""
        return text(lib().signature_claimed_signer(self._p))

    def recover(self) -> str:
        """The ECDSA signer's address recovered from signature and text."""
        buf = ctypes.create_string_buffer(65)
        self._call(lib().signature_recover, self._p, buf, 65)
        return buf.value.decode()

    def to_json(self) -> str:
        """The record as signature-endpoint JSON (parse_json reads it)."""
        L = lib()
        n = c_size_t()
        try:  # the length first
            self._call(L.signature_to_json, self._p, None, 0, byref(n))
        except BufferTooSmall:
            pass
        buf = ctypes.create_string_buffer(n.value + 1)
        self._call(L.signature_to_json, self._p, buf, n.value + 1, byref(n))
        return buf.raw[:n.value].decode("utf-8")

    def verify(self, request: Data, response: Data,
               expected_signer: Optional[str] = None,
               policy: Optional[Policy] = None) -> Result:
        """Verify an exchange's exact bytes against this record and a
        pinned signer. Without expected_signer the check
        signature.signer.expected is skipped, which fails the verdict unless
        the policy does not require a signer."""
        rq, rs = data(request, "request"), data(response, "response")
        assert rq is not None and rs is not None
        out = c_void_p()
        self._call(lib().signature_verify, self._p, byref(out), _pol(policy),
                   cstr(expected_signer, "expected_signer", True),
                   rq, len(rq), rs, len(rs))
        return Result(out.value, self._ctx)

    def verify_attested(self, attestation: Result, request: Data,
                        response: Data,
                        policy: Optional[Policy] = None) -> Result:
        """Verify against the signer a verified report attests."""
        rq, rs = data(request, "request"), data(response, "response")
        assert rq is not None and rs is not None
        out = c_void_p()
        self._call(lib().signature_verify_attested, self._p, byref(out),
                   _pol(policy), _same(attestation, Result, "attestation",
                                       False), rq, len(rq), rs, len(rs))
        return Result(out.value, self._ctx)
