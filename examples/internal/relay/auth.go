package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// RoomToken returns the bearer token that admits anyone holding it to
// room, under a relay operator's key: base64url(HMAC-SHA256(key, room)).
// The operator hands it to the people invited to the call. It only
// rations the relay's resources; who is actually in the call is decided
// and authenticated by MLS among the clients.
func RoomToken(key []byte, room string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(room))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// RoomTokens returns an Options.Authorize that admits a client to a room
// if its token is RoomToken(key, room).
func RoomTokens(key []byte) func(room, clientID, token string) bool {
	k := append([]byte(nil), key...)
	return func(room, _, token string) bool {
		want := RoomToken(k, room)
		return subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
	}
}
