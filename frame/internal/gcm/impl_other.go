//go:build !amd64 || purego

package gcm

// defaultImpl is the generic path: no assembly exists for this platform or
// build (purego).
const defaultImpl = implGeneric

func supported(im impl) bool { return im == implGeneric }

func (g *aead) init(key []byte) error {
	a, err := newGeneric(key)
	g.generic = a
	return err
}

func (g *aead) seal(out, nonce, plaintext, aad []byte) {
	g.generic.Seal(out[:0], nonce, plaintext, aad)
}

func (g *aead) open(out, nonce, ciphertext, aad []byte) bool {
	_, err := g.generic.Open(out[:0], nonce, ciphertext, aad)
	return err == nil
}
