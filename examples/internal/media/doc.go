// Package media reads, paces, records and verifies the media of the
// example call clients. It does no cryptography: a client seals the
// frames a Pacer releases with its e2ee Session, and hands the frames it
// opens to a Recorder and a Log.
//
// Sources: Open (or ReadIVF, ReadOgg) loads a whole file into a Track, VP8
// frames from an IVF file or Opus packets from an Ogg Opus file (RFC
// 7845), read with pion's ivfreader and oggreader. Pion's Ogg reader
// returns whole page payloads; ReadOgg splits them into packets with the
// page's segment table (RFC 3533 §6), which it peeks from the input
// before pion consumes the page, and reassembles packets that span pages.
// The Opus identification and comment headers are kept on the Track
// (OpusInfo), not released as frames.
//
// Pacing: a Pacer releases a Track's frames at their media timestamps on
// a Clock, looping the track with monotonic sequence numbers and
// timestamps if asked to. Next does not allocate.
//
// Sinks: IVFWriter and OggWriter write received frames to files that
// ffprobe and ffplay read, through pion's ivfwriter and oggwriter;
// Recorder keeps one of each per sender. Lost frames keep their place on
// the timeline: the IVF file keeps the senders' timestamps (a decoder
// freezes until the next key frame), the Ogg file gets a packet of empty
// Opus frames for each lost one, which a decoder conceals (RFC 7845 §4.1).
//
// Verification: a Log records the SHA-256 of every frame by sender,
// stream and sequence number; Compare matches what receivers opened
// against what senders sent. Frames lost on the way are expected on a
// lossy link; a frame received with other bytes than were sent never is.
package media
