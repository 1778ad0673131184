// Package wire holds the Sealroom relay protocol: the protobuf messages of
// wire.proto (generated into wire.pb.go), the length-prefixed framing of
// the control stream, and a zero-allocation codec for Media, the message
// on the media hot path.
//
// Nothing here is cryptographic. Every MLS message, KeyPackage, GroupInfo,
// Welcome and media payload is opaque bytes: the relay that speaks this
// protocol carries a whole call without being able to read it.
package wire

//go:generate ./regen.sh

// ALPN is the TLS application protocol the relay and its clients negotiate.
const ALPN = "sealroom-relay/1"
