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

// EvidenceItem names a byte item of an Evidence object.
type EvidenceItem int32

const (
	// EvidenceNRASResponse is the NRAS answer for one entry's GPU evidence.
	EvidenceNRASResponse EvidenceItem = C.TEEATTEST_EVIDENCE_NRAS_RESPONSE
	// EvidenceTLSSPKI is the DER SPKI of the connection that delivered the
	// report (whole report).
	EvidenceTLSSPKI EvidenceItem = C.TEEATTEST_EVIDENCE_TLS_SPKI
	// EvidenceE2EInstances is Chutes' instance list (whole report).
	EvidenceE2EInstances EvidenceItem = C.TEEATTEST_EVIDENCE_E2E_INSTANCES
	// EvidenceModelCompose is the compose file NEAR's compose manager
	// deployed (whole report), for the identity.model check.
	EvidenceModelCompose EvidenceItem = C.TEEATTEST_EVIDENCE_MODEL_COMPOSE
)

// OnlinePCCS lets report verification fetch missing TDX collateral.
const OnlinePCCS = uint32(C.TEEATTEST_ONLINE_PCCS)

// OnlineModelFiles lets report verification fetch the compose file NEAR's
// compose manager last deployed when none is supplied (identity.model).
const OnlineModelFiles = uint32(C.TEEATTEST_ONLINE_MODEL_FILES)

// OnlineImageRegistry lets report verification fetch the Sigstore bundles
// of the images a verified app_compose names from their registries.
const OnlineImageRegistry = uint32(C.TEEATTEST_ONLINE_IMAGE_REGISTRY)

// OnlineTinfoilRelease lets report verification fetch the Tinfoil release
// a policy names by repository (Policy.SetTinfoilReleaseRepo) from GitHub
// (or the URL of Evidence.SetURL) and keep its bundle in the evidence.
const OnlineTinfoilRelease = uint32(C.TEEATTEST_ONLINE_TINFOIL_RELEASE)

// Evidence holds the material a report verification needs beyond the
// report (teeattest_evidence); what a verification fetches is added to it.
// Not synchronised: one verification at a time per Evidence.
type Evidence struct {
	h handle
}

