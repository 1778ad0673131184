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
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
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
		GoVersion: goVersion(),
		Count:     count,
		Benchtime: benchtime,
		Command:   "go run ./bench/cmd/framebench " + strings.Join(args[1:], " "),
		CPU:       cpuModel(),
		Nice:      niceness(),
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

// runSuite runs one suite's benchmarks, saves the raw output and charts,
// and returns the summarized results. The test binary is built once and run
// count times with -test.count=1, so that every run passes over all
// implementations and sizes: on a shared machine, load that comes and goes
// then hits each implementation alike instead of one run of six samples.
func runSuite(s suite, out string, count int, benchtime string) (suiteResult, env, error) {
	tmp, err := os.MkdirTemp("", "framebench")
	if err != nil {
		return suiteResult{}, env{}, fmt.Errorf("framebench: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, s.Name+".test")
	if err := goCmd("test", "-c", "-o", bin, s.Pkg).Run(); err != nil {
		return suiteResult{}, env{}, fmt.Errorf("framebench: suite %s: building the test binary: %w", s.Name, err)
	}
	dir, err := exec.Command("go", "list", "-f", "{{.Dir}}", s.Pkg).Output()
	if err != nil {
		return suiteResult{}, env{}, fmt.Errorf("framebench: suite %s: go list: %w", s.Name, err)
	}
	var raw bytes.Buffer
	for i := 1; i <= count; i++ {
		fmt.Fprintf(os.Stderr, "framebench: %s: run %d of %d\n", s.Name, i, count)
		cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", s.Bench, "-test.benchmem",
			"-test.count", "1", "-test.benchtime", benchtime)
		cmd.Dir = strings.TrimSpace(string(dir))
		cmd.Stdout = io.MultiWriter(&raw, os.Stderr)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return suiteResult{}, env{}, fmt.Errorf("framebench: suite %s: run %d: %w", s.Name, i, err)
		}
	}
	r := suiteResult{Suite: s, Raw: s.Name + ".txt", Charts: map[string]string{}}
	if err := os.WriteFile(filepath.Join(out, r.Raw), raw.Bytes(), 0o644); err != nil {
		return r, env{}, fmt.Errorf("framebench: %w", err)
	}
	samples, e, err := parse(&raw)
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

func itoa(i int) string { return fmt.Sprint(i) }

func goCmd(args ...string) *exec.Cmd {
	fmt.Fprintf(os.Stderr, "framebench: go %s\n", strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd
}

func goVersion() string {
	if b, err := exec.Command("go", "version").Output(); err == nil {
		return strings.TrimPrefix(strings.TrimSpace(string(b)), "go version ")
	}
	return runtime.Version()
}

// cpuModel returns the CPU model and flags that matter here (Linux only;
// elsewhere go test's cpu: line is used).
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	var model, family, mod string
	var flags []string
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && model == "":
			model = v
		case k == "cpu family" && family == "":
			family = v
		case k == "model" && mod == "":
			mod = v
		case k == "flags" && flags == nil:
			for _, f := range strings.Fields(v) {
				switch f {
				case "aes", "pclmulqdq", "avx2", "avx512f", "avx512bw", "avx512vl", "vaes", "vpclmulqdq":
					flags = append(flags, f)
				}
			}
			if flags == nil {
				flags = []string{}
			}
		}
	}
	return fmt.Sprintf("%s (family %s, model %s; %d logical CPUs; %s)", model, family, mod, runtime.NumCPU(), strings.Join(flags, " "))
}
