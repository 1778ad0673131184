package benchenv

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

const cpuinfo = `processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 17
model name	: AMD EPYC 9R14
flags		: fpu vme sse2 pclmulqdq aes avx2 sha_ni avx512f avx512bw vaes
processor	: 1
model name	: ignored
`

func TestParseCPUInfo(t *testing.T) {
	got := parseCPUInfo(cpuinfo, 2)
	want := "AMD EPYC 9R14 (family 25, model 17; 2 logical CPUs; pclmulqdq aes avx2 sha_ni avx512f avx512bw vaes)"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := parseCPUInfo("processor : 0\n", 1); got != "" {
		t.Errorf("no model: %q", got)
	}
	for _, c := range []struct{ text, want string }{
		{"model name : Neoverse\r\nflags : fp asimd\n", "Neoverse (1 logical CPUs)"},
		{"model name:X\ncpu family:6\nflags:\n", "X (family 6, model ?; 1 logical CPUs)"},
		{"model name : X : Y\nmodel : 1\nflags : aes aes\n", "X : Y (family ?, model 1; 1 logical CPUs; aes aes)"},
		{"", ""},
	} {
		if got := parseCPUInfo(c.text, 1); got != c.want {
			t.Errorf("parseCPUInfo(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestLoadAverage(t *testing.T) {
	if _, err := os.Stat("/proc/loadavg"); err != nil {
		t.Skip("no /proc/loadavg on this system")
	}
	if got := LoadAverage(); !regexp.MustCompile(`^\d+\.\d+ \d+\.\d+ \d+\.\d+$`).MatchString(got) {
		t.Errorf("LoadAverage() = %q", got)
	}
}

func TestRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git command")
	}
	if err := exec.Command("git", "rev-parse", "HEAD").Run(); err != nil {
		if got := Revision(); got != "" {
			t.Errorf("outside a git checkout: %q", got)
		}
		t.Skip("not in a git checkout")
	}
	if got := Revision(); !regexp.MustCompile(`^commit [0-9a-f]{40,64}( \+ uncommitted changes)?$`).MatchString(got) {
		t.Errorf("Revision() = %q", got)
	}
}
