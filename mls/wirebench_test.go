package mls

import (
	"bytes"
	"testing"
)

// wireBenchSample is one encoded structure to benchmark, with where it
// comes from.
type wireBenchSample struct {
	name string // "suite=0x0001/source=messages.json#0"
	data []byte
}

// wireBenchSamples picks the KeyPackage and Commit samples: suite 0x0001
// from messages.json (its cases 0-99 are suite 0x0001, 100-199 0x0003,
// 200-299 0x0002; it has no 0x0007), and suite 0x0007 from welcome.json
// (KeyPackage) and message-protection.json (Commit), with the suite 0x0001
// Commit of message-protection.json beside it for a like-for-like size.
func wireBenchSamples(b *testing.B) (keyPackages, commits []wireBenchSample) {
	msgs := wireMessagesVectors(b)
	var welcomes []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		KeyPackage  hexBytes    `json:"key_package"`
	}
	loadVectors(b, "welcome.json", &welcomes)
	var mp []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		Commit      hexBytes    `json:"commit"`
	}
	loadVectors(b, "message-protection.json", &mp)
	if welcomes[6].CipherSuite != 7 || mp[0].CipherSuite != 1 || mp[6].CipherSuite != 7 {
		b.Fatal("vector files are not in suite order")
	}
	kp1 := msgs[0].MLSKeyPackage[4:] // strip the MLSMessage header
	if kp, err := UnmarshalKeyPackage(kp1); err != nil || kp.CipherSuite != 1 {
		b.Fatalf("messages.json case 0 is not a suite 0x0001 key package: %v", err)
	}
	keyPackages = []wireBenchSample{
		{"suite=0x0001/messages.json#0", kp1},
		{"suite=0x0007/welcome.json#6", welcomes[6].KeyPackage[4:]},
	}
	commits = []wireBenchSample{
		{"suite=0x0001/messages.json#0", msgs[0].Commit},
		{"suite=0x0001/message-protection.json#0", mp[0].Commit},
		{"suite=0x0007/message-protection.json#6", mp[6].Commit},
	}
	return keyPackages, commits
}

// wireBenchCodec benchmarks decoding and encoding each sample.
func wireBenchCodec[T any](b *testing.B, samples []wireBenchSample, dec func([]byte) (T, error), enc func(T) ([]byte, error)) {
	for _, s := range samples {
		b.Run("decode/"+s.name, func(b *testing.B) {
			b.SetBytes(int64(len(s.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dec(s.data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encode/"+s.name, func(b *testing.B) {
			v, err := dec(s.data)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(s.data)))
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				if out, err = enc(v); err != nil {
					b.Fatal(err)
				}
			}
			if !bytes.Equal(out, s.data) {
				b.Fatal("re-encoding differs")
			}
		})
	}
}

func BenchmarkKeyPackage(b *testing.B) {
	kps, _ := wireBenchSamples(b)
	wireBenchCodec(b, kps, UnmarshalKeyPackage, (*KeyPackage).Marshal)
}

func BenchmarkCommit(b *testing.B) {
	_, commits := wireBenchSamples(b)
	wireBenchCodec(b, commits, unmarshalCommit, marshalCommit)
}
