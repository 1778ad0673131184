// Package call is a participant of a Sealroom call: the client that
// examples/client runs from the command line and examples/demo runs five
// of in one process.
//
// A Client connects to the relay (examples/internal/transport), joins the
// room's MLS group through the e2ee Session, sends media from files and
// opens what the others send. Membership needs no coordinator: every
// client reads the same ordered stream of handshake messages from the
// relay, and the member connected with the lowest leaf commits for the
// group (adds the clients waiting for an invitation, commits Remove
// proposals, removes members gone too long). If two members commit in the
// same epoch the relay takes the first (RFC 9420 §14: the delivery
// service orders commits) and the other processes it and tries again.
//
// Joining: the first client in an empty room creates the group; later
// ones join by external commit (RFC 9420 §12.4.3.2, from the GroupInfo the
// relay keeps) or wait for a Welcome (JoinMode). A client that lost its
// state joins again by external commit in place of its old leaf.
//
// Media: each track is paced in real time (media.Pacer), each frame
// sealed with the Session's current epoch key (SFrame, RFC 9605) with the
// codec-aware clear part, and sent as one QUIC datagram (on a stream if
// too large for one). A received frame of an epoch not installed yet (its
// commit, or the Welcome, is still on the way) is held for a while and
// opened once it is. What opens is
// attributed to the sender's MLS identity, not to the relay's word, and
// can be recorded per sender (media.Recorder) and logged for comparison
// with what was sent (media.Log).
//
// Reconnection: when the connection to the relay ends, the Client dials
// again with backoff and asks the relay for the handshake messages since
// its epoch; a restarted relay serves them from its database.
package call
