package client

import "fmt"

// secret holds key material a handle keeps: a PSK value. It prints
// redacted under every fmt verb, so that it cannot reach a log by accident.
type secret struct {
	b []byte
}

func newSecret(b []byte) secret {
	return secret{b: append([]byte(nil), b...)}
}

// zero overwrites the key material.
func (s *secret) zero() {
	clear(s.b)
	s.b = nil
}

func (secret) String() string   { return "secret(REDACTED)" }
func (secret) GoString() string { return "client.secret(REDACTED)" }

// Format prints the redacted form whatever the verb.
func (s secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, s.String())
}

// pskEntry is an external PSK stored by StorePSK (RFC 9420 §8.4: the
// application-provided psk_id and its value), kept until the group state or
// joiner that holds it is freed.
type pskEntry struct {
	id    []byte
	value secret
}

func (p *pskEntry) zero() { p.value.zero() }

// Format prints the PSK's ID and hides its value whatever the verb: fmt
// prints a struct's unexported fields without calling their methods, so
// the secret field alone would not stay redacted.
func (p pskEntry) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "psk(id=%x, value=REDACTED)", p.id)
}
