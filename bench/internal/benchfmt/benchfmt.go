// Package benchfmt reads the output of go test -bench (the Go benchmark
// data format, as benchstat reads it) and summarizes repeated samples the
// way benchstat does: median, with the range and the minimum beside it.
package benchfmt

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Param is one key=value element of a sub-benchmark name.
type Param struct {
	Key, Value string
}

// Result is one benchmark result line.
type Result struct {
	// Name is the benchmark's full name without the "Benchmark" prefix
	// and the -GOMAXPROCS suffix: "Seal/size=16/impl=stdlib".
	Name string
	// Func is the first element of Name: "Seal".
	Func string
	// Params are the key=value elements of the sub-benchmark names, in
	// order; elements without "=" are left out.
	Params []Param
	// Procs is the -GOMAXPROCS suffix, 0 if there is none.
	Procs int
	// Iters is the number of iterations the result is the mean of.
	Iters int
	// Metrics maps each unit ("ns/op", "B/op", "allocs/op", "MB/s", or a
	// custom one) to its value.
	Metrics map[string]float64
}

// Param returns the value of the key=value element key.
func (r *Result) Param(key string) (string, bool) {
	for _, p := range r.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return "", false
}

// Metric returns the value of unit and whether the line had it.
func (r *Result) Metric(unit string) (float64, bool) {
	v, ok := r.Metrics[unit]
	return v, ok
}

// Env is what go test prints about the machine and package before the
// results, and every other configuration line ("key: value", the key
// starting with a lower-case letter and holding no space), the last value
// of each key.
type Env struct {
	GOOS, GOARCH, CPU, Pkg string
	Config                 map[string]string
}

// lineRE matches a result line: name, optional -GOMAXPROCS suffix,
// iteration count, then value-unit pairs.
var lineRE = regexp.MustCompile(`^Benchmark(\S+?)(?:-(\d+))?\s+(\d+)\s+(.*)$`)

// configRE matches a configuration line of the Go benchmark format.
var configRE = regexp.MustCompile(`^(\p{Ll}[^\s:]*):(?:\s+(.*))?$`)

// Parse reads go test -bench output and returns its result lines in
// order, and the environment lines (the last of each kind). Lines that are
// not results are skipped; a result line with a malformed value, or
// without ns/op, is an error.
func Parse(r io.Reader) ([]Result, Env, error) {
	var out []Result
	e := Env{Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := configRE.FindStringSubmatch(line); m != nil {
			v := strings.TrimSpace(m[2])
			e.Config[m[1]] = v
			switch m[1] {
			case "goos":
				e.GOOS = v
			case "goarch":
				e.GOARCH = v
			case "cpu":
				e.CPU = v
			case "pkg":
				e.Pkg = v
			}
			continue
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res, err := parseResult(m[1], m[2], m[3], m[4])
		if err != nil {
			return nil, e, fmt.Errorf("benchfmt: %q: %w", line, err)
		}
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, e, fmt.Errorf("benchfmt: %w", err)
	}
	return out, e, nil
}

// parseResult builds a Result from the submatches of lineRE.
func parseResult(name, procs, iters, rest string) (Result, error) {
	res := Result{Name: name, Metrics: map[string]float64{}}
	elems := strings.Split(name, "/")
	res.Func = elems[0]
	for _, el := range elems[1:] {
		if k, v, ok := strings.Cut(el, "="); ok {
			res.Params = append(res.Params, Param{k, v})
		}
	}
	var err error
	if procs != "" {
		if res.Procs, err = strconv.Atoi(procs); err != nil {
			return res, fmt.Errorf("bad GOMAXPROCS suffix: %w", err)
		}
	}
	if res.Iters, err = strconv.Atoi(iters); err != nil {
		return res, fmt.Errorf("bad iteration count: %w", err)
	}
	fields := strings.Fields(rest)
	if len(fields)%2 != 0 {
		return res, fmt.Errorf("a value without a unit")
	}
	for i := 0; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return res, fmt.Errorf("bad value: %w", err)
		}
		res.Metrics[fields[i+1]] = v
	}
	if ns, ok := res.Metrics["ns/op"]; !ok || ns <= 0 {
		return res, fmt.Errorf("no positive ns/op")
	}
	return res, nil
}