func newEvidence(p *C.teeattest_evidence) *Evidence {
	ev := &Evidence{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(ev, (*Evidence).Close)
	return ev
}

// NewEvidence makes an empty, offline evidence object.
func (c *Context) NewEvidence() (*Evidence, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var out *C.teeattest_evidence
	var e C.teeattest_error
	if rc := C.teeattest_evidence_new(cp, &out, &e); rc != 0 {
		return nil, opError("NewEvidence", rc, &e)
	}
	return newEvidence(out), nil
}

// Close releases the evidence. Idempotent.
func (ev *Evidence) Close() error {
	ev.h.close(func(p unsafe.Pointer) { C.teeattest_evidence_free((*C.teeattest_evidence)(p)) })
	runtime.SetFinalizer(ev, nil)
	return nil
}

func (ev *Evidence) ptr() *C.teeattest_evidence { return (*C.teeattest_evidence)(ev.h.get()) }

// use is ptr() for a method that fails on a closed Evidence (acquire).
func (ev *Evidence) use() (*C.teeattest_evidence, error) {
	return acquire[C.teeattest_evidence](&ev.h, "Evidence")
}

// cptr is the C pointer for a verification (nil evidence: NULL).
func (ev *Evidence) cptr() (*C.teeattest_evidence, func(), error) {
	if ev == nil {
		return nil, func() {}, nil
	}
	p, err := ev.use()
	if err != nil {
		return nil, nil, err
	}
	return p, ev.h.put, nil
}

// AddCollateral adds TDX collateral (the evidence takes a reference).
func (ev *Evidence) AddCollateral(col *Collateral) error {
	p, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	if col == nil {
		return errInvalid("Evidence.AddCollateral", "nil collateral")
	}
	cp, err := col.use()
	if err != nil {
		return err
	}
	defer col.h.put()
	var e C.teeattest_error
	if rc := C.teeattest_evidence_add_collateral(p, cp, &e); rc != 0 {
		return opError("Evidence.AddCollateral", rc, &e)
	}
	return nil
}

// CollateralCount is the number of collaterals (supplied and fetched).
func (ev *Evidence) CollateralCount() int {
	p := ev.ptr()
	if p == nil {
		return 0
	}
	defer ev.h.put()
	return int(C.teeattest_evidence_collateral_count(p))
}

// Collateral returns collateral i as a new reference.
func (ev *Evidence) Collateral(i int) (*Collateral, error) {
	p, err := ev.use()
	if err != nil {
		return nil, err
	}
	defer ev.h.put()
	if i < 0 {
		return nil, errInvalid("Evidence.Collateral", "negative index")
	}
	c := C.teeattest_evidence_collateral(p, C.size_t(i))
	if c == nil {
		return nil, &Error{Status: StatusNotFound, Name: statusNames[StatusNotFound],
			Message: "no such collateral", Op: "Evidence.Collateral"}
	}
	return newCollateral(C.teeattest_collateral_ref(c)), nil
}

// Set sets (copies) an item; data nil removes it. entry is the report
// entry for EvidenceNRASResponse, ignored otherwise.
func (ev *Evidence) Set(item EvidenceItem, entry int, data []byte) error {
	p, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	if entry < 0 {
		return errInvalid("Evidence.Set", "negative entry")
	}
	var d *C.uint8_t
	var n C.size_t
	if data != nil {
		d, n = cbytes(data)
	}
	var e C.teeattest_error
	if rc := C.teeattest_evidence_set(p, C.int32_t(item), C.size_t(entry), d, n, &e); rc != 0 {
		return opError("Evidence.Set", rc, &e)
	}
	return nil
}

// Get reads an item (a copy).
func (ev *Evidence) Get(item EvidenceItem, entry int) ([]byte, error) {
	p, err := ev.use()
	if err != nil {
		return nil, err
	}
	defer ev.h.put()
	if entry < 0 {
		return nil, errInvalid("Evidence.Get", "negative entry")
	}
	var d *C.uint8_t
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_evidence_get(p, C.int32_t(item), C.size_t(entry), &d, &n, &e); rc != 0 {
		return nil, opError("Evidence.Get", rc, &e)
	}
	return goBytes(d, n), nil
}

// GPUInputs is the GPU material shared by every entry (a new reference to
// the object the evidence holds: changes apply to the evidence).
func (ev *Evidence) GPUInputs() (*GPUInputs, error) {
	p, err := ev.use()
	if err != nil {
		return nil, err
	}
	defer ev.h.put()
	in := C.teeattest_evidence_gpu_inputs(p)
	if in == nil {
		return nil, &Error{Status: StatusInternal, Name: statusNames[StatusInternal],
			Message: "evidence without GPU inputs", Op: "Evidence.GPUInputs"}
	}
	return newGPUInputs(C.teeattest_gpu_inputs_ref(in)), nil
}

// SetOnline allows fetching missing TDX collateral (services: OnlinePCCS,
// OnlineModelFiles, OnlineImageRegistry, OnlineTinfoilRelease or 0) from
// pccsURL ("": Intel PCS).
func (ev *Evidence) SetOnline(services uint32, pccsURL string) error {
	p, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	cu, free := cstring(pccsURL, true)
	defer free()
	var e C.teeattest_error
	if rc := C.teeattest_evidence_set_online(p, C.uint32_t(services), cu, &e); rc != 0 {
		return opError("Evidence.SetOnline", rc, &e)
	}
	return nil
}

// SetURL sets the base URL of one online service (OnlinePCCS or
// OnlineModelFiles); "" restores the default.
func (ev *Evidence) SetURL(service uint32, url string) error {
	p, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	cu, free := cstring(url, true)
	defer free()
	var e C.teeattest_error
	if rc := C.teeattest_evidence_set_url(p, C.uint32_t(service), cu, &e); rc != 0 {
		return opError("Evidence.SetURL", rc, &e)
	}
	return nil
}

// AddSigstoreBundle adds a Sigstore bundle (JSON) for image provenance.
func (ev *Evidence) AddSigstoreBundle(bundle []byte) error {
	p, err := ev.use()
	if err != nil {
		return err
	}
	defer ev.h.put()
	d, n := cbytes(bundle)
	var e C.teeattest_error
	if rc := C.teeattest_evidence_add_sigstore_bundle(p, d, n, &e); rc != 0 {
		return opError("Evidence.AddSigstoreBundle", rc, &e)
	}
	return nil
}

// SigstoreBundles returns copies of the Sigstore bundles held (supplied or
// fetched).
func (ev *Evidence) SigstoreBundles() ([][]byte, error) {
	p, err := ev.use()
	if err != nil {
		return nil, err
	}
	defer ev.h.put()
	n := int(C.teeattest_evidence_sigstore_bundle_count(p))
	out := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		var d *C.uint8_t
		var l C.size_t
		var e C.teeattest_error
		if rc := C.teeattest_evidence_sigstore_bundle(p, C.size_t(i), &d, &l, &e); rc != 0 {
			return nil, opError("Evidence.SigstoreBundles", rc, &e)
		}
		out = append(out, goBytes(d, l))
	}
	return out, nil
}

