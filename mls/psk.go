package mls

import (
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/sealroom/sealroom/internal/tlscodec"
)

// PSKType says where a pre-shared key comes from (RFC 9420 §8.4).
type PSKType uint8

// The PSK types of RFC 9420 §8.4.
const (
	PSKTypeExternal   PSKType = 1
	PSKTypeResumption PSKType = 2
)

func (t PSKType) String() string {
	switch t {
	case PSKTypeExternal:
		return "external"
	case PSKTypeResumption:
		return "resumption"
	}
	return fmt.Sprintf("PSKType(%d)", uint8(t))
}

// ResumptionPSKUsage says what a resumption PSK is used for (RFC 9420
// §8.4).
type ResumptionPSKUsage uint8

// The resumption PSK usages of RFC 9420 §8.4.
const (
	ResumptionPSKUsageApplication ResumptionPSKUsage = 1
	ResumptionPSKUsageReInit      ResumptionPSKUsage = 2
	ResumptionPSKUsageBranch      ResumptionPSKUsage = 3
)

func (u ResumptionPSKUsage) String() string {
	switch u {
	case ResumptionPSKUsageApplication:
		return "application"
	case ResumptionPSKUsageReInit:
		return "reinit"
	case ResumptionPSKUsageBranch:
		return "branch"
	}
	return fmt.Sprintf("ResumptionPSKUsage(%d)", uint8(u))
}

// PreSharedKeyID names a pre-shared key to inject into the key schedule
// (RFC 9420 §8.4). For an external PSK, ID is the application's psk_id;
// for a resumption PSK, Usage, GroupID and Epoch name the group and epoch
// whose resumption_psk is meant. Nonce is the fresh psk_nonce.
type PreSharedKeyID struct {
	Type    PSKType
	ID      []byte             // external
	Usage   ResumptionPSKUsage // resumption
	GroupID []byte             // resumption
	Epoch   uint64             // resumption
	Nonce   []byte
}

// marshal writes the PreSharedKeyID struct of RFC 9420 §8.4.
func (p *PreSharedKeyID) marshal(b *cryptobyte.Builder) {
	b.AddUint8(uint8(p.Type))
	switch p.Type {
	case PSKTypeExternal:
		tlscodec.AddOpaque(b, p.ID)
	case PSKTypeResumption:
		if !validResumptionPSKUsage(p.Usage) {
			encodeFailf(b, "psk: unknown resumption usage %d", uint8(p.Usage))
			return
		}
		b.AddUint8(uint8(p.Usage))
		tlscodec.AddOpaque(b, p.GroupID)
		b.AddUint64(p.Epoch)
	default:
		encodeFailf(b, "psk: unknown psktype %d", uint8(p.Type))
		return
	}
	tlscodec.AddOpaque(b, p.Nonce)
}

// unmarshal reads the PreSharedKeyID struct of RFC 9420 §8.4.
func (p *PreSharedKeyID) unmarshal(r *wireReader) {
	readUint8(r, "psktype", &p.Type)
	if !r.ok() {
		return
	}
	switch p.Type {
	case PSKTypeExternal:
		r.opaque("psk_id", &p.ID)
	case PSKTypeResumption:
		readUint8(r, "usage", &p.Usage)
		if r.ok() && !validResumptionPSKUsage(p.Usage) {
			r.failf(ErrMalformed, "usage", "unknown resumption PSK usage %d", uint8(p.Usage))
			return
		}
		r.opaque("psk_group_id", &p.GroupID)
		readUint64(r, "psk_epoch", &p.Epoch)
	default:
		r.failf(ErrMalformed, "psktype", "unknown PSK type %d", uint8(p.Type))
		return
	}
	r.opaque("psk_nonce", &p.Nonce)
}

func validResumptionPSKUsage(u ResumptionPSKUsage) bool {
	return u >= ResumptionPSKUsageApplication && u <= ResumptionPSKUsageBranch
}

// marshalPreSharedKeyIDs writes PreSharedKeyID psks<V>.
func marshalPreSharedKeyIDs(b *cryptobyte.Builder, psks []PreSharedKeyID) {
	tlscodec.AddVector(b, func(b *cryptobyte.Builder) {
		for i := range psks {
			psks[i].marshal(b)
		}
	})
}

// unmarshalPreSharedKeyIDs reads PreSharedKeyID psks<V> into a non-nil
// slice.
func unmarshalPreSharedKeyIDs(r *wireReader, name string, out *[]PreSharedKeyID) {
	*out = readVector(r, name, (*PreSharedKeyID).unmarshal)
}
