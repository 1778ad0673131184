package frame

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// DefaultMaxBlocks is the usage limit of a send key that a zero Config
// selects: 2^36 AES blocks, counted as ceil(len(plaintext)/16) + 1 per
// frame, about 1 TiB of media.
//
// RFC 9605 sets no AEAD usage limits (§7 and §9 leave key rotation to the
// application), and CTR alone would allow 2^64 frames. For AES-GCM
// the confidentiality advantage after q frames totalling s blocks is about
// (s+q)^2 / 2^129 (draft-irtf-cfrg-aead-limits, the bound behind RFC 8446
// §5.5 and RFC 9001 §6.6); the limit keeps it below 2^-57 whatever the
// frame sizes. AES-CTR under a PRF/PRP switch gives the same order. A
// single sender reaches it only after days of continuous 4K video.
const DefaultMaxBlocks = 1 << 36

// maxPlaintext is the longest plaintext one frame may hold: 2^32-2 AES
// blocks, the limit of GCM, and below the point where the 32-bit block
// counter of the CTR-HMAC suites would wrap.
const maxPlaintext = (1<<32 - 2) * 16

// maxRetainedAAD bounds the AAD scratch kept between calls; a larger one
// (very large metadata) is dropped after use.
const maxRetainedAAD = 4096

// Config configures a Context. Its zero value selects the defaults.
type Config struct {
	// Suite is the cipher suite of every key in the context. Zero
	// selects DefaultSuite (AES_256_GCM_SHA512_128).
	Suite Suite

	// ReplayWindow is the number of counter values each receive KID
	// tracks for replay protection, from 1 to MaxReplayWindow. Zero
	// selects DefaultReplayWindow.
	ReplayWindow int

	// MaxCounter is the largest CTR a send key may use. Seal returns
	// ErrCounterExhausted instead of going past it. Zero selects
	// math.MaxUint64, the whole 64-bit CTR space; every CTR up to it
	// gives a distinct nonce, so a lower value only shortens headers or
	// forces earlier rotation.
	MaxCounter uint64

	// MaxBlocks is the usage limit of each send key in AES blocks (see
	// DefaultMaxBlocks, which zero selects). Seal returns
	// ErrCounterExhausted when a frame would exceed it.
	MaxBlocks uint64
}

// Context is an SFrame context (RFC 9605 §4.4 and Appendix A): a cipher
// suite and a set of keys by KID, each for sending or for receiving. It
// seals and opens frames in the append style of cipher.AEAD.
//
// A Context is safe for concurrent use. The key set is an immutable map
// replaced on every change (copy on write), so looking up a KID takes no
// lock. Each key has its own lock. Seal holds it, so that counters are
// reserved in order and calls for one send KID run one at a time. Open
// holds it too when no other Open of the same KID is running, the common
// case, which costs one uncontended lock and no other synchronization; the
// holder keeps it through its AEAD. An Open that finds it taken waits for
// the holder's frame (checking its counter against the replay window
// needs the lock), then decrypts outside the lock, beside whichever Open
// holds it next, and takes it again briefly to record its counter. So
// receiving goroutines open frames of different KIDs fully in parallel,
// and frames of one KID partly so. AddSendKey, AddReceiveKey,
// AddReceiveKeys, RemoveKey and RemoveKeys do not block Seal or Open on
// other keys.
type Context struct {
	suite      Suite
	params     *suiteParams
	tagLen     int
	window     int
	maxCounter uint64
	maxBlocks  uint64
	// maxPlaintext is the constant maxPlaintext, a field so that tests
	// can lower it.
	maxPlaintext uint64

	mu   sync.Mutex                        // serializes changes to keys
	keys atomic.Pointer[map[KID]*keyEntry] // never nil, never mutated
}

