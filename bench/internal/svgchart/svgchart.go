// Package svgchart draws line charts as SVG with the standard library
// only: series of points over a linear or logarithmic x and y axis, with
// optional marker points (targets, reference figures) drawn apart from the
// lines.
package svgchart

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Point is one (x, y) value.
type Point struct{ X, Y float64 }

// Series is one line of a chart.
type Series struct {
	Name   string
	Points []Point // drawn in order of X
	Dashed bool
}

// Marker is a single point with a label, not joined to others: a target
// or a reference figure.
type Marker struct {
	Label string
	Point
	Shape Shape
	Color string // CSS color; "" picks the color of the series named Series
	// Series names the series the marker belongs to, for its color.
	Series string
}

// Shape is how a Marker is drawn.
type Shape int

const (
	Diamond Shape = iota // hollow diamond
	Square               // hollow square
)

// Axis describes one axis.
type Axis struct {
	Label string
	Log   bool // logarithmic scale
	// Ticks are the values to mark; if nil they are chosen: decades
	// (1, 10, 100...) on a log axis, multiples of 1, 2 or 5 times a power
	// of ten from 0 on a linear one.
	Ticks []float64
	// Format prints a tick value; nil uses %g.
	Format func(float64) string
}

// Chart is a line chart.
type Chart struct {
	Title   string
	X, Y    Axis
	Series  []Series
	Markers []Marker
	// Colors are those of the series (CSS colors), in order; nil means
	// Palette.
	Colors []string
}

// Palette is the colors of the series, in order (the first is grey, for a
// baseline).
var Palette = []string{"#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"}

// ErrEmpty is returned for a chart with nothing to plot.
var ErrEmpty = errors.New("svgchart: nothing to plot")

const (
	width, height          = 880, 480
	left, right, top, bott = 80, 270, 50, 60
)

// scale maps values of one axis to pixels.
type scale struct {
	log      bool
	lo, hi   float64 // in axis units (log10 of the value on a log axis)
	px0, px1 float64
}

func (s scale) pos(v float64) float64 {
	if s.log {
		v = math.Log10(v)
	}
	return s.px0 + (v-s.lo)/(s.hi-s.lo)*(s.px1-s.px0)
}

