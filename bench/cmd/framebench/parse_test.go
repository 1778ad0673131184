package main

import (
	"bytes"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/sealroom/sealroom/frame/internal/gcm
cpu: AMD EPYC
BenchmarkSeal/size=16/impl=stdlib-2         	 1000000	       100.0 ns/op	 160.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkSeal/size=16/impl=stdlib-2         	 1000000	       120.0 ns/op	 133.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkSeal/size=16/impl=stdlib-2         	 1000000	       300.0 ns/op	 53.33 MB/s	       0 B/op	       0 allocs/op
BenchmarkSeal/size=16/impl=vaes-avx512-2    	 1000000	        40.0 ns/op	 400.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkOpen/size=65536/impl=vaes-avx512-2 	   10000	      6000 ns/op	10922.67 MB/s	       0 B/op	       1 allocs/op
BenchmarkOther-2 	   10000	      6000 ns/op
PASS
`

func TestParseSummarize(t *testing.T) {
	samples, e, err := parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5 || e.CPU != "AMD EPYC" || e.GOARCH != "amd64" {
		t.Fatalf("parsed %d samples, env %+v", len(samples), e)
	}
	st := summarize(samples)
	if s := st[key{"Seal", 16, "stdlib"}]; s.NsOp != 120 || s.N != 3 || s.GBs != 16.0/120 || s.BestNs != 100 {
		t.Errorf("stdlib median %+v", s)
	}
	if s := st[key{"Open", 65536, "vaes-avx512"}]; s.Allocs != 1 || s.NsOp != 6000 {
		t.Errorf("open %+v", s)
	}
	funcs, sizes, impls := axes(samples)
	if strings.Join(funcs, ",") != "Seal,Open" || len(sizes) != 2 || sizes[0] != 16 || strings.Join(impls, ",") != "stdlib,vaes-avx512" {
		t.Errorf("axes %v %v %v", funcs, sizes, impls)
	}
	if _, _, err := parse(strings.NewReader("BenchmarkSeal/size=16/impl=x-2 1 abc ns/op\n")); err == nil {
		t.Error("bad value parsed")
	}
}

func TestReportAndSVG(t *testing.T) {
	samples, _, _ := parse(strings.NewReader(sampleOutput))
	funcs, sizes, impls := axes(samples)
	r := suiteResult{Suite: suites[0], Funcs: funcs, Sizes: sizes, Impls: impls, Stats: summarize(samples),
		Charts: map[string]string{"Seal": "gcm-seal.svg"}, Raw: "gcm.txt"}
	var md bytes.Buffer
	if err := writeMarkdown(&md, meta{CPU: "AMD EPYC", Count: 3}, []suiteResult{r}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 16 | 120.0 | 0.13 | 0.16 | 40.0 | 0.40 | 0.40 | 3.00× | 2.50× | 0 |", "AMD EPYC", "gcm-seal.svg"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
	var svg bytes.Buffer
	ss := []series{{"stdlib", map[int]float64{16: 0.13, 65536: 5}}, {"vaes-avx512", map[int]float64{16: 0.4, 65536: 10.9}}}
	if err := writeSVG(&svg, "t<>", sizes, ss); err != nil {
		t.Fatal(err)
	}
	s := svg.String()
	if !strings.HasPrefix(s, "<svg") || strings.Count(s, "<polyline") != 2 || !strings.Contains(s, "t&lt;&gt;") || !strings.Contains(s, ">64K<") {
		t.Errorf("svg:\n%s", s)
	}
	if err := writeSVG(&svg, "", nil, nil); err == nil {
		t.Error("empty chart accepted")
	}
}

// TestParseEitherOrder checks that size= and impl= may come in either
// order in sub-benchmark names (frame's benchmarks name impl first).
func TestParseEitherOrder(t *testing.T) {
	in := "BenchmarkOpen/impl=sframe/size=1200-2   \t  157700\t      2361 ns/op\t6938.96 MB/s\t       0 B/op\t       0 allocs/op\n" +
		"BenchmarkOpen/size=1200/impl=raw-2   \t  157700\t      4722 ns/op\t3469.48 MB/s\t       0 B/op\t       1 allocs/op\n"
	got, _, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("parsed %d samples, want 2", len(got))
	}
	want := []sample{
		{Func: "Open", Size: 1200, Impl: "sframe", NsOp: 2361, Allocs: 0},
		{Func: "Open", Size: 1200, Impl: "raw", NsOp: 4722, Allocs: 1},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sample %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
