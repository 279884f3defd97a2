// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"errors"
	"testing"
)

// The real Tinfoil capture against a real release bundle of another
// enclave (tests/data/tinfoil-release): the bundle verifies for its own
// repository, not for the capture's, and its measurements are not the
// capture's.
func TestTinfoilRelease(t *testing.T) {
	bundle := tinfoilData(t, "tinfoil-release", "router-v0.0.38.sigstore.json")
	tr := tinfoilData(t, "sigstore-conformance", "production_trusted_root.json")
	tc := newTinfoilCapture(t)
	c, at := tc.c, tc.at
	outcome := func(tr []byte, repo, name string) Outcome {
		pol := policyAt(t, c, at)
		if err := pol.SetRequireTinfoilRelease(true); err != nil {
			t.Fatal(err)
		}
		if err := pol.SetSigstoreTrustedRoot(tr); err != nil {
			t.Fatal(err)
		}
		if err := pol.SetTinfoilRelease(bundle, repo, ""); err != nil {
			t.Fatal(err)
		}
		return tc.outcome(t, nil, pol, name)
	}
	if o := outcome(tr, "tinfoilsh/confidential-model-router", "entry[0].tinfoil.release.identity"); o != OutcomePass {
		t.Errorf("own repository: identity %v", o)
	}
	if o := outcome(tr, "tinfoilsh/confidential-model-router", "entry[0].tinfoil.release.measurement"); o != OutcomeFail {
		t.Errorf("another release's RTMRs: measurement %v", o)
	}
	if o := outcome(tr, "tinfoilsh/confidential-gemma4-31b", "entry[0].tinfoil.release.identity"); o != OutcomeFail {
		t.Errorf("another repository: identity %v", o)
	}
	// No trusted root set (nil): the shipped default, Sigstore's
	// public-good root, verifies the real release as the production copy
	// does; an empty root is a given one and is refused.
	if o := outcome(nil, "tinfoilsh/confidential-model-router", "entry[0].tinfoil.release.bundle"); o != OutcomePass {
		t.Errorf("default trusted root: bundle %v", o)
	}
	if o := outcome(nil, "tinfoilsh/confidential-gemma4-31b", "entry[0].tinfoil.release.identity"); o != OutcomeFail {
		t.Errorf("default trusted root, another repository: identity %v", o)
	}
	if err := policyAt(t, c, at).SetSigstoreTrustedRoot([]byte{}); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("empty trusted root: %v", err)
	}
	pol := policyAt(t, c, at)
	if err := pol.SetTinfoilRelease(bundle, "not a repo", ""); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad repository: %v", err)
	}
	if err := pol.SetTinfoilRelease(nil, "", ""); err != nil {
		t.Errorf("removing: %v", err)
	}

	// The release named by repository (SetTinfoilReleaseRepo), offline:
	// the one Tinfoil release bundle the evidence holds is checked.
	byRepo := func(held bool, repo, tag, name string) Outcome {
		ev2, err := c.NewEvidence()
		if err != nil {
			t.Fatal(err)
		}
		defer ev2.Close()
		if held {
			if err := ev2.AddSigstoreBundle(bundle); err != nil {
				t.Fatal(err)
			}
		}
		pol := policyAt(t, c, at)
		if err := pol.SetTinfoilReleaseRepo(repo, tag); err != nil {
			t.Fatal(err)
		}
		return tc.outcome(t, ev2, pol, name)
	}
	const router = "tinfoilsh/confidential-model-router"
	if o := byRepo(true, router, "", "entry[0].tinfoil.release.identity"); o != OutcomePass {
		t.Errorf("held bundle: identity %v", o)
	}
	if o := byRepo(true, router, "v0.0.39", "entry[0].tinfoil.release.identity"); o != OutcomeFail {
		t.Errorf("held bundle, another tag: identity %v", o)
	}
	if o := byRepo(false, router, "", "entry[0].tinfoil.release.bundle"); o != OutcomeSkip {
		t.Errorf("nothing held, offline: bundle %v", o)
	}
	if err := pol.SetTinfoilReleaseRepo(router, "../x"); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("bad tag: %v", err)
	}
	if err := pol.SetTinfoilReleaseRepo("", ""); err != nil {
		t.Errorf("removing the repository: %v", err)
	}
}
