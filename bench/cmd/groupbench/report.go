package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
)

// meta is what makes a report reproducible and says how disturbed it was.
type meta struct {
	Date, GoVersion, CPU, Command, Nice string
	Source                              string // revision of the module: "commit 0123abc", "+ uncommitted changes"
	LoadStart, LoadEnd                  string // 1, 5 and 15 minute load averages
	NumCPU                              int
	Count                               int
	Benchtime                           string
	Raw                                 string // file name of the raw output, beside the report
	Dir                                 string // directory of the report, as given to -out
	Charts                              []chartFile
}

// chartFile is a chart beside the report: of wall time, or of CPU time.
type chartFile struct {
	File, Alt string
	CPU       bool
}

// opNotes describe the operations, for the report.
var opNotes = []struct{ op, text string }{
	{"commit-add", "leaf 0 makes a Commit adding one member (Add by value, no path) with a Welcome carrying the ratchet tree; the pending commit is cleared after each iteration"},
	{"process-add", "a member processes that Commit (`Group.Process`, not merged): near = leaf 1, the committer's sibling; far = the last leaf, whose lowest common ancestor with the committer is the root"},
	{"join", "the new member joins from that Commit's Welcome (`JoinFromWelcome`, tree inline: decrypt, decode and validate the whole tree, key schedule)"},
	{"commit-remove", "leaf 0 makes a Commit removing leaf members/2; a Remove needs a path, encrypted to the resolution of every copath node"},
	{"process-remove", "near and far process that Commit (not merged): decrypt one path secret, derive the keys above it, validate the path"},
}

