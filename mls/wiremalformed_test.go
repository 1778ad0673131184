package mls

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// wireTestHex decodes hex written with spaces for readability.
func wireTestHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad test hex %q: %v", s, err)
	}
	return b
}

// Encodings reused below. A FramedContent header up to content_type:
// group_id "", epoch 0, member sender at leaf 0, authenticated_data "".
const (
	wireTestFramedHead = "00 0000000000000000 01 00000000 00"
	// A minimal leaf node up to its source: empty keys, basic credential
	// with an empty identity, empty capabilities.
	wireTestLeafHead = "00 00 0001 00 00 00 00 00 00"
)

func wireTestDecoders() map[string]func([]byte) error {
	return map[string]func([]byte) error{
		"message":  func(d []byte) error { _, err := UnmarshalMLSMessage(d); return err },
		"kp":       func(d []byte) error { _, err := UnmarshalKeyPackage(d); return err },
		"welcome":  func(d []byte) error { _, err := UnmarshalWelcome(d); return err },
		"gi":       func(d []byte) error { _, err := UnmarshalGroupInfo(d); return err },
		"tree":     func(d []byte) error { _, err := unmarshalRatchetTree(d); return err },
		"commit":   func(d []byte) error { _, err := unmarshalCommit(d); return err },
		"proposal": func(d []byte) error { _, err := unmarshalProposalBytes(d); return err },
		"gc":       func(d []byte) error { _, err := unmarshalGroupContext(d); return err },
		"ac":       func(d []byte) error { _, err := unmarshalAuthenticatedContent(d); return err },
		"secrets":  func(d []byte) error { _, err := unmarshalGroupSecrets(d); return err },
		"sd":       func(d []byte) error { _, err := unmarshalSenderData(d); return err },
		"path":     func(d []byte) error { _, err := unmarshalUpdatePath(d); return err },
		"app content": func(d []byte) error {
			_, err := unmarshalPrivateMessageContent(ContentTypeApplication, d)
			return err
		},
		"senders": func(d []byte) error { _, err := UnmarshalExternalSenders(d); return err },
		"reqcaps": func(d []byte) error { _, err := UnmarshalRequiredCapabilities(d); return err },
		"extpub":  func(d []byte) error { _, err := unmarshalExternalPub(d); return err },
	}
}

