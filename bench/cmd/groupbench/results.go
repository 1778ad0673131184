package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
	"github.com/sealroom/sealroom/bench/internal/cpumeter"
)

// opKey is one line of the chart: an operation, and for processing, the
// receiving member (near: leaf 1; far: the last leaf).
type opKey struct {
	Op, Receiver string
}

func (k opKey) String() string {
	if k.Receiver == "" {
		return k.Op
	}
	return fmt.Sprintf("%s (%s)", k.Op, k.Receiver)
}

// config is one measured configuration.
type config struct {
	opKey
	Members int
}

// stat summarizes the runs of one configuration.
type stat struct {
	Time   benchfmt.Summary // ns/op: wall time
	CPU    benchfmt.Summary // cpu-ns/op: CPU time of all threads; N is 0 if absent
	Allocs float64          // allocs/op, the largest over the runs
	Bytes  float64          // B/op, median
	Msg    float64          // msg-bytes: size of the message made or processed; -1 if absent
}

// results are the summarized benchmark results of the runs.
type results struct {
	Ops   []opKey // in order of first appearance
	Sizes []int   // ascending
	Stats map[config]stat
	Env   benchfmt.Env
	Procs int // GOMAXPROCS of the runs
}

// collect reads the raw go test output of BenchmarkGroup: sub-benchmarks
// members=N/op=OP[/receiver=R].
func collect(r io.Reader) (*results, error) {
	lines, env, err := benchfmt.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("groupbench: %w", err)
	}
	res := &results{Stats: map[config]stat{}, Env: env}
	type samples struct{ ns, cpu, allocs, bytes, msg []float64 }
	all := map[config]*samples{}
	for _, l := range lines {
		ms, okM := l.Param("members")
		op, okO := l.Param("op")
		if l.Func != "Group" || !okM || !okO {
			continue
		}
		n, err := strconv.Atoi(ms)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("groupbench: bad group size in %s", l.Name)
		}
		recv, _ := l.Param("receiver")
		c := config{opKey{op, recv}, n}
		s := all[c]
		if s == nil {
			s = &samples{}
			all[c] = s
			if !slices.Contains(res.Ops, c.opKey) {
				res.Ops = append(res.Ops, c.opKey)
			}
			if !slices.Contains(res.Sizes, n) {
				res.Sizes = append(res.Sizes, n)
			}
		}
		s.ns = append(s.ns, l.Metrics["ns/op"])
		if v, ok := l.Metric(cpumeter.Unit); ok {
			s.cpu = append(s.cpu, v)
		}
		if v, ok := l.Metric("allocs/op"); ok {
			s.allocs = append(s.allocs, v)
		}
		if v, ok := l.Metric("B/op"); ok {
			s.bytes = append(s.bytes, v)
		}
		if v, ok := l.Metric("msg-bytes"); ok {
			s.msg = append(s.msg, v)
		}
		res.Procs = l.Procs
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("groupbench: no BenchmarkGroup/members=N/op=OP results")
	}
	slices.Sort(res.Sizes)
	for c, s := range all {
		st := stat{Time: benchfmt.Summarize(s.ns), CPU: benchfmt.Summarize(s.cpu), Allocs: -1, Bytes: -1, Msg: -1}
		if len(s.allocs) > 0 {
			st.Allocs = slices.Max(s.allocs)
		}
		if len(s.bytes) > 0 {
			st.Bytes = benchfmt.Summarize(s.bytes).Median
		}
		if len(s.msg) > 0 {
			st.Msg = benchfmt.Summarize(s.msg).Median
		}
		res.Stats[c] = st
	}
	return res, nil
}

// get returns the summary of configuration c; its summaries have no
// samples (N 0, NaN values) if c was not measured.
func (r *results) get(c config) stat {
	if s, ok := r.Stats[c]; ok {
		return s
	}
	return stat{Time: benchfmt.Summarize(nil), CPU: benchfmt.Summarize(nil), Allocs: -1, Bytes: -1, Msg: -1}
}
