package mls

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"
)

// allCipherSuites lists the seven suites of RFC 9420 §17.1.
func allCipherSuites() []CipherSuite {
	var out []CipherSuite
	for cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519; cs <= MLS_256_DHKEMP384_AES256GCM_SHA384_P384; cs++ {
		out = append(out, cs)
	}
	return out
}

// isGREASE reports whether v is one of the GREASE values of RFC 9420
// §13.5.
func isGREASE(v uint16) bool { return v&0x0F0F == 0x0A0A && v>>12 == (v>>4)&0xF && v != 0xFAFA }

func TestNewKeyPackage(t *testing.T) {
	for _, cs := range allCipherSuites() {
		t.Run(cs.String(), func(t *testing.T) {
			signer, err := cs.GenerateSigningKey()
			if err != nil {
				t.Fatal(err)
			}
			kp, keys, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic, Identity: []byte("alice")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := kp.Verify(nil); err != nil {
				t.Fatalf("new key package: %v", err)
			}
			enc, err := kp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			dec, err := UnmarshalKeyPackage(enc)
			if err != nil {
				t.Fatal(err)
			}
			if err := dec.Verify(nil); err != nil {
				t.Fatalf("decoded key package: %v", err)
			}
			if again, _ := dec.Marshal(); !bytes.Equal(again, enc) {
				t.Fatal("the decoded key package re-encodes differently")
			}
			if !bytes.Equal(keys.initKey.publicKey(), kp.InitKey) || !bytes.Equal(keys.encryptionKey.publicKey(), kp.LeafNode.EncryptionKey) {
				t.Fatal("the private keys are not those of the key package")
			}
			ref, err := kp.Ref()
			if err != nil {
				t.Fatal(err)
			}
			s, _ := cs.suite()
			want, _ := s.makeKeyPackageRef(enc)
			if !bytes.Equal(ref, want) || len(ref) != s.nh {
				t.Fatalf("Ref: %x, want %x", ref, want)
			}
			// The defaults: MLS 1.0, the suite, GREASE in the lists that
			// take it, a GREASE extension listed in the capabilities.
			caps := kp.LeafNode.Capabilities
			if !slices.Equal(caps.Versions, []ProtocolVersion{ProtocolVersionMLS10}) || caps.CipherSuites[0] != cs {
				t.Fatalf("capabilities %v", caps)
			}
			for name, v := range map[string]uint16{
				"cipher suites": uint16(caps.CipherSuites[1]),
				"proposals":     uint16(caps.Proposals[0]),
				"credentials":   uint16(caps.Credentials[len(caps.Credentials)-1]),
				"extensions":    uint16(caps.Extensions[0]),
				"kp extension":  uint16(kp.Extensions[0].Type),
			} {
				if !isGREASE(v) {
					t.Errorf("%s: 0x%04x is not a GREASE value", name, v)
				}
			}
			if lt := kp.LeafNode.Lifetime; lt.NotAfter-lt.NotBefore != uint64((DefaultKeyPackageLifetime+keyPackageClockSkew)/time.Second) {
				t.Errorf("lifetime %v", lt)
			}
			for _, v := range []any{keys, *keys} {
				if got := fmt.Sprintf("%v %+v %#v %x", v, v, v, v); bytes.Contains([]byte(got), kp.InitKey) || !bytes.Contains([]byte(got), []byte("REDACTED")) {
					t.Errorf("private keys print %q", got)
				}
			}
		})
	}
}

// resign signs kp's leaf node and kp again with signer after a change.
func resign(t *testing.T, kp *KeyPackage, signer *SigningKey) {
	t.Helper()
	s, err := signer.CipherSuite().suite()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.signLeafNode(signer, &kp.LeafNode, nil, 0); err != nil {
		t.Fatal(err)
	}
	tbs, err := marshalKeyPackageTBS(kp)
	if err != nil {
		t.Fatal(err)
	}
	if kp.Signature, err = s.signWithLabel(signer, "KeyPackageTBS", tbs); err != nil {
		t.Fatal(err)
	}
}