// TestWireMalformed feeds each decoder input that is wrong in one way and
// checks the sentinel and the message: what was wrong, and where.
func TestWireMalformed(t *testing.T) {
	dec := wireTestDecoders()
	for _, tc := range []struct {
		name, decoder, in string
		sentinel          error
		want              string // the whole error message
	}{
		{"empty message", "message", "", ErrMalformed,
			"mls: message: version: truncated"},
		{"version 2", "message", "0002 0001", ErrUnsupportedVersion,
			"mls: message: version: unsupported protocol version ProtocolVersion(0x0002)"},
		{"version 0", "message", "0000 0003", ErrUnsupportedVersion,
			"mls: message: version: unsupported protocol version ProtocolVersion(0x0000)"},
		{"wire format 6", "message", "0001 0006", ErrUnknownWireFormat,
			"mls: message: wire_format: unknown wire format WireFormat(0x0006)"},
		{"wire format 0", "message", "0001 0000", ErrUnknownWireFormat,
			"mls: message: wire_format: unknown wire format WireFormat(0x0000)"},
		{"wire format private use", "message", "0001 f000", ErrUnknownWireFormat,
			"mls: message: wire_format: unknown wire format WireFormat(0xf000)"},
		{"content type 4", "message", "0001 0001" + wireTestFramedHead + "04", ErrMalformed,
			"mls: message: public_message: content: content_type: unknown content type 4"},
		{"content type 0", "message", "0001 0001" + wireTestFramedHead + "00", ErrMalformed,
			"mls: message: public_message: content: content_type: unknown content type 0"},
		{"sender type 5", "message", "0001 0001 00 0000000000000000 05", ErrMalformed,
			"mls: message: public_message: content: sender: sender_type: unknown sender type 5"},
		{"sender type 0", "message", "0001 0001 00 0000000000000000 00", ErrMalformed,
			"mls: message: public_message: content: sender: sender_type: unknown sender type 0"},
		{"private content type 9", "message", "0001 0002 00 0000000000000000 09 00 00 00", ErrMalformed,
			"mls: message: private_message: content_type: unknown content type 9"},
		{"GREASE proposal type", "message", "0001 0001" + wireTestFramedHead + "02 0a0a", ErrUnknownProposalType,
			"mls: message: public_message: content: proposal: proposal_type: unknown proposal type ProposalType(0x0a0a)"},
		{"proposal type 0", "proposal", "0000", ErrUnknownProposalType,
			"mls: proposal: proposal_type: unknown proposal type ProposalType(0x0000)"},
		{"application message trailing byte", "message", "0001 0001" + wireTestFramedHead + "01 00 00 00 ff", ErrTrailingData,
			"mls: message: 1 bytes after the end"},
		{"membership tag missing", "message", "0001 0001" + wireTestFramedHead + "01 00 00", ErrMalformed,
			"mls: message: public_message: membership_tag: truncated length"},
		{"non-minimal group_id length", "message", "0001 0002 4000", ErrMalformed,
			"mls: message: private_message: group_id: non-minimal length 0 in 2 bytes"},
		{"0b11 length prefix", "message", "0001 0002 c0", ErrMalformed,
			"mls: message: private_message: group_id: invalid length prefix 0b11"},
		{"length beyond input", "message", "0001 0002 bfffffff 00", ErrMalformed,
			"mls: message: private_message: group_id: length 1073741823 exceeds the 1 bytes left"},
		{"truncated epoch", "message", "0001 0002 00 0000", ErrMalformed,
			"mls: message: private_message: epoch: truncated"},
		{"welcome kem_output too long", "welcome", "0001 03 00 05 00 00", ErrMalformed,
			"mls: welcome: secrets[0]: encrypted_group_secrets: kem_output: length 5 exceeds the 1 bytes left"},
		{"welcome second secret truncated", "welcome", "0001 04 00 00 00 00 00", ErrMalformed,
			"mls: welcome: secrets[1]: encrypted_group_secrets: kem_output: truncated length"},
		{"commit path presence 2", "commit", "00 02", ErrMalformed,
			"mls: commit: path: optional presence octet 2 is neither 0 nor 1"},
		{"ProposalOrRef type 3", "commit", "01 03 00", ErrMalformed,
			"mls: commit: proposals[0]: type: unknown ProposalOrRef type 3"},
		{"ProposalOrRef type 0", "commit", "04 02 00 00 00 00", ErrMalformed,
			"mls: commit: proposals[1]: type: unknown ProposalOrRef type 0"},
		{"PSK type 3", "proposal", "0004 03", ErrMalformed,
			"mls: proposal: psk: psk: psktype: unknown PSK type 3"},
		{"PSK usage 4", "proposal", "0004 02 04", ErrMalformed,
			"mls: proposal: psk: psk: usage: unknown resumption PSK usage 4"},
		{"leaf node source 4", "proposal", "0002" + wireTestLeafHead + "04", ErrMalformed,
			"mls: proposal: update: leaf_node: leaf_node_source: unknown leaf node source 4"},
		{"leaf node source 0", "proposal", "0002" + wireTestLeafHead + "00", ErrMalformed,
			"mls: proposal: update: leaf_node: leaf_node_source: unknown leaf node source 0"},
		{"odd capabilities list", "proposal", "0002 00 00 0001 00 01 00", ErrMalformed,
			"mls: proposal: update: leaf_node: capabilities: versions[0]: truncated"},
		{"x509 certificate truncated", "proposal", "0002 00 00 0002 02 00 02", ErrMalformed,
			"mls: proposal: update: leaf_node: credential: certificates[1]: cert_data: length 2 exceeds the 0 bytes left"},
		{"duplicate extensions", "proposal", "0007 06 0001 00 0001 00", ErrMalformed,
			"mls: proposal: group_context_extensions: extensions: two extensions of type application_id"},
		{"duplicate GREASE extensions", "proposal", "0007 09 0a0a 00 0001 00 0a0a 00", ErrMalformed,
			"mls: proposal: group_context_extensions: extensions: two extensions of type ExtensionType(0x0a0a)"},
		{"node type 3", "tree", "02 01 03", ErrMalformed,
			"mls: ratchet tree: ratchet_tree[0]: node_type: unknown node type 3"},
		{"presence 2 in tree", "tree", "01 02", ErrMalformed,
			"mls: ratchet tree: ratchet_tree[0]: optional presence octet 2 is neither 0 nor 1"},
		{"empty tree", "tree", "00", ErrMalformed,
			"mls: ratchet tree: ratchet_tree: empty tree"},
		{"blank tree", "tree", "01 00", ErrMalformed,
			"mls: ratchet tree: ratchet_tree: the last node is blank"},
		{"parent at a leaf position", "tree", "05 01 02 00 00 00", ErrMalformed,
			"mls: ratchet tree: ratchet_tree[0]: a leaf must be at an even index, a parent at an odd one"},
		{"odd unmerged leaves", "tree", "07 00 01 02 00 00 01 00", ErrMalformed,
			"mls: ratchet tree: ratchet_tree[1]: parent_node: unmerged_leaves[0]: truncated"},
		{"group context version 2", "gc", "0002", ErrUnsupportedVersion,
			"mls: group context: version: unsupported protocol version ProtocolVersion(0x0002)"},
		{"group info context version 0", "gi", "0000", ErrUnsupportedVersion,
			"mls: group info: group_context: version: unsupported protocol version ProtocolVersion(0x0000)"},
		{"authenticated content for a welcome", "ac", "0003", ErrMalformed,
			"mls: authenticated content: wire_format: wire format mls_welcome does not carry framed content"},
		{"key package truncated", "kp", "0001 0001 00", ErrMalformed,
			"mls: key package: leaf_node: encryption_key: truncated length"},
		{"group secrets path presence 7", "secrets", "00 07", ErrMalformed,
			"mls: group secrets: path_secret: optional presence octet 7 is neither 0 nor 1"},
		{"sender data short", "sd", "00000001 00000002 aabbcc", ErrMalformed,
			"mls: sender data: reuse_guard: truncated"},
		{"sender data long", "sd", "00000001 00000002 aabbccdd ee", ErrTrailingData,
			"mls: sender data: 1 bytes after the end"},
		{"update path node truncated", "path", wireTestLeafHead + "02 00 00" + "02 00 40", ErrMalformed,
			"mls: update path: nodes[0]: encrypted_path_secret: truncated length"},
		{"padding not zero", "app content", "00 00 0001", ErrMalformed,
			"mls: private message content: padding: non-zero byte at offset 1"},
		{"external sender credential", "senders", "03 00 0001", ErrMalformed,
			"mls: external_senders: external_senders[0]: credential: identity: truncated length"},
		{"required capabilities truncated", "reqcaps", "00 00", ErrMalformed,
			"mls: required_capabilities: credential_types: truncated length"},
		{"external pub trailing", "extpub", "00 00", ErrTrailingData,
			"mls: external_pub: 1 bytes after the end"},
	} {
		f := dec[tc.decoder]
		if f == nil {
			t.Fatalf("%s: no decoder %q", tc.name, tc.decoder)
		}
		err := f(wireTestHex(t, tc.in))
		if err == nil {
			t.Errorf("%s: decoded without error", tc.name)
			continue
		}
		if !errors.Is(err, tc.sentinel) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v does not wrap %v and ErrMalformed", tc.name, err, tc.sentinel)
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, err.Error(), tc.want)
		}
	}
}

