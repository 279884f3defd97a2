# SPDX-License-Identifier: Apache-2.0
"""Exceptions: one TeeattestError subclass per group of status codes.

Every call that returns a non-OK status raises. The exception carries the
status (a negative int), its symbolic name ("TEEATTEST_E_HEX"), the
library's message and `where` (a JSON path, offset or field, or "").

A verification that *ran* never raises because the evidence is bad: the
verdict is in the returned Result. NotVerified is raised only where a
caller asks for something a failed result cannot vouch for
(Result.verified_signer(), Result.require_verified()).
"""
from __future__ import annotations

from typing import Dict, Optional, Type


class TeeattestError(Exception):
    """A libteeattest call failed.

    Attributes: status (int, negative), name (str), message (str),
    where (str, may be ""), backend_code (int: HTTP status, curl or
    mbedTLS code; 0 if none).
    """

    #: The status a subclass stands for when raised by the binding itself.
    default_status = -9

    def __init__(self, message: str = "", status: Optional[int] = None,
                 name: Optional[str] = None, where: str = "",
                 backend_code: int = 0) -> None:
        self.status = self.default_status if status is None else status
        if name is None:
            name = _status_name(self.status)
        self.name = name
        self.message = message
        self.where = where
        self.backend_code = backend_code
        text = "%s: %s" % (self.name, message) if message else self.name
        if where:
            text += " (at %s)" % where
        super().__init__(text)


class InvalidArgument(TeeattestError, ValueError):
    """TEEATTEST_E_INVALID_ARG: misuse, a value out of range, a closed
    handle."""
    default_status = -1


class ClosedHandleError(InvalidArgument):
    """A handle was used after close() (never passed to the library)."""


class OutOfMemory(TeeattestError):
    """TEEATTEST_E_NOMEM."""
    default_status = -2


class AbiError(TeeattestError):
    """TEEATTEST_E_ABI / TEEATTEST_E_ABI_TOO_NEW: struct size mismatch."""
    default_status = -3


class BufferTooSmall(TeeattestError):
    """TEEATTEST_E_BUFFER_TOO_SMALL (the binding sizes buffers itself, so
    this means a library bug)."""
    default_status = -5


class Unsupported(TeeattestError):
    """TEEATTEST_E_UNSUPPORTED: a feature not built in, or an operation
    the object cannot do."""
    default_status = -6


class CallbackError(TeeattestError):
    """TEEATTEST_E_USER: a callback reported its own failure."""
    default_status = -7


class InternalError(TeeattestError):
    """TEEATTEST_E_INTERNAL / TEEATTEST_E_PASSTHROUGH: a library bug."""
    default_status = -9


class NotFound(TeeattestError, LookupError):
    """TEEATTEST_E_NOT_FOUND: no such item (dialect, fact, entry...)."""
    default_status = -10


class IoError(TeeattestError):
    """TEEATTEST_E_IO: reading or writing a file failed."""
    default_status = -11


class NotVerified(TeeattestError):
    """TEEATTEST_E_NOT_VERIFIED: the result's verdict is not verified."""
    default_status = -12


class ParseError(TeeattestError):
    """-100..-199: malformed input (JSON, hex, base64, lengths, fields,
    signature text or encoding, signer format)."""
    default_status = -100


class CryptoError(TeeattestError):
    """-200..-299: crypto backend failure, certificate chain, randomness."""
    default_status = -200


class NetworkError(TeeattestError):
    """-300..-399: transport failures."""
    default_status = -300


class Timeout(NetworkError, TimeoutError):
    """TEEATTEST_E_TIMEOUT."""
    default_status = -301


class HttpStatusError(NetworkError):
    """TEEATTEST_E_HTTP_STATUS: backend_code holds the HTTP status."""
    default_status = -302


class TlsError(NetworkError):
    """TEEATTEST_E_TLS."""
    default_status = -303


class Cancelled(NetworkError):
    """TEEATTEST_E_CANCELLED: an event callback or a closed iterator
    stopped the exchange."""
    default_status = -304


class ResponseTooLarge(NetworkError):
    """TEEATTEST_E_RESPONSE_TOO_LARGE."""
    default_status = -305


class SignatureUnavailable(NetworkError):
    """TEEATTEST_E_SIGNATURE_UNAVAILABLE: expired or unknown response id."""
    default_status = -306


class PolicyError(TeeattestError):
    """-400..-499: collateral and policy errors."""
    default_status = -400


_EXACT: Dict[int, Type[TeeattestError]] = {
    -1: InvalidArgument, -2: OutOfMemory, -3: AbiError, -4: AbiError,
    -5: BufferTooSmall, -6: Unsupported, -7: CallbackError,
    -8: InternalError, -9: InternalError, -10: NotFound, -11: IoError,
    -12: NotVerified, -301: Timeout, -302: HttpStatusError, -303: TlsError,
    -304: Cancelled, -305: ResponseTooLarge, -306: SignatureUnavailable,
}


def error_class(status: int) -> Type[TeeattestError]:
    """The exception class for a (negative) status."""
    cls = _EXACT.get(status)
    if cls is not None:
        return cls
    if -199 <= status <= -100:
        return ParseError
    if -299 <= status <= -200:
        return CryptoError
    if -399 <= status <= -300:
        return NetworkError
    if -499 <= status <= -400:
        return PolicyError
    return TeeattestError


def _status_name(status: int) -> str:
    try:
        from . import _lib
        return _lib.load().status_name(status).decode()
    except Exception:  # the library could not be loaded: still raise
        return "TEEATTEST_E_%d" % -status if status < 0 else str(status)


def from_status(status: int, err=None) -> TeeattestError:
    """The exception for a failed call; `err` is its teeattest_error."""
    from . import _lib
    lib = _lib.load()
    message = where = ""
    backend = 0
    if err is not None and err.code == status:
        message = err.message.decode("utf-8", "replace")
        where = err.where.decode("utf-8", "replace")
        backend = err.backend_code
    if not message:
        message = lib.status_str(status).decode("utf-8", "replace")
    cls = error_class(status)
    return cls(message, status=status,
               name=lib.status_name(status).decode(), where=where,
               backend_code=backend)
