// Package e2ee is what a call client imports: one Session per participant,
// which keeps an MLS group (RFC 9420) and the SFrame keys of its epochs
// (RFC 9605 §5.2) in step, so that every frame is sealed with the current
// epoch's per-sender key and every membership change rotates all keys.
//
// # Files and RFC sections
//
//	session.go        Session, its states, Members, GroupID, GroupInfo, Close
//	identity.go       Identity, NewIdentity, NewKeyPackage, KeyPackagePrivate (RFC 9420 §5.3, §10)
//	join.go           Create, JoinFromWelcome, JoinExternal (RFC 9420 §11, §12.4.3.1, §12.4.3.2)
//	group.go          the seam to MLS: the group interface the Session needs, and its adapter over mls.Group
//	persist.go        MarshalBinary, Restore; why a restored Session commits before it seals (RFC 9605 §4.4.3 nonces)
//	epoch.go          RFC 9605 §5.2 epochs: install on merge, grace period, erasure (Tick)
//	seal.go, open.go  RFC 9605 §4.4.3, §4.4.4 through the codec policies; Sender
//	handshake.go      RFC 9420 §12: Invite, Remove, Update, Leave, Process, pending commits
//	safetycode.go     the group safety code from epoch_authenticator (RFC 9420 §8.7)
//	tagbatch*.go      signed tag batches: sender authentication beyond RFC 9605
//	sigcodec.go       signatures in tag batches (RFC 9420 §5.1.2, §17.1)
//	config.go         Config, SenderAuth, defaults, the MLS group options
//	errors.go         Error and the sentinel errors
//	codec*.go         codec clear-bytes policies and the sealed packet layout (see Codec)
//
// # Usage
//
// The MLS messages a Session produces and consumes are opaque byte slices,
// MLSMessages (RFC 9420 §6), so that the transport
// (examples/internal/transport) carries them as they are. The flow of a
// call over the relay (see Example for one that runs):
//
//	// Once per client: an identity, and KeyPackages for others to invite it with.
//	id, _ := e2ee.NewIdentity([]byte("alice"), e2ee.DefaultSuite)
//	kp, kpPrivate, _ := e2ee.NewKeyPackage(id) // upload kp, keep kpPrivate (MarshalBinary)
//	conn.UploadKeyPackages(ctx, [][]byte{kp}, nil)
//
//	// Creating the call, and inviting bob with a KeyPackage claimed from the relay.
//	s, _ := e2ee.Create(nil, id, cfg)
//	bobKP, _ := conn.ClaimKeyPackage(ctx, "bob")
//	c, _ := s.Invite(bobKP.Data)
//	_, err := conn.SendHandshake(ctx, transport.Handshake{Kind: COMMIT, Epoch: c.Epoch,
//	    Message: c.Message, GroupInfo: c.GroupInfo, Welcome: c.Welcome, Recipients: []string{"bob"}})
//	if errors.Is(err, transport.ErrStaleEpoch) {
//	    s.DiscardPending() // another commit won the epoch: Process it from Events, then retry
//	}
//
//	// Joining: from a Welcome (transport WelcomeEvent) with the KeyPackage's private half,
//	s, _ := e2ee.JoinFromWelcome(welcomeEvent.Message, kpPrivate, cfg)
//	// or by external commit from the relay's GroupInfo, sending the Commit like the one above.
//	_, gi, _ := conn.GroupInfo(ctx)
//	s, c, _ := e2ee.JoinExternal(gi, id, cfg, nil)
//
//	// The MLS goroutine: every handshake message in the room's order,
//	// this member's own commits included (their echo is the confirmation).
//	for e := range conn.Events() {
//	    if h, ok := e.(*transport.HandshakeEvent); ok {
//	        ch, err := s.Process(h.Message) // ch.Kind: ChangeOwnCommit, ChangeCommit, ChangeRemoved, ...
//	        show(s.SafetyCode())
//	    }
//	}
//
//	// The sending goroutine.
//	pkt, _ := s.Seal(buf[:0], opusFrame, e2ee.CodecOpus)
//	conn.SendMedia(&transport.Media{Payload: pkt})
//	if b, _ := s.TagBatch(); b != nil { // with Config.SenderAuth
//	    conn.SendMedia(&transport.Media{Payload: b})
//	}
//
//	// Receiving goroutines.
//	m, _ := conn.ReceiveMedia(ctx)
//	if e2ee.IsTagBatch(m.Payload) {
//	    s.ReceiveTagBatch(m.Payload)
//	} else {
//	    frame, sender, err := s.Open(out[:0], m.Payload) // sender.Identity, sender.Epoch
//	}
//
//	// Restarting: store the state (a secret) after every change; on start,
//	// restore it, catch up with the relay's log, and commit once.
//	data, _ := s.MarshalBinary()
//	s, _ = e2ee.Restore(data, cfg)
//	conn.CatchUp(ctx, s.Epoch()) // the log arrives on Events: Process it
//	c, _ := s.Update()           // send it; Seal works again once its echo is processed
//
// # Epochs and keys
//
// A commit this member creates is pending (Commit): the Session keeps
// sending in its epoch until the delivery service confirms the commit by
// delivering it back, and Process merges it then. Merging any commit makes
// the new epoch current at once: Seal uses its key from the next frame on
// (RFC 9605 §5.2, KID = leaf << E | epoch mod 2^E). The previous epoch
// stays for receiving for Config.Grace (DefaultGrace, 2 s), measured with
// Config.Clock, and its keys are then erased: by a timer, by Seal and Open
// when they find the erasure due, or by Tick. A member removed by a commit
// never gets the new epoch (MLS encrypts it to the remaining members
// only): it seals nothing more, opens frames of its last epoch still in
// flight during the grace period, and nothing after it.
//
// # Decisions
//
//   - The MLS group sits behind an unexported interface (group.go), so that
//     the Session was built and tested before mls.Group existed, on an
//     in-memory fake. The adapter over mls.Group is in the same file; the
//     tests of the whole system run on it, the fake stays for benchmarks
//     and fault injection.
//   - MLS defaults: suite MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
//     (DefaultSuite; P-384 for all-256-bit deployments); commits and
//     proposals as PrivateMessage, which hides membership changes from the
//     relay, which orders commits by the epoch the transport carries (the
//     external commits of joiners are PublicMessage, as RFC 9420 requires);
//     every commit carries an UpdatePath and a GroupInfo with the ratchet
//     tree, so that the relay always holds what the next external joiner
//     needs; basic credentials only unless Config.CredentialValidator says
//     otherwise; a tree no wider than the KID layout's 2^S leaves.
//   - A restored Session seals nothing until a commit of its own, made
//     after the restore, is merged: SFrame counters restart at 0 with each
//     install of an epoch's key, and the stored state cannot tell which
//     epochs the client sealed in before it stopped (see persist.go).
//   - One sealed packet per frame: codec || clear_len || clear || SFrame
//     ciphertext, the prefix being the SFrame metadata (see ParsePacket),
//     so the relay routes on authenticated clear bytes.
//   - The safety code is 12 digits (39.9 bits) from a labelled KDF of
//     epoch_authenticator; see safetycode.go for the reasoning.
//   - Sender authentication (Config.SenderAuth) signs, per sender, the
//     SHA-256/128 digests of N frames with the MLS leaf signature key,
//     sending only a 16-byte parity and the signature: under 1% of a
//     64 kbit/s Opus stream at N = 50, checkable with one frame lost; see
//     tagbatch.go.
//   - The Session does not buffer frames of an epoch it has not reached
//     (RFC 9605 §4.4.4 allows it): Open fails with ErrUnknownEpoch and the
//     caller may retry after Process.
//
// # Concurrency
//
// One sending goroutine (Seal, TagBatch), any number of receiving ones
// (Open, ReceiveTagBatch) and one running the MLS operations, at once; see
// Session. Seal and Open take no lock in the steady state and, given
// buffers with room, allocate nothing.
//
// # Errors
//
// Every error of a Session is an *Error naming the operation and, where
// known, the epoch and member, and wrapping a sentinel (ErrNotMember,
// ErrUnknownSender, ErrUnknownEpoch, ErrEpochExpired, ErrAuthentication,
// ErrReplay, ErrMalformedPacket, ...) and the cause from the layer below:
// "e2ee: open: epoch 7 sender leaf 3 (alice): replayed frame: ...".
package e2ee
