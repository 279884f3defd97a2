// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

const streamBody = `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
const plainBody = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

// simProvider is a provider pointed at the simulator with a policy that
// trusts its TEST root and expects no GPU (--no-gpu).
func simProvider(t *testing.T, c *Context, s *sim) (*Provider, *Policy) {
	t.Helper()
	p, err := c.NewProvider("redpill")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.SetBaseURL(s.url); err != nil {
		t.Fatal(err)
	}
	if err := p.SetModel("m"); err != nil {
		t.Fatal(err)
	}
	pol := policyAt(t, c, time.Time{})
	if err := pol.SetTDXRoot(s.root); err != nil {
		t.Fatal(err)
	}
	if err := pol.SetRequireGPU(false); err != nil {
		t.Fatal(err)
	}
	return p, pol
}

func attest(t *testing.T, p *Provider, pol *Policy, s *sim) *Attestation {
	t.Helper()
	a, err := p.Attest(context.Background(), &AttestOptions{Policy: pol, PCCSURL: s.url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Attest and a streamed chat against the simulator, the answer's signature
// checked against the attested signer; a tampered answer rejected.
func TestSimAttestAndStreamedChat(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu", "--events", "5")
	for _, builtin := range []bool{false, true} {
		name := "go-transport"
		if builtin {
			name = "builtin-transport"
			if !HasFeature(FeatureCurlTransport) {
				cannotRun(t, "the library has no libcurl transport")
			}
		}
		t.Run(name, func(t *testing.T) {
			c := newCtx(t, &Options{BuiltinTransport: builtin})
			p, pol := simProvider(t, c, s)
			a := attest(t, p, pol, s)
			mustVerdict(t, a.Result, VerdictVerified)
			if o := outcome(t, a.Result, "entry[0].tdx.root_override"); o != "warn" {
				t.Errorf("tdx.root_override: %s", o)
			}
			signer, algo, err := a.Result.VerifiedSigner()
			if err != nil || !strings.HasPrefix(signer, "0x") || algo != "ecdsa" {
				t.Fatalf("VerifiedSigner = %q %q %v", signer, algo, err)
			}
			nonce, err := a.Report.Nonce()
			if err != nil || len(nonce) != NonceSize || bytes.Equal(nonce, make([]byte, NonceSize)) {
				t.Fatalf("nonce %x %v", nonce, err)
			}

			st, err := p.ChatStream(context.Background(), []byte(streamBody))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var events []ChatEvent
			for st.Next() {
				events = append(events, st.Event())
			}
			if err := st.Err(); err != nil {
				t.Fatal(err)
			}
			// 5 content chunks, the finish chunk, [DONE].
			if len(events) != 7 || string(events[6].Data) != "[DONE]" {
				t.Fatalf("%d events: %q", len(events), events)
			}
			x := st.Exchange()
			if x == nil {
				t.Fatal("no exchange")
			}
			defer x.Close()
			if x.Status() != 200 || !bytes.Equal(x.Request(), []byte(streamBody)) ||
				!strings.HasSuffix(string(x.Response()), "data: [DONE]\n\n") {
				t.Fatalf("exchange %d %q", x.Status(), x.Response())
			}
			sig, err := p.FetchSignature(context.Background(), x, "")
			if err != nil {
				t.Fatal(err)
			}
			defer sig.Close()
			r, err := x.VerifyAttested(sig, nil, a.Result)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			mustVerdict(t, r, VerdictVerified)
			if o := outcome(t, r, "signature.attestation"); o != "pass" {
				t.Errorf("signature.attestation: %s", o)
			}
			// The same signature, bytes not as received: rejected.
			bad := bytes.Replace(x.Response(), []byte("data: "), []byte("data:  "), 1)
			r2, err := sig.VerifyAttested(nil, a.Result, x.Request(), bad)
			if err != nil {
				t.Fatal(err)
			}
			defer r2.Close()
			mustVerdict(t, r2, VerdictFailed)
		})
	}
}

func TestSimTamperedAnswer(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, nil)
	p, pol := simProvider(t, c, s)
	a := attest(t, p, pol, s)
	mustVerdict(t, a.Result, VerdictVerified)
	signer, _, err := a.Result.VerifiedSigner()
	if err != nil {
		t.Fatal(err)
	}
	s.control(t, `{"tamper_response": true}`)
	var mu sync.Mutex
	var seen int
	x, err := p.Chat(context.Background(), []byte(plainBody), &ChatOptions{
		OnEvent: func(event string, data []byte) bool {
			mu.Lock()
			seen++
			mu.Unlock()
			return true
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if seen != 1 {
		t.Errorf("non-stream chat delivered %d events", seen)
	}
	sig, err := p.FetchSignature(context.Background(), x, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sig.Close()
	for _, verify := range []func() (*Result, error){
		func() (*Result, error) { return x.Verify(sig, nil, signer) },
		func() (*Result, error) { return x.VerifyAttested(sig, nil, a.Result) },
	} {
		r, err := verify()
		if err != nil {
			t.Fatal(err)
		}
		mustVerdict(t, r, VerdictFailed)
		if o := outcome(t, r, "signature.hash.response"); o != "fail" {
			t.Errorf("signature.hash.response: %s", o)
		}
		r.Close()
	}
	// A stream with a tampered byte as well.
	st, err := p.ChatStream(context.Background(), []byte(streamBody))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for st.Next() {
	}
	if st.Err() != nil {
		t.Fatal(st.Err())
	}
	xs := st.Exchange()
	defer xs.Close()
	sig2, err := p.FetchSignature(context.Background(), xs, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sig2.Close()
	r, err := xs.VerifyAttested(sig2, nil, a.Result)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mustVerdict(t, r, VerdictFailed)
}

// Cancelling the context aborts a fetch whose answer never comes
// (first_byte_never): deterministic, the server would wait forever. The
// test cancels once the request is on the wire (an httptrace hook on the
// call's context, which the Go transport uses for the exchange).
func TestSimCancelFetch(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	rec := &recordingTransport{next: &HTTPTransport{}}
	c := newCtx(t, &Options{Transport: rec})
	p, _ := simProvider(t, c, s)
	s.control(t, `{"first_byte_never": true}`)
	wrote := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(httptrace.WithClientTrace(context.Background(),
		&httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
			once.Do(func() { close(wrote) })
		}}))
	done := make(chan error, 1)
	go func() {
		_, err := p.FetchReport(ctx, nil, "")
		done <- err
	}()
	<-wrote
	cancel()
	err := <-done
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("FetchReport after cancel: %v", err)
	}
	// Cancelled once, never retried.
	rec.mu.Lock()
	n := len(rec.reqs)
	rec.mu.Unlock()
	if n != 1 {
		t.Errorf("%d attempts", n)
	}
}

// A context deadline bounds a fetch that would never end, as ErrTimeout.
func TestSimDeadline(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, nil)
	p, _ := simProvider(t, c, s)
	s.control(t, `{"first_byte_never": true}`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := p.FetchReport(ctx, nil, "")
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FetchReport past its deadline: %v", err)
	}
}

// A stream that stalls forever halfway: cancelling ends it, after the
// events that did arrive, with ErrCancelled; Close of a stalled stream
// returns too.
func TestSimCancelStalledStream(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu", "--events", "6")
	c := newCtx(t, nil)
	p, _ := simProvider(t, c, s)
	s.control(t, `{"stall_forever": true}`)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := p.ChatStream(ctx, []byte(streamBody))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Next() {
		t.Fatalf("no first event: %v", st.Err())
	}
	cancel()
	for st.Next() {
	}
	if err := st.Err(); !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("stream after cancel: %v", err)
	}
	if st.Exchange() != nil {
		t.Error("a cancelled stream has an exchange")
	}
	// Close alone (no context cancel) also ends a stalled stream.
	st2, err := p.ChatStream(context.Background(), []byte(streamBody))
	if err != nil {
		t.Fatal(err)
	}
	if !st2.Next() {
		t.Fatalf("no first event: %v", st2.Err())
	}
	st2.Close()
	st2.Close()
	if st2.Next() || st2.Err() == nil {
		t.Fatalf("closed stream: %v", st2.Err())
	}
}

type panicTransport struct{}

func (panicTransport) Do(context.Context, *Request, *Response) error {
	panic("transport exploded")
}

type recordingTransport struct {
	mu   sync.Mutex
	reqs []*Request
	next Transport
}

func (r *recordingTransport) Do(ctx context.Context, req *Request, resp *Response) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.next.Do(ctx, req, resp)
}

type errTransport struct{ err error }

func (e errTransport) Do(context.Context, *Request, *Response) error { return e.err }

// Custom Go transports: one that panics fails the call (ErrUser) without
// crashing; one that wraps HTTPTransport sees the exact requests; errors
// keep their status.
func TestCustomTransport(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, &Options{Transport: panicTransport{}})
	p, _ := simProvider(t, c, s)
	_, err := p.FetchReport(context.Background(), nil, "")
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusUser || !strings.Contains(e.Message, "transport exploded") {
		t.Fatalf("panicking transport: %#v", err)
	}
	// The context still works afterwards.
	_, err = p.Chat(context.Background(), []byte(plainBody), nil)
	if !errors.Is(err, ErrUser) {
		t.Fatalf("second call: %v", err)
	}

	rec := &recordingTransport{next: &HTTPTransport{}}
	c2 := newCtx(t, &Options{Transport: rec})
	p2, pol := simProvider(t, c2, s)
	a := attest(t, p2, pol, s)
	mustVerdict(t, a.Result, VerdictVerified)
	x, err := p2.Chat(context.Background(), []byte(plainBody), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rec.mu.Lock()
	var chat *Request
	for _, r := range rec.reqs {
		if r.Method == "POST" && strings.HasSuffix(r.URL, "/v1/chat/completions") {
			chat = r
		}
	}
	rec.mu.Unlock()
	if chat == nil || !bytes.Equal(chat.Body, []byte(plainBody)) {
		t.Fatalf("the transport did not see the chat body: %+v", chat)
	}

	for _, tc := range []struct {
		err  error
		want *Error
	}{
		{&Error{Status: StatusTLS, Message: "bad cert"}, ErrTLS},
		{errors.New("connection refused"), ErrTransport},
		{context.DeadlineExceeded, ErrTimeout},
	} {
		c3 := newCtx(t, &Options{Transport: errTransport{tc.err}})
		p3, _ := simProvider(t, c3, s)
		if err := p3.SetOption("max_retries", "0"); err != nil {
			t.Fatal(err)
		}
		_, err := p3.FetchReport(context.Background(), nil, "")
		if !errors.Is(err, tc.want) {
			t.Errorf("transport error %v: got %v, want %v", tc.err, err, tc.want)
		}
	}
}

// Over HTTPS the Go transport trusts the CA file it is given, reports the
// server's key (so the report's TLS binding verifies, required by the
// policy) and enforces a pinned key.
func TestSimHTTPS(t *testing.T) {
	s := startSimOpts(t, true, "--seed", "3", "--no-gpu")
	for _, builtin := range []bool{false, true} {
		if builtin && !HasFeature(FeatureCurlTransport) {
			cannotRun(t, "the library has no libcurl transport")
		}
		c := newCtx(t, &Options{BuiltinTransport: builtin})
		p, err := c.NewProvider("nearai")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for _, err := range []error{p.SetBaseURL(s.httpsURL), p.SetModel("m"),
			p.SetOption("ca_file", s.cert)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		pol := policyAt(t, c, time.Time{})
		for _, err := range []error{pol.SetTDXRoot(s.root), pol.SetRequireGPU(false),
			pol.SetRequireTLSBinding(true)} {
			if err != nil {
				t.Fatal(err)
			}
		}
		a := attest(t, p, pol, s)
		mustVerdict(t, a.Result, VerdictVerified)
		if o := outcome(t, a.Result, "entry[0].binding.tls"); o != "pass" {
			t.Fatalf("builtin=%v: binding.tls %s", builtin, o)
		}
		spki, err := a.Report.TLSSPKI()
		if err != nil || len(spki) < 60 {
			t.Fatalf("TLSSPKI: %d %v", len(spki), err)
		}
		// A pin of another key: the TLS handshake is refused.
		if err := p.SetOption("pinned_key", "sha256//"+strings.Repeat("A", 43)+"="); err != nil {
			t.Fatal(err)
		}
		if _, err := p.FetchReport(context.Background(), nil, ""); !errors.Is(err, ErrTLS) {
			t.Fatalf("builtin=%v: wrong pin: %v", builtin, err)
		}
	}
	// Without the CA file the self-signed certificate is not trusted.
	c := newCtx(t, nil)
	p, err := c.NewProvider("nearai")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetBaseURL(s.httpsURL); err != nil {
		t.Fatal(err)
	}
	if _, err := p.FetchReport(context.Background(), nil, ""); !errors.Is(err, ErrTLS) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

// The library's waits (here the signature poll while the simulator has
// not stored the record) go through the context's sleep with the call's
// context: a cancel during the wait ends the call without another request.
func TestSimCancelDuringPoll(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sleeps int
	rec := &recordingTransport{next: &HTTPTransport{}}
	c := newCtx(t, &Options{Transport: rec, Sleep: func(callCtx context.Context, d time.Duration) {
		sleeps++
		if callCtx != ctx {
			t.Errorf("the sleep did not get the call's context")
		}
		cancel()
	}})
	p, _ := simProvider(t, c, s)
	s.control(t, `{"signature_delay_polls": 1000}`)
	x, err := p.Chat(context.Background(), []byte(plainBody), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rec.mu.Lock()
	before := len(rec.reqs)
	rec.mu.Unlock()
	_, err = p.FetchSignature(ctx, x, "")
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("FetchSignature cancelled while polling: %v", err)
	}
	rec.mu.Lock()
	n := len(rec.reqs) - before
	rec.mu.Unlock()
	if sleeps != 1 || n != 1 {
		t.Errorf("%d sleeps, %d signature requests; want 1 and 1", sleeps, n)
	}
}

// Options.Deadline bounds the built-in libcurl transport too (the context
// of a call cannot cancel it).
func TestSimContextDeadlineOption(t *testing.T) {
	if !HasFeature(FeatureCurlTransport) {
		cannotRun(t, "the library has no libcurl transport")
	}
	s := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, &Options{BuiltinTransport: true, Deadline: time.Now().Add(300 * time.Millisecond)})
	p, _ := simProvider(t, c, s)
	s.control(t, `{"first_byte_never": true}`)
	_, err := p.FetchReport(context.Background(), nil, "")
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusTimeout || !strings.Contains(e.Message, "deadline") {
		t.Fatalf("FetchReport past the context's deadline: %#v", err)
	}
}

// Options.MemoEntries / MemoBytes reach teeattest_ctx_options: off, tiny
// and default bounds all verify the same attestation twice.
func TestSimMemoOptions(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	for _, o := range []Options{{MemoEntries: MemoOff}, {MemoBytes: MemoOff},
		{MemoEntries: 1, MemoBytes: 1}, {}} {
		o := o
		c := newCtx(t, &o)
		p, pol := simProvider(t, c, s)
		for i := 0; i < 2; i++ {
			mustVerdict(t, attest(t, p, pol, s).Result, VerdictVerified)
		}
	}
}

// A live attestation and signed chat saved as a bundle verify again from
// the bundle alone; the same bundle with a changed answer does not.
func TestSimBundleWithExchange(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, nil)
	p, pol := simProvider(t, c, s)
	a := attest(t, p, pol, s)
	mustVerdict(t, a.Result, VerdictVerified)
	x, err := p.Chat(context.Background(), []byte(plainBody), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sig, err := p.FetchSignature(context.Background(), x, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sig.Close()
	b, err := c.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, err := range []error{b.SetReport(a.Report), b.SetEvidence(a.Evidence),
		b.SetExchange(x.Request(), x.Response()), b.SetSignature(sig), b.SetModel("m")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	doc, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	// Offline: another context, no transport needed.
	c2 := newCtx(t, &Options{BuiltinTransport: true})
	pol2 := policyAt(t, c2, time.Time{})
	if err := pol2.SetTDXRoot(s.root); err != nil {
		t.Fatal(err)
	}
	if err := pol2.SetRequireGPU(false); err != nil {
		t.Fatal(err)
	}
	verify := func(doc []byte) *Result {
		t.Helper()
		b2, err := c2.ParseBundle(doc)
		if err != nil {
			t.Fatal(err)
		}
		defer b2.Close()
		r, err := b2.Verify(context.Background(), pol2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	r := verify(doc)
	mustVerdict(t, r, VerdictVerified)
	if o := outcome(t, r, "response.signature.attestation"); o != "pass" {
		t.Errorf("response.signature.attestation: %s", o)
	}
	b3, err := c2.ParseBundle(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer b3.Close()
	req, resp, err := b3.Exchange()
	if err != nil || !bytes.Equal(resp, x.Response()) {
		t.Fatalf("bundle exchange: %v", err)
	}
	bad := bytes.Replace(resp, []byte(`"content":"`), []byte(`"content":"X`), 1)
	if err := b3.SetExchange(req, bad); err != nil {
		t.Fatal(err)
	}
	doc3, err := b3.JSON()
	if err != nil {
		t.Fatal(err)
	}
	mustVerdict(t, verify(doc3), VerdictFailed)
}

// Calls on one shared Context each get their own context.Context: one
// stalled and then cancelled does not disturb another running meanwhile.
func TestSimConcurrentCallsOwnContexts(t *testing.T) {
	stalled := startSim(t, "--seed", "3", "--no-gpu")
	live := startSim(t, "--seed", "3", "--no-gpu")
	c := newCtx(t, nil)
	pStalled, _ := simProvider(t, c, stalled)
	pLive, pol := simProvider(t, c, live)
	stalled.control(t, `{"first_byte_never": true}`)
	// No timeout of its own may end the stalled call: only the cancel.
	if err := pStalled.SetTimeouts(0, time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan struct{})
	var once sync.Once
	ctx, cancel := context.WithCancel(httptrace.WithClientTrace(context.Background(),
		&httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
			once.Do(func() { close(wrote) })
		}}))
	done := make(chan error, 1)
	go func() {
		_, err := pStalled.FetchReport(ctx, nil, "")
		done <- err
	}()
	<-wrote
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := pLive.Attest(context.Background(), &AttestOptions{Policy: pol, PCCSURL: live.url})
			if err != nil {
				t.Error(err)
				return
			}
			defer a.Close()
			if !a.Result.Verified() {
				t.Errorf("concurrent attest: %v", a.Result.Failures())
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-done:
		t.Fatalf("the stalled call ended early: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("stalled call: %v", err)
	}
}

// io.net sends the signature in response headers (non-stream) or an SSE
// event (stream): through the Go transport both reach the library, and the
// record names and recovers to the report's signer. (io.net signs a
// canonical re-serialization, not the wire bytes: checking its hashes is
// the caller's business, docs/simulator.md.)
func TestSimIonetSignatureInAnswer(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu", "--dialect", "ionet")
	c := newCtx(t, nil)
	p, err := c.NewProvider("ionet")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.SetBaseURL(s.url); err != nil {
		t.Fatal(err)
	}
	if err := p.SetModel("m"); err != nil {
		t.Fatal(err)
	}
	rep, err := p.FetchReport(context.Background(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	addr, err := rep.Entry(0, EntrySigningAddress)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{plainBody, streamBody} {
		x, err := p.Chat(context.Background(), []byte(body), &ChatOptions{Stream: body == streamBody})
		if err != nil {
			t.Fatal(err)
		}
		sig, err := p.FetchSignature(context.Background(), x, "")
		if err != nil {
			t.Fatalf("signature from the answer: %v", err)
		}
		rec, err := sig.Recover()
		if err != nil || !strings.EqualFold(rec, string(addr)) ||
			!strings.EqualFold(sig.ClaimedSigner(), string(addr)) {
			t.Fatalf("record: recovered %q (%v), claimed %q, report %q", rec, err,
				sig.ClaimedSigner(), addr)
		}
		sig.Close()
		x.Close()
	}
}

// Options.CacheDir reaches teeattest_ctx_options.cache_dir: a second
// context on the same directory attests without asking the PCCS for the
// TCB Info again.
func TestSimCacheDirOption(t *testing.T) {
	s := startSim(t, "--seed", "3", "--no-gpu")
	dir := t.TempDir()
	const tcb = "GET /tdx/certification/v4/tcb"
	for i := 0; i < 2; i++ {
		c := newCtx(t, &Options{CacheDir: dir})
		p, pol := simProvider(t, c, s)
		mustVerdict(t, attest(t, p, pol, s).Result, VerdictVerified)
		if n := s.requests(t, tcb); n != 1 {
			t.Fatalf("attest %d: %d TCB Info requests, want 1", i+1, n)
		}
	}
	if _, err := NewContext(&Options{CacheDir: "a\x00b"}); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("CacheDir with a NUL: %v", err)
	}
}
