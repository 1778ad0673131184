package mls

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
)

// reuseGuardLen is the size of SenderData.reuse_guard (RFC 9420 §6.3.2).
const reuseGuardLen = 4

// ratchetFor returns the sender ratchet that encrypts content of type t
// (RFC 9420 §6.3.1, §9.1): the application ratchet for application data,
// the handshake ratchet for proposals and commits.
func ratchetFor(t ContentType) (ratchetKind, error) {
	switch t {
	case ContentTypeApplication:
		return applicationRatchet, nil
	case ContentTypeProposal, ContentTypeCommit:
		return handshakeRatchet, nil
	}
	return 0, fmt.Errorf("%w: unknown content type %d", ErrInvalidContent, uint8(t))
}

// applyReuseGuard XORs the reuse guard into the first four bytes of the
// ratchet nonce, giving the nonce of the content encryption (RFC 9420
// §6.3.1). nonce is the caller's copy and is modified in place.
func applyReuseGuard(nonce secret, guard [reuseGuardLen]byte) {
	for i, g := range guard {
		nonce[i] ^= g
	}
}

// protectPrivate encrypts ac, signed by a member for wire format
// mls_private_message, into a PrivateMessage (RFC 9420 §6.3):
//
//  1. The next generation of the sender's ratchet for the content type
//     gives the key and nonce (the ratchet advances: this is the state
//     change of sending).
//  2. A fresh random reuse_guard from crypto/rand is XORed into the first
//     four bytes of the nonce (§6.3.1).
//  3. PrivateMessageContent (the content, its auth, paddingLen zero bytes)
//     is encrypted with PrivateContentAAD as additional data.
//  4. SenderData (leaf, generation, reuse_guard) is encrypted with the key
//     and nonce derived from sender_data_secret and the first KDF.Nh bytes
//     of that ciphertext, with SenderDataAAD (§6.3.2).
//
// The padding hides the content's length from observers (RFC 9420 §15.1);
// its size is the caller's choice. A Commit's confirmation tag must be set
// before. The reuse guard makes every output different, so a
// PrivateMessage can be checked by unprotecting it, not by comparing bytes.
func (p *messageProtector) protectPrivate(ac *AuthenticatedContent, paddingLen int) (*PrivateMessage, error) {
	pm, err := p.encryptPrivate(ac, paddingLen, 0)
	if err != nil {
		return nil, fmt.Errorf("mls: protect private message: %w", err)
	}
	return pm, nil
}

// protectPrivatePadded is protectPrivate with the padding chosen so that
// the PrivateMessageContent fills a whole number of blocks of block bytes
// (no padding for block < 2).
func (p *messageProtector) protectPrivatePadded(ac *AuthenticatedContent, block int) (*PrivateMessage, error) {
	pm, err := p.encryptPrivate(ac, 0, block)
	if err != nil {
		return nil, fmt.Errorf("mls: protect private message: %w", err)
	}
	return pm, nil
}

func (p *messageProtector) encryptPrivate(ac *AuthenticatedContent, paddingLen, block int) (*PrivateMessage, error) {
	if ac.WireFormat != WireFormatPrivateMessage {
		return nil, fmt.Errorf("%w: content signed for %v", ErrInvalidContent, ac.WireFormat)
	}
	fc := &ac.Content
	if err := p.checkEpoch(fc.GroupID, fc.Epoch); err != nil {
		return nil, err
	}
	if err := checkSenderContent(ac.WireFormat, fc); err != nil {
		return nil, err
	}
	if paddingLen < 0 {
		return nil, fmt.Errorf("%w: padding of %d bytes", ErrInvalidLength, paddingLen)
	}
	kind, err := ratchetFor(fc.ContentType)
	if err != nil {
		return nil, err
	}
	plaintext, err := marshalPrivateMessageContent(fc.ContentType, &privateMessageContent{
		applicationData: fc.ApplicationData,
		proposal:        fc.Proposal,
		commit:          fc.Commit,
		auth:            ac.Auth,
		paddingLen:      paddingLen,
	})
	if err != nil {
		return nil, err
	}
	if block > 1 && len(plaintext)%block != 0 {
		// Padding is trailing zero bytes (RFC 9420 §6.3.1).
		padded := make([]byte, len(plaintext)+block-len(plaintext)%block)
		copy(padded, plaintext)
		clear(plaintext)
		plaintext = padded
	}
	defer clear(plaintext)
	return p.sealContent(fc, kind, plaintext)
}

