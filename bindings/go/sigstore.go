// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import "runtime"

// SigstoreOptions say what a Sigstore bundle must prove: a Fulcio identity
// and OIDC issuer (exact, or POSIX extended regular expressions matching
// the whole value), or a managed key (PEM), and the artifact (its bytes,
// or its SHA-256 when Artifact is nil).
type SigstoreOptions struct {
	Identity       string
	IdentityRegexp bool
	Issuer         string
	IssuerRegexp   bool
	KeyPEM         []byte
	Artifact       []byte
	ArtifactSHA256 []byte
}

// VerifySigstoreBundle verifies a Sigstore bundle (v0.1-v0.3) against a
// trusted_root.json (teeattest_sigstore_verify_bundle); the result's
// checks are sigstore.*. A nil trustedRoot uses the library's shipped
// default (Sigstore's public-good root); an empty non-nil one is a given
// root that does not parse.
func (c *Context) VerifySigstoreBundle(bundle, trustedRoot []byte, o SigstoreOptions) (*Result, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	if o.Artifact == nil && len(o.ArtifactSHA256) != 32 {
		return nil, errInvalid("VerifySigstoreBundle", "artifact or a 32-byte ArtifactSHA256")
	}
	bp, bn := cbytes(bundle)
	var tp *C.uint8_t
	var tn C.size_t
	if trustedRoot != nil {
		tp, tn = cbytes(trustedRoot)
	}
	var ap, dp *C.uint8_t
	var an C.size_t
	if o.Artifact != nil {
		ap, an = cbytes(o.Artifact)
	} else {
		dp, _ = cbytes(o.ArtifactSHA256)
	}
	var kp *C.uint8_t
	var kn C.size_t
	if o.KeyPEM != nil {
		kp, kn = cbytes(o.KeyPEM)
	}
	id, freeID := cstring(o.Identity, true)
	defer freeID()
	is, freeIs := cstring(o.Issuer, true)
	defer freeIs()
	var flags C.uint32_t
	if o.IdentityRegexp {
		flags |= C.TEEATTEST_SIGSTORE_IDENTITY_REGEXP
	}
	if o.IssuerRegexp {
		flags |= C.TEEATTEST_SIGSTORE_ISSUER_REGEXP
	}
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.teeattest_sigstore_verify_bundle(cp, &out, bp, bn, tp, tn, ap, an, dp,
		id, is, flags, kp, kn, &e)
	runtime.KeepAlive(c)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(trustedRoot)
	runtime.KeepAlive(o)
	if rc != 0 {
		return nil, opError("VerifySigstoreBundle", rc, &e)
	}
	return newResult(out), nil
}
