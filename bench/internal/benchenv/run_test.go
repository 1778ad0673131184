package benchenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuns runs a tiny package's benchmark twice after a warm-up run and
// checks that only the counted runs are returned.
func TestRuns(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/tiny\n\ngo 1.26\n",
		"tiny_test.go": `package tiny

import "testing"

func BenchmarkTiny(b *testing.B) {
	for b.Loop() {
	}
}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log strings.Builder
	r := Runs{Name: "test", Pkg: ".", Dir: dir, Count: 2, Args: []string{"-test.bench", ".", "-test.benchtime", "3x"},
		Warmup: []string{"-test.bench", ".", "-test.benchtime", "1x"}, Log: &log}
	out, err := r.Do()
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if n := strings.Count(string(out), "BenchmarkTiny"); n != 2 {
		t.Errorf("%d result lines, want 2:\n%s", n, out)
	}
	if !strings.Contains(string(out), "\t       3\t") || strings.Contains(string(out), "\t       1\t") {
		t.Errorf("counted output holds the warm-up run or lacks the counted ones:\n%s", out)
	}
	if !strings.Contains(log.String(), "warm-up run") || !strings.Contains(log.String(), "run 2 of 2") {
		t.Errorf("log:\n%s", log.String())
	}
	r.Pkg = "./missing"
	if _, err := r.Do(); err == nil {
		t.Error("missing package ran")
	}
}
