// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVersionAndDialects(t *testing.T) {
	if VersionNumber()/10000 != 1 || !strings.HasPrefix(Version(), "1.") {
		t.Fatalf("version %s (%d)", Version(), VersionNumber())
	}
	ds := Dialects()
	want := map[string]bool{"nearai": false, "phala": false, "redpill": false, "generic": false}
	for _, d := range ds {
		if _, ok := want[d]; ok {
			want[d] = true
		}
	}
	for d, seen := range want {
		if !seen {
			t.Errorf("dialect %s missing from %v", d, ds)
		}
	}
	if u, _, err := DialectInfo("nearai"); err != nil || !strings.HasPrefix(u, "https://") {
		t.Errorf("DialectInfo(nearai) = %q, %v", u, err)
	}
	if _, _, err := DialectInfo("no-such"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DialectInfo(no-such) = %v", err)
	}
	if DialectAPIKeyEnv("nearai") == "" {
		t.Error("no API key variable for nearai")
	}
	if !HasFeature(FeatureEd25519) || !HasFeature(FeatureSecp256k1) {
		t.Error("required features missing")
	}
}

// Every status of include/teeattest/status.h has a Go constant and a
// sentinel, with the name the library gives it.
func TestStatusesMatchHeader(t *testing.T) {
	root := os.Getenv("TEEATTEST_SOURCE_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	h, err := os.ReadFile(filepath.Join(root, "include", "teeattest", "status.h"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(TEEATTEST_(?:OK|E_[A-Z0-9_]+))\s*=\s*(-?\d+)`)
	found := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(h), -1) {
		found[m[1]] = true
	}
	if len(found) != len(statusNames) || len(found) < 30 {
		t.Fatalf("header has %d statuses, Go has %d", len(found), len(statusNames))
	}
	for s, name := range statusNames {
		if !found[name] {
			t.Errorf("%s is not in status.h", name)
		}
		if s.Name() != name {
			t.Errorf("status %d: library name %s, Go %s", s, s.Name(), name)
		}
	}
	sentinels := []*Error{ErrInvalidArg, ErrNoMem, ErrABI, ErrABITooNew,
		ErrBufferTooSmall, ErrUnsupported, ErrUser, ErrPassthrough, ErrInternal,
		ErrNotFound, ErrIO, ErrNotVerified, ErrParse, ErrJSON, ErrHex, ErrBase64,
		ErrLength, ErrTooLarge, ErrFieldMissing, ErrSigText, ErrSigEncoding,
		ErrSigAlgo, ErrSignerFormat, ErrCrypto, ErrVerifyFailed, ErrRecoverFailed,
		ErrCertChain, ErrRandom, ErrTransport, ErrTimeout, ErrHTTPStatus, ErrTLS,
		ErrCancelled, ErrResponseTooLarge, ErrSignatureUnavailable}
	if len(sentinels) != len(statusNames)-1 {
		t.Fatalf("%d sentinels for %d error statuses", len(sentinels), len(statusNames)-1)
	}
	for _, s := range sentinels {
		if s.Name != statusNames[s.Status] || s.Status >= 0 {
			t.Errorf("sentinel %+v", s)
		}
	}
}

func TestErrors(t *testing.T) {
	c := newCtx(t, nil)
	_, err := c.ParseSignature([]byte("{not json"))
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusJSON || e.Name != "TEEATTEST_E_JSON" ||
		e.Message == "" || !errors.Is(err, ErrJSON) || errors.Is(err, ErrHex) {
		t.Fatalf("ParseSignature: %#v", err)
	}
	if _, err := c.NewProvider("no-such-dialect"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("NewProvider: %v", err)
	}
	p := policyAt(t, c, time.Time{})
	if err := p.AddMeasurement(RegMRTD, make([]byte, 47)); !errors.Is(err, ErrLength) {
		t.Fatalf("AddMeasurement: %v", err)
	}
	if err := p.SetTime(time.Unix(-1, 0)); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("SetTime(-1): %v", err)
	}
	// A cancelled context: the call does not start.
	pr, err := c.NewProvider("redpill")
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pr.FetchReport(ctx, nil, "")
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("FetchReport with a cancelled context: %v", err)
	}
}