// WriteSVG draws the chart.
func (c *Chart) WriteSVG(w io.Writer) error {
	var xs, ys []float64
	for _, s := range c.Series {
		for _, p := range s.Points {
			xs, ys = append(xs, p.X), append(ys, p.Y)
		}
	}
	for _, m := range c.Markers {
		xs, ys = append(xs, m.X), append(ys, m.Y)
	}
	xs = append(xs, c.X.Ticks...)
	if len(xs) == 0 {
		return ErrEmpty
	}
	if len(ys) == 0 {
		ys = []float64{0}
	}
	for _, a := range []struct {
		log bool
		vs  []float64
	}{{c.X.Log, xs}, {c.Y.Log, ys}} {
		for _, v := range a.vs {
			if a.log && !(v > 0) || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("svgchart: value %g cannot be plotted", v)
			}
		}
	}
	pw, ph := float64(width-left-right), float64(height-top-bott)
	xTicks, xs0 := axisTicks(c.X, xs, false)
	yTicks, ys0 := axisTicks(c.Y, ys, true)
	for _, a := range []struct {
		extent [2]float64
		vs     []float64
	}{{xs0, xs}, {ys0, ys}} {
		if span := a.extent[1] - a.extent[0]; !(span > 0) || math.IsInf(span, 0) {
			return fmt.Errorf("svgchart: values from %g to %g cannot share an axis", slices.Min(a.vs), slices.Max(a.vs))
		}
	}
	x := scale{log: c.X.Log, lo: xs0[0], hi: xs0[1], px0: left, px1: left + pw}
	y := scale{log: c.Y.Log, lo: ys0[0], hi: ys0[1], px0: top + ph, px1: top}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="15" font-weight="bold">%s</text>`+"\n", left, esc(c.Title))
	for _, t := range yTicks {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", left, y.pos(t), float64(left)+pw, y.pos(t))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y.pos(t)+4, esc(c.Y.format(t)))
	}
	for _, t := range xTicks {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", x.pos(t), top, x.pos(t), float64(top)+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x.pos(t), float64(top)+ph+18, esc(c.X.format(t)))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#333"/>`+"\n", left, top, pw, ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", float64(left)+pw/2, height-15, esc(c.X.Label))
	fmt.Fprintf(&b, `<text transform="translate(20 %.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", float64(top)+ph/2, esc(c.Y.Label))
	colors := map[string]string{}
	legend := 0
	legendEntry := func(color, dash, name string, marker *Marker) {
		ly := float64(top + 10 + 22*legend)
		lx := float64(left) + pw + 15
		if marker != nil {
			fmt.Fprintf(&b, `<path d="%s" fill="white" stroke="%s" stroke-width="2"/>`+"\n", marker.Shape.path(lx+12, ly), color)
		} else {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, ly, lx+25, ly, color, dash)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+31, ly+4, esc(name))
		legend++
	}
	palette := c.Colors
	if len(palette) == 0 {
		palette = Palette
	}
	for i, s := range c.Series {
		color := esc(palette[i%len(palette)])
		colors[s.Name] = color
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		pts := slices.Clone(s.Points)
		slices.SortStableFunc(pts, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
		var coords []string
		for _, p := range pts {
			coords = append(coords, fmt.Sprintf("%.1f,%.1f", x.pos(p.X), y.pos(p.Y)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(coords, " "), color, dash)
		for _, p := range pts {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s at %s: %s</title></circle>`+"\n",
				x.pos(p.X), y.pos(p.Y), color, esc(s.Name), esc(c.X.format(p.X)), esc(c.Y.format(p.Y)))
		}
		legendEntry(color, dash, s.Name, nil)
	}
	for i := range c.Markers {
		m := &c.Markers[i]
		color := esc(m.Color)
		if color == "" {
			color = colors[m.Series]
		}
		if color == "" {
			color = "#000"
		}
		cx, cy := x.pos(m.X), y.pos(m.Y)
		fmt.Fprintf(&b, `<path d="%s" fill="white" stroke="%s" stroke-width="2"><title>%s: %s at %s</title></path>`+"\n",
			m.Shape.path(cx, cy), color, esc(m.Label), esc(c.Y.format(m.Y)), esc(c.X.format(m.X)))
		legendEntry(color, "", m.Label, m)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// axisTicks returns the ticks of an axis and its extent in axis units.
// A linear y axis starts at zero (fromZero).
func axisTicks(a Axis, vs []float64, fromZero bool) (ticks []float64, extent [2]float64) {
	lo, hi := slices.Min(vs), slices.Max(vs)
	if a.Log {
		llo, lhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if a.Ticks != nil {
			// Explicit ticks: fit the data, not whole decades.
			llo, lhi = math.Log10(lo), math.Log10(hi)
		}
		if lhi == llo {
			lhi = llo + 1
		}
		ticks = a.Ticks
		if ticks == nil {
			for e := llo; e <= lhi; e++ {
				ticks = append(ticks, math.Pow(10, e))
			}
		}
		return ticks, [2]float64{llo, lhi}
	}
	if fromZero {
		lo = min(lo, 0)
	}
	if a.Ticks != nil {
		if hi == lo {
			hi = lo + 1
		}
		return a.Ticks, [2]float64{lo, hi}
	}
	step := NiceStep((hi - lo) / 5)
	lo = math.Floor(lo/step) * step
	top := math.Ceil(hi/step) * step
	if top == lo {
		top = lo + step
	}
	for v := lo; v <= top+step/2; v += step {
		ticks = append(ticks, v)
	}
	return ticks, [2]float64{lo, top}
}

func (a Axis) format(v float64) string {
	if a.Format != nil {
		return a.Format(v)
	}
	return fmt.Sprintf("%g", v)
}

// NiceStep rounds a positive step up to 1, 2 or 5 times a power of ten.
func NiceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// path returns the SVG path of the shape centered on (cx, cy).
func (s Shape) path(cx, cy float64) string {
	if s == Square {
		const r = 5
		return fmt.Sprintf("M%.1f,%.1f H%.1f V%.1f H%.1f Z", cx-r, cy-r, cx+r, cy+r, cx-r)
	}
	const r = 7
	return fmt.Sprintf("M%.1f,%.1f L%.1f,%.1f L%.1f,%.1f L%.1f,%.1f Z", cx, cy-r, cx+r, cy, cx, cy+r, cx-r, cy)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
