// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Every Close may be called twice; a closed object fails closed.
func TestCloseTwice(t *testing.T) {
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, req, resp, signer := signatureCase(t, c, "nearai_cloud_2025_stream")
	r, err := sig.Verify(nil, signer, req, resp)
	if err != nil {
		t.Fatal(err)
	}
	mustVerdict(t, r, VerdictVerified)
	pol, _ := c.NewPolicy()
	pr, _ := c.NewProvider("nearai")
	ev, _ := c.NewEvidence()
	in, _ := c.NewGPUInputs()
	b, _ := c.NewBundle()
	// The context first: its children keep the C context alive.
	for _, closer := range []interface{ Close() error }{c, c, pol, pol, pr, pr, ev, ev, in, in, b, b} {
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// The result outlives its context and still answers.
	mustVerdict(t, r, VerdictVerified)
	if j, err := r.JSON(); err != nil || len(j) == 0 {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if r.Verdict() != VerdictFailed || r.Verified() || r.Checks() != nil || r.Facts() != nil {
		t.Fatal("a closed result is not failed and empty")
	}
	if _, _, err := r.VerifiedSigner(); err == nil {
		t.Fatal("VerifiedSigner on a closed result")
	}
	if _, err := r.JSON(); !errors.Is(err, ErrInvalidArg) {
		t.Fatal(err)
	}
	if _, err := c.NewPolicy(); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("NewPolicy on a closed context: %v", err)
	}
	if err := pol.SetAllowDebug(true); !errors.Is(err, ErrInvalidArg) {
		t.Fatal(err)
	}
	if _, err := sig.Verify(pol, signer, req, resp); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("Verify with a closed policy: %v", err)
	}
	if _, err := pr.FetchReport(context.Background(), nil, ""); !errors.Is(err, ErrInvalidArg) {
		t.Fatal(err)
	}
	sig.Close()
	if _, err := sig.Verify(nil, signer, req, resp); !errors.Is(err, ErrInvalidArg) {
		t.Fatal(err)
	}
}

// Objects dropped without Close are freed by their finalizers, and the
// Go callback state of a context (its cgo.Handle) is deleted when the C
// context goes, after its last child.
func TestFinalizers(t *testing.T) {
	const dir = "providers/real_signatures/nearai_cloud_2025_stream/"
	record := fixture(t, dir+"signature_response.json")
	req, resp := fixture(t, dir+"request_body.json"), fixture(t, dir+"response_body.sse")
	signer := fixtureJSON(t, dir+"expected.json")["recovered_address_lowercase"].(string)
	base := atomic.LoadInt64(&liveCallbacks)
	func() {
		for i := 0; i < 20; i++ {
			c, err := NewContext(&Options{Clock: func() time.Time { return time.Unix(1700000000, 0) }})
			if err != nil {
				t.Fatal(err)
			}
			if c.Now().Unix() != 1700000000 {
				t.Fatal("the Go clock is not used")
			}
			sig, err := c.ParseSignature(record)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sig.Verify(nil, signer, req, resp)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Verified() {
				t.Fatal("not verified")
			}
			_, _ = c.NewPolicy()
			_, _ = c.NewProvider("redpill")
		}
	}()
	if atomic.LoadInt64(&liveCallbacks) < base+1 {
		t.Fatal("contexts not counted")
	}
	// Finalizers run after a GC, on their own goroutine: wait for them
	// (bounded only to fail instead of hanging).
	for i := 0; i < 1000 && atomic.LoadInt64(&liveCallbacks) > base; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if n := atomic.LoadInt64(&liveCallbacks); n > base {
		t.Fatalf("%d context callback states never released", n-base)
	}
}

// A context whose children are gone releases its callbacks at once.
func TestContextReleasesCallbacks(t *testing.T) {
	base := atomic.LoadInt64(&liveCallbacks)
	c, err := NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if atomic.LoadInt64(&liveCallbacks) != base+1 {
		t.Fatal("the policy should keep the context (and its callbacks) alive")
	}
	pol.Close()
	if atomic.LoadInt64(&liveCallbacks) != base {
		t.Fatal("the last child's Close did not release the context's callbacks")
	}
}

// A log callback receives messages; a panicking one is contained.
func TestLogAndClockPanics(t *testing.T) {
	c := newCtx(t, &Options{
		Log:      func(LogLevel, string) { panic("log exploded") },
		LogLevel: LogDebug,
		Clock:    func() time.Time { panic("clock exploded") },
	})
	if c.Now().Unix() != 0 {
		t.Fatal("a panicking clock must read as time 0")
	}
	sig, req, resp, signer := signatureCase(t, c, "nearai_cloud_2025_stream")
	r, err := sig.Verify(nil, signer, req, resp)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}
