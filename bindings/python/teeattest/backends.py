# SPDX-License-Identifier: Apache-2.0
"""Custom transports and crypto members written in Python.

A transport is an object with a method

    request(req: HttpRequest) -> HttpResponse

that performs one HTTP exchange (the library builds the request, retries,
and hashes the exact bytes), and optionally

    stream(req: HttpRequest, sink: ResponseSink) -> None

for streamed requests (req.flags & HTTP_STREAM): it reports the status
and headers, then writes each body chunk to the sink as it arrives, so
that chat events reach the caller live; without it the library uses
request() and delivers the body as one chunk. Raise a teeattest.NetworkError subclass
(Timeout, TlsError, ...) to report a transport failure; any other
exception is a bug in the transport: the library is told the exchange
failed (TEEATTEST_E_TRANSPORT) and the exception is raised again from the
call that used the transport.

A crypto backend is an object with any of these methods; a missing method,
or one that returns None, leaves that operation to the built-in code:

    hash(alg: HashAlg, data: bytes) -> bytes | None
    ecdsa_verify(curve: Curve, pubkey: bytes, digest: bytes,
                 sig: bytes) -> bool | None
    secp256k1_recover(digest: bytes, sig64: bytes, recid: int)
        -> bytes (65-byte uncompressed point) | None
    ed25519_verify(sig: bytes, msg: bytes, pubkey: bytes) -> bool | None
    x509_verify_chain(chain: list[bytes], roots: list[bytes],
                      crls: list[bytes], at: int) -> int (X509 flags) | None
    random(n: int) -> bytes | None

Fail closed: a verify member counts as "valid" only when it returns
exactly True; a wrong type or length, or an exception, fails the
operation (and the exception is raised again afterwards).
"""
from __future__ import annotations

import ctypes
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _lib
from ._core import CallbackState, borrowed, i32, lib, text
from .constants import Curve, HashAlg, Status
from .errors import InvalidArgument, TeeattestError

_DIGEST_SIZES = {HashAlg.SHA256: 32, HashAlg.SHA384: 48,
                 HashAlg.SHA512: 64, HashAlg.KECCAK256: 32}


class HttpRequest:
    """One request the library asks a transport to perform. `body` holds
    the exact bytes to send (the bytes the library hashes)."""

    def __init__(self, method: str, url: str, headers: List[str],
                 body: bytes, flags: int, connect_timeout_ms: int,
                 total_timeout_ms: int, idle_timeout_ms: int,
                 max_body_size: int, ca_file: Optional[str],
                 pinned_key: Optional[str]) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.flags = flags
        self.connect_timeout_ms = connect_timeout_ms
        self.total_timeout_ms = total_timeout_ms
        self.idle_timeout_ms = idle_timeout_ms
        self.max_body_size = max_body_size
        self.ca_file = ca_file
        self.pinned_key = pinned_key

    @property
    def header_dict(self) -> Dict[str, str]:
        """Headers by lower-case name (a repeated name keeps the last)."""
        out = {}
        for h in self.headers:
            name, _, value = h.partition(":")
            out[name.strip().lower()] = value.strip()
        return out

    def __repr__(self) -> str:
        return "HttpRequest(%s %s)" % (self.method, self.url)


class HttpResponse:
    """What a transport's request() returns: status, headers (a mapping or
    (name, value) pairs), the exact body bytes, and for TLS the peer
    certificate's DER SubjectPublicKeyInfo."""

    def __init__(self, status: int,
                 headers: Union[Dict[str, str],
                                Iterable[Tuple[str, str]], None] = None,
                 body: bytes = b"", peer_spki: Optional[bytes] = None) -> None:
        self.status = status
        self.headers = list(headers.items()) if isinstance(headers, dict) \
            else list(headers or [])
        self.body = body
        self.peer_spki = peer_spki


class ResponseSink:
    """Where a streaming transport delivers a response as it arrives
    (stream(req, sink)): status and headers first, then each body chunk
    with write() as soon as it is received. write() raises (Cancelled,
    ResponseTooLarge, ...) when the library wants the exchange stopped: let
    that exception propagate. Valid only during the stream() call."""

    def __init__(self, resp: int) -> None:
        self._resp: Optional[int] = resp
        self.stopped = 0  # the status a refused write() returned

    def _p(self) -> int:
        if self._resp is None:
            raise InvalidArgument("the response sink is used after its "
                                  "stream() call returned")
        return self._resp

    def _check(self, st: int) -> None:
        if st:
            from .errors import from_status
            raise from_status(st)

    def set_status(self, status: int) -> None:
        self._check(lib().http_response_set_status(
            self._p(), i32(status, "status")))

    def add_header(self, name: str, value: str) -> None:
        n = name.encode("utf-8") if isinstance(name, str) else bytes(name)
        v = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self._check(lib().http_response_add_header(self._p(), n, len(n), v,
                                                   len(v)))

    def set_peer_spki(self, der: bytes) -> None:
        d = bytes(der)
        self._check(lib().http_response_set_peer_spki(self._p(), d, len(d)))

    def write(self, chunk: bytes) -> None:
        c = bytes(chunk)
        if not c:
            return
        st = lib().http_response_write(self._p(), c, len(c))
        if st:
            self.stopped = st
            self._check(st)


