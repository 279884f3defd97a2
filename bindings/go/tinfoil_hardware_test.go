// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The real Tinfoil capture against TEST-signed hardware measurements
// (tests/data/tinfoil-hardware, README there: no real bundle is public):
// the list with the capture's platform passes, the one whose MRTD and
// RTMR0 are two platforms' fails, and the TEST bundle fails under the
// shipped default root.
func TestTinfoilHardware(t *testing.T) {
	root := os.Getenv("TEEATTEST_SOURCE_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(root, "tests", "data", "tinfoil-hardware", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	testRoot := read("test_trusted_root.json")
	c := newCtx(t, nil)
	const dir = "providers/tinfoil_v3_direct/"
	m := fixtureJSON(t, dir+"capture_manifest.json")
	nonce := unhex(t, m["nonce_hex"].(string))
	at, err := time.Parse(time.RFC3339Nano, m["captured_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.ParseReport("tinfoil", fixture(t, dir+"attestation.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	ev, err := c.NewEvidence()
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	outcome := func(tr []byte, bundle, name string) Outcome {
		pol := policyAt(t, c, at)
		if err := pol.SetRequireTinfoilHardware(true); err != nil {
			t.Fatal(err)
		}
		if err := pol.SetSigstoreTrustedRoot(tr); err != nil {
			t.Fatal(err)
		}
		if err := pol.SetTinfoilHardware(read(bundle)); err != nil {
			t.Fatal(err)
		}
		r, err := c.VerifyReport(context.Background(), rep, ev, pol, nonce)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ch, ok := r.Check(name)
		if !ok {
			t.Fatalf("no check %s", name)
		}
		return ch.Outcome
	}
	const meas = "entry[0].tinfoil.hardware.measurement"
	if o := outcome(testRoot, "hw-match.sigstore.json", meas); o != OutcomePass {
		t.Errorf("the capture's platform listed: measurement %v", o)
	}
	if o := outcome(testRoot, "hw-nomatch.sigstore.json", meas); o != OutcomeFail {
		t.Errorf("MRTD and RTMR0 of two platforms: measurement %v", o)
	}
	if o := outcome(nil, "hw-match.sigstore.json", "entry[0].tinfoil.hardware.bundle"); o != OutcomeFail {
		t.Errorf("TEST bundle under the shipped default root: bundle %v", o)
	}
	pol := policyAt(t, c, at)
	if err := pol.SetTinfoilHardware([]byte{}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("empty bundle: %v", err)
	}
	if err := pol.SetTinfoilHardware(nil); err != nil {
		t.Errorf("removing: %v", err)
	}
}
