// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"time"
	"unsafe"
)

// Provider is a configured client for one provider API and dialect
// (teeattest_provider). Configure it from one goroutine; then fetch, chat
// and signature calls may run concurrently.
type Provider struct {
	h   handle
	ctx *Context // its own reference to the provider's context
}

// NewProvider makes a client for a dialect (see Dialects), with its
// default base URL and no API key (the library never reads the
// environment: see DialectAPIKeyEnv).
func (c *Context) NewProvider(dialect string) (*Provider, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	cd, free := cstring(dialect, false)
	defer free()
	var p *C.teeattest_provider
	var e C.teeattest_error
	if rc := C.teeattest_provider_new(cp, &p, cd, &e); rc != 0 {
		return nil, opError("NewProvider", rc, &e)
	}
	pr := &Provider{h: handle{p: unsafe.Pointer(p)}, ctx: wrapContext(C.teeattest_ctx_ref(cp))}
	runtime.SetFinalizer(pr, (*Provider).Close)
	return pr, nil
}

// Close releases the provider (its API key is wiped when the last
// reference goes). Idempotent.
func (p *Provider) Close() error {
	p.h.close(func(x unsafe.Pointer) { C.teeattest_provider_free((*C.teeattest_provider)(x)) })
	p.ctx.Close()
	runtime.SetFinalizer(p, nil)
	return nil
}

func (p *Provider) ptr() *C.teeattest_provider { return (*C.teeattest_provider)(p.h.get()) }

// use is ptr() for a method that fails on a closed Provider (acquire).
func (p *Provider) use() (*C.teeattest_provider, error) {
	return acquire[C.teeattest_provider](&p.h, "Provider")
}

func (p *Provider) set(op string, f func(*C.teeattest_provider, *C.teeattest_error) C.int) error {
	x, err := p.use()
	if err != nil {
		return err
	}
	defer p.h.put()
	var e C.teeattest_error
	rc := f(x, &e)
	runtime.KeepAlive(p)
	if rc != 0 {
		return opError(op, rc, &e)
	}
	return nil
}

// Dialect is the provider's dialect name.
func (p *Provider) Dialect() string {
	x := p.ptr()
	if x == nil {
		return ""
	}
	defer p.h.put()
	return goString(C.teeattest_provider_dialect(x))
}

// SetBaseURL sets the base URL. A base URL of another origin removes the
// API key: set the key after the URL.
func (p *Provider) SetBaseURL(url string) error {
	cu, free := cstring(url, false)
	defer free()
	return p.set("Provider.SetBaseURL", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_base_url(x, cu, e)
	})
}

// SetAPIKey sets the API key, sent only to the base URL's origin ("":
// none).
func (p *Provider) SetAPIKey(key string) error {
	ck, free := cstring(key, true)
	defer free()
	return p.set("Provider.SetAPIKey", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_api_key(x, ck, e)
	})
}

// SetModel sets the model the provider serves.
func (p *Provider) SetModel(model string) error {
	cm, free := cstring(model, false)
	defer free()
	return p.set("Provider.SetModel", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_model(x, cm, e)
	})
}

// SetOption sets a dialect option ("signing_algo", "ca_file",
// "pinned_key", "user_agent", "max_retries", dialect ones); value ""
// restores the default.
func (p *Provider) SetOption(name, value string) error {
	cn, f1 := cstring(name, false)
	defer f1()
	cv, f2 := cstring(value, true)
	defer f2()
	return p.set("Provider.SetOption", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_option(x, cn, cv, e)
	})
}

// SetTimeouts bounds each attempt of each request (0 keeps a default).
func (p *Provider) SetTimeouts(connect, total, idle time.Duration) error {
	return p.set("Provider.SetTimeouts", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_timeouts(x, C.uint32_t(connect.Milliseconds()),
			C.uint32_t(total.Milliseconds()), C.uint32_t(idle.Milliseconds()))
	})
}

