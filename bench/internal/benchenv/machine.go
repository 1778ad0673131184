// Package benchenv records the machine a benchmark ran on (CPU model and
// flags, Go version, nice value, load average) and runs a package's
// benchmarks repeatedly from one test binary.
package benchenv

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// GoVersion returns the output of go version without its prefix, or the
// runtime's version if the go command is not at hand.
func GoVersion() string {
	if b, err := exec.Command("go", "version").Output(); err == nil {
		return strings.TrimPrefix(strings.TrimSpace(string(b)), "go version ")
	}
	return runtime.Version()
}

// CPUModel returns the CPU model, family and model numbers, the number of
// logical CPUs and the flags that matter to this module's code (AES,
// carry-less multiplication, SHA, AVX2, AVX-512, VAES), from
// /proc/cpuinfo; "" where that is not readable (go test's cpu: line then
// serves).
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	return parseCPUInfo(string(b), runtime.NumCPU())
}

// parseCPUInfo extracts CPUModel's description from /proc/cpuinfo text.
func parseCPUInfo(text string, ncpu int) string {
	var model, family, mod string
	var flags []string
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && model == "":
			model = v
		case k == "cpu family" && family == "":
			family = v
		case k == "model" && mod == "":
			mod = v
		case k == "flags" && flags == nil:
			flags = []string{}
			for _, f := range strings.Fields(v) {
				switch f {
				case "aes", "pclmulqdq", "sha_ni", "avx2", "avx512f", "avx512bw", "avx512vl", "vaes", "vpclmulqdq":
					flags = append(flags, f)
				}
			}
		}
	}
	if model == "" {
		return ""
	}
	return fmt.Sprintf("%s (family %s, model %s; %d logical CPUs; %s)", model, family, mod, ncpu, strings.Join(flags, " "))
}

// LoadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg ("1.20 0.98 0.75"), or "" where that is not readable.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
