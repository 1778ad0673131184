package frame

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// hexBytes is a byte string written in hex in the vector files.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

type headerVector struct {
	KID     uint64   `json:"kid"`
	CTR     uint64   `json:"ctr"`
	Encoded hexBytes `json:"encoded"`
}

type ctrHMACVector struct {
	Suite   Suite    `json:"cipher_suite"`
	Key     hexBytes `json:"key"`
	EncKey  hexBytes `json:"enc_key"`
	AuthKey hexBytes `json:"auth_key"`
	Nonce   hexBytes `json:"nonce"`
	AAD     hexBytes `json:"aad"`
	PT      hexBytes `json:"pt"`
	CT      hexBytes `json:"ct"`
}

type sframeVector struct {
	Suite     Suite    `json:"cipher_suite"`
	KID       KID      `json:"kid"`
	CTR       uint64   `json:"ctr"`
	BaseKey   hexBytes `json:"base_key"`
	KeyLabel  hexBytes `json:"sframe_key_label"`
	SaltLabel hexBytes `json:"sframe_salt_label"`
	Secret    hexBytes `json:"sframe_secret"`
	Key       hexBytes `json:"sframe_key"`
	Salt      hexBytes `json:"sframe_salt"`
	Metadata  hexBytes `json:"metadata"`
	Nonce     hexBytes `json:"nonce"`
	AAD       hexBytes `json:"aad"`
	PT        hexBytes `json:"pt"`
	CT        hexBytes `json:"ct"`
}

type rfcVectors struct {
	Header     []headerVector  `json:"header"`
	AESCTRHMAC []ctrHMACVector `json:"aes_ctr_hmac"`
	SFrame     []sframeVector  `json:"sframe"`
}

// The case counts of the checked-in files. A test fails if it ran fewer,
// and also if a file holds fewer, so a truncated copy cannot pass.
const (
	rfcHeaderCases     = 289
	rfcCTRHMACCases    = 3
	rfcSFrameCases     = 5
	postRFCSFrameCases = 3
)

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadRFCVectors(t testing.TB) *rfcVectors {
	t.Helper()
	var v rfcVectors
	loadJSON(t, "test-vectors.json", &v)
	return &v
}

// checkCount fails t unless ran == want == inFile.
func checkCount(t *testing.T, what string, ran, inFile, want int) {
	t.Helper()
	if inFile != want {
		t.Errorf("%s: file holds %d cases, want %d", what, inFile, want)
	}
	if ran != inFile {
		t.Errorf("%s: %d of %d cases ran", what, ran, inFile)
	}
	t.Logf("%s: %d/%d cases passed", what, ran, inFile)
}

func TestRFCHeaderVectors(t *testing.T) {
	v := loadRFCVectors(t)
	ran := 0
	for _, tc := range v.Header {
		h := Header{KID: KID(tc.KID), CTR: tc.CTR}
		enc, err := h.MarshalBinary()
		if err != nil || !bytes.Equal(enc, tc.Encoded) {
			t.Errorf("encode(kid=%#x, ctr=%#x) = %x, %v; want %x", tc.KID, tc.CTR, enc, err, []byte(tc.Encoded))
			continue
		}
		if h.Len() != len(tc.Encoded) {
			t.Errorf("kid=%#x ctr=%#x: Len() = %d, want %d", tc.KID, tc.CTR, h.Len(), len(tc.Encoded))
			continue
		}
		app, _ := h.AppendBinary([]byte{0xAA})
		if !bytes.Equal(app, append([]byte{0xAA}, tc.Encoded...)) {
			t.Errorf("AppendBinary(kid=%#x, ctr=%#x) = %x", tc.KID, tc.CTR, app)
			continue
		}
		body := []byte{1, 2, 3}
		got, rest, err := ParseHeader(append(bytes.Clone(tc.Encoded), body...))
		if err != nil || got != h || !bytes.Equal(rest, body) {
			t.Errorf("ParseHeader(%x) = %+v, %x, %v; want %+v", []byte(tc.Encoded), got, rest, err, h)
			continue
		}
		var u Header
		if err := u.UnmarshalBinary(tc.Encoded); err != nil || u != h {
			t.Errorf("UnmarshalBinary(%x) = %+v, %v", []byte(tc.Encoded), u, err)
			continue
		}
		ran++
	}
	checkCount(t, "RFC 9605 header", ran, len(v.Header), rfcHeaderCases)
}

