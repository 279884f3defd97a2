// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// SigAlgo is a response signing algorithm.
type SigAlgo int32

const (
	SigECDSA   SigAlgo = C.TEEATTEST_SIG_ECDSA   // secp256k1, EIP-191
	SigEd25519 SigAlgo = C.TEEATTEST_SIG_ED25519 // Ed25519 over the text
)

func (a SigAlgo) String() string {
	switch a {
	case SigECDSA:
		return "ecdsa"
	case SigEd25519:
		return "ed25519"
	}
	return "unknown"
}

// SigKind says who produced a signature (the record's signature_kind).
type SigKind int32

const (
	SigKindNone        SigKind = C.TEEATTEST_SIG_KIND_NONE         // no kind named (legacy)
	SigKindProviderTEE SigKind = C.TEEATTEST_SIG_KIND_PROVIDER_TEE // the model TEE, model:req:resp
	SigKindGateway     SigKind = C.TEEATTEST_SIG_KIND_GATEWAY      // the gateway TEE, req:resp
)

func (k SigKind) String() string {
	switch k {
	case SigKindProviderTEE:
		return "provider_tee"
	case SigKindGateway:
		return "gateway"
	}
	return ""
}

// Signature is a parsed response signature record (teeattest_signature):
// immutable and shareable. Its claimed signer is a claim, not a fact:
// verify with a pinned signer (Verify) or an attestation (VerifyAttested).
type Signature struct {
	h handle
}

func newSignature(p *C.teeattest_signature) *Signature {
	s := &Signature{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(s, (*Signature).Close)
	return s
}

// Close releases the record. Idempotent.
func (s *Signature) Close() error {
	s.h.close(func(p unsafe.Pointer) { C.teeattest_signature_free((*C.teeattest_signature)(p)) })
	runtime.SetFinalizer(s, nil)
	return nil
}

func (s *Signature) ptr() *C.teeattest_signature { return (*C.teeattest_signature)(s.h.get()) }

// use is ptr() for a method that fails on a closed Signature (acquire).
func (s *Signature) use() (*C.teeattest_signature, error) {
	return acquire[C.teeattest_signature](&s.h, "Signature")
}

// ParseSignature parses a signature endpoint's JSON body
// ({"text","signature","signing_address","signing_algo"}).
func (c *Context) ParseSignature(doc []byte) (*Signature, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var out *C.teeattest_signature
	var e C.teeattest_error
	d, n := cbytes(doc)
	if rc := C.teeattest_signature_parse_json(cp, &out, d, n, &e); rc != 0 {
		return nil, opError("ParseSignature", rc, &e)
	}
	return newSignature(out), nil
}

// ParseSignatureHeaders builds a record from a raw response header block
// carrying it (io.net style "text", "signature", ... headers).
func (c *Context) ParseSignatureHeaders(headers string) (*Signature, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var out *C.teeattest_signature
	var e C.teeattest_error
	d, n := cbytes([]byte(headers))
	if rc := C.teeattest_signature_parse_headers(cp, &out, (*C.char)(unsafe.Pointer(d)), n, &e); rc != 0 {
		return nil, opError("ParseSignatureHeaders", rc, &e)
	}
	return newSignature(out), nil
}

// NewSignature builds a record from its fields; signingAddress and algo
// may be "" (algo then follows from the signature's length).
func (c *Context) NewSignature(text, signature, signingAddress, algo string) (*Signature, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	ct, f1 := cstring(text, false)
	defer f1()
	cs, f2 := cstring(signature, false)
	defer f2()
	ca, f3 := cstring(signingAddress, true)
	defer f3()
	cg, f4 := cstring(algo, true)
	defer f4()
	var out *C.teeattest_signature
	var e C.teeattest_error
	if rc := C.teeattest_signature_new(cp, &out, ct, cs, ca, cg, &e); rc != 0 {
		return nil, opError("NewSignature", rc, &e)
	}
	return newSignature(out), nil
}

func (s *Signature) str(f func(*C.teeattest_signature) *C.char) string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	defer s.h.put()
	out := goString(f(p))
	runtime.KeepAlive(s)
	return out
}

// Algo is the record's algorithm (0 when closed).
func (s *Signature) Algo() SigAlgo {
	p := s.ptr()
	if p == nil {
		return 0
	}
	defer s.h.put()
	return SigAlgo(C.teeattest_signature_algo(p))
}

