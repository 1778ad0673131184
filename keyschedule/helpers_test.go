package keyschedule

import (
	"bytes"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// testBase returns a deterministic base key of suite's Nk bytes for epoch.
func testBase(suite frame.Suite, epoch uint64) frame.BaseKey {
	if suite == 0 {
		suite = frame.DefaultSuite
	}
	b := bytes.Repeat([]byte{byte(epoch), byte(epoch >> 8), 0x5a}, suite.KeySize())
	return frame.NewBaseKey(b[:suite.KeySize()])
}

func newTestSchedule(t testing.TB, cfg Config) *Schedule {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// install installs epoch n with the test base key for self among members.
func install(t testing.TB, s *Schedule, n uint64, self uint32, members ...uint32) {
	t.Helper()
	if err := s.InstallEpoch(Epoch{Number: n, BaseKey: testBase(s.Suite(), n), Self: self, Members: members}); err != nil {
		t.Fatal(err)
	}
}

// group returns one Schedule per leaf in leaves, all with epoch n.
func group(t testing.TB, cfg Config, n uint64, leaves ...uint32) []*Schedule {
	t.Helper()
	out := make([]*Schedule, len(leaves))
	for i, l := range leaves {
		out[i] = newTestSchedule(t, cfg)
		install(t, out[i], n, l, leaves...)
	}
	return out
}

func mustSeal(t testing.TB, s *Schedule, context uint64, metadata, pt []byte) []byte {
	t.Helper()
	ct, err := s.Seal(nil, context, metadata, pt)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func mustOpen(t testing.TB, s *Schedule, metadata, ct []byte) ([]byte, Source) {
	t.Helper()
	pt, src, err := s.Open(nil, metadata, ct)
	if err != nil {
		t.Fatal(err)
	}
	return pt, src
}

// isZero reports whether every byte of k is zero.
func isZero(k frame.BaseKey) bool {
	return k.Equal(frame.NewBaseKey(make([]byte, k.Len())))
}