func TestRFCAESCTRHMACVectors(t *testing.T) {
	v := loadRFCVectors(t)
	ran := 0
	for _, tc := range v.AESCTRHMAC {
		p := tc.Suite.params()
		if p == nil || p.gcm {
			t.Errorf("suite %v: not a CTR-HMAC suite", tc.Suite)
			continue
		}
		if !bytes.Equal(tc.Key[:p.nka], tc.EncKey) || !bytes.Equal(tc.Key[p.nka:], tc.AuthKey) {
			t.Errorf("suite %v: derive_subkeys split differs from the vector", tc.Suite)
			continue
		}
		a, err := newCTRHMAC(tc.Key, p.nka, p.hash, p.nt)
		if err != nil {
			t.Errorf("suite %v: %v", tc.Suite, err)
			continue
		}
		ct := a.Seal(nil, tc.Nonce, tc.PT, tc.AAD)
		if !bytes.Equal(ct, tc.CT) {
			t.Errorf("suite %v: Encrypt = %x, want %x", tc.Suite, ct, []byte(tc.CT))
			continue
		}
		pt, err := a.Open(nil, tc.Nonce, tc.CT, tc.AAD)
		if err != nil || !bytes.Equal(pt, tc.PT) {
			t.Errorf("suite %v: Decrypt = %x, %v", tc.Suite, pt, err)
			continue
		}
		if !tamperFails(t, func(ct []byte) error { _, err := a.Open(nil, tc.Nonce, ct, tc.AAD); return err }, tc.CT) {
			continue
		}
		ran++
	}
	checkCount(t, "RFC 9605 aes_ctr_hmac", ran, len(v.AESCTRHMAC), rfcCTRHMACCases)
}

// tamperFails checks that open rejects ct with any single bit flipped.
func tamperFails(t *testing.T, open func([]byte) error, ct []byte) bool {
	t.Helper()
	for i := range ct {
		for bit := range 8 {
			bad := bytes.Clone(ct)
			bad[i] ^= 1 << bit
			if open(bad) == nil {
				t.Errorf("flipping bit %d of byte %d of %x was accepted", bit, i, ct)
				return false
			}
		}
	}
	return true
}

// checkSFrameVector runs one full SFrame case: the intermediate values of
// derive_key_salt, then Seal at the vector's CTR and Open.
func checkSFrameVector(t *testing.T, tc sframeVector) bool {
	t.Helper()
	p := tc.Suite.params()
	if p == nil {
		t.Errorf("suite %v unsupported", tc.Suite)
		return false
	}
	if got := deriveLabel(keyLabelPrefix, tc.KID, tc.Suite); got != string(tc.KeyLabel) {
		t.Errorf("suite %v: key label %x, want %x", tc.Suite, got, []byte(tc.KeyLabel))
		return false
	}
	if got := deriveLabel(saltLabelPrefix, tc.KID, tc.Suite); got != string(tc.SaltLabel) {
		t.Errorf("suite %v: salt label %x, want %x", tc.Suite, got, []byte(tc.SaltLabel))
		return false
	}
	secret, err := p.extract(tc.BaseKey)
	if err != nil || !bytes.Equal(secret, tc.Secret) {
		t.Errorf("suite %v: sframe_secret mismatch (%v)", tc.Suite, err)
		return false
	}
	key, s, err := p.deriveKeySalt(tc.Suite, tc.KID, tc.BaseKey)
	if err != nil || !bytes.Equal(key, tc.Key) || !bytes.Equal(s[:], tc.Salt) {
		t.Errorf("suite %v: sframe_key/sframe_salt mismatch (%v)", tc.Suite, err)
		return false
	}
	var nonce salt
	putNonce(&nonce, s, tc.CTR)
	if !bytes.Equal(nonce[:], tc.Nonce) {
		t.Errorf("suite %v: nonce %x, want %x", tc.Suite, nonce, []byte(tc.Nonce))
		return false
	}
	hdr, _ := Header{KID: tc.KID, CTR: tc.CTR}.MarshalBinary()
	if aad := append(hdr, tc.Metadata...); !bytes.Equal(aad, tc.AAD) {
		t.Errorf("suite %v: aad %x, want %x", tc.Suite, aad, []byte(tc.AAD))
		return false
	}
	return checkSealOpen(t, tc.Suite, tc.KID, tc.CTR, tc.BaseKey, tc.Metadata, tc.PT, tc.CT)
}

