//go:build unix

package cpumeter

import (
	"syscall"
	"time"
)

// processCPUTime returns the CPU time the process has used, user and
// system, on all threads.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