def _py_request(r: Any) -> HttpRequest:
    headers = [text(r.headers[i]) or "" for i in range(r.header_count)]
    return HttpRequest(text(r.method) or "", text(r.url) or "", headers,
                       borrowed(r.body, r.body_len), r.flags,
                       r.connect_timeout_ms, r.total_timeout_ms,
                       r.idle_timeout_ms, r.max_body_size, text(r.ca_file),
                       text(r.pinned_key))


def _fill(resp: int, r: Any) -> int:
    """Write a Python HttpResponse into the library's response sink."""
    if not isinstance(r, HttpResponse):
        raise TypeError("transport.request() must return a "
                        "teeattest.HttpResponse, not %s" % type(r).__name__)
    L = lib()
    if isinstance(r.status, bool) or not isinstance(r.status, int):
        raise TypeError("HttpResponse.status must be an int")
    st = L.http_response_set_status(resp, r.status)
    if st:
        return st
    for name, value in r.headers:
        n = name.encode("utf-8") if isinstance(name, str) else bytes(name)
        v = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        st = L.http_response_add_header(resp, n, len(n), v, len(v))
        if st:
            return st
    if r.peer_spki:
        der = bytes(r.peer_spki)
        st = L.http_response_set_peer_spki(resp, der, len(der))
        if st:
            return st
    body = r.body.encode("utf-8") if isinstance(r.body, str) else \
        bytes(r.body or b"")
    if body:
        st = L.http_response_write(resp, body, len(body))
        if st:
            return st
    return 0


def transport_table(transport: Any, state: CallbackState,
                    keep: List[Any]) -> Any:
    """A teeattest_transport whose request member calls the Python object."""
    method = getattr(transport, "request", None)
    if not callable(method):
        raise TypeError("a transport needs a request(req) method")

    def _request(_ud: Any, resp: int, reqp: Any) -> int:
        try:
            return _fill(resp, method(_py_request(reqp.contents)))
        except TeeattestError as e:
            # A failure the transport reports on purpose.
            lib().http_response_set_error(
                resp, e.backend_code, e.message.encode("utf-8", "replace"))
            return e.status if -399 <= e.status <= -300 \
                else int(Status.E_TRANSPORT)
        except BaseException as e:
            state.stash(e)
            try:
                lib().http_response_set_error(
                    resp, 0, ("Python transport raised %s"
                              % type(e).__name__).encode())
            except BaseException:
                pass
            return int(Status.E_TRANSPORT)

    table = _lib.Transport()
    table.struct_size = ctypes.sizeof(table)
    table.request = _lib.TRANSPORT_FN(_request)
    keep.append(table.request)

    smethod = getattr(transport, "stream", None)
    if callable(smethod):
        def _stream(_ud: Any, resp: int, reqp: Any) -> int:
            sink = ResponseSink(resp)
            try:
                smethod(_py_request(reqp.contents), sink)
                return 0
            except TeeattestError as e:
                if sink.stopped:  # the library's own refusal: return it
                    return sink.stopped
                lib().http_response_set_error(
                    resp, e.backend_code,
                    e.message.encode("utf-8", "replace"))
                return e.status if -399 <= e.status <= -300 \
                    else int(Status.E_TRANSPORT)
            except BaseException as e:
                state.stash(e)
                try:
                    lib().http_response_set_error(
                        resp, 0, ("Python transport raised %s"
                                  % type(e).__name__).encode())
                except BaseException:
                    pass
                return sink.stopped or int(Status.E_TRANSPORT)
            finally:
                sink._resp = None
        table.stream = _lib.TRANSPORT_FN(_stream)
        keep.append(table.stream)
    keep.append(transport)
    return table


def _guard(state: CallbackState, fn: Any) -> Any:
    """Run a crypto member; exceptions become E_USER and are stashed."""
    def run(*args: Any) -> int:
        try:
            return fn(*args)
        except BaseException as e:
            state.stash(e)
            return int(Status.E_USER)
    return run


