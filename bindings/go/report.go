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

// EntryField names a field of a report entry.
type EntryField int32

const (
	EntryRole             EntryField = C.TEEATTEST_ENTRY_ROLE
	EntrySigningAddress   EntryField = C.TEEATTEST_ENTRY_SIGNING_ADDRESS
	EntrySigningAlgo      EntryField = C.TEEATTEST_ENTRY_SIGNING_ALGO
	EntrySigningPublicKey EntryField = C.TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY
	EntryQuote            EntryField = C.TEEATTEST_ENTRY_QUOTE
	EntryGPUPayload       EntryField = C.TEEATTEST_ENTRY_GPU_PAYLOAD
	EntryEventLog         EntryField = C.TEEATTEST_ENTRY_EVENT_LOG
	EntryInfo             EntryField = C.TEEATTEST_ENTRY_INFO
	EntryTCBInfo          EntryField = C.TEEATTEST_ENTRY_TCB_INFO
	EntryAppCompose       EntryField = C.TEEATTEST_ENTRY_APP_COMPOSE
	EntryTLSFingerprint   EntryField = C.TEEATTEST_ENTRY_TLS_FINGERPRINT
	EntryNonceEcho        EntryField = C.TEEATTEST_ENTRY_NONCE_ECHO
	EntryModel            EntryField = C.TEEATTEST_ENTRY_MODEL
	EntryRaw              EntryField = C.TEEATTEST_ENTRY_RAW
	EntryReportData       EntryField = C.TEEATTEST_ENTRY_REPORT_DATA
	EntryCertificate      EntryField = C.TEEATTEST_ENTRY_CERTIFICATE
	EntryInstanceID       EntryField = C.TEEATTEST_ENTRY_INSTANCE_ID
	EntryE2EPubkey        EntryField = C.TEEATTEST_ENTRY_E2E_PUBKEY
	EntryVMConfig         EntryField = C.TEEATTEST_ENTRY_VM_CONFIG
	EntryComposeManager   EntryField = C.TEEATTEST_ENTRY_COMPOSE_MANAGER
	EntryOHTTPKeyConfig   EntryField = C.TEEATTEST_ENTRY_OHTTP_KEY_CONFIG
	EntryOHTTPAttestation EntryField = C.TEEATTEST_ENTRY_OHTTP_ATTESTATION
	EntryGPUAttestation   EntryField = C.TEEATTEST_ENTRY_GPU_ATTESTATION
)

// Report is a normalized attestation report (teeattest_report):
// untrusted evidence until a verification checks it. Immutable.
type Report struct {
	h handle
}

func newReport(p *C.teeattest_report) *Report {
	r := &Report{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(r, (*Report).Close)
	return r
}

// Close releases the report. Idempotent.
func (r *Report) Close() error {
	r.h.close(func(p unsafe.Pointer) { C.teeattest_report_free((*C.teeattest_report)(p)) })
	runtime.SetFinalizer(r, nil)
	return nil
}

func (r *Report) ptr() *C.teeattest_report { return (*C.teeattest_report)(r.h.get()) }

// use is ptr() for a method that fails on a closed Report (acquire).
func (r *Report) use() (*C.teeattest_report, error) {
	return acquire[C.teeattest_report](&r.h, "Report")
}

// ParseReport parses a saved report document with a dialect ("auto"
// detects the common shapes).
func (c *Context) ParseReport(dialect string, doc []byte) (*Report, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	cd, free := cstring(dialect, false)
	defer free()
	d, n := cbytes(doc)
	var out *C.teeattest_report
	var e C.teeattest_error
	if rc := C.teeattest_report_parse(cp, &out, cd, d, n, &e); rc != 0 {
		return nil, opError("ParseReport", rc, &e)
	}
	return newReport(out), nil
}

// Dialect is the dialect that parsed the report.
func (r *Report) Dialect() string {
	p := r.ptr()
	if p == nil {
		return ""
	}
	defer r.h.put()
	return goString(C.teeattest_report_dialect(p))
}

// Nonce is the nonce this client sent (fetched reports; ErrNotFound for a
// report parsed offline).
func (r *Report) Nonce() ([]byte, error) {
	p, err := r.use()
	if err != nil {
		return nil, err
	}
	defer r.h.put()
	buf := make([]byte, NonceSize)
	var e C.teeattest_error
	if rc := C.teeattest_report_nonce(p, (*C.uint8_t)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &e); rc != 0 {
		return nil, opError("Report.Nonce", rc, &e)
	}
	return buf, nil
}

// Raw is the whole report document exactly as received.
func (r *Report) Raw() []byte {
	p := r.ptr()
	if p == nil {
		return nil
	}
	defer r.h.put()
	var b *C.uint8_t
	var n C.size_t
	if C.teeattest_report_raw(p, &b, &n) != 0 {
		return nil
	}
	out := goBytes(b, n)
	runtime.KeepAlive(r)
	return out
}

// TLSSPKI is the DER SPKI of the TLS certificate of the connection that
// delivered the report (fetched over HTTPS only).
func (r *Report) TLSSPKI() ([]byte, error) {
	p, err := r.use()
	if err != nil {
		return nil, err
	}
	defer r.h.put()
	var b *C.uint8_t
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_report_tls_spki(p, &b, &n, &e); rc != 0 {
		return nil, opError("Report.TLSSPKI", rc, &e)
	}
	return goBytes(b, n), nil
}

// EntryCount is the number of entries (nodes; for two-layer reports the
// gateway is entry 0).
func (r *Report) EntryCount() int {
	p := r.ptr()
	if p == nil {
		return 0
	}
	defer r.h.put()
	return int(C.teeattest_report_entry_count(p))
}

// Entry reads one field of entry i (a copy; untrusted until verified).
func (r *Report) Entry(i int, field EntryField) ([]byte, error) {
	p, err := r.use()
	if err != nil {
		return nil, err
	}
	defer r.h.put()
	if i < 0 {
		return nil, errInvalid("Report.Entry", "negative entry index")
	}
	var b *C.uint8_t
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_report_entry_get(p, C.size_t(i), C.int32_t(field), &b, &n, &e); rc != 0 {
		return nil, opError("Report.Entry", rc, &e)
	}
	out := goBytes(b, n)
	runtime.KeepAlive(r)
	return out, nil
}

// FindEntry is the index of the entry whose signer is signer.
func (r *Report) FindEntry(signer string) (int, error) {
	p, err := r.use()
	if err != nil {
		return 0, err
	}
	defer r.h.put()
	cs, free := cstring(signer, false)
	defer free()
	var idx C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_report_find_entry(p, &idx, cs, &e); rc != 0 {
		return 0, opError("Report.FindEntry", rc, &e)
	}
	return int(idx), nil
}
