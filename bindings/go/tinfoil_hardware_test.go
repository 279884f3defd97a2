// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"errors"
	"testing"
)

// The real Tinfoil capture against TEST-signed hardware measurements
// (tests/data/tinfoil-hardware, README there: no real bundle is public):
// the list with the capture's platform passes, the one whose MRTD and
// RTMR0 are two platforms' fails, and the TEST bundle fails under the
// shipped default root.
func TestTinfoilHardware(t *testing.T) {
	read := func(name string) []byte {
		return tinfoilData(t, "tinfoil-hardware", name)
	}
	testRoot := read("test_trusted_root.json")
	tc := newTinfoilCapture(t)
	c, at := tc.c, tc.at
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
		return tc.outcome(t, nil, pol, name)
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
