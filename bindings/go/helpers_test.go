// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ci is true when a test that cannot run must fail (CI=true), as the
// project's other suites do.
func ci() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// cannotRun skips the test, or fails it under CI.
func cannotRun(t *testing.T, why string) {
	t.Helper()
	if ci() {
		t.Fatalf("CI=true: this test must run, but %s", why)
	}
	t.Skip("skipped: " + why)
}

func fixtures(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TEEATTEST_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "fixtures")
	}
	if st, err := os.Stat(filepath.Join(dir, "providers")); err != nil || !st.IsDir() {
		cannotRun(t, "the shared fixtures are missing (TEEATTEST_FIXTURES="+dir+")")
	}
	return dir
}

func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureJSON(t *testing.T, rel string) map[string]interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal(fixture(t, rel), &m); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return m
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newCtx(t *testing.T, opts *Options) *Context {
	t.Helper()
	c, err := NewContext(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func policyAt(t *testing.T, c *Context, at time.Time) *Policy {
	t.Helper()
	p, err := c.NewPolicy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if !at.IsZero() {
		if err := p.SetTime(at); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func mustVerdict(t *testing.T, r *Result, want Verdict) {
	t.Helper()
	if got := r.Verdict(); got != want {
		j, _ := r.JSON()
		t.Fatalf("verdict %v, want %v; failures %v\n%s", got, want, r.Failures(), j)
	}
}

func outcome(t *testing.T, r *Result, name string) string {
	t.Helper()
	c, ok := r.Check(name)
	if !ok {
		return "absent"
	}
	return c.Outcome.String()
}

// sim is a teeattest-sim process on loopback ports, started by the test.
type sim struct {
	cmd      *exec.Cmd
	dir      string
	url      string // plain HTTP
	httpsURL string // with https: true
	cert     string // its HTTPS certificate (PEM), a CA file for clients
	root     []byte // the TEST root CA (DER) of its quotes
}

// startSim runs the simulator (TEEATTEST_SIM) with args. The wait for its
// port file is bounded only to catch a simulator that never starts.
func startSim(t *testing.T, args ...string) *sim {
	t.Helper()
	return startSimOpts(t, false, args...)
}

// startSimOpts is startSim, with an HTTPS listener too when https is set.
func startSimOpts(t *testing.T, https bool, args ...string) *sim {
	t.Helper()
	exe := os.Getenv("TEEATTEST_SIM")
	if exe == "" {
		cannotRun(t, "TEEATTEST_SIM does not name the simulator")
	}
	if _, err := os.Stat(exe); err != nil {
		cannotRun(t, "the simulator is not built: "+err.Error())
	}
	dir := t.TempDir()
	ports := filepath.Join(dir, "ports")
	rootFile := filepath.Join(dir, "root.der")
	cert := filepath.Join(dir, "cert.pem")
	base := []string{"--http", "0", "--port-file", ports, "--tdx-root-out", rootFile}
	if https {
		base = append(base, "--https", "0", "--cert-out", cert)
	}
	cmd := exec.Command(exe, append(base, args...)...)
	cmd.Stdout = io.Discard
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &sim{cmd: cmd, dir: dir, cert: cert}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		stderr.Close()
	})
	deadline := time.Now().Add(120 * time.Second)
	for {
		if b, err := os.ReadFile(ports); err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				k, v, _ := strings.Cut(sc.Text(), "=")
				if n, err := strconv.Atoi(v); err == nil {
					switch k {
					case "http_port":
						s.url = "http://127.0.0.1:" + strconv.Itoa(n)
					case "https_port":
						s.httpsURL = "https://127.0.0.1:" + strconv.Itoa(n)
					}
				}
			}
			if s.url != "" && (!https || s.httpsURL != "") {
				break
			}
		}
		select {
		case err := <-exited:
			e, _ := os.ReadFile(filepath.Join(dir, "stderr"))
			t.Fatalf("simulator exited: %v: %s", err, e)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the simulator did not write its port file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.root, err = os.ReadFile(rootFile); err != nil {
		t.Fatal(err)
	}
	return s
}

// control posts fault settings to /_sim/control.
func (s *sim) control(t *testing.T, settings string) {
	t.Helper()
	resp, err := http.Post(s.url+"/_sim/control", "application/json",
		strings.NewReader(settings))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("control %s: %d %s", settings, resp.StatusCode, b)
	}
}

// requests counts the requests the simulator saw for "METHOD /path".
func (s *sim) requests(t *testing.T, key string) int {
	t.Helper()
	resp, err := http.Get(s.url + "/_sim/log")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	return log.Counts[key]
}

// loadCapture parses the report file of the capture in fixture dir dir
// (ending in "/") with the dialect, and gives it with a new empty evidence
// (both closed when the test ends) and the nonce and time of the capture's
// manifest.
func loadCapture(t *testing.T, c *Context, dir, file, dialect string) (*Report, *Evidence, []byte, time.Time) {
	t.Helper()
	m := fixtureJSON(t, dir+"capture_manifest.json")
	nonce := unhex(t, m["nonce_hex"].(string))
	at, err := time.Parse(time.RFC3339Nano, m["captured_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := c.ParseReport(dialect, fixture(t, dir+file))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close() })
	ev, err := c.NewEvidence()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ev.Close() })
	return rep, ev, nonce, at
}
