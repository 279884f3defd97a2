// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"time"
	"unsafe"
)

// Register is a TD report register a policy can pin.
type Register int32

const (
	RegMRTD       Register = C.TEEATTEST_REG_MRTD
	RegRTMR0      Register = C.TEEATTEST_REG_RTMR0
	RegRTMR1      Register = C.TEEATTEST_REG_RTMR1
	RegRTMR2      Register = C.TEEATTEST_REG_RTMR2
	RegRTMR3      Register = C.TEEATTEST_REG_RTMR3
	RegMRConfigID Register = C.TEEATTEST_REG_MRCONFIGID
)

// Identity is a software identity value a policy can pin.
type Identity int32

const (
	IDOSImageHash    Identity = C.TEEATTEST_ID_OS_IMAGE_HASH
	IDComposeHash    Identity = C.TEEATTEST_ID_COMPOSE_HASH
	IDAppID          Identity = C.TEEATTEST_ID_APP_ID
	IDImageDigest    Identity = C.TEEATTEST_ID_IMAGE_DIGEST
	IDGPUPolicyHash  Identity = C.TEEATTEST_ID_GPU_POLICY_HASH
	IDInitScriptHash Identity = C.TEEATTEST_ID_INIT_SCRIPT_HASH
)

// GPUMode says how GPU measurements are judged.
type GPUMode int32

const (
	GPUModeAuto   GPUMode = C.TEEATTEST_GPU_MODE_AUTO
	GPUModeLocal  GPUMode = C.TEEATTEST_GPU_MODE_LOCAL
	GPUModeRemote GPUMode = C.TEEATTEST_GPU_MODE_REMOTE
	GPUModeBoth   GPUMode = C.TEEATTEST_GPU_MODE_BOTH
)

// GPURequirement is the requirement of an optional GPU step.
type GPURequirement int32

const (
	GPUDefault GPURequirement = C.TEEATTEST_GPU_DEFAULT
	GPURequire GPURequirement = C.TEEATTEST_GPU_REQUIRE
	GPUSkip    GPURequirement = C.TEEATTEST_GPU_SKIP
)

// GPUOCSPNonce is the OCSP request nonce handling.
type GPUOCSPNonce int32

const (
	GPUOCSPNonceRequire  GPUOCSPNonce = C.TEEATTEST_GPU_OCSP_NONCE_REQUIRE
	GPUOCSPNonceOptional GPUOCSPNonce = C.TEEATTEST_GPU_OCSP_NONCE_OPTIONAL
	GPUOCSPNonceNone     GPUOCSPNonce = C.TEEATTEST_GPU_OCSP_NONCE_NONE
)

// Policy says which checks are required and what values are acceptable
// (teeattest_policy; defaults in docs/policy.md). Setters are not
// synchronised: do not change a policy while a verification uses it.
type Policy struct {
	h handle
}

// NewPolicy makes a policy holding the safe defaults.
func (c *Context) NewPolicy() (*Policy, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var p *C.teeattest_policy
	var e C.teeattest_error
	if rc := C.teeattest_policy_new(cp, &p, &e); rc != 0 {
		return nil, opError("NewPolicy", rc, &e)
	}
	pol := &Policy{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(pol, (*Policy).Close)
	return pol, nil
}

// Close releases the policy. Idempotent.
func (p *Policy) Close() error {
	p.h.close(func(x unsafe.Pointer) { C.teeattest_policy_free((*C.teeattest_policy)(x)) })
	runtime.SetFinalizer(p, nil)
	return nil
}

// cptr is the C pointer for a verification call (nil policy: defaults).
// The caller must call done.
func (p *Policy) cptr() (ptr *C.teeattest_policy, done func(), err error) {
	if p == nil {
		return nil, func() {}, nil
	}
	x, err := p.use()
	if err != nil {
		return nil, nil, err
	}
	return x, p.h.put, nil
}

// use is the policy's C pointer for a method that fails on a closed
// Policy (acquire).
func (p *Policy) use() (*C.teeattest_policy, error) {
	return acquire[C.teeattest_policy](&p.h, "Policy")
}

func (p *Policy) set(op string, f func(*C.teeattest_policy, *C.teeattest_error) C.int) error {
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

// SetTime fixes the verification time (e.g. the time a capture was made).
func (p *Policy) SetTime(t time.Time) error {
	return p.set("Policy.SetTime", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_time(x, C.int64_t(t.Unix()), e)
	})
}

// SetTimeNow verifies at the context's clock again (the default).
func (p *Policy) SetTimeNow() error {
	return p.set("Policy.SetTimeNow", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_time_now(x, e)
	})
}

