package client

import (
	"runtime"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestStoreIDs(t *testing.T) {
	s := newStore()
	a, _ := s.add(&entry{kind: kindGroup})
	b, _ := s.add(&entry{kind: kindJoiner})
	if a != 1 || b != 2 {
		t.Fatalf("first IDs %d, %d; want 1, 2", a, b)
	}
	// Near the end of the ID space the counter wraps past 0 and skips IDs
	// still in use.
	s.next = 1<<32 - 1
	c, _ := s.add(&entry{kind: kindSigner})
	d, _ := s.add(&entry{kind: kindSigner})
	if c != 1<<32-1 || d != 3 {
		t.Fatalf("IDs around the wrap %d, %d; want %d, 3", c, d, uint32(1<<32-1))
	}
}

func TestStoreKinds(t *testing.T) {
	s := newStore()
	id, _ := s.add(&entry{kind: kindReInit})
	e, err := s.acquire("R", "reinit_id", id, kindReInit)
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Unlock()
	_, err = s.acquire("R", "state_id", id, kindGroup, kindJoiner)
	if status.Code(err) != codes.FailedPrecondition || status.Convert(err).Message() != "R: state_id 1 is a pending reinit, not a group state or pending join" {
		t.Fatalf("got %v", err)
	}
	if err := s.remove("Free", id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.acquire("R", "reinit_id", id, kindReInit); status.Code(err) != codes.NotFound {
		t.Fatalf("after remove: %v", err)
	}
}

func TestStoreBounded(t *testing.T) {
	s := newStore()
	for range maxEntries {
		if _, err := s.add(&entry{kind: kindJoiner}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.add(&entry{kind: kindJoiner}); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("add past %d handles: %v", maxEntries, err)
	}
	if err := s.remove("Free", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := s.add(&entry{kind: kindJoiner}); err != nil {
		t.Fatalf("add after a Free: %v", err)
	}
}

// TestStoreConcurrent runs adds, uses and frees from many goroutines; run
// with -race it checks the locking.
func TestStoreConcurrent(t *testing.T) {
	s := newStore()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id, err := s.add(&entry{kind: kindJoiner})
				if err != nil {
					t.Error(err)
					return
				}
				e, err := s.acquire("T", "id", id, kindJoiner)
				if err != nil {
					t.Error(err)
					return
				}
				e.psks = map[string]*pskEntry{"p": {id: []byte{byte(g)}, value: newSecret([]byte{byte(i)})}}
				e.mu.Unlock()
				if err := s.remove("Free", id); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if s.len() != 0 {
		t.Fatalf("%d handles left", s.len())
	}
}

// TestStoreUseAfterFree checks that an RPC which looked a handle up just
// before Free dropped it cannot use the freed entry.
func TestStoreUseAfterFree(t *testing.T) {
	s := newStore()
	id, _ := s.add(&entry{kind: kindGroup})
	e, err := s.acquire("T", "state_id", id, kindGroup)
	if err != nil {
		t.Fatal(err)
	}
	freed := make(chan error)
	go func() { freed <- s.remove("Free", id) }()
	// Free waits for the entry's lock; let it take the entry out of the map
	// first, then release the lock.
	for s.len() != 0 {
		runtime.Gosched()
	}
	e.mu.Unlock()
	if err := <-freed; err != nil {
		t.Fatal(err)
	}
	if !e.freed {
		t.Fatal("entry not marked freed")
	}
}
