package frame

import "fmt"

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
	// Small enough to be inlined: the wrapper costs nothing.
	out, h, _, err := c.OpenWithValue(dst, metadata, ciphertext)
	return out, h, err
}

// OpenWithValue is Open that also returns the value attached to the key
// that opened the frame (see AddReceiveKeysWithValues), or nil for a key
// added without one. The value is returned only when err is nil.
func (c *Context) OpenWithValue(dst, metadata, ciphertext []byte) ([]byte, Header, any, error) {
	h, hl, ok := decodeHeader(ciphertext)
	if !ok {
		return nil, Header{}, nil, malformedHeaderError(ciphertext)
	}
	e := c.lookup(h.KID)
	if e == nil || e.send {
		return nil, h, nil, keyError("open", h.KID, e)
	}
	body := ciphertext[hl:]
	if len(body) < c.tagLen {
		return nil, h, nil, c.shortError(h.KID, len(body))
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
			return nil, h, nil, newKIDError("open", h.KID, ErrBufferOverlap, "output overlaps the ciphertext other than in place")
		}
	}

	if !e.mu.TryLock() {
		// Another Open of this KID holds the key: check after it, and
		// decrypt outside the lock.
		err := c.openShared(e, target, metadata, ciphertext, h.CTR, hl)
		if err != nil {
			return nil, h, nil, err
		}
	} else {
		// As in seal, no defer: the AEAD's own checks are all checked
		// here.
		if e.removed || e.replay.status(h.CTR) != replayFresh {
			err := openStateError(e, h.CTR)
			e.mu.Unlock()
			return nil, h, nil, err
		}
		sc := &e.scratch
		putNonce(&sc.nonce, &e.salt, h.CTR)
		aad := ciphertext[:hl]
		if len(metadata) > 0 {
			aad = sc.aadWith(hl, metadata)
			copy(aad, ciphertext[:hl])
		}
		_, err := e.aead.Open(target[:0], sc.nonce[:], body, aad)
		sc.release()
		if err != nil {
			e.mu.Unlock()
			return nil, h, nil, authError(h.KID)
		}
		e.replay.accept(h.CTR)
		e.mu.Unlock()
	}
	if shift {
		copy(out, target)
	}
	return ret, h, e.value, nil
}

// openShared is the AEAD step of Open for an Open that found e.mu held by
// another Open of the same KID: it holds e.shared for reading while it
// uses the key, with scratch from the pool, and takes e.mu only to check
// its counter before the AEAD and to record it after.
func (c *Context) openShared(e *keyEntry, target, metadata, ciphertext []byte, ctr uint64, hl int) error {
	e.shared.RLock()
	defer e.shared.RUnlock()
	if err := e.checkOpen(ctr); err != nil {
		return err
	}
	sc := scratchPool.Get().(*scratch)
	putNonce(&sc.nonce, &e.salt, ctr)
	aad := ciphertext[:hl]
	if len(metadata) > 0 {
		aad = sc.aadWith(hl, metadata)
		copy(aad, ciphertext[:hl])
	}
	pt, err := e.aead.Open(target[:0], sc.nonce[:], ciphertext[hl:], aad)
	sc.release()
	scratchPool.Put(sc)
	if err != nil {
		return authError(e.kid)
	}
	// Another Open may have accepted the same counter meanwhile.
	if err := e.acceptOpen(ctr); err != nil {
		clear(pt)
		return err
	}
	return nil
}

// checkOpen reports whether a frame with ctr may be opened with e: the key
// is present and ctr is fresh. The caller holds e.shared for reading.
func (e *keyEntry) checkOpen(ctr uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed || e.replay.status(ctr) != replayFresh {
		return openStateError(e, ctr)
	}
	return nil
}

// acceptOpen records ctr in e's replay window if it is still fresh.
func (e *keyEntry) acceptOpen(ctr uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.replay.status(ctr) != replayFresh {
		return openStateError(e, ctr)
	}
	e.replay.accept(ctr)
	return nil
}

// malformedHeaderError is the error of Open with a ciphertext whose
// header does not decode.
//
//go:noinline
func malformedHeaderError(ciphertext []byte) error {
	return newError("open", ErrMalformedHeader, headerDetail(ciphertext))
}

// shortError is the error of Open with n bytes after the header, fewer
// than the tag.
//
//go:noinline
func (c *Context) shortError(kid KID, n int) error {
	return newKIDError("open", kid, ErrAuthentication,
		fmt.Sprintf("%d bytes after the header, shorter than the %d-byte tag", n, c.tagLen))
}

// authError is the error of Open with a frame that fails authentication.
//
//go:noinline
func authError(kid KID) error {
	return newKIDError("open", kid, ErrAuthentication, "")
}

// openStateError is the error of Open with e, removed or with ctr not
// fresh in its replay window. The caller holds e.mu.
//
//go:noinline
func openStateError(e *keyEntry, ctr uint64) error {
	if e.removed {
		return newKIDError("open", e.kid, ErrUnknownKID, "key was removed")
	}
	return newKIDError("open", e.kid, ErrReplay, e.replay.describe(ctr, e.replay.status(ctr)))
}
