package frame

import (
	"math"
	"math/rand/v2"
	"testing"
)

// replayModel is the obvious replay window: a set of accepted counters.
type replayModel struct {
	size     uint64
	top      uint64
	seen     bool
	accepted map[uint64]bool
}

func (m *replayModel) status(ctr uint64) replayStatus {
	switch {
	case !m.seen || ctr > m.top:
		return replayFresh
	case m.top-ctr >= m.size:
		return replayTooOld
	case m.accepted[ctr]:
		return replayDuplicate
	}
	return replayFresh
}

func (m *replayModel) accept(ctr uint64) replayStatus {
	s := m.status(ctr)
	if s == replayFresh {
		m.accepted[ctr] = true
		if !m.seen || ctr > m.top {
			m.seen, m.top = true, ctr
		}
	}
	return s
}

// TestReplayWindowModel compares the bitmap window with the model over
// random walks of counters: mostly increasing with jitter, with repeats,
// old values and large jumps.
func TestReplayWindowModel(t *testing.T) {
	steps := 0
	for _, size := range []int{1, 2, 63, 64, 65, 127, 128, 1000, DefaultReplayWindow, 4096} {
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, uint64(size)))
			w := newReplayWindow(size)
			m := &replayModel{size: uint64(size), accepted: map[uint64]bool{}}
			ctr := rng.Uint64N(1 << 20)
			if seed == 0 {
				ctr = math.MaxUint64 - 5000 // near the top of the counter space
			}
			for i := range 3000 {
				var c uint64
				switch r := rng.IntN(100); {
				case r < 50:
					ctr += uint64(rng.IntN(3))
					c = ctr
				case r < 80:
					c = ctr - uint64(rng.IntN(2*size+2))
				case r < 90:
					c = ctr - uint64(rng.IntN(8))
				case r < 97:
					ctr += uint64(rng.IntN(5 * size))
					c = ctr
				default:
					ctr += uint64(rng.IntN(1 << 16))
					c = ctr
				}
				if ctr > math.MaxUint64-1<<20 && seed != 0 {
					ctr = 1 << 20
				}
				if got, want := w.status(c), m.status(c); got != want {
					t.Fatalf("size %d seed %d step %d: check(%d) = %d, model %d", size, seed, i, c, got, want)
				}
				if rng.IntN(4) == 0 {
					continue // a frame that failed authentication: no accept
				}
				if got, want := w.tryAccept(c), m.accept(c); got != want {
					t.Fatalf("size %d seed %d step %d: accept(%d) = %d, model %d", size, seed, i, c, got, want)
				}
				steps++
			}
		}
	}
	t.Logf("%d accepts compared with the model", steps)
}

func TestReplayWindowEdges(t *testing.T) {
	w := newReplayWindow(64)
	if len(w.ring) != 2 {
		t.Errorf("a 64-frame window has %d words, want 2", len(w.ring))
	}
	if w.tryAccept(math.MaxUint64) != replayFresh || w.tryAccept(math.MaxUint64) != replayDuplicate {
		t.Fatal("CTR 2^64-1 not tracked")
	}
	if w.tryAccept(math.MaxUint64-63) != replayFresh || w.tryAccept(math.MaxUint64-64) != replayTooOld {
		t.Fatal("window edge below 2^64-1 wrong")
	}
	if w := newReplayWindow(DefaultReplayWindow); len(w.ring)*8 != 256 {
		t.Errorf("default window uses %d bytes, documented as 256", len(w.ring)*8)
	}
}
