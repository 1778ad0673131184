package main

import (
	"math"
	"slices"
	"time"
)

// Latencies collects latency samples and summarizes them exactly: every
// sample is kept (a sweep step holds a few million at most), sorted once,
// and a percentile is read by the nearest-rank method.
type Latencies struct {
	samples []time.Duration
	sorted  bool
}

// Add records one sample.
func (l *Latencies) Add(d time.Duration) {
	l.samples = append(l.samples, d)
	l.sorted = false
}

// Merge adds every sample of o.
func (l *Latencies) Merge(o *Latencies) {
	l.samples = append(l.samples, o.samples...)
	l.sorted = false
}

// Len returns the number of samples.
func (l *Latencies) Len() int { return len(l.samples) }

func (l *Latencies) sort() {
	if !l.sorted {
		slices.Sort(l.samples)
		l.sorted = true
	}
}

// Percentile returns the p-th percentile (0 < p <= 100) by nearest rank:
// the smallest sample such that at least p% of the samples are no larger,
// that is the sample of rank ceil(p/100 * n) in ascending order. It
// returns 0 for no samples, and the minimum for p <= 0.
func (l *Latencies) Percentile(p float64) time.Duration {
	n := len(l.samples)
	if n == 0 {
		return 0
	}
	l.sort()
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return l.samples[rank-1]
}

// Max returns the largest sample, or 0 for none.
func (l *Latencies) Max() time.Duration { return l.Percentile(100) }

// Mean returns the arithmetic mean, or 0 for none.
func (l *Latencies) Mean() time.Duration {
	if len(l.samples) == 0 {
		return 0
	}
	var sum float64
	for _, d := range l.samples {
		sum += float64(d)
	}
	return time.Duration(sum / float64(len(l.samples)))
}

// CountAbove returns how many samples exceed d.
func (l *Latencies) CountAbove(d time.Duration) int {
	l.sort()
	i, found := slices.BinarySearch(l.samples, d)
	for found && i < len(l.samples) && l.samples[i] == d {
		i++
	}
	return len(l.samples) - i
}