// AllEntries verifies every entry of a report (VerifyReportEntry).
const AllEntries = -1

// VerifyReport verifies every entry of a report end to end. ev and pol
// may be nil (offline, defaults). nonce is the 32-byte nonce sent, or nil
// for the nonce the report was fetched with. An error means verification
// could not run; otherwise read the result's verdict.
func (c *Context) VerifyReport(ctx context.Context, r *Report, ev *Evidence, pol *Policy, nonce []byte) (*Result, error) {
	return c.VerifyReportEntry(ctx, r, AllEntries, ev, pol, nonce)
}

// VerifyReportEntry is VerifyReport for one entry (or AllEntries).
func (c *Context) VerifyReportEntry(ctx context.Context, r *Report, entry int, ev *Evidence, pol *Policy, nonce []byte) (*Result, error) {
	const op = "VerifyReport"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	if r == nil {
		return nil, errInvalid(op, "nil report")
	}
	rp, err := r.use()
	if err != nil {
		return nil, err
	}
	defer r.h.put()
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
	idx := C.size_t(C.TEEATTEST_ENTRY_ALL)
	if entry != AllEntries {
		if entry < 0 {
			return nil, errInvalid(op, "negative entry")
		}
		idx = C.size_t(entry)
	}
	var np *C.uint8_t
	var nl C.size_t
	if nonce != nil {
		np, nl = cbytes(nonce)
	}
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.ta_go_report_verify(call, cp, &out, rp, idx, evp, pp, np, nl, &e)
	runtime.KeepAlive(c)
	runtime.KeepAlive(r)
	runtime.KeepAlive(ev)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, callError(ctx, op, rc, &e)
	}
	return newResult(out), nil
}

// AttestOptions are the options of Provider.Attest.
type AttestOptions struct {
	Policy   *Policy   // nil: defaults
	Evidence *Evidence // nil: a new, offline one (see PCCSURL)
	// SigningAddress asks for (and verifies only) the node with this
	// signer; "": every entry.
	SigningAddress string
	// PCCSURL, when set, lets verification fetch missing TDX collateral
	// from this PCS/PCCS base URL (through the context's transport).
	PCCSURL string
}

// Attestation is what Attest returns: the fetched report, the evidence
// (with whatever verification fetched, e.g. for a bundle) and the result.
// Close closes all three.
type Attestation struct {
	Report   *Report
	Evidence *Evidence
	Result   *Result
}

// Close releases the report, evidence and result. Idempotent.
func (a *Attestation) Close() error {
	if a == nil {
		return nil
	}
	a.Result.Close()
	a.Evidence.Close()
	a.Report.Close()
	return nil
}

// Attest fetches a report with a fresh random nonce and verifies it
// against that nonce: Attestation.Result.Verified() says whether the
// provider proved its TEE. An error means it could not be checked.
func (p *Provider) Attest(ctx context.Context, opts *AttestOptions) (*Attestation, error) {
	if opts == nil {
		opts = &AttestOptions{}
	}
	c := p.ctx
	rep, err := p.FetchReport(ctx, nil, opts.SigningAddress)
	if err != nil {
		return nil, err
	}
	ev := opts.Evidence
	if ev == nil {
		if ev, err = c.NewEvidence(); err != nil {
			rep.Close()
			return nil, err
		}
		if opts.PCCSURL != "" {
			if err = ev.SetOnline(OnlinePCCS, opts.PCCSURL); err != nil {
				ev.Close()
				rep.Close()
				return nil, err
			}
		}
	} else if ev, err = ev.ref(); err != nil {
		rep.Close()
		return nil, err
	}
	entry := AllEntries
	if opts.SigningAddress != "" {
		if entry, err = rep.FindEntry(opts.SigningAddress); err != nil {
			ev.Close()
			rep.Close()
			return nil, err
		}
	}
	// nil nonce: the one FetchReport sent, never the provider's echo.
	res, err := c.VerifyReportEntry(ctx, rep, entry, ev, opts.Policy, nil)
	if err != nil {
		ev.Close()
		rep.Close()
		return nil, err
	}
	return &Attestation{Report: rep, Evidence: ev, Result: res}, nil
}

func (ev *Evidence) ref() (*Evidence, error) {
	p, err := ev.use()
	if err != nil {
		return nil, err
	}
	defer ev.h.put()
	return newEvidence(C.teeattest_evidence_ref(p)), nil
}
