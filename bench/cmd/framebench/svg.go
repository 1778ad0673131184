package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/sealroom/sealroom/bench/internal/svgchart"
)

// series is one line of a chart: throughput in GB/s at each size.
type series struct {
	Name   string
	Points map[int]float64
}

// writeSVG draws throughput against size (log-scale x axis) for each
// series, the first series being the baseline (drawn grey and dashed).
func writeSVG(w io.Writer, title string, sizes []int, ss []series) error {
	if len(sizes) == 0 {
		return fmt.Errorf("framebench: no sizes to plot")
	}
	c := svgchart.Chart{
		Title: title,
		X:     svgchart.Axis{Label: "frame size (bytes, log scale)", Log: true, Format: func(v float64) string { return sizeLabel(int(v)) }},
		Y:     svgchart.Axis{Label: "throughput (GB/s)", Format: trimFloat},
	}
	for _, sz := range sizes {
		c.X.Ticks = append(c.X.Ticks, float64(sz))
	}
	for i, s := range ss {
		cs := svgchart.Series{Name: s.Name, Dashed: i == 0}
		for _, sz := range sizes {
			if v, ok := s.Points[sz]; ok {
				cs.Points = append(cs.Points, svgchart.Point{X: float64(sz), Y: v})
			}
		}
		c.Series = append(c.Series, cs)
	}
	if err := c.WriteSVG(w); err != nil {
		return fmt.Errorf("framebench: %w", err)
	}
	return nil
}

func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func sizeLabel(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%dK", n/1024)
	}
	return fmt.Sprint(n)
}
