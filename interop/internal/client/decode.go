package client

import (
	pb "github.com/sealroom/sealroom/interop/proto"
	"github.com/sealroom/sealroom/mls"
)

// The decoders below turn request fields into the values the mls package
// works with. They fail with codes.InvalidArgument and say which field was
// wrong and why; none of them keeps a reference to the request.

// cipherSuiteArg decodes a uint32 field that carries a uint16 cipher suite.
func cipherSuiteArg(rpc, field string, v uint32) (mls.CipherSuite, error) {
	if v > 0xffff {
		return 0, invalidArg(rpc, field, "%d does not fit the uint16 of a cipher suite", v)
	}
	cs := mls.CipherSuite(v)
	if !cs.IsValid() {
		return 0, invalidArg(rpc, field, "0x%04x is not one of the cipher suites of RFC 9420 §17.1", v)
	}
	return cs, nil
}

// identityArg checks the identity of a basic credential (RFC 9420 §5.3.1).
// The harness names members by it (RemoveProposal's removed_id), so it must
// not be empty.
func identityArg(rpc string, identity []byte) error {
	if len(identity) == 0 {
		return invalidArg(rpc, "identity", "empty")
	}
	return nil
}

// nonEmpty checks a field that must be present.
func nonEmpty(rpc, field string, b []byte) error {
	if len(b) == 0 {
		return invalidArg(rpc, field, "empty")
	}
	return nil
}

// messageArg decodes an MLSMessage (RFC 9420 §6) and checks that it carries
// one of the wire formats in want.
func messageArg(rpc, field string, b []byte, want ...mls.WireFormat) (*mls.MLSMessage, error) {
	if len(b) == 0 {
		return nil, invalidArg(rpc, field, "empty")
	}
	m, err := mls.UnmarshalMLSMessage(b)
	if err != nil {
		return nil, invalidArg(rpc, field, "%v", err)
	}
	for _, w := range want {
		if m.WireFormat == w {
			return m, nil
		}
	}
	return nil, invalidArg(rpc, field, "MLSMessage carries a %v, want %v", m.WireFormat, wireFormatList(want))
}

// keyPackageArg decodes an MLSMessage carrying a KeyPackage.
func keyPackageArg(rpc, field string, b []byte) (*mls.KeyPackage, error) {
	m, err := messageArg(rpc, field, b, mls.WireFormatKeyPackage)
	if err != nil {
		return nil, err
	}
	return m.KeyPackage, nil
}

// keyPackageListArg decodes a repeated field of KeyPackages.
func keyPackageListArg(rpc, field string, list [][]byte) ([]*mls.KeyPackage, error) {
	out := make([]*mls.KeyPackage, len(list))
	for i, b := range list {
		kp, err := keyPackageArg(rpc, indexed(field, i), b)
		if err != nil {
			return nil, err
		}
		out[i] = kp
	}
	return out, nil
}

// welcomeArg decodes an MLSMessage carrying a Welcome.
func welcomeArg(rpc string, b []byte) (*mls.Welcome, error) {
	m, err := messageArg(rpc, "welcome", b, mls.WireFormatWelcome)
	if err != nil {
		return nil, err
	}
	return m.Welcome, nil
}

// groupInfoArg decodes an MLSMessage carrying a GroupInfo.
func groupInfoArg(rpc string, b []byte) (*mls.GroupInfo, error) {
	m, err := messageArg(rpc, "group_info", b, mls.WireFormatGroupInfo)
	if err != nil {
		return nil, err
	}
	return m.GroupInfo, nil
}

// handshakeArg decodes an MLSMessage carrying a proposal or commit: a
// PublicMessage or a PrivateMessage.
func handshakeArg(rpc, field string, b []byte) (*mls.MLSMessage, error) {
	return messageArg(rpc, field, b, mls.WireFormatPublicMessage, mls.WireFormatPrivateMessage)
}