// checkSealOpen seals pt at ctr through a Context and compares with ct,
// then opens ct through a receiving Context, then checks that ct opens
// only once and that other metadata fails.
func checkSealOpen(t *testing.T, suite Suite, kid KID, ctr uint64, base, metadata, pt, ct []byte) bool {
	t.Helper()
	send := newTestContext(t, Config{Suite: suite})
	if err := send.AddSendKey(kid, NewBaseKey(base)); err != nil {
		t.Error(err)
		return false
	}
	send.setNextCounter(kid, ctr)
	got, err := send.Seal([]byte("prefix"), kid, metadata, pt)
	if err != nil || !bytes.Equal(got, append([]byte("prefix"), ct...)) {
		t.Errorf("suite %v kid %#x ctr %#x: Seal = %x, %v; want %x", suite, kid, ctr, got, err, ct)
		return false
	}
	recv := newTestContext(t, Config{Suite: suite})
	if err := recv.AddReceiveKey(kid, NewBaseKey(base)); err != nil {
		t.Error(err)
		return false
	}
	if _, _, err := recv.Open(nil, append(bytes.Clone(metadata), 0), ct); !errors.Is(err, ErrAuthentication) {
		t.Errorf("suite %v: Open with other metadata: %v, want ErrAuthentication", suite, err)
		return false
	}
	out, h, err := recv.Open([]byte("x"), metadata, ct)
	if err != nil || !bytes.Equal(out, append([]byte("x"), pt...)) || h != (Header{kid, ctr}) {
		t.Errorf("suite %v kid %#x ctr %#x: Open = %x, %+v, %v; want %x", suite, kid, ctr, out, h, err, pt)
		return false
	}
	if _, _, err := recv.Open(nil, metadata, ct); !errors.Is(err, ErrReplay) {
		t.Errorf("suite %v: second Open: %v, want ErrReplay", suite, err)
		return false
	}
	return true
}

func TestRFCSFrameVectors(t *testing.T) {
	v := loadRFCVectors(t)
	ran := 0
	suitesSeen := map[Suite]bool{}
	for _, tc := range v.SFrame {
		if checkSFrameVector(t, tc) {
			ran++
			suitesSeen[tc.Suite] = true
		}
	}
	checkCount(t, "RFC 9605 sframe", ran, len(v.SFrame), rfcSFrameCases)
	for s := AES_128_CTR_HMAC_SHA256_80; s <= AES_256_GCM_SHA512_128; s++ {
		if !suitesSeen[s] {
			t.Errorf("no passing RFC vector for suite %v", s)
		}
	}
}

// TestPostRFCVectors checks suites 0x0006-0x0008 against the vectors the
// SFrame working group published after RFC 9605. NOT RFC 9605 vectors.
func TestPostRFCVectors(t *testing.T) {
	var v struct {
		SFrame []sframeVector `json:"sframe_aes_256_ctr_hmac"`
	}
	loadJSON(t, "post-rfc-test-vectors-aes256-ctr-hmac.json", &v)
	ran := 0
	for _, tc := range v.SFrame {
		if tc.Suite.IsRFC9605() {
			t.Errorf("suite %v in the post-RFC file claims to be an RFC 9605 suite", tc.Suite)
		}
		if checkSFrameVector(t, tc) {
			ran++
		}
	}
	checkCount(t, "post-RFC (non-RFC 9605) AES-256-CTR-HMAC sframe", ran, len(v.SFrame), postRFCSFrameCases)
}

