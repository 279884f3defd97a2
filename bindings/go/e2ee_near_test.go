// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestNearAIE2EESession(t *testing.T) {
	c := newCtx(t, nil)
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = 0x21
	}
	pub := hex.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	s, err := c.NewNearAIE2EESession("ed25519", pub, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Algo() != E2EEAlgoNearAIEd25519 {
		t.Fatalf("algo %q", s.Algo())
	}
	req := []byte(`{"model":"m","messages":[{"role":"user","content":"secret"}]}`)
	body, hdr, err := s.EncryptRequest(E2EEChat, req)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "secret") {
		t.Fatal("plaintext on the wire")
	}
	if hdr["X-Signing-Algo"] != "ed25519" || hdr["X-Model-Pub-Key"] != pub ||
		hdr["X-Encryption-Version"] != "2" || len(hdr["X-Client-Pub-Key"]) != 64 ||
		hdr["X-Encrypt-All-Fields"] != "true" {
		t.Fatalf("headers %v", hdr)
	}
	if s.RestoredBody() != nil {
		t.Fatal("a restored body for NEAR")
	}
	// An answer that comes back in plaintext is refused.
	var te *Error
	_, err = s.DecryptResponse([]byte(`{"id":"x","choices":[{"message":{"content":"plain"}}]}`))
	if !errors.As(err, &te) || te.Status != StatusHex {
		t.Fatalf("plaintext answer: %v", err)
	}
	// A key that is not the verified signer's, and an unknown algorithm.
	other := strings.Repeat("ab", 32)
	if _, err := c.NewNearAIE2EESession("ed25519", other, pub); !errors.As(err, &te) ||
		(te.Status != StatusVerifyFailed) {
		t.Fatalf("unverified key: %v", err)
	}
	if _, err := c.NewNearAIE2EESession("x25519", pub, pub); !errors.As(err, &te) || te.Status != StatusUnsupported {
		t.Fatalf("algo: %v", err)
	}
}
