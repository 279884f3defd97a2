# SPDX-License-Identifier: Apache-2.0
"""Providers, reports, chat exchanges (streamed and not), attestations."""
from __future__ import annotations

import ctypes
import json
import queue
import threading
from ctypes import byref, c_char_p, c_size_t, c_void_p
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterator, List,
                    Optional)

from ._core import (Context, Handle, Result, borrowed, call, cstr, data, i32,
                    lib, new_handle, size, text, u32, u64)
from ._policy import Data, Policy, Signature, _ctx, _nonce, _pol, _same
from .constants import CHAT_STREAM, ENTRY_ALL, NONCE_SIZE, EntryField
from .errors import Cancelled, InvalidArgument, NotFound

if TYPE_CHECKING:
    from ._evidence import Evidence

class Dialect:
    """A built-in provider dialect."""

    def __init__(self, name: str, base_url: Optional[str], summary: str,
                 api_key_env: Optional[str]) -> None:
        self.name = name
        self.base_url = base_url
        self.summary = summary
        self.api_key_env = api_key_env

    def __repr__(self) -> str:
        return "Dialect(%r, %r)" % (self.name, self.base_url)


def dialects() -> List[Dialect]:
    """Every built-in dialect (what `teeattest providers` lists)."""
    L = lib()
    out = []
    i = 0
    while True:
        name = L.dialect_name(i)
        if name is None:
            return out
        out.append(dialect_info(name.decode()))
        i += 1


def dialect_info(name: str) -> Dialect:
    url, summary = c_char_p(), c_char_p()
    call(lib().dialect_info, cstr(name, "name"), byref(url), byref(summary))
    return Dialect(name, text(url.value), text(summary.value) or "",
                   text(lib().dialect_api_key_env(cstr(name, "name"))))


class Report(Handle):
    """A normalized attestation report (untrusted until verified)."""

    _kind = "report"
    _free_name = "report_free"

    @classmethod
    def parse(cls, ctx: Context, dialect: str, doc: Data) -> "Report":
        """Parse a saved report document offline ("auto" detects)."""
        d = data(doc, "doc")
        return new_handle(cls, _ctx(ctx), lib().report_parse, ctx._p,
                          cstr(dialect, "dialect"), d, len(d or b""))

    @property
    def dialect(self) -> str:
        return text(lib().report_dialect(self._p)) or ""

    @property
    def nonce(self) -> Optional[bytes]:
        """The nonce this client sent (fetched reports), else None."""
        buf = ctypes.create_string_buffer(NONCE_SIZE)
        try:
            self._call(lib().report_nonce, self._p, buf, NONCE_SIZE)
        except NotFound:
            return None
        return buf.raw

    @property
    def raw(self) -> bytes:
        p, n = c_void_p(), c_size_t()
        st = lib().report_raw(self._p, byref(p), byref(n))
        if st:
            from .errors import from_status
            raise from_status(st)
        return borrowed(p.value, n.value)

    @property
    def tls_spki(self) -> Optional[bytes]:
        p, n = c_void_p(), c_size_t()
        try:
            self._call(lib().report_tls_spki, self._p, byref(p), byref(n))
        except NotFound:
            return None
        return borrowed(p.value, n.value)

    def __len__(self) -> int:
        return int(lib().report_entry_count(self._p))

    @property
    def entry_count(self) -> int:
        return len(self)

    def entry_field(self, index: int, field: int) -> Optional[bytes]:
        """One field (EntryField) of an entry; None when absent."""
        p, n = c_void_p(), c_size_t()
        try:
            self._call(lib().report_entry_get, self._p, size(index, "index"),
                       i32(field, "field"), byref(p), byref(n))
        except NotFound:
            return None
        return borrowed(p.value, n.value)

    def entry(self, index: int) -> Dict[str, bytes]:
        """Every field an entry has, by lower-case EntryField name."""
        out = {}
        for f in EntryField:
            v = self.entry_field(index, f)
            if v is not None:
                out[f.name.lower()] = v
        return out

    def find_entry(self, signer: str) -> int:
        idx = c_size_t()
        self._call(lib().report_find_entry, self._p, byref(idx),
                   cstr(signer, "signer"))
        return idx.value

    def verify(self, evidence: Optional["Evidence"] = None,
               policy: Optional[Policy] = None, *, entry: int = ENTRY_ALL,
               nonce: Optional[Data] = None) -> Result:
        """Verify end to end (teeattest_report_verify). nonce: the 32
        bytes sent (bytes or hex), or None for the nonce the report was
        fetched with. Fetched material is added to `evidence`."""
        from ._evidence import Evidence
        n = _nonce(nonce) if nonce is not None else None
        out = c_void_p()
        self._call(lib().report_verify, self._ctx._p, byref(out), self._p,
                   size(entry, "entry"), _same(evidence, Evidence, "evidence"),
                   _pol(policy), n, len(n) if n else 0)
        return Result(out.value, self._ctx)