func writeMarkdown(w io.Writer, m meta, r *results) error {
	var b strings.Builder
	b.WriteString("# MLS group benchmarks\n\n")
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| date | %s |\n", orDash(m.Date))
	fmt.Fprintf(&b, "| source | %s |\n", orDash(m.Source))
	fmt.Fprintf(&b, "| CPU | %s |\n", orDash(m.CPU, r.Env.CPU))
	fmt.Fprintf(&b, "| Go | %s (tests run as %s/%s, GOMAXPROCS %d) |\n", m.GoVersion, r.Env.GOOS, r.Env.GOARCH, r.Procs)
	fmt.Fprintf(&b, "| suite | 0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 |\n")
	fmt.Fprintf(&b, "| runs | %s interleaved runs of one test binary after an uncounted warm-up run, -benchtime=%s each |\n", orDash(count(m.Count)), orDash(m.Benchtime))
	fmt.Fprintf(&b, "| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", orDash(m.LoadStart), orDash(m.LoadEnd))
	fmt.Fprintf(&b, "| command | `%s` (nice %s) |\n\n", m.Command, orDash(m.Nice))
	fmt.Fprintf(&b, "The machine is shared: %s logical CPUs, on which other processes (builds, tests and fuzzing of other work) ran during the benchmark, as the load average shows. ", orDash(count(m.NumCPU)))
	b.WriteString("Wall time on 2 cores is affected by them: package mls spreads tree validation, tree hashing and path encryption over GOMAXPROCS workers, so the large groups lose most when the other core is busy. ")
	b.WriteString("The CPU time per operation (of all threads: workers and garbage collector included, from getrusage) is much less affected. ")
	b.WriteString("As these operations wait for nothing but their own workers, it is about the wall time they would take on one idle core; ")
	b.WriteString("on two idle cores the parallel parts take about half as long.\n\n")
	b.WriteString("Times are medians over the runs, as benchstat reports them; ± is the largest distance of the fastest or slowest run from the median ")
	b.WriteString("(with 6 runs the range from the fastest to the slowest run is also benchstat's 95% confidence interval of the median); ")
	b.WriteString("min is the fastest run, the one least disturbed by other load. allocs/op is the largest over the runs, B/op the median; ")
	b.WriteString("message is the size of the Commit made or processed, or of the Welcome joined from.")
	if m.Raw != "" {
		fmt.Fprintf(&b, " Raw `go test` output: [%s](%s) (`benchstat %s`).", m.Raw, m.Raw, m.Raw)
	}
	b.WriteString("\n\n")
	for _, c := range m.Charts {
		fmt.Fprintf(&b, "![%s](%s)\n\n", c.Alt, c.File)
	}

	b.WriteString("## Targets\n\n")
	b.WriteString("A target is met if the median of every operation the issue names is under the limit. ")
	b.WriteString("Wall time is what this run on the shared machine shows; CPU time (of all threads) is about what one idle core would show, ")
	b.WriteString("and a target missed on CPU time may still be met on two idle cores, by the parallel parts.\n\n")
	for _, t := range targets {
		fmt.Fprintf(&b, "- **%s at %s members in under %s**: %s on wall time, %s on CPU time (", t.What, count(t.Members), fmtDur(float64(t.Limit)),
			t.overall(r, func(s stat) benchfmt.Summary { return s.Time }), t.overall(r, func(s stat) benchfmt.Summary { return s.CPU }))
		for i, op := range t.Ops {
			s := r.get(config{op, t.Members})
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: wall %s, CPU %s", op, fmtDur(s.Time.Median), fmtDur(s.CPU.Median))
		}
		b.WriteString(").\n")
	}
	b.WriteString("\nPer run: \"every run\" means the slowest run was under the limit too. ")
	b.WriteString("Rows marked *harder* hold an operation the issue does not name against the same limit, for information: ")
	b.WriteString("processing a Remove's Commit, which carries a path whose secrets this tree shape encrypts to every member.\n\n")
	b.WriteString("| target | measured | wall median | wall min | wall max | wall time | CPU median | CPU time (one core) |\n|---|---|---:|---:|---:|---|---:|---|\n")
	for _, t := range targets {
		for i, op := range slices.Concat(t.Ops, t.Harder) {
			s := r.get(config{op, t.Members})
			name := op.String()
			if i >= len(t.Ops) {
				name += " (*harder*)"
			}
			fmt.Fprintf(&b, "| %s at %s members in under %s | %s | %s | %s | %s | %s | %s | %s |\n", t.What, count(t.Members), fmtDur(float64(t.Limit)),
				name, fmtDur(s.Time.Median), fmtDur(s.Time.Min), fmtDur(s.Time.Max), verdict(s.Time, t.Limit), fmtDur(s.CPU.Median), verdict(s.CPU, t.Limit))
		}
	}

	for _, tab := range []struct {
		title string
		get   func(stat) benchfmt.Summary
	}{{"Medians, wall time", func(s stat) benchfmt.Summary { return s.Time }}, {"Medians, CPU time", func(s stat) benchfmt.Summary { return s.CPU }}} {
		fmt.Fprintf(&b, "\n## %s\n\n| operation |", tab.title)
		sep := "|---|"
		for _, n := range r.Sizes {
			fmt.Fprintf(&b, " %s |", count(n))
			sep += "---:|"
		}
		b.WriteString("\n" + sep + "\n")
		for _, op := range r.Ops {
			fmt.Fprintf(&b, "| %s |", op)
			for _, n := range r.Sizes {
				if s, ok := r.Stats[config{op, n}]; ok {
					fmt.Fprintf(&b, " %s |", fmtDur(tab.get(s).Median))
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
	}

	b.WriteString("\n## All results\n\n| operation | members | wall median | ± | min | max | CPU median | CPU min | allocs/op | B/op | message |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, op := range r.Ops {
		for _, n := range r.Sizes {
			s, ok := r.Stats[config{op, n}]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", op, count(n), fmtDur(s.Time.Median), fmtRange(s.Time),
				fmtDur(s.Time.Min), fmtDur(s.Time.Max), fmtDur(s.CPU.Median), fmtDur(s.CPU.Min), orDash(count(int(s.Allocs))), fmtBytes(s.Bytes), fmtBytes(s.Msg))
		}
	}

	b.WriteString("\n## Published figures of other implementations\n\n")
	b.WriteString("Measured by their authors on their own hardware, with their own tree shapes; indicative only. Ours (wall median, CPU median) at the nearest sizes measured:\n\n")
	b.WriteString("| figure | members | time | ours |\n|---|---:|---:|---|\n")
	for _, ref := range references {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", ref.What, count(ref.Members), fmtDur(float64(ref.Time)), oursNear(r, ref))
	}

	b.WriteString("\n## What is measured\n\n")
	b.WriteString("Package `bench/mlsgroup`, `BenchmarkGroup/members=N/op=OP[/receiver=near|far]`, through package mls's public API. ")
	b.WriteString("Each group is built once by its creator (leaf 0) adding the others by value in Commits of up to 4,096 Adds without a path, and cached in a file under the OS temporary directory; ")
	b.WriteString("every parent node of its tree is blank (the group right after its creator filled it: the costliest shape for a Commit with a path, whose secrets go to every other member). ")
	b.WriteString("None of the operations changes the member's state, so each iteration runs on the same state and the timing holds nothing else.\n\n")
	for _, n := range opNotes {
		fmt.Fprintf(&b, "- **%s**: %s.\n", n.op, n.text)
	}

	b.WriteString("\n## Reproduce\n\n")
	b.WriteString("From the module root, at the source revision above (the first run builds the groups, about half a minute; later runs load them from the cache):\n\n")
	cmd := m.Command
	if cmd == "" {
		cmd = "go run ./bench/cmd/groupbench"
	}
	if m.Nice != "" && m.Nice != "0" {
		cmd = "nice -n " + m.Nice + " " + cmd
	}
	fmt.Fprintf(&b, "    %s\n", cmd)
	if m.Raw != "" {
		fmt.Fprintf(&b, "    benchstat %s\n", filepath.ToSlash(filepath.Join(m.Dir, m.Raw)))
	}
	b.WriteString("    go test -run '^$' -bench 'Group/members=1000$/' -benchmem -count 6 ./bench/mlsgroup   # one size\n")
	if m.Nice != "" && m.Nice != "0" {
		b.WriteString("\nA negative nice value needs root; it only lowers the disturbance by other processes.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oursNear describes our figures for ref's operation at its size, or at
// the measured sizes around it.
func oursNear(r *results, ref reference) string {
	var parts []string
	lo, hi := -1, -1
	for _, n := range r.Sizes {
		if _, ok := r.Stats[config{ref.Ours, n}]; !ok {
			continue
		}
		if n <= ref.Members {
			lo = n
		}
		if n >= ref.Members && hi < 0 {
			hi = n
		}
	}
	var sizes []int
	if lo >= 0 {
		sizes = append(sizes, lo)
	}
	if hi >= 0 && hi != lo {
		sizes = append(sizes, hi)
	}
	for _, n := range sizes {
		st := r.get(config{ref.Ours, n})
		parts = append(parts, fmt.Sprintf("%s (CPU %s) at %s", fmtDur(st.Time.Median), fmtDur(st.CPU.Median), count(n)))
	}
	if len(parts) == 0 {
		return "not measured"
	}
	return ref.Ours.String() + ": " + strings.Join(parts, ", ")
}

// fmtDur prints nanoseconds with three significant digits in a unit that
// keeps the number below 1000.
func fmtDur(ns float64) string {
	if math.IsNaN(ns) {
		return "–"
	}
	units := []struct {
		scale float64
		name  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}, {1, "ns"}}
	for _, u := range units {
		// 999.6 µs prints as 1.00 ms, not 1000 µs.
		if ns >= u.scale*0.9995 || u.scale == 1 {
			return sig3(ns/u.scale) + " " + u.name
		}
	}
	return ""
}

// fmtRange prints benchstat's ± for s, as ">999%" beyond that.
func fmtRange(s benchfmt.Summary) string {
	p := s.RangePercent()
	switch {
	case math.IsNaN(p):
		return "–"
	case p > 999:
		return "±>999%"
	}
	return fmt.Sprintf("±%.0f%%", p)
}

// sig3 prints v with three significant digits, without an exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtBytes prints a byte count (B, kB, MB with 1000 as the factor), "–"
// if negative (not reported).
func fmtBytes(v float64) string {
	switch {
	case v < 0 || math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return sig3(v/1e6) + " MB"
	case v >= 1e3:
		return sig3(v/1e3) + " kB"
	}
	return fmt.Sprintf("%.0f B", v)
}

// count prints an integer with thousands separators; "" if negative.
func count(n int) string {
	if n < 0 {
		return ""
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// orDash returns the first non-empty value, or "–".
func orDash(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return "–"
}
