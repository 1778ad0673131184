package main

import (
	"fmt"
	"io"
	"strings"
)

// meta is what makes a report reproducible.
type meta struct {
	Date, GoVersion, GOOS, GOARCH, CPU, Command, Nice string
	Count                                             int
	Benchtime                                         string
}

// suiteResult is one suite's summarized results.
type suiteResult struct {
	Suite  suite
	Funcs  []string
	Sizes  []int
	Impls  []string // baseline first
	Stats  map[key]stat
	Charts map[string]string // func -> SVG file name
	Raw    string            // raw go test output file name
}

func writeMarkdown(w io.Writer, m meta, results []suiteResult) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Frame benchmarks\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| date | %s |\n| CPU | %s |\n| Go | %s (tests run as %s/%s) |\n| runs | %d interleaved runs of the test binary, -benchtime=%s (medians below) |\n| command | `%s` (nice %s) |\n\n",
		m.Date, m.CPU, m.GoVersion, m.GOOS, m.GOARCH, m.Count, m.Benchtime, m.Command, m.Nice)
	b.WriteString("Throughput is bytes of text per second (GB/s = 10^9 B/s); ratio is the baseline's ns/op over the implementation's (higher is faster). ")
	b.WriteString("ns/op, GB/s and ratio are medians over the runs (as benchstat reports them); \"best\" columns use each configuration's fastest run, ")
	b.WriteString("which on a shared machine is the one least disturbed by other load. Compare ratios within one run. ")
	b.WriteString("The raw `go test` output beside this file can be fed to benchstat (`benchstat -col /impl`). Charts plot the medians.\n")
	for _, r := range results {
		fmt.Fprintf(&b, "\n## %s\n", r.Suite.Title)
		fmt.Fprintf(&b, "\nPackage `%s`, `-bench '%s'`, baseline `%s`; raw output: [%s](%s).\n", r.Suite.Pkg, r.Suite.Bench, r.Suite.Baseline, r.Raw, r.Raw)
		for _, f := range r.Funcs {
			fmt.Fprintf(&b, "\n### %s\n\n", f)
			if c, ok := r.Charts[f]; ok {
				fmt.Fprintf(&b, "![%s throughput vs frame size](%s)\n\n", f, c)
			}
			b.WriteString("| size (B) |")
			sep := "|---:|"
			for _, im := range r.Impls {
				fmt.Fprintf(&b, " %s ns/op | %s GB/s | best |", im, im)
				sep += "---:|---:|---:|"
			}
			for _, im := range r.Impls[1:] {
				fmt.Fprintf(&b, " %s ratio | best |", im)
				sep += "---:|---:|"
			}
			b.WriteString(" allocs/op |\n" + sep + "---:|\n")
			for _, sz := range r.Sizes {
				fmt.Fprintf(&b, "| %d |", sz)
				allocs := 0.0
				for _, im := range r.Impls {
					if s, ok := r.Stats[key{f, sz, im}]; ok {
						fmt.Fprintf(&b, " %.1f | %.2f | %.2f |", s.NsOp, s.GBs, s.BestGBs)
						allocs = max(allocs, s.Allocs)
					} else {
						b.WriteString(" – | – | – |")
					}
				}
				base, okb := r.Stats[key{f, sz, r.Suite.Baseline}]
				for _, im := range r.Impls[1:] {
					if s, ok := r.Stats[key{f, sz, im}]; ok && okb {
						fmt.Fprintf(&b, " %.2f× | %.2f× |", base.NsOp/s.NsOp, base.BestNs/s.BestNs)
					} else {
						b.WriteString(" – | – |")
					}
				}
				fmt.Fprintf(&b, " %s |\n", trimFloat(allocs))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
