// Package transport is the client side of the Sealroom relay protocol
// (examples/wire): it connects a call client to the relay over QUIC,
// joins a room, and carries the client's MLS handshake messages,
// KeyPackages and SFrame media as opaque byte slices.
//
// It does no cryptography of its own (TLS inside QUIC aside, which
// protects metadata only): an e2ee Session sits on top, producing the
// bytes Conn sends and consuming the bytes it receives.
//
// A Conn has two receive paths. Events delivers the relay's ordered
// control stream (handshake messages in the room's one total order,
// Welcomes, roster changes, notices); it never drops anything, and a
// consumer that stops reading makes the connection fail rather than lose
// a handshake message. ReceiveMedia delivers media frames, which are
// dropped when the consumer falls behind, as on the network.
package transport