class ChatEvent:
    """One server-sent event (or, for a non-streamed answer, the body)."""

    __slots__ = ("event", "data")

    def __init__(self, event: Optional[str], data_: bytes) -> None:
        self.event = event
        self.data = data_

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")

    @property
    def done(self) -> bool:
        return self.data.strip() == b"[DONE]"

    def json(self) -> Any:
        """The data as JSON (None for "[DONE]")."""
        return None if self.done else json.loads(self.data)

    @property
    def content(self) -> str:
        """The text an OpenAI-style chunk (or answer) carries, or ""."""
        try:
            doc = self.json()
            c = doc["choices"][0]
            part = c.get("delta") or c.get("message") or {}
            return part.get("content") or ""
        except (ValueError, LookupError, TypeError, AttributeError):
            return ""

    def __repr__(self) -> str:
        return "ChatEvent(%r, %r)" % (self.event, self.data[:60])


class Exchange(Handle):
    """One chat exchange with its exact bytes. Immutable."""

    _kind = "exchange"
    _free_name = "exchange_free"

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        return int(lib().exchange_status(self._p))

    def _bytes(self, fn: Any) -> bytes:
        p, n = c_void_p(), c_size_t()
        st = fn(self._p, byref(p), byref(n))
        if st:
            from .errors import from_status
            raise from_status(st)
        return borrowed(p.value, n.value)

    @property
    def request(self) -> bytes:
        """The request body exactly as sent."""
        return self._bytes(lib().exchange_request)

    @property
    def response(self) -> bytes:
        """The response body exactly as received (the whole SSE stream)."""
        return self._bytes(lib().exchange_response)

    @property
    def id(self) -> Optional[str]:
        return text(lib().exchange_id(self._p))

    def header(self, name: str) -> Optional[str]:
        return text(lib().exchange_header(self._p, cstr(name, "name")))

    @property
    def tls_spki(self) -> Optional[bytes]:
        p, n = c_void_p(), c_size_t()
        try:
            self._call(lib().exchange_tls_spki, self._p, byref(p), byref(n))
        except NotFound:
            return None
        return borrowed(p.value, n.value)


class Attestation:
    """What Provider.attest() returns: the report (with the nonce sent),
    the evidence the verification used and fetched, and the result."""

    def __init__(self, report: Report, evidence: "Evidence",
                 result: Result, nonce: bytes) -> None:
        self.report = report
        self.evidence = evidence
        self.result = result
        self.nonce = nonce

    @property
    def verified(self) -> bool:
        return self.result.verified

    def __bool__(self) -> bool:
        raise TypeError("an Attestation is not a truth value: use "
                        "attestation.verified")

    def close(self) -> None:
        for h in (self.result, self.evidence, self.report):
            h.close()

    def __enter__(self) -> "Attestation":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def chat_body(model: str, prompt: str, stream: bool = False,
              **extra: Any) -> bytes:
    """An OpenAI-style chat completion body with one user message."""
    body: Dict[str, Any] = {"model": model,
                            "messages": [{"role": "user", "content": prompt}]}
    if stream:
        body["stream"] = True
    body.update(extra)
    return json.dumps(body).encode()