// TestWireValidEdgeCases decodes inputs at the edges of what is allowed.
func TestWireValidEdgeCases(t *testing.T) {
	dec := wireTestDecoders()
	for _, tc := range []struct{ name, decoder, in string }{
		{"zero padding", "app content", "00 00 000000"},
		{"no padding", "app content", "01aa 00"},
		{"unknown credential type carried", "proposal", "0002 00 00 f000 03616263 00 00 00 00 00 02 00 00"},
		{"GREASE in capabilities", "proposal", "0002 00 00 0001 00 02 0a0a 02 1a1a 02 2a2a 02 3a3a 02 4a4a 02 00 00"},
		{"GREASE extension", "proposal", "0007 05 0a0a 02 abcd"},
		{"new member commit sender", "message", "0001 0001 00 0000000000000000 04 00 01 00 00"},
		{"external sender", "message", "0001 0001 00 0000000000000000 02 00000007 00 01 00 00"},
		{"reference in commit", "commit", "03 02 01 aa 00"},
		{"tree of one leaf", "tree", "0f 01 01" + wireTestLeafHead + "02 00 00"},
		{"sender data", "sd", "00000001 00000002 aabbccdd"},
		{"empty external senders", "senders", "00"},
	} {
		if err := dec[tc.decoder](wireTestHex(t, tc.in)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