// keyEntry is the state of one KID: its AEAD (built once when the key is
// added), its salt, and either the send counter or the replay window.
//
// Two locks guard it. mu guards every field below it: Seal holds it, and
// so does an Open that gets it at once (TryLock) and then uses the key,
// the scratch and the replay window under it. An Open that finds mu taken
// holds shared for reading instead while it uses the key (aead, salt,
// removed), with pooled scratch, and takes mu only to check and to record
// its counter. RemoveKey holds both, shared then mu, so it waits for every
// Seal and Open using the key; removed, aead and salt change only under
// both.
type keyEntry struct {
	kid  KID
	send bool

	shared sync.RWMutex
	mu     sync.Mutex

	removed bool
	aead    cipher.AEAD
	salt    salt
	scratch scratch // for the holder of mu

	// Send keys only.
	next      uint64 // next CTR to use
	exhausted bool   // every CTR up to MaxCounter has been used
	blocks    uint64 // AES blocks sealed so far

	// Receive keys only.
	replay replayWindow
	value  any // given by AddReceiveKeysWithValues; never changes
}

// Format prints e without its key material, for every verb: fmt would
// print the salt and nonce fields, unexported, without their own
// redaction.
func (e *keyEntry) Format(f fmt.State, _ rune) {
	dir := "receive"
	if e.send {
		dir = "send"
	}
	fmt.Fprintf(f, "frame.keyEntry(kid %d, %s, REDACTED)", uint64(e.kid), dir)
}

