package mls

import "fmt"

// tag returns membership_tag = MAC(membership_key, AuthenticatedContentTBM)
// for an encoded AuthenticatedContentTBM (RFC 9420 §6.2).
func (k membershipKey) tag(tbm []byte) []byte {
	return k.suite.mac(k.secret, tbm)
}

// protectPublic encodes ac, signed for wire format mls_public_message, as
// a PublicMessage (RFC 9420 §6.2). For a member sender it adds the
// membership_tag:
//
//	membership_tag = MAC(membership_key, AuthenticatedContentTBM)
//
// which covers the confirmation tag of a Commit, so the caller sets that
// first. Application data cannot be sent this way (ErrInvalidContent). The
// result shares ac's slices. protectPublic changes no state.
func (p *messageProtector) protectPublic(ac *AuthenticatedContent) (*PublicMessage, error) {
	if ac.WireFormat != WireFormatPublicMessage {
		return nil, fmt.Errorf("mls: protect public message: content signed for %v: %w", ac.WireFormat, ErrInvalidContent)
	}
	fc := &ac.Content
	if err := p.checkEpoch(fc.GroupID, fc.Epoch); err != nil {
		return nil, fmt.Errorf("mls: protect public message: %w", err)
	}
	if err := checkSenderContent(ac.WireFormat, fc); err != nil {
		return nil, fmt.Errorf("mls: protect public message: %w", err)
	}
	pm := &PublicMessage{Content: *fc, Auth: ac.Auth}
	if fc.Sender.Type == SenderTypeMember {
		tbm, err := marshalAuthenticatedContentTBM(ac.WireFormat, fc, &ac.Auth, p.groupContext)
		if err != nil {
			return nil, err
		}
		pm.MembershipTag = p.membership.tag(tbm)
	}
	return pm, nil
}

// unprotectPublic verifies a PublicMessage and returns its
// AuthenticatedContent (RFC 9420 §6.2): the group and epoch must be the
// protector's, the sender must be allowed to send the content
// (checkSenderContent: no application data), a member's membership_tag
// must verify with the membership_key (ErrMembershipTag), and the
// signature must verify with the sender's signature key (RFC 9420 §6.1,
// ErrSignatureVerification). The confirmation tag of a Commit is not
// checked here: that needs the next epoch's confirmation_key, which the
// group layer derives from the Commit (RFC 9420 §12.4.2).
//
// unprotectPublic changes no state. The result shares pm's slices.
func (p *messageProtector) unprotectPublic(pm *PublicMessage) (*AuthenticatedContent, error) {
	ac, err := p.verifyPublic(pm)
	if err != nil {
		return nil, fmt.Errorf("mls: unprotect public message: %w", err)
	}
	return ac, nil
}

func (p *messageProtector) verifyPublic(pm *PublicMessage) (*AuthenticatedContent, error) {
	fc := &pm.Content
	if err := p.checkEpoch(fc.GroupID, fc.Epoch); err != nil {
		return nil, err
	}
	if err := checkSenderContent(WireFormatPublicMessage, fc); err != nil {
		return nil, err
	}
	pub, err := p.senderSignatureKey(fc)
	if err != nil {
		return nil, err
	}
	ac := &AuthenticatedContent{WireFormat: WireFormatPublicMessage, Content: *fc, Auth: pm.Auth}
	if fc.Sender.Type == SenderTypeMember {
		tbm, err := marshalAuthenticatedContentTBM(ac.WireFormat, fc, &ac.Auth, p.groupContext)
		if err != nil {
			return nil, err
		}
		if !p.suite.verifyMAC(p.membership.secret, tbm, pm.MembershipTag) {
			return nil, ErrMembershipTag
		}
	} else if pm.MembershipTag != nil {
		return nil, fmt.Errorf("%w: membership_tag from a %v sender", ErrInvalidContent, fc.Sender.Type)
	}
	if err := p.verifySignature(ac, pub); err != nil {
		return nil, err
	}
	return ac, nil
}
