// Package frame implements SFrame, Secure Frame (RFC 9605): authenticated
// encryption of media frames under keys named by a key ID (KID) that
// travels in clear, so that a relay can route frames it cannot read.
//
// # Files and RFC sections
//
//	header.go        §4.3    header codec (KID, CTR), no cryptography
//	suite.go         §4.5    cipher suites and their constants
//	key.go           §4.4.2  BaseKey, derive_key_salt
//	aead_gcm.go      §4.5    AES-GCM, chosen in one function (newGCM)
//	aead_ctrhmac.go  §4.5.1  AES-CTR with truncated HMAC tags
//	context.go       §4.4    Context: keys by KID, Seal and Open
//	replay.go        §7.4, §9.3  per-KID sliding replay window
//	ratchet.go       §5.1    sender-key ratchet and its KID layout
//	errors.go                sentinel errors
//	alias.go                 buffer overlap checks
//
// # Usage
//
// A Context holds one cipher suite (default AES_256_GCM_SHA512_128) and a
// key per KID, each for sending or for receiving, never both (§4.4.1).
// The key management layer supplies base keys; the context derives each
// key's AEAD and salt once, when the key is added. Seal and Open work like
// cipher.AEAD's: they append to dst, and with a large enough dst they do
// not allocate (the AES-CTR-HMAC suites allocate once per call, in
// crypto/cipher.NewCTR). Seal numbers a send key's frames with a counter
// that starts at 0 and only moves forward; Open rejects frames replayed or
// too old for the KID's replay window.
//
// The metadata argument of Seal and Open is authenticated, not encrypted:
// the AAD is header || metadata (§4.4.3). Codec bytes left in clear for a
// relay go there, so that changing them makes Open fail.
//
// # Decisions
//
//   - Headers decode only in their minimal encoding (see Header); every
//     accepted header re-encodes to the same bytes.
//   - Adding a KID that exists fails with ErrKeyExists instead of
//     replacing the key, because a replaced send key would restart its
//     counter. Removing a key zeroes the salt and derived key bytes this
//     package holds; a BaseKey is never retained.
//   - Seal refuses with ErrCounterExhausted before a nonce could repeat or
//     a key could exceed its usage limit (Config.MaxCounter,
//     Config.MaxBlocks, DefaultMaxBlocks).
//   - The replay window (Config.ReplayWindow, DefaultReplayWindow) moves
//     only after a frame authenticates, so forgeries cannot push it.
//   - Cipher suites 0x0006-0x0008 (AES_256_CTR_HMAC_SHA512_*) are
//     supported for interop but are not part of RFC 9605.
//
// # Concurrency
//
// A Context may be used by any number of goroutines: typically one that
// seals and several that open. Looking up a KID takes no lock; each key
// has its own, held by Seal and by an Open that finds it free, so that a
// frame costs one uncontended lock; an Open that finds it taken waits for
// the holder's frame and then decrypts outside the lock. So Opens run in
// parallel for different KIDs, and overlap for the same KID. See Context.
//
// A sender that seals every frame under one KID can look its key up once
// (Context.SendKey). A key manager can attach a value to each receive key
// (Context.AddReceiveKeysWithValues) and get it back with every frame the
// key opens (Context.OpenWithValue), to attribute the frame without a
// lookup of its own.
//
// # Errors
//
// Every error wraps one sentinel (ErrMalformedHeader, ErrUnknownKID,
// ErrKeyUsage, ErrAuthentication, ErrReplay, ErrCounterExhausted, ...) for
// errors.Is, and says what was being done: "frame: open kid 7: replayed or
// too old frame: counter 3 was already accepted". No input makes the
// package panic.
package frame
