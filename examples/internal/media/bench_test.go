package media

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func BenchmarkReadIVF(b *testing.B) {
	file := readSample(b, sampleVideo, sampleVideoSHA256)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadIVF(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadOgg(b *testing.B) {
	file := readSample(b, sampleAudio, sampleAudioSHA256)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadOgg(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPacerNext measures Next alone, on a fake clock (the time a
// real clock makes it wait is not the Pacer's).
func BenchmarkPacerNext(b *testing.B) {
	tr := sampleTrack(b, sampleVideo, sampleVideoSHA256)
	clock := &fakeClock{now: epoch, sleeps: make([]time.Duration, 0, 1)}
	p := NewPacer(tr, PacerConfig{Clock: clock, Loop: true})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		clock.sleeps = clock.sleeps[:0]
		if _, err := p.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// discardSeeker is an io.Writer that keeps nothing, for the sinks.
type discardSeeker struct{}

func (discardSeeker) Write(p []byte) (int, error)                { return len(p), nil }
func (discardSeeker) Seek(int64, int) (int64, error)             { return 0, nil }
func (discardSeeker) WriteAt(p []byte, _ int64) (n int, e error) { return len(p), nil }

// BenchmarkSinks writes the samples' frames through the sinks, per frame.
func BenchmarkSinks(b *testing.B) {
	for _, c := range []struct {
		name, path, sum string
	}{{"ivf", sampleVideo, sampleVideoSHA256}, {"ogg", sampleAudio, sampleAudioSHA256}} {
		b.Run(c.name, func(b *testing.B) {
			tr := sampleTrack(b, c.path, c.sum)
			var s Sink
			if tr.Codec() == VP8 {
				s = NewIVFWriter(discardSeeker{}, IVFConfig{})
			} else {
				var err error
				if s, err = NewOggWriter(discardSeeker{}, tr.Opus()); err != nil {
					b.Fatal(err)
				}
			}
			p := NewPacer(tr, PacerConfig{Clock: &fakeClock{now: epoch}, Loop: true})
			b.SetBytes(int64(tr.Bytes() / tr.Len()))
			b.ReportAllocs()
			for b.Loop() {
				f, err := p.Next(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if err := s.WriteFrame(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLogRecord(b *testing.B) {
	tr := sampleTrack(b, sampleVideo, sampleVideoSHA256)
	l := NewLog()
	k := Key{"alice", 1}
	var seq uint64
	b.SetBytes(int64(tr.Bytes() / tr.Len()))
	b.ReportAllocs()
	for b.Loop() {
		l.Record(k, seq, tr.Frame(int(seq%150)).Payload)
		seq++
	}
}
