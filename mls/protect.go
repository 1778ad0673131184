package mls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Message protection of RFC 9420 §6: content authentication (§6.1), and
// the two ways of protecting an AuthenticatedContent for transport, as a
// PublicMessage (§6.2, protect_public.go) or a PrivateMessage (§6.3,
// protect_private.go).

// memberKeyFunc returns the signature_key of the LeafNode at leaf in the
// epoch's ratchet tree, the key a member sender signs with (RFC 9420
// §6.1). It must fail for a leaf outside the tree and for a blank leaf
// (§6.3.2: the sender data must identify a non-blank leaf). The group
// layer supplies it from its ratchet tree; message protection never
// changes it.
type memberKeyFunc func(leaf LeafIndex) (signatureKey []byte, err error)

// messageProtector protects and unprotects the messages of one epoch (RFC
// 9420 §6): it holds the epoch's GroupContext, secret tree,
// sender_data_secret and membership_key, and looks up the signature keys of
// senders.
//
// State: unprotectPublic and openPrivate change nothing; a PrivateMessage's
// key stays in the secret tree until the caller accepts the message and
// consumes it (unprotectPrivate does both), so that a rejected message
// leaves the state as it was. protectPrivate advances the sender's own
// ratchet.
// Both directions share the secret tree, so a member's own messages echoed
// back by the Delivery Service do not decrypt (their keys were consumed
// when sending): the group layer recognizes its own messages before
// unprotecting.
//
// The group layer creates one per epoch (newMessageProtector) and drops
// the previous epoch's once it no longer accepts late messages for it,
// calling zero. A messageProtector prints redacted. It is not safe for
// concurrent use.
type messageProtector struct {
	suite        *suite
	groupContext *GroupContext
	tree         *secretTree
	senderData   senderDataSecret
	membership   membershipKey
	memberKey    memberKeyFunc

	// rand is the source of reuse guards; nil means crypto/rand. Tests
	// set it to reproduce a message byte for byte.
	rand io.Reader
}

func (p messageProtector) String() string                { return redactedText("mls.messageProtector") }
func (p messageProtector) GoString() string              { return redactedText("mls.messageProtector") }
func (p messageProtector) Format(f fmt.State, verb rune) { writeRedacted(f, "mls.messageProtector") }

// newMessageProtector returns the message protector of the epoch gc
// describes, for a ratchet tree of the given number of leaves (its width, a
// power of two). It takes ownership of the three secrets, which
// epochSecrets.takeMessageSecrets hands over, and zeroes them when it is
// zeroed or if it fails. gc must not be modified afterwards. memberKey
// looks up member signature keys; limits bounds the secret tree's work on
// out-of-order messages (zero fields select the defaults).
func newMessageProtector(gc *GroupContext, leaves uint32, enc encryptionSecret, sd senderDataSecret, mk membershipKey, memberKey memberKeyFunc, limits secretTreeLimits) (*messageProtector, error) {
	fail := func(err error) (*messageProtector, error) {
		enc.zero()
		sd.zero()
		mk.zero()
		return nil, err
	}
	if gc == nil {
		return fail(errors.New("mls: message protector without a group context"))
	}
	s, err := gc.CipherSuite.suite()
	if err != nil {
		return fail(err)
	}
	if memberKey == nil {
		return fail(errors.New("mls: message protector without a member key lookup"))
	}
	for _, c := range []struct {
		what string
		sec  secret
	}{{"sender_data_secret", sd.secret}, {"membership_key", mk.secret}} {
		if err := s.checkSecretSize(c.what, c.sec); err != nil {
			return fail(err)
		}
	}
	tree, err := newSecretTree(s, enc.secret, leaves, limits)
	if err != nil {
		return fail(err)
	}
	return &messageProtector{
		suite:        s,
		groupContext: gc,
		tree:         tree,
		senderData:   senderDataSecret{s, sd.secret},
		membership:   membershipKey{s, mk.secret},
		memberKey:    memberKey,
	}, nil
}

// messageProtector moves the sender_data_secret, encryption_secret and
// membership_key out of es into a new messageProtector for the epoch gc
// describes (see newMessageProtector). gc must be the GroupContext es was
// derived with.
func (es *epochSecrets) messageProtector(gc *GroupContext, leaves uint32, memberKey memberKeyFunc, limits secretTreeLimits) (*messageProtector, error) {
	if gc.CipherSuite != es.suite.id {
		return nil, fmt.Errorf("mls: message protector: %v group context for %v secrets: %w", gc.CipherSuite, es.suite.id, ErrUnsupportedCipherSuite)
	}
	enc, sd, mk := es.takeMessageSecrets()
	return newMessageProtector(gc, leaves, enc, sd, mk, memberKey, limits)
}

// zero deletes every secret the protector holds, for when its epoch is
// dropped.
func (p *messageProtector) zero() {
	p.tree.zero()
	p.senderData.zero()
	p.membership.zero()
}