// scratch holds the nonce and AAD of one Seal or Open call. A stack buffer
// would escape through the cipher.AEAD interface, so each key has one for
// the holder of its lock, and an Open that runs beside the holder takes
// one from a pool.
type scratch struct {
	nonce salt
	aad   []byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// aadWith returns sc's AAD buffer sized for an hl-byte header followed by
// metadata, with metadata copied in; the caller writes the header to its
// first hl bytes. The AAD (header || metadata, RFC 9605 §4.4.3) is a copy
// so that metadata may alias the output.
func (sc *scratch) aadWith(hl int, metadata []byte) []byte {
	n := hl + len(metadata)
	if cap(sc.aad) < n {
		// Room for the longest header, so that the longer CTRs of later
		// frames do not grow it again.
		sc.aad = make([]byte, n, MaxHeaderLen+len(metadata))
	}
	sc.aad = sc.aad[:n]
	copy(sc.aad[hl:], metadata)
	return sc.aad
}

// release drops an AAD buffer grown beyond maxRetainedAAD.
func (sc *scratch) release() {
	if cap(sc.aad) > maxRetainedAAD {
		sc.aad = nil
	}
}

// NewContext returns an empty context configured by cfg.
func NewContext(cfg Config) (*Context, error) {
	suite := cfg.Suite
	if suite == 0 {
		suite = DefaultSuite
	}
	p := suite.params()
	if p == nil {
		return nil, newError("new context", ErrUnsupportedSuite, suite.String())
	}
	window := cfg.ReplayWindow
	if window == 0 {
		window = DefaultReplayWindow
	}
	if window < 1 || window > MaxReplayWindow {
		return nil, newError("new context", ErrInvalidConfig,
			fmt.Sprintf("replay window %d outside 1..%d", cfg.ReplayWindow, MaxReplayWindow))
	}
	c := &Context{
		suite:      suite,
		params:     p,
		tagLen:     p.nt,
		window:     window,
		maxCounter: cfg.MaxCounter,
		maxBlocks:  cfg.MaxBlocks,

		maxPlaintext: maxPlaintext,
	}
	if c.maxCounter == 0 {
		c.maxCounter = math.MaxUint64
	}
	if c.maxBlocks == 0 {
		c.maxBlocks = DefaultMaxBlocks
	}
	c.keys.Store(&map[KID]*keyEntry{})
	return c, nil
}

// Suite returns the context's cipher suite.
func (c *Context) Suite() Suite { return c.suite }

// MaxOverhead returns the most that Seal adds to a plaintext: the longest
// header plus the suite's tag. A dst with this much spare capacity beyond
// the plaintext length never needs to grow.
func (c *Context) MaxOverhead() int { return MaxHeaderLen + c.tagLen }

// String describes c without any key material.
func (c *Context) String() string {
	return "frame.Context(" + c.suite.String() + ", " + strconv.Itoa(len(*c.keys.Load())) + " keys)"
}

// GoString describes c without any key material.
func (c *Context) GoString() string { return c.String() }

// AddSendKey derives the key and salt of kid from base (RFC 9605 §4.4.2)
// and installs them for sealing, with the counter at 0.
//
// Adding a KID that is already present fails with ErrKeyExists, whatever
// its direction; the context never replaces a key. A replaced send key
// would restart at counter 0, and if the new base key equals the old one
// (which the context cannot tell: it keeps no base keys) every nonce would
// be reused. crypto/tls likewise restarts a sequence number only together
// with a new traffic secret. To change keys, install the new one under a
// new KID (a new epoch or key generation) and remove the old one. Never
// add the same base key for sending under the same KID twice, even after
// removing it.
func (c *Context) AddSendKey(kid KID, base BaseKey) error {
	return c.addKey("add send key", kid, base, true)
}

// AddReceiveKey derives the key and salt of kid from base (RFC 9605
// §4.4.2) and installs them for opening, with an empty replay window.
// Adding a KID that is already present fails with ErrKeyExists.
func (c *Context) AddReceiveKey(kid KID, base BaseKey) error {
	return c.addKey("add receive key", kid, base, false)
}

func (c *Context) addKey(op string, kid KID, base BaseKey, send bool) error {
	if len(base.b) == 0 {
		return newKIDError(op, kid, ErrInvalidKey, "empty base key")
	}
	if _, ok := (*c.keys.Load())[kid]; ok {
		return newKIDError(op, kid, ErrKeyExists, "")
	}
	secret, err := c.params.extract(base.b)
	if err != nil {
		return fmt.Errorf("frame: %s kid %d: %w", op, kid, err)
	}
	e, err := c.newEntry(op, kid, secret, send)
	clear(secret)
	if err != nil {
		return err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.keys.Load()
	if _, ok := old[kid]; ok {
		e.zero()
		return newKIDError(op, kid, ErrKeyExists, "")
	}
	m := make(map[KID]*keyEntry, len(old)+1)
	maps.Copy(m, old)
	m[kid] = e
	c.keys.Store(&m)
	return nil
}

// newEntry derives the key and salt of kid from sframe_secret and builds
// its entry.
func (c *Context) newEntry(op string, kid KID, secret secretBytes, send bool) (*keyEntry, error) {
	key, s, err := c.params.expandKeySalt(c.suite, kid, secret)
	if err != nil {
		return nil, fmt.Errorf("frame: %s kid %d: %w", op, kid, err)
	}
	aead, err := c.params.newAEAD(key)
	clear(key)
	if err != nil {
		clear(s[:])
		return nil, fmt.Errorf("frame: %s kid %d: %w", op, kid, err)
	}
	e := &keyEntry{kid: kid, send: send, aead: aead, salt: *s}
	clear(s[:])
	if !send {
		e.replay.init(c.window)
	}
	return e, nil
}

// AddReceiveKeys is AddReceiveKey for every KID in kids under one base
// key, as when a key management layer gives each sender its own KID under
// a shared base key (the MLS scheme of RFC 9605 §5.2). It costs less than
// separate calls: HKDF-Extract of the base key runs once for all the
// KIDs, and the key set is replaced once rather than once per key (each
// replacement copies it). It adds all the keys or none: a KID already
// present, or repeated in kids, fails with ErrKeyExists.
func (c *Context) AddReceiveKeys(base BaseKey, kids []KID) error {
	return c.addReceiveKeys("add receive keys", base, kids, nil)
}

// AddReceiveKeysWithValues is AddReceiveKeys with a value attached to each
// key: values[i] to kids[i]. OpenWithValue returns a frame's value with its
// plaintext. A key manager attaches what it knows of a key's owner (its
// epoch, its place in a ratchet), so that it needs no lookup of its own
// after Open, and can attribute every frame to exactly the key that
// authenticated it. values must be as long as kids.
func (c *Context) AddReceiveKeysWithValues(base BaseKey, kids []KID, values []any) error {
	const op = "add receive keys"
	if len(values) != len(kids) {
		return newError(op, ErrInvalidConfig, fmt.Sprintf("%d values for %d KIDs", len(values), len(kids)))
	}
	return c.addReceiveKeys(op, base, kids, values)
}

// addReceiveKeys is AddReceiveKeysWithValues with values nil or as long as
// kids.
func (c *Context) addReceiveKeys(op string, base BaseKey, kids []KID, values []any) error {
	if len(base.b) == 0 {
		return newError(op, ErrInvalidKey, "empty base key")
	}
	if len(kids) == 0 {
		return nil
	}
	secret, err := c.params.extract(base.b)
	if err != nil {
		return fmt.Errorf("frame: %s: %w", op, err)
	}
	defer clear(secret)
	entries := make(map[KID]*keyEntry, len(kids))
	zeroAll := func() {
		for _, e := range entries {
			e.zero()
		}
	}
	for i, kid := range kids {
		if _, ok := entries[kid]; ok {
			zeroAll()
			return newKIDError(op, kid, ErrKeyExists, "KID repeated in the batch")
		}
		e, err := c.newEntry(op, kid, secret, false)
		if err != nil {
			zeroAll()
			return err
		}
		if values != nil {
			e.value = values[i]
		}
		entries[kid] = e
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.keys.Load()
	for _, kid := range kids {
		if _, ok := old[kid]; ok {
			zeroAll()
			return newKIDError(op, kid, ErrKeyExists, "")
		}
	}
	m := make(map[KID]*keyEntry, len(old)+len(entries))
	maps.Copy(m, old)
	maps.Copy(m, entries)
	c.keys.Store(&m)
	return nil
}

// RemoveKey removes kid from the context. It waits for Seal and Open
// calls already using the key to finish, then zeroes the salt and, for the
// CTR-HMAC suites, the authentication key. The AES key schedule inside
// crypto/aes cannot be reached; it is dropped for the garbage collector.
// Removing an absent KID returns ErrUnknownKID.
func (c *Context) RemoveKey(kid KID) error {
	c.mu.Lock()
	old := *c.keys.Load()
	e, ok := old[kid]
	if !ok {
		c.mu.Unlock()
		return newKIDError("remove key", kid, ErrUnknownKID, "")
	}
	m := make(map[KID]*keyEntry, len(old))
	maps.Copy(m, old)
	delete(m, kid)
	c.keys.Store(&m)
	c.mu.Unlock()

	e.remove()
	return nil
}

// RemoveKeys is RemoveKey for every KID in kids, with the key set
// replaced once rather than once per key. It removes the KIDs that are
// present and, if some are not, returns ErrUnknownKID naming the first of
// those.
func (c *Context) RemoveKeys(kids []KID) error {
	c.mu.Lock()
	old := *c.keys.Load()
	m := make(map[KID]*keyEntry, len(old))
	maps.Copy(m, old)
	var removed []*keyEntry
	var err error
	for _, kid := range kids {
		e, ok := m[kid]
		if !ok {
			if err == nil {
				err = newKIDError("remove keys", kid, ErrUnknownKID, "")
			}
			continue
		}
		delete(m, kid)
		removed = append(removed, e)
	}
	c.keys.Store(&m)
	c.mu.Unlock()

	for _, e := range removed {
		e.remove()
	}
	return err
}

// remove waits for the Seal and Open calls using e, then zeroes it.
func (e *keyEntry) remove() {
	e.shared.Lock()
	e.mu.Lock()
	e.zero()
	e.mu.Unlock()
	e.shared.Unlock()
}

// zero marks e removed and zeroes what it holds. The caller holds both of
// e's locks or is its only user.
func (e *keyEntry) zero() {
	e.removed = true
	clear(e.salt[:])
	clear(e.scratch.nonce[:])
	if z, ok := e.aead.(interface{ zero() }); ok {
		z.zero()
	}
	e.aead = nil
}

// KIDs returns the KIDs in the context, send and receive, in ascending
// order.
func (c *Context) KIDs() []KID {
	return slices.Sorted(maps.Keys(*c.keys.Load()))
}

// lookup returns the entry for kid, or nil.
func (c *Context) lookup(kid KID) *keyEntry {
	return (*c.keys.Load())[kid]
}

// putNonce writes the nonce of RFC 9605 §4.4.3 to n: sframe_salt XOR the
// CTR as a 12-byte big-endian integer.
func putNonce(n, s *salt, ctr uint64) {
	copy(n[:4], s[:4])
	binary.BigEndian.PutUint64(n[4:], binary.BigEndian.Uint64(s[4:])^ctr)
}
