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

// Bundle is an evidence bundle (teeattest_bundle, docs/bundle.md):
// everything needed to verify an attestation, and optionally one signed
// chat exchange, again offline. Setters are not synchronised; verify one
// bundle from one goroutine at a time.
type Bundle struct {
	h   handle
	ctx *Context // its own reference to the bundle's context
}

func newBundle(p *C.teeattest_bundle, cp *C.teeattest_ctx) *Bundle {
	b := &Bundle{h: handle{p: unsafe.Pointer(p)}, ctx: wrapContext(C.teeattest_ctx_ref(cp))}
	runtime.SetFinalizer(b, (*Bundle).Close)
	return b
}

// NewBundle makes an empty bundle.
func (c *Context) NewBundle() (*Bundle, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var out *C.teeattest_bundle
	var e C.teeattest_error
	if rc := C.teeattest_bundle_new(cp, &out, &e); rc != 0 {
		return nil, opError("NewBundle", rc, &e)
	}
	return newBundle(out, cp), nil
}

// ParseBundle parses a bundle document (or a `teeattest attest --save`
// capture).
func (c *Context) ParseBundle(doc []byte) (*Bundle, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	d, n := cbytes(doc)
	var out *C.teeattest_bundle
	var e C.teeattest_error
	if rc := C.teeattest_bundle_parse(cp, &out, d, n, &e); rc != 0 {
		return nil, opError("ParseBundle", rc, &e)
	}
	return newBundle(out, cp), nil
}

// Close releases the bundle. Idempotent.
func (b *Bundle) Close() error {
	b.h.close(func(p unsafe.Pointer) { C.teeattest_bundle_free((*C.teeattest_bundle)(p)) })
	b.ctx.Close()
	runtime.SetFinalizer(b, nil)
	return nil
}

func (b *Bundle) ptr() *C.teeattest_bundle { return (*C.teeattest_bundle)(b.h.get()) }

// use is ptr() for a method that fails on a closed Bundle (acquire).
func (b *Bundle) use() (*C.teeattest_bundle, error) {
	return acquire[C.teeattest_bundle](&b.h, "Bundle")
}

func (b *Bundle) do(op string, f func(*C.teeattest_bundle, *C.teeattest_error) C.int) error {
	p, err := b.use()
	if err != nil {
		return err
	}
	defer b.h.put()
	var e C.teeattest_error
	rc := f(p, &e)
	runtime.KeepAlive(b)
	if rc != 0 {
		return opError(op, rc, &e)
	}
	return nil
}

// SetReport sets the report (its dialect, document, nonce, TLS key and
// capture time go into the bundle).
func (b *Bundle) SetReport(r *Report) error {
	if r == nil {
		return errInvalid("Bundle.SetReport", "nil report")
	}
	rp, err := r.use()
	if err != nil {
		return err
	}
	defer r.h.put()
	return b.do("Bundle.SetReport", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_report(p, rp, e)
	})
}

// SetEvidence sets the verification material.
func (b *Bundle) SetEvidence(ev *Evidence) error {
	if ev == nil {
		return errInvalid("Bundle.SetEvidence", "nil evidence")
	}
	evp, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	return b.do("Bundle.SetEvidence", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_evidence(p, evp, e)
	})
}

// SetNonce sets the nonce sent (32 bytes); overrides the report's.
func (b *Bundle) SetNonce(nonce []byte) error {
	return b.do("Bundle.SetNonce", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		d, n := cbytes(nonce)
		return C.teeattest_bundle_set_nonce(p, d, n, e)
	})
}

// SetModel sets the model asked for ("" removes it).
func (b *Bundle) SetModel(model string) error {
	cm, free := cstring(model, true)
	defer free()
	return b.do("Bundle.SetModel", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_model(p, cm, e)
	})
}

// SetTime sets the capture time.
func (b *Bundle) SetTime(t time.Time) error {
	return b.do("Bundle.SetTime", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_time(p, C.int64_t(t.Unix()), e)
	})
}

// SetExchange sets the exact request and response bytes of the chat
// exchange (both nil: remove it).
func (b *Bundle) SetExchange(request, response []byte) error {
	return b.do("Bundle.SetExchange", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		if request == nil && response == nil {
			return C.teeattest_bundle_set_exchange(p, nil, 0, nil, 0, e)
		}
		rq, rql := cbytes(request)
		rs, rsl := cbytes(response)
		return C.teeattest_bundle_set_exchange(p, rq, rql, rs, rsl, e)
	})
}

// SetSignature sets the exchange's signature record (nil removes it).
func (b *Bundle) SetSignature(sig *Signature) error {
	var sp *C.teeattest_signature
	if sig != nil {
		var err error
		if sp, err = sig.use(); err != nil {
			return err
		}
		defer sig.h.put()
	}
	return b.do("Bundle.SetSignature", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_signature(p, sp, e)
	})
}

// SetE2EE records the E2EE v2 session of the bundle's exchange (after
// EncryptRequest; nil removes the record) so that verification re-runs the
// E2EE checks offline. The bundle then holds the conversation in plaintext
// and the session's secret response key: keep its JSON as private as the
// prompt (docs/bundle.md, "aci.e2ee").
func (b *Bundle) SetE2EE(s *E2EESession) error {
	var sp *C.teeattest_e2ee_session
	if s != nil {
		if sp = s.ptr(); sp == nil {
			return errClosed("E2EESession")
		}
		defer s.h.put()
	}
	return b.do("Bundle.SetE2EE", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_set_e2ee(p, sp, e)
	})
}