// unprotect dispatches an MLSMessage carrying a PublicMessage or a
// PrivateMessage to unprotectPublic or unprotectPrivate.
func (p *messageProtector) unprotect(m *MLSMessage) (*AuthenticatedContent, error) {
	switch {
	case m.WireFormat == WireFormatPublicMessage && m.PublicMessage != nil:
		return p.unprotectPublic(m.PublicMessage)
	case m.WireFormat == WireFormatPrivateMessage && m.PrivateMessage != nil:
		return p.unprotectPrivate(m.PrivateMessage)
	}
	return nil, fmt.Errorf("mls: unprotect: %v message: %w", m.WireFormat, ErrInvalidContent)
}

// checkEpoch returns an error unless groupID and epoch are the protector's.
func (p *messageProtector) checkEpoch(groupID []byte, epoch uint64) error {
	if !bytes.Equal(groupID, p.groupContext.GroupID) {
		return ErrWrongGroup
	}
	if epoch != p.groupContext.Epoch {
		return fmt.Errorf("%w: epoch %d, this is epoch %d", ErrWrongEpoch, epoch, p.groupContext.Epoch)
	}
	return nil
}

// sign makes the AuthenticatedContent of fc as it will be sent in wire
// format wf, signed with signer over the protector's GroupContext (see
// signContent).
func (p *messageProtector) sign(wf WireFormat, fc *FramedContent, signer *SigningKey) (*AuthenticatedContent, error) {
	if err := p.checkEpoch(fc.GroupID, fc.Epoch); err != nil {
		return nil, fmt.Errorf("mls: sign: %w", err)
	}
	return signContent(signer, wf, fc, p.groupContext)
}

// signContent makes the AuthenticatedContent of fc as it will be sent in
// wire format wf (RFC 9420 §6.1):
//
//	signature = SignWithLabel(signer, "FramedContentTBS", FramedContentTBS)
//
// gc is the GroupContext of the epoch the content is sent in, part of the
// signed content for member and new_member_commit senders (a joiner
// sending an external Commit has it from the GroupInfo). The sender type
// must allow the content (checkSenderContent). The confirmation tag of a
// Commit is left empty: the committer sets it once the new epoch's key
// schedule has run (RFC 9420 §12.4.2), before protecting. The result
// shares fc's slices.
func signContent(signer *SigningKey, wf WireFormat, fc *FramedContent, gc *GroupContext) (*AuthenticatedContent, error) {
	if signer == nil {
		return nil, fmt.Errorf("mls: sign: no signing key: %w", ErrInvalidPrivateKey)
	}
	s, err := signer.CipherSuite().suite()
	if err != nil {
		return nil, err
	}
	if gc != nil && gc.CipherSuite != signer.CipherSuite() {
		return nil, fmt.Errorf("mls: sign: %v key for a %v group: %w", signer.CipherSuite(), gc.CipherSuite, ErrInvalidPrivateKey)
	}
	if err := checkSenderContent(wf, fc); err != nil {
		return nil, fmt.Errorf("mls: sign: %w", err)
	}
	tbs, err := marshalFramedContentTBS(wf, fc, gc)
	if err != nil {
		return nil, err
	}
	sig, err := s.signWithLabel(signer, "FramedContentTBS", tbs)
	if err != nil {
		return nil, err
	}
	return &AuthenticatedContent{
		WireFormat: wf,
		Content:    *fc,
		Auth:       FramedContentAuthData{Signature: sig},
	}, nil
}

// verifySignature checks the signature of ac against the signature key of
// its sender (RFC 9420 §6.1) over the protector's GroupContext. pub is the
// key when the caller has already looked it up, or nil.
func (p *messageProtector) verifySignature(ac *AuthenticatedContent, pub []byte) error {
	if pub == nil {
		var err error
		if pub, err = p.senderSignatureKey(&ac.Content); err != nil {
			return err
		}
	}
	tbs, err := marshalFramedContentTBS(ac.WireFormat, &ac.Content, p.groupContext)
	if err != nil {
		return err
	}
	return p.suite.verifyWithLabel(pub, "FramedContentTBS", tbs, ac.Auth.Signature)
}

// externalSenderProposals are the proposal types an external sender may
// send (RFC 9420 §12.1.8).
var externalSenderProposals = map[ProposalType]bool{
	ProposalTypeAdd:                    true,
	ProposalTypeRemove:                 true,
	ProposalTypePSK:                    true,
	ProposalTypeReInit:                 true,
	ProposalTypeGroupContextExtensions: true,
}

