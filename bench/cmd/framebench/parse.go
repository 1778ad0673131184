package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
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
type env = benchfmt.Env

// parse reads go test -bench output and returns the samples of the
// benchmarks whose sub-benchmark names hold size=N and impl=NAME, in
// either order.
func parse(r io.Reader) ([]sample, env, error) {
	results, e, err := benchfmt.Parse(r)
	if err != nil {
		return nil, e, fmt.Errorf("framebench: %w", err)
	}
	var out []sample
	for _, res := range results {
		sizeStr, okS := res.Param("size")
		impl, okI := res.Param("impl")
		if !okS || !okI {
			continue
		}
		size, err := strconv.Atoi(sizeStr)
		if err != nil {
			return nil, e, fmt.Errorf("framebench: bad size in %s: %w", res.Name, err)
		}
		s := sample{Func: res.Func, Size: size, Impl: impl, NsOp: res.Metrics["ns/op"], Allocs: -1}
		if a, ok := res.Metric("allocs/op"); ok {
			s.Allocs = a
		}
		out = append(out, s)
	}
	return out, e, nil
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
		sum := benchfmt.Summarize(ns)
		st.NsOp, st.BestNs = sum.Median, sum.Min
		st.GBs = float64(k.Size) / st.NsOp
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
