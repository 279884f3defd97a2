// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"strings"
	"testing"
)

// Dstack-TEE/private-ai-gateway spec/test-vectors.md, commit b6b5c1b
// (tests/data/aci/README.md): sections 1 and 4.
const (
	aciKeyset = `{"e2ee_public_keys":[{"algo":"x25519-aes-256-gcm-hkdf-sha256","key_id":"e2ee-1","public_key":"5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22"}],"not_after":1800000000,"receipt_signing_keys":[{"algo":"ed25519","key_id":"receipt-1","public_key":"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"}],"subject":"dstack-app://example-app","tls_public_keys":[{"domain":"api.example.com","spki_sha256":"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"}]}`
	aciDigest  = "sha256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371"
	aciReceipt = `{"api_version":"aci/1","chat_id":"chatcmpl-123","endpoint":"/v1/chat/completions","event_log":[{"body_hash":"sha256:94d809bf47380d8a2eab0eb6e126d4dda9364b0b4725cdf7ead52dd70b2aa87b","type":"request.received"},{"body_hash":"sha256:94d809bf47380d8a2eab0eb6e126d4dda9364b0b4725cdf7ead52dd70b2aa87b","type":"request.forwarded"},{"model_id":"demo-model","required":true,"result":"verified","session_id":"95ad1cb4dd25445808c2e9d116caf420b05703730b506395e8fc1ca6faeae28f","type":"upstream.verified"},{"body_hash":"sha256:dedfffe5b14d031b8e2c01996d021a15293cb7c63b56be7e4be9e89b6f0a5f61","type":"response.returned"}],"key_id":"receipt-1","method":"POST","model":"demo-model","receipt_id":"rcpt-0001","served_at":1750000000,"signature":"d5b005e093bde3b577faf270b7184b09e169cacb0ecb206b103bd2581f997db03da616175454b063323a23ac1dc68f1ce506c2a6eba8aa0561d5e724f0b80c03","workload_keyset_digest":"sha256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371"}`
	aciRequest  = `{"messages":[{"content":"hi","role":"user"}],"model":"demo-model"}`
	aciResponse = `{"choices":[],"id":"chatcmpl-123"}`
)

func TestAciOffline(t *testing.T) {
	c := newCtx(t, nil)
	d, err := c.AciKeysetDigest([]byte(aciKeyset))
	if err != nil || d != aciDigest {
		t.Fatalf("AciKeysetDigest = %q, %v", d, err)
	}
	if _, err := c.AciKeysetDigest([]byte(`{"not_after":1}`)); err == nil {
		t.Error("a keyset without key lists has a digest")
	}
	opts := &AciReceiptOptions{Request: []byte(aciRequest), Response: []byte(aciResponse),
		PinnedSessions: []string{"95ad1cb4dd25445808c2e9d116caf420b05703730b506395e8fc1ca6faeae28f"}}
	r, err := c.AciVerifyReceipt([]byte(aciReceipt), []byte(aciKeyset), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Verdict() == VerdictVerified {
		t.Error("pinned, cited session not given: a required skip must fail the verdict")
	}
	if ck, ok := r.Check("aci.receipt.signature"); !ok || ck.Outcome != OutcomePass {
		t.Errorf("aci.receipt.signature = %+v", ck)
	}
	opts.PinnedSessions = nil
	r2, err := c.AciVerifyReceipt([]byte(aciReceipt), []byte(aciKeyset), opts)
	if err != nil || r2.Verdict() != VerdictVerified {
		t.Fatalf("verdict %v, %v", r2.Verdict(), err)
	}
	r2.Close()
	opts.Response = []byte(strings.Replace(aciResponse, "123", "124", 1))
	r3, err := c.AciVerifyReceipt([]byte(aciReceipt), []byte(aciKeyset), opts)
	if err != nil {
		t.Fatal(err)
	}
	if ck, _ := r3.Check("aci.receipt.response_hash"); ck.Outcome != OutcomeFail || r3.Verdict() == VerdictVerified {
		t.Errorf("other response bytes: %+v", ck)
	}
	r3.Close()
	opts.Response = []byte(aciResponse)
	opts.Serving = AciServing(3)
	if _, err := c.AciVerifyReceipt([]byte(aciReceipt), []byte(aciKeyset), opts); err == nil {
		t.Error("an unknown serving mode was accepted")
	}
	// a receipt with an upstream record is judged by it, direct or not
	opts.Serving, opts.RequireVerified = AciServingDirect, true
	r4, err := c.AciVerifyReceipt([]byte(aciReceipt), []byte(aciKeyset), opts)
	if err != nil {
		t.Fatal(err)
	}
	if ck, _ := r4.Check("aci.receipt.upstream"); ck.Outcome != OutcomePass || !strings.Contains(ck.Detail, "judged by the record") {
		t.Errorf("direct with an upstream record: %+v", ck)
	}
	r4.Close()
	if _, err := c.AciSessionID([]byte("[1,")); err == nil {
		t.Error("a session id for invalid JSON")
	}
	s, err := c.AciVerifySession([]byte(`{"api_version":"aci/1"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if ck, _ := s.Check("aci.session.shape"); ck.Outcome != OutcomeFail {
		t.Errorf("aci.session.shape = %+v", ck)
	}
	s.Close()
}
