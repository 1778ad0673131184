package benchenv

import (
	"strconv"
	"syscall"
)

// Niceness returns this process's nice value (inherited by the benchmark
// runs), or "" if unknown.
func Niceness() string {
	// The raw getpriority system call returns 20 - nice on Linux.
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return ""
	}
	return strconv.Itoa(20 - p)
}