// sealContent encrypts an encoded PrivateMessageContent of fc's content
// type from the member fc.Sender names, with the next generation of its
// ratchet of the given kind, and encrypts the SenderData (steps 1, 2 and 4
// of protectPrivate, and the encryption of step 3).
func (p *messageProtector) sealContent(fc *FramedContent, kind ratchetKind, plaintext []byte) (*PrivateMessage, error) {
	contentAAD, err := marshalPrivateContentAAD(fc.GroupID, fc.Epoch, fc.ContentType, fc.AuthenticatedData)
	if err != nil {
		return nil, err
	}
	senderAAD, err := marshalSenderDataAAD(fc.GroupID, fc.Epoch, fc.ContentType)
	if err != nil {
		return nil, err
	}
	sd := senderData{leafIndex: fc.Sender.LeafIndex}
	random := p.rand
	if random == nil {
		random = rand.Reader
	}
	if _, err := io.ReadFull(random, sd.reuseGuard[:]); err != nil {
		return nil, fmt.Errorf("reuse guard: %w", err)
	}

	generation, kn, err := p.tree.next(fc.Sender.LeafIndex, kind)
	if err != nil {
		return nil, err
	}
	defer kn.zero()
	sd.generation = generation
	applyReuseGuard(kn.nonce, sd.reuseGuard)
	ciphertext, err := p.suite.seal(kn.key, kn.nonce, contentAAD, plaintext)
	if err != nil {
		return nil, err
	}

	skn, err := p.suite.senderDataKeyNonce(p.senderData.secret, ciphertext)
	if err != nil {
		return nil, err
	}
	defer skn.zero()
	encryptedSenderData, err := p.suite.seal(skn.key, skn.nonce, senderAAD, marshalSenderData(&sd))
	if err != nil {
		return nil, err
	}
	return &PrivateMessage{
		GroupID:             fc.GroupID,
		Epoch:               fc.Epoch,
		ContentType:         fc.ContentType,
		AuthenticatedData:   fc.AuthenticatedData,
		EncryptedSenderData: encryptedSenderData,
		Ciphertext:          ciphertext,
	}, nil
}

// unprotectPrivate decrypts and verifies a PrivateMessage and returns its
// AuthenticatedContent (RFC 9420 §6.3), then consumes the key it used
// (openPrivate and consume).
func (p *messageProtector) unprotectPrivate(pm *PrivateMessage) (*AuthenticatedContent, error) {
	ac, use, err := p.openPrivate(pm, nil)
	if err != nil {
		return nil, err
	}
	if err := p.consume(use); err != nil {
		return nil, fmt.Errorf("mls: unprotect private message: %w", err)
	}
	return ac, nil
}

// keyUse names the key of the secret tree that decrypted a received
// PrivateMessage: generation of leaf's ratchet of the given kind. The
// group layer consumes it (messageProtector.consume) once it accepts the
// message.
type keyUse struct {
	leaf       LeafIndex
	kind       ratchetKind
	generation uint32
}

// openPrivate decrypts and verifies a PrivateMessage and returns its
// AuthenticatedContent (RFC 9420 §6.3) and the key it used:
//
//  1. The group and epoch must be the protector's (ErrWrongGroup,
//     ErrWrongEpoch).
//  2. SenderData is decrypted with the key and nonce from
//     sender_data_secret and the ciphertext sample (§6.3.2); check, if
//     not nil, may refuse it (the group layer recognizes its own
//     messages there), and its leaf must be a non-blank leaf of the tree
//     (memberKeyFunc, ErrInvalidSender).
//  3. The key and nonce of that leaf's ratchet for the content type at
//     the SenderData's generation are looked up in the secret tree
//     without consuming them, the reuse guard XORed into the nonce, and
//     the content decrypted with PrivateContentAAD (§6.3.1).
//  4. PrivateMessageContent is decoded; non-zero padding is ErrMalformed.
//  5. The signature over FramedContentTBS (wire format
//     mls_private_message, with the GroupContext) must verify with the
//     sender's signature key (§6.1).
//
// openPrivate changes nothing: the key stays in the secret tree until the
// caller, having accepted the message, consumes it (RFC 9420 §9.2 deletes a
// key after successful decryption), so that a message that fails here or
// in the group layer's checks leaves the epoch's state as it was. A
// Commit's confirmation tag is returned unchecked, as in unprotectPublic.
// Failures to decrypt are ErrDecryption; the result does not alias pm.
func (p *messageProtector) openPrivate(pm *PrivateMessage, check func(*senderData) error) (*AuthenticatedContent, keyUse, error) {
	ac, use, err := p.decryptPrivate(pm, check)
	if err != nil {
		return nil, keyUse{}, fmt.Errorf("mls: unprotect private message: %w", err)
	}
	return ac, use, nil
}

