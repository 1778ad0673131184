package keyschedule

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/sealroom/sealroom/frame"
)

// The known-answer file testdata/sframe-mls-kat.json covers the step that
// no public vectors cover: MLS exporter secret -> SFrame base key (RFC
// 9605 §5.2) -> KID -> per-sender key and salt (§4.4.2) -> sealed frame.
// Its inputs are the exporter_secret values of the official MLS
// key-schedule vectors (testdata/key-schedule.json). TestKAT recomputes
// every value and compares; only
//
//	go test ./keyschedule -run TestKAT -update
//
// writes the file, once. See testdata/SOURCE.
var update = flag.Bool("update", false, "regenerate testdata/sframe-mls-kat.json instead of comparing with it")

const katPath = "testdata/sframe-mls-kat.json"

type katLayout struct {
	ContextBits uint `json:"context_bits"`
	RatchetBits uint `json:"ratchet_bits"`
	LeafBits    uint `json:"leaf_bits"`
	EpochBits   uint `json:"epoch_bits"`
}

func (l katLayout) layout() Layout { return Layout(l) }

type katFile struct {
	Description   []string     `json:"description"`
	ExporterLabel string       `json:"exporter_label"`
	BaseKeys      []katBaseKey `json:"base_keys"`
	KIDs          []katKID     `json:"kids"`
	Keys          []katKey     `json:"keys"`
	Frames        []katFrame   `json:"frames"`
}

// katBaseKey: base_key = MLS-Exporter("SFrame 1.0 Base Key", "", Nk) of
// the exporter_secret of epochs[mls_epoch] of the MLS suite's vector.
type katBaseKey struct {
	MLSSuite       uint16      `json:"mls_cipher_suite"`
	MLSEpoch       uint64      `json:"mls_epoch"`
	ExporterSecret hexBytes    `json:"exporter_secret"`
	SFrameSuite    frame.Suite `json:"sframe_cipher_suite"`
	BaseKey        hexBytes    `json:"base_key"`
}

// katKID: KID = context << (R+S+E) | step % 2^R << (S+E) | leaf << E | epoch % 2^E.
type katKID struct {
	Layout  katLayout `json:"layout"`
	Context uint64    `json:"context"`
	Step    uint64    `json:"step"`
	Leaf    uint32    `json:"leaf"`
	Epoch   uint64    `json:"epoch"`
	KID     frame.KID `json:"kid"`
}

// katSender names one sender's key: the base key of (mls_cipher_suite,
// mls_epoch, sframe_cipher_suite) in base_keys, the layout and the KID
// fields, with mls_epoch as the KID's epoch.
type katSender struct {
	MLSSuite    uint16      `json:"mls_cipher_suite"`
	MLSEpoch    uint64      `json:"mls_epoch"`
	SFrameSuite frame.Suite `json:"sframe_cipher_suite"`
	Layout      katLayout   `json:"layout"`
	Context     uint64      `json:"context"`
	Step        uint64      `json:"step"`
	Leaf        uint32      `json:"leaf"`
	KID         frame.KID   `json:"kid"`
}

// katKey: the key and salt of one sender; step_base_key is the base key
// ratcheted step times (RFC 9605 §5.1).
type katKey struct {
	katSender
	StepBaseKey hexBytes `json:"step_base_key"`
	SFrameKey   hexBytes `json:"sframe_key"`
	SFrameSalt  hexBytes `json:"sframe_salt"`
}

// katFrame: a frame sealed by a sender at counter ctr, under the key and
// salt of the keys entry of the same sender.
type katFrame struct {
	katSender
	CTR        uint64   `json:"ctr"`
	Metadata   hexBytes `json:"metadata"`
	Plaintext  hexBytes `json:"plaintext"`
	Ciphertext hexBytes `json:"ciphertext"`
}

var (
	katDefault = katLayout{LeafBits: 10, EpochBits: 4}
	katWide    = katLayout{ContextBits: 4, LeafBits: 16, EpochBits: 8}
	katRatchet = katLayout{RatchetBits: 2, LeafBits: 10, EpochBits: 4}
	katSuites  = []frame.Suite{1, 2, 3, 4, 5}
)

// exporterSecret returns the exporter_secret of epoch i of an MLS suite in
// the official vectors.
func exporterSecret(t testing.TB, vs []keyScheduleVector, suite uint16, i uint64) []byte {
	t.Helper()
	for _, v := range vs {
		if v.CipherSuite == suite && i < uint64(len(v.Epochs)) {
			return v.Epochs[i].ExporterSecret
		}
	}
	t.Fatalf("no exporter_secret for MLS suite %d epoch %d", suite, i)
	return nil
}