func TestKeyPackageVerifyErrors(t *testing.T) {
	cs := MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	signer, err := cs.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *KeyPackage {
		kp, _, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic, Identity: []byte("bob")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}
	at := func(d time.Duration) *ValidationOptions {
		return &ValidationOptions{Now: func() time.Time { return time.Now().Add(d) }}
	}
	req, _ := newGroupRequirements(cs, nil)
	type check struct {
		name   string
		change func(kp *KeyPackage)
		resign bool
		req    *groupRequirements
		opts   *ValidationOptions
		want   []error
	}
	rc, _ := MarshalRequiredCapabilities(&RequiredCapabilities{ExtensionTypes: []ExtensionType{}, ProposalTypes: []ProposalType{0xF001}, CredentialTypes: []CredentialType{}})
	reqProposal, _ := newGroupRequirements(cs, []Extension{{Type: ExtensionTypeRequiredCapabilities, Data: rc}})
	reqOtherSuite, _ := newGroupRequirements(MLS_128_DHKEMP256_AES128GCM_SHA256_P256, nil)
	otherSigner, _ := cs.GenerateSigningKey()
	for _, c := range []check{
		{name: "key package signature", change: func(kp *KeyPackage) { kp.Signature[3] ^= 1 }, want: []error{ErrSignatureVerification}},
		{name: "leaf node signature", change: func(kp *KeyPackage) { kp.LeafNode.Signature[3] ^= 1 }, want: []error{ErrSignatureVerification, ErrInvalidLeafNode}},
		{name: "signed by another key", change: func(kp *KeyPackage) {
			kp.LeafNode.SignatureKey = otherSigner.PublicKey()
		}, want: []error{ErrSignatureVerification}},
		{name: "expired", opts: at(DefaultKeyPackageLifetime + 2*time.Hour), want: []error{ErrLifetime, ErrInvalidLeafNode}},
		{name: "not yet valid", opts: at(-2 * time.Hour), want: []error{ErrLifetime}},
		{name: "lifetime too long", opts: &ValidationOptions{MaxLifetime: time.Hour}, want: []error{ErrLifetime}},
		{name: "version", change: func(kp *KeyPackage) { kp.Version = 2 }, resign: true},
		{name: "unknown suite", change: func(kp *KeyPackage) { kp.CipherSuite = 0x0A0A }, want: []error{ErrUnsupportedCipherSuite}},
		{name: "another suite than the group's", req: reqOtherSuite, want: []error{ErrUnsupportedCipherSuite}},
		{name: "init key is the encryption key", change: func(kp *KeyPackage) { kp.InitKey = kp.LeafNode.EncryptionKey }, resign: true, want: []error{ErrDuplicateKey}},
		{name: "invalid init key", change: func(kp *KeyPackage) { kp.InitKey = kp.InitKey[1:] }, resign: true, want: []error{ErrInvalidPublicKey}},
		{name: "own credential type not in capabilities", change: func(kp *KeyPackage) { kp.LeafNode.Capabilities.Credentials = []CredentialType{2} }, resign: true, want: []error{ErrUnsupportedCapability, ErrInvalidLeafNode}},
		{name: "required proposal type", req: reqProposal, want: []error{ErrUnsupportedCapability}},
		{name: "leaf source update", change: func(kp *KeyPackage) { kp.LeafNode.Source = LeafNodeSourceUpdate }, resign: true, want: []error{ErrInvalidLeafNode}},
	} {
		kp := fresh()
		if c.change != nil {
			c.change(kp)
		}
		if c.resign {
			resign(t, kp, signer)
		}
		r := req
		if c.req != nil {
			r = c.req
		}
		err := kp.verify(r, c.opts)
		wantErr(t, c.name, err, "", append(c.want, ErrInvalidKeyPackage)...)
		if err != nil && !bytes.HasPrefix([]byte(err.Error()), []byte("mls: key package: ")) {
			t.Errorf("%s: error %q", c.name, err)
		}
	}

	// A suite no group has: Verify alone (no group requirements).
	unknown := fresh()
	unknown.CipherSuite = 0x0A0A
	wantErr(t, "unknown suite, no group", unknown.Verify(nil), "", ErrUnsupportedCipherSuite, ErrInvalidKeyPackage)

	// Errors of NewKeyPackage itself.
	if _, _, err := NewKeyPackage(nil, Credential{Type: CredentialTypeBasic}, nil); err == nil {
		t.Error("NewKeyPackage without a signer")
	}
	now := time.Now()
	if _, _, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic}, &KeyPackageOptions{NotBefore: now, NotAfter: now.Add(-time.Second)}); err == nil {
		t.Error("NewKeyPackage with an inverted lifetime")
	}
	// Given options are used as they are.
	caps := Capabilities{Versions: []ProtocolVersion{1}, CipherSuites: []CipherSuite{cs}, Extensions: []ExtensionType{0xF00D},
		Proposals: []ProposalType{}, Credentials: []CredentialType{CredentialTypeBasic}}
	kp, _, err := NewKeyPackage(signer, Credential{Type: CredentialTypeBasic, Identity: []byte{}}, &KeyPackageOptions{
		Capabilities:   &caps,
		NotBefore:      now.Add(-time.Minute),
		NotAfter:       now.Add(time.Hour),
		LeafExtensions: []Extension{{Type: 0xF00D, Data: []byte("leaf")}},
		Extensions:     []Extension{{Type: ExtensionTypeApplicationID, Data: []byte("app")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := kp.Verify(nil); err != nil {
		t.Fatal(err)
	}
	if kp.LeafNode.Lifetime.NotAfter != uint64(now.Add(time.Hour).Unix()) || len(kp.Extensions) != 1 || len(kp.LeafNode.Extensions) != 1 ||
		!slices.Equal(kp.LeafNode.Capabilities.Extensions, caps.Extensions) {
		t.Errorf("options not applied: %+v", kp.LeafNode)
	}
}

// TestKeyPackageVectors verifies every KeyPackage of the vector files
// (RFC 9420 §10.1): their signatures, leaf nodes and lifetimes, the clock
// set inside their lifetimes. The KeyPackages of welcome.json and
// passive-client-handling-commit.json never expire (lifetime 0 to
// 2^64-1), so their files are checked with no maximum lifetime.
func TestKeyPackageVectors(t *testing.T) {
	type kpFile struct {
		name  string
		count int
		opts  *ValidationOptions
	}
	pinned := func(unix int64, maxLifetime time.Duration) *ValidationOptions {
		return &ValidationOptions{Now: func() time.Time { return time.Unix(unix, 0) }, MaxLifetime: maxLifetime}
	}
	files := []kpFile{
		{"welcome.json", 7, pinned(1690000000, -1)},
		{"passive-client-welcome.json", 56, pinned(1690000000, 0)},
		{"passive-client-handling-commit.json", 91, pinned(1690000000, -1)},
	}
	bySuite := map[CipherSuite]int{}
	for _, f := range files {
		var cases []struct {
			KeyPackage hexBytes `json:"key_package"`
		}
		loadVectors(t, f.name, &cases)
		ran := 0
		for i, v := range cases {
			m, err := UnmarshalMLSMessage(v.KeyPackage)
			if err != nil {
				t.Fatalf("%s case %d: %v", f.name, i, err)
			}
			if err := m.KeyPackage.Verify(f.opts); err != nil {
				t.Errorf("%s case %d: %v", f.name, i, err)
				continue
			}
			ran++
			bySuite[m.KeyPackage.CipherSuite]++
		}
		requireCount(t, f.name+" key packages", ran, f.count)
	}
	ran := 0
	for i, v := range wireMessagesVectors(t) {
		m, err := UnmarshalMLSMessage(v.MLSKeyPackage)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.KeyPackage.Verify(pinned(1680000000, 0)); err != nil {
			t.Errorf("messages.json case %d: %v", i, err)
			continue
		}
		ran++
		bySuite[m.KeyPackage.CipherSuite]++
	}
	requireCount(t, "messages.json key packages", ran, messagesVectorCount)
	t.Logf("key packages verified per suite: %v", bySuite)
}