// consume deletes the key a received message used, once it is accepted
// (RFC 9420 §9.2). A key that is already gone is ErrGenerationConsumed.
func (p *messageProtector) consume(use keyUse) error {
	kn, err := p.tree.get(use.leaf, use.kind, use.generation)
	if err != nil {
		return err
	}
	kn.zero()
	return nil
}

func (p *messageProtector) decryptPrivate(pm *PrivateMessage, check func(*senderData) error) (*AuthenticatedContent, keyUse, error) {
	if err := p.checkEpoch(pm.GroupID, pm.Epoch); err != nil {
		return nil, keyUse{}, err
	}
	kind, err := ratchetFor(pm.ContentType)
	if err != nil {
		return nil, keyUse{}, err
	}

	sd, err := p.openSenderData(pm)
	if err != nil {
		return nil, keyUse{}, err
	}
	if check != nil {
		if err := check(sd); err != nil {
			return nil, keyUse{}, err
		}
	}
	pub, err := p.memberKey(sd.leafIndex)
	if err != nil {
		return nil, keyUse{}, fmt.Errorf("%w: sender data: leaf %d: %w", ErrInvalidSender, sd.leafIndex, err)
	}

	contentAAD, err := marshalPrivateContentAAD(pm.GroupID, pm.Epoch, pm.ContentType, pm.AuthenticatedData)
	if err != nil {
		return nil, keyUse{}, err
	}
	kn, err := p.tree.peek(sd.leafIndex, kind, sd.generation)
	if err != nil {
		return nil, keyUse{}, err
	}
	defer kn.zero()
	applyReuseGuard(kn.nonce, sd.reuseGuard)
	plaintext, err := p.suite.open(kn.key, kn.nonce, contentAAD, pm.Ciphertext)
	if err != nil {
		return nil, keyUse{}, fmt.Errorf("ciphertext: %w", err)
	}
	defer clear(plaintext)
	c, err := unmarshalPrivateMessageContent(pm.ContentType, plaintext)
	if err != nil {
		return nil, keyUse{}, err
	}

	ac := &AuthenticatedContent{
		WireFormat: WireFormatPrivateMessage,
		Content: FramedContent{
			GroupID:           slices.Clone(pm.GroupID),
			Epoch:             pm.Epoch,
			Sender:            Sender{Type: SenderTypeMember, LeafIndex: sd.leafIndex},
			AuthenticatedData: slices.Clone(pm.AuthenticatedData),
			ContentType:       pm.ContentType,
			ApplicationData:   c.applicationData,
			Proposal:          c.proposal,
			Commit:            c.commit,
		},
		Auth: c.auth,
	}
	if err := p.verifySignature(ac, pub); err != nil {
		return nil, keyUse{}, err
	}
	return ac, keyUse{leaf: sd.leafIndex, kind: kind, generation: sd.generation}, nil
}

// openSenderData decrypts and decodes the SenderData of pm (RFC 9420
// §6.3.2).
func (p *messageProtector) openSenderData(pm *PrivateMessage) (*senderData, error) {
	aad, err := marshalSenderDataAAD(pm.GroupID, pm.Epoch, pm.ContentType)
	if err != nil {
		return nil, err
	}
	kn, err := p.suite.senderDataKeyNonce(p.senderData.secret, pm.Ciphertext)
	if err != nil {
		return nil, err
	}
	defer kn.zero()
	plaintext, err := p.suite.open(kn.key, kn.nonce, aad, pm.EncryptedSenderData)
	if err != nil {
		return nil, fmt.Errorf("sender data: %w", err)
	}
	return unmarshalSenderData(plaintext)
}
