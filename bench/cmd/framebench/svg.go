package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// series is one line of a chart: throughput in GB/s at each size.
type series struct {
	Name   string
	Points map[int]float64
}

var palette = []string{"#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"}

// writeSVG draws throughput against size (log-scale x axis) for each
// series, the first series being the baseline (drawn grey and dashed).
func writeSVG(w io.Writer, title string, sizes []int, ss []series) error {
	const (
		width, height          = 760, 440
		left, right, top, bott = 70, 170, 50, 60
	)
	pw, ph := float64(width-left-right), float64(height-top-bott)
	if len(sizes) == 0 {
		return fmt.Errorf("framebench: no sizes to plot")
	}
	lx0, lx1 := math.Log2(float64(sizes[0])), math.Log2(float64(sizes[len(sizes)-1]))
	if lx1 == lx0 {
		lx1 = lx0 + 1
	}
	ymax := 0.0
	for _, s := range ss {
		for _, v := range s.Points {
			ymax = math.Max(ymax, v)
		}
	}
	step := niceStep(ymax / 5)
	ytop := math.Ceil(ymax/step) * step
	if ytop == 0 {
		ytop = 1
	}
	x := func(size int) float64 { return float64(left) + (math.Log2(float64(size))-lx0)/(lx1-lx0)*pw }
	y := func(v float64) float64 { return float64(top) + ph - v/ytop*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="15" font-weight="bold">%s</text>`+"\n", left, esc(title))
	for v := 0.0; v <= ytop+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", left, y(v), float64(left)+pw, y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y(v)+4, trimFloat(v))
	}
	for _, s := range sizes {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#e0e0e0"/>`+"\n", x(s), top, x(s), float64(top)+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(s), float64(top)+ph+18, sizeLabel(s))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="#333"/>`+"\n", left, top, pw, ph)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">frame size (bytes, log scale)</text>`+"\n", float64(left)+pw/2, height-15)
	fmt.Fprintf(&b, `<text transform="translate(20 %.1f) rotate(-90)" text-anchor="middle">throughput (GB/s)</text>`+"\n", float64(top)+ph/2)
	for i, s := range ss {
		color := palette[i%len(palette)]
		dash := ""
		if i == 0 {
			dash = ` stroke-dasharray="6 4"`
		}
		var pts []string
		for _, sz := range sizes {
			if v, ok := s.Points[sz]; ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(sz), y(v)))
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(pts, " "), color, dash)
		for _, sz := range sizes {
			if v, ok := s.Points[sz]; ok {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s %s: %.2f GB/s</title></circle>`+"\n", x(sz), y(v), color, esc(s.Name), sizeLabel(sz), v)
			}
		}
		ly := top + 10 + 22*i
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", float64(left)+pw+15, ly, float64(left)+pw+40, ly, color, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+pw+46, ly+4, esc(s.Name))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// niceStep rounds a positive step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
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

func trimFloat(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func sizeLabel(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%dK", n/1024)
	}
	return fmt.Sprint(n)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
