// Package benchenv records the machine a benchmark ran on (CPU model and
// flags, Go version, nice value, load average) and the source revision,
// and runs a package's benchmarks repeatedly from one test binary.
package benchenv

import (
	"bytes"
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
	var parts []string
	if family != "" || mod != "" {
		parts = append(parts, fmt.Sprintf("family %s, model %s", orQuestion(family), orQuestion(mod)))
	}
	parts = append(parts, fmt.Sprintf("%d logical CPUs", ncpu))
	if len(flags) > 0 {
		parts = append(parts, strings.Join(flags, " "))
	}
	return fmt.Sprintf("%s (%s)", model, strings.Join(parts, "; "))
}

// orQuestion returns s, or "?" if it is empty.
func orQuestion(s string) string {
	if s == "" {
		return "?"
	}
	return s
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

// Revision describes the source the benchmarks are built from: "commit
// " and the hash of the git checkout's HEAD, with "+ uncommitted changes"
// if the work tree differs from it; "" outside a git checkout (or without
// git).
func Revision() string {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	s := "commit " + strings.TrimSpace(string(head))
	status, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()
	switch {
	case err != nil:
		s += " (work tree state unknown)"
	case len(bytes.TrimSpace(status)) > 0:
		s += " + uncommitted changes"
	}
	return s
}