// BundleItemKind names a kind of document a bundle carries beside its
// report (teeattest_bundle_item_kind).
type BundleItemKind int32

const (
	// BundleACIReceipt is an ACI/1 receipt of the bundle's exchange.
	BundleACIReceipt BundleItemKind = C.TEEATTEST_BUNDLE_ACI_RECEIPT
	// BundleACISession is an ACI/1 attested session a receipt cites.
	BundleACISession BundleItemKind = C.TEEATTEST_BUNDLE_ACI_SESSION
)

// AddItem adds a document of the kind, exact bytes (copied); a bundle
// holding ACI items is written as format version 2.
func (b *Bundle) AddItem(kind BundleItemKind, doc []byte) error {
	return b.do("Bundle.AddItem", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		d, dl := cbytes(doc)
		return C.teeattest_bundle_add_item(p, C.int32_t(kind), d, dl, e)
	})
}

// Items are the documents of a kind (copies), in order.
func (b *Bundle) Items(kind BundleItemKind) ([][]byte, error) {
	p, err := b.use()
	if err != nil {
		return nil, err
	}
	n := int(C.teeattest_bundle_item_count(p, C.int32_t(kind)))
	b.h.put()
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		var doc []byte
		err := b.do("Bundle.Items", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
			var d *C.uint8_t
			var dl C.size_t
			rc := C.teeattest_bundle_item(p, C.int32_t(kind), C.size_t(i), &d, &dl, e)
			if rc == 0 {
				doc = goBytes(d, dl)
			}
			return rc
		})
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// Version is the format version JSON writes: 2 with ACI items or Sigstore
// bundles in the evidence (written as member sigstore_bundles), else 1.
func (b *Bundle) Version() int {
	p := b.ptr()
	if p == nil {
		return 0
	}
	defer b.h.put()
	return int(C.teeattest_bundle_version(p))
}

// JSON renders the bundle (a copy of the text).
func (b *Bundle) JSON() ([]byte, error) {
	var out []byte
	err := b.do("Bundle.JSON", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		var j *C.char
		var n C.size_t
		rc := C.teeattest_bundle_to_json(p, &j, &n, e)
		if rc == 0 {
			out = C.GoBytes(unsafe.Pointer(j), C.int(n))
		}
		return rc
	})
	return out, err
}

// Report is the bundle's report (a new reference), or nil.
func (b *Bundle) Report() *Report {
	p := b.ptr()
	if p == nil {
		return nil
	}
	defer b.h.put()
	r := C.teeattest_bundle_report(p)
	if r == nil {
		return nil
	}
	return newReport(C.teeattest_report_ref(r))
}

// Evidence is the bundle's evidence (a new reference), or nil.
func (b *Bundle) Evidence() *Evidence {
	p := b.ptr()
	if p == nil {
		return nil
	}
	defer b.h.put()
	ev := C.teeattest_bundle_evidence(p)
	if ev == nil {
		return nil
	}
	return newEvidence(C.teeattest_evidence_ref(ev))
}

// Signature is the bundle's signature record (a new reference), or nil.
func (b *Bundle) Signature() *Signature {
	p := b.ptr()
	if p == nil {
		return nil
	}
	defer b.h.put()
	s := C.teeattest_bundle_signature(p)
	if s == nil {
		return nil
	}
	return newSignature(C.teeattest_signature_ref(s))
}

// Model is the model ("" when none).
func (b *Bundle) Model() string {
	p := b.ptr()
	if p == nil {
		return ""
	}
	defer b.h.put()
	return goString(C.teeattest_bundle_model(p))
}

// Time is the capture time (zero when unknown).
func (b *Bundle) Time() time.Time {
	p := b.ptr()
	if p == nil {
		return time.Time{}
	}
	defer b.h.put()
	t := int64(C.teeattest_bundle_time(p))
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0)
}

// Nonce is the nonce sent.
func (b *Bundle) Nonce() ([]byte, error) {
	buf := make([]byte, NonceSize)
	err := b.do("Bundle.Nonce", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		return C.teeattest_bundle_nonce(p, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), e)
	})
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// Exchange is the exchange's exact request and response bytes.
func (b *Bundle) Exchange() (request, response []byte, err error) {
	err = b.do("Bundle.Exchange", func(p *C.teeattest_bundle, e *C.teeattest_error) C.int {
		var rq, rs *C.uint8_t
		var rql, rsl C.size_t
		rc := C.teeattest_bundle_exchange(p, &rq, &rql, &rs, &rsl, e)
		if rc == 0 {
			request, response = goBytes(rq, rql), goBytes(rs, rsl)
		}
		return rc
	})
	return request, response, err
}

// Verify verifies the bundle: every report entry with the bundle's nonce
// and evidence, then the exchange's signature against the attested
// signer. The time is the policy's, else the bundle's capture time. Online
// fetching happens only if the bundle's evidence allows it.
func (b *Bundle) Verify(ctx context.Context, pol *Policy) (*Result, error) {
	const op = "Bundle.Verify"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	p, err := b.use()
	if err != nil {
		return nil, err
	}
	defer b.h.put()
	pp, done, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer done()
	cp, err := b.ctx.use()
	if err != nil {
		return nil, err
	}
	defer b.ctx.h.put()
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.ta_go_bundle_verify(call, cp, &out, p, pp, &e)
	runtime.KeepAlive(b)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, callError(ctx, op, rc, &e)
	}
	return newResult(out), nil
}
