// Command groupbench runs the MLS group benchmarks of bench/mlsgroup
// (commit, process, join and remove at 2 to 10,000 members) and writes a
// markdown report with the targets of the issue "MLS groups", SVG charts
// of wall and CPU time against group size (log-log), and the raw go test
// output (benchstat input, which also records the run's settings and the
// machine's load).
//
//	go run ./bench/cmd/groupbench [-out bench/out] [-count 6] [-benchtime 1s] [-sizes 2,10,100,1000,10000] [-name mls-groups]
//	go run ./bench/cmd/groupbench -from bench/out/mls-groups.txt [-out dir]   # report again from a raw file
//
// Run it from the module root. The first run builds the groups and caches
// them under the OS temporary directory (about half a minute for 10,000
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
	"strconv"
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
	name := flag.String("name", "mls-groups", "base name of the output files (.md, .svg, -cpu.svg, .txt)")
	from := flag.String("from", "", "write the report from this raw output of an earlier run instead of running")
	flag.Parse()
	var raw []byte
	var err error
	if *from != "" {
		raw, err = os.ReadFile(*from)
	} else {
		raw, err = measure(*count, *benchtime, *sizes, os.Args)
	}
	if err == nil {
		err = report(*out, *name, raw)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Configuration lines of the raw output (the Go benchmark format's
// "key: value") that record the run for the report.
const (
	cfgDate      = "groupbench-date"
	cfgSource    = "groupbench-source"
	cfgGo        = "groupbench-go"
	cfgCPU       = "groupbench-cpu"
	cfgNumCPU    = "groupbench-ncpu"
	cfgNice      = "groupbench-nice"
	cfgCount     = "groupbench-count"
	cfgBenchtime = "groupbench-benchtime"
	cfgCommand   = "groupbench-command"
	cfgLoadStart = "groupbench-load-start"
	cfgLoadEnd   = "groupbench-load-end"
)

// measure runs the benchmarks and returns their raw output, with the
// settings, the machine and its load average before and after as
// configuration lines.
func measure(count int, benchtime, sizes string, args []string) ([]byte, error) {
	if _, err := mlsgroup.ParseSizes(sizes); err != nil {
		return nil, err
	}
	if count < 1 {
		return nil, fmt.Errorf("groupbench: -count %d: need at least one run", count)
	}
	var raw bytes.Buffer
	for _, kv := range [][2]string{
		{cfgDate, time.Now().UTC().Format("2006-01-02 15:04 MST")},
		{cfgSource, benchenv.Revision()},
		{cfgGo, benchenv.GoVersion()},
		{cfgCPU, benchenv.CPUModel()},
		{cfgNumCPU, strconv.Itoa(runtime.NumCPU())},
		{cfgNice, benchenv.Niceness()},
		{cfgCount, strconv.Itoa(count)},
		{cfgBenchtime, benchtime},
		{cfgCommand, strings.TrimSpace("go run ./bench/cmd/groupbench " + strings.Join(args[1:], " "))},
		{cfgLoadStart, benchenv.LoadAverage()},
	} {
		fmt.Fprintf(&raw, "%s: %s\n", kv[0], kv[1])
	}
	bench := []string{"-test.bench", "^BenchmarkGroup$", "-test.benchmem", "-" + mlsgroup.SizesFlag, sizes}
	runs := benchenv.Runs{
		Name:   "groupbench",
		Pkg:    "./bench/mlsgroup",
		Count:  count,
		Args:   append(bench[:len(bench):len(bench)], "-test.benchtime", benchtime),
		Warmup: append(bench[:len(bench):len(bench)], "-test.benchtime", "1x"),
	}
	out, err := runs.Do()
	if err != nil {
		return nil, err
	}
	raw.Write(out)
	fmt.Fprintf(&raw, "%s: %s\n", cfgLoadEnd, benchenv.LoadAverage())
	return raw.Bytes(), nil
}

// report writes the raw output, the charts and the markdown report into
// out.
func report(out, name string, raw []byte) error {
	r, err := collect(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	m := metaOf(r.Env.Config, name)
	m.Dir = out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("groupbench: %w", err)
	}
	files := map[string][]byte{m.Raw: raw}
	for _, c := range m.Charts {
		var svg bytes.Buffer
		if err := writeChart(&svg, r, c.CPU); err != nil {
			return err
		}
		files[c.File] = svg.Bytes()
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, m, r); err != nil {
		return err
	}
	files[name+".md"] = md.Bytes()
	for f, data := range files {
		if err := os.WriteFile(filepath.Join(out, f), data, 0o644); err != nil {
			return fmt.Errorf("groupbench: %w", err)
		}
	}
	fmt.Printf("groupbench: wrote %s\n", filepath.Join(out, name+".md"))
	return nil
}

// metaOf returns the report's metadata from the configuration lines of
// the raw output, with the output files named after name.
func metaOf(cfg map[string]string, name string) meta {
	m := meta{
		Date:      cfg[cfgDate],
		Source:    cfg[cfgSource],
		GoVersion: cfg[cfgGo],
		CPU:       cfg[cfgCPU],
		Nice:      cfg[cfgNice],
		Benchtime: cfg[cfgBenchtime],
		Command:   cfg[cfgCommand],
		LoadStart: cfg[cfgLoadStart],
		LoadEnd:   cfg[cfgLoadEnd],
		Raw:       name + ".txt",
		Charts: []chartFile{
			{name + ".svg", "median wall time per operation against group size, log-log", false},
			{name + "-cpu.svg", "median CPU time per operation against group size, log-log", true},
		},
	}
	m.NumCPU, _ = strconv.Atoi(cfg[cfgNumCPU])
	m.Count, _ = strconv.Atoi(cfg[cfgCount])
	return m
}
