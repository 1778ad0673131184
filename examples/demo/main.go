// Command demo shows SFrame (RFC 9605) on loopback: two senders seal media
// frames, the program prints what a relay would see next to the
// plaintext, and a receiver opens them, then rejects a tampered and a
// replayed frame.
//
// The keys are built in: one random base key per run (crypto/rand), as an
// MLS epoch's exporter would give (RFC 9605 §5.2), with each sender's KID
// made of its member index and the epoch. The KID is part of the key
// derivation, so each sender gets its own AES-256-GCM key and salt.
//
//	go run ./examples/demo
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/sealroom/sealroom/frame"
)

// Member index and epoch are packed as in RFC 9605 §5.2 with E = 4 epoch
// bits and context 0: KID = index << 4 | epoch mod 16.
const epoch = 1

type sender struct {
	name  string
	kid   frame.KID
	frame *frame.Context
}

type sealed struct {
	from     string
	metadata []byte
	plain    string
	wire     []byte
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	secret := make([]byte, frame.DefaultSuite.KeySize())
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	base := frame.NewBaseKey(secret)
	clear(secret)
	defer base.Zero()

	receiver, err := frame.NewContext(frame.Config{})
	if err != nil {
		return err
	}
	var senders []*sender
	for index, name := range []string{"alice", "bob"} {
		s := &sender{name: name, kid: frame.KID(index<<4 | epoch%16)}
		if s.frame, err = frame.NewContext(frame.Config{}); err != nil {
			return err
		}
		if err := s.frame.AddSendKey(s.kid, base); err != nil {
			return err
		}
		if err := receiver.AddReceiveKey(s.kid, base); err != nil {
			return err
		}
		senders = append(senders, s)
	}
	fmt.Printf("suite %v, random %d-byte base key for epoch %d, KIDs: alice %d, bob %d\n\n",
		frame.DefaultSuite, base.Len(), epoch, senders[0].kid, senders[1].kid)

	// Audio frames carry no clear bytes; the video frame leaves its VP8
	// payload descriptor in clear for the relay, authenticated as metadata.
	vp8 := []byte{0x90, 0x80, 0x12, 0x34}
	plan := []struct {
		from     *sender
		metadata []byte
		plain    string
	}{
		{senders[0], nil, "alice: opus frame 1"},
		{senders[1], vp8, "bob: vp8 key frame"},
		{senders[0], nil, "alice: opus frame 2"},
		{senders[1], nil, "bob: opus frame 1"},
	}
	var frames []sealed
	const row = "%-4s %-4s %-7s %-9s %-33s | %s\n"
	fmt.Printf("%-62s| %s\n", "what the relay sees", "plaintext (sender only)")
	fmt.Printf(row, "KID", "CTR", "header", "clear md", "ciphertext and tag", "")
	for _, p := range plan {
		wire, err := p.from.frame.Seal(nil, p.from.kid, p.metadata, []byte(p.plain))
		if err != nil {
			return err
		}
		hdr, body, err := frame.ParseHeader(wire)
		if err != nil {
			return err
		}
		fmt.Printf(row, fmt.Sprint(hdr.KID), fmt.Sprint(hdr.CTR), hex.EncodeToString(wire[:len(wire)-len(body)]),
			orDash(hex.EncodeToString(p.metadata)),
			fmt.Sprintf("%2d B: %s...", len(body), hex.EncodeToString(body[:12])), fmt.Sprintf("%q", p.plain))
		frames = append(frames, sealed{p.from.name, p.metadata, p.plain, wire})
	}

	fmt.Println("\nreceiver:")
	for _, f := range frames {
		pt, hdr, err := receiver.Open(nil, f.metadata, f.wire)
		if err != nil {
			return fmt.Errorf("opening %s's frame: %w", f.from, err)
		}
		fmt.Printf("  opened KID %-2d CTR %d from %-5s -> %q\n", hdr.KID, hdr.CTR, f.from, pt)
	}

	// A relay flips one ciphertext bit of a fresh frame, and rewrites the
	// clear VP8 descriptor of another: both fail authentication.
	tampered, err := senders[0].frame.Seal(nil, senders[0].kid, nil, []byte("alice: opus frame 3"))
	if err != nil {
		return err
	}
	tampered[len(tampered)-20] ^= 0x01
	_, _, err = receiver.Open(nil, nil, tampered)
	report("tampered ciphertext", err, frame.ErrAuthentication)

	video, err := senders[1].frame.Seal(nil, senders[1].kid, vp8, []byte("bob: vp8 delta frame"))
	if err != nil {
		return err
	}
	_, _, err = receiver.Open(nil, []byte{0x90, 0x80, 0x12, 0x35}, video)
	report("tampered metadata  ", err, frame.ErrAuthentication)

	// A relay resends a frame the receiver already opened.
	_, _, err = receiver.Open(nil, frames[0].metadata, frames[0].wire)
	report("replayed frame     ", err, frame.ErrReplay)
	return nil
}

func report(what string, err, want error) {
	verdict := "REJECTED"
	if !errors.Is(err, want) {
		verdict = "UNEXPECTED"
	}
	fmt.Printf("  %s -> %s: %v\n", what, verdict, err)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
