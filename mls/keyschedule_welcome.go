package mls

import "fmt"

// welcomeSecret is welcome_secret of RFC 9420 §8, from which the key and
// nonce that encrypt the GroupInfo of a Welcome are derived (§12.4.3.1):
//
//	welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
//	welcome_key   = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
//
// It prints redacted.
type welcomeSecret struct {
	suite *suite
	secret
}

// keyNonce derives welcome_key and welcome_nonce. The caller zeroes them.
func (w welcomeSecret) keyNonce() (keyNonce, error) {
	s := w.suite
	if err := s.checkSecretSize("welcome_secret", w.secret); err != nil {
		return keyNonce{}, err
	}
	return s.expandKeyNonce(w.secret, nil)
}

// sealGroupInfo encrypts an encoded GroupInfo into the
// encrypted_group_info of a Welcome (RFC 9420 §12.4.3.1): the suite's AEAD
// under welcome_key and welcome_nonce, with empty additional data.
func (w welcomeSecret) sealGroupInfo(groupInfo []byte) ([]byte, error) {
	kn, err := w.keyNonce()
	if err != nil {
		return nil, err
	}
	defer kn.zero()
	return w.suite.seal(kn.key, kn.nonce, nil, groupInfo)
}

// openGroupInfo decrypts the encrypted_group_info of a Welcome into the
// encoded GroupInfo (RFC 9420 §12.4.3.1). Any failure to authenticate is
// ErrDecryption.
func (w welcomeSecret) openGroupInfo(encryptedGroupInfo []byte) ([]byte, error) {
	kn, err := w.keyNonce()
	if err != nil {
		return nil, err
	}
	defer kn.zero()
	gi, err := w.suite.open(kn.key, kn.nonce, nil, encryptedGroupInfo)
	if err != nil {
		return nil, fmt.Errorf("mls: welcome: encrypted_group_info: %w", err)
	}
	return gi, nil
}
