package svgchart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
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
	// A linear axis whose span overflows a float64.
	for _, c := range []Chart{
		{Series: []Series{{Points: []Point{{-1e308, 1}, {1e308, 1}}}}},
		{Series: []Series{{Points: []Point{{1, -1e308}, {1, 1e308}}}}},
	} {
		if err := c.WriteSVG(&b); err == nil || !strings.Contains(err.Error(), "-1e+308 to 1e+308") {
			t.Errorf("%v: %v", c.Series[0].Points, err)
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

// wellFormed decodes s as XML to its end and returns the number of
// elements of each name.
func wellFormed(t *testing.T, s string) map[string]int {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	n := map[string]int{}
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 && (tok.Name.Local != "svg" || tok.Name.Space != "http://www.w3.org/2000/svg") {
				t.Fatalf("root element %v", tok.Name)
			}
			n[tok.Name.Local]++
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if n["svg"] != 1 || depth != 0 {
		t.Fatalf("%d svg elements, depth %d at the end", n["svg"], depth)
	}
	return n
}

// TestWellFormed draws charts whose names, labels, colors and tick labels
// hold XML's special characters, and degenerate ones (one point, all
// values equal, markers only), and checks that each is well-formed SVG
// with the text intact and every coordinate a finite number.
func TestWellFormed(t *testing.T) {
	const nasty = `a<b & "c" > 'd' ]]> <!-- x -->`
	quote := func(v float64) string { return nasty + strconv.FormatFloat(v, 'g', -1, 64) }
	charts := map[string]Chart{
		"escaping": {
			Title:   nasty,
			X:       Axis{Label: nasty, Log: true, Format: quote},
			Y:       Axis{Label: nasty, Log: true, Format: quote},
			Series:  []Series{{Name: nasty, Points: []Point{{1, 2}, {10, 20}}}, {Name: "b", Points: []Point{{3, 4}}, Dashed: true}},
			Markers: []Marker{{Label: nasty, Point: Point{5, 5}, Series: nasty}, {Label: "m", Point: Point{6, 6}, Color: `"red"&`, Shape: Square}},
			Colors:  []string{`#fff" onload="x`},
		},
		"one point, log":    {X: Axis{Log: true}, Y: Axis{Log: true}, Series: []Series{{Name: "s", Points: []Point{{7, 7}}}}},
		"one point, linear": {Series: []Series{{Name: "s", Points: []Point{{7, 7}}}}},
		"equal values, linear ticks": {
			X:      Axis{Ticks: []float64{3}},
			Series: []Series{{Name: "s", Points: []Point{{3, 0}, {3, 0}}}},
		},
		"equal values, log ticks": {
			X:      Axis{Log: true, Ticks: []float64{3}},
			Y:      Axis{Log: true, Ticks: []float64{5}},
			Series: []Series{{Name: "s", Points: []Point{{3, 5}, {3, 5}}}},
		},
		"negative, linear": {Series: []Series{{Name: "s", Points: []Point{{-5, -3}, {-1, -0.001}}}}},
		"markers only":     {X: Axis{Log: true}, Y: Axis{Log: true}, Markers: []Marker{{Label: "t", Point: Point{1000, 2e-3}}}},
		"ticks only":       {X: Axis{Ticks: []float64{1, 2}}},
	}
	num := regexp.MustCompile(`(?:x|y|x1|x2|y1|y2|cx|cy|points|d)="([^"]*)"`)
	for name, c := range charts {
		var b bytes.Buffer
		if err := c.WriteSVG(&b); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		s := b.String()
		n := wellFormed(t, s)
		if n["polyline"] != len(c.Series) || n["path"] != 2*len(c.Markers) {
			t.Errorf("%s: %d polylines, %d paths for %d series and %d markers", name, n["polyline"], n["path"], len(c.Series), len(c.Markers))
		}
		for _, m := range num.FindAllStringSubmatch(s, -1) {
			if strings.Contains(m[1], "NaN") || strings.Contains(m[1], "Inf") {
				t.Errorf("%s: coordinate %s", name, m[0])
			}
		}
	}
	// The text comes back intact from the XML.
	var b bytes.Buffer
	c := charts["escaping"]
	if err := c.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Texts[0] != nasty || !slices.Contains(doc.Texts, nasty+"10") {
		t.Errorf("texts %q", doc.Texts)
	}
}
