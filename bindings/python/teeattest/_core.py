# SPDX-License-Identifier: Apache-2.0
"""Handles, the context and its callbacks (see the package docstring)."""
from __future__ import annotations

import ctypes
import datetime
import itertools
import os
import threading
import weakref
from ctypes import byref, c_char_p, c_int32, c_size_t, c_void_p
from typing import Any, Callable, Dict, List, Optional, Union

from . import _lib
from .constants import LogLevel, Status
from .errors import (ClosedHandleError, InvalidArgument, TeeattestError,
                     from_status)

BytesLike = Union[bytes, bytearray, memoryview]

_U32_MAX = (1 << 32) - 1
_U64_MAX = (1 << 64) - 1


# ---- argument checks (ctypes would silently truncate) ---------------------

def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument("%s must be an int, not %s"
                              % (name, type(value).__name__))
    if not lo <= value <= hi:
        raise InvalidArgument("%s must be in %d..%d, not %d"
                              % (name, lo, hi, value))
    return int(value)


def u32(value: Any, name: str) -> int:
    return _int(value, name, 0, _U32_MAX)


def i32(value: Any, name: str) -> int:
    return _int(value, name, -(1 << 31), (1 << 31) - 1)


def u64(value: Any, name: str) -> int:
    return _int(value, name, 0, _U64_MAX)


def i64(value: Any, name: str) -> int:
    return _int(value, name, -(1 << 63), (1 << 63) - 1)


def size(value: Any, name: str) -> int:
    return _int(value, name, 0, _lib.SIZE_MAX)


def flag(value: Any, name: str) -> int:
    """A boolean setting: True/False (or 1/0); anything else is refused."""
    if value is True or value is False or value in (0, 1) and \
            isinstance(value, int):
        return 1 if value else 0
    raise InvalidArgument("%s must be True or False, not %r" % (name, value))


def cstr(value: Optional[str], name: str,
         allow_none: bool = False) -> Optional[bytes]:
    """A NUL-terminated UTF-8 argument. A NUL inside would cut the string
    short in C, so it is refused rather than truncated."""
    if value is None:
        if allow_none:
            return None
        raise InvalidArgument("%s must not be None" % name)
    if isinstance(value, (bytes, bytearray)):
        b = bytes(value)
    elif isinstance(value, str):
        b = value.encode("utf-8")
    else:
        raise InvalidArgument("%s must be a str, not %s"
                              % (name, type(value).__name__))
    if b"\0" in b:
        raise InvalidArgument("%s contains a NUL character" % name)
    return b


def data(value: Any, name: str, allow_none: bool = False) -> Optional[bytes]:
    """Bytes for a (pointer, length) argument; str is encoded as UTF-8."""
    if value is None:
        if allow_none:
            return None
        raise InvalidArgument("%s must not be None" % name)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise InvalidArgument("%s must be bytes or str, not %s"
                          % (name, type(value).__name__))