// SetExpectedModel sets the model a model:req:resp signed text must name
// ("": the "model" member of the request body).
func (p *Policy) SetExpectedModel(model string) error {
	cm, free := cstring(model, true)
	defer free()
	return p.set("Policy.SetExpectedModel", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_expected_model(x, cm, e)
	})
}

// AddMeasurement adds an accepted 48-byte value for a register.
func (p *Policy) AddMeasurement(reg Register, value []byte) error {
	return p.set("Policy.AddMeasurement", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		d, n := cbytes(value)
		return C.teeattest_policy_add_measurement(x, C.int32_t(reg), d, n, e)
	})
}

// AddIdentity adds an accepted value for a software identity (32 bytes, 20
// for the app id).
func (p *Policy) AddIdentity(kind Identity, value []byte) error {
	return p.set("Policy.AddIdentity", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		d, n := cbytes(value)
		return C.teeattest_policy_add_identity(x, C.int32_t(kind), d, n, e)
	})
}

// SetTDXRoot trusts this DER certificate instead of Intel's SGX root: FOR
// TESTS ONLY (e.g. the simulator's TEST root). Every result under it warns
// "tdx.root_override". nil restores Intel's root.
func (p *Policy) SetTDXRoot(der []byte) error {
	return p.set("Policy.SetTDXRoot", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		if der == nil {
			return C.teeattest_policy_set_tdx_root(x, nil, 0, e)
		}
		d, n := cbytes(der)
		return C.teeattest_policy_set_tdx_root(x, d, n, e)
	})
}

// SetECDSAStrict: Reject high-s (malleable) ECDSA response signatures instead of warning (default false).
func (p *Policy) SetECDSAStrict(strict bool) error {
	return p.set("Policy.SetECDSAStrict", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_ecdsa_strict(x, boolInt(strict), e)
	})
}

// SetRequireSigner: Require that a response signature be checked against an expected signer (default true).
func (p *Policy) SetRequireSigner(required bool) error {
	return p.set("Policy.SetRequireSigner", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_signer(x, boolInt(required), e)
	})
}

// SetAllowExpiredCollateral: Accept expired collateral as a warning (default false).
func (p *Policy) SetAllowExpiredCollateral(allow bool) error {
	return p.set("Policy.SetAllowExpiredCollateral", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_allow_expired_collateral(x, boolInt(allow), e)
	})
}

// SetMinTcbEval: Minimum Intel tcbEvaluationDataNumber of the TCB Info and
// QE Identity (check tdx.tcb_eval_number; 0: no minimum, the default).
func (p *Policy) SetMinTcbEval(min uint32) error {
	return p.set("Policy.SetMinTcbEval", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_min_tcb_eval(x, C.uint32_t(min), e)
	})
}

// SetAllowDebug: Accept a debug TD (default false).
func (p *Policy) SetAllowDebug(allow bool) error {
	return p.set("Policy.SetAllowDebug", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_allow_debug(x, boolInt(allow), e)
	})
}

// SetAllowMRServiceTD: Accept a non-zero MRSERVICETD (default false).
func (p *Policy) SetAllowMRServiceTD(allow bool) error {
	return p.set("Policy.SetAllowMRServiceTD", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_allow_mrservicetd(x, boolInt(allow), e)
	})
}

// SetGPUAllowCertHold: Accept certificates on hold as a warning (default false).
func (p *Policy) SetGPUAllowCertHold(allow bool) error {
	return p.set("Policy.SetGPUAllowCertHold", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_allow_cert_hold(x, boolInt(allow), e)
	})
}

// SetRequireGPU: Require GPU evidence where the provider attests GPUs (default true).
func (p *Policy) SetRequireGPU(required bool) error {
	return p.set("Policy.SetRequireGPU", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_gpu(x, boolInt(required), e)
	})
}

