package media_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sealroom/sealroom/examples/internal/media"
)

// instant is a Clock on which waiting takes no time, so the example does
// not take the 200 ms it plays.
type instant struct{ now time.Time }

func (c *instant) Now() time.Time { return c.now }

func (c *instant) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// A sender paces the sample audio and logs each packet it sends; the
// receiver checks what it gets with ParseFrame, records it per sender
// and logs it; Compare checks the receiver's log against the sender's. A
// real client seals each frame with its e2ee Session before sending and
// opens it after receiving; packet 4 is lost on the way here.
func Example() {
	track, err := media.Open("../../testdata/audio.ogg")
	if err != nil {
		log.Fatal(err)
	}
	info := track.Opus()
	fmt.Printf("%v: %d packets, %v, %d channel, pre-skip %d\n", track.Codec(), track.Len(), track.Duration(), info.Channels, info.PreSkip)

	dir, err := os.MkdirTemp("", "media-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	rec, err := media.NewRecorder(dir, media.RecorderConfig{Audio: info})
	if err != nil {
		log.Fatal(err)
	}
	sent, received := media.NewLog(), media.NewLog()
	key := media.Key{Sender: "alice", Stream: 2}

	pacer := media.NewPacer(track, media.PacerConfig{Clock: &instant{}, Loop: true})
	for range 10 {
		f, err := pacer.Next(context.Background())
		if err != nil {
			log.Fatal(err)
		}
		sent.Record(key, f.Seq, f.Payload)
		if f.Seq == 4 {
			continue // lost
		}
		got, err := media.ParseFrame(media.Opus, f.Seq, f.Timestamp, f.Payload)
		if err != nil {
			log.Fatal(err)
		}
		received.Record(key, got.Seq, got.Payload)
		if err := rec.WriteFrame(key.Sender, got); err != nil {
			log.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		log.Fatal(err)
	}
	for _, f := range rec.Files() {
		fmt.Printf("%s: %v\n", f.Sender, f.Stats)
	}
	report := media.Compare(sent, received)
	for _, s := range report.Streams {
		fmt.Println(s)
	}
	fmt.Println("OK:", report.OK())
	// Output:
	// opus: 251 packets, 5.02s, 1 channel, pre-skip 312
	// alice: 9 written, 1 lost, 1 concealed, 0 skipped, 0 late
	// alice/2 seq 0-9: 10 sent, 9 matched, 1 missing
	// OK: true
}

// The sample video's frames: a key frame every second.
func ExampleTrack() {
	track, err := media.Open("../../testdata/video.ivf")
	if err != nil {
		log.Fatal(err)
	}
	v := track.Video()
	fmt.Printf("%v %dx%d, %d frames, %v\n", track.Codec(), v.Width, v.Height, track.Len(), track.Duration().Round(time.Millisecond))
	for i := range track.Len() {
		if f := track.Frame(i); f.Keyframe {
			fmt.Printf("key frame %d at %v, %d bytes\n", f.Seq, f.Timestamp, len(f.Payload))
		}
	}
	// Output:
	// vp8 320x240, 150 frames, 5s
	// key frame 0 at 0s, 5090 bytes
	// key frame 30 at 1s, 2912 bytes
	// key frame 60 at 2s, 3085 bytes
	// key frame 90 at 3s, 3250 bytes
	// key frame 120 at 4s, 3318 bytes
}