// katBase computes base_key with the test MLS-Exporter and ExportBaseKey,
// and returns its bytes (as the reference sees them) and the BaseKey.
func katBase(t testing.TB, vs []keyScheduleVector, mls uint16, epoch uint64, suite frame.Suite) ([]byte, frame.BaseKey) {
	t.Helper()
	exp := testExporter{hash: mlsSuiteHash(mls), secret: exporterSecret(t, vs, mls, epoch)}
	k, err := ExportBaseKey(exp, suite)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := exp.Export(ExporterLabel, nil, suite.KeySize())
	if err != nil {
		t.Fatal(err)
	}
	if !k.Equal(frame.NewBaseKey(raw)) {
		t.Fatal("ExportBaseKey differs from the exporter's output")
	}
	return raw, k
}

// generateKAT computes the whole file: base keys with the test exporter
// and ExportBaseKey, KIDs with Layout.KID, keys and salts with the
// reference derivation, frames with Schedule.Seal.
func generateKAT(t testing.TB) *katFile {
	vs := loadKeyScheduleVectors(t)
	f := &katFile{
		Description: []string{
			"Sealroom known-answer values for RFC 9605 §5.2 (SFrame keys from MLS epochs), generated once.",
			"Inputs: exporter_secret of epochs[mls_epoch] of the official MLS key-schedule vectors (key-schedule.json).",
			"base_key = MLS-Exporter(\"SFrame 1.0 Base Key\", \"\", Nk of the SFrame suite), RFC 9420 §8.5 with the MLS suite's hash.",
			"KID = context << (R+S+E) | step mod 2^R << (S+E) | leaf << E | epoch mod 2^E (R = ratchet_bits, S = leaf_bits, E = epoch_bits).",
			"sframe_key, sframe_salt = derive_key_salt(KID, step_base_key), RFC 9605 §4.4.2 with the SFrame suite's hash; step_base_key is base_key ratcheted step times (§5.1).",
			"Frames: header || AEAD(sframe_key, sframe_salt XOR ctr, header || metadata, plaintext), RFC 9605 §4.4.3.",
		},
		ExporterLabel: ExporterLabel,
	}
	for mls := uint16(1); mls <= 7; mls++ {
		for epoch := range uint64(2) {
			for _, suite := range katSuites {
				raw, _ := katBase(t, vs, mls, epoch, suite)
				f.BaseKeys = append(f.BaseKeys, katBaseKey{mls, epoch, exporterSecret(t, vs, mls, epoch), suite, raw})
				for _, k := range []struct {
					l       katLayout
					context uint64
					leaf    uint32
				}{{katDefault, 0, 0}, {katDefault, 0, 1023}, {katWide, 9, 40000}} {
					f.Keys = append(f.Keys, katKeyFor(t, mls, epoch, suite, raw, k.l, k.context, 0, k.leaf))
				}
				if epoch == 1 && (mls == 1 || mls == 7) {
					for _, step := range []uint64{1, 2, 5} {
						f.Keys = append(f.Keys, katKeyFor(t, mls, epoch, suite, raw, katRatchet, 0, step, 2))
					}
				}
			}
		}
	}
	for _, c := range []struct {
		l       katLayout
		context uint64
		step    uint64
		leaf    uint32
		epoch   uint64
	}{
		{katDefault, 0, 0, 0, 0}, {katDefault, 0, 0, 3, 14}, {katDefault, 0, 0, 1023, 15},
		{katDefault, 0, 0, 7, 16}, {katDefault, 0, 0, 1, 1<<64 - 1},
		{katLayout{ContextBits: 16, LeafBits: 6, EpochBits: 4}, 3, 0, 2, 16},
		{katWide, 15, 0, 65535, 255}, {katWide, 9, 0, 40000, 256 + 1},
		{katRatchet, 0, 6, 2, 1}, {katRatchet, 0, 1<<64 - 1, 1023, 3},
		{katLayout{ContextBits: 16, RatchetBits: 8, LeafBits: 32, EpochBits: 8}, 0xffff, 0xff, 1<<32 - 1, 0xff},
		{katLayout{ContextBits: 16, RatchetBits: 8, LeafBits: 32, EpochBits: 8}, 0x8001, 0x81, 0x80000001, 0x81},
		{katLayout{LeafBits: 32}, 0, 0, 1<<32 - 1, 99},
		{katLayout{EpochBits: 8}, 0, 0, 0, 0x1234},
	} {
		kid, err := c.l.layout().KID(KIDParts{Context: c.context, Step: c.step, Leaf: c.leaf, Epoch: c.epoch})
		if err != nil {
			t.Fatal(err)
		}
		f.KIDs = append(f.KIDs, katKID{c.l, c.context, c.step, c.leaf, c.epoch, kid})
	}
	for _, suite := range katSuites {
		for _, c := range []struct {
			mls     uint16
			epoch   uint64
			l       katLayout
			context uint64
			step    uint64
			leaf    uint32
			ctr     uint64
			md      string
		}{
			{1, 1, katDefault, 0, 0, 1023, 0, ""},
			{7, 1, katWide, 9, 0, 40000, 2, "VP8 descriptor"},
			{1, 1, katRatchet, 0, 5, 2, 1, "m"},
		} {
			pt := fmt.Appendf(nil, "frame of leaf %d, suite %v", c.leaf, suite)
			f.Frames = append(f.Frames, katSealFrame(t, vs, c.mls, c.epoch, suite, c.l, c.context, c.step, c.leaf, c.ctr, []byte(c.md), pt))
		}
	}
	return f
}

