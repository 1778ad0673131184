package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var l Latencies
	// 1..100 ms, added in reverse so that sorting matters.
	for i := 100; i >= 1; i-- {
		l.Add(time.Duration(i) * time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{0, 1 * time.Millisecond},
		{1, 1 * time.Millisecond},
		{50, 50 * time.Millisecond},
		{50.5, 51 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{99.9, 100 * time.Millisecond},
		{100, 100 * time.Millisecond},
	}
	for _, c := range cases {
		if got := l.Percentile(c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := l.Max(); got != 100*time.Millisecond {
		t.Errorf("Max = %v, want 100ms", got)
	}
	if got, want := l.Mean(), 50500*time.Microsecond; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
}

// The textbook example of the nearest-rank method: for 15, 20, 35, 40,
// 50 the 30th percentile is 20, the 40th 20, the 50th 35, the 100th 50.
func TestPercentileTextbook(t *testing.T) {
	var l Latencies
	for _, v := range []time.Duration{35, 20, 15, 50, 40} {
		l.Add(v)
	}
	for p, want := range map[float64]time.Duration{5: 15, 30: 20, 40: 20, 50: 35, 100: 50} {
		if got := l.Percentile(p); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", p, got, want)
		}
	}
}

func TestPercentileEmptyAndSingle(t *testing.T) {
	var l Latencies
	if l.Percentile(99) != 0 || l.Mean() != 0 || l.Max() != 0 || l.Len() != 0 {
		t.Fatal("an empty Latencies must summarize to zero")
	}
	l.Add(7 * time.Millisecond)
	for _, p := range []float64{0, 50, 99, 100} {
		if got := l.Percentile(p); got != 7*time.Millisecond {
			t.Errorf("Percentile(%v) of one sample = %v", p, got)
		}
	}
}

func TestMergeAndCountAbove(t *testing.T) {
	var a, b Latencies
	for _, v := range []time.Duration{5, 1, 3} {
		a.Add(v)
	}
	if a.Percentile(100) != 5 {
		t.Fatal("Percentile before Merge")
	}
	for _, v := range []time.Duration{3, 9, 2} {
		b.Add(v)
	}
	a.Merge(&b)
	if a.Len() != 6 {
		t.Fatalf("Len after Merge = %d, want 6", a.Len())
	}
	// Sorted: 1 2 3 3 5 9; the merge must invalidate the earlier sort.
	if got := a.Percentile(100); got != 9 {
		t.Errorf("Max after Merge = %v, want 9", got)
	}
	if got := a.Percentile(50); got != 3 {
		t.Errorf("p50 after Merge = %v, want 3", got)
	}
	for d, want := range map[time.Duration]int{0: 6, 1: 5, 3: 2, 4: 2, 9: 0, 10: 0} {
		if got := a.CountAbove(d); got != want {
			t.Errorf("CountAbove(%v) = %d, want %d", d, got, want)
		}
	}
}
