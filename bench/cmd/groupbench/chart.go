package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/sealroom/sealroom/bench/internal/benchfmt"
	"github.com/sealroom/sealroom/bench/internal/svgchart"
)

// writeChart draws the median wall time (cpu false) or CPU time (cpu true)
// of each operation against group size, log-log, with the targets
// (diamonds, in the color of the operation held against them) and the
// published figures of other implementations (grey squares).
func writeChart(w io.Writer, r *results, cpu bool) error {
	what, get := "wall time", func(s stat) benchfmt.Summary { return s.Time }
	if cpu {
		what, get = "CPU time (all threads)", func(s stat) benchfmt.Summary { return s.CPU }
	}
	c := svgchart.Chart{
		Title: "MLS group operations, suite 0x0001: median " + what + " vs group size",
		X:     svgchart.Axis{Label: "members (log scale)", Log: true, Format: func(v float64) string { return count(int(v)) }},
		Y:     svgchart.Axis{Label: what + " per operation (log scale)", Log: true, Format: fmtTick},
		// No grey: that is for the published figures.
		Colors: svgchart.Palette[1:],
	}
	for _, n := range r.Sizes {
		c.X.Ticks = append(c.X.Ticks, float64(n))
	}
	for _, op := range r.Ops {
		s := svgchart.Series{Name: op.String(), Dashed: op.Receiver == "far"}
		for _, n := range r.Sizes {
			if st, ok := r.Stats[config{op, n}]; ok && get(st).N > 0 {
				s.Points = append(s.Points, svgchart.Point{X: float64(n), Y: get(st).Median})
			}
		}
		c.Series = append(c.Series, s)
	}
	for _, t := range targets {
		c.Markers = append(c.Markers, svgchart.Marker{
			Label:  fmt.Sprintf("target: %s < %v", t.Ops[0].Op, t.Limit),
			Point:  svgchart.Point{X: float64(t.Members), Y: float64(t.Limit)},
			Series: t.Ops[0].String(),
		})
	}
	for _, ref := range references {
		c.Markers = append(c.Markers, svgchart.Marker{
			Label: fmt.Sprintf("%s (%s)", ref.What, count(ref.Members)),
			Point: svgchart.Point{X: float64(ref.Members), Y: float64(ref.Time)},
			Shape: svgchart.Square,
			Color: "#999",
		})
	}
	if err := c.WriteSVG(w); err != nil {
		return fmt.Errorf("groupbench: %w", err)
	}
	return nil
}

// fmtTick prints a duration for an axis tick: fmtDur without trailing
// zeros ("1 ms", "100 µs").
func fmtTick(ns float64) string {
	num, unit, _ := strings.Cut(fmtDur(ns), " ")
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + " " + unit
}
