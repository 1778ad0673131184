package cpumeter

import (
	"runtime"
	"testing"
)

func TestProcessCPUTime(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" || runtime.GOOS == "plan9" {
		t.Skip("CPU time not read on", runtime.GOOS)
	}
	start := processCPUTime()
	if start <= 0 {
		t.Fatalf("CPU time %v", start)
	}
	x := uint64(1)
	for i := range 50_000_000 {
		x = x*6364136223846793005 + uint64(i)
	}
	if end := processCPUTime(); end <= start {
		t.Errorf("CPU time did not advance over a busy loop (%d): %v to %v", x, start, end)
	}
}

func BenchmarkMeter(b *testing.B) {
	m := Start()
	x := uint64(1)
	for b.Loop() {
		x = x*6364136223846793005 + 1
	}
	m.Report(b)
	_ = x
}

// TestReport runs a benchmark that burns CPU on this goroutine and checks
// that the metric is reported, positive and no more than all the CPUs
// could have spent in the wall time; a Meter that could not read the CPU
// time reports nothing.
func TestReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a one-second benchmark")
	}
	if processCPUTime() == 0 {
		t.Skip("CPU time not read on", runtime.GOOS)
	}
	sink := uint64(1)
	r := testing.Benchmark(func(b *testing.B) {
		m := Start()
		for b.Loop() {
			for i := range 2_000_000 {
				sink = sink*6364136223846793005 + uint64(i)
			}
		}
		m.Report(b)
	})
	cpu, ok := r.Extra[Unit]
	if !ok || r.N == 0 {
		t.Fatalf("no %s in %+v", Unit, r)
	}
	wall := float64(r.T.Nanoseconds()) / float64(r.N)
	if !(cpu > 0) || cpu > wall*float64(runtime.NumCPU())*1.05+1e6 {
		t.Errorf("%s %.0f for %.0f ns/op wall on %d CPUs (sink %d)", Unit, cpu, wall, runtime.NumCPU(), sink)
	}
	r = testing.Benchmark(func(b *testing.B) { Meter{}.Report(b) })
	if _, ok := r.Extra[Unit]; ok {
		t.Errorf("a Meter without a start reported %v", r.Extra)
	}
}