// SetTinfoilRelease checks Tinfoil reports against a Sigstore release
// bundle (checks tinfoil.release.*): verified against the policy's
// trusted root (SetSigstoreTrustedRoot; without one the shipped default),
// signed by a tag workflow of the GitHub repository repo ("owner/name"); a
// non-empty releaseDigest (64 hex) must be the statement's subject. A nil
// bundle removes it.
func (p *Policy) SetTinfoilRelease(bundle []byte, repo, releaseDigest string) error {
	if bundle == nil {
		return p.set("Policy.SetTinfoilRelease", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
			return C.teeattest_policy_set_tinfoil_release(x, nil, 0, nil, nil, e)
		})
	}
	cr, freeR := cstring(repo, false)
	defer freeR()
	cd, freeD := cstring(releaseDigest, true)
	defer freeD()
	return p.set("Policy.SetTinfoilRelease", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		b, bn := cbytes(bundle)
		return C.teeattest_policy_set_tinfoil_release(x, b, bn, cr, cd, e)
	})
}

// SetTinfoilReleaseRepo names the Tinfoil release to discover when no
// bundle is given: the GitHub repository repo ("owner/name") and release
// tag ("" for the latest release). Online (OnlineTinfoilRelease) it is
// fetched and kept in the evidence; offline the one Tinfoil release
// bundle the evidence holds is checked. A tag is also required of a given
// bundle's workflow. An empty repo removes it.
func (p *Policy) SetTinfoilReleaseRepo(repo, tag string) error {
	cr, freeR := cstring(repo, true)
	defer freeR()
	ct, freeT := cstring(tag, true)
	defer freeT()
	return p.set("Policy.SetTinfoilReleaseRepo", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_tinfoil_release_repo(x, cr, ct, e)
	})
}

// SetRequireTinfoilRelease: Require the Tinfoil release attestation (default false).
func (p *Policy) SetRequireTinfoilRelease(required bool) error {
	return p.set("Policy.SetRequireTinfoilRelease", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_tinfoil_release(x, boolInt(required), e)
	})
}

// SetTinfoilHardware checks the MRTD and RTMR0 of Tinfoil reports
// against a Sigstore bundle of Tinfoil's hardware measurements (checks
// tinfoil.hardware.*): verified against the policy's trusted root, signed
// by a tag workflow of tinfoilsh/hardware-measurements; one platform must
// match both registers. A nil bundle removes it.
func (p *Policy) SetTinfoilHardware(bundle []byte) error {
	return p.set("Policy.SetTinfoilHardware", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		if bundle == nil {
			return C.teeattest_policy_set_tinfoil_hardware(x, nil, 0, e)
		}
		b, bn := cbytes(bundle)
		return C.teeattest_policy_set_tinfoil_hardware(x, b, bn, e)
	})
}

// SetRequireTinfoilHardware: Require the Tinfoil hardware measurements (default false).
func (p *Policy) SetRequireTinfoilHardware(required bool) error {
	return p.set("Policy.SetRequireTinfoilHardware", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_tinfoil_hardware(x, boolInt(required), e)
	})
}

// SetRequireTLSBinding: Require a TLS key binding (default false).
func (p *Policy) SetRequireTLSBinding(required bool) error {
	return p.set("Policy.SetRequireTLSBinding", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_tls_binding(x, boolInt(required), e)
	})
}

// SetAllowServerNonce: Accept a report bound to a server-chosen nonce as a warning (default false).
func (p *Policy) SetAllowServerNonce(allow bool) error {
	return p.set("Policy.SetAllowServerNonce", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_allow_server_nonce(x, boolInt(allow), e)
	})
}

// SetAllowUnboundKey: Accept a signing key no hardware evidence binds, as a warning (default false; no signer fact either way).
func (p *Policy) SetAllowUnboundKey(allow bool) error {
	return p.set("Policy.SetAllowUnboundKey", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_allow_unbound_key(x, boolInt(allow), e)
	})
}

// SetRequireEventLog: Require an event log replay and compose hash for every entry (default false).
func (p *Policy) SetRequireEventLog(required bool) error {
	return p.set("Policy.SetRequireEventLog", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_event_log(x, boolInt(required), e)
	})
}

// SetRequireProvenance requires image provenance for the images of a
// verified app_compose (docs/provenance.md; default false).
func (p *Policy) SetRequireProvenance(required bool) error {
	return p.set("Policy.SetRequireProvenance", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_require_provenance(x, boolInt(required), e)
	})
}

