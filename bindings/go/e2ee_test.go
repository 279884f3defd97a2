// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The service key of spec/e2ee-v2-test-vectors.md (Dstack-TEE/
// private-ai-gateway b6b5c1b): X25519 seed 32 x 0x03.
const e2eeVectorPub = "5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22"

func TestE2EEEncryptRequest(t *testing.T) {
	c := newCtx(t, nil)
	keyset := []byte(`{"e2ee_public_keys":[{"key_id":"k1","algo":"` + E2EEAlgoX25519 +
		`","public_key":"` + e2eeVectorPub + `"}]}`)
	s, err := c.NewE2EESession(keyset, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Algo() != E2EEAlgoX25519 || s.KeyID() != "k1" {
		t.Fatalf("selected %q %q", s.Algo(), s.KeyID())
	}
	req := []byte(`{"model":"demo-model","messages":[{"role":"user","content":"secret"}]}`)
	body, hdr, err := s.EncryptRequest(E2EEChat, req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "secret") {
		t.Fatal("plaintext on the wire")
	}
	if hdr["X-E2EE-Version"] != "2" || hdr["X-Model-Pub-Key"] != e2eeVectorPub ||
		len(hdr["X-E2EE-Nonce"]) != 64 || len(hdr["X-Client-Pub-Key"]) != 64 {
		t.Fatalf("headers %v", hdr)
	}
	var v map[string]interface{}
	if err := json.Unmarshal(s.RestoredBody(), &v); err != nil || v["model"] != "demo-model" {
		t.Fatalf("restored body %s: %v", s.RestoredBody(), err)
	}
	// A response field that is not a ciphertext is refused.
	_, err = s.DecryptResponse([]byte(`{"id":"x","choices":[{"message":{"content":"plain"}}]}`))
	var te *Error
	if !errors.As(err, &te) || te.Status != StatusHex {
		t.Fatalf("plaintext field: %v", err)
	}
	if out, err := s.DecryptChunk([]byte("[DONE]")); err != nil || string(out) != "[DONE]" {
		t.Fatalf("[DONE]: %q %v", out, err)
	}
	// An algo the keyset does not list.
	if _, err := c.NewE2EESession(keyset, E2EEAlgoSecp256k1, ""); !errors.As(err, &te) || te.Status != StatusNotFound {
		t.Fatalf("unlisted suite: %v", err)
	}
}