def _verdict(v: Any, what: str) -> int:
    if v is None:
        return int(Status.E_PASSTHROUGH)
    if v is True:
        return 0
    if v is False:
        return int(Status.E_VERIFY_FAILED)
    raise TypeError("%s must return True, False or None, not %r" % (what, v))


def _ptrs(arr: Any, lens: Any, n: int) -> List[bytes]:
    return [borrowed(arr[i], lens[i]) for i in range(n)]


def crypto_table(backend: Any, state: CallbackState,
                 keep: List[Any]) -> Any:
    """A teeattest_crypto_backend with a member for each method the Python
    object defines."""
    table = _lib.CryptoBackend()
    table.struct_size = ctypes.sizeof(table)

    m = getattr(backend, "hash", None)
    if callable(m):
        def _hash(_ud: Any, alg: int, out: int, out_len: int, d: int,
                  n: int) -> int:
            a = HashAlg(alg) if alg in _DIGEST_SIZES.keys() else alg
            v = m(a, borrowed(d, n))
            if v is None:
                return int(Status.E_PASSTHROUGH)
            v = bytes(v)
            if len(v) != out_len:
                raise ValueError("hash(%s) returned %d bytes, expected %d"
                                 % (a, len(v), out_len))
            ctypes.memmove(out, v, out_len)
            return 0
        table.hash = _lib.HASH_FN(_guard(state, _hash))

    m2 = getattr(backend, "ecdsa_verify", None)
    if callable(m2):
        def _ecdsa(_ud: Any, curve: int, pk: int, pkl: int, dg: int,
                   dgl: int, sg: int, sgl: int) -> int:
            c = Curve(curve) if curve in (1, 2) else curve
            return _verdict(m2(c, borrowed(pk, pkl), borrowed(dg, dgl),
                               borrowed(sg, sgl)), "ecdsa_verify")
        table.ecdsa_verify = _lib.ECDSA_VERIFY_FN(_guard(state, _ecdsa))

    m3 = getattr(backend, "secp256k1_recover", None)
    if callable(m3):
        def _recover(_ud: Any, out: int, dg: int, sg: int, recid: int) -> int:
            v = m3(borrowed(dg, 32), borrowed(sg, 64), recid)
            if v is None:
                return int(Status.E_PASSTHROUGH)
            v = bytes(v)
            if len(v) != 65:
                raise ValueError("secp256k1_recover must return 65 bytes")
            ctypes.memmove(out, v, 65)
            return 0
        table.secp256k1_recover = _lib.SECP256K1_RECOVER_FN(
            _guard(state, _recover))

    m4 = getattr(backend, "ed25519_verify", None)
    if callable(m4):
        def _ed(_ud: Any, sg: int, msg: int, ml: int, pk: int) -> int:
            return _verdict(m4(borrowed(sg, 64), borrowed(msg, ml),
                               borrowed(pk, 32)), "ed25519_verify")
        table.ed25519_verify = _lib.ED25519_VERIFY_FN(_guard(state, _ed))

    m5 = getattr(backend, "x509_verify_chain", None)
    if callable(m5):
        def _x509(_ud: Any, flags_out: Any, chain: Any, chain_lens: Any,
                  nc: int, roots: Any, root_lens: Any, nr: int, crls: Any,
                  crl_lens: Any, ncrl: int, at: int) -> int:
            flags_out[0] = 0x8000  # TEEATTEST_X509_OTHER until decided
            v = m5(_ptrs(chain, chain_lens, nc), _ptrs(roots, root_lens, nr),
                   _ptrs(crls, crl_lens, ncrl), at)
            if v is None:
                flags_out[0] = 0
                return int(Status.E_PASSTHROUGH)
            if isinstance(v, bool) or not isinstance(v, int) or \
                    not 0 <= v < (1 << 32):
                raise TypeError("x509_verify_chain must return flags (an "
                                "int) or None, not %r" % (v,))
            flags_out[0] = v
            return 0 if v == 0 else int(Status.E_CERT_CHAIN)
        table.x509_verify_chain = _lib.X509_VERIFY_CHAIN_FN(
            _guard(state, _x509))

    m6 = getattr(backend, "random", None)
    if callable(m6):
        def _random(_ud: Any, buf: int, n: int) -> int:
            v = m6(n)
            if v is None:
                return int(Status.E_PASSTHROUGH)
            v = bytes(v)
            if len(v) != n:
                raise ValueError("random(%d) returned %d bytes" % (n, len(v)))
            ctypes.memmove(buf, v, n)
            return 0
        table.random = _lib.RANDOM_FN(_guard(state, _random))

    for name in ("hash", "ecdsa_verify", "secp256k1_recover",
                 "ed25519_verify", "x509_verify_chain", "random"):
        keep.append(getattr(table, name))
    keep.append(backend)
    return table
