package mls

import (
	"crypto/hmac"
)

// hash returns Hash(data) with the suite's hash function (RFC 9420 §5.1).
func (s *suite) hash(data []byte) []byte {
	h := s.newHash()
	h.Write(data)
	return h.Sum(make([]byte, 0, s.nh))
}

// mac returns MAC(key, data), HMAC with the suite's hash (RFC 9420 §5.1,
// RFC 2104). MLS uses it for the confirmation tag (§6.1) and the
// membership tag (§6.2).
func (s *suite) mac(key secret, data []byte) []byte {
	m := hmac.New(s.newHash, key)
	m.Write(data)
	return m.Sum(make([]byte, 0, s.nh))
}

// verifyMAC reports whether tag equals MAC(key, data). The comparison takes
// the same time wherever the first difference is (hmac.Equal).
func (s *suite) verifyMAC(key secret, data, tag []byte) bool {
	return hmac.Equal(s.mac(key, data), tag)
}
