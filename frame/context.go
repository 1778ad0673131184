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
// lock. Each key has its own lock: Seal holds it exclusively, so that
// counters are reserved in order and calls for one send KID run one at a
// time; Open holds it shared, so any number of receiving goroutines open
// frames in parallel, for the same KID or different ones, and only touch
// the small replay-window lock of their own KID. AddSendKey,
// AddReceiveKey, AddReceiveKeys, RemoveKey and RemoveKeys do not block
// Seal or Open on other keys.
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
type keyEntry struct {
	send bool

	// mu is held shared by Open and exclusively by Seal and RemoveKey;
	// it guards every field below.
	mu      sync.RWMutex
	removed bool
	aead    cipher.AEAD
	salt    *salt

	// Send keys only.
	next      uint64 // next CTR to use
	exhausted bool   // every CTR up to MaxCounter has been used
	blocks    uint64 // AES blocks sealed so far
	nonce     salt   // nonce scratch: salt XOR CTR
	aad       []byte // header || metadata scratch

	// Receive keys only.
	replay *replayWindow
}

// openScratch holds the nonce and AAD of one Open call. A stack buffer
// would escape through the cipher.AEAD interface, so they are pooled.
type openScratch struct {
	nonce salt
	aad   []byte
}

var openScratchPool = sync.Pool{New: func() any { return new(openScratch) }}

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
	e := &keyEntry{send: send, aead: aead, salt: s}
	if !send {
		e.replay = newReplayWindow(c.window)
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
	const op = "add receive keys"
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
	for _, kid := range kids {
		if _, ok := entries[kid]; ok {
			zeroAll()
			return newKIDError(op, kid, ErrKeyExists, "KID repeated in the batch")
		}
		e, err := c.newEntry(op, kid, secret, false)
		if err != nil {
			zeroAll()
			return err
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

	e.mu.Lock()
	e.zero()
	e.mu.Unlock()
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
		e.mu.Lock()
		e.zero()
		e.mu.Unlock()
	}
	return err
}

// zero marks e removed and zeroes what it holds. The caller holds e.mu
// exclusively or is its only user.
func (e *keyEntry) zero() {
	e.removed = true
	clear(e.salt[:])
	clear(e.nonce[:])
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

// Seal encrypts plaintext with the send key of kid (RFC 9605 §4.4.3),
// appends the SFrame ciphertext (header || AEAD ciphertext || tag) to dst
// and returns the updated slice. metadata is authenticated but not
// encrypted or included: the AAD is header || metadata, and Open must be
// given the same metadata.
//
// Each call uses the key's next counter; the counter only moves forward
// and is reserved before encryption, so no (key, nonce) pair is ever used
// twice. When the key reaches Config.MaxCounter or Config.MaxBlocks, Seal
// returns ErrCounterExhausted.
//
// To encrypt in place, put the plaintext at dst[len(dst)+h:] where h is
// the header length, Header{kid, ctr}.Len() with ctr from NextCounter; any
// other overlap between the output and plaintext returns ErrBufferOverlap. metadata may overlap
// anything. With enough capacity in dst (see MaxOverhead), Seal does not
// allocate.
func (c *Context) Seal(dst []byte, kid KID, metadata, plaintext []byte) ([]byte, error) {
	e := c.lookup(kid)
	if e == nil {
		return nil, newKIDError("seal", kid, ErrUnknownKID, "")
	}
	if !e.send {
		return nil, newKIDError("seal", kid, ErrKeyUsage, "it is a receive key")
	}
	if uint64(len(plaintext)) > c.maxPlaintext {
		return nil, newKIDError("seal", kid, ErrTooLarge,
			fmt.Sprintf("%d-byte plaintext exceeds %d bytes", len(plaintext), c.maxPlaintext))
	}
	blocks := uint64(len(plaintext)+15)/16 + 1

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return nil, newKIDError("seal", kid, ErrUnknownKID, "key was removed")
	}
	ctr := e.next
	if e.exhausted || ctr > c.maxCounter {
		return nil, newKIDError("seal", kid, ErrCounterExhausted,
			fmt.Sprintf("every counter up to %d has been used", c.maxCounter))
	}
	if blocks > c.maxBlocks-e.blocks {
		return nil, newKIDError("seal", kid, ErrCounterExhausted,
			fmt.Sprintf("key has sealed %d of its %d AES blocks, this frame needs %d", e.blocks, c.maxBlocks, blocks))
	}

	hl := headerLen(kid, ctr)
	ret, out := sliceForAppend(dst, hl+len(plaintext)+c.tagLen)
	if len(plaintext) > 0 && anyOverlap(out, plaintext) && &out[hl] != &plaintext[0] {
		return nil, newKIDError("seal", kid, ErrBufferOverlap, "plaintext overlaps the output other than in place")
	}

	// Reserve the counter before using it (RFC 9605 §9.1).
	if ctr == c.maxCounter {
		e.exhausted = true
	} else {
		e.next = ctr + 1
	}
	e.blocks += blocks

	putNonce(&e.nonce, e.salt, ctr)
	var aad []byte
	if len(metadata) == 0 {
		aad = out[:hl]
		putHeader(aad, kid, ctr)
	} else {
		// The AAD is copied out before out is written, so metadata may
		// alias dst.
		e.aad = growScratch(e.aad, hl+len(metadata))
		aad = e.aad
		putHeader(aad, kid, ctr)
		copy(aad[hl:], metadata)
		copy(out[:hl], aad[:hl])
	}
	e.aead.Seal(out[hl:hl], e.nonce[:], plaintext, aad)
	if cap(e.aad) > maxRetainedAAD {
		e.aad = nil
	}
	return ret, nil
}

// NextCounter returns the CTR the next Seal with kid will use. It is for
// sizing headers and for applications that persist their counters
// (RFC 9605 §9.1). It fails with ErrUnknownKID or ErrKeyUsage if kid has
// no send key, and with ErrCounterExhausted once no counter is left.
func (c *Context) NextCounter(kid KID) (uint64, error) {
	e := c.lookup(kid)
	if e == nil {
		return 0, newKIDError("next counter", kid, ErrUnknownKID, "")
	}
	if !e.send {
		return 0, newKIDError("next counter", kid, ErrKeyUsage, "it is a receive key")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.removed:
		return 0, newKIDError("next counter", kid, ErrUnknownKID, "key was removed")
	case e.exhausted || e.next > c.maxCounter:
		return 0, newKIDError("next counter", kid, ErrCounterExhausted, "")
	}
	return e.next, nil
}

// growScratch returns b resized to n bytes, reusing its capacity.
func growScratch(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// Open authenticates and decrypts an SFrame ciphertext (RFC 9605 §4.4.4)
// with the receive key named by its header, given the same metadata it
// was sealed with. It appends the plaintext to dst and returns the
// updated slice and the authenticated header.
//
// A frame whose counter was already opened, or lies below the KID's
// replay window, fails with ErrReplay; the window advances only once a
// frame has authenticated, and frames out of order inside it open
// normally. On any error no plaintext is returned. If the header parsed,
// the returned Header holds it even on error (for instance so that a
// frame failing with ErrUnknownKID can be kept until its key arrives, as
// §4.4.4 allows); it is authenticated only when err is nil.
//
// To decrypt in place, pass ciphertext[:0] as dst (the plaintext then
// starts where the header did), or ciphertext[:h] with h the header length
// (it stays where the ciphertext was); any other overlap between the
// output and ciphertext returns ErrBufferOverlap. As with
// cipher.AEAD, a failed in-place Open may overwrite the ciphertext.
// metadata may overlap anything. With enough capacity in dst, Open does
// not allocate.
func (c *Context) Open(dst, metadata, ciphertext []byte) ([]byte, Header, error) {
	h, hl, detail := parseHeader(ciphertext)
	if detail != "" {
		return nil, Header{}, newError("open", ErrMalformedHeader, detail)
	}
	e := c.lookup(h.KID)
	if e == nil {
		return nil, h, newKIDError("open", h.KID, ErrUnknownKID, "")
	}
	if e.send {
		return nil, h, newKIDError("open", h.KID, ErrKeyUsage, "it is a send key")
	}
	body := ciphertext[hl:]
	if len(body) < c.tagLen {
		return nil, h, newKIDError("open", h.KID, ErrAuthentication,
			fmt.Sprintf("%d bytes after the header, shorter than the %d-byte tag", len(body), c.tagLen))
	}

	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.removed {
		return nil, h, newKIDError("open", h.KID, ErrUnknownKID, "key was removed")
	}
	if s := e.replay.check(h.CTR); s != replayFresh {
		return nil, h, newKIDError("open", h.KID, ErrReplay, e.replay.describe(h.CTR, s))
	}

	ptLen := len(body) - c.tagLen
	ret, out := sliceForAppend(dst, ptLen)
	// target is where the AEAD writes: out, or for the in-place form
	// (out at the start of the header) the ciphertext body itself, moved
	// down over the header afterwards.
	target, shift := out, false
	if ptLen > 0 && anyOverlap(out, ciphertext) {
		switch &out[0] {
		case &body[0]:
		case &ciphertext[0]:
			target, shift = body[:ptLen], true
		default:
			return nil, h, newKIDError("open", h.KID, ErrBufferOverlap, "output overlaps the ciphertext other than in place")
		}
	}

	sc := openScratchPool.Get().(*openScratch)
	putNonce(&sc.nonce, e.salt, h.CTR)
	aad := ciphertext[:hl]
	if len(metadata) > 0 {
		sc.aad = growScratch(sc.aad, hl+len(metadata))
		copy(sc.aad, ciphertext[:hl])
		copy(sc.aad[hl:], metadata)
		aad = sc.aad
	}
	pt, err := e.aead.Open(target[:0], sc.nonce[:], body, aad)
	if cap(sc.aad) > maxRetainedAAD {
		sc.aad = nil
	}
	openScratchPool.Put(sc)
	if err != nil {
		return nil, h, newKIDError("open", h.KID, ErrAuthentication, "")
	}
	if s := e.replay.accept(h.CTR); s != replayFresh {
		clear(pt)
		return nil, h, newKIDError("open", h.KID, ErrReplay, e.replay.describe(h.CTR, s))
	}
	if shift {
		copy(out, pt)
	}
	return ret, h, nil
}
