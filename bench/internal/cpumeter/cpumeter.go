// Package cpumeter reports the CPU time a benchmark's operations cost, as
// the metric cpu-ns/op: the process's user and system time on all threads
// (workers and garbage collector included) over the timed loop, per
// iteration. On a machine shared with other work the wall time per
// operation says little, the CPU time much more; for work spread over
// several cores, wall time on an idle machine is about the CPU time
// divided by the cores in use.
package cpumeter

import (
	"testing"
	"time"
)

// Unit is the metric's unit.
const Unit = "cpu-ns/op"

// Meter measures the CPU time from Start to Report.
type Meter struct{ start time.Duration }

// Start starts measuring; call it right before the b.Loop loop.
func Start() Meter { return Meter{processCPUTime()} }

// Report reports the CPU time since Start per iteration; call it right
// after the loop. It reports nothing where the CPU time is not known.
func (m Meter) Report(b *testing.B) {
	if used := processCPUTime() - m.start; m.start > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), Unit)
	}
}
