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
