package client

import (
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sealroom/sealroom/mls"
)

// maxEntries bounds the handles one Server keeps, so that a harness (or a
// hostile peer) that never calls Free cannot grow it without limit.
const maxEntries = 1 << 16

// entryKind says what a handle of the store refers to.
type entryKind uint8

const (
	kindGroup  entryKind = iota + 1 // state_id: a member's group state
	kindJoiner                      // transaction_id: a KeyPackage waiting for its Welcome
	kindReInit                      // reinit_id: a member between a ReInit commit and the new group
	kindSigner                      // signer_id: an external signer
)

func (k entryKind) String() string {
	switch k {
	case kindGroup:
		return "group state"
	case kindJoiner:
		return "pending join"
	case kindReInit:
		return "pending reinit"
	case kindSigner:
		return "external signer"
	}
	return "unknown handle"
}

// entry is one handle's state. mu serializes the RPCs that use it (an
// mls.Group is not safe for concurrent use); the fields below it are only
// touched with mu held.
type entry struct {
	kind entryKind

	mu    sync.Mutex
	freed bool // set by Free: an RPC that looked the entry up before must not use it

	// group is the member's state (kindGroup), or the group a ReInit
	// ended (kindReInit), which the new group's creation and joins read.
	group *mls.Group
	// encrypt is the handshake mode the harness chose for the state
	// (encrypt_handshake), kept for the groups that follow from it: a
	// reinitialized group, a branch.
	encrypt bool
	// reinitTo is set on a group state whose ReInit commit was merged: the
	// group moved to that reinit_id, and the state is of no further use.
	reinitTo uint32

	// kp and keys are a KeyPackage and its private keys (kindJoiner, and
	// kindReInit for the new group), dropped once a join used them.
	kp   *mls.KeyPackage
	keys *mls.KeyPackagePrivateKeys
	used bool
	// psks are the external PSKs StorePSK gave a joiner (kindJoiner), by
	// psk_id; a group state keeps its PSKs in the mls.Group.
	psks map[string]*pskEntry

	signer *externalSigner // kindSigner
}

// release zeroes the secrets the entry holds and drops its state. The
// caller holds e.mu. An mls.Group and KeyPackagePrivateKeys offer no way to
// overwrite their keys in place, so those are only let go.
func (e *entry) release() {
	e.freed = true
	for id, p := range e.psks {
		p.zero()
		delete(e.psks, id)
	}
	if e.signer != nil {
		e.signer.zero()
		e.signer = nil
	}
	e.group, e.kp, e.keys = nil, nil, nil
}

// store maps the harness's integer handles to entries. It is safe for
// concurrent use. Its own lock is never held while an entry's is taken.
type store struct {
	mu      sync.Mutex
	next    uint32
	entries map[uint32]*entry
}

func newStore() *store {
	return &store{next: 1, entries: make(map[uint32]*entry)}
}

// add files e under a fresh non-zero ID.
func (s *store) add(e *entry) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= maxEntries {
		return 0, status.Errorf(codes.ResourceExhausted, "%d handles in use; Free some", len(s.entries))
	}
	// IDs are not reused while the counter has not wrapped; after 2^32-1
	// allocations the search skips those still in use, and ends because
	// fewer than maxEntries are.
	for {
		id := s.next
		s.next++
		if s.next == 0 {
			s.next = 1
		}
		if _, used := s.entries[id]; !used {
			s.entries[id] = e
			return id, nil
		}
	}
}

// acquire looks id up, checks that it is one of kinds, and returns its entry
// locked: the caller must call e.mu.Unlock. field names the request field
// that carried id, for the error.
func (s *store) acquire(rpc, field string, id uint32, kinds ...entryKind) (*entry, error) {
	s.mu.Lock()
	e, ok := s.entries[id]
	s.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "%s: %s %d: no such handle", rpc, field, id)
	}
	match := false
	for _, k := range kinds {
		match = match || e.kind == k
	}
	if !match {
		return nil, status.Errorf(codes.FailedPrecondition, "%s: %s %d is a %v, not a %v", rpc, field, id, e.kind, kindList(kinds))
	}
	e.mu.Lock()
	if e.freed {
		e.mu.Unlock()
		return nil, status.Errorf(codes.NotFound, "%s: %s %d: no such handle", rpc, field, id)
	}
	return e, nil
}

// acquireGroup acquires a group state that still holds its group.
func (s *store) acquireGroup(rpc, field string, id uint32) (*entry, error) {
	e, err := s.acquire(rpc, field, id, kindGroup)
	if err != nil {
		return nil, err
	}
	if e.group == nil {
		reinit := e.reinitTo
		e.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "%s: %s %d: the group was reinitialized; it continues as reinit_id %d", rpc, field, id, reinit)
	}
	return e, nil
}

// acquireKeys acquires a pending join or reinit whose KeyPackage has not
// been used yet.
func (s *store) acquireKeys(rpc, field string, id uint32, kind entryKind) (*entry, error) {
	e, err := s.acquire(rpc, field, id, kind)
	if err != nil {
		return nil, err
	}
	if e.used || e.kp == nil {
		e.mu.Unlock()
		return nil, status.Errorf(codes.FailedPrecondition, "%s: %s %d: its KeyPackage was already used to join (a KeyPackage is for one use, RFC 9420 §16.8)", rpc, field, id)
	}
	return e, nil
}

// remove drops id and zeroes what its entry held, waiting for an RPC that
// is using it to finish.
func (s *store) remove(rpc string, id uint32) error {
	s.mu.Lock()
	e, ok := s.entries[id]
	delete(s.entries, id)
	s.mu.Unlock()
	if !ok {
		return status.Errorf(codes.NotFound, "%s: state_id %d: no such handle", rpc, id)
	}
	e.mu.Lock()
	e.release()
	e.mu.Unlock()
	return nil
}

// len returns the number of handles in use.
func (s *store) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// kindList renders kinds for an error message: "group state or pending join".
func kindList(kinds []entryKind) string {
	out := ""
	for i, k := range kinds {
		if i > 0 {
			out += " or "
		}
		out += k.String()
	}
	return out
}