// AddProvenanceIdentity accepts a signer (certificate identity and OIDC
// issuer; regular expressions with the flags) for image: "sha256:<hex>", a
// repository, a path ending in "/", or "*".
func (p *Policy) AddProvenanceIdentity(image, identity, issuer string, identityRegexp, issuerRegexp bool) error {
	return p.set("Policy.AddProvenanceIdentity", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		ci, f1 := cstring(image, false)
		defer f1()
		cid, f2 := cstring(identity, false)
		defer f2()
		cis, f3 := cstring(issuer, false)
		defer f3()
		var flags C.uint32_t
		if identityRegexp {
			flags |= C.TEEATTEST_SIGSTORE_IDENTITY_REGEXP
		}
		if issuerRegexp {
			flags |= C.TEEATTEST_SIGSTORE_ISSUER_REGEXP
		}
		return C.teeattest_policy_add_provenance_identity(x, ci, cid, cis, flags, e)
	})
}

// SetSigstoreTrustedRoot sets the trusted_root.json provenance bundles and
// the Tinfoil release bundle are verified against; nil restores the shipped
// default (Sigstore's public-good root). An empty non-nil slice is refused.
func (p *Policy) SetSigstoreTrustedRoot(doc []byte) error {
	return p.set("Policy.SetSigstoreTrustedRoot", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		if doc == nil {
			return C.teeattest_policy_set_sigstore_trusted_root(x, nil, 0, e)
		}
		d, n := cbytes(doc)
		return C.teeattest_policy_set_sigstore_trusted_root(x, d, n, e)
	})
}

// SetTDXStatuses: Accepted final TDX TCB statuses as a mask of TDXStatusBit values; 0 restores the default.
func (p *Policy) SetTDXStatuses(mask uint32) error {
	return p.set("Policy.SetTDXStatuses", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_tdx_statuses(x, C.uint32_t(mask), e)
	})
}

// SetGPUMode: How GPU measurements are judged.
func (p *Policy) SetGPUMode(mode GPUMode) error {
	return p.set("Policy.SetGPUMode", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_mode(x, C.int32_t(mode), e)
	})
}

// SetGPURIM: Local RIM comparison requirement.
func (p *Policy) SetGPURIM(requirement GPURequirement) error {
	return p.set("Policy.SetGPURIM", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_rim(x, C.int32_t(requirement), e)
	})
}

// SetGPUOCSP: OCSP requirement for device and RIM signer chains.
func (p *Policy) SetGPUOCSP(requirement GPURequirement) error {
	return p.set("Policy.SetGPUOCSP", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_ocsp(x, C.int32_t(requirement), e)
	})
}

// SetGPUOCSPNonce: OCSP request nonce handling.
func (p *Policy) SetGPUOCSPNonce(mode GPUOCSPNonce) error {
	return p.set("Policy.SetGPUOCSPNonce", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_ocsp_nonce(x, C.int32_t(mode), e)
	})
}

// SetGPUMinCount: Minimum number of GPUs (0 restores 1).
func (p *Policy) SetGPUMinCount(count uint32) error {
	return p.set("Policy.SetGPUMinCount", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_gpu_min_count(x, C.uint32_t(count), e)
	})
}

// SetMaxReportAge: Maximum report age in seconds (0: no limit).
func (p *Policy) SetMaxReportAge(seconds uint32) error {
	return p.set("Policy.SetMaxReportAge", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_max_report_age(x, C.uint32_t(seconds), e)
	})
}

// SetACIAllowNullNonce: Accept an ACI report whose statement carries nonce:null, as a warning (default false).
func (p *Policy) SetACIAllowNullNonce(allow bool) error {
	return p.set("Policy.SetACIAllowNullNonce", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_aci_allow_null_nonce(x, boolInt(allow), e)
	})
}

// SetACIMaxKeysetLifetime: Longest remaining ACI keyset lifetime accepted in seconds (default 90 days; 0: no limit).
func (p *Policy) SetACIMaxKeysetLifetime(seconds uint32) error {
	return p.set("Policy.SetACIMaxKeysetLifetime", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_set_aci_max_keyset_lifetime(x, C.uint32_t(seconds), e)
	})
}

// ClearMeasurements: Remove every accepted value of a register (0: all registers).
func (p *Policy) ClearMeasurements(reg Register) error {
	return p.set("Policy.ClearMeasurements", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_clear_measurements(x, C.int32_t(reg), e)
	})
}

// ClearIdentity: Remove every accepted value of an identity (0: all).
func (p *Policy) ClearIdentity(kind Identity) error {
	return p.set("Policy.ClearIdentity", func(x *C.teeattest_policy, e *C.teeattest_error) C.int {
		return C.teeattest_policy_clear_identity(x, C.int32_t(kind), e)
	})
}
