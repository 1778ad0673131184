// Command groupbench runs the MLS group benchmarks of bench/mlsgroup
// (commit, process, join and remove at 2 to 10,000 members) and writes a
// markdown report with the targets of the issue "MLS groups", an SVG
// chart of time against group size (log-log), and the raw go test output
// (benchstat input).
//
//	go run ./bench/cmd/groupbench [-out bench/out] [-count 6] [-benchtime 1s] [-sizes 2,10,100,1000,10000] [-name mls-groups]
//
// Run it from the module root. The first run builds the groups and caches
// them under the OS temporary directory (about a minute for 10,000
// members on two cores); an uncounted warm-up run does that before the
// counted runs.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sealroom/sealroom/bench/internal/benchenv"
	"github.com/sealroom/sealroom/bench/mlsgroup"
)

func main() {
	out := flag.String("out", "bench/out", "output directory")
	count := flag.Int("count", 6, "number of runs (each a go test -count=1 run over all benchmarks)")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime of each run")
	sizes := flag.String("sizes", mlsgroup.DefaultSizes, "group sizes, comma-separated")
	name := flag.String("name", "mls-groups", "base name of the output files (.md, .svg, .txt)")
	flag.Parse()
	if err := run(*out, *name, *count, *benchtime, *sizes, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(out, name string, count int, benchtime, sizes string, args []string) error {
	if _, err := mlsgroup.ParseSizes(sizes); err != nil {
		return err
	}
	if count < 1 {
		return fmt.Errorf("groupbench: -count %d: need at least one run", count)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("groupbench: %w", err)
	}
	m := meta{
		Date:      time.Now().UTC().Format("2006-01-02 15:04 MST"),
		GoVersion: benchenv.GoVersion(),
		CPU:       benchenv.CPUModel(),
		Nice:      benchenv.Niceness(),
		NumCPU:    runtime.NumCPU(),
		Count:     count,
		Benchtime: benchtime,
		Command:   strings.TrimSpace("go run ./bench/cmd/groupbench " + strings.Join(args[1:], " ")),
		Raw:       name + ".txt",
		Charts: []chartFile{
			{name + ".svg", "median wall time per operation against group size, log-log", false},
			{name + "-cpu.svg", "median CPU time per operation against group size, log-log", true},
		},
		LoadStart: benchenv.LoadAverage(),
	}
	bench := []string{"-test.bench", "^BenchmarkGroup$", "-test.benchmem", "-" + mlsgroup.SizesFlag, sizes}
	runs := benchenv.Runs{
		Name:   "groupbench",
		Pkg:    "./bench/mlsgroup",
		Count:  count,
		Args:   append(bench[:len(bench):len(bench)], "-test.benchtime", benchtime),
		Warmup: append(bench[:len(bench):len(bench)], "-test.benchtime", "1x"),
	}
	raw, err := runs.Do()
	if err != nil {
		return err
	}
	m.LoadEnd = benchenv.LoadAverage()
	if err := os.WriteFile(filepath.Join(out, m.Raw), raw, 0o644); err != nil {
		return fmt.Errorf("groupbench: %w", err)
	}
	r, err := collect(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	for _, c := range m.Charts {
		var svg bytes.Buffer
		if err := writeChart(&svg, r, c.CPU); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, c.File), svg.Bytes(), 0o644); err != nil {
			return fmt.Errorf("groupbench: %w", err)
		}
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, m, r); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, name+".md"), md.Bytes(), 0o644); err != nil {
		return fmt.Errorf("groupbench: %w", err)
	}
	fmt.Printf("groupbench: wrote %s\n", filepath.Join(out, name+".md"))
	return nil
}
