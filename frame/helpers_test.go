package frame

import "testing"

func newTestContext(t testing.TB, cfg Config) *Context {
	t.Helper()
	c, err := NewContext(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setNextCounter sets the next CTR of a send key, to reproduce vectors
// sealed at a given counter.
func (c *Context) setNextCounter(kid KID, ctr uint64) {
	e := c.lookup(kid)
	e.mu.Lock()
	e.next = ctr
	e.mu.Unlock()
}

// resetReplay empties the replay window of a receive key, as if no frame
// had been accepted.
func (e *keyEntry) resetReplay() {
	e.mu.Lock()
	clear(e.replay.ring)
	e.replay.seen, e.replay.top = false, 0
	e.mu.Unlock()
}

// newReplayWindow returns an empty window tracking size frames.
func newReplayWindow(size int) *replayWindow {
	w := new(replayWindow)
	w.init(size)
	return w
}

// tryAccept records ctr if it is fresh and returns its status before the
// call.
func (w *replayWindow) tryAccept(ctr uint64) replayStatus {
	s := w.status(ctr)
	if s == replayFresh {
		w.accept(ctr)
	}
	return s
}
