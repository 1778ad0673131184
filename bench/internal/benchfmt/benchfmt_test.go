package benchfmt

import (
	"math"
	"strings"
	"testing"
)

const sample = `groupbench-load-start: 1.20 0.98 0.75
groupbench-empty:
Not-config: x
goos: linux
goarch: amd64
pkg: github.com/sealroom/sealroom/bench/mlsgroup
cpu: AMD EPYC
mlsgroup: 10 members: fixture cached in 6ms
BenchmarkGroup/members=10/op=commit-add-2   	     100	   1283000 ns/op	       472.0 msg-bytes	   63680 B/op	     449 allocs/op
BenchmarkGroup/members=10/op=process-add/receiver=near-2 	 3000	    676000 ns/op
BenchmarkSeal/size=16/impl=stdlib 	 1000000	       100.5 ns/op	 159.20 MB/s
BenchmarkPlain-16 	 10	 7 ns/op
PASS
ok  	github.com/sealroom/sealroom/bench/mlsgroup	1.467s
`

func TestParse(t *testing.T) {
	rs, e, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if e.GOOS != "linux" || e.GOARCH != "amd64" || e.CPU != "AMD EPYC" || e.Pkg != "github.com/sealroom/sealroom/bench/mlsgroup" {
		t.Errorf("env %+v", e)
	}
	if e.Config["groupbench-load-start"] != "1.20 0.98 0.75" || e.Config["cpu"] != "AMD EPYC" || len(e.Config) != 7 {
		t.Errorf("config %q", e.Config)
	}
	if v, ok := e.Config["groupbench-empty"]; !ok || v != "" {
		t.Errorf("empty config value %q, %v", v, ok)
	}
	if len(rs) != 4 {
		t.Fatalf("%d results, want 4", len(rs))
	}
	r := rs[0]
	if r.Name != "Group/members=10/op=commit-add" || r.Func != "Group" || r.Procs != 2 || r.Iters != 100 {
		t.Errorf("result 0: %+v", r)
	}
	if v, ok := r.Param("op"); !ok || v != "commit-add" {
		t.Errorf("op = %q, %v", v, ok)
	}
	if _, ok := r.Param("receiver"); ok {
		t.Error("receiver found in result 0")
	}
	if r.Metrics["ns/op"] != 1283000 || r.Metrics["msg-bytes"] != 472 || r.Metrics["B/op"] != 63680 || r.Metrics["allocs/op"] != 449 {
		t.Errorf("metrics %v", r.Metrics)
	}
	if v, _ := rs[1].Param("receiver"); v != "near" || len(rs[1].Params) != 3 {
		t.Errorf("result 1 params %+v", rs[1].Params)
	}
	// No GOMAXPROCS suffix (GOMAXPROCS=1): digits at the end stay in the name.
	if rs[2].Procs != 0 || rs[2].Name != "Seal/size=16/impl=stdlib" || rs[2].Metrics["MB/s"] != 159.2 {
		t.Errorf("result 2: %+v", rs[2])
	}
	if rs[3].Func != "Plain" || rs[3].Procs != 16 || len(rs[3].Params) != 0 {
		t.Errorf("result 3: %+v", rs[3])
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{5, 1, 3, 100, 2, 4})
	if s.N != 6 || s.Median != 3.5 || s.Min != 1 || s.Max != 100 {
		t.Errorf("%+v", s)
	}
	if got := s.RangePercent(); math.Abs(got-100*96.5/3.5) > 1e-9 {
		t.Errorf("range %v", got)
	}
	s = Summarize([]float64{3, 1, 2})
	if s.Median != 2 || s.RangePercent() != 50 {
		t.Errorf("%+v", s)
	}
	s = Summarize(nil)
	if s.N != 0 || !math.IsNaN(s.Median) || !math.IsNaN(s.RangePercent()) {
		t.Errorf("empty: %+v", s)
	}
	xs := []float64{2, 1}
	Summarize(xs)
	if xs[0] != 2 {
		t.Error("Summarize sorted its argument")
	}
}

