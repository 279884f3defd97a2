// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Sigstore conformance bundle verifies; another identity or artifact
// fails on its own check.
func TestVerifySigstoreBundle(t *testing.T) {
	root := os.Getenv("TEEATTEST_SOURCE_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	d := filepath.Join(root, "tests", "data", "sigstore-conformance")
	read := func(p ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{d}, p...)...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bundle := read("bundle-verify", "happy-path-v0.3", "bundle.sigstore.json")
	tr := read("production_trusted_root.json")
	art := read("a.txt")
	ctx, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	o := SigstoreOptions{
		Identity: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
		Issuer:   "https://token.actions.githubusercontent.com",
		Artifact: art,
	}
	res, err := ctx.VerifySigstoreBundle(bundle, tr, o)
	if err != nil || res.Verdict() != VerdictVerified {
		t.Fatalf("verify: %v %v", err, res.Failures())
	}
	sum := sha256.Sum256(art)
	o2 := o
	o2.Artifact = nil
	o2.ArtifactSHA256 = sum[:]
	o2.Identity = `https://github\.com/sigstore-conformance/.*`
	o2.IdentityRegexp = true
	if res, err = ctx.VerifySigstoreBundle(bundle, tr, o2); err != nil || res.Verdict() != VerdictVerified {
		t.Fatalf("digest + regexp: %v %v", err, res.Failures())
	}
	o3 := o
	o3.Identity = "someone@example.com"
	res, err = ctx.VerifySigstoreBundle(bundle, tr, o3)
	if err != nil || res.Verdict() == VerdictVerified ||
		!strings.Contains(strings.Join(res.Failures(), " "), "sigstore.certificate.identity") {
		t.Fatalf("other identity: %v %v", err, res.Failures())
	}
	o4 := o
	o4.Artifact = append([]byte("x"), art...)
	res, err = ctx.VerifySigstoreBundle(bundle, tr, o4)
	if err != nil || !strings.Contains(strings.Join(res.Failures(), " "), "sigstore.artifact.digest") {
		t.Fatalf("other artifact: %v %v", err, res.Failures())
	}
	// nil: the shipped default root; empty: a given root, which fails.
	res, err = ctx.VerifySigstoreBundle(bundle, nil, o)
	if err != nil || res.Verdict() != VerdictVerified {
		t.Fatalf("default root: %v %v", err, res.Failures())
	}
	res, err = ctx.VerifySigstoreBundle(bundle, []byte{}, o)
	if err != nil || !strings.Contains(strings.Join(res.Failures(), " "), "sigstore.trusted_root") {
		t.Fatalf("empty root: %v %v", err, res.Failures())
	}
	if _, err = ctx.VerifySigstoreBundle(bundle, tr, SigstoreOptions{Artifact: art}); err == nil {
		t.Fatal("no identity and no key must be refused")
	}
}
