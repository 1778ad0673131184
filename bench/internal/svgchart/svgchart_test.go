package svgchart

import (
	"bytes"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestLogLog(t *testing.T) {
	c := Chart{
		Title: "a <b>",
		X:     Axis{Label: "members", Log: true, Ticks: []float64{2, 10, 100, 1000, 10000}},
		Y:     Axis{Label: "time", Log: true, Format: func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) + "ns" }},
		Series: []Series{
			{Name: "commit", Points: []Point{{1000, 5e6}, {2, 4e5}, {10, 1e6}}},
			{Name: "join", Points: []Point{{2, 3e5}, {10000, 3e8}}, Dashed: true},
		},
		Markers: []Marker{
			{Label: "target", Point: Point{1000, 1e7}, Series: "commit"},
			{Label: "ref", Point: Point{500, 3.47e7}, Shape: Square, Color: "#999"},
		},
	}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Count(s, "<polyline") != 2 || strings.Count(s, "stroke-dasharray") != 2 || !strings.Contains(s, "a &lt;b&gt;") {
		t.Errorf("svg:\n%s", s)
	}
	// Decade ticks of the y axis span the data: 100,000 ns to 1e9 ns.
	for _, want := range []string{">100000ns<", ">1e+06ns<", ">1e+09ns<", ">10000<", ">2<"} {
		if !strings.Contains(s, want) {
			t.Errorf("svg lacks %s", want)
		}
	}
	if strings.Contains(s, ">10000ns<") || strings.Contains(s, ">1e+10ns<") {
		t.Error("y ticks beyond the data's decades")
	}
	// The series' points are drawn in order of x: 2, 10, 1000.
	m := regexp.MustCompile(`<polyline points="([^"]*)"`).FindStringSubmatch(s)
	var xs []float64
	for _, p := range strings.Fields(m[1]) {
		x, _ := strconv.ParseFloat(strings.Split(p, ",")[0], 64)
		xs = append(xs, x)
	}
	if len(xs) != 3 || !(xs[0] < xs[1] && xs[1] < xs[2]) {
		t.Errorf("points %v", m[1])
	}
	// The target marker takes the color of its series (the second of
	// the palette); the reference its own.
	if !strings.Contains(s, `fill="white" stroke="`+Palette[0]+`" stroke-width="2"><title>target`) ||
		!strings.Contains(s, `stroke="#999" stroke-width="2"><title>ref`) {
		t.Errorf("marker colors:\n%s", s)
	}
}

func TestLinear(t *testing.T) {
	c := Chart{
		X:      Axis{Log: true, Ticks: []float64{16, 65536}},
		Y:      Axis{},
		Series: []Series{{Name: "x", Points: []Point{{16, 0.13}, {65536, 10.9}}}},
		Colors: []string{"#123456"},
	}
	var b bytes.Buffer
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	// From 0 to 15 in steps of 5.
	for _, want := range []string{">0<", ">5<", ">10<", ">15<", `stroke="#123456"`} {
		if !strings.Contains(s, want) {
			t.Errorf("svg lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, ">20<") {
		t.Error("tick beyond the data")
	}
}

func TestErrors(t *testing.T) {
	var b bytes.Buffer
	if err := (&Chart{}).WriteSVG(&b); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty chart: %v", err)
	}
	for _, p := range []Point{{0, 1}, {1, 0}, {-1, 1}, {1, math.NaN()}, {math.Inf(1), 1}} {
		c := Chart{X: Axis{Log: true}, Y: Axis{Log: true}, Series: []Series{{Points: []Point{p}}}}
		if err := c.WriteSVG(&b); err == nil {
			t.Errorf("point %v plotted on log axes", p)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ raw, want float64 }{{0, 1}, {-3, 1}, {0.3, 0.5}, {2.18, 5}, {7, 10}, {1, 1}, {120, 200}} {
		if got := NiceStep(c.raw); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("NiceStep(%v) = %v, want %v", c.raw, got, c.want)
		}
	}
}