// handshakeListArg decodes a repeated proposal field.
func handshakeListArg(rpc, field string, list [][]byte) ([]*mls.MLSMessage, error) {
	out := make([]*mls.MLSMessage, len(list))
	for i, b := range list {
		m, err := handshakeArg(rpc, indexed(field, i), b)
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// extensionsArg converts the harness's extension list; each type must fit
// the uint16 of ExtensionType (RFC 9420 §13.3).
func extensionsArg(rpc, field string, list []*pb.Extension) ([]mls.Extension, error) {
	out := make([]mls.Extension, len(list))
	for i, e := range list {
		if e == nil {
			return nil, invalidArg(rpc, indexed(field, i), "missing")
		}
		if e.ExtensionType > 0xffff {
			return nil, invalidArg(rpc, indexed(field, i)+".extension_type", "%d does not fit a uint16", e.ExtensionType)
		}
		out[i] = mls.Extension{
			Type: mls.ExtensionType(e.ExtensionType),
			Data: append([]byte(nil), e.ExtensionData...),
		}
	}
	return out, nil
}

// proposalKind is a proposal_type of the harness's ProposalDescription.
type proposalKind string

const (
	proposalAdd                    proposalKind = "add"
	proposalRemove                 proposalKind = "remove"
	proposalExternalPSK            proposalKind = "externalPSK"
	proposalResumptionPSK          proposalKind = "resumptionPSK"
	proposalGroupContextExtensions proposalKind = "groupContextExtensions"
	proposalReInit                 proposalKind = "reinit"
)

// proposalDesc is a decoded ProposalDescription: a proposal a committer
// (CommitRequest.by_value) or an external signer (ExternalSignerProposal)
// is asked to make. Which fields are set depends on kind.
type proposalDesc struct {
	kind       proposalKind
	keyPackage *mls.KeyPackage // add
	removed    []byte          // remove: the identity of the member to remove
	pskID      []byte          // externalPSK
	epoch      uint64          // resumptionPSK
	extensions []mls.Extension // groupContextExtensions, reinit
	groupID    []byte          // reinit
	suite      mls.CipherSuite // reinit
}

// proposalDescArg decodes a ProposalDescription. The harness allows
// "reinit" only in ExternalSignerProposal; allowReInit says whether this
// RPC is that one.
func proposalDescArg(rpc, field string, d *pb.ProposalDescription, allowReInit bool) (*proposalDesc, error) {
	if d == nil {
		return nil, invalidArg(rpc, field, "missing")
	}
	pd := &proposalDesc{kind: proposalKind(d.ProposalType)}
	var err error
	switch pd.kind {
	case proposalAdd:
		pd.keyPackage, err = keyPackageArg(rpc, field+".key_package", d.KeyPackage)
	case proposalRemove:
		err = nonEmpty(rpc, field+".removed_id", d.RemovedId)
		pd.removed = append([]byte(nil), d.RemovedId...)
	case proposalExternalPSK:
		err = nonEmpty(rpc, field+".psk_id", d.PskId)
		pd.pskID = append([]byte(nil), d.PskId...)
	case proposalResumptionPSK:
		pd.epoch = d.EpochId
	case proposalGroupContextExtensions:
		pd.extensions, err = extensionsArg(rpc, field+".extensions", d.Extensions)
	case proposalReInit:
		if !allowReInit {
			return nil, invalidArg(rpc, field+".proposal_type", "%q is only allowed in ExternalSignerProposal", d.ProposalType)
		}
		if err = nonEmpty(rpc, field+".group_id", d.GroupId); err != nil {
			return nil, err
		}
		pd.groupID = append([]byte(nil), d.GroupId...)
		if pd.suite, err = cipherSuiteArg(rpc, field+".cipher_suite", d.CipherSuite); err != nil {
			return nil, err
		}
		pd.extensions, err = extensionsArg(rpc, field+".extensions", d.Extensions)
	default:
		return nil, invalidArg(rpc, field+".proposal_type", "%q is not one of add, remove, externalPSK, resumptionPSK, groupContextExtensions, reinit", d.ProposalType)
	}
	if err != nil {
		return nil, err
	}
	return pd, nil
}

// proposalDescListArg decodes CommitRequest.by_value.
func proposalDescListArg(rpc, field string, list []*pb.ProposalDescription) ([]*proposalDesc, error) {
	out := make([]*proposalDesc, len(list))
	for i, d := range list {
		pd, err := proposalDescArg(rpc, indexed(field, i), d, false)
		if err != nil {
			return nil, err
		}
		out[i] = pd
	}
	return out, nil
}

// pskListArg decodes ExternalJoinRequest.psks.
func pskListArg(rpc string, list []*pb.PreSharedKey) ([]*pskEntry, error) {
	out := make([]*pskEntry, len(list))
	for i, p := range list {
		field := indexed("psks", i)
		if p == nil {
			return nil, invalidArg(rpc, field, "missing")
		}
		if err := nonEmpty(rpc, field+".psk_id", p.PskId); err != nil {
			return nil, err
		}
		if err := nonEmpty(rpc, field+".psk_secret", p.PskSecret); err != nil {
			return nil, err
		}
		out[i] = &pskEntry{id: append([]byte(nil), p.PskId...), value: newSecret(p.PskSecret)}
	}
	return out, nil
}
