// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Request is one HTTP exchange the library asks a Transport to perform.
// Body holds the exact bytes to send (they are what the library hashes).
type Request struct {
	Method  string   // "GET" or "POST"
	URL     string   // absolute http:// or https:// URL
	Headers []string // "Name: value", in the library's order
	Body    []byte
	// Stream: deliver body chunks as they arrive (each Response.Write is
	// forwarded to the chat's event parser at once).
	Stream bool
	// NeedPeerKey: report the TLS peer's SubjectPublicKeyInfo with
	// Response.SetPeerSPKI (the TLS-binding checks need it).
	NeedPeerKey bool
	// Idempotent: a GET the library may retry (retries are the library's).
	Idempotent     bool
	ConnectTimeout time.Duration // 0: transport default
	TotalTimeout   time.Duration // 0: none
	IdleTimeout    time.Duration // longest silence while the body arrives; 0: none
	MaxBodySize    uint64        // the sink refuses more; 0: library default
	CAFile         string        // PEM CAs replacing the system's, or ""
	PinnedKey      string        // "sha256//<base64>" (';'-separated), or ""
}

// Response is the library's response sink for one exchange. It is valid
// only while Transport.Do runs; afterwards every method fails.
type Response struct {
	mu sync.Mutex
	p  *C.teeattest_http_response
}

func (r *Response) call(op string, f func(p *C.teeattest_http_response) C.int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.p == nil {
		return errInvalid(op, "response sink used after Transport.Do returned")
	}
	if rc := f(r.p); rc != 0 {
		return &Error{Status: Status(rc), Name: Status(rc).Name(),
			Message: Status(rc).String(), Op: op}
	}
	return nil
}

// SetStatus records the HTTP status code (100..599).
func (r *Response) SetStatus(code int) error {
	return r.call("Response.SetStatus", func(p *C.teeattest_http_response) C.int {
		return C.teeattest_http_response_set_status(p, C.int32_t(code))
	})
}

// AddHeader records one response header.
func (r *Response) AddHeader(name, value string) error {
	return r.call("Response.AddHeader", func(p *C.teeattest_http_response) C.int {
		n, nl := cbytes([]byte(name))
		v, vl := cbytes([]byte(value))
		return C.teeattest_http_response_add_header(p, (*C.char)(unsafe.Pointer(n)), nl,
			(*C.char)(unsafe.Pointer(v)), vl)
	})
}

