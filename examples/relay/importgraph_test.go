package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sealroom/sealroom"

// bannedOurs are the project's packages that hold or derive keys; the
// relay must not link any of them (or anything below them).
var bannedOurs = []string{module + "/frame", module + "/mls", module + "/e2ee", module + "/keyschedule"}

// bannedImports are the primitives an E2EE code path would be built on.
// No package of ours that the relay links may import them directly. (The
// standard library's TLS, inside QUIC, uses them: that protects the
// transport, not the call, and is allowed.)
var bannedImports = []string{
	"crypto/cipher", "crypto/aes", "crypto/hpke", "crypto/hkdf", "crypto/mlkem",
	"golang.org/x/crypto/hkdf", "golang.org/x/crypto/chacha20poly1305", "golang.org/x/crypto/curve25519",
	"github.com/cloudflare/circl",
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// goListDeps returns the dependency graph of pkg as `go list -deps -json`
// prints it.
func goListDeps(t *testing.T, pkg string) []listedPackage {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the import-graph test needs the go command: %v", err)
	}
	cmd := exec.Command(goBin, "list", "-deps", "-json", pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// violations lists why pkgs could decrypt: a banned package of ours in
// the graph, or a package of ours importing an AEAD/KDF/KEM directly.
func violations(pkgs []listedPackage) []string {
	var v []string
	for _, p := range pkgs {
		for _, b := range bannedOurs {
			if under(p.ImportPath, b) {
				v = append(v, fmt.Sprintf("%s is in the graph", p.ImportPath))
			}
		}
		if !under(p.ImportPath, module) {
			continue
		}
		for _, imp := range p.Imports {
			for _, b := range bannedImports {
				if under(imp, b) {
					v = append(v, fmt.Sprintf("%s imports %s", p.ImportPath, imp))
				}
			}
		}
	}
	return v
}

// TestRelayImportGraph: the relay binary links no package that holds or
// derives E2EE keys, and none of its own code touches an AEAD, KDF or
// KEM. It forwards ciphertext it could not open.
func TestRelayImportGraph(t *testing.T) {
	for _, pkg := range []string{module + "/examples/relay", module + "/examples/internal/transport"} {
		pkgs := goListDeps(t, pkg)
		// The graph must be the real one, or the check below proves
		// nothing.
		have := map[string]bool{}
		ours := 0
		for _, p := range pkgs {
			have[p.ImportPath] = true
			if under(p.ImportPath, module) {
				ours++
			}
		}
		for _, want := range []string{pkg, "github.com/quic-go/quic-go", module + "/examples/wire", "crypto/tls"} {
			if !have[want] {
				t.Fatalf("%s: %s missing from its dependency graph (%d packages listed)", pkg, want, len(pkgs))
			}
		}
		if v := violations(pkgs); len(v) != 0 {
			t.Errorf("%s could decrypt:\n  %s", pkg, strings.Join(v, "\n  "))
		}
		t.Logf("%s: %d packages, %d of this module, none that could decrypt", pkg, len(pkgs), ours)
	}
}

// TestViolationsCatch: the check flags what it must.
func TestViolationsCatch(t *testing.T) {
	graph := []listedPackage{
		{ImportPath: module + "/examples/relay", Imports: []string{module + "/e2ee", "crypto/tls"}},
		{ImportPath: module + "/e2ee", Imports: []string{"crypto/cipher"}},
		{ImportPath: module + "/frame/internal/gcm"},
		{ImportPath: module + "/examples/wire", Imports: []string{"github.com/cloudflare/circl/hpke"}},
		{ImportPath: "crypto/tls", Imports: []string{"crypto/cipher", "crypto/aes"}, Standard: true},
		{ImportPath: module + "/framework"}, // a prefix, not a package below frame
	}
	got := violations(graph)
	want := []string{
		module + "/e2ee is in the graph",
		module + "/e2ee imports crypto/cipher",
		module + "/frame/internal/gcm is in the graph",
		module + "/examples/wire imports github.com/cloudflare/circl/hpke",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
