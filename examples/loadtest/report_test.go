package main

import (
	"strings"
	"testing"
	"time"
)

// result fabricates a run of n clients with latency p99 and lost frames.
func result(n int, p99 time.Duration, lost int64) *Result {
	r := &Result{N: n, Offered: 100, Sent: 100, Expected: 100 * uint64(n-1)}
	r.Opened = r.Expected - uint64(lost)
	r.Lost = lost
	for range 100 {
		r.LatencyAll.Add(p99)
		r.SendLag.Add(time.Millisecond)
	}
	return r
}

func TestVerdict(t *testing.T) {
	if v := result(4, 5*time.Millisecond, 0).Verdict(); !v.OK {
		t.Errorf("a clean run fails: %s", v.Reason)
	}
	cases := []struct {
		r    *Result
		want string
	}{
		{result(4, 20*time.Millisecond, 0), "p99"},
		{result(4, time.Millisecond, 4), "loss"},
		{func() *Result { r := result(4, time.Millisecond, 0); r.DecryptFailed = 1; r.Opened--; return r }(), "decrypt"},
		{func() *Result { r := result(4, time.Millisecond, 0); r.BadStamp = 1; r.Opened--; return r }(), "decrypt"},
		{func() *Result { r := result(4, time.Millisecond, 0); r.Sent = 98; return r }(), "schedule"},
		{func() *Result { r := result(4, time.Millisecond, 0); r.HandshakesDuring = 1; return r }(), "handshakes"},
	}
	for i, c := range cases {
		v := c.r.Verdict()
		if v.OK || !strings.Contains(v.Reason, c.want) {
			t.Errorf("case %d: verdict %+v, want a failure for %q", i, v, c.want)
		}
	}
	// 3 lost of 300 is 1%: at the limit, still a pass.
	if v := result(4, time.Millisecond, 3).Verdict(); !v.OK {
		t.Errorf("1%% loss fails: %s", v.Reason)
	}
}

func TestLargestPassing(t *testing.T) {
	ok, bad := time.Millisecond, 30*time.Millisecond
	cases := []struct {
		rs   []*Result
		want int
	}{
		{nil, 0},
		{[]*Result{result(2, bad, 0)}, 0},
		{[]*Result{result(2, ok, 0), result(4, ok, 0), result(8, bad, 0)}, 4},
		// Half the runs of 4 failed: 4 is not sustained, nor is 8 above it.
		{[]*Result{result(2, ok, 0), result(4, ok, 0), result(4, bad, 0), result(8, ok, 0)}, 2},
		// Two of three runs of 4 passed: sustained.
		{[]*Result{result(2, ok, 0), result(4, ok, 0), result(4, bad, 0), result(4, ok, 0), result(8, bad, 0)}, 4},
		// Out of order.
		{[]*Result{result(8, ok, 0), result(2, ok, 0), result(4, ok, 0)}, 8},
	}
	for i, c := range cases {
		if got := largestPassing(c.rs); got != c.want {
			t.Errorf("case %d: largestPassing = %d, want %d", i, got, c.want)
		}
	}
	rs := []*Result{result(4, ok, 0), result(2, ok, 0), result(4, bad, 0)}
	if got, want := passCounts(rs), "N=2: 1/1, N=4: 1/2"; got != want {
		t.Errorf("passCounts = %q, want %q", got, want)
	}
}
