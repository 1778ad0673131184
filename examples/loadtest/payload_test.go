package main

import (
	"errors"
	"testing"
	"time"
)

func TestStampRoundTrip(t *testing.T) {
	for _, stream := range []uint32{streamAudio, streamVideo} {
		_, size := codecOf(stream)
		b := make([]byte, size)
		st := stamp{Sender: 7, Stream: stream, Seq: 1<<40 + 3, Sent: time.Unix(1_800_000_000, 123456789)}
		fillFrame(b, st)
		got, err := readStamp(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Sender != st.Sender || got.Stream != st.Stream || got.Seq != st.Seq || !got.Sent.Equal(st.Sent) {
			t.Errorf("stream %d: stamp %+v, want %+v", stream, got, st)
		}
	}
	if _, err := readStamp(make([]byte, stampSize-1)); !errors.Is(err, errShortFrame) {
		t.Errorf("short frame: err = %v, want errShortFrame", err)
	}
}
