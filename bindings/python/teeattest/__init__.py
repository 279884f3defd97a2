# SPDX-License-Identifier: Apache-2.0
"""teeattest: verify that answers from confidential-AI APIs come from an
attested TEE. Python bindings of libteeattest.so.1 (ctypes, standard
library only).

Quick start::

    import teeattest as ta

    ctx = ta.Context()
    sig = ta.Signature.parse_json(ctx, open("signature.json", "rb").read())
    res = sig.verify(request_bytes, response_bytes,
                     expected_signer="0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca")
    print(res.verdict, [c.name for c in res.failures])

Ownership: every object is a reference to a C object, released by
close(), a ``with`` block or the garbage collector; children keep their
parents alive, so the order of release never matters. A closed object
raises ClosedHandleError. Errors: every failed call raises a
TeeattestError subclass; a verification that ran returns a Result whose
verdict says whether the evidence is good (``bool(result)`` raises: test
``result.verified``). Thread safety is the C library's: contexts, results,
reports, exchanges, signatures and collateral are shareable; policies,
providers (while configured), evidence, GPU inputs and bundles are not
synchronised. See bindings/python/README.md.
"""
from ._lib import LibraryLoadError, SONAME
from ._core import Check, Context, Result, Signer
from ._policy import Policy, Signature
from ._provider import (Attestation, ChatEvent, ChatStream, Dialect, Exchange,
                        Provider, Report, chat_body, dialect_info, dialects)
from ._evidence import (Bundle, Collateral, Evidence, GpuInputs,
                        tdx_status_name, verify_gpu, verify_quote,
                        verify_sigstore_bundle)
from .backends import HttpRequest, HttpResponse, ResponseSink
from .constants import (CHAT_STREAM, ENTRY_ALL, HTTP_STREAM, INTEL_PCS_URL,
                        MEMO_OFF, NONCE_SIZE,
                        ONLINE_IMAGE_REGISTRY, ONLINE_MODEL_FILES, ONLINE_PCCS,
                        ONLINE_TINFOIL_RELEASE, TIME_MAX, Curve, EntryField,
                        EvidenceItem, Feature, GpuItem, GpuMode, GpuOcspNonce,
                        GpuRequirement, GpuService, HashAlg, Identity,
                        LogLevel, Outcome, Register, SigAlgo, SigKind, Status,
                        TdxStatus, Verdict)
from .errors import (AbiError, BufferTooSmall, CallbackError, Cancelled,
                     ClosedHandleError, CryptoError, HttpStatusError,
                     InternalError, InvalidArgument, IoError, NetworkError,
                     NotFound, NotVerified, OutOfMemory, ParseError,
                     PolicyError, ResponseTooLarge, SignatureUnavailable,
                     TeeattestError, Timeout, TlsError, Unsupported)

__version__ = "1.0.0"


def library_version() -> str:
    """The run-time version of the loaded libteeattest ("1.0.0")."""
    from ._lib import load
    return load().version_string().decode()


def library_path() -> str:
    """The path (or SONAME) the library was loaded from."""
    from ._lib import load
    return load().path


def has_feature(feature: int) -> bool:
    """Whether a Feature is built into the loaded library."""
    from ._lib import load
    return bool(load().has_feature(int(feature)))


def status_name(status: int) -> str:
    from ._lib import load
    return load().status_name(int(status)).decode()


def status_str(status: int) -> str:
    from ._lib import load
    return load().status_str(int(status)).decode()


__all__ = [n for n in dir() if not n.startswith("_")]
