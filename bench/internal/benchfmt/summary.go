package benchfmt

import (
	"math"
	"slices"
)

// Summary describes repeated samples of one metric: benchstat's center
// (the median) and range (minimum to maximum). On a machine shared with
// other work the minimum is the sample least disturbed by it.
type Summary struct {
	N                int
	Median, Min, Max float64
}

// Summarize returns the summary of xs; N is 0 and the values NaN if xs is
// empty.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Summary{N: len(s), Median: med, Min: s[0], Max: s[len(s)-1]}
}

// RangePercent returns the range as benchstat prints it: the largest
// distance of Min or Max from the median, in percent of the median.
func (s Summary) RangePercent() float64 {
	if s.N == 0 || s.Median == 0 {
		return math.NaN()
	}
	return 100 * max(s.Max-s.Median, s.Median-s.Min) / s.Median
}
