package mls

import (
	"bytes"
	"errors"
	"testing"
)

// The fuzz targets below feed arbitrary bytes to the decoders. Whatever the
// input, a decoder must not panic, must fail with an error wrapping
// ErrMalformed, and, when it succeeds, encoding the result must give back
// exactly the input: the codec accepts only canonical encodings, so there
// is one byte string per value. Seeds come from the interop vectors.

// wireFuzzSeeds returns wire structures from the vectors: the fields of
// the first cases of messages.json and the messages of welcome.json.
func wireFuzzSeeds(f *testing.F) []messagesVector {
	f.Helper()
	cases := wireMessagesVectors(f)
	// One case per suite in each third of the file is enough to reach
	// every structure; the fuzzer mutates from there.
	return []messagesVector{cases[0], cases[1], cases[100], cases[200], cases[299]}
}

// wireFuzzCheck checks the decode → encode property for one input.
func wireFuzzCheck(t *testing.T, data []byte, roundTrip func([]byte) ([]byte, error)) {
	out, err := roundTrip(data)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
		if err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	if !bytes.Equal(out, data) {
		t.Fatalf("decoded input re-encodes differently\n  in %x\n out %x", data, out)
	}
}

func FuzzUnmarshalMLSMessage(f *testing.F) {
	for _, v := range wireFuzzSeeds(f) {
		for _, m := range [][]byte{v.MLSWelcome, v.MLSGroupInfo, v.MLSKeyPackage,
			v.PublicMessageApplication, v.PublicMessageProposal, v.PublicMessageCommit, v.PrivateMessage} {
			f.Add([]byte(m))
		}
	}
	var mp []struct {
		ProposalPub hexBytes `json:"proposal_pub"`
		CommitPub   hexBytes `json:"commit_pub"`
		CommitPriv  hexBytes `json:"commit_priv"`
	}
	loadVectors(f, "message-protection.json", &mp)
	for _, v := range mp[:2] {
		f.Add([]byte(v.ProposalPub))
		f.Add([]byte(v.CommitPub))
		f.Add([]byte(v.CommitPriv))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wireFuzzCheck(t, data, wireKindMLSMessage.roundTrip)
	})
}

func FuzzUnmarshalKeyPackage(f *testing.F) {
	for _, v := range wireFuzzSeeds(f) {
		f.Add([]byte(v.MLSKeyPackage[4:]))
		f.Add([]byte(v.AddProposal))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wireFuzzCheck(t, data, wireKindKeyPackage.roundTrip)
	})
}

func FuzzUnmarshalWelcome(f *testing.F) {
	for _, v := range wireFuzzSeeds(f) {
		f.Add([]byte(v.MLSWelcome[4:]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wireFuzzCheck(t, data, wireKindWelcome.roundTrip)
	})
}

func FuzzUnmarshalGroupInfo(f *testing.F) {
	for _, v := range wireFuzzSeeds(f) {
		f.Add([]byte(v.MLSGroupInfo[4:]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wireFuzzCheck(t, data, wireKindGroupInfo.roundTrip)
	})
}

func FuzzUnmarshalRatchetTree(f *testing.F) {
	for _, v := range wireFuzzSeeds(f) {
		f.Add([]byte(v.RatchetTree))
	}
	var ops []struct {
		TreeBefore hexBytes `json:"tree_before"`
	}
	loadVectors(f, "tree-operations.json", &ops)
	for _, v := range ops {
		f.Add([]byte(v.TreeBefore))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wireFuzzCheck(t, data, wireKindRatchetTree.roundTrip)
	})
}

// FuzzUnmarshalWireStructures covers the unexported decoders: the first
// byte of the input picks the structure, the rest is its encoding.
func FuzzUnmarshalWireStructures(f *testing.F) {
	kinds := []wireKind{
		wireKindCommit,
		wireKindProposal,
		wireKindGroupSecrets,
		wireKindAuthenticatedContent,
		wireKindUpdatePath,
		wireKindGroupContext,
		{name: "PrivateMessageContent", decode: func(data []byte) (func() ([]byte, error), error) {
			if len(data) == 0 {
				return nil, &wireError{what: "test", detail: "no content type", kind: ErrMalformed}
			}
			ct := ContentType(data[0])
			c, err := unmarshalPrivateMessageContent(ct, data[1:])
			if err != nil {
				return nil, err
			}
			return func() ([]byte, error) {
				out, err := marshalPrivateMessageContent(ct, c)
				return append([]byte{data[0]}, out...), err
			}, nil
		}},
		{name: "SenderData", decode: wireDecoder(unmarshalSenderData, func(sd *senderData) ([]byte, error) {
			return marshalSenderData(sd), nil
		})},
		{name: "external_senders", decode: wireDecoder(UnmarshalExternalSenders, MarshalExternalSenders)},
		{name: "required_capabilities", decode: wireDecoder(UnmarshalRequiredCapabilities, MarshalRequiredCapabilities)},
		{name: "ExternalSender", decode: wireDecoder(UnmarshalExternalSender, (*ExternalSender).Marshal)},
	}
	for _, v := range wireFuzzSeeds(f) {
		f.Add(append([]byte{0}, v.Commit...))
		f.Add(append([]byte{2}, v.GroupSecrets...))
		f.Add(append([]byte{1, 0, byte(ProposalTypePSK)}, v.PreSharedKeyProposal...))
		f.Add(append([]byte{1, 0, byte(ProposalTypeReInit)}, v.ReInitProposal...))
		f.Add(append([]byte{1, 0, byte(ProposalTypeUpdate)}, v.UpdateProposal...))
	}
	var th []struct {
		AuthenticatedContent hexBytes `json:"authenticated_content"`
	}
	loadVectors(f, "transcript-hashes.json", &th)
	f.Add(append([]byte{3}, th[0].AuthenticatedContent...))
	f.Add([]byte{6, 1, 0, 0x02, 0x61, 0x62, 0x00, 0x00})
	f.Add([]byte{7, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		k := kinds[int(data[0])%len(kinds)]
		wireFuzzCheck(t, data[1:], k.roundTrip)
	})
}