// Write appends body bytes exactly as received (after de-chunking and
// decompression). An error (body too large, chat cancelled) means the
// transport must stop and return it.
func (r *Response) Write(b []byte) (int, error) {
	err := r.call("Response.Write", func(p *C.teeattest_http_response) C.int {
		d, n := cbytes(b)
		return C.teeattest_http_response_write(p, d, n)
	})
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// SetPeerSPKI records the DER SubjectPublicKeyInfo of the TLS peer's leaf
// certificate.
func (r *Response) SetPeerSPKI(der []byte) error {
	return r.call("Response.SetPeerSPKI", func(p *C.teeattest_http_response) C.int {
		d, n := cbytes(der)
		return C.teeattest_http_response_set_peer_spki(p, d, n)
	})
}

// Transport performs HTTP exchanges for a Context. Do is called on the
// goroutine of the library call that needs the exchange, with that call's
// context.Context; it must honour ctx, may be called concurrently, and
// returns nil once a response (any status) was delivered to resp. A
// returned *Error keeps its Status (StatusTimeout, StatusTLS, ...); a
// context error becomes StatusCancelled (or StatusTimeout); other errors
// are classified (net timeouts, TLS) or StatusTransport. A panic is
// recovered and fails the exchange with StatusUser.
type Transport interface {
	Do(ctx context.Context, req *Request, resp *Response) error
}

func requestFromC(req *C.teeattest_http_request, stream bool) *Request {
	r := &Request{
		Method:         goString(req.method),
		URL:            goString(req.url),
		Body:           goBytes(req.body, req.body_len),
		Stream:         stream && req.flags&C.TEEATTEST_HTTP_STREAM != 0,
		NeedPeerKey:    req.flags&C.TEEATTEST_HTTP_PEER_KEY != 0,
		Idempotent:     req.flags&C.TEEATTEST_HTTP_IDEMPOTENT != 0,
		ConnectTimeout: time.Duration(req.connect_timeout_ms) * time.Millisecond,
		TotalTimeout:   time.Duration(req.total_timeout_ms) * time.Millisecond,
		IdleTimeout:    time.Duration(req.idle_timeout_ms) * time.Millisecond,
		MaxBodySize:    uint64(req.max_body_size),
		CAFile:         goString(req.ca_file),
		PinnedKey:      goString(req.pinned_key),
	}
	if req.header_count > 0 && req.headers != nil {
		hs := unsafe.Slice(req.headers, int(req.header_count))
		for _, h := range hs {
			r.Headers = append(r.Headers, goString(h))
		}
	}
	return r
}

// classifyTransportError maps what a Transport returned to a status, a
// backend code and a message for the library.
func classifyTransportError(ctx context.Context, err error) (Status, int32, string) {
	var te *Error
	if errors.As(err, &te) && te.Status < 0 && te.Status != StatusPassthrough {
		return te.Status, te.BackendCode, te.Message
	}
	if ctx.Err() != nil {
		// The call is over: stop, so the library neither retries nor polls.
		return StatusCancelled, 0, "the call's context ended: " + ctx.Err().Error()
	}
	if errors.Is(err, context.Canceled) {
		return StatusCancelled, 0, err.Error()
	}
	var idle *idleTimeoutError
	if errors.As(err, &idle) || errors.Is(err, context.DeadlineExceeded) {
		return StatusTimeout, 0, err.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return StatusTimeout, 0, err.Error()
	}
	if isTLSError(err) {
		return StatusTLS, 0, err.Error()
	}
	return StatusTransport, 0, err.Error()
}

func isTLSError(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var he x509.HostnameError
	var rh tls.RecordHeaderError
	var pe *pinError
	var ce *caFileError
	return errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &he) ||
		errors.As(err, &rh) || errors.As(err, &pe) || errors.As(err, &ce) ||
		strings.Contains(err.Error(), "tls: ")
}

type pinError struct{ msg string }

func (e *pinError) Error() string { return e.msg }

type caFileError struct{ msg string }

func (e *caFileError) Error() string { return e.msg }

type idleTimeoutError struct{ d time.Duration }

func (e *idleTimeoutError) Error() string {
	return fmt.Sprintf("no data for %v (idle timeout)", e.d)
}

// HTTPTransport is the default Transport: net/http, honouring the call's
// context.Context and the request's timeouts, CA file and pinned key. It
// never follows redirects (the next hop could present another TLS key than
// the attested one) and reports the peer's SPKI when asked. Safe for
// concurrent use; the zero value is ready.
type HTTPTransport struct {
	mu      sync.Mutex
	clients map[[2]string]*http.Client
}

type connectTimeoutKey struct{}

const defaultConnectTimeout = 10 * time.Second

