package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// sample is one benchmark result line.
type sample struct {
	Func   string // e.g. "Seal" (without the Benchmark prefix)
	Size   int
	Impl   string
	NsOp   float64
	Allocs float64
}

// env is what go test prints about the machine.
type env struct {
	GOOS, GOARCH, CPU, Pkg string
}

// lineRE matches a result line whose sub-benchmark names hold size=N and
// impl=NAME in either order.
var lineRE = regexp.MustCompile(`^Benchmark([^/\s]+)/(?:size=(\d+)/impl=([^\s/]+?)|impl=([^\s/]+?)/size=(\d+?))(-\d+)?\s+\d+\s+(.*)$`)

// parse reads go test -bench output and returns its samples.
func parse(r io.Reader) ([]sample, env, error) {
	var out []sample
	var e env
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		for _, kv := range []struct {
			prefix string
			dst    *string
		}{{"goos: ", &e.GOOS}, {"goarch: ", &e.GOARCH}, {"cpu: ", &e.CPU}, {"pkg: ", &e.Pkg}} {
			if v, ok := strings.CutPrefix(line, kv.prefix); ok {
				*kv.dst = strings.TrimSpace(v)
			}
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		sizeStr, impl := m[2], m[3]
		if sizeStr == "" {
			sizeStr, impl = m[5], m[4]
		}
		size, err := strconv.Atoi(sizeStr)
		if err != nil {
			return nil, e, fmt.Errorf("framebench: bad size in %q: %w", line, err)
		}
		s := sample{Func: m[1], Size: size, Impl: impl, Allocs: -1}
		fields := strings.Fields(m[7])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, e, fmt.Errorf("framebench: bad value in %q: %w", line, err)
			}
			switch fields[i+1] {
			case "ns/op":
				s.NsOp = v
			case "allocs/op":
				s.Allocs = v
			}
		}
		if s.NsOp <= 0 {
			return nil, e, fmt.Errorf("framebench: no ns/op in %q", line)
		}
		out = append(out, s)
	}
	return out, e, sc.Err()
}

// stat is the summary of the samples of one (func, size, impl).
type stat struct {
	NsOp    float64 // median
	GBs     float64 // size / median ns
	BestNs  float64 // minimum: on a shared machine, the run least disturbed
	BestGBs float64 // size / minimum ns
	Allocs  float64 // maximum over samples
	N       int
}

// key identifies a benchmark configuration.
type key struct {
	Func string
	Size int
	Impl string
}

// summarize groups samples by configuration and takes medians.
func summarize(samples []sample) map[key]stat {
	groups := map[key][]sample{}
	for _, s := range samples {
		k := key{s.Func, s.Size, s.Impl}
		groups[k] = append(groups[k], s)
	}
	out := map[key]stat{}
	for k, g := range groups {
		ns := make([]float64, len(g))
		st := stat{Allocs: -1, N: len(g)}
		for i, s := range g {
			ns[i] = s.NsOp
			st.Allocs = max(st.Allocs, s.Allocs)
		}
		sort.Float64s(ns)
		if len(ns)%2 == 1 {
			st.NsOp = ns[len(ns)/2]
		} else {
			st.NsOp = (ns[len(ns)/2-1] + ns[len(ns)/2]) / 2
		}
		st.GBs = float64(k.Size) / st.NsOp
		st.BestNs = ns[0]
		st.BestGBs = float64(k.Size) / st.BestNs
		out[k] = st
	}
	return out
}

// axes lists the funcs, sizes and impls present, in order of appearance
// (funcs, impls) and ascending (sizes).
func axes(samples []sample) (funcs []string, sizes []int, impls []string) {
	seenF, seenS, seenI := map[string]bool{}, map[int]bool{}, map[string]bool{}
	for _, s := range samples {
		if !seenF[s.Func] {
			seenF[s.Func] = true
			funcs = append(funcs, s.Func)
		}
		if !seenS[s.Size] {
			seenS[s.Size] = true
			sizes = append(sizes, s.Size)
		}
		if !seenI[s.Impl] {
			seenI[s.Impl] = true
			impls = append(impls, s.Impl)
		}
	}
	sort.Ints(sizes)
	return funcs, sizes, impls
}
