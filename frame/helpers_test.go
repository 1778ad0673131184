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

// reset empties the window, as if no frame had been accepted.
func (w *replayWindow) reset() {
	w.mu.Lock()
	clear(w.ring)
	w.seen, w.top = false, 0
	w.mu.Unlock()
}

// resetReplay empties the replay window of a receive key.
func (e *keyEntry) resetReplay() { e.replay.reset() }
