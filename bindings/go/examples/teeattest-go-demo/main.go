// SPDX-License-Identifier: Apache-2.0

// teeattest-go-demo shows the Go binding end to end:
//
//  1. verify a saved response signature against a pinned signer (and see a
//     tampered answer rejected);
//  2. verify the saved NEAR AI attestation capture offline, at its
//     recorded time;
//  3. attest a provider with a fresh nonce and chat with it, checking the
//     streamed answer's signature against the attested signer.
//
// Steps 1 and 2 read ../shared/fixtures (-fixtures); step 3 runs when
// -base-url is given, e.g. against teeattest-sim:
//
//	teeattest-sim --http 8080 --no-gpu --tdx-root-out /tmp/root.der &
//	teeattest-go-demo -fixtures ../shared/fixtures \
//	    -base-url http://127.0.0.1:8080 -pccs http://127.0.0.1:8080 \
//	    -test-root /tmp/root.der -no-gpu
//
// Exit status 0 when every step gave the expected answer, 1 otherwise.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"teeattest.dev/go/teeattest"
)

func main() {
	fixtures := flag.String("fixtures", "", "the shared fixtures directory")
	baseURL := flag.String("base-url", "", "provider base URL (step 3)")
	dialect := flag.String("provider", "redpill", "provider dialect (step 3)")
	model := flag.String("model", "m", "model (step 3)")
	pccs := flag.String("pccs", "", "PCS/PCCS base URL for TDX collateral (step 3)")
	testRoot := flag.String("test-root", "", "FOR TESTS: a DER root replacing Intel's (the simulator's)")
	noGPU := flag.Bool("no-gpu", false, "do not require GPU evidence (a CPU-only TEE)")
	timeout := flag.Duration("timeout", 60*time.Second, "bound for step 3")
	flag.Parse()

	ctx, err := teeattest.NewContext(nil)
	if err != nil {
		fail(err)
	}
	defer ctx.Close()
	ok := true
	if *fixtures != "" {
		ok = savedSignature(ctx, *fixtures) && ok
		ok = nearOffline(ctx, *fixtures) && ok
	}
	if *baseURL != "" {
		c, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		ok = attestAndChat(c, ctx, *dialect, *baseURL, *model, *pccs, *testRoot, *noGPU) && ok
	}
	if !ok {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "teeattest-go-demo:", err)
	os.Exit(2)
}

func read(dir, rel string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		fail(err)
	}
	return b
}

func report(what string, r *teeattest.Result, want teeattest.Verdict) bool {
	fmt.Printf("%s: %s", what, r.Verdict())
	if f := r.Failures(); len(f) > 0 {
		fmt.Printf(" (failed: %v)", f)
	}
	fmt.Println()
	return r.Verdict() == want
}

// Step 1: a real NEAR AI response signature, the signer pinned.
func savedSignature(ctx *teeattest.Context, fixtures string) bool {
	const dir = "providers/real_signatures/nearai_cloud_2025_stream/"
	var exp struct {
		Signer string `json:"recovered_address_lowercase"`
	}
	if err := json.Unmarshal(read(fixtures, dir+"expected.json"), &exp); err != nil {
		fail(err)
	}
	sig, err := ctx.ParseSignature(read(fixtures, dir+"signature_response.json"))
	if err != nil {
		fail(err)
	}
	defer sig.Close()
	req, resp := read(fixtures, dir+"request_body.json"), read(fixtures, dir+"response_body.sse")
	r, err := sig.Verify(nil, exp.Signer, req, resp)
	if err != nil {
		fail(err)
	}
	defer r.Close()
	ok := report("saved signature, pinned signer "+exp.Signer, r, teeattest.VerdictVerified)
	tampered := bytes.Replace(resp, []byte("content"), []byte("Content"), 1)
	r2, err := sig.Verify(nil, exp.Signer, req, tampered)
	if err != nil {
		fail(err)
	}
	defer r2.Close()
	return report("saved signature, tampered answer", r2, teeattest.VerdictFailed) && ok
}

