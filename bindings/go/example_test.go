// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example program, built and run as a user would: a saved signature,
// the NEAR capture offline, and attest + chat against the simulator.
func TestExampleProgram(t *testing.T) {
	fx := fixtures(t)
	s := startSim(t, "--seed", "5", "--no-gpu")
	gobin, err := exec.LookPath("go")
	if err != nil {
		cannotRun(t, "go is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "teeattest-go-demo")
	build := exec.Command(gobin, "build", "-o", bin, "./examples/teeattest-go-demo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(t.TempDir(), "root.der")
	if err := os.WriteFile(root, s.root, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-fixtures", fx, "-base-url", s.url, "-pccs", s.url,
		"-test-root", root, "-no-gpu")
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("teeattest-go-demo: %v", err)
	}
	for _, want := range []string{
		"saved signature, pinned signer 0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca: verified",
		"saved signature, tampered answer: failed",
		"NEAR AI capture offline at 2026-06-29T02:06:37.994367Z: verified",
		"attestation of " + s.url + ": verified",
		"chat signature against the attested signer: verified",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
