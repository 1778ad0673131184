package benchenv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Runs is a series of runs of one package's benchmarks. The test binary
// is built once and run Count times with -test.count=1, so that every run
// passes over all benchmarks: on a shared machine, load that comes and
// goes then hits every configuration alike, instead of one configuration
// taking all its samples in one stretch.
type Runs struct {
	Name string // prefix of progress messages: "framebench: gcm"
	Pkg  string // package path or pattern of exactly one package
	// Dir is the directory the go command runs in (the module's); ""
	// means the current one.
	Dir   string
	Count int
	// Args are the test binary flags of every run, after -test.run ^$
	// and -test.count 1: -test.bench, -test.benchtime, -test.benchmem...
	Args []string
	// Warmup, if not nil, are the flags of one run before the counted
	// ones whose output is discarded: for benchmarks that build and cache
	// fixtures on first use, so that no counted run pays for it.
	Warmup []string
	// Log receives progress messages and the runs' output; nil means
	// os.Stderr.
	Log io.Writer
}

// Do builds the test binary, runs it and returns the output of the
// counted runs, concatenated: input for Parse and for benchstat.
func (r *Runs) Do() ([]byte, error) {
	log := r.Log
	if log == nil {
		log = os.Stderr
	}
	tmp, err := os.MkdirTemp("", "benchenv")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	fmt.Fprintf(log, "%s: go test -c -o %s %s\n", r.Name, bin, r.Pkg)
	build := exec.Command("go", "test", "-c", "-o", bin, r.Pkg)
	build.Dir = r.Dir
	build.Stdout, build.Stderr = log, log
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("%s: building the test binary: %w", r.Name, err)
	}
	list := exec.Command("go", "list", "-f", "{{.Dir}}", r.Pkg)
	list.Dir = r.Dir
	dir, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: go list %s: %w", r.Name, r.Pkg, err)
	}
	run := func(args []string, out io.Writer) error {
		cmd := exec.Command(bin, append([]string{"-test.run", "^$", "-test.count", "1"}, args...)...)
		cmd.Dir = strings.TrimSpace(string(dir))
		cmd.Stdout = out
		cmd.Stderr = log
		return cmd.Run()
	}
	if r.Warmup != nil {
		fmt.Fprintf(log, "%s: warm-up run (not counted)\n", r.Name)
		if err := run(r.Warmup, log); err != nil {
			return nil, fmt.Errorf("%s: warm-up run: %w", r.Name, err)
		}
	}
	var raw bytes.Buffer
	for i := 1; i <= r.Count; i++ {
		fmt.Fprintf(log, "%s: run %d of %d\n", r.Name, i, r.Count)
		if err := run(r.Args, io.MultiWriter(&raw, log)); err != nil {
			return nil, fmt.Errorf("%s: run %d: %w", r.Name, i, err)
		}
	}
	return raw.Bytes(), nil
}
