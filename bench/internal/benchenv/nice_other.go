//go:build !linux

package benchenv

// Niceness returns "" where the nice value is not read.
func Niceness() string { return "" }