// Kind is the record's signature_kind (SigKindNone when it names none, or
// when closed).
func (s *Signature) Kind() SigKind {
	p := s.ptr()
	if p == nil {
		return SigKindNone
	}
	defer s.h.put()
	return SigKind(C.teeattest_signature_kind(p))
}

// Text is the signed text exactly as received.
func (s *Signature) Text() string {
	return s.str(func(p *C.teeattest_signature) *C.char { return C.teeattest_signature_text(p) })
}

// Model is the model a three-part text names, or "".
func (s *Signature) Model() string {
	return s.str(func(p *C.teeattest_signature) *C.char { return C.teeattest_signature_model(p) })
}

// RequestHash is the signed request hash (64 lower-case hex).
func (s *Signature) RequestHash() string {
	return s.str(func(p *C.teeattest_signature) *C.char { return C.teeattest_signature_request_hash(p) })
}

// ResponseHash is the signed response hash (64 lower-case hex).
func (s *Signature) ResponseHash() string {
	return s.str(func(p *C.teeattest_signature) *C.char { return C.teeattest_signature_response_hash(p) })
}

// ClaimedSigner is the signer the record claims ("" when none): a claim,
// not a verified fact.
func (s *Signature) ClaimedSigner() string {
	return s.str(func(p *C.teeattest_signature) *C.char { return C.teeattest_signature_claimed_signer(p) })
}

// Recover recovers the ECDSA signer's address from signature and text.
func (s *Signature) Recover() (string, error) {
	p, err := s.use()
	if err != nil {
		return "", err
	}
	defer s.h.put()
	var buf [C.TEEATTEST_SIGNER_MAX]C.char
	var e C.teeattest_error
	if rc := C.teeattest_signature_recover(p, &buf[0], C.size_t(len(buf)), &e); rc != 0 {
		return "", opError("Signature.Recover", rc, &e)
	}
	return C.GoString(&buf[0]), nil
}

// JSON writes the record as a signature endpoint JSON object, to be saved
// and parsed again with ParseSignature.
func (s *Signature) JSON() ([]byte, error) {
	p, err := s.use()
	if err != nil {
		return nil, err
	}
	defer s.h.put()
	var n C.size_t
	var e C.teeattest_error
	rc := C.teeattest_signature_to_json(p, nil, 0, &n, &e)
	if rc != 0 && rc != C.TEEATTEST_E_BUFFER_TOO_SMALL {
		return nil, opError("Signature.JSON", rc, &e)
	}
	buf := make([]byte, int(n)+1)
	if rc := C.teeattest_signature_to_json(p, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n, &e); rc != 0 {
		return nil, opError("Signature.JSON", rc, &e)
	}
	return buf[:n], nil
}

// Verify checks a chat exchange (the exact request and response bytes)
// against the record and an expected signer the caller trusts (an
// address or an Ed25519 key). With expectedSigner "" the signer check is
// skipped, which fails the verdict unless the policy does not require a
// signer. pol may be nil (defaults). Read the verdict from the result.
func (s *Signature) Verify(pol *Policy, expectedSigner string, request, response []byte) (*Result, error) {
	p, err := s.use()
	if err != nil {
		return nil, err
	}
	defer s.h.put()
	pp, done, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer done()
	cs, free := cstring(expectedSigner, true)
	defer free()
	rq, rql := cbytes(request)
	rs, rsl := cbytes(response)
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_signature_verify(p, &out, pp, cs, rq, rql, rs, rsl, &e)
	runtime.KeepAlive(s)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, opError("Signature.Verify", rc, &e)
	}
	return newResult(out), nil
}

// VerifyAttested checks a chat exchange against the signer a report
// verification (attestation) attests; it fails unless that result is
// verified and names a signer of the record's algorithm.
func (s *Signature) VerifyAttested(pol *Policy, attestation *Result, request, response []byte) (*Result, error) {
	p, err := s.use()
	if err != nil {
		return nil, err
	}
	defer s.h.put()
	if attestation == nil {
		return nil, errInvalid("Signature.VerifyAttested", "nil attestation")
	}
	ap, err := attestation.use()
	if err != nil {
		return nil, err
	}
	defer attestation.h.put()
	pp, done, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer done()
	rq, rql := cbytes(request)
	rs, rsl := cbytes(response)
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_signature_verify_attested(p, &out, pp, ap, rq, rql, rs, rsl, &e)
	runtime.KeepAlive(s)
	runtime.KeepAlive(attestation)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, opError("Signature.VerifyAttested", rc, &e)
	}
	return newResult(out), nil
}
