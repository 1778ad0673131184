// Command framebench runs the frame hot-path benchmarks side by side with
// their baselines and writes a markdown report, SVG charts of throughput
// against frame size, and the raw go test output (benchstat input).
//
//	go run ./bench/cmd/framebench [-out bench/out] [-count 6] [-benchtime 1s] [-suite gcm]
//
// Run it from the module root. Suites are listed in suites.go.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sealroom/sealroom/bench/internal/benchenv"
)

func main() {
	out := flag.String("out", "bench/out", "output directory")
	count := flag.Int("count", 6, "go test -count")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime")
	only := flag.String("suite", "", "run only the suite with this name")
	flag.Parse()
	if err := run(*out, *count, *benchtime, *only, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(out string, count int, benchtime, only string, args []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("framebench: %w", err)
	}
	m := meta{
		Date:      time.Now().UTC().Format("2006-01-02 15:04 MST"),
		GoVersion: benchenv.GoVersion(),
		Count:     count,
		Benchtime: benchtime,
		Command:   "go run ./bench/cmd/framebench " + strings.Join(args[1:], " "),
		CPU:       benchenv.CPUModel(),
		Nice:      benchenv.Niceness(),
	}
	var results []suiteResult
	for _, s := range suites {
		if only != "" && s.Name != only {
			continue
		}
		r, e, err := runSuite(s, out, count, benchtime)
		if err != nil {
			return err
		}
		m.GOOS, m.GOARCH = e.GOOS, e.GOARCH
		if m.CPU == "" {
			m.CPU = e.CPU
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		return fmt.Errorf("framebench: no suite named %q", only)
	}
	f, err := os.Create(filepath.Join(out, "README.md"))
	if err != nil {
		return fmt.Errorf("framebench: %w", err)
	}
	if err := writeMarkdown(f, m, results); err != nil {
		f.Close()
		return fmt.Errorf("framebench: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("framebench: %w", err)
	}
	fmt.Printf("framebench: wrote %s\n", filepath.Join(out, "README.md"))
	return nil
}

// runSuite runs one suite's benchmarks (benchenv.Runs: one test binary,
// count interleaved runs), saves the raw output and charts, and returns
// the summarized results.
func runSuite(s suite, out string, count int, benchtime string) (suiteResult, env, error) {
	runs := benchenv.Runs{
		Name:  "framebench: " + s.Name,
		Pkg:   s.Pkg,
		Count: count,
		Args:  []string{"-test.bench", s.Bench, "-test.benchmem", "-test.benchtime", benchtime},
	}
	rawBytes, err := runs.Do()
	if err != nil {
		return suiteResult{}, env{}, err
	}
	raw := bytes.NewReader(rawBytes)
	r := suiteResult{Suite: s, Raw: s.Name + ".txt", Charts: map[string]string{}}
	if err := os.WriteFile(filepath.Join(out, r.Raw), rawBytes, 0o644); err != nil {
		return r, env{}, fmt.Errorf("framebench: %w", err)
	}
	samples, e, err := parse(raw)
	if err != nil {
		return r, e, err
	}
	if len(samples) == 0 {
		return r, e, fmt.Errorf("framebench: suite %s: no size=N/impl=NAME benchmark results", s.Name)
	}
	var impls []string
	r.Funcs, r.Sizes, impls = axes(samples)
	r.Impls = []string{s.Baseline}
	for _, im := range impls {
		if im != s.Baseline {
			r.Impls = append(r.Impls, im)
		}
	}
	r.Stats = summarize(samples)
	for _, f := range r.Funcs {
		var ss []series
		for _, im := range r.Impls {
			sr := series{Name: im, Points: map[int]float64{}}
			for _, sz := range r.Sizes {
				if st, ok := r.Stats[key{f, sz, im}]; ok {
					sr.Points[sz] = st.GBs
				}
			}
			ss = append(ss, sr)
		}
		name := fmt.Sprintf("%s-%s.svg", s.Name, strings.ToLower(f))
		var buf bytes.Buffer
		if err := writeSVG(&buf, fmt.Sprintf("%s %s: throughput vs frame size", s.Title, f), r.Sizes, ss); err != nil {
			return r, e, err
		}
		if err := os.WriteFile(filepath.Join(out, name), buf.Bytes(), 0o644); err != nil {
			return r, e, fmt.Errorf("framebench: %w", err)
		}
		r.Charts[f] = name
	}
	return r, e, nil
}
