package frame

import "fmt"

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
	if e == nil || !e.send {
		return nil, keyError("seal", kid, e)
	}
	return c.seal(e, dst, metadata, plaintext)
}

// SendKey is the send key of one KID in a Context, looked up once: its
// Seal is Context.Seal without the lookup of the KID, for a sender that
// seals every frame under the same KID. It shares the key's state (its
// counter and usage) with Context.Seal, and is valid as long as the key:
// once the key is removed, Seal fails with ErrUnknownKID. A SendKey is
// safe for concurrent use.
type SendKey struct {
	c *Context
	e *keyEntry
}

// SendKey returns the send key of kid. It fails with ErrUnknownKID if kid
// has no key, and with ErrKeyUsage if its key is for receiving.
func (c *Context) SendKey(kid KID) (*SendKey, error) {
	e := c.lookup(kid)
	if e == nil || !e.send {
		return nil, keyError("seal", kid, e)
	}
	return &SendKey{c: c, e: e}, nil
}

// KID returns the key's KID.
func (k *SendKey) KID() KID { return k.e.kid }

// Seal is Context.Seal with k's KID.
func (k *SendKey) Seal(dst, metadata, plaintext []byte) ([]byte, error) {
	return k.c.seal(k.e, dst, metadata, plaintext)
}

// String describes k without key material.
func (k *SendKey) String() string {
	return "frame.SendKey(kid " + fmt.Sprint(uint64(k.e.kid)) + ", " + k.c.suite.String() + ")"
}

// GoString describes k without key material.
func (k *SendKey) GoString() string { return k.String() }

// seal is Seal with e, a send key of c.
func (c *Context) seal(e *keyEntry, dst, metadata, plaintext []byte) ([]byte, error) {
	if uint64(len(plaintext)) > c.maxPlaintext {
		return nil, c.tooLargeError(e.kid, len(plaintext))
	}
	blocks := uint64(len(plaintext)+15)/16 + 1

	// No defer: the AEAD cannot panic here (the lengths and overlaps it
	// checks are checked first), and a deferred unlock costs several
	// percent of a small frame.
	e.mu.Lock()
	ctr := e.next
	if e.removed || e.exhausted || ctr > c.maxCounter || blocks > c.maxBlocks-e.blocks {
		err := c.sealStateError(e, blocks)
		e.mu.Unlock()
		return nil, err
	}
	hl := headerLen(e.kid, ctr)
	ret, out := sliceForAppend(dst, hl+len(plaintext)+c.tagLen)
	if len(plaintext) > 0 && anyOverlap(out, plaintext) && &out[hl] != &plaintext[0] {
		e.mu.Unlock()
		return nil, newKIDError("seal", e.kid, ErrBufferOverlap, "plaintext overlaps the output other than in place")
	}

	// Reserve the counter before using it (RFC 9605 §9.1).
	if ctr == c.maxCounter {
		e.exhausted = true
	} else {
		e.next = ctr + 1
	}
	e.blocks += blocks

	sc := &e.scratch
	putNonce(&sc.nonce, &e.salt, ctr)
	var aad []byte
	if len(metadata) == 0 {
		aad = out[:hl]
		putHeader(aad, e.kid, ctr)
	} else {
		// The AAD is copied out before out is written, so metadata may
		// alias dst.
		aad = sc.aadWith(hl, metadata)
		putHeader(aad, e.kid, ctr)
		copy(out, aad[:hl])
	}
	e.aead.Seal(out[hl:hl], sc.nonce[:], plaintext, aad)
	sc.release()
	e.mu.Unlock()
	return ret, nil
}

// tooLargeError is the error of Seal with an n-byte plaintext above
// c.maxPlaintext.
//
//go:noinline
func (c *Context) tooLargeError(kid KID, n int) error {
	return newKIDError("seal", kid, ErrTooLarge,
		fmt.Sprintf("%d-byte plaintext exceeds %d bytes", n, c.maxPlaintext))
}

// sealStateError is the error of Seal with e, removed or at a usage limit
// (a frame of blocks AES blocks would exceed it). The caller holds e.mu.
//
//go:noinline
func (c *Context) sealStateError(e *keyEntry, blocks uint64) error {
	switch {
	case e.removed:
		return newKIDError("seal", e.kid, ErrUnknownKID, "key was removed")
	case e.exhausted || e.next > c.maxCounter:
		return newKIDError("seal", e.kid, ErrCounterExhausted,
			fmt.Sprintf("every counter up to %d has been used", c.maxCounter))
	}
	return newKIDError("seal", e.kid, ErrCounterExhausted,
		fmt.Sprintf("key has sealed %d of its %d AES blocks, this frame needs %d", e.blocks, c.maxBlocks, blocks))
}

// NextCounter returns the CTR the next Seal with kid will use. It is for
// sizing headers and for applications that persist their counters
// (RFC 9605 §9.1). It fails with ErrUnknownKID or ErrKeyUsage if kid has
// no send key, and with ErrCounterExhausted once no counter is left.
func (c *Context) NextCounter(kid KID) (uint64, error) {
	e := c.lookup(kid)
	if e == nil || !e.send {
		return 0, keyError("next counter", kid, e)
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
