// SPDX-License-Identifier: Apache-2.0

// Package teeattest verifies confidential-AI provider attestations with
// libteeattest (Intel TDX quotes, NVIDIA GPU evidence, dstack binding,
// response signatures) through cgo.
//
// Every handle type has an idempotent Close and a finalizer as a safety
// net; the C library keeps parents alive from their children, so handles
// may be closed in any order. Verification functions return a *Result
// whose Verdict is the answer: an error return means the verification
// could not run, never that the evidence was judged. Nothing in this
// package turns an error or a failed verdict into a pass.
//
// Network calls take a context.Context. With the default Go transport
// (net/http, see HTTPTransport) cancelling the context aborts the HTTP
// exchange in progress, makes every later request of that call fail at
// once, and ends the library's retry and poll waits; the call then returns
// an *Error with StatusCancelled (or StatusTimeout when the context's
// deadline passed) that also matches context.Canceled or
// context.DeadlineExceeded with errors.Is. See README.md.
package teeattest

/*
#cgo pkg-config: teeattest
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// NonceSize is the size of an attestation nonce in bytes.
const NonceSize = C.TEEATTEST_NONCE_SIZE

// Version is the run-time version of libteeattest ("1.0.0").
func Version() string { return C.GoString(C.teeattest_version_string()) }

// VersionNumber is MAJOR*10000 + MINOR*100 + PATCH of the loaded library.
func VersionNumber() uint32 { return uint32(C.teeattest_version_number()) }

// minVersion is the oldest library this binding was written for.
const minVersion = 10000

func init() {
	v := VersionNumber()
	if v < minVersion || v/10000 != 1 {
		panic("teeattest: libteeattest " + Version() + " loaded; this binding needs 1.x")
	}
}

// Feature names a compile-time feature of the library.
type Feature int32

const (
	FeatureCurlTransport Feature = C.TEEATTEST_FEATURE_CURL_TRANSPORT
	FeatureRIMXML        Feature = C.TEEATTEST_FEATURE_RIM_XML
	FeatureEd25519       Feature = C.TEEATTEST_FEATURE_ED25519
	FeatureSecp256k1     Feature = C.TEEATTEST_FEATURE_SECP256K1
)

// HasFeature reports whether this copy of the library has a feature.
func HasFeature(f Feature) bool { return C.teeattest_has_feature(C.int32_t(f)) == 1 }

// Dialects lists the built-in provider dialects ("nearai", "phala", ...).
func Dialects() []string {
	var out []string
	for i := 0; ; i++ {
		n := C.teeattest_dialect_name(C.size_t(i))
		if n == nil {
			return out
		}
		out = append(out, C.GoString(n))
	}
}

// DialectInfo describes a dialect: its default base URL ("" for generic)
// and a human-readable summary of its endpoints.
func DialectInfo(name string) (baseURL, summary string, err error) {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	var u, s *C.char
	var e C.teeattest_error
	if rc := C.teeattest_dialect_info(cn, &u, &s, &e); rc != 0 {
		return "", "", newError(rc, &e)
	}
	return goString(u), goString(s), nil
}

// DialectAPIKeyEnv names the environment variable that conventionally holds
// a dialect's API key ("" when none). The library never reads it; an
// application may.
func DialectAPIKeyEnv(name string) string {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return goString(C.teeattest_dialect_api_key_env(cn))
}

// handle guards one C reference. get/put bracket every use of the pointer
// (a read lock), close takes the write lock: Close waits for calls in
// progress on the same object and a closed object is never dereferenced.
// put keeps the owning object alive (h points into it) until the C call
// that used the pointer has returned, like runtime.KeepAlive(owner).
type handle struct {
	mu sync.RWMutex
	p  unsafe.Pointer
}

// get returns the pointer with the read lock held, or nil (lock released)
// when the handle is closed.
func (h *handle) get() unsafe.Pointer {
	h.mu.RLock()
	if h.p == nil {
		h.mu.RUnlock()
		return nil
	}
	return h.p
}

func (h *handle) put() {
	h.mu.RUnlock()
	runtime.KeepAlive(h)
}

// acquire is the handle preamble of every method that fails on a closed
// handle (through each type's use()): h's C pointer with the read lock
// held (the caller defers h.put()), or errClosed(kind) when it is closed.
func acquire[T any](h *handle, kind string) (*T, error) {
	p := h.get()
	if p == nil {
		return nil, errClosed(kind)
	}
	return (*T)(p), nil
}

// close drops the reference once; later calls do nothing.
func (h *handle) close(free func(unsafe.Pointer)) {
	h.mu.Lock()
	p := h.p
	h.p = nil
	h.mu.Unlock()
	if p != nil {
		free(p)
	}
}

func goString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// cstring returns a C copy of s (NULL for "" when optional) and its free.
func cstring(s string, optional bool) (*C.char, func()) {
	if optional && s == "" {
		return nil, func() {}
	}
	c := C.CString(s)
	return c, func() { C.free(unsafe.Pointer(c)) }
}

// cbytes points C at b for the duration of one call (the library copies
// its inputs). An empty slice gets a valid one-byte buffer, never NULL.
func cbytes(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&C.ta_go_empty[0])), 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

func goBytes(p *C.uint8_t, n C.size_t) []byte {
	if p == nil || n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
