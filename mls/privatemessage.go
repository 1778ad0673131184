package mls

import (
	"encoding/binary"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// PrivateMessage is a message signed by its sender and encrypted to the
// group (RFC 9420 §6.3). Only the group, epoch, content type and
// authenticated data are in the clear; the sender and the content are in
// EncryptedSenderData and Ciphertext.
type PrivateMessage struct {
	GroupID             []byte
	Epoch               uint64
	ContentType         ContentType
	AuthenticatedData   []byte
	EncryptedSenderData []byte
	Ciphertext          []byte
}

// marshal writes the PrivateMessage struct of RFC 9420 §6.3.
func (pm *PrivateMessage) marshal(b *cryptobyte.Builder) {
	if !pm.ContentType.valid() {
		encodeFailf(b, "private message: unknown content type %d", uint8(pm.ContentType))
		return
	}
	tlscodec.AddOpaque(b, pm.GroupID)
	b.AddUint64(pm.Epoch)
	b.AddUint8(uint8(pm.ContentType))
	tlscodec.AddOpaque(b, pm.AuthenticatedData)
	tlscodec.AddOpaque(b, pm.EncryptedSenderData)
	tlscodec.AddOpaque(b, pm.Ciphertext)
}

// unmarshal reads the PrivateMessage struct of RFC 9420 §6.3.
func (pm *PrivateMessage) unmarshal(r *wireReader) {
	r.opaque("group_id", &pm.GroupID)
	readUint64(r, "epoch", &pm.Epoch)
	readUint8(r, "content_type", &pm.ContentType)
	if r.ok() && !pm.ContentType.valid() {
		r.failf(ErrMalformed, "content_type", "unknown content type %d", uint8(pm.ContentType))
		return
	}
	r.opaque("authenticated_data", &pm.AuthenticatedData)
	r.opaque("encrypted_sender_data", &pm.EncryptedSenderData)
	r.opaque("ciphertext", &pm.Ciphertext)
}

// privateMessageContent is the plaintext of PrivateMessage.ciphertext (RFC
// 9420 §6.3.1): the content selected by the message's content type, its
// authentication, and paddingLen zero bytes.
type privateMessageContent struct {
	applicationData []byte
	proposal        Proposal
	commit          *Commit
	auth            FramedContentAuthData
	paddingLen      int
}

// marshalPrivateMessageContent encodes the PrivateMessageContent struct of
// RFC 9420 §6.3.1 for content of type t, padding included.
func marshalPrivateMessageContent(t ContentType, c *privateMessageContent) ([]byte, error) {
	return marshalWire("private message content", func(b *cryptobyte.Builder) {
		if c.paddingLen < 0 {
			encodeFailf(b, "negative padding")
			return
		}
		marshalContentBody(b, t, c.applicationData, c.proposal, c.commit)
		c.auth.marshal(b, t)
		b.AddBytes(make([]byte, c.paddingLen))
	})
}

// unmarshalPrivateMessageContent decodes a PrivateMessageContent struct of
// content type t from a decrypted plaintext: the content, its
// authentication, then padding that must be all zero bytes (RFC 9420
// §6.3.1: a non-zero byte makes the message malformed).
func unmarshalPrivateMessageContent(t ContentType, plaintext []byte) (*privateMessageContent, error) {
	c := new(privateMessageContent)
	err := unmarshalWire("private message content", plaintext, func(r *wireReader) {
		if !t.valid() {
			r.failf(ErrMalformed, "", "unknown content type %d", uint8(t))
			return
		}
		unmarshalContentBody(r, t, &c.applicationData, &c.proposal, &c.commit)
		r.enter("auth")
		c.auth.unmarshal(r, t)
		r.leave()
		if !r.ok() {
			return
		}
		for i, v := range r.s {
			if v != 0 {
				r.failf(ErrMalformed, "padding", "non-zero byte at offset %d", i)
				return
			}
		}
		c.paddingLen = len(r.s)
		r.s = r.s[len(r.s):]
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// marshalPrivateContentAAD encodes the PrivateContentAAD struct of RFC 9420
// §6.3.1, the additional data of the content encryption.
func marshalPrivateContentAAD(groupID []byte, epoch uint64, t ContentType, authenticatedData []byte) ([]byte, error) {
	return marshalWire("private content aad", func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, groupID)
		b.AddUint64(epoch)
		b.AddUint8(uint8(t))
		tlscodec.AddOpaque(b, authenticatedData)
	})
}

// senderData is the plaintext of PrivateMessage.encrypted_sender_data (RFC
// 9420 §6.3.2).
type senderData struct {
	leafIndex  LeafIndex
	generation uint32
	reuseGuard [4]byte
}

// senderDataLen is the size of an encoded SenderData.
const senderDataLen = 4 + 4 + 4

// marshalSenderData encodes the SenderData struct of RFC 9420 §6.3.2.
func marshalSenderData(sd *senderData) []byte {
	out := make([]byte, 0, senderDataLen)
	out = binary.BigEndian.AppendUint32(out, uint32(sd.leafIndex))
	out = binary.BigEndian.AppendUint32(out, sd.generation)
	return append(out, sd.reuseGuard[:]...)
}

// unmarshalSenderData decodes a SenderData struct that fills data exactly.
func unmarshalSenderData(data []byte) (*senderData, error) {
	sd := new(senderData)
	err := unmarshalWire("sender data", data, func(r *wireReader) {
		readUint32(r, "leaf_index", &sd.leafIndex)
		readUint32(r, "generation", &sd.generation)
		r.fixed("reuse_guard", sd.reuseGuard[:])
	})
	if err != nil {
		return nil, err
	}
	return sd, nil
}

// marshalSenderDataAAD encodes the SenderDataAAD struct of RFC 9420
// §6.3.2, the additional data of the sender data encryption.
func marshalSenderDataAAD(groupID []byte, epoch uint64, t ContentType) ([]byte, error) {
	return marshalWire("sender data aad", func(b *cryptobyte.Builder) {
		tlscodec.AddOpaque(b, groupID)
		b.AddUint64(epoch)
		b.AddUint8(uint8(t))
	})
}
