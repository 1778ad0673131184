package wire

// Application error codes with which the relay (or a client) closes a
// QUIC connection (RFC 9000 §20.2). They say why; the Error message sent
// before the close, if any, says what.
const (
	// CloseNormal: the peer is done.
	CloseNormal = 0
	// CloseProtocolError: the peer broke the protocol in a way the
	// connection cannot recover from (no Hello first, an oversized frame,
	// a truncated control stream, a refused Hello).
	CloseProtocolError = 1
	// CloseTooSlow: the client did not read its control stream and the
	// relay's queue for it filled; handshake messages are never dropped,
	// so the client must reconnect and catch up.
	CloseTooSlow = 2
	// CloseReplaced: a newer connection with the same client id joined
	// the room.
	CloseReplaced = 3
	// CloseShutdown: the relay is stopping.
	CloseShutdown = 4
)
