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

// E2EESession.Algo of a NEAR AI session (docs/e2ee-nearai.md).
const (
	E2EEAlgoNearAIEd25519 = "nearai-ed25519-v2"
	E2EEAlgoNearAIECDSA   = "nearai-ecdsa"
)

// NewNearAIE2EESession starts a session for NEAR AI Cloud's field-level
// E2EE (chat only): signingAlgo "ed25519" or "ecdsa", modelPublicKey the
// model report's signing_public_key, verifiedSigner what
// Result.VerifiedSigner returned for that verified report (the key must
// be this signer's). EncryptRequest, DecryptResponse and DecryptChunk then
// work as for E2EE v2; RestoredBody is nil (NEAR has no ACI receipt).
func (c *Context) NewNearAIE2EESession(signingAlgo, modelPublicKey, verifiedSigner string) (*E2EESession, error) {
	cp := c.ptr()
	if cp == nil {
		return nil, errClosed("Context")
	}
	defer c.h.put()
	a, fa := cstring(signingAlgo, false)
	defer fa()
	k, fk := cstring(modelPublicKey, false)
	defer fk()
	sg, fs := cstring(verifiedSigner, false)
	defer fs()
	var out *C.teeattest_e2ee_session
	var e C.teeattest_error
	rc := C.teeattest_e2ee_session_new_nearai(cp, &out, a, k, sg, &e)
	if rc != 0 {
		return nil, opError("NewNearAIE2EESession", rc, &e)
	}
	s := &E2EESession{h: handle{p: unsafe.Pointer(out)}, ctx: wrapContext(C.teeattest_ctx_ref(cp))}
	runtime.SetFinalizer(s, (*E2EESession).Close)
	return s, nil
}