// katKeyFor derives one keys entry with the reference functions.
func katKeyFor(t testing.TB, mls uint16, epoch uint64, suite frame.Suite, base []byte, l katLayout, context, step uint64, leaf uint32) katKey {
	kid, err := l.layout().KID(KIDParts{Context: context, Step: step, Leaf: leaf, Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	b := base
	for range step {
		b = refRatchet(suite, b)
	}
	key, salt := refDeriveKeySalt(suite, kid, b)
	return katKey{katSender{mls, epoch, suite, l, context, step, leaf, kid}, b, key, salt}
}

// katSealFrame seals a frame through the Schedule: leaf installs the
// epoch, ratchets step times and seals ctr+1 frames on context.
func katSealFrame(t testing.TB, vs []keyScheduleVector, mls uint16, epoch uint64, suite frame.Suite, l katLayout, context, step uint64, leaf uint32, ctr uint64, md, pt []byte) katFrame {
	t.Helper()
	_, base := katBase(t, vs, mls, epoch, suite)
	s := newTestSchedule(t, Config{Frame: frame.Config{Suite: suite}, Layout: l.layout()})
	if err := s.InstallEpoch(Epoch{Number: epoch, BaseKey: base, Self: leaf, Members: []uint32{0, leaf}}); err != nil {
		t.Fatal(err)
	}
	for range step {
		if _, err := s.Ratchet(); err != nil {
			t.Fatal(err)
		}
	}
	var ct []byte
	for range ctr + 1 {
		ct = mustSeal(t, s, context, md, pt)
	}
	h, _, err := frame.ParseHeader(ct)
	if err != nil || h.CTR != ctr {
		t.Fatalf("sealed header %+v, %v", h, err)
	}
	return katFrame{katSender{mls, epoch, suite, l, context, step, leaf, h.KID}, ctr, md, pt, ct}
}

func TestKAT(t *testing.T) {
	got := generateKAT(t)
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(katPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", katPath)
		return
	}
	data, err := os.ReadFile(katPath)
	if err != nil {
		t.Fatal(err)
	}
	var want katFile
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if want.ExporterLabel != ExporterLabel {
		t.Fatalf("exporter label %q", want.ExporterLabel)
	}
	if len(want.BaseKeys) != 70 || len(want.Keys) != 240 || len(want.KIDs) != 14 || len(want.Frames) != 15 {
		t.Fatalf("file holds %d base keys, %d keys, %d KIDs, %d frames; want 70, 240, 14, 15",
			len(want.BaseKeys), len(want.Keys), len(want.KIDs), len(want.Frames))
	}
	ran := 0
	compare := func(what string, i int, g, w any) {
		t.Helper()
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if !bytes.Equal(gj, wj) {
			t.Errorf("%s %d:\n got %s\nwant %s", what, i, gj, wj)
		}
		ran++
	}
	for i := range want.BaseKeys {
		compare("base key", i, got.BaseKeys[i], want.BaseKeys[i])
	}
	for i := range want.KIDs {
		compare("kid", i, got.KIDs[i], want.KIDs[i])
	}
	for i := range want.Keys {
		compare("key", i, got.Keys[i], want.Keys[i])
	}
	for i := range want.Frames {
		compare("frame", i, got.Frames[i], want.Frames[i])
	}
	if ran != 70+14+240+15 {
		t.Fatalf("compared %d values", ran)
	}
}

// TestKATConsistency checks the file against itself through code paths
// that did not produce it: each KID parses back to its fields; each
// frame's bytes come out of the reference AEAD under the key and salt of
// its keys entry (the key derivation of package frame, which sealed it,
// agrees with the reference), and open through a receiving Schedule
// with the right source.
func TestKATConsistency(t *testing.T) {
	data, err := os.ReadFile(katPath)
	if err != nil {
		t.Fatal(err)
	}
	var f katFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	vs := loadKeyScheduleVectors(t)
	ran := 0
	for i, k := range f.KIDs {
		l := k.Layout.layout()
		p, err := l.ParseKID(k.KID)
		want := KIDParts{Context: k.Context, Step: k.Step & lowMask(l.RatchetBits), Leaf: k.Leaf, Epoch: k.Epoch & lowMask(l.EpochBits)}
		if err != nil || p != want {
			t.Errorf("kid %d: ParseKID(%#x) = %+v, %v; want %+v", i, k.KID, p, err, want)
		}
		ran++
	}
	for i, b := range f.BaseKeys {
		if !bytes.Equal(b.ExporterSecret, exporterSecret(t, vs, b.MLSSuite, b.MLSEpoch)) {
			t.Errorf("base key %d: exporter_secret is not the official vector's", i)
		}
		ran++
	}
	for i, fr := range f.Frames {
		var key *katKey
		for j := range f.Keys {
			k := &f.Keys[j]
			if k.katSender == fr.katSender {
				key = k
			}
		}
		if key == nil {
			t.Errorf("frame %d: no keys entry for KID %#x", i, fr.KID)
			continue
		}
		ref := refSeal(fr.SFrameSuite, key.SFrameKey, key.SFrameSalt, fr.KID, fr.CTR, fr.Metadata, fr.Plaintext)
		if !bytes.Equal(ref, fr.Ciphertext) {
			t.Errorf("frame %d: reference seal\n %x\nwant %x", i, ref, fr.Ciphertext)
		}
		_, base := katBase(t, vs, fr.MLSSuite, fr.MLSEpoch, fr.SFrameSuite)
		r := newTestSchedule(t, Config{Frame: frame.Config{Suite: fr.SFrameSuite}, Layout: fr.Layout.layout()})
		if err := r.InstallEpoch(Epoch{Number: fr.MLSEpoch, BaseKey: base, Self: 0, Members: []uint32{0, fr.Leaf}}); err != nil {
			t.Fatal(err)
		}
		for range fr.Step { // a receiver reads steps near its own
			if _, err := r.Ratchet(); err != nil {
				t.Fatal(err)
			}
		}
		pt, src, err := r.Open(nil, fr.Metadata, fr.Ciphertext)
		wantSrc := Source{Epoch: fr.MLSEpoch, Leaf: fr.Leaf, Context: fr.Context, Step: fr.Step, Header: frame.Header{KID: fr.KID, CTR: fr.CTR}}
		if err != nil || !bytes.Equal(pt, fr.Plaintext) || src != wantSrc {
			t.Errorf("frame %d: opened %q from %+v, %v; want %+v", i, pt, src, err, wantSrc)
		}
		ran++
	}
	if ran != 14+70+15 {
		t.Fatalf("checked %d entries, want 99", ran)
	}
}

// TestReferenceRFCVectors anchors the reference derivation and AEAD to
// the sframe cases of the RFC 9605 test vectors (a verbatim copy in
// testdata/rfc9605-test-vectors.json).
func TestReferenceRFCVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/rfc9605-test-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		SFrame []struct {
			Suite     frame.Suite `json:"cipher_suite"`
			KID       frame.KID   `json:"kid"`
			CTR       uint64      `json:"ctr"`
			BaseKey   hexBytes    `json:"base_key"`
			Key       hexBytes    `json:"sframe_key"`
			Salt      hexBytes    `json:"sframe_salt"`
			Metadata  hexBytes    `json:"metadata"`
			Plaintext hexBytes    `json:"pt"`
			CT        hexBytes    `json:"ct"`
		} `json:"sframe"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, c := range v.SFrame {
		key, salt := refDeriveKeySalt(c.Suite, c.KID, c.BaseKey)
		if !bytes.Equal(key, c.Key) || !bytes.Equal(salt, c.Salt) {
			t.Errorf("suite %v: reference key/salt %x %x, want %x %x", c.Suite, key, salt, c.Key, c.Salt)
		}
		if ct := refSeal(c.Suite, c.Key, c.Salt, c.KID, c.CTR, c.Metadata, c.Plaintext); !bytes.Equal(ct, c.CT) {
			t.Errorf("suite %v: reference seal %x, want %x", c.Suite, ct, c.CT)
		}
	}
	if len(v.SFrame) != 5 {
		t.Fatalf("ran %d sframe vectors, want 5", len(v.SFrame))
	}
}