def unix_time(value: Any, name: str) -> int:
    """Unix seconds from an int or an aware datetime."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise InvalidArgument("%s: a naive datetime is ambiguous; give "
                                  "a timezone (e.g. UTC)" % name)
        return int(value.timestamp())
    return i64(value, name)


def text(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def borrowed(ptr: Optional[int], n: int) -> bytes:
    if not n:
        return b""
    return ctypes.string_at(ptr, n)


def lib() -> Any:
    return _lib.load()


# ---- callbacks: exceptions never cross into C ----------------------------

class _Pending(threading.local):
    def __init__(self) -> None:
        self.exc: Optional[BaseException] = None


class CallbackState:
    """Where a Python callback leaves the exception it raised, per thread,
    so that the call that ran it can re-raise it once C has returned."""

    def __init__(self) -> None:
        self._pending = _Pending()

    def stash(self, exc: BaseException) -> None:
        if self._pending.exc is None:
            self._pending.exc = exc

    def reraise(self) -> None:
        exc = self._pending.exc
        if exc is not None:
            self._pending.exc = None
            raise exc


def call(fn: Any, *args: Any, state: Optional[CallbackState] = None) -> None:
    """Call a function whose last parameter is `teeattest_error *err` and
    raise for a non-OK status. An exception a callback raised during the
    call is raised first: a result computed while a callback failed is
    never handed out."""
    err = _lib.new_error()
    try:
        st = fn(*args, byref(err))
    finally:
        if state is not None:
            state.reraise()
    if st != 0:
        raise from_status(st, err)


def check(st: int, state: Optional[CallbackState] = None) -> None:
    """Raise for a status of a function without `err`."""
    if state is not None:
        state.reraise()
    if st != 0:
        raise from_status(st)


# ---- handles ---------------------------------------------------------------

class Handle:
    """An owned reference to a C object, released by close(), by a `with`
    block, or by the garbage collector (weakref.finalize), whichever comes
    first. Children keep their parents alive in C (they hold references),
    so handles may be closed in any order. A closed handle raises
    ClosedHandleError; it is never passed to the library."""

    _kind = "handle"
    _free_name = ""

    def __init__(self, ptr: int, ctx: Optional["Context"]) -> None:
        if not ptr:
            raise TeeattestError("the library returned no %s" % self._kind,
                                 status=Status.E_INTERNAL)
        self._ptr: Optional[int] = ptr
        self._ctx = ctx
        self._finalizer = weakref.finalize(
            self, getattr(lib(), self._free_name), ptr)

    @property
    def _p(self) -> int:
        p = self._ptr
        if p is None:
            raise ClosedHandleError("this %s is closed" % self._kind)
        return p

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def close(self) -> None:
        """Release the reference (idempotent)."""
        self._ptr = None
        self._finalizer()

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<teeattest.%s %s>" % (type(self).__name__,
                                      "closed" if self._ptr is None
                                      else hex(self._ptr))

    @property
    def _state(self) -> Optional[CallbackState]:
        return self._ctx._cb if self._ctx is not None else None

    def _call(self, fn: Any, *args: Any) -> None:
        call(fn, *args, state=self._state)


def new_handle(cls: Any, ctx: Optional["Context"], fn: Any,
               *args: Any) -> Any:
    """Call a constructor `fn(..., T **out, ..., err)`: args holds the
    arguments before `out` as args[0] and the rest after; returns cls."""
    out = c_void_p()
    call(fn, args[0], byref(out), *args[1:],
         state=ctx._cb if ctx is not None else None)
    return cls(out.value, ctx)


def adopt_borrowed(cls: Any, ctx: Optional["Context"], ref_fn: Any,
                   ptr: Optional[int]) -> Any:
    """Wrap a borrowed pointer: take a reference of our own first."""
    if not ptr:
        return None
    obj = cls.__new__(cls)
    Handle.__init__(obj, ref_fn(ptr), ctx)
    return obj


# ---- context ----------------------------------------------------------------

_tokens = itertools.count(1)
_LIVE: Dict[int, List[Any]] = {}   # token -> [releases left, keep-alives]
_LIVE_LOCK = threading.Lock()


def _release(user_data: Optional[int]) -> None:
    """release member of a Python transport or crypto table: the C context
    is gone, so the Python callbacks it held may go too."""
    try:
        with _LIVE_LOCK:
            entry = _LIVE.get(user_data or 0)
            if entry is not None:
                entry[0] -= 1
                if entry[0] <= 0:
                    del _LIVE[user_data or 0]
    except BaseException:  # never into C
        pass


_RELEASE = _lib.RELEASE_FN(_release)


class Context(Handle):
    """A library context: time, randomness, network and logging are its
    inputs. Immutable once created; may be shared by threads.

    clock: callable() -> int Unix seconds (default: the system clock).
    log: callable(level: LogLevel, message: str); log_level the highest
    level delivered (default WARN when a log is given).
    sleep: callable(ms: int) the library waits with between retries.
    crypto: an object with any of the CryptoBackend methods (see
    teeattest.backends); transport: a teeattest.Transport.
    deadline_ms: one deadline, Unix ms on this clock, for all network work.
    cache_dir: a directory (str or bytes path) for the on-disk cache of
    fetched verification material (collateral, RIMs, OCSP answers, JWKS;
    docs/cache.md); None = no cache. The library never reads the
    environment: pass e.g. $XDG_CACHE_HOME/teeattest yourself.
    memo_entries, memo_bytes: bounds of the in-memory memo of verified
    certificates, links and RIM signatures (docs/cache.md); 0 = default
    (4096 entries, 8 MiB), teeattest.MEMO_OFF in either = no memo.

    An exception raised by any callback is caught before it reaches C, the
    library is told the operation failed, and the exception is raised
    again from the call that ran the callback.
    """

    _kind = "context"
    _free_name = "ctx_free"

    def __init__(self, *, clock: Optional[Callable[[], int]] = None,
                 log: Optional[Callable[[LogLevel, str], None]] = None,
                 log_level: Optional[int] = None,
                 sleep: Optional[Callable[[int], None]] = None,
                 crypto: Any = None, transport: Any = None,
                 deadline_ms: int = 0,
                 cache_dir: Optional[Any] = None,
                 memo_entries: int = 0, memo_bytes: int = 0) -> None:
        L = lib()
        self._cb = CallbackState()
        keep: List[Any] = []
        opts = _lib.CtxOptions()
        check(L.ctx_options_init(byref(opts), ctypes.sizeof(opts)))
        opts.deadline_ms = i64(deadline_ms, "deadline_ms")
        opts.memo_entries = size(memo_entries, "memo_entries")
        opts.memo_bytes = size(memo_bytes, "memo_bytes")
        if cache_dir is not None:
            path = os.fsencode(cache_dir)
            keep.append(path)
            opts.cache_dir = path
        state = self._cb
        if clock is not None:
            def _clock(_ud: Any) -> int:
                try:
                    v = clock()
                    return i64(v, "clock()")
                except BaseException as e:
                    state.stash(e)
                    return 0  # 1970: every certificate and CRL fails
            opts.clock = _lib.CLOCK_FN(_clock)
            keep.append(opts.clock)
        if log is not None:
            def _log(_ud: Any, level: int, message: Optional[bytes]) -> None:
                try:
                    log(LogLevel(level) if 0 <= level <= 4 else level,
                        text(message) or "")
                except BaseException as e:
                    state.stash(e)
            opts.log = _lib.LOG_FN(_log)
            keep.append(opts.log)
            opts.log_level = i32(LogLevel.WARN if log_level is None
                                 else log_level, "log_level")
        if sleep is not None:
            def _sleep(_ud: Any, ms: int) -> int:
                try:
                    sleep(ms)
                except BaseException as e:
                    state.stash(e)
                return 0
            opts.sleep = _lib.SLEEP_FN(_sleep)
            keep.append(opts.sleep)
        token = 0
        releases = 0
        if crypto is not None or transport is not None:
            from . import backends
            token = next(_tokens)
            if crypto is not None:
                table = backends.crypto_table(crypto, state, keep)
                table.user_data = token
                table.release = _RELEASE
                opts.crypto = ctypes.pointer(table)
                keep.append(table)
                releases += 1
            if transport is not None:
                ttable = backends.transport_table(transport, state, keep)
                ttable.user_data = token
                ttable.release = _RELEASE
                opts.transport = ctypes.pointer(ttable)
                keep.append(ttable)
                releases += 1
            with _LIVE_LOCK:
                _LIVE[token] = [releases, keep]
        out = c_void_p()
        try:
            call(L.ctx_new, byref(out), byref(opts), state=state)
        except BaseException:
            if token:
                with _LIVE_LOCK:
                    _LIVE.pop(token, None)
            raise
        # Without a release hook the C context can only call the clock,
        # log and sleep callbacks through a Python object that holds this
        # Context, so the Context keeping them is enough.
        self._keep = keep
        super().__init__(out.value, None)

    @property
    def _state(self) -> Optional[CallbackState]:
        return self._cb

    def now(self) -> int:
        """The context's current time (its clock), Unix seconds."""
        t = int(lib().ctx_now(self._p))
        self._cb.reraise()  # the clock callback may have raised
        return t


