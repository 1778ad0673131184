package mls

import (
	"fmt"
	"slices"
)

// The key schedule as the group layer runs it (RFC 9420 §8): from the
// previous epoch's init_secret, a Commit's commit_secret and PSKs to the
// new epoch's secrets; and the two things a new epoch gives to those
// outside it, the GroupInfo (§12.4.3) and the Welcome (§12.4.3.1).

// scheduleEpoch runs the key schedule of RFC 9420 §8 for the epoch whose
// GroupContext is gc: joiner_secret from init and commitSecret, psk_secret
// from psks, then welcome_secret and the epoch's secrets. The caller zeroes
// all three results.
func (s *suite) scheduleEpoch(init initSecret, commitSecret secret, psks []preSharedKey, gc *GroupContext) (*epochSecrets, joinerSecret, welcomeSecret, error) {
	gcBytes, err := marshalGroupContext(gc)
	if err != nil {
		return nil, joinerSecret{}, welcomeSecret{}, err
	}
	joiner, err := init.joinerSecret(commitSecret, gcBytes)
	if err != nil {
		return nil, joinerSecret{}, welcomeSecret{}, err
	}
	es, welcome, err := s.epochFromJoiner(joiner, psks, gcBytes)
	if err != nil {
		joiner.zero()
		return nil, joinerSecret{}, welcomeSecret{}, err
	}
	return es, joiner, welcome, nil
}

// epochFromJoiner runs the key schedule from a joiner_secret (RFC 9420
// §8): psk_secret from psks, the welcome_secret, and the secrets of the
// epoch whose encoded GroupContext is gcBytes. The caller zeroes both
// results.
func (s *suite) epochFromJoiner(joiner joinerSecret, psks []preSharedKey, gcBytes []byte) (*epochSecrets, welcomeSecret, error) {
	psk, err := s.pskSecret(psks)
	if err != nil {
		return nil, welcomeSecret{}, err
	}
	defer psk.zero()
	m, err := joiner.withPSK(psk)
	if err != nil {
		return nil, welcomeSecret{}, err
	}
	defer m.zero()
	welcome, err := m.welcomeSecret()
	if err != nil {
		return nil, welcomeSecret{}, err
	}
	e, err := m.epochSecret(gcBytes)
	if err != nil {
		welcome.zero()
		return nil, welcomeSecret{}, err
	}
	defer e.zero()
	es, err := e.derive()
	if err != nil {
		welcome.zero()
		return nil, welcomeSecret{}, err
	}
	return es, welcome, nil
}

// cloneGroupContext returns a deep copy of gc.
func cloneGroupContext(gc *GroupContext) *GroupContext {
	return &GroupContext{
		CipherSuite:             gc.CipherSuite,
		GroupID:                 slices.Clone(gc.GroupID),
		Epoch:                   gc.Epoch,
		TreeHash:                slices.Clone(gc.TreeHash),
		ConfirmedTranscriptHash: slices.Clone(gc.ConfirmedTranscriptHash),
		Extensions:              cloneExtensions(gc.Extensions),
	}
}

// groupInfo makes the signed GroupInfo of the epoch (RFC 9420 §12.4.3):
// its GroupContext and confirmation tag, signed by the member (at its
// leaf) with signer, and the extensions external_pub (§12.4.3.2), the
// ratchet tree treeData if not nil (§12.4.3.3), and a GREASE extension
// (§13.5).
func (e *epochState) groupInfo(s *suite, signer *SigningKey, treeData []byte) (*GroupInfo, error) {
	own, ok := e.ownLeaf()
	if !ok {
		return nil, fmt.Errorf("mls: group info: %w", ErrNotMember)
	}
	pub, err := e.secrets.external.publicKey()
	if err != nil {
		return nil, err
	}
	extPub, err := marshalExternalPub(pub)
	if err != nil {
		return nil, err
	}
	exts := []Extension{{Type: ExtensionTypeExternalPub, Data: extPub}}
	if treeData != nil {
		exts = append(exts, Extension{Type: ExtensionTypeRatchetTree, Data: treeData})
	}
	exts = append(exts, Extension{Type: ExtensionType(greaseValue()), Data: []byte{}})
	gi := &GroupInfo{
		GroupContext:    *cloneGroupContext(e.gc),
		Extensions:      exts,
		ConfirmationTag: slices.Clone(e.confirmationTag),
		Signer:          own,
	}
	tbs, err := marshalGroupInfoTBS(gi)
	if err != nil {
		return nil, err
	}
	if gi.Signature, err = s.signWithLabel(signer, "GroupInfoTBS", tbs); err != nil {
		return nil, err
	}
	return gi, nil
}

