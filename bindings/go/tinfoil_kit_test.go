// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Shared by the Tinfoil tests (tinfoil_release_test.go,
// tinfoil_hardware_test.go).

// tinfoilData reads a file of the source tree's tests/data
// (TEEATTEST_SOURCE_ROOT, else ../..).
func tinfoilData(t *testing.T, p ...string) []byte {
	t.Helper()
	root := os.Getenv("TEEATTEST_SOURCE_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	b, err := os.ReadFile(filepath.Join(append([]string{root, "tests", "data"}, p...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinfoilCapture is the real Tinfoil capture (providers/tinfoil_v3_direct)
// parsed on a fresh context, with its nonce and time and an empty evidence;
// all closed when the test ends.
type tinfoilCapture struct {
	c     *Context
	rep   *Report
	ev    *Evidence
	nonce []byte
	at    time.Time
}

func newTinfoilCapture(t *testing.T) *tinfoilCapture {
	t.Helper()
	c := newCtx(t, nil)
	rep, ev, nonce, at := loadCapture(t, c, "providers/tinfoil_v3_direct/",
		"attestation.json", "tinfoil")
	return &tinfoilCapture{c: c, rep: rep, ev: ev, nonce: nonce, at: at}
}

// outcome verifies the capture with ev (nil: the capture's empty one)
// under pol and gives the outcome of check name, which must be present.
func (tc *tinfoilCapture) outcome(t *testing.T, ev *Evidence, pol *Policy, name string) Outcome {
	t.Helper()
	if ev == nil {
		ev = tc.ev
	}
	r, err := tc.c.VerifyReport(context.Background(), tc.rep, ev, pol, tc.nonce)
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
