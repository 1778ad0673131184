package client

import (
	"github.com/sealroom/sealroom/mls"
)

// The harness passes every MLS object in an MLSMessage (RFC 9420 §6):
// these wrap what package mls returns bare.

func marshalWelcome(w *mls.Welcome) ([]byte, error) {
	if w == nil {
		return nil, nil
	}
	return (&mls.MLSMessage{WireFormat: mls.WireFormatWelcome, Welcome: w}).Marshal()
}

func marshalGroupInfo(gi *mls.GroupInfo) ([]byte, error) {
	return (&mls.MLSMessage{WireFormat: mls.WireFormatGroupInfo, GroupInfo: gi}).Marshal()
}

func marshalKeyPackage(kp *mls.KeyPackage) ([]byte, error) {
	return (&mls.MLSMessage{WireFormat: mls.WireFormatKeyPackage, KeyPackage: kp}).Marshal()
}
