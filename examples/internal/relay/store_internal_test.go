package relay

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestReadLogBounded checks that a catch-up read stops at its byte
// budget instead of loading the whole log: a room's log may hold MaxLog
// messages of up to MaxMessage bytes each.
func TestReadLogBounded(t *testing.T) {
	st, err := openStore("")
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	ctx := context.Background()
	const entries, size = 4, 1000
	var state roomState
	for i := range uint64(entries) {
		state.exists, state.lastSeq, state.epoch = true, i+1, i
		e := logEntry{seq: i + 1, epoch: i, kind: 2, sender: "alice", message: bytes.Repeat([]byte{byte(i)}, size)}
		if state, err = st.appendLog(ctx, "room", state, e, nil, nil, 0, 8); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.readLog(ctx, "room", 0, entries*size)
	if err != nil || len(got) != entries {
		t.Fatalf("readLog within the budget: %d entries, %v; want %d", len(got), err, entries)
	}
	if _, err := st.readLog(ctx, "room", 0, entries*size-1); !errors.Is(err, errLogTooLarge) {
		t.Fatalf("readLog one byte over the budget: %v, want errLogTooLarge", err)
	}
	// Only what the catch-up asks for counts against the budget.
	got, err = st.readLog(ctx, "room", 2, 2*size)
	if err != nil || len(got) != 2 || got[0].seq != 3 {
		t.Fatalf("readLog since epoch 2: %d entries, %v; want seq 3 and 4", len(got), err)
	}
}
