package client

import (
	"reflect"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// FuzzRPC decodes arbitrary bytes as the request of one of the service's
// RPCs and calls it on a server holding handles of each kind (IDs 1 to 7,
// see populate): no request may panic, and every error must be a gRPC
// status of the codes the server uses for bad requests. Internal, which
// means a failure of this implementation, is not among them.
func FuzzRPC(f *testing.F) {
	m := loadMessages(f)
	methods := pb.MLSClient_ServiceDesc.Methods
	seeds := []proto.Message{
		&pb.CreateGroupRequest{GroupId: []byte("g"), CipherSuite: 1, Identity: []byte("a")},
		&pb.JoinGroupRequest{TransactionId: 2, Welcome: m.Welcome},
		&pb.ExternalJoinRequest{GroupInfo: m.GroupInfo, Identity: []byte("b"), Psks: []*pb.PreSharedKey{{PskId: []byte("i"), PskSecret: []byte("s")}}},
		&pb.UnprotectRequest{StateId: 1, Ciphertext: m.PrivateMessage},
		&pb.CommitRequest{StateId: 1, ByReference: [][]byte{m.PublicProposal}, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("add"), KeyPackage: m.KeyPackage}}},
		&pb.CommitRequest{StateId: 5, ByValue: []*pb.ProposalDescription{{ProposalType: []byte("remove"), RemovedId: []byte("alice")}}},
		&pb.HandleCommitRequest{StateId: 1, Proposal: [][]byte{m.PublicProposal}, Commit: m.PublicCommit},
		&pb.ExternalSignerProposalRequest{SignerId: 3, GroupInfo: m.GroupInfo, Description: &pb.ProposalDescription{ProposalType: []byte("reinit"), GroupId: []byte("g"), CipherSuite: 2}},
		&pb.ExternalSignerProposalRequest{SignerId: 3, GroupInfo: m.GroupInfo, RatchetTree: []byte{1, 1}, Description: &pb.ProposalDescription{ProposalType: []byte("remove"), RemovedId: []byte("a")}},
		&pb.StorePSKRequest{StateOrTransactionId: 1, PskId: []byte("p"), PskSecret: []byte("s")},
		&pb.CreateExternalSignerRequest{CipherSuite: 3, Identity: []byte("ds")},
		&pb.ProtectRequest{StateId: 5, AuthenticatedData: []byte("ad"), Plaintext: []byte("pt")},
		&pb.ReInitWelcomeRequest{ReinitId: 7, KeyPackage: [][]byte{m.KeyPackage}},
		&pb.AddExternalSignerRequest{StateId: 1, ExternalSender: externalSenderBytes},
	}
	for i := range methods {
		for _, s := range seeds {
			b, err := proto.Marshal(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(uint8(i), b)
		}
	}
	allowed := map[codes.Code]bool{
		codes.OK: true, codes.InvalidArgument: true, codes.NotFound: true,
		codes.FailedPrecondition: true, codes.ResourceExhausted: true,
	}
	var srv *Server
	reset := func(t testing.TB) {
		srv = New(nil)
		populate(t, srv)
	}
	reset(f)
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		md := methods[int(which)%len(methods)]
		meth := reflect.ValueOf(srv).MethodByName(md.MethodName)
		req := reflect.New(meth.Type().In(1).Elem())
		if err := proto.Unmarshal(data, req.Interface().(proto.Message)); err != nil {
			return
		}
		out := meth.Call([]reflect.Value{reflect.ValueOf(bg()), req})
		err, _ := out[1].Interface().(error)
		st, ok := status.FromError(err)
		if !ok || !allowed[st.Code()] {
			t.Fatalf("%s: %v is not a status error of an expected code", md.MethodName, err)
		}
		if srv.Handles() > 64 {
			reset(t) // RPCs that create handles; keep the run bounded
		}
	})
}
