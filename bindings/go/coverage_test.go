// SPDX-License-Identifier: Apache-2.0

package teeattest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// Not called by the binding, on purpose.
var unbound = map[string]string{
	"teeattest_error_init":        "a zero teeattest_error (struct_size 0) asks for the full 1.0 detail",
	"teeattest_result_fact":       "Result.Fact walks the facts so the unverified.* rule is enforced in Go too",
	"teeattest_result_find_check": "Result.Check walks the checks (it needs the required flag)",
	"teeattest_bundle_ref":        "Go objects own one reference each; none is shared",
	"teeattest_e2ee_session_ref":  "as above",
	"teeattest_policy_ref":        "as above",
	"teeattest_provider_ref":      "as above",
	"teeattest_result_ref":        "as above",
	"teeattest_hex_decode":        "Go has encoding/hex",
	"teeattest_hex_encode":        "as above",
	"teeattest_base64_decode":     "Go has encoding/base64",
	"teeattest_chat_e2ee":         "not bound yet: Go encrypts offline (E2EESession); the online E2EE chat is the C API and the CLI for now",
}

// Every exported function of the public headers is used by the binding or
// listed above with the reason: a function added to the C API must be
// bound (or consciously left out).
func TestEveryCFunctionBound(t *testing.T) {
	root := os.Getenv("TEEATTEST_SOURCE_ROOT")
	if root == "" {
		root = filepath.Join("..", "..")
	}
	headers, err := filepath.Glob(filepath.Join(root, "include", "teeattest", "*.h"))
	if err != nil || len(headers) < 10 {
		t.Fatalf("headers: %v %v", headers, err)
	}
	decl := regexp.MustCompile(`TEEATTEST_API[^(;]*?\b(teeattest_[a-z0-9_]+)\s*\(`)
	api := map[string]bool{}
	for _, h := range headers {
		b, err := os.ReadFile(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllStringSubmatch(string(b), -1) {
			api[m[1]] = true
		}
	}
	if len(api) < 150 {
		t.Fatalf("only %d functions found in the headers", len(api))
	}
	sources, _ := filepath.Glob("*.go")
	sources = append(sources, "shim.c")
	used := map[string]bool{}
	call := regexp.MustCompile(`\b(teeattest_[a-z0-9_]+)\s*\(`)
	for _, f := range sources {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	var missing []string
	for f := range api {
		if !used[f] && unbound[f] == "" {
			missing = append(missing, f)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("C functions the Go binding neither calls nor lists as unbound: %v", missing)
	}
	for f := range unbound {
		if !api[f] {
			t.Errorf("%s is listed as unbound but is not in the headers", f)
		}
	}
}
