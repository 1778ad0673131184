package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/sealroom/sealroom/bench/mlsgroup
cpu: AMD EPYC
BenchmarkGroup/members=1000/op=commit-add-2         	     100	   5000000 ns/op	   4000000 cpu-ns/op	       472.0 msg-bytes	 2212272 B/op	     475 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=near-2 	    1000	    500000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=far-2  	    1000	   2500000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=10000/op=join-2              	       2	 300000000 ns/op	   1879475 msg-bytes	36903664 B/op	  256618 allocs/op
BenchmarkGroup/members=10-2                         	       1	      1000 ns/op
BenchmarkOther/members=10/op=join-2                 	       1	      1000 ns/op
BenchmarkGroup/members=1000/op=commit-add-2         	     100	   7000000 ns/op	   4500000 cpu-ns/op	       472.0 msg-bytes	 2212272 B/op	     476 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=near-2 	    1000	    400000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=far-2  	    1000	   1500000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=10000/op=join-2              	       2	 600000000 ns/op	   1879475 msg-bytes	36903664 B/op	  256618 allocs/op
BenchmarkGroup/members=1000/op=commit-add-2         	     100	   6000000 ns/op	   3000000 cpu-ns/op	       472.0 msg-bytes	 2212272 B/op	     475 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=near-2 	    1000	    450000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=1000/op=process-add/receiver=far-2  	    1000	   1000000 ns/op	       472.0 msg-bytes	  106000 B/op	     261 allocs/op
BenchmarkGroup/members=10000/op=join-2              	       2	 700000000 ns/op	   1879475 msg-bytes	36903664 B/op	  256618 allocs/op
PASS
`

func TestCollect(t *testing.T) {
	r, err := collect(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if r.Procs != 2 || r.Env.CPU != "AMD EPYC" {
		t.Errorf("procs %d, env %+v", r.Procs, r.Env)
	}
	wantOps := []opKey{{"commit-add", ""}, {"process-add", "near"}, {"process-add", "far"}, {"join", ""}}
	if len(r.Ops) != len(wantOps) || len(r.Sizes) != 2 || r.Sizes[0] != 1000 || r.Sizes[1] != 10000 {
		t.Fatalf("ops %v, sizes %v", r.Ops, r.Sizes)
	}
	for i := range wantOps {
		if r.Ops[i] != wantOps[i] {
			t.Errorf("op %d = %v, want %v", i, r.Ops[i], wantOps[i])
		}
	}
	s := r.Stats[config{opKey{"commit-add", ""}, 1000}]
	if s.Time.N != 3 || s.Time.Median != 6e6 || s.Time.Min != 5e6 || s.Time.Max != 7e6 || s.Allocs != 476 || s.Msg != 472 || s.Bytes != 2212272 ||
		s.CPU.N != 3 || s.CPU.Median != 4e6 || s.CPU.Min != 3e6 {
		t.Errorf("commit-add: %+v", s)
	}
	if got := s.Time.RangePercent(); math.Abs(got-100.0/6) > 1e-9 {
		t.Errorf("range %v%%", got)
	}
	if s := r.Stats[config{opKey{"join", ""}, 10000}]; s.CPU.N != 0 {
		t.Errorf("join: CPU time without cpu-ns/op: %+v", s.CPU)
	}
	if _, ok := r.Stats[config{opKey{"join", ""}, 10}]; ok {
		t.Error("a result of another benchmark function was collected")
	}
	if _, err := collect(strings.NewReader("BenchmarkGroup/members=x/op=join-2 1 10 ns/op\n")); err == nil {
		t.Error("bad size accepted")
	}
	if _, err := collect(strings.NewReader("PASS\n")); err == nil {
		t.Error("no results accepted")
	}
}

func TestVerdict(t *testing.T) {
	r, _ := collect(strings.NewReader(sampleOutput))
	for _, c := range []struct {
		op    opKey
		n     int
		limit time.Duration
		want  string
	}{
		{opKey{"process-add", "near"}, 1000, 2 * time.Millisecond, "met (every run)"},
		{opKey{"process-add", "far"}, 1000, 2 * time.Millisecond, "met at the median, not in every run"},
		{opKey{"commit-add", ""}, 1000, 5500 * time.Microsecond, "not met (only the fastest run)"},
		{opKey{"join", ""}, 10000, 200 * time.Millisecond, "not met"},
		{opKey{"join", ""}, 1000, 200 * time.Millisecond, "not measured"},
	} {
		if got := verdict(r.Stats[config{c.op, c.n}].Time, c.limit); got != c.want {
			t.Errorf("%v at %d under %v: %q, want %q", c.op, c.n, c.limit, got, c.want)
		}
	}
}

func TestMarkdownAndChart(t *testing.T) {
	r, err := collect(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	m := meta{CPU: "AMD EPYC (2 logical CPUs)", NumCPU: 2, Count: 3, Benchtime: "1s", LoadStart: "1.00 0.50 0.25", LoadEnd: "2.00 1.00 0.50",
		Raw: "mls-groups.txt", Charts: []chartFile{{"mls-groups.svg", "wall", false}, {"mls-groups-cpu.svg", "cpu", true}}, Command: "go run ./bench/cmd/groupbench", Nice: "-15", Source: "commit 0123"}
	var md bytes.Buffer
	if err := writeMarkdown(&md, m, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| load average (1, 5, 15 min) | 1.00 0.50 0.25 at the start, 2.00 1.00 0.50 at the end |",
		"The machine is shared: 2 logical CPUs",
		"| target | measured | wall median | wall min | wall max | wall time | CPU median | CPU time (one core) |",
		"| process a commit at 1,000 members in under 2.00 ms | process-add (far) | 1.50 ms | 1.00 ms | 2.50 ms | met at the median, not in every run | – | not measured |",
		"| process a commit at 1,000 members in under 2.00 ms | process-remove (near) (*harder*) | – | – | – | not measured | – | not measured |",
		"- **process a commit at 1,000 members in under 2.00 ms**: met on wall time, not measured on CPU time (process-add (near): wall 450 µs, CPU –; process-add (far): wall 1.50 ms, CPU –).",
		"- **create an Add commit at 1,000 members in under 10.0 ms**: met on wall time, met on CPU time (commit-add: wall 6.00 ms, CPU 4.00 ms).",
		"- **join at 10,000 members in under 500 ms**: not met on wall time, not measured on CPU time (join: wall 600 ms, CPU –).",
		"| source | commit 0123 |",
		"## Reproduce\n\nFrom the module root",
		"    nice -n -15 go run ./bench/cmd/groupbench\n    benchstat mls-groups.txt\n",
		"A negative nice value needs root",
		"| create an Add commit at 1,000 members in under 10.0 ms | commit-add | 6.00 ms | 5.00 ms | 7.00 ms | met (every run) | 4.00 ms | met (every run) |",
		"| join at 10,000 members in under 500 ms | join | 600 ms | 300 ms | 700 ms | not met (only the fastest run) | – | not measured |",
		"## Medians, wall time\n\n| operation | 1,000 | 10,000 |",
		"## Medians, CPU time\n\n| operation | 1,000 | 10,000 |",
		"| commit-add | 6.00 ms | – |",
		"| commit-add | 4.00 ms | – |",
		"| commit-add | 1,000 | 6.00 ms | ±17% | 5.00 ms | 7.00 ms | 4.00 ms | 3.00 ms | 476 | 2.21 MB | 472 B |",
		"| join | 10,000 | 600 ms | ±50% | 300 ms | 700 ms | – | – | 256,618 | 36.9 MB | 1.88 MB |",
		"| Go library: commit | 500 | 34.7 ms | commit-add: 6.00 ms (CPU 4.00 ms) at 1,000 |",
		"| Rust library: join | 10,000 | 1.80 s | join: 600 ms (CPU –) at 10,000 |",
		"![wall](mls-groups.svg)",
		"![cpu](mls-groups-cpu.svg)",
		"[mls-groups.txt](mls-groups.txt)",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
	var svg bytes.Buffer
	if err := writeChart(&svg, r, false); err != nil {
		t.Fatal(err)
	}
	s := svg.String()
	if !strings.HasPrefix(s, "<svg") || strings.Count(s, "<polyline") != len(r.Ops) || !strings.Contains(s, "median wall time vs group size") ||
		!strings.Contains(s, ">10,000<") || !strings.Contains(s, ">1 ms<") || !strings.Contains(s, "target: join &lt; 500ms") {
		t.Errorf("svg:\n%s", s)
	}
	// The CPU chart has the one operation with CPU times as a line with
	// points; the others are empty lines.
	svg.Reset()
	if err := writeChart(&svg, r, true); err != nil {
		t.Fatal(err)
	}
	s = svg.String()
	if !strings.Contains(s, "median CPU time (all threads) vs group size") || strings.Count(s, "<circle") != 1 {
		t.Errorf("cpu svg:\n%s", s)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		ns   float64
		want string
	}{{999, "999 ns"}, {1000, "1.00 µs"}, {12345, "12.3 µs"}, {2e6, "2.00 ms"}, {123.4e6, "123 ms"}, {1.8e9, "1.80 s"}, {math.NaN(), "–"},
		{999.4e3, "999 µs"}, {999.6e3, "1.00 ms"}, {0.4, "0.40 ns"}} {
		if got := fmtDur(c.ns); got != c.want {
			t.Errorf("fmtDur(%v) = %q, want %q", c.ns, got, c.want)
		}
	}
	for _, c := range []struct {
		ns   float64
		want string
	}{{1e5, "100 µs"}, {1e6, "1 ms"}, {1e10, "10 s"}, {2.5e6, "2.5 ms"}} {
		if got := fmtTick(c.ns); got != c.want {
			t.Errorf("fmtTick(%v) = %q, want %q", c.ns, got, c.want)
		}
	}
	for _, c := range []struct {
		n    int
		want string
	}{{2, "2"}, {1000, "1,000"}, {10000, "10,000"}, {1234567, "1,234,567"}, {-1, ""}} {
		if got := count(c.n); got != c.want {
			t.Errorf("count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if fmtBytes(-1) != "–" || fmtBytes(999) != "999 B" || fmtBytes(1500) != "1.50 kB" {
		t.Error("fmtBytes")
	}
	for _, c := range []struct {
		xs   []float64
		want string
	}{{[]float64{90, 100, 110}, "±10%"}, {[]float64{1, 2, 100}, "±>999%"}, {nil, "–"}} {
		if got := fmtRange(benchfmt.Summarize(c.xs)); got != c.want {
			t.Errorf("fmtRange(%v) = %q, want %q", c.xs, got, c.want)
		}
	}
}

// TestReportFromRaw writes the report from raw output with the
// configuration lines measure records, as -from does.
func TestReportFromRaw(t *testing.T) {
	raw := cfgDate + ": 2026-01-02 03:04 UTC\n" + cfgSource + ": commit abc + uncommitted changes\n" + cfgNice + ": 0\n" +
		cfgCommand + ": go run ./bench/cmd/groupbench -count 3\n" + cfgNumCPU + ": 2\n" + cfgCount + ": 3\n" + cfgBenchtime + ": 1s\n" +
		cfgLoadStart + ": 0.50 0.40 0.30\n" + sampleOutput + cfgLoadEnd + ": 1.50 1.40 1.30\n"
	dir := t.TempDir()
	if err := report(dir, "x", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"x.md", "x.svg", "x-cpu.svg", "x.txt"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "x.md"))
	for _, want := range []string{"| date | 2026-01-02 03:04 UTC |", "| load average (1, 5, 15 min) | 0.50 0.40 0.30 at the start, 1.50 1.40 1.30 at the end |",
		"| runs | 3 interleaved runs", "The machine is shared: 2 logical CPUs", "| source | commit abc + uncommitted changes |",
		"\n    go run ./bench/cmd/groupbench -count 3\n    benchstat " + filepath.ToSlash(filepath.Join(dir, "x.txt")) + "\n", "![median wall time per operation against group size, log-log](x.svg)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(string(md), "nice -n") {
		t.Error("reproduce command with nice 0")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "x.txt")); string(got) != raw {
		t.Error("raw output not kept as it was")
	}
	if err := report(dir, "y", []byte("PASS\n")); err == nil {
		t.Error("report without results")
	}
}
