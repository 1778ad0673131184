//go:build race

package gcm

// raceEnabled reports whether the test binary was built with -race, which
// also turns on the checkptr instrumentation of unsafe conversions.
const raceEnabled = true
