// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"unsafe"
)

// Verdict is a result's answer. Anything but VerdictVerified is a failure.
type Verdict int32

const (
	VerdictFailed   Verdict = C.TEEATTEST_VERDICT_FAILED
	VerdictVerified Verdict = C.TEEATTEST_VERDICT_VERIFIED
)

// String is "verified" or "failed" as the JSON result spells it.
func (v Verdict) String() string { return C.GoString(C.teeattest_verdict_name(C.int32_t(v))) }

// Outcome is the outcome of one check.
type Outcome int32

const (
	OutcomePass Outcome = C.TEEATTEST_OUTCOME_PASS
	OutcomeFail Outcome = C.TEEATTEST_OUTCOME_FAIL
	OutcomeSkip Outcome = C.TEEATTEST_OUTCOME_SKIP // did not run; fails the verdict if required
	OutcomeWarn Outcome = C.TEEATTEST_OUTCOME_WARN
)

// String is "pass", "fail", "skip" or "warn".
func (o Outcome) String() string { return C.GoString(C.teeattest_outcome_name(C.int32_t(o))) }

// Check is one entry of a result's checklist (names in docs/checks.md).
type Check struct {
	Name     string
	Outcome  Outcome
	Detail   string
	Required bool
}

// Fact is one key/value fact of a result. A failed result names every
// fact "unverified.<name>": diagnostics, never evidence.
type Fact struct {
	Key, Value string
}

// UnverifiedPrefix starts the name of every fact of a failed result.
const UnverifiedPrefix = "unverified."

// Result is a verification result (teeattest_result): immutable, safe to
// share between goroutines.
type Result struct {
	h handle
}

func newResult(p *C.teeattest_result) *Result {
	r := &Result{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(r, (*Result).Close)
	return r
}

// Close releases the result. Idempotent.
func (r *Result) Close() error {
	r.h.close(func(p unsafe.Pointer) { C.teeattest_result_free((*C.teeattest_result)(p)) })
	runtime.SetFinalizer(r, nil)
	return nil
}

func (r *Result) ptr() *C.teeattest_result { return (*C.teeattest_result)(r.h.get()) }

// use is ptr() for a method that fails on a closed Result (acquire).
func (r *Result) use() (*C.teeattest_result, error) {
	return acquire[C.teeattest_result](&r.h, "Result")
}

// Verdict is VerdictVerified only when the library says so; a closed
// result is VerdictFailed.
func (r *Result) Verdict() Verdict {
	p := r.ptr()
	if p == nil {
		return VerdictFailed
	}
	defer r.h.put()
	v := C.teeattest_result_verdict(p)
	runtime.KeepAlive(r)
	if Verdict(v) == VerdictVerified {
		return VerdictVerified
	}
	return VerdictFailed
}

// Verified reports whether the verdict is VerdictVerified.
func (r *Result) Verified() bool { return r.Verdict() == VerdictVerified }

// Checks returns the checklist in the order the checks ran.
func (r *Result) Checks() []Check {
	p := r.ptr()
	if p == nil {
		return nil
	}
	defer r.h.put()
	n := int(C.teeattest_result_check_count(p))
	out := make([]Check, 0, n)
	for i := 0; i < n; i++ {
		var name, detail *C.char
		var outcome, req C.int32_t
		if C.teeattest_result_check(p, C.size_t(i), &name, &outcome, &detail, &req, nil) != 0 {
			continue
		}
		out = append(out, Check{Name: goString(name), Outcome: Outcome(outcome),
			Detail: goString(detail), Required: req != 0})
	}
	runtime.KeepAlive(r)
	return out
}

// Check finds a check by name.
func (r *Result) Check(name string) (Check, bool) {
	for _, c := range r.Checks() {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// Failures names the checks that failed the verdict: failed ones and
// required ones that were skipped.
func (r *Result) Failures() []string {
	var out []string
	for _, c := range r.Checks() {
		if c.Outcome == OutcomeFail || (c.Outcome == OutcomeSkip && c.Required) {
			out = append(out, c.Name)
		}
	}
	return out
}

// Facts returns the facts in order. When the verdict is not verified every
// key starts with UnverifiedPrefix (the library names them so; the binding
// enforces it too, so no failed result ever yields a plain fact).
func (r *Result) Facts() []Fact {
	p := r.ptr()
	if p == nil {
		return nil
	}
	defer r.h.put()
	verified := Verdict(C.teeattest_result_verdict(p)) == VerdictVerified
	n := int(C.teeattest_result_fact_count(p))
	out := make([]Fact, 0, n)
	for i := 0; i < n; i++ {
		var k, v *C.char
		if C.teeattest_result_fact_at(p, C.size_t(i), &k, &v, nil) != 0 {
			continue
		}
		key := goString(k)
		if !verified && !strings.HasPrefix(key, UnverifiedPrefix) {
			key = UnverifiedPrefix + key
		}
		out = append(out, Fact{Key: key, Value: goString(v)})
	}
	runtime.KeepAlive(r)
	return out
}

// Fact looks a fact up by its key as Facts names it (a failed result has
// only "unverified.*" keys).
func (r *Result) Fact(key string) (string, bool) {
	for _, f := range r.Facts() {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// VerifiedSigner is the signer (0x address or hex Ed25519 key) and its
// algorithm ("ecdsa", "ed25519") that a verified result attests. It fails
// with ErrNotVerified unless the verdict is verified, and ErrNotFound when
// the result names no single signer.
func (r *Result) VerifiedSigner() (signer, algo string, err error) {
	p, err := r.use()
	if err != nil {
		return "", "", err
	}
	defer r.h.put()
	if Verdict(C.teeattest_result_verdict(p)) != VerdictVerified {
		return "", "", &Error{Status: StatusNotVerified, Name: statusNames[StatusNotVerified],
			Message: "the result is not verified: it vouches for no signer",
			Op:      "Result.VerifiedSigner"}
	}
	var s, a *C.char
	var e C.teeattest_error
	if rc := C.teeattest_result_verified_signer(p, &s, &a, &e); rc != 0 {
		return "", "", opError("Result.VerifiedSigner", rc, &e)
	}
	runtime.KeepAlive(r)
	if s == nil || *s == 0 {
		return "", "", &Error{Status: StatusNotFound, Name: statusNames[StatusNotFound],
			Message: "no signer", Op: "Result.VerifiedSigner"}
	}
	return goString(s), goString(a), nil
}

// JSON is the library's JSON rendering of the result:
// {"verdict","checks":[{"name","outcome","detail","required"}],"facts":{}}.
func (r *Result) JSON() ([]byte, error) {
	p, err := r.use()
	if err != nil {
		return nil, err
	}
	defer r.h.put()
	var j *C.char
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_result_to_json(p, &j, &n, &e); rc != 0 {
		return nil, opError("Result.JSON", rc, &e)
	}
	out := C.GoBytes(unsafe.Pointer(j), C.int(n))
	runtime.KeepAlive(r)
	return out, nil
}