// SetMaxBodySize sets the largest response body accepted (0: default).
func (p *Provider) SetMaxBodySize(max uint64) error {
	return p.set("Provider.SetMaxBodySize", func(x *C.teeattest_provider, e *C.teeattest_error) C.int {
		return C.teeattest_provider_set_max_body_size(x, C.uint64_t(max))
	})
}

// FetchReport fetches an attestation report. nonce nil: a fresh random
// nonce from the context (the normal case; read it with Report.Nonce).
// signingAddress "" asks for any node. Fetching verifies nothing.
func (p *Provider) FetchReport(ctx context.Context, nonce []byte, signingAddress string) (*Report, error) {
	if err := ctxErr(ctx, "Provider.FetchReport"); err != nil {
		return nil, err
	}
	x, err := p.use()
	if err != nil {
		return nil, err
	}
	defer p.h.put()
	ca, free := cstring(signingAddress, true)
	defer free()
	var np *C.uint8_t
	var nl C.size_t
	if nonce != nil {
		np, nl = cbytes(nonce)
	}
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_report
	var e C.teeattest_error
	rc := C.ta_go_report_fetch(call, x, &out, np, nl, ca, &e)
	runtime.KeepAlive(p)
	if rc != 0 {
		return nil, callError(ctx, "Provider.FetchReport", rc, &e)
	}
	return newReport(out), nil
}

// ChatOptions are the options of Provider.Chat.
type ChatOptions struct {
	// Stream: the body asks for server-sent events ("stream": true must
	// agree).
	Stream bool
	// OnEvent, when set, gets each server-sent event as it arrives (or the
	// whole body once when not streaming); returning false cancels the
	// exchange (Chat then fails with StatusCancelled). A panic in it
	// cancels the exchange too and is returned as the error's cause.
	OnEvent func(event string, data []byte) bool
}

type funcSink struct {
	f     func(string, []byte) bool
	panic interface{}
}

func (s *funcSink) event(t string, d []byte) bool { return s.f(t, d) }
func (s *funcSink) panicked(v interface{})        { s.panic = v }

// Chat sends one chat completion request, byte for byte, and returns the
// exchange with the exact bytes sent and received (also on HTTP errors:
// see Exchange.Status). Never retried.
func (p *Provider) Chat(ctx context.Context, body []byte, opts *ChatOptions) (*Exchange, error) {
	if opts == nil {
		opts = &ChatOptions{}
	}
	var sink *funcSink
	var es eventSink // a nil *funcSink must not become a non-nil interface
	if opts.OnEvent != nil {
		sink = &funcSink{f: opts.OnEvent}
		es = sink
	}
	x, err := p.chat(ctx, body, opts.Stream, es)
	if err != nil && sink != nil && sink.panic != nil {
		if e, ok := err.(*Error); ok && e.cause == nil {
			e.cause = &CallbackPanic{Value: sink.panic}
		}
	}
	return x, err
}

// CallbackPanic is the cause of an error a panicking Go callback made.
type CallbackPanic struct{ Value interface{} }

func (p *CallbackPanic) Error() string { return "Go callback panicked" }

func (p *Provider) chat(ctx context.Context, body []byte, stream bool, sink eventSink) (*Exchange, error) {
	if err := ctxErr(ctx, "Provider.Chat"); err != nil {
		return nil, err
	}
	x, err := p.use()
	if err != nil {
		return nil, err
	}
	defer p.h.put()
	var flags C.uint32_t
	if stream {
		flags = C.TEEATTEST_CHAT_STREAM
	}
	var events C.uintptr_t
	if sink != nil {
		h := newHandle(sink)
		defer h.Delete()
		events = C.uintptr_t(h)
	}
	call, end := beginCall(ctx)
	defer end()
	b, n := cbytes(body)
	var out *C.teeattest_exchange
	var e C.teeattest_error
	rc := C.ta_go_chat(call, x, &out, b, n, flags, events, &e)
	runtime.KeepAlive(p)
	if rc != 0 {
		if out != nil {
			C.teeattest_exchange_free(out)
		}
		return nil, callError(ctx, "Provider.Chat", rc, &e)
	}
	return newExchange(out), nil
}

