// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// LogLevel is the level of a library log message.
type LogLevel int32

const (
	LogNone  LogLevel = C.TEEATTEST_LOG_NONE
	LogError LogLevel = C.TEEATTEST_LOG_ERROR
	LogWarn  LogLevel = C.TEEATTEST_LOG_WARN
	LogInfo  LogLevel = C.TEEATTEST_LOG_INFO
	LogDebug LogLevel = C.TEEATTEST_LOG_DEBUG
)

// Options configure a Context. The zero value (or nil) is the normal
// choice: HTTP through HTTPTransport, the system clock, no log.
type Options struct {
	// Transport carries every HTTP exchange of the context (provider
	// reports, chats, signatures, PCS/PCCS collateral, NRAS, RIM, OCSP).
	// nil: a new HTTPTransport. It receives each call's context.Context.
	Transport Transport
	// BuiltinTransport uses the library's own libcurl transport instead of
	// a Go one. Then a call's context is only checked before the call
	// starts: an exchange in progress cannot be cancelled (bound it with
	// Deadline or Provider.SetTimeouts). Ignored when Transport is set.
	BuiltinTransport bool
	// Clock replaces the system clock (verification time when a policy
	// fixes none). A panic in it reads as time 0, which fails certificate
	// and collateral validity checks.
	Clock func() time.Time
	// Log receives the library's log lines up to LogLevel (default
	// LogWarn when Log is set). Messages never contain API keys.
	Log      func(level LogLevel, message string)
	LogLevel LogLevel
	// Sleep replaces the wait between retries and polls; it must return
	// early when ctx is done. nil: a timer that stops when ctx is done.
	Sleep func(ctx context.Context, d time.Duration)
	// Deadline bounds all network work done through this context
	// (teeattest_ctx_options.deadline_ms); zero: none.
	Deadline time.Time
	// CacheDir is a directory for the on-disk cache of fetched
	// verification material: TDX collateral, NVIDIA RIMs, OCSP answers,
	// NRAS JWKS (teeattest_ctx_options.cache_dir; docs/cache.md). Every
	// entry is verified again on use; a bad or stale one is fetched anew.
	// Empty: no cache. The library never reads the environment: pass
	// e.g. filepath.Join(os.UserCacheDir(), "teeattest") yourself.
	CacheDir string
	// MemoEntries and MemoBytes bound the context's in-memory memo of
	// verified certificates, certificate links and RIM signatures
	// (teeattest_ctx_options.memo_entries / memo_bytes; docs/cache.md):
	// 0 = the default (4096 entries, 8 MiB), MemoOff in either = no memo.
	MemoEntries uint
	MemoBytes   uint
}

// MemoOff turns the in-memory memo off (TEEATTEST_MEMO_OFF) as
// Options.MemoEntries or Options.MemoBytes.
const MemoOff = ^uint(0)

// callbacks is the Go state behind one C context, reached from C through a
// cgo.Handle that the context's release hook deletes.
type callbacks struct {
	transport Transport
	clock     func() time.Time
	log       func(LogLevel, string)
	sleep     func(context.Context, time.Duration)
}

// liveCallbacks counts callback states whose C context still exists (for
// tests: a freed context must delete its handle).
var liveCallbacks int64

// Context is a library context (teeattest_ctx): immutable once made and
// safe to share between goroutines. Objects made from it keep the C
// context alive, so Close may come first.
type Context struct {
	h handle
}

// NewContext makes a context; opts may be nil.
func NewContext(opts *Options) (*Context, error) {
	if opts == nil {
		opts = &Options{}
	}
	cb := &callbacks{clock: opts.Clock, log: opts.Log, sleep: opts.Sleep}
	var flags C.uint32_t
	if opts.Transport != nil {
		cb.transport = opts.Transport
	} else if !opts.BuiltinTransport {
		cb.transport = &HTTPTransport{}
	}
	if cb.transport != nil {
		flags |= C.TA_GO_TRANSPORT
	}
	if cb.clock != nil {
		flags |= C.TA_GO_CLOCK
	}
	level := opts.LogLevel
	if cb.log != nil {
		flags |= C.TA_GO_LOG
		if level == LogNone {
			level = LogWarn
		}
	}
	var deadline C.int64_t
	if !opts.Deadline.IsZero() {
		deadline = C.int64_t(opts.Deadline.UnixMilli())
		if deadline <= 0 {
			deadline = 1 // already passed; 0 would mean "none"
		}
	}
	var cacheDir *C.char
	if opts.CacheDir != "" {
		if strings.IndexByte(opts.CacheDir, 0) >= 0 {
			return nil, errInvalid("NewContext", "CacheDir holds a NUL byte")
		}
		cacheDir = C.CString(opts.CacheDir)
		defer C.free(unsafe.Pointer(cacheDir))
	}
	h := cgo.NewHandle(cb)
	atomic.AddInt64(&liveCallbacks, 1)
	var p *C.teeattest_ctx
	var e C.teeattest_error
	rc := C.ta_go_ctx_new(&p, C.uintptr_t(h), flags, C.int32_t(level), deadline, cacheDir,
		C.size_t(opts.MemoEntries), C.size_t(opts.MemoBytes), &e)
	if rc != 0 {
		// No context, so no release hook: the handle is ours to delete.
		h.Delete()
		atomic.AddInt64(&liveCallbacks, -1)
		return nil, opError("NewContext", rc, &e)
	}
	return wrapContext(p), nil
}

// wrapContext owns one reference to p.
func wrapContext(p *C.teeattest_ctx) *Context {
	c := &Context{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(c, (*Context).Close)
	return c
}

// Close drops this reference to the context; the C context (and the Go
// callbacks it holds) goes when its last child is closed too. Idempotent.
func (c *Context) Close() error {
	c.h.close(func(p unsafe.Pointer) { C.teeattest_ctx_free((*C.teeattest_ctx)(p)) })
	runtime.SetFinalizer(c, nil)
	return nil
}

func (c *Context) ptr() *C.teeattest_ctx { return (*C.teeattest_ctx)(c.h.get()) }

// use is ptr() for a method that fails on a closed Context (acquire).
func (c *Context) use() (*C.teeattest_ctx, error) { return acquire[C.teeattest_ctx](&c.h, "Context") }

// Now is the context's current time (its Clock, else the system clock).
func (c *Context) Now() time.Time {
	p := c.ptr()
	if p == nil {
		return time.Time{}
	}
	defer c.h.put()
	t := C.teeattest_ctx_now(p)
	runtime.KeepAlive(c)
	return time.Unix(int64(t), 0)
}

// callState is what the C side's per-call wrappers hand to the callbacks:
// the context.Context of the Go call being served.
type callState struct {
	ctx context.Context
}

// beginCall registers ctx for one C call; end must be called after it.
func beginCall(ctx context.Context) (id C.uintptr_t, end func()) {
	h := cgo.NewHandle(&callState{ctx: ctx})
	return C.uintptr_t(h), h.Delete
}

func callContext(call C.uintptr_t) context.Context {
	if call == 0 {
		return context.Background()
	}
	if cs, ok := cgo.Handle(call).Value().(*callState); ok && cs.ctx != nil {
		return cs.ctx
	}
	return context.Background()
}

func newHandle(v interface{}) cgo.Handle { return cgo.NewHandle(v) }
