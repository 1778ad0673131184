package main

import (
	"time"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
)

// target is a goal of the issue "MLS groups": the operations Ops, those
// the issue names, must take less than Limit at Members members. Harder
// are operations the issue does not name, held against the same limit
// for information; they do not decide the target.
type target struct {
	What    string
	Members int
	Limit   time.Duration
	Ops     []opKey
	Harder  []opKey
}

var targets = []target{
	// The issue: "create a commit that adds one member; process that
	// commit as an existing member". A Remove's Commit carries a path.
	{"process a commit", 1000, 2 * time.Millisecond,
		[]opKey{{"process-add", "near"}, {"process-add", "far"}},
		[]opKey{{"process-remove", "near"}, {"process-remove", "far"}}},
	{"create an Add commit", 1000, 10 * time.Millisecond, []opKey{{"commit-add", ""}}, nil},
	{"join", 10000, 500 * time.Millisecond, []opKey{{"join", ""}}, nil},
}

// overall says whether every one of t's Ops met its limit at the median
// (benchstat's center) of the summaries get picks from r: "met", "not
// met", or "not measured" if any of them is missing.
func (t target) overall(r *results, get func(stat) benchfmt.Summary) string {
	met := true
	for _, op := range t.Ops {
		s := get(r.get(config{op, t.Members}))
		if s.N == 0 {
			return "not measured"
		}
		met = met && s.Median < float64(t.Limit.Nanoseconds())
	}
	if met {
		return "met"
	}
	return "not met"
}

// reference is a published figure of another MLS implementation, measured
// on its authors' hardware, and the operation of ours it compares with.
type reference struct {
	What    string
	Members int
	Time    time.Duration
	Ours    opKey
}

var references = []reference{
	{"Go library: commit", 500, 34700 * time.Microsecond, opKey{"commit-add", ""}},
	{"Go library: join", 500, 77700 * time.Microsecond, opKey{"join", ""}},
	{"Rust library: process", 128, 1 * time.Millisecond, opKey{"process-add", "near"}},
	{"Rust library: join", 10000, 1800 * time.Millisecond, opKey{"join", ""}},
}

// verdict says whether the samples s meet a limit: in every run, at the
// median only, or not.
func verdict(s benchfmt.Summary, limit time.Duration) string {
	l := float64(limit.Nanoseconds())
	switch {
	case s.N == 0:
		return "not measured"
	case s.Max < l:
		return "met (every run)"
	case s.Median < l:
		return "met at the median, not in every run"
	case s.Min < l:
		return "not met (only the fastest run)"
	}
	return "not met"
}
