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

func TestParseErrors(t *testing.T) {
	for _, line := range []string{
		"BenchmarkX-2 10 abc ns/op",
		"BenchmarkX-2 10 5 ns/op 7",
		"BenchmarkX-2 10 5 B/op",
		"BenchmarkX-2 10 0 ns/op",
		"BenchmarkX-2 99999999999999999999 5 ns/op",
	} {
		if _, _, err := Parse(strings.NewReader(line + "\n")); err == nil {
			t.Errorf("%q parsed", line)
		}
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