// TestParseEdgeCases covers lines of real go test output that are not
// plain results: CRLF line ends, a result line split by a benchmark's own
// output, names with "=" in a value or digits after a dash, exponents,
// failures, repeated configuration keys.
func TestParseEdgeCases(t *testing.T) {
	const out = "goos: linux\r\n" +
		"cpu: first\n" +
		"BenchmarkA/k=v=w/size-16-2 \t 5 \t 1.5e+06 ns/op \t 3 allocs/op\r\n" +
		"BenchmarkB/noeq/x=1\n" + // name printed, then the benchmark's own output
		"    b_test.go:12: logged\n" +
		"BenchmarkB/noeq/x=1-2 \t 7 \t 20 ns/op\n" +
		"--- FAIL: BenchmarkC\n" +
		"BenchmarkD-x 3 4 ns/op\n" +
		"cpu: second\n" +
		"FAIL\n"
	rs, e, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if e.GOOS != "linux" || e.CPU != "second" || e.Config["cpu"] != "second" {
		t.Errorf("env %+v", e)
	}
	if len(rs) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(rs), rs)
	}
	a := rs[0]
	if a.Name != "A/k=v=w/size-16" || a.Procs != 2 || a.Iters != 5 || a.Metrics["ns/op"] != 1.5e6 || a.Metrics["allocs/op"] != 3 || len(a.Metrics) != 2 {
		t.Errorf("result 0: %+v", a)
	}
	if v, _ := a.Param("k"); v != "v=w" || len(a.Params) != 1 {
		t.Errorf("result 0 params %+v", a.Params)
	}
	if rs[1].Name != "B/noeq/x=1" || rs[1].Iters != 7 || len(rs[1].Params) != 1 {
		t.Errorf("result 1: %+v", rs[1])
	}
	if rs[2].Name != "D-x" || rs[2].Procs != 0 {
		t.Errorf("result 2: %+v", rs[2])
	}
	if rs, _, err := Parse(strings.NewReader("")); err != nil || len(rs) != 0 {
		t.Errorf("empty input: %v, %v", rs, err)
	}
}

// TestParseLongLine checks that a line beyond the scanner's limit is an
// error, not a silent truncation of the results.
func TestParseLongLine(t *testing.T) {
	long := "BenchmarkX-2 1 5 ns/op\n" + strings.Repeat("x", 2<<20) + "\nBenchmarkY-2 1 5 ns/op\n"
	if _, _, err := Parse(strings.NewReader(long)); err == nil || !strings.HasPrefix(err.Error(), "benchfmt: ") {
		t.Errorf("2 MB line: %v", err)
	}
}

// TestParseErrors checks that a malformed result line is an error that
// quotes the line and says what is wrong with it.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"BenchmarkX-99999999999999999999 1 5 ns/op", "GOMAXPROCS"},
		{"BenchmarkX-2 1 5 ns/op 6", "without a unit"},
		{"BenchmarkX-2 1 five ns/op", "bad value"},
		{"BenchmarkX-2 1 5 B/op", "ns/op"},
		{"BenchmarkX-2 1 -5 ns/op", "ns/op"},
		{"BenchmarkX-2 10 0 ns/op", "ns/op"},
		{"BenchmarkX-2 99999999999999999999 5 ns/op", "iteration count"},
	} {
		_, _, err := Parse(strings.NewReader(c.line + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.line) {
			t.Errorf("%q: error %v, want one naming the line and %q", c.line, err, c.want)
		}
	}
}

func TestSummarizeEdgeCases(t *testing.T) {
	s := Summarize([]float64{7})
	if s.N != 1 || s.Median != 7 || s.Min != 7 || s.Max != 7 || s.RangePercent() != 0 {
		t.Errorf("one sample: %+v, range %v", s, s.RangePercent())
	}
	s = Summarize([]float64{0, 0})
	if s.Median != 0 || !math.IsNaN(s.RangePercent()) {
		t.Errorf("zero median: %+v, range %v", s, s.RangePercent())
	}
	// Even count: the mean of the two middle samples, whatever the order.
	s = Summarize([]float64{10, 40, 20, 30})
	if s.Median != 25 || s.Min != 10 || s.Max != 40 || s.RangePercent() != 60 {
		t.Errorf("%+v, range %v", s, s.RangePercent())
	}
}
