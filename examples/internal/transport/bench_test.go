package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/transport"
)

func pair(tb testing.TB) (snd, rcv *transport.Conn) {
	tb.Helper()
	srv := startRelay(tb)
	pin := srv.CertificateSHA256()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func(id string) *transport.Conn {
		c, err := transport.Dial(ctx, srv.Addr().String(), transport.Config{Room: "bench", ClientID: id, CertSHA256: pin[:]})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { c.Close() })
		return c
	}
	return dial("sender"), dial("receiver")
}

// BenchmarkSendMedia measures the client's media send path for an
// audio/video-sized frame, end to end on loopback: encoding into a pooled
// buffer, QUIC datagram, relay fan-out, receiver. B/op and allocs/op
// count the whole process (quic-go on three endpoints, the relay, the
// receiver), not SendMedia alone; TestEncodeMediaAllocations pins ours
// at zero. SendMedia blocks while quic-go's datagram queue is full, so
// ns/op is quic-go's paced send rate on loopback; delivered/op is the
// share the receiver got (datagrams, so some loss is expected).
func BenchmarkSendMedia(b *testing.B) {
	snd, rcv := pair(b)
	go func() {
		for {
			if _, err := rcv.ReceiveMedia(context.Background()); err != nil {
				return
			}
		}
	}()
	m := transport.Media{StreamID: 1, Payload: make([]byte, 1000)}
	b.SetBytes(int64(len(m.Payload)))
	b.ReportAllocs()
	for b.Loop() {
		m.Sequence++
		if err := snd.SendMedia(&m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rcv.Stats().Received)/float64(b.N), "delivered/op")
}
