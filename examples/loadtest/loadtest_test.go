package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
)

// inProcessRelay is a relay.Server in the test's own process: its CPU
// and memory figures are the whole test process's.
type inProcessRelay struct{ srv *relay.Server }

func (r inProcessRelay) Addr() string { return r.srv.Addr().String() }
func (r inProcessRelay) Pin() []byte {
	pin := r.srv.CertificateSHA256()
	return pin[:]
}
func (r inProcessRelay) Pid() int { return os.Getpid() }
func (r inProcessRelay) Stop()    { r.srv.Close() }
func startInProcess(maxMembers int) (relayServer, error) {
	srv, err := relay.New(relay.Options{MaxMembers: maxMembers})
	if err != nil {
		return nil, err
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		srv.Close()
		return nil, err
	}
	return inProcessRelay{srv}, nil
}

// checkFlow asserts what every run must show whatever the machine's
// load: frames of both streams flowed from every client to every other,
// all opened, none refused or misattributed, and the figures add up.
func checkFlow(t *testing.T, res *Result) {
	t.Helper()
	if res.Sent == 0 || res.Opened == 0 {
		t.Fatalf("no frames flowed: sent %d, opened %d", res.Sent, res.Opened)
	}
	if res.DecryptFailed != 0 || res.BadStamp != 0 {
		t.Errorf("%d decrypt failures (first: %v), %d misattributed frames", res.DecryptFailed, res.FirstFailure, res.BadStamp)
	}
	if res.HandshakesDuring != 0 {
		t.Errorf("%d handshake messages during the load", res.HandshakesDuring)
	}
	if res.Expected != res.Sent*uint64(res.N-1) {
		t.Errorf("expected %d, want sent %d × %d", res.Expected, res.Sent, res.N-1)
	}
	if res.Lost < 0 || res.Opened+res.DecryptFailed+res.BadStamp+uint64(res.Lost) != res.Expected {
		t.Errorf("opened %d + failed %d + lost %d != expected %d", res.Opened, res.DecryptFailed+res.BadStamp, res.Lost, res.Expected)
	}
	// Loopback with a receive buffer of thousands of frames: a loss is
	// possible under heavy load of the machine, but not of most frames.
	if res.Opened < res.Expected/2 {
		t.Errorf("opened %d of %d expected frames", res.Opened, res.Expected)
	}
	for k, name := range []string{"audio", "video"} {
		if res.Latency[k].Len() == 0 {
			t.Errorf("no %s frame was opened", name)
		}
	}
	if got := res.Latency[0].Len() + res.Latency[1].Len(); uint64(got) != res.Opened {
		t.Errorf("%d latency samples for %d frames opened", got, res.Opened)
	}
	if res.LatencyAll.Percentile(50) <= 0 {
		t.Errorf("p50 latency %v: the stamps are not read", res.LatencyAll.Percentile(50))
	}
	if res.RelayHWMKiB <= 0 || res.RelayRSSMaxKiB <= 0 {
		t.Errorf("relay memory not measured: RSS max %d KiB, HWM %d KiB", res.RelayRSSMaxKiB, res.RelayHWMKiB)
	}
	row := strings.Join(row(res), " | ")
	t.Log(row)
}

// TestLoad runs three clients for a second through a relay in the test
// process: every client opens every other's audio and video.
func TestLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, Config{N: 3, Duration: time.Second, Drain: time.Second, StartRelay: startInProcess})
	if err != nil {
		t.Fatal(err)
	}
	checkFlow(t, res)
}

// TestLoadRelayProcess is the command's own path: it builds the relay,
// runs it as a child process and measures it through /proc.
func TestLoadRelayProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the relay binary")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin, err := buildRelay(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, Config{N: 2, Duration: time.Second, Drain: time.Second, RelayBin: bin})
	if err != nil {
		t.Fatal(err)
	}
	checkFlow(t, res)
	if res.RelayCPU <= 0 {
		t.Errorf("relay CPU not measured: %v", res.RelayCPU)
	}
}

func TestFormGroupRejectsOneClient(t *testing.T) {
	if _, err := Run(context.Background(), Config{N: 1, Duration: time.Second, StartRelay: startInProcess}); err == nil {
		t.Fatal("Run with one client: no error")
	}
}

func TestParseUDPInErrors(t *testing.T) {
	const snmp = `Ip: Forwarding DefaultTTL
Ip: 1 64
Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors
Udp: 16279415 3226 17 8025790 12
UdpLite: InDatagrams NoPorts InErrors
UdpLite: 0 0 99
`
	if n, ok := parseUDPInErrors(snmp); !ok || n != 17 {
		t.Errorf("parseUDPInErrors = %d, %v; want 17, true", n, ok)
	}
	for _, bad := range []string{"", "Udp: InDatagrams InErrors\n", "Udp: InDatagrams NoPorts\nUdp: 1 2\n", "Udp: InErrors\nUdp: x\n"} {
		if n, ok := parseUDPInErrors(bad); ok {
			t.Errorf("parseUDPInErrors(%q) = %d, true; want false", bad, n)
		}
	}
}

func TestSampleProc(t *testing.T) {
	s, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.rssKiB <= 0 || s.hwmKiB < s.rssKiB || s.nthreads <= 0 {
		t.Errorf("sample of this process: %+v", s)
	}
	// Burn some CPU: the sample must move.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x
	}
	s2, err := sampleProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s2.cpu <= s.cpu {
		t.Errorf("CPU time did not advance over 50 ms of spinning: %v then %v", s.cpu, s2.cpu)
	}
	if _, err := sampleProc(-1); err == nil {
		t.Error("sampleProc(-1): no error")
	}
}