# ---- results -------------------------------------------------------------

class Check:
    """One check of a result: name (dotted, docs/checks.md), outcome,
    detail, required. `id` is the same as `name`."""

    __slots__ = ("name", "outcome", "detail", "required")

    def __init__(self, name: str, outcome: Any, detail: str,
                 required: bool) -> None:
        self.name = name
        self.outcome = outcome
        self.detail = detail
        self.required = required

    @property
    def id(self) -> str:
        return self.name

    @property
    def failed(self) -> bool:
        """A failed check, or a required check that did not run."""
        from .constants import Outcome
        return self.outcome == Outcome.FAIL or (
            self.outcome == Outcome.SKIP and self.required)

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "outcome": self.outcome.value,
                "detail": self.detail, "required": self.required}

    def __repr__(self) -> str:
        return "Check(%r, %s%s, %r)" % (self.name, self.outcome.value,
                                       "" if self.required else " (opt)",
                                       self.detail)


class Signer:
    """A signer that a *verified* result vouches for."""

    __slots__ = ("signer", "algo")

    def __init__(self, signer: str, algo: Optional[str]) -> None:
        self.signer = signer
        self.algo = algo

    def __str__(self) -> str:
        return self.signer

    def __repr__(self) -> str:
        return "Signer(%r, %r)" % (self.signer, self.algo)


