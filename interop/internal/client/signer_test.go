package client

import (
	"errors"
	"testing"

	"github.com/sealroom/sealroom/mls"
)

// TestSignerIndexIn checks indexIn against the signer_index a request
// names: the signer's own entry, another's, and indices past the list,
// up to the largest uint32.
func TestSignerIndexIn(t *testing.T) {
	const cs = mls.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	other, err := newExternalSigner(cs, []byte("other"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := newExternalSigner(cs, []byte("ds"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := mls.MarshalExternalSenders([]mls.ExternalSender{other.sender, signer.sender})
	if err != nil {
		t.Fatal(err)
	}
	exts := []mls.Extension{{Type: mls.ExtensionTypeExternalSenders, Data: data}}
	if i, err := signer.indexIn(exts, 0); i != 1 || err != nil {
		t.Fatalf("indexIn(0) = %d, %v; want 1", i, err)
	}
	if i, err := signer.indexIn(exts, 1); i != 1 || err != nil {
		t.Fatalf("indexIn(1) = %d, %v; want 1", i, err)
	}
	checked := 2
	for _, want := range []uint32{2, 1 << 31, 1<<32 - 1} {
		if _, err := signer.indexIn(exts, want); !errors.Is(err, errNotListed) {
			t.Fatalf("indexIn(%d): %v, want errNotListed", want, err)
		}
		checked++
	}
	if _, err := other.indexIn(exts, 1); !errors.Is(err, errNotListed) {
		t.Fatalf("another signer's index: %v, want errNotListed", err)
	}
	if checked != 5 {
		t.Fatalf("%d cases checked, want 5", checked)
	}
}
