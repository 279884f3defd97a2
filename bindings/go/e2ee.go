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

// E2EE v2 suites (the `algo` of a keyset's e2ee_public_keys entry).
const (
	E2EEAlgoX25519    = "x25519-aes-256-gcm-hkdf-sha256"
	E2EEAlgoSecp256k1 = "secp256k1-aes-256-gcm-hkdf-sha256"
)

// E2EEEndpoint names the endpoints E2EE v2 defines field shapes for.
type E2EEEndpoint int32

// The E2EE v2 endpoints.
const (
	E2EEChat        E2EEEndpoint = 1 // POST /v1/chat/completions
	E2EECompletions E2EEEndpoint = 2 // POST /v1/completions
	E2EEEmbeddings  E2EEEndpoint = 3 // POST /v1/embeddings
)

// E2EESession is one E2EE v2 request and its response
// (teeattest_e2ee_session, docs/e2ee.md). Use it from one goroutine at a
// time.
type E2EESession struct {
	h   handle
	ctx *Context
}

// NewE2EESession selects a key from the verified workload keyset's
// e2ee_public_keys (algo "" = X25519 first; keyID "" = any).
func (c *Context) NewE2EESession(keyset []byte, algo, keyID string) (*E2EESession, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	d, n := cbytes(keyset)
	a, fa := cstring(algo, true)
	defer fa()
	k, fk := cstring(keyID, true)
	defer fk()
	var out *C.teeattest_e2ee_session
	var e C.teeattest_error
	rc := C.teeattest_e2ee_session_new(cp, &out, d, n, a, k, &e)
	runtime.KeepAlive(keyset)
	if rc != 0 {
		return nil, opError("NewE2EESession", rc, &e)
	}
	s := &E2EESession{h: handle{p: unsafe.Pointer(out)}, ctx: wrapContext(C.teeattest_ctx_ref(cp))}
	runtime.SetFinalizer(s, (*E2EESession).Close)
	return s, nil
}

// Close frees the session. Idempotent.
func (s *E2EESession) Close() error {
	s.h.close(func(p unsafe.Pointer) { C.teeattest_e2ee_session_free((*C.teeattest_e2ee_session)(p)) })
	s.ctx.Close()
	runtime.SetFinalizer(s, nil)
	return nil
}

func (s *E2EESession) ptr() *C.teeattest_e2ee_session {
	return (*C.teeattest_e2ee_session)(s.h.get())
}

// use is ptr() for a method that fails on a closed E2EESession (acquire).
func (s *E2EESession) use() (*C.teeattest_e2ee_session, error) {
	return acquire[C.teeattest_e2ee_session](&s.h, "E2EESession")
}

// Algo is the selected key's algo.
func (s *E2EESession) Algo() string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	defer s.h.put()
	return C.GoString(C.teeattest_e2ee_session_algo(p))
}

// KeyID is the selected key's key_id.
func (s *E2EESession) KeyID() string {
	p := s.ptr()
	if p == nil {
		return ""
	}
	defer s.h.put()
	return C.GoString(C.teeattest_e2ee_session_key_id(p))
}

// EncryptRequest encrypts a plaintext request body (once per session)
// and returns the body and the headers to send.
func (s *E2EESession) EncryptRequest(ep E2EEEndpoint, body []byte) ([]byte, map[string]string, error) {
	p, err := s.use()
	if err != nil {
		return nil, nil, err
	}
	defer s.h.put()
	d, n := cbytes(body)
	var e C.teeattest_error
	rc := C.teeattest_e2ee_encrypt_request(p, C.int32_t(ep), d, n, &e)
	runtime.KeepAlive(body)
	if rc != 0 {
		return nil, nil, opError("E2EESession.EncryptRequest", rc, &e)
	}
	var b *C.uint8_t
	var bl C.size_t
	if C.teeattest_e2ee_request_body(p, &b, &bl, nil) != 0 {
		return nil, nil, errInvalid("E2EESession.EncryptRequest", "no body")
	}
	out := goBytes(b, bl)
	hdr := map[string]string{}
	for i := C.size_t(0); i < C.teeattest_e2ee_header_count(p); i++ {
		var name, value *C.char
		if C.teeattest_e2ee_header(p, &name, &value, i, nil) == 0 {
			hdr[C.GoString(name)] = C.GoString(value)
		}
	}
	runtime.KeepAlive(s)
	return out, hdr, nil
}

// RestoredBody is the body whose SHA-256 the ACI receipt's
// request.received.body_hash holds (a copy).
func (s *E2EESession) RestoredBody() []byte {
	p := s.ptr()
	if p == nil {
		return nil
	}
	defer s.h.put()
	var b *C.uint8_t
	var n C.size_t
	if C.teeattest_e2ee_restored_body(p, &b, &n, nil) != 0 {
		return nil
	}
	out := goBytes(b, n)
	runtime.KeepAlive(s)
	return out
}

func (s *E2EESession) decrypt(op string, chunk bool, in []byte) ([]byte, error) {
	p, err := s.use()
	if err != nil {
		return nil, err
	}
	defer s.h.put()
	d, n := cbytes(in)
	var b *C.uint8_t
	var bl C.size_t
	var e C.teeattest_error
	var rc C.int
	if chunk {
		rc = C.teeattest_e2ee_decrypt_chunk(p, &b, &bl, d, n, &e)
	} else {
		rc = C.teeattest_e2ee_decrypt_response(p, &b, &bl, d, n, &e)
	}
	runtime.KeepAlive(in)
	if rc != 0 {
		return nil, opError(op, rc, &e)
	}
	out := goBytes(b, bl)
	runtime.KeepAlive(s)
	return out, nil
}

// DecryptResponse decrypts a buffered response body; every field's tag
// must verify.
func (s *E2EESession) DecryptResponse(body []byte) ([]byte, error) {
	return s.decrypt("E2EESession.DecryptResponse", false, body)
}

// DecryptChunk decrypts the data payload of one SSE event ("[DONE]"
// comes back unchanged).
func (s *E2EESession) DecryptChunk(data []byte) ([]byte, error) {
	return s.decrypt("E2EESession.DecryptChunk", true, data)
}
