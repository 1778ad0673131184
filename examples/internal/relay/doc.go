// Package relay is the Sealroom relay as a library: one QUIC endpoint that
// is both the media relay (it forwards each member's SFrame frames to the
// other members of its room) and the MLS delivery service (RFC 9420 §14:
// it stores KeyPackages, puts each room's handshake messages in one total
// order with the first commit for an epoch winning, keeps the latest
// GroupInfo for external joiners and delivers Welcomes).
//
// Everything it carries is opaque bytes. It imports no package that holds
// or derives a key, and could not read the calls it carries
// (examples/relay's TestRelayImportGraph checks the import graph). The
// protocol is examples/wire; the client side is examples/internal/transport;
// examples/relay/README.md describes both.
//
// What must survive a restart (KeyPackages, handshake logs, GroupInfos,
// pending Welcomes) is in SQLite, written before the relay acknowledges or
// broadcasts anything.
package relay
