// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// AciRewrite is what a request rewrite (a receipt's request.forwarded
// hash differing from request.received) does to aci.receipt.rewrite.
type AciRewrite int32

const (
	AciRewriteWarn  AciRewrite = C.TEEATTEST_ACI_REWRITE_WARN  // a warn (default)
	AciRewriteAllow AciRewrite = C.TEEATTEST_ACI_REWRITE_ALLOW // a pass naming it
	AciRewriteFail  AciRewrite = C.TEEATTEST_ACI_REWRITE_FAIL  // a failure
)

// AciServing is the serving mode the caller established from the verified
// report its keyset came from (facts aci.serving, aci.serving_bound).
type AciServing int32

const (
	AciServingUnknown       AciServing = C.TEEATTEST_ACI_SERVING_UNKNOWN        // an aggregator, or not known (default)
	AciServingDirect        AciServing = C.TEEATTEST_ACI_SERVING_DIRECT         // direct, over the keyset-bound channel
	AciServingDirectUnbound AciServing = C.TEEATTEST_ACI_SERVING_DIRECT_UNBOUND // direct over no bound channel: as unknown
)

// AciReceiptOptions are the optional inputs of AciVerifyReceipt. A nil
// Request or Response is "not given" (its hash check is skipped); an empty
// non-nil slice is an empty body.
type AciReceiptOptions struct {
	Request, Response []byte
	Rewrite           AciRewrite
	RequireVerified   bool
	PinnedSessions    []string
	Session           []byte // the cited session document, verified too
	Serving           AciServing
}

// AciKeysetDigest returns the keyset digest ("sha256:<hex>") of a keyset or of an ACI report's.
func (c *Context) AciKeysetDigest(doc []byte) (string, error) {
	return c.aciID("Context.AciKeysetDigest", doc, true)
}

// AciSessionID returns the id (64 hex) of an attested session document.
func (c *Context) AciSessionID(doc []byte) (string, error) {
	return c.aciID("Context.AciSessionID", doc, false)
}

func (c *Context) aciID(op string, doc []byte, keyset bool) (string, error) {
	cp, err := c.use()
	if err != nil {
		return "", err
	}
	defer c.h.put()
	var buf [C.TEEATTEST_ACI_DIGEST_SIZE]C.char
	var e C.teeattest_error
	d, n := cbytes(doc)
	var rc C.int
	if keyset {
		rc = C.teeattest_aci_keyset_digest(cp, &buf[0], C.size_t(len(buf)), d, n, &e)
	} else {
		rc = C.teeattest_aci_session_id(cp, &buf[0], C.size_t(len(buf)), d, n, &e)
	}
	runtime.KeepAlive(doc)
	if rc != 0 {
		return "", opError(op, rc, &e)
	}
	return C.GoString(&buf[0]), nil
}

// cCopy copies b into C memory (nil stays NULL; empty gets one byte).
func cCopy(b []byte) (*C.uint8_t, C.size_t) {
	if b == nil {
		return nil, 0
	}
	if len(b) == 0 {
		return (*C.uint8_t)(C.malloc(1)), 0
	}
	return (*C.uint8_t)(C.CBytes(b)), C.size_t(len(b))
}

// AciVerifyReceipt verifies a receipt against an established keyset (or a report
// carrying it; the attestation is not verified here). opts may be nil.
func (c *Context) AciVerifyReceipt(receipt, keyset []byte, opts *AciReceiptOptions) (*Result, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	// Options live in C memory: they hold pointers (cgo rules).
	o := (*C.teeattest_aci_receipt_options)(C.calloc(1, C.sizeof_teeattest_aci_receipt_options))
	defer C.free(unsafe.Pointer(o))
	if rc := C.teeattest_aci_receipt_options_init(o, C.sizeof_teeattest_aci_receipt_options); rc != 0 {
		return nil, opError("Context.AciVerifyReceipt", rc, nil)
	}
	if opts != nil {
		o.request, o.request_len = cCopy(opts.Request)
		defer C.free(unsafe.Pointer(o.request))
		o.response, o.response_len = cCopy(opts.Response)
		defer C.free(unsafe.Pointer(o.response))
		o.session, o.session_len = cCopy(opts.Session)
		defer C.free(unsafe.Pointer(o.session))
		o.rewrite = C.int32_t(opts.Rewrite)
		o.serving = C.int32_t(opts.Serving)
		if opts.RequireVerified {
			o.require_verified = 1
		}
		if n := len(opts.PinnedSessions); n > 0 {
			arr := (*[1 << 20]*C.char)(C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:n:n]
			for i, s := range opts.PinnedSessions {
				arr[i] = C.CString(s)
			}
			defer func() {
				for _, p := range arr {
					C.free(unsafe.Pointer(p))
				}
				C.free(unsafe.Pointer(&arr[0]))
			}()
			o.pinned_sessions = &arr[0]
			o.pinned_count = C.size_t(n)
		}
	}
	rd, rl := cbytes(receipt)
	kd, kl := cbytes(keyset)
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_aci_verify_receipt(cp, &out, rd, rl, kd, kl, o, &e)
	runtime.KeepAlive(receipt)
	runtime.KeepAlive(keyset)
	if rc != 0 {
		return nil, opError("Context.AciVerifyReceipt", rc, &e)
	}
	return newResult(out), nil
}

// AciVerifySession verifies a session against the id a receipt cited ("": not checked).
func (c *Context) AciVerifySession(session []byte, expectedID string) (*Result, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	id, free := cstring(expectedID, true)
	defer free()
	d, n := cbytes(session)
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_aci_verify_session(cp, &out, d, n, id, &e)
	runtime.KeepAlive(session)
	if rc != 0 {
		return nil, opError("Context.AciVerifySession", rc, &e)
	}
	return newResult(out), nil
}

// AciSessionAudit verifies a session against the id a receipt cited ("": not checked) and deep-audits its evidence under pol with the material of ev (both may be nil): teeattest_aci_session_audit.
func (c *Context) AciSessionAudit(ctx context.Context, session []byte, expectedID string, ev *Evidence, pol *Policy) (*Result, error) {
	const op = "Context.AciSessionAudit"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	evp, evDone, err := ev.cptr()
	if err != nil {
		return nil, err
	}
	defer evDone()
	pp, pDone, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer pDone()
	id, free := cstring(expectedID, true)
	defer free()
	d, n := cbytes(session)
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.ta_go_aci_session_audit(call, cp, &out, d, n, id, evp, pp, &e)
	runtime.KeepAlive(session)
	runtime.KeepAlive(ev)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, callError(ctx, op, rc, &e)
	}
	return newResult(out), nil
}
