package benchenv

import (
	"os"
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
}

func TestLoadAverage(t *testing.T) {
	if _, err := os.Stat("/proc/loadavg"); err != nil {
		t.Skip("no /proc/loadavg on this system")
	}
	if got := LoadAverage(); !regexp.MustCompile(`^\d+\.\d+ \d+\.\d+ \d+\.\d+$`).MatchString(got) {
		t.Errorf("LoadAverage() = %q", got)
	}
}
