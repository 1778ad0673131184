//go:build !linux

package main

// niceness returns "" where the nice value is not read.
func niceness() string { return "" }