// FetchSignature fetches the provider's signature record for an exchange
// (by response id, polling briefly; or from the exchange for dialects that
// send it with the answer). algo "" uses the provider's "signing_algo".
func (p *Provider) FetchSignature(ctx context.Context, x *Exchange, algo string) (*Signature, error) {
	if err := ctxErr(ctx, "Provider.FetchSignature"); err != nil {
		return nil, err
	}
	pp, err := p.use()
	if err != nil {
		return nil, err
	}
	defer p.h.put()
	if x == nil {
		return nil, errInvalid("Provider.FetchSignature", "nil exchange")
	}
	xp, err := x.use()
	if err != nil {
		return nil, err
	}
	defer x.h.put()
	ca, free := cstring(algo, true)
	defer free()
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_signature
	var e C.teeattest_error
	rc := C.ta_go_signature_fetch(call, pp, &out, xp, ca, &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(x)
	if rc != 0 {
		return nil, callError(ctx, "Provider.FetchSignature", rc, &e)
	}
	return newSignature(out), nil
}

// FetchACIReceipt: The signed receipt an ACI answer names (X-Receipt-Id), exactly as received (dialect "aci"; at most 1 MiB); not verified here.
func (p *Provider) FetchACIReceipt(ctx context.Context, x *Exchange) ([]byte, error) {
	if err := ctxErr(ctx, "Provider.FetchACIReceipt"); err != nil {
		return nil, err
	}
	pp, err := p.use()
	if err != nil {
		return nil, err
	}
	defer p.h.put()
	if x == nil {
		return nil, errInvalid("Provider.FetchACIReceipt", "nil exchange")
	}
	xp, err := x.use()
	if err != nil {
		return nil, err
	}
	defer x.h.put()
	buf := C.malloc(1 << 20)
	if buf == nil {
		return nil, errInvalid("Provider.FetchACIReceipt", "out of memory")
	}
	defer C.free(buf)
	n := C.size_t(1 << 20)
	call, end := beginCall(ctx)
	defer end()
	var e C.teeattest_error
	rc := C.ta_go_aci_receipt_fetch(call, pp, xp, (*C.uint8_t)(buf), &n, &e)
	runtime.KeepAlive(p)
	runtime.KeepAlive(x)
	if rc != 0 {
		return nil, callError(ctx, "Provider.FetchACIReceipt", rc, &e)
	}
	return C.GoBytes(buf, C.int(n)), nil
}

// FetchACISession: the attested session an aggregator's receipt cites (its 64 lowercase hex id), exactly as received (dialect "aci"; at most 16 MiB); not verified here.
func (p *Provider) FetchACISession(ctx context.Context, sessionID string) ([]byte, error) {
	const op = "Provider.FetchACISession"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	pp, err := p.use()
	if err != nil {
		return nil, err
	}
	defer p.h.put()
	id, free := cstring(sessionID, false)
	defer free()
	const max = 16 << 20
	buf := C.malloc(max)
	if buf == nil {
		return nil, errInvalid(op, "out of memory")
	}
	defer C.free(buf)
	n := C.size_t(max)
	call, end := beginCall(ctx)
	defer end()
	var e C.teeattest_error
	rc := C.ta_go_aci_session_fetch(call, pp, id, (*C.uint8_t)(buf), &n, &e)
	runtime.KeepAlive(p)
	if rc != 0 {
		return nil, callError(ctx, op, rc, &e)
	}
	return C.GoBytes(buf, C.int(n)), nil
}

// Exchange is one chat exchange with its exact bytes (teeattest_exchange):
// immutable, shareable.
type Exchange struct {
	h handle
}

func newExchange(p *C.teeattest_exchange) *Exchange {
	x := &Exchange{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(x, (*Exchange).Close)
	return x
}

// Close releases the exchange. Idempotent.
func (x *Exchange) Close() error {
	x.h.close(func(p unsafe.Pointer) { C.teeattest_exchange_free((*C.teeattest_exchange)(p)) })
	runtime.SetFinalizer(x, nil)
	return nil
}

func (x *Exchange) ptr() *C.teeattest_exchange { return (*C.teeattest_exchange)(x.h.get()) }

// use is ptr() for a method that fails on a closed Exchange (acquire).
func (x *Exchange) use() (*C.teeattest_exchange, error) {
	return acquire[C.teeattest_exchange](&x.h, "Exchange")
}

// Status is the HTTP status of the response (0 when closed).
func (x *Exchange) Status() int {
	p := x.ptr()
	if p == nil {
		return 0
	}
	defer x.h.put()
	return int(C.teeattest_exchange_status(p))
}

// Request is the request body exactly as sent (a copy).
func (x *Exchange) Request() []byte {
	p := x.ptr()
	if p == nil {
		return nil
	}
	defer x.h.put()
	var b *C.uint8_t
	var n C.size_t
	if C.teeattest_exchange_request(p, &b, &n) != 0 {
		return nil
	}
	out := goBytes(b, n)
	runtime.KeepAlive(x)
	return out
}

// Response is the response body exactly as received (the whole SSE
// stream when streaming; a copy).
func (x *Exchange) Response() []byte {
	p := x.ptr()
	if p == nil {
		return nil
	}
	defer x.h.put()
	var b *C.uint8_t
	var n C.size_t
	if C.teeattest_exchange_response(p, &b, &n) != 0 {
		return nil
	}
	out := goBytes(b, n)
	runtime.KeepAlive(x)
	return out
}

// ID is the response id ("" when absent).
func (x *Exchange) ID() string {
	p := x.ptr()
	if p == nil {
		return ""
	}
	defer x.h.put()
	return goString(C.teeattest_exchange_id(p))
}

// Header is a response header's value ("" when absent).
func (x *Exchange) Header(name string) string {
	p := x.ptr()
	if p == nil {
		return ""
	}
	defer x.h.put()
	cn, free := cstring(name, false)
	defer free()
	return goString(C.teeattest_exchange_header(p, cn))
}

// TLSSPKI is the DER SPKI of the peer's TLS certificate, when captured.
func (x *Exchange) TLSSPKI() ([]byte, error) {
	p, err := x.use()
	if err != nil {
		return nil, err
	}
	defer x.h.put()
	var b *C.uint8_t
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_exchange_tls_spki(p, &b, &n, &e); rc != 0 {
		return nil, opError("Exchange.TLSSPKI", rc, &e)
	}
	return goBytes(b, n), nil
}

// exact is the request and response bytes, read under one lock.
func (x *Exchange) exact() (req, resp []byte, err error) {
	p, err := x.use()
	if err != nil {
		return nil, nil, err
	}
	defer x.h.put()
	var b *C.uint8_t
	var n C.size_t
	if C.teeattest_exchange_request(p, &b, &n) != 0 {
		return nil, nil, errInvalid("Exchange", "no request bytes")
	}
	req = goBytes(b, n)
	if C.teeattest_exchange_response(p, &b, &n) != 0 {
		return nil, nil, errInvalid("Exchange", "no response bytes")
	}
	resp = goBytes(b, n)
	runtime.KeepAlive(x)
	return req, resp, nil
}

// Verify checks the exchange's exact bytes against a signature record and
// a pinned signer (Signature.Verify).
func (x *Exchange) Verify(sig *Signature, pol *Policy, expectedSigner string) (*Result, error) {
	if sig == nil {
		return nil, errInvalid("Exchange.Verify", "nil signature")
	}
	req, resp, err := x.exact()
	if err != nil {
		return nil, err
	}
	return sig.Verify(pol, expectedSigner, req, resp)
}

// VerifyAttested checks the exchange's exact bytes against a signature
// record and the signer a verified attestation names.
func (x *Exchange) VerifyAttested(sig *Signature, pol *Policy, attestation *Result) (*Result, error) {
	if sig == nil {
		return nil, errInvalid("Exchange.VerifyAttested", "nil signature")
	}
	req, resp, err := x.exact()
	if err != nil {
		return nil, err
	}
	return sig.VerifyAttested(pol, attestation, req, resp)
}
