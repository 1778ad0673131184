package main

import (
	"time"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
)

// target is a goal of the issue "MLS groups": the operations held
// against it must take less than Limit at Members members.
type target struct {
	What    string
	Members int
	Limit   time.Duration
	Ops     []opKey
}

var targets = []target{
	{"process a commit", 1000, 2 * time.Millisecond, []opKey{
		{"process-add", "near"}, {"process-add", "far"}, {"process-remove", "near"}, {"process-remove", "far"}}},
	{"create an Add commit", 1000, 10 * time.Millisecond, []opKey{{"commit-add", ""}}},
	{"join", 10000, 500 * time.Millisecond, []opKey{{"join", ""}}},
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
