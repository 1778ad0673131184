package udpproxy

import (
	"net"
	"slices"
	"testing"
	"time"
)

// echo starts a UDP server on loopback that sends every packet back.
func echo(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			c.WriteToUDP(buf[:n], from)
		}
	}()
	return c.LocalAddr().String()
}

// roundTrip sends packets 0..n-1 through a proxy with cfg to an echo
// server, one at a time, and returns the numbers that came back, in
// order, and the proxy's counters.
func roundTrip(t *testing.T, cfg Config, n int) ([]byte, Stats) {
	t.Helper()
	p, err := New(echo(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("udp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		if _, err := c.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // keep the order the proxy sees
	}
	var got []byte
	buf := make([]byte, 16)
	for {
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		k, err := c.Read(buf)
		if err != nil {
			break
		}
		got = append(got, buf[:k]...)
	}
	return got, p.Stats()
}

// TestProxy: the zero Config forwards everything in order; Drop 1 drops
// everything; Duplicate 1 doubles each packet each way (n out, 2n
// back); Reorder 1 holds every other packet back behind the next, and
// loses none.
func TestProxy(t *testing.T) {
	const n = 8
	want := []byte{0, 1, 2, 3, 4, 5, 6, 7}
	if got, st := roundTrip(t, Config{}, n); !slices.Equal(got, want) || st.Forwarded != 2*n {
		t.Errorf("clean: got %v, stats %+v", got, st)
	}
	if got, st := roundTrip(t, Config{Drop: 1}, n); len(got) != 0 || st.Dropped != n {
		t.Errorf("drop: got %v, stats %+v", got, st)
	}
	if got, st := roundTrip(t, Config{Duplicate: 1}, n); len(got) != 4*n || st.Duplicated != n+2*n {
		t.Errorf("duplicate: got %d packets, stats %+v", len(got), st)
	}
	got, st := roundTrip(t, Config{Reorder: 1}, n)
	slices.Sort(got)
	if !slices.Equal(got, want) || st.Reordered == 0 {
		t.Errorf("reorder: got %v (sorted), stats %+v", got, st)
	}
}

// TestNotLoopback: the proxy is for tests on loopback only.
func TestNotLoopback(t *testing.T) {
	if _, err := New("192.0.2.1:443", Config{}); err == nil {
		t.Fatal("a proxy to a non-loopback address was started")
	}
}
