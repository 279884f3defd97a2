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

// TDXStatus is a final TDX TCB status in Intel's terms.
type TDXStatus int32

const (
	TDXStatusNone                           TDXStatus = C.TEEATTEST_TDX_STATUS_NONE
	TDXUpToDate                             TDXStatus = C.TEEATTEST_TDX_UP_TO_DATE
	TDXSWHardeningNeeded                    TDXStatus = C.TEEATTEST_TDX_SW_HARDENING_NEEDED
	TDXConfigurationNeeded                  TDXStatus = C.TEEATTEST_TDX_CONFIGURATION_NEEDED
	TDXConfigurationAndSWHardeningNeeded    TDXStatus = C.TEEATTEST_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED
	TDXOutOfDate                            TDXStatus = C.TEEATTEST_TDX_OUT_OF_DATE
	TDXOutOfDateConfigurationNeeded         TDXStatus = C.TEEATTEST_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED
	TDXTDRelaunchAdvised                    TDXStatus = C.TEEATTEST_TDX_TD_RELAUNCH_ADVISED
	TDXTDRelaunchAdvisedConfigurationNeeded TDXStatus = C.TEEATTEST_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
	TDXRevoked                              TDXStatus = C.TEEATTEST_TDX_REVOKED
	TDXTCBNotSupported                      TDXStatus = C.TEEATTEST_TDX_TCB_NOT_SUPPORTED
)

// String is Intel's spelling ("UpToDate", ...), as in the fact tdx.status.
func (s TDXStatus) String() string { return C.GoString(C.teeattest_tdx_status_name(C.int32_t(s))) }

// Bit is the status's bit for Policy.SetTDXStatuses.
func (s TDXStatus) Bit() uint32 { return 1 << uint(s) }

// IntelPCSURL is Intel's Provisioning Certification Service.
const IntelPCSURL = C.TEEATTEST_INTEL_PCS_URL

// Collateral is verified-once TDX collateral for one platform family
// (teeattest_collateral): immutable, shareable.
type Collateral struct {
	h handle
}

func newCollateral(p *C.teeattest_collateral) *Collateral {
	c := &Collateral{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(c, (*Collateral).Close)
	return c
}

// Close releases the collateral. Idempotent.
func (col *Collateral) Close() error {
	col.h.close(func(p unsafe.Pointer) { C.teeattest_collateral_free((*C.teeattest_collateral)(p)) })
	runtime.SetFinalizer(col, nil)
	return nil
}

func (col *Collateral) ptr() *C.teeattest_collateral {
	return (*C.teeattest_collateral)(col.h.get())
}

// use is ptr() for a method that fails on a closed Collateral (acquire).
func (col *Collateral) use() (*C.teeattest_collateral, error) {
	return acquire[C.teeattest_collateral](&col.h, "Collateral")
}

// LoadCollateralDir loads collateral in the PCS raw directory layout.
func (c *Context) LoadCollateralDir(dir string) (*Collateral, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	cd, free := cstring(dir, false)
	defer free()
	var out *C.teeattest_collateral
	var e C.teeattest_error
	if rc := C.teeattest_collateral_load_dir(cp, &out, cd, &e); rc != 0 {
		return nil, opError("LoadCollateralDir", rc, &e)
	}
	return newCollateral(out), nil
}

// ParseCollateralJSON parses dcap-qvl's single-file collateral JSON.
func (c *Context) ParseCollateralJSON(doc []byte) (*Collateral, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	d, n := cbytes(doc)
	var out *C.teeattest_collateral
	var e C.teeattest_error
	if rc := C.teeattest_collateral_parse_json(cp, &out, d, n, &e); rc != 0 {
		return nil, opError("ParseCollateralJSON", rc, &e)
	}
	return newCollateral(out), nil
}

// FetchCollateral fetches the collateral a quote needs from Intel PCS
// (baseURL "") or a PCCS, through the context's transport.
func (c *Context) FetchCollateral(ctx context.Context, baseURL string, quote []byte) (*Collateral, error) {
	if err := ctxErr(ctx, "FetchCollateral"); err != nil {
		return nil, err
	}
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	cu, free := cstring(baseURL, true)
	defer free()
	q, n := cbytes(quote)
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_collateral
	var e C.teeattest_error
	rc := C.ta_go_collateral_fetch(call, cp, &out, cu, q, n, &e)
	runtime.KeepAlive(c)
	if rc != 0 {
		return nil, callError(ctx, "FetchCollateral", rc, &e)
	}
	return newCollateral(out), nil
}

// SaveDir saves the collateral in the layout LoadCollateralDir reads.
func (col *Collateral) SaveDir(dir string) error {
	p, err := col.use()
	if err != nil {
		return err
	}
	defer col.h.put()
	cd, free := cstring(dir, false)
	defer free()
	var e C.teeattest_error
	if rc := C.teeattest_collateral_save_dir(p, cd, &e); rc != 0 {
		return opError("Collateral.SaveDir", rc, &e)
	}
	return nil
}

// Expiry is the earliest expiry of the collateral's items (zero if
// unknown).
func (col *Collateral) Expiry() time.Time {
	p := col.ptr()
	if p == nil {
		return time.Time{}
	}
	defer col.h.put()
	t := int64(C.teeattest_collateral_expiry(p))
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0)
}

// VerifyQuote verifies a TDX quote with collateral under a policy (nil:
// defaults; the time is the policy's, else the context's clock). Offline.
func (c *Context) VerifyQuote(quote []byte, col *Collateral, pol *Policy) (*Result, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	if col == nil {
		return nil, errInvalid("VerifyQuote", "nil collateral")
	}
	colp, err := col.use()
	if err != nil {
		return nil, err
	}
	defer col.h.put()
	pp, done, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer done()
	q, n := cbytes(quote)
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_tdx_verify(cp, &out, q, n, colp, pp, &e)
	runtime.KeepAlive(c)
	runtime.KeepAlive(col)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, opError("VerifyQuote", rc, &e)
	}
	return newResult(out), nil
}