class Result(Handle):
    """A verification result: verdict, ordered checks and facts.
    Immutable; shareable between threads.

    `bool(result)` raises TypeError: a result is not a truth value (an
    `if result:` would be a silent pass for any object). Test
    `result.verified` or call `result.require_verified()`.

    facts: a dict of str -> str. A failed result names every fact
    "unverified.<name>", exactly as the library does: nothing is promoted.
    """

    _kind = "result"
    _free_name = "result_free"

    def __init__(self, ptr: int, ctx: Optional[Context]) -> None:
        super().__init__(ptr, ctx)
        self._checks: Optional[List[Check]] = None
        self._facts: Optional[Dict[str, str]] = None

    def __bool__(self) -> bool:
        raise TypeError("a teeattest Result is not a truth value: use "
                        "result.verified (or result.require_verified())")

    @property
    def verdict(self) -> Any:
        from .constants import Verdict
        v = lib().result_verdict(self._p)
        return Verdict.VERIFIED if v == 1 else Verdict.FAILED

    @property
    def verified(self) -> bool:
        """True only when the library's verdict is verified."""
        return lib().result_verdict(self._p) == 1

    def require_verified(self) -> "Result":
        """Return self if verified, else raise NotVerified naming the
        failed checks."""
        if not self.verified:
            from .errors import NotVerified
            bad = [c.name for c in self.checks if c.failed]
            raise NotVerified("verdict failed: " + (", ".join(bad) or
                                                    "no check passed"))
        return self

    @property
    def checks(self) -> List[Check]:
        if self._checks is None:
            from .constants import OUTCOMES, Outcome
            L = lib()
            out = []
            for i in range(L.result_check_count(self._p)):
                name, detail = c_char_p(), c_char_p()
                outcome, req = c_int32(), c_int32()
                call(L.result_check, self._p, i, byref(name),
                     byref(outcome), byref(detail), byref(req))
                out.append(Check(text(name.value) or "",
                                 OUTCOMES.get(outcome.value, Outcome.UNKNOWN),
                                 text(detail.value) or "", bool(req.value)))
            self._checks = out
        return list(self._checks)

    def check(self, name: str) -> Check:
        """The check of that name; NotFound if the checklist has none."""
        for c in self.checks:
            if c.name == name:
                return c
        from .errors import NotFound
        raise NotFound("no check named %r" % name)

    @property
    def failures(self) -> List[Check]:
        """Checks that failed, or were required and did not run."""
        return [c for c in self.checks if c.failed]

    @property
    def facts(self) -> Dict[str, str]:
        if self._facts is None:
            L = lib()
            out = {}
            for i in range(L.result_fact_count(self._p)):
                k, v = c_char_p(), c_char_p()
                call(L.result_fact_at, self._p, i, byref(k), byref(v))
                out[text(k.value) or ""] = text(v.value) or ""
            self._facts = out
        return dict(self._facts)

    def fact(self, key: str) -> Optional[str]:
        """A fact's value by its exact key (None when absent)."""
        return text(lib().result_fact(self._p, cstr(key, "key")))

    def verified_signer(self) -> Signer:
        """The signer this result vouches for. Raises NotVerified unless the
        verdict is verified; NotFound when a verified result names no
        single signer."""
        s, a = c_char_p(), c_char_p()
        call(lib().result_verified_signer, self._p, byref(s), byref(a))
        return Signer(text(s.value) or "", text(a.value))

    def to_json(self) -> str:
        """The library's JSON form {"verdict","checks","facts"}."""
        js, n = c_void_p(), c_size_t()
        call(lib().result_to_json, self._p, byref(js), byref(n))
        return borrowed(js.value, n.value).decode("utf-8")

    def as_dict(self) -> Dict[str, Any]:
        import json
        return json.loads(self.to_json())

    def __repr__(self) -> str:
        if self._ptr is None:
            return "<teeattest.Result closed>"
        return "<teeattest.Result %s, %d checks>" % (
            self.verdict.value, len(self.checks))