func (t *HTTPTransport) client(caFile, pinned string) (*http.Client, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := [2]string{caFile, pinned}
	if c, ok := t.clients[key]; ok {
		return c, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &caFileError{"reading CA file: " + err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &caFileError{"CA file " + caFile + " holds no PEM certificate"}
		}
		cfg.RootCAs = pool
	}
	if pinned != "" {
		var pins [][]byte
		for _, p := range strings.Split(pinned, ";") {
			p = strings.TrimSpace(p)
			b64 := strings.TrimPrefix(p, "sha256//")
			raw, err := base64.StdEncoding.DecodeString(b64)
			if b64 == p || err != nil || len(raw) != sha256.Size {
				return nil, &pinError{"malformed pinned key " + p}
			}
			pins = append(pins, raw)
		}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &pinError{"pinned key: the server sent no certificate"}
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].RawSubjectPublicKeyInfo)
			for _, p := range pins {
				if string(p) == string(sum[:]) {
					return nil
				}
			}
			return &pinError{"the server's public key does not match the pinned key"}
		}
	}
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d, _ := ctx.Value(connectTimeoutKey{}).(time.Duration)
			if d <= 0 {
				d = defaultConnectTimeout
			}
			dctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return dialer.DialContext(dctx, network, addr)
		},
		TLSClientConfig:     cfg,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	c := &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if t.clients == nil {
		t.clients = map[[2]string]*http.Client{}
	}
	t.clients[key] = c
	return c, nil
}

// Do performs one exchange (see Transport).
func (t *HTTPTransport) Do(ctx context.Context, req *Request, resp *Response) error {
	client, err := t.client(req.CAFile, req.PinnedKey)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if req.TotalTimeout > 0 {
		var c2 context.CancelFunc
		rctx, c2 = context.WithTimeout(rctx, req.TotalTimeout)
		defer c2()
	}
	rctx = context.WithValue(rctx, connectTimeoutKey{}, req.ConnectTimeout)
	hreq, err := http.NewRequestWithContext(rctx, req.Method, req.URL,
		strings.NewReader(string(req.Body)))
	if err != nil {
		return err
	}
	hreq.ContentLength = int64(len(req.Body))
	if req.Method == http.MethodGet {
		hreq.Body = nil
		hreq.ContentLength = 0
	}
	for _, h := range req.Headers {
		i := strings.IndexByte(h, ':')
		if i <= 0 {
			continue
		}
		name, value := strings.TrimSpace(h[:i]), strings.TrimSpace(h[i+1:])
		if strings.EqualFold(name, "Host") {
			hreq.Host = value
			continue
		}
		hreq.Header.Add(name, value)
	}
	// As the libcurl transport: ask for the identity encoding, and decode
	// a compressed body anyway, so the sink gets the decoded bytes.
	if hreq.Header.Get("Accept-Encoding") == "" {
		hreq.Header.Set("Accept-Encoding", "identity")
	}
	var idle *time.Timer
	var idleFired bool
	var idleMu sync.Mutex
	if req.IdleTimeout > 0 {
		idle = time.AfterFunc(req.IdleTimeout, func() {
			idleMu.Lock()
			idleFired = true
			idleMu.Unlock()
			cancel()
		})
		defer idle.Stop()
	}
	wrap := func(err error) error {
		idleMu.Lock()
		defer idleMu.Unlock()
		if idleFired && ctx.Err() == nil {
			return &idleTimeoutError{req.IdleTimeout}
		}
		return err
	}
	hres, err := client.Do(hreq)
	if err != nil {
		return wrap(err)
	}
	defer hres.Body.Close()
	if err := resp.SetStatus(hres.StatusCode); err != nil {
		return err
	}
	for name, values := range hres.Header {
		for _, v := range values {
			if err := resp.AddHeader(name, v); err != nil {
				return err
			}
		}
	}
	if req.NeedPeerKey && hres.TLS != nil && len(hres.TLS.PeerCertificates) > 0 {
		if err := resp.SetPeerSPKI(hres.TLS.PeerCertificates[0].RawSubjectPublicKeyInfo); err != nil {
			return err
		}
	}
	var body io.Reader = hres.Body
	if strings.EqualFold(hres.Header.Get("Content-Encoding"), "gzip") {
		gz, err := gzip.NewReader(hres.Body)
		if err != nil {
			return wrap(err)
		}
		defer gz.Close()
		body = gz
	}
	buf := make([]byte, 32*1024)
	for {
		if idle != nil {
			idle.Reset(req.IdleTimeout)
		}
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, werr := resp.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return wrap(rerr)
		}
	}
}
