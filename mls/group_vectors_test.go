package mls

import (
	"bytes"
	"fmt"
	"testing"
)

// The group vectors of the mlswg interop repository: welcome.json (decrypt
// a Welcome and verify its GroupInfo), passive-client-welcome.json (join
// from a Welcome) and passive-client-handling-commit.json (join, then
// follow the group through its Commits), for every cipher suite.

type welcomeVector struct {
	CipherSuite CipherSuite `json:"cipher_suite"`
	InitPriv    hexBytes    `json:"init_priv"`
	SignerPub   hexBytes    `json:"signer_pub"`
	KeyPackage  hexBytes    `json:"key_package"`
	Welcome     hexBytes    `json:"welcome"`
}

// welcomeCaseCount is the number of cases of welcome.json: one per suite.
const welcomeCaseCount = 7

// TestWelcomeVectorsGroup checks welcome.json (test-vectors.md, "Welcome")
// with the functions JoinFromWelcome uses (the key schedule test checks the
// stages one by one):
// the Welcome's entry for the KeyPackage decrypts with init_priv, the
// GroupInfo decrypts with the welcome_secret of the joiner_secret (no
// PSKs), its signature verifies with signer_pub, and its confirmation tag
// is that of the epoch's key schedule.
func TestWelcomeVectorsGroup(t *testing.T) {
	var vectors []welcomeVector
	loadVectors(t, "welcome.json", &vectors)
	perSuite := map[CipherSuite]int{}
	ran := 0
	for i, v := range vectors {
		t.Run(fmt.Sprintf("%d/%v", i, v.CipherSuite), func(t *testing.T) {
			s := mustSuite(t, v.CipherSuite)
			kp := decodeMessage(t, v.KeyPackage).KeyPackage
			w := decodeMessage(t, v.Welcome).Welcome
			if kp == nil || w == nil {
				t.Fatal("key_package or welcome of the wrong wire format")
			}
			initKey, err := s.newHPKEPrivateKey(v.InitPriv)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(initKey.publicKey(), kp.InitKey) {
				t.Fatal("init_priv is not the key package's init key")
			}
			gs, err := s.openGroupSecrets(w, kp, initKey)
			if err != nil {
				t.Fatal(err)
			}
			joiner, err := s.newJoinerSecret(gs.joinerSecret)
			if err != nil {
				t.Fatal(err)
			}
			if len(gs.psks) != 0 {
				t.Fatalf("%d PSKs, the vector format has none", len(gs.psks))
			}
			es, ws, err := s.epochFromJoiner(joiner, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			es.zero()
			gi, err := s.openWelcomeGroupInfo(w, ws)
			if err != nil {
				t.Fatal(err)
			}
			tbs, err := marshalGroupInfoTBS(gi)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.verifyWithLabel(v.SignerPub, "GroupInfoTBS", tbs, gi.Signature); err != nil {
				t.Fatalf("group info signature: %v", err)
			}
			gcBytes, err := marshalGroupContext(&gi.GroupContext)
			if err != nil {
				t.Fatal(err)
			}
			es, ws, err = s.epochFromJoiner(joiner, nil, gcBytes)
			if err != nil {
				t.Fatal(err)
			}
			ws.zero()
			if err := es.confirmation.verify(gi.GroupContext.ConfirmedTranscriptHash, gi.ConfirmationTag); err != nil {
				t.Fatalf("confirmation tag: %v", err)
			}
			// A different key package finds no entry.
			other := *kp
			other.InitKey = bytes.Clone(kp.LeafNode.EncryptionKey)
			if _, err := s.openGroupSecrets(w, &other, initKey); err == nil {
				t.Fatal("a Welcome opened for another key package")
			}
			perSuite[v.CipherSuite]++
			ran++
		})
	}
	requireCount(t, "welcome.json", ran, welcomeCaseCount)
	for cs, n := range perSuite {
		t.Logf("welcome.json: %v: %d", cs, n)
	}
}

// passiveClientCase is one entry of passive-client-welcome.json and
// passive-client-handling-commit.json (test-vectors.md, "Passive Client
// Scenarios").
type passiveClientCase struct {
	CipherSuite  CipherSuite `json:"cipher_suite"`
	ExternalPSKs []struct {
		PSKID hexBytes `json:"psk_id"`
		PSK   hexBytes `json:"psk"`
	} `json:"external_psks"`
	KeyPackage                hexBytes  `json:"key_package"`
	SignaturePriv             hexBytes  `json:"signature_priv"`
	EncryptionPriv            hexBytes  `json:"encryption_priv"`
	InitPriv                  hexBytes  `json:"init_priv"`
	Welcome                   hexBytes  `json:"welcome"`
	RatchetTree               *hexBytes `json:"ratchet_tree"`
	InitialEpochAuthenticator hexBytes  `json:"initial_epoch_authenticator"`
	Epochs                    []struct {
		Proposals          []hexBytes `json:"proposals"`
		Commit             hexBytes   `json:"commit"`
		EpochAuthenticator hexBytes   `json:"epoch_authenticator"`
	} `json:"epochs"`
}

// The counts of the passive client files: cases per file (eight per suite
// in passive-client-welcome.json, thirteen in
// passive-client-handling-commit.json) and the epochs they hold in all.
const (
	passiveWelcomeCaseCount        = 56
	passiveWelcomeEpochCount       = 0
	passiveHandlingCommitCaseCount = 91
	passiveHandlingCommitEpochs    = 182
)

// passiveClientOptions are the options a passive client of the vectors
// joins with: their key packages and leaves have the unbounded lifetime 0
// to 2^64-1, which takes a negative MaxLifetime.
func passiveClientOptions(v *passiveClientCase) *JoinOptions {
	opts := &JoinOptions{GroupOptions: GroupOptions{Validation: &ValidationOptions{MaxLifetime: -1, SkipTreeLifetimes: true}}}
	if v.RatchetTree != nil {
		opts.RatchetTree = *v.RatchetTree
	}
	for _, p := range v.ExternalPSKs {
		opts.PSKs = append(opts.PSKs, ExternalPSK{ID: p.PSKID, Secret: p.PSK})
	}
	return opts
}

// runPassiveClient joins the group of v and follows it through its epochs,
// checking the epoch authenticator after each. It returns the epochs run.
func runPassiveClient(t *testing.T, v *passiveClientCase) int {
	t.Helper()
	kp := decodeMessage(t, v.KeyPackage).KeyPackage
	w := decodeMessage(t, v.Welcome).Welcome
	if kp == nil || w == nil {
		t.Fatal("key_package or welcome of the wrong wire format")
	}
	keys, err := NewKeyPackagePrivateKeys(v.CipherSuite, v.InitPriv, v.EncryptionPriv, v.SignaturePriv)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.matches(kp); err != nil {
		t.Fatal(err)
	}
	g, err := JoinFromWelcome(w, kp, keys, passiveClientOptions(v))
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	if !bytes.Equal(g.EpochAuthenticator(), v.InitialEpochAuthenticator) {
		t.Fatal("initial epoch authenticator differs")
	}
	for i, e := range v.Epochs {
		for j, p := range e.Proposals {
			pm, err := g.Process(p)
			if err != nil {
				t.Fatalf("epoch %d: proposal %d: %v", i, j, err)
			}
			if pm.ContentType != ContentTypeProposal {
				t.Fatalf("epoch %d: proposal %d is %v content", i, j, pm.ContentType)
			}
		}
		pm, err := g.Process(e.Commit)
		if err != nil {
			t.Fatalf("epoch %d: commit: %v", i, err)
		}
		if pm.ContentType != ContentTypeCommit {
			t.Fatalf("epoch %d: the commit is %v content", i, pm.ContentType)
		}
		if err := g.Merge(pm.Commit); err != nil {
			t.Fatalf("epoch %d: merge: %v", i, err)
		}
		if !bytes.Equal(g.EpochAuthenticator(), e.EpochAuthenticator) {
			t.Fatalf("epoch %d: epoch authenticator differs", i)
		}
	}
	return len(v.Epochs)
}

func testPassiveClientFile(t *testing.T, file string, wantCases, wantEpochs int) {
	var vectors []passiveClientCase
	loadVectors(t, file, &vectors)
	perSuite := map[CipherSuite]int{}
	ran, epochs := 0, 0
	for i := range vectors {
		v := &vectors[i]
		t.Run(fmt.Sprintf("%d/%v", i, v.CipherSuite), func(t *testing.T) {
			epochs += runPassiveClient(t, v)
			perSuite[v.CipherSuite]++
			ran++
		})
	}
	requireCount(t, file, ran, wantCases)
	if epochs != wantEpochs {
		t.Fatalf("%s: ran %d of %d epochs", file, epochs, wantEpochs)
	}
	for _, cs := range allCipherSuites() {
		t.Logf("%s: %v: %d cases", file, cs, perSuite[cs])
	}
}

// TestPassiveClientWelcomeVectors checks passive-client-welcome.json: the
// passive client joins from each Welcome, with the ratchet tree in the
// GroupInfo or given beside it, and with the external PSKs given, and
// computes the initial epoch authenticator.
func TestPassiveClientWelcomeVectors(t *testing.T) {
	testPassiveClientFile(t, "passive-client-welcome.json", passiveWelcomeCaseCount, passiveWelcomeEpochCount)
}

// TestPassiveClientHandlingCommitVectors checks
// passive-client-handling-commit.json: after joining, the passive client
// processes each epoch's proposals and Commit and computes each epoch's
// authenticator.
func TestPassiveClientHandlingCommitVectors(t *testing.T) {
	testPassiveClientFile(t, "passive-client-handling-commit.json", passiveHandlingCommitCaseCount, passiveHandlingCommitEpochs)
}