// verifyGroupInfo checks the signature of gi with the signature key of the
// leaf it names in tree (RFC 9420 §12.4.3, §12.4.3.1: a blank signer leaf
// is an error).
func (s *suite) verifyGroupInfo(gi *GroupInfo, tree *ratchetTree) error {
	ln := tree.leafNode(gi.Signer)
	if ln == nil {
		return fmt.Errorf("mls: group info: signer leaf %d is blank or outside the tree: %w", gi.Signer, ErrInvalidGroupInfo)
	}
	tbs, err := marshalGroupInfoTBS(gi)
	if err != nil {
		return err
	}
	if err := s.verifyWithLabel(ln.SignatureKey, "GroupInfoTBS", tbs, gi.Signature); err != nil {
		return fmt.Errorf("mls: group info: signature: %w: %w", ErrInvalidGroupInfo, err)
	}
	return nil
}

// findExtension returns the data of the extension of type t in exts.
func findExtension(exts []Extension, t ExtensionType) ([]byte, bool) {
	for _, e := range exts {
		if e.Type == t {
			return e.Data, true
		}
	}
	return nil, false
}

// welcomeLabel is the label of the GroupSecrets encryption (RFC 9420
// §12.4.3.1).
const welcomeLabel = "Welcome"

// makeWelcome makes the Welcome of the new members of a Commit (RFC 9420
// §12.4.3.1): gi encrypted with the welcome_secret, and for each new member
// the GroupSecrets (the joiner_secret, the path secret of its lowest
// common ancestor with the committer when the Commit has a path, the PSKs)
// encrypted to its KeyPackage's init key. The encryptions run on the
// worker pool.
func (g *Group) makeWelcome(a *appliedProposals, gi *GroupInfo, joiner joinerSecret, ws welcomeSecret, np *newPath) (*Welcome, error) {
	giBytes, err := gi.Marshal()
	if err != nil {
		return nil, err
	}
	encGI, err := ws.sealGroupInfo(giBytes)
	if err != nil {
		return nil, err
	}
	w := &Welcome{CipherSuite: g.suite.id, Secrets: make([]EncryptedGroupSecrets, len(a.added)), EncryptedGroupInfo: encGI}
	err = parallelEach(len(a.added), g.cfg.validation.workers(), func(i int) error {
		kp := a.addedKPs[i]
		gs := groupSecrets{joinerSecret: joiner.secret, psks: a.psks}
		if np != nil {
			if _, ps, ok := np.pathSecretFor(a.added[i]); ok {
				gs.hasPathSecret, gs.pathSecret = true, ps
				defer ps.zero()
			}
		}
		pt, err := marshalGroupSecrets(&gs)
		if err != nil {
			return err
		}
		defer clear(pt)
		ref, err := kp.Ref()
		if err != nil {
			return err
		}
		kem, ct, err := g.suite.encryptWithLabel(kp.InitKey, welcomeLabel, encGI, pt)
		if err != nil {
			return err
		}
		w.Secrets[i] = EncryptedGroupSecrets{NewMember: ref, EncryptedGroupSecrets: HPKECiphertext{KEMOutput: kem, Ciphertext: ct}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// openGroupSecrets finds the entry of a Welcome for kp and decrypts its
// GroupSecrets with the init key (RFC 9420 §12.4.3.1). The caller zeroes
// the result.
func (s *suite) openGroupSecrets(w *Welcome, kp *KeyPackage, initKey *hpkePrivateKey) (*groupSecrets, error) {
	if w.CipherSuite != kp.CipherSuite {
		return nil, fmt.Errorf("mls: welcome: cipher suite %v, the key package's is %v: %w", w.CipherSuite, kp.CipherSuite, ErrInvalidWelcome)
	}
	ref, err := kp.Ref()
	if err != nil {
		return nil, err
	}
	for i := range w.Secrets {
		e := &w.Secrets[i]
		if string(e.NewMember) != string(ref) {
			continue
		}
		pt, err := s.decryptWithLabel(initKey, welcomeLabel, w.EncryptedGroupInfo, e.EncryptedGroupSecrets.KEMOutput, e.EncryptedGroupSecrets.Ciphertext)
		if err != nil {
			return nil, fmt.Errorf("mls: welcome: secrets[%d]: %w: %w", i, ErrInvalidWelcome, err)
		}
		gs, err := unmarshalGroupSecrets(pt)
		clear(pt)
		if err != nil {
			return nil, fmt.Errorf("mls: welcome: secrets[%d]: %w: %w", i, ErrInvalidWelcome, err)
		}
		return gs, nil
	}
	return nil, fmt.Errorf("mls: welcome: %w: %w", ErrInvalidWelcome, ErrNoMatchingKeyPackage)
}

// openWelcomeGroupInfo decrypts and decodes the GroupInfo of a Welcome
// with the welcome_secret (RFC 9420 §12.4.3.1).
func (s *suite) openWelcomeGroupInfo(w *Welcome, ws welcomeSecret) (*GroupInfo, error) {
	pt, err := ws.openGroupInfo(w.EncryptedGroupInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidWelcome, err)
	}
	gi, err := UnmarshalGroupInfo(pt)
	if err != nil {
		return nil, fmt.Errorf("mls: welcome: %w: %w", ErrInvalidWelcome, err)
	}
	return gi, nil
}