// signatureCase loads one of the real saved signatures.
func signatureCase(t *testing.T, c *Context, dir string) (*Signature, []byte, []byte, string) {
	t.Helper()
	base := "providers/real_signatures/" + dir + "/"
	sig, err := c.ParseSignature(fixture(t, base+"signature_response.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sig.Close() })
	exp := fixtureJSON(t, base+"expected.json")
	return sig, fixture(t, base+"request_body.json"), fixture(t, base+"response_body.sse"),
		exp["recovered_address_lowercase"].(string)
}

// signature_kind (NEAR cloud-api, nearai/cloud-api@54b4a7c
// crates/api/src/routes/attestation/signature.rs) on the real NEAR record:
// read; provider_tee over its two-part text fails signature.kind; an
// unknown kind is rejected.
func TestSignatureKind(t *testing.T) {
	c := newCtx(t, nil)
	base := "providers/real_signatures/nearai_cloud_2025_stream/"
	raw := fixture(t, base+"signature_response.json")
	req, resp := fixture(t, base+"request_body.json"), fixture(t, base+"response_body.sse")
	with := func(extra string) []byte {
		return append(append([]byte(nil), raw[:len(raw)-1]...), extra...)
	}
	legacy, err := c.ParseSignature(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.Close()
	if legacy.Kind() != SigKindNone {
		t.Errorf("legacy Kind = %v", legacy.Kind())
	}
	for _, k := range []SigKind{SigKindGateway, SigKindProviderTEE} {
		sig, err := c.ParseSignature(with(`,"signature_kind":"` + k.String() + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		if sig.Kind() != k {
			t.Errorf("Kind = %v, want %v", sig.Kind(), k)
		}
		r, err := sig.Verify(nil, "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca", req, resp)
		if err != nil {
			t.Fatal(err)
		}
		want := map[SigKind]string{SigKindGateway: "pass", SigKindProviderTEE: "fail"}[k]
		if got := outcome(t, r, "signature.kind"); got != want {
			t.Errorf("%v: signature.kind %s, want %s", k, got, want)
		}
		r.Close()
		sig.Close()
	}
	if _, err := c.ParseSignature(with(`,"signature_kind":"model"}`)); !errors.Is(err, ErrJSON) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestSavedSignaturePinnedSigner(t *testing.T) {
	c := newCtx(t, nil)
	for _, dir := range []string{"nearai_cloud_2025_stream", "phala_inference_api_2024_stream"} {
		t.Run(dir, func(t *testing.T) {
			sig, req, resp, signer := signatureCase(t, c, dir)
			if got, err := sig.Recover(); err != nil || got != signer {
				t.Fatalf("Recover = %q, %v; want %s", got, err, signer)
			}
			r, err := sig.Verify(nil, signer, req, resp)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			mustVerdict(t, r, VerdictVerified)
			if s, algo, err := r.VerifiedSigner(); err != nil || !strings.EqualFold(s, signer) || algo != "ecdsa" {
				t.Fatalf("VerifiedSigner = %q %q %v", s, algo, err)
			}

			// One byte of the answer changed: rejected, and nothing of it
			// is offered as a fact.
			bad := append([]byte(nil), resp...)
			i := strings.Index(string(bad), "content")
			bad[i] ^= 0x20
			r2, err := sig.Verify(nil, signer, req, bad)
			if err != nil {
				t.Fatal(err)
			}
			defer r2.Close()
			mustVerdict(t, r2, VerdictFailed)
			if outcome(t, r2, "signature.hash.response") != "fail" {
				t.Errorf("response hash: %s", outcome(t, r2, "signature.hash.response"))
			}
			for _, f := range r2.Facts() {
				if !strings.HasPrefix(f.Key, UnverifiedPrefix) {
					t.Errorf("failed result has plain fact %s", f.Key)
				}
			}
			if _, ok := r2.Fact("signer"); ok {
				t.Error("failed result exposes signer")
			}
			if _, _, err := r2.VerifiedSigner(); !errors.Is(err, ErrNotVerified) {
				t.Errorf("VerifiedSigner on a failed result: %v", err)
			}

			// Another pinned signer: rejected. No signer: not verified.
			r3, err := sig.Verify(nil, "0x"+strings.Repeat("11", 20), req, resp)
			if err != nil {
				t.Fatal(err)
			}
			defer r3.Close()
			mustVerdict(t, r3, VerdictFailed)
			r4, err := sig.Verify(nil, "", req, resp)
			if err != nil {
				t.Fatal(err)
			}
			defer r4.Close()
			mustVerdict(t, r4, VerdictFailed)

			// JSON round trip of the record verifies the same way.
			j, err := sig.JSON()
			if err != nil {
				t.Fatal(err)
			}
			sig2, err := c.ParseSignature(j)
			if err != nil {
				t.Fatal(err)
			}
			defer sig2.Close()
			r5, err := sig2.Verify(nil, signer, req, resp)
			if err != nil {
				t.Fatal(err)
			}
			defer r5.Close()
			mustVerdict(t, r5, VerdictVerified)
			doc, err := r5.JSON()
			if err != nil || !strings.Contains(string(doc), `"verdict":"verified"`) {
				t.Fatalf("JSON: %s %v", doc, err)
			}
		})
	}
}

// nearCapture loads the NEAR AI direct capture as the C conformance test
// (tests/conformance/test_report_verify.c, case_near_direct) does: the
// report, the Intel PCS collateral, the NRAS answer and JWKS, the TLS key
// of the connection, the nonce and time of the capture.
func nearCapture(t *testing.T, c *Context) (*Report, *Evidence, []byte, time.Time) {
	t.Helper()
	const dir = "providers/nearai_direct_ed25519_tls/"
	rep, ev, nonce, at := loadCapture(t, c, dir, "attestation_report.json",
		"nearai")
	meta := fixtureJSON(t, dir+"attestation_report.http_meta.json")
	spki, err := base64.StdEncoding.DecodeString(meta["peer_spki_der_base64"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.Set(EvidenceTLSSPKI, 0, spki); err != nil {
		t.Fatal(err)
	}
	col, err := c.LoadCollateralDir(filepath.Join(fixtures(t), dir+"intel_pcs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := ev.AddCollateral(col); err != nil {
		t.Fatal(err)
	}
	col.Close() // the evidence holds its own reference
	if err := ev.Set(EvidenceNRASResponse, 0, fixture(t, dir+"nras_response.json")); err != nil {
		t.Fatal(err)
	}
	in, err := ev.GPUInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := in.Add(GPUItemJWKS, "", fixture(t, dir+"nras_jwks.json")); err != nil {
		t.Fatal(err)
	}
	return rep, ev, nonce, at
}

func TestNEARCaptureOffline(t *testing.T) {
	c := newCtx(t, nil)
	rep, ev, nonce, at := nearCapture(t, c)
	pol := policyAt(t, c, at)
	r, err := c.VerifyReport(context.Background(), rep, ev, pol, nonce)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// As the C conformance test: no failed and no required-but-skipped check.
	if f := r.Failures(); len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
	mustVerdict(t, r, VerdictVerified)
	for _, name := range []string{"entry[0].binding.report_data", "entry[0].binding.tls",
		"entry[0].eventlog.replay", "entry[0].compose.hash", "entry[0].tdx.status"} {
		if o := outcome(t, r, name); o != "pass" {
			t.Errorf("%s: %s", name, o)
		}
	}
	exp := fixtureJSON(t, "providers/nearai_direct_ed25519_tls/expected.json")
	want := exp["top_level"].(map[string]interface{})["signing_address"].(string)
	if s, algo, err := r.VerifiedSigner(); err != nil || s != want || algo != "ed25519" {
		t.Fatalf("VerifiedSigner = %q %q %v, want %s", s, algo, err, want)
	}
	if v, ok := r.Fact("signer"); !ok || v != want {
		t.Errorf("fact signer = %q", v)
	}

	// Replayed against another nonce: not fresh, failed, facts unverified.
	other := make([]byte, 32)
	r2, err := c.VerifyReport(context.Background(), rep, ev, pol, other)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	mustVerdict(t, r2, VerdictFailed)
	if _, ok := r2.Fact("signer"); ok {
		t.Error("a replayed report's signer is offered as a fact")
	}
	if _, ok := r2.Fact("unverified.signer"); !ok {
		t.Error("the unverified signer is missing from the diagnostics")
	}
	// Nonce of the wrong length: an error, not a verdict.
	if _, err := c.VerifyReport(context.Background(), rep, ev, pol, other[:31]); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("31-byte nonce: %v", err)
	}
}

// The fixture's TCB Info and QE Identity carry tcbEvaluationDataNumber 17:
// a minimum of 17 passes, 18 fails check tdx.tcb_eval_number.
func TestQuoteMinTcbEval(t *testing.T) {
	c := newCtx(t, nil)
	const dir = "tdx/dcapqvl_near_v4_uptodate/"
	exp := fixtureJSON(t, dir+"expected.json")
	at := time.Unix(int64(exp["verify_at_unix"].(float64)), 0)
	quote := fixture(t, dir+"quote.bin")
	col, err := c.LoadCollateralDir(filepath.Join(fixtures(t), dir))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	for _, tc := range []struct {
		min  uint32
		want Verdict
	}{{17, VerdictVerified}, {18, VerdictFailed}} {
		p := policyAt(t, c, at)
		if err := p.SetMinTcbEval(tc.min); err != nil {
			t.Fatal(err)
		}
		r, err := c.VerifyQuote(quote, col, p)
		if err != nil {
			t.Fatal(err)
		}
		mustVerdict(t, r, tc.want)
		if ch, ok := r.Check("tdx.tcb_eval_number"); !ok ||
			(tc.want == VerdictVerified) != (ch.Outcome == OutcomePass) {
			t.Errorf("min %d: tdx.tcb_eval_number %+v", tc.min, ch)
		}
		r.Close()
	}
}

func TestQuoteFromFixtures(t *testing.T) {
	c := newCtx(t, nil)
	const dir = "tdx/dcapqvl_near_v4_uptodate/"
	exp := fixtureJSON(t, dir+"expected.json")
	at := time.Unix(int64(exp["verify_at_unix"].(float64)), 0)
	quote := fixture(t, dir+"quote.bin")
	col, err := c.LoadCollateralDir(filepath.Join(fixtures(t), dir))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if col.Expiry().IsZero() {
		t.Error("collateral without expiry")
	}
	r, err := c.VerifyQuote(quote, col, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mustVerdict(t, r, VerdictVerified)
	if v, _ := r.Fact("tdx.status"); v != TDXUpToDate.String() {
		t.Errorf("tdx.status %q", v)
	}
	// The same collateral as dcap-qvl JSON.
	col2, err := c.ParseCollateralJSON(fixture(t, dir+"collateral.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer col2.Close()
	r2, err := c.VerifyQuote(quote, col2, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	mustVerdict(t, r2, VerdictVerified)
	// A flipped byte in the signed body; and the collateral's time window.
	bad := append([]byte(nil), quote...)
	bad[200] ^= 1
	r3, err := c.VerifyQuote(bad, col, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	mustVerdict(t, r3, VerdictFailed)
	r4, err := c.VerifyQuote(quote, col, policyAt(t, c, at.AddDate(1, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer r4.Close()
	mustVerdict(t, r4, VerdictFailed)
	// Save and load again.
	out := t.TempDir()
	if err := col.SaveDir(out); err != nil {
		t.Fatal(err)
	}
	col3, err := c.LoadCollateralDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer col3.Close()
	r5, err := c.VerifyQuote(quote, col3, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r5.Close()
	mustVerdict(t, r5, VerdictVerified)
}

func TestGPUFromFixtures(t *testing.T) {
	c := newCtx(t, nil)
	if !HasFeature(FeatureRIMXML) {
		cannotRun(t, "the library was built without libxml2 (RIM verification)")
	}
	const dir = "nvidia/h100_550.90.07_full/"
	exp := fixtureJSON(t, dir+"expected.json")
	nonce := unhex(t, exp["expected_nonce"].(string))
	at, _ := time.Parse(time.RFC3339, exp["verify_at"].(string))
	in, err := c.NewGPUInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := in.Add(GPUItemRIM, "NV_GPU_DRIVER_GH100_550.90.07", fixture(t, dir+"driver_rim.xml")); err != nil {
		t.Fatal(err)
	}
	if err := in.Add(GPUItemRIM, "NV_GPU_VBIOS_1010_0200_882_96009F0001", fixture(t, dir+"vbios_rim.xml")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"rim_driver_l4_signer", "rim_vbios_l4_signer",
		"rim_l3_reference_value_gh100_002", "rim_l2_reference_value_gh100_ca"} {
		if err := in.Add(GPUItemOCSP, "", fixture(t, dir+"ocsp/"+f+".der")); err != nil {
			t.Fatal(err)
		}
	}
	if in.Count(GPUItemRIM) != 2 || in.Count(GPUItemOCSP) != 4 {
		t.Fatalf("counts %d %d", in.Count(GPUItemRIM), in.Count(GPUItemOCSP))
	}
	if id, data, err := in.Item(GPUItemRIM, 0); err != nil || id == "" || len(data) == 0 {
		t.Fatalf("Item: %q %d %v", id, len(data), err)
	}
	payload := fixture(t, dir+"nvidia_payload.json")
	r, err := c.VerifyGPU(context.Background(), payload, nonce, in, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mustVerdict(t, r, VerdictVerified)
	for _, name := range []string{"gpu[0].spdm.signature", "gpu[0].fwid",
		"gpu[0].rim.driver.measurements", "gpu[0].rim.vbios.measurements"} {
		if o := outcome(t, r, name); o != "pass" {
			t.Errorf("%s: %s", name, o)
		}
	}
	if v, _ := r.Fact("gpu.measurements"); v != "rim" {
		t.Errorf("gpu.measurements = %q", v)
	}
	// Another nonce: the GPU did not sign it.
	r2, err := c.VerifyGPU(context.Background(), payload, make([]byte, 32), in, policyAt(t, c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	mustVerdict(t, r2, VerdictFailed)
	if o := outcome(t, r2, "gpu[0].nonce"); o != "fail" {
		t.Errorf("gpu[0].nonce: %s", o)
	}
}

// Version 2 items: kept byte for byte, counted per kind, version 2 once
// any is held; a document that is not a JSON object is refused.
func TestBundleItems(t *testing.T) {
	c := newCtx(t, nil)
	b, err := c.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v := b.Version(); v != 1 {
		t.Fatalf("Version of an empty bundle: %d", v)
	}
	receipt := []byte(`{"api_version": "aci/1"}`)
	if err := b.AddItem(BundleACIReceipt, receipt); err != nil {
		t.Fatal(err)
	}
	if err := b.AddItem(BundleACISession, []byte(`[1]`)); !errors.Is(err, ErrJSON) {
		t.Errorf("a session that is an array: %v", err)
	}
	if err := b.AddItem(BundleItemKind(9), receipt); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("an unknown kind: %v", err)
	}
	got, err := b.Items(BundleACIReceipt)
	if err != nil || len(got) != 1 || string(got[0]) != string(receipt) {
		t.Fatalf("Items: %q %v", got, err)
	}
	if s, err := b.Items(BundleACISession); err != nil || len(s) != 0 {
		t.Errorf("sessions: %q %v", s, err)
	}
	if v := b.Version(); v != 2 {
		t.Errorf("Version with a receipt: %d", v)
	}
}

func TestBundleRoundTrip(t *testing.T) {
	c := newCtx(t, nil)
	rep, ev, nonce, at := nearCapture(t, c)
	b, err := c.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, err := range []error{b.SetReport(rep), b.SetEvidence(ev), b.SetNonce(nonce),
		b.SetTime(at), b.SetModel("Qwen/Qwen3.5-122B-A10B")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	doc, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c.ParseBundle(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if got, _ := b2.Nonce(); string(got) != string(nonce) || b2.Time().Unix() != at.Unix() ||
		b2.Model() != "Qwen/Qwen3.5-122B-A10B" {
		t.Fatalf("bundle fields: %x %v %q", got, b2.Time(), b2.Model())
	}
	r, err := b2.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if f := r.Failures(); len(f) != 0 {
		t.Fatalf("failures: %v", f)
	}
	mustVerdict(t, r, VerdictVerified)
	rb := b2.Report()
	if rb == nil || rb.Dialect() != "nearai" {
		t.Fatal("bundle report")
	}
	rb.Close()
	if _, _, err := b2.Exchange(); !errors.Is(err, ErrNotFound) {
		t.Errorf("Exchange of a bundle without one: %v", err)
	}

	// The same bundle with another nonce: not fresh.
	b3, err := c.ParseBundle(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer b3.Close()
	if err := b3.SetNonce(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	r3, err := b3.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	mustVerdict(t, r3, VerdictFailed)

	// A signature record without an exchange fails bundle.response.
	sig, _, _, _ := signatureCase(t, c, "nearai_cloud_2025_stream")
	if err := b3.SetNonce(nonce); err != nil {
		t.Fatal(err)
	}
	if err := b3.SetSignature(sig); err != nil {
		t.Fatal(err)
	}
	r4, err := b3.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r4.Close()
	mustVerdict(t, r4, VerdictFailed)
	if o := outcome(t, r4, "bundle.response"); o != "fail" && o != "skip" {
		t.Errorf("bundle.response: %s", o)
	}
	if _, err := c.ParseBundle([]byte(`{"version": 99}`)); err == nil {
		t.Error("a bundle of version 99 parsed")
	}
}