// sealroomKAT is testdata/sealroom-kat.json, made by testdata/gen_kat.py.
type sealroomKAT struct {
	Derive []struct {
		Suite   Suite    `json:"cipher_suite"`
		KID     KID      `json:"kid"`
		BaseKey hexBytes `json:"base_key"`
		Secret  hexBytes `json:"sframe_secret"`
		Key     hexBytes `json:"sframe_key"`
		Salt    hexBytes `json:"sframe_salt"`
	} `json:"derive"`
	Ratchet []struct {
		Suite   Suite      `json:"cipher_suite"`
		BaseKey hexBytes   `json:"base_key"`
		Steps   []hexBytes `json:"steps"`
	} `json:"ratchet"`
	SFrame []struct {
		Suite        Suite    `json:"cipher_suite"`
		KID          KID      `json:"kid"`
		CTR          uint64   `json:"ctr"`
		BaseKey      hexBytes `json:"base_key"`
		Metadata     hexBytes `json:"metadata"`
		PT           hexBytes `json:"pt"`
		CT           hexBytes `json:"ct"`
		RatchetFrom  hexBytes `json:"ratchet_from"`
		RatchetSteps int      `json:"ratchet_steps"`
	} `json:"sframe"`
}

const (
	katDeriveCases  = 320
	katRatchetCases = 16
	katSFrameCases  = 104
)

func loadKAT(t testing.TB) *sealroomKAT {
	t.Helper()
	var k sealroomKAT
	loadJSON(t, "sealroom-kat.json", &k)
	return &k
}

// TestKATDerive checks derive_key_salt (RFC 9605 §4.4.2) for base keys of
// 0 to 200 bytes, every suite and extreme KIDs.
func TestKATDerive(t *testing.T) {
	k := loadKAT(t)
	ran := 0
	for _, tc := range k.Derive {
		p := tc.Suite.params()
		secret, err := p.extract(tc.BaseKey)
		if err != nil || !bytes.Equal(secret, tc.Secret) {
			t.Errorf("suite %v, %d-byte base key: sframe_secret mismatch (%v)", tc.Suite, len(tc.BaseKey), err)
			continue
		}
		key, s, err := p.deriveKeySalt(tc.Suite, tc.KID, tc.BaseKey)
		if err != nil || !bytes.Equal(key, tc.Key) || !bytes.Equal(s[:], tc.Salt) {
			t.Errorf("suite %v kid %#x, %d-byte base key: key/salt mismatch (%v)", tc.Suite, tc.KID, len(tc.BaseKey), err)
			continue
		}
		ran++
	}
	checkCount(t, "KAT derive", ran, len(k.Derive), katDeriveCases)
}

// TestKATSFrame seals and opens frames with extreme KID, CTR and metadata
// values, and frames under ratcheted base keys, in every suite.
func TestKATSFrame(t *testing.T) {
	k := loadKAT(t)
	ran := 0
	for _, tc := range k.SFrame {
		if tc.RatchetSteps > 0 {
			b := NewBaseKey(tc.RatchetFrom)
			for range tc.RatchetSteps {
				var err error
				if b, err = b.Ratchet(tc.Suite); err != nil {
					t.Fatal(err)
				}
			}
			if !b.Equal(NewBaseKey(tc.BaseKey)) {
				t.Errorf("suite %v: %d ratchet steps give a different base key", tc.Suite, tc.RatchetSteps)
				continue
			}
		}
		if checkSealOpen(t, tc.Suite, tc.KID, tc.CTR, tc.BaseKey, tc.Metadata, tc.PT, tc.CT) {
			ran++
		}
	}
	checkCount(t, "KAT sframe", ran, len(k.SFrame), katSFrameCases)
}
