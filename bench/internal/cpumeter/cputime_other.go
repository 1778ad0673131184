//go:build !unix

package cpumeter

import "time"

// processCPUTime returns 0: the CPU time is not read on this system.
func processCPUTime() time.Duration { return 0 }