class Provider(Handle):
    """A configured client for one provider API (a dialect). Configure it
    from one thread; then fetch/chat may run from several."""

    _kind = "provider"
    _free_name = "provider_free"

    def __init__(self, ctx: Context, dialect: str, *,
                 base_url: Optional[str] = None,
                 api_key: Optional[str] = None, model: Optional[str] = None,
                 options: Optional[Dict[str, Optional[str]]] = None,
                 _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            out = c_void_p()
            call(lib().provider_new, _ctx(ctx)._p, byref(out),
                 cstr(dialect, "dialect"), state=ctx._cb)
            _ptr = out.value
        super().__init__(_ptr, ctx)  # type: ignore[arg-type]
        if base_url is not None:
            self.set_base_url(base_url)
        if api_key is not None:
            self.set_api_key(api_key)
        if model is not None:
            self.set_model(model)
        for k, v in (options or {}).items():
            self.set_option(k, v)

    @property
    def dialect(self) -> str:
        return text(lib().provider_dialect(self._p)) or ""

    def set_base_url(self, url: str) -> "Provider":
        """Set before the API key: another origin drops the key."""
        self._call(lib().provider_set_base_url, self._p, cstr(url, "url"))
        return self

    def set_api_key(self, key: Optional[str]) -> "Provider":
        self._call(lib().provider_set_api_key, self._p,
                   cstr(key, "key", allow_none=True))
        return self

    def set_model(self, model: str) -> "Provider":
        self._call(lib().provider_set_model, self._p, cstr(model, "model"))
        return self

    def set_option(self, name: str, value: Optional[str]) -> "Provider":
        self._call(lib().provider_set_option, self._p, cstr(name, "name"),
                   cstr(value, "value", allow_none=True))
        return self

    def set_timeouts(self, connect_ms: int = 0, total_ms: int = 0,
                     idle_ms: int = 0) -> "Provider":
        from ._core import check
        check(lib().provider_set_timeouts(
            self._p, u32(connect_ms, "connect_ms"), u32(total_ms, "total_ms"),
            u32(idle_ms, "idle_ms")), self._state)
        return self

    def set_max_body_size(self, max_bytes: int) -> "Provider":
        from ._core import check
        check(lib().provider_set_max_body_size(self._p,
                                               u64(max_bytes, "max_bytes")),
              self._state)
        return self

    def fetch_report(self, signing_address: Optional[str] = None,
                     nonce: Optional[Data] = None) -> Report:
        """Fetch a report with a fresh nonce from the context's random
        source (or the given 32 bytes). Verifies nothing."""
        n = _nonce(nonce) if nonce is not None else None
        out = c_void_p()
        self._call(lib().report_fetch, self._p, byref(out), n,
                   len(n) if n else 0,
                   cstr(signing_address, "signing_address", True))
        return Report(out.value, self._ctx)

    def attest(self, policy: Optional[Policy] = None,
               evidence: Optional["Evidence"] = None, *,
               signing_address: Optional[str] = None) -> Attestation:
        """Fetch a report with a fresh nonce and verify it end to end
        against that nonce. With signing_address, only that node's entry
        is chosen. Read the verdict from .result."""
        from ._evidence import Evidence
        ctx = self._ctx
        assert ctx is not None
        ev = evidence if evidence is not None else Evidence(ctx)
        rep = self.fetch_report(signing_address)
        nonce = rep.nonce
        if nonce is None:  # every fetched report has one
            raise InvalidArgument("the fetched report has no nonce")
        entry = ENTRY_ALL
        if signing_address is not None:
            entry = rep.find_entry(signing_address)
        res = rep.verify(ev, policy, entry=entry, nonce=nonce)
        return Attestation(rep, ev, res, nonce)

    def chat(self, body: Data, *, stream: bool = False,
             on_event: Optional[Callable[[ChatEvent], Any]] = None
             ) -> Exchange:
        """Send one chat request (its exact bytes) and capture the answer.
        on_event is called per server-sent event (or once with the whole
        body); returning False cancels (Cancelled). An exception it raises
        cancels the exchange and is raised from chat()."""
        b = data(body, "body")
        assert b is not None
        from . import _lib
        cb = _lib.EVENT_FN()  # NULL: no callback
        state = self._state
        if on_event is not None:
            def _ev(_ud: Any, event: Optional[bytes], d: int, n: int) -> int:
                try:
                    r = on_event(ChatEvent(text(event), borrowed(d, n)))
                    return 1 if r is False else 0
                except BaseException as e:
                    if state is not None:
                        state.stash(e)
                    return 1
            cb = _lib.EVENT_FN(_ev)
        out = c_void_p()
        self._call(lib().chat, self._p, byref(out), b, len(b),
                   CHAT_STREAM if stream else 0, cb, None)
        return Exchange(out.value, self._ctx)

    def chat_stream(self, body: Data) -> "ChatStream":
        """Start a streamed chat: iterate the returned ChatStream for the
        events as they arrive, then verify it."""
        return ChatStream(self, body)

    def fetch_signature(self, exchange: Exchange,
                        algo: Optional[str] = None) -> Signature:
        out = c_void_p()
        self._call(lib().signature_fetch, self._p, byref(out),
                   _same(exchange, Exchange, "exchange", False),
                   cstr(algo, "algo", True))
        return Signature(out.value, self._ctx)

    def fetch_aci_receipt(self, exchange: Exchange) -> bytes:
        """The signed receipt an ACI answer names (X-Receipt-Id), exactly
        as received (dialect "aci"; at most 1 MiB). Not verified here."""
        buf = ctypes.create_string_buffer(1 << 20)
        n = c_size_t(len(buf))
        self._call(lib().aci_receipt_fetch, self._p,
                   _same(exchange, Exchange, "exchange", False), buf,
                   byref(n))
        return buf.raw[:n.value]

    def fetch_aci_session(self, session_id: str) -> bytes:
        """The attested session an aggregator's receipt cites (64
        lowercase hex id), exactly as received (dialect "aci"; at most
        16 MiB). Not verified here."""
        buf = ctypes.create_string_buffer(16 << 20)
        n = c_size_t(len(buf))
        self._call(lib().aci_session_fetch, self._p,
                   cstr(session_id, "session_id"), buf, byref(n))
        return buf.raw[:n.value]


_DONE = object()


class ChatStream:
    """A streamed chat running in a worker thread. Iterating yields
    ChatEvent objects as the server sends them; the iteration ends when the
    answer is complete (and raises what the exchange raised). Then
    `exchange` holds the exact bytes and verify() fetches the signature
    and checks it. close() (or leaving a `with` block) cancels an
    unfinished stream."""

    def __init__(self, provider: Provider, body: Data) -> None:
        self._provider = provider
        self._q: "queue.Queue[Any]" = queue.Queue()
        self._cancel = threading.Event()
        self._error: Optional[BaseException] = None
        self.exchange: Optional[Exchange] = None
        self._consumed = False
        b = data(body, "body")
        self._thread = threading.Thread(target=self._run, args=(b,),
                                        name="teeattest-chat", daemon=True)
        self._thread.start()

    def _on_event(self, ev: ChatEvent) -> bool:
        if self._cancel.is_set():
            return False
        self._q.put(ev)
        return True

    def _run(self, body: bytes) -> None:
        try:
            self.exchange = self._provider.chat(body, stream=True,
                                                on_event=self._on_event)
        except BaseException as e:
            self._error = e
        finally:
            self._q.put(_DONE)

    def __iter__(self) -> Iterator[ChatEvent]:
        while not self._consumed:
            item = self._q.get()
            if item is _DONE:
                self._consumed = True
                break
            yield item
        self._thread.join()
        if self._error is not None and not (
                self._cancel.is_set() and isinstance(self._error, Cancelled)):
            raise self._error

    def wait(self) -> Exchange:
        """Consume the rest of the stream; the finished exchange."""
        for _ in self:
            pass
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self.exchange is not None
        return self.exchange

    @property
    def text(self) -> str:
        """The content of the finished answer's chunks, concatenated."""
        ex = self.wait()
        out = []
        for block in ex.response.split(b"\n\n"):
            for line in block.split(b"\n"):
                if line.startswith(b"data:"):
                    out.append(ChatEvent(None, line[5:].strip()).content)
        return "".join(out)

    def signature(self, algo: Optional[str] = None) -> Signature:
        return self._provider.fetch_signature(self.wait(), algo)

    def verify(self, expected_signer: Optional[str] = None, *,
               attestation: Optional[Result] = None,
               policy: Optional[Policy] = None,
               algo: Optional[str] = None) -> Result:
        """Fetch the signature and verify the exact bytes against the
        pinned signer, or (attestation=) the signer a verified report
        attests."""
        ex = self.wait()
        with self.signature(algo) as sig:
            if attestation is not None:
                if expected_signer is not None:
                    raise InvalidArgument("expected_signer and attestation "
                                          "exclude each other")
                return sig.verify_attested(attestation, ex.request,
                                           ex.response, policy)
            return sig.verify(ex.request, ex.response, expected_signer,
                              policy)

    def close(self) -> None:
        """Cancel an unfinished stream: the next event the library
        delivers stops the exchange (an exchange blocked on a silent peer
        ends at the provider's idle timeout). Waits for the worker."""
        self._cancel.set()
        while not self._consumed:
            if self._q.get() is _DONE:
                self._consumed = True
        self._thread.join()

    def __enter__(self) -> "ChatStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._consumed:
            self.close()
