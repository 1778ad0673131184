package mls

import (
	"fmt"
	"testing"
)

// protectBenchSize is the application message size of the benchmarks.
const protectBenchSize = 1024

// BenchmarkPrivateMessage measures a 1 KiB application message through a
// PrivateMessage (RFC 9420 §6.3) in suites 0x0001 and 0x0007, with the
// keys of message-protection.json:
//
//   - protect: sign, encrypt, encode, as a sender does per message;
//   - encrypt: protectPrivate of content signed once, the symmetric part
//     alone (key schedule of the sender ratchet, AEAD, sender data);
//   - unprotect: decode, decrypt, verify, as a receiver does.
//
// Every message uses the next generation of the sender's ratchet, so
// unprotect needs a fresh message per iteration: they are made in batches
// with the timer stopped, and the receiver's ratchet moves forward one
// generation per message as it would in a group.
func BenchmarkPrivateMessage(b *testing.B) {
	var vectors []messageProtectionVector
	loadVectors(b, "message-protection.json", &vectors)
	for _, i := range []int{0, 6} {
		v := &vectors[i]
		if v.CipherSuite != CipherSuite(i+1) {
			b.Fatal("message-protection.json is not in suite order")
		}
		signer := v.signer(b)
		k := mpKind{name: "application", ct: ContentTypeApplication, raw: make([]byte, protectBenchSize)}
		suite := fmt.Sprintf("suite=0x%04x", uint16(v.CipherSuite))

		b.Run("protect/"+suite, func(b *testing.B) {
			p := v.protector(b)
			fc := v.framedContent(b, k, nil)
			b.SetBytes(protectBenchSize)
			b.ReportAllocs()
			for b.Loop() {
				ac, err := p.sign(WireFormatPrivateMessage, fc, signer)
				if err != nil {
					b.Fatal(err)
				}
				pm, err := p.protectPrivate(ac, 0)
				if err != nil {
					b.Fatal(err)
				}
				m := MLSMessage{WireFormat: WireFormatPrivateMessage, PrivateMessage: pm}
				if _, err := m.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})

		b.Run("encrypt/"+suite, func(b *testing.B) {
			p := v.protector(b)
			ac, err := p.sign(WireFormatPrivateMessage, v.framedContent(b, k, nil), signer)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(protectBenchSize)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.protectPrivate(ac, 0); err != nil {
					b.Fatal(err)
				}
			}
		})

		b.Run("unprotect/"+suite, func(b *testing.B) {
			sender, receiver := v.protector(b), v.protector(b)
			ac, err := sender.sign(WireFormatPrivateMessage, v.framedContent(b, k, nil), signer)
			if err != nil {
				b.Fatal(err)
			}
			var batch [][]byte
			b.SetBytes(protectBenchSize)
			b.ReportAllocs()
			for b.Loop() {
				if len(batch) == 0 {
					b.StopTimer()
					batch = protectBenchBatch(b, sender, ac, 256)
					b.StartTimer()
				}
				m, err := UnmarshalMLSMessage(batch[0])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := receiver.unprotect(m); err != nil {
					b.Fatal(err)
				}
				batch = batch[1:]
			}
		})
	}
}

// protectBenchBatch returns n encoded PrivateMessages of ac, of
// consecutive generations.
func protectBenchBatch(b *testing.B, p *messageProtector, ac *AuthenticatedContent, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		pm, err := p.protectPrivate(ac, 0)
		if err != nil {
			b.Fatal(err)
		}
		m := MLSMessage{WireFormat: WireFormatPrivateMessage, PrivateMessage: pm}
		if out[i], err = m.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