// Step 2: the NEAR AI capture, offline, at its recorded time.
func nearOffline(ctx *teeattest.Context, fixtures string) bool {
	const dir = "providers/nearai_direct_ed25519_tls/"
	var m struct {
		Nonce      string `json:"nonce_hex"`
		CapturedAt string `json:"captured_at"`
	}
	var meta struct {
		SPKI string `json:"peer_spki_der_base64"`
	}
	if json.Unmarshal(read(fixtures, dir+"capture_manifest.json"), &m) != nil ||
		json.Unmarshal(read(fixtures, dir+"attestation_report.http_meta.json"), &meta) != nil {
		fail(fmt.Errorf("%s: malformed capture", dir))
	}
	nonce, err1 := hex.DecodeString(m.Nonce)
	at, err2 := time.Parse(time.RFC3339Nano, m.CapturedAt)
	spki, err3 := base64.StdEncoding.DecodeString(meta.SPKI)
	if err1 != nil || err2 != nil || err3 != nil {
		fail(fmt.Errorf("%s: malformed capture", dir))
	}
	rep, err := ctx.ParseReport("nearai", read(fixtures, dir+"attestation_report.json"))
	if err != nil {
		fail(err)
	}
	defer rep.Close()
	ev, err := ctx.NewEvidence()
	if err != nil {
		fail(err)
	}
	defer ev.Close()
	col, err := ctx.LoadCollateralDir(filepath.Join(fixtures, dir, "intel_pcs"))
	if err != nil {
		fail(err)
	}
	defer col.Close()
	in, err := ev.GPUInputs()
	if err != nil {
		fail(err)
	}
	defer in.Close()
	for _, err := range []error{
		ev.AddCollateral(col),
		ev.Set(teeattest.EvidenceTLSSPKI, 0, spki),
		ev.Set(teeattest.EvidenceNRASResponse, 0, read(fixtures, dir+"nras_response.json")),
		in.Add(teeattest.GPUItemJWKS, "", read(fixtures, dir+"nras_jwks.json")),
	} {
		if err != nil {
			fail(err)
		}
	}
	pol, err := ctx.NewPolicy()
	if err != nil {
		fail(err)
	}
	defer pol.Close()
	if err := pol.SetTime(at); err != nil {
		fail(err)
	}
	r, err := ctx.VerifyReport(context.Background(), rep, ev, pol, nonce)
	if err != nil {
		fail(err)
	}
	defer r.Close()
	ok := report("NEAR AI capture offline at "+m.CapturedAt, r, teeattest.VerdictVerified)
	if signer, algo, err := r.VerifiedSigner(); err == nil {
		fmt.Printf("  attested signer: %s (%s)\n", signer, algo)
	} else {
		ok = false
	}
	return ok
}

// Step 3: attest with a fresh nonce, chat (streamed), verify the answer.
func attestAndChat(c context.Context, ctx *teeattest.Context, dialect, baseURL, model, pccs, testRoot string, noGPU bool) bool {
	p, err := ctx.NewProvider(dialect)
	if err != nil {
		fail(err)
	}
	defer p.Close()
	if err := p.SetBaseURL(baseURL); err != nil {
		fail(err)
	}
	if err := p.SetModel(model); err != nil {
		fail(err)
	}
	if env := teeattest.DialectAPIKeyEnv(dialect); env != "" && os.Getenv(env) != "" {
		if err := p.SetAPIKey(os.Getenv(env)); err != nil {
			fail(err)
		}
	}
	pol, err := ctx.NewPolicy()
	if err != nil {
		fail(err)
	}
	defer pol.Close()
	if testRoot != "" {
		if err := pol.SetTDXRoot(read("", testRoot)); err != nil {
			fail(err)
		}
	}
	if err := pol.SetRequireGPU(!noGPU); err != nil {
		fail(err)
	}
	a, err := p.Attest(c, &teeattest.AttestOptions{Policy: pol, PCCSURL: pccs})
	if err != nil {
		fail(err)
	}
	defer a.Close()
	ok := report("attestation of "+baseURL, a.Result, teeattest.VerdictVerified)
	if !ok {
		return false
	}
	body := fmt.Sprintf(`{"model":%q,"stream":true,"messages":[{"role":"user","content":"Hello"}]}`, model)
	st, err := p.ChatStream(c, []byte(body))
	if err != nil {
		fail(err)
	}
	defer st.Close()
	n := 0
	for st.Next() {
		n++
	}
	if err := st.Err(); err != nil {
		fail(err)
	}
	x := st.Exchange()
	defer x.Close()
	fmt.Printf("chat: %d events, %d bytes\n", n, len(x.Response()))
	sig, err := p.FetchSignature(c, x, "")
	if err != nil {
		fail(err)
	}
	defer sig.Close()
	r, err := x.VerifyAttested(sig, nil, a.Result)
	if err != nil {
		fail(err)
	}
	defer r.Close()
	return report("chat signature against the attested signer", r, teeattest.VerdictVerified)
}