// checkSenderContent enforces the rules of RFC 9420 §6 that tie the sender
// type and the content type to the wire format:
//
//   - application data only in a PrivateMessage (§6);
//   - a PrivateMessage only from a member (§6.3.2);
//   - an external sender only with a proposal of a type §12.1.8 allows;
//   - a new_member_proposal sender only with an Add proposal (§6.1);
//   - a new_member_commit sender only with a Commit that has a path (§6.1,
//     §12.4.3.2: its signature key is in the path's LeafNode).
func checkSenderContent(wf WireFormat, fc *FramedContent) error {
	if !framedWireFormat(wf) {
		return fmt.Errorf("%w: wire format %v does not carry framed content", ErrInvalidContent, wf)
	}
	switch fc.ContentType {
	case ContentTypeApplication:
		if wf != WireFormatPrivateMessage {
			return fmt.Errorf("%w: application data must be sent as a PrivateMessage", ErrInvalidContent)
		}
	case ContentTypeProposal:
		if fc.Proposal == nil {
			return fmt.Errorf("%w: proposal content without a proposal", ErrInvalidContent)
		}
	case ContentTypeCommit:
		if fc.Commit == nil {
			return fmt.Errorf("%w: commit content without a commit", ErrInvalidContent)
		}
	default:
		return fmt.Errorf("%w: unknown content type %d", ErrInvalidContent, uint8(fc.ContentType))
	}
	st := fc.Sender.Type
	if st != SenderTypeMember && wf != WireFormatPublicMessage {
		return fmt.Errorf("%w: %v sender in a %v", ErrInvalidSender, st, wf)
	}
	switch st {
	case SenderTypeMember:
		return nil
	case SenderTypeExternal:
		if fc.ContentType == ContentTypeProposal && externalSenderProposals[fc.Proposal.ProposalType()] {
			return nil
		}
	case SenderTypeNewMemberProposal:
		if fc.ContentType == ContentTypeProposal && fc.Proposal.ProposalType() == ProposalTypeAdd {
			return nil
		}
	case SenderTypeNewMemberCommit:
		if fc.ContentType == ContentTypeCommit && fc.Commit.Path != nil {
			return nil
		}
	default:
		return fmt.Errorf("%w: unknown sender type %d", ErrInvalidSender, uint8(st))
	}
	return fmt.Errorf("%w: %v sender with %s", ErrInvalidSender, st, describeContent(fc))
}

// describeContent names the content of fc for error messages.
func describeContent(fc *FramedContent) string {
	switch {
	case fc.ContentType == ContentTypeProposal && fc.Proposal != nil:
		return fmt.Sprintf("a %v proposal", fc.Proposal.ProposalType())
	case fc.ContentType == ContentTypeCommit && fc.Commit != nil && fc.Commit.Path == nil:
		return "a commit without a path"
	}
	return fc.ContentType.String() + " content"
}

// senderSignatureKey returns the signature key that must have signed fc
// (RFC 9420 §6.1): a member's from its leaf, an external sender's from the
// external_senders extension of the GroupContext, a new member's from the
// LeafNode of its Add proposal's KeyPackage or of its Commit's path. The
// sender must be allowed to send fc (checkSenderContent, which the callers
// have run).
func (p *messageProtector) senderSignatureKey(fc *FramedContent) ([]byte, error) {
	switch fc.Sender.Type {
	case SenderTypeMember:
		pub, err := p.memberKey(fc.Sender.LeafIndex)
		if err != nil {
			return nil, fmt.Errorf("%w: leaf %d: %w", ErrInvalidSender, fc.Sender.LeafIndex, err)
		}
		return pub, nil
	case SenderTypeExternal:
		return p.externalSenderKey(fc.Sender.SenderIndex)
	case SenderTypeNewMemberProposal:
		if add, ok := fc.Proposal.(*AddProposal); ok {
			return add.KeyPackage.LeafNode.SignatureKey, nil
		}
	case SenderTypeNewMemberCommit:
		if fc.Commit != nil && fc.Commit.Path != nil {
			return fc.Commit.Path.LeafNode.SignatureKey, nil
		}
	}
	return nil, fmt.Errorf("%w: no signature key for a %v sender with %s", ErrInvalidSender, fc.Sender.Type, describeContent(fc))
}

// externalSenderKey returns the signature key of external sender index in
// the external_senders extension of the GroupContext (RFC 9420 §12.1.8.1).
func (p *messageProtector) externalSenderKey(index uint32) ([]byte, error) {
	for _, e := range p.groupContext.Extensions {
		if e.Type != ExtensionTypeExternalSenders {
			continue
		}
		senders, err := UnmarshalExternalSenders(e.Data)
		if err != nil {
			return nil, fmt.Errorf("%w: group context: %w", ErrInvalidSender, err)
		}
		if uint64(index) >= uint64(len(senders)) {
			return nil, fmt.Errorf("%w: external sender %d of %d", ErrInvalidSender, index, len(senders))
		}
		return senders[index].SignatureKey, nil
	}
	return nil, fmt.Errorf("%w: external sender %d but the group has no external_senders extension", ErrInvalidSender, index)
}
