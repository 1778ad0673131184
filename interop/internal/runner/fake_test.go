package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/sealroom/sealroom/interop/proto"
)

// fake is a test-only MLSClient with a trivial stand-in for MLS: a group's
// epoch authenticator is a hash chain over the commits, messages are JSON.
// Two fakes interoperate through the bytes the runner carries between
// them, and each checks what a real client would reject if the runner got
// it wrong: a proposal or commit of another group or epoch, a commit whose
// proposals were not passed along, a handshake-mode mismatch, a Welcome not
// meant for the joiner, a tree that was needed but not given, a PSK not
// installed, an external proposal by a signer the group never added, a
// message unprotected twice or by its own sender.
type fake struct {
	pb.UnimplementedMLSClientServer
	name string

	mu      sync.Mutex
	next    uint32
	groups  map[uint32]*fgroup
	joiners map[uint32]*fjoiner
	reinits map[uint32]*freinit
	signers map[uint32][]byte // signer_id -> external_sender

	// Faults for testing the runner's checks.
	badStateAuth bool // StateAuth answers a wrong value
	badUnprotect bool // Unprotect answers a wrong plaintext
	badJoin      bool // JoinGroup answers a wrong epoch authenticator
}

func newFake(name string) *fake {
	return &fake{name: name, next: 1, groups: map[uint32]*fgroup{}, joiners: map[uint32]*fjoiner{},
		reinits: map[uint32]*freinit{}, signers: map[uint32][]byte{}}
}

type fgroup struct {
	id       []byte
	suite    uint32
	epoch    uint64
	auth     []byte
	members  []string
	exts     []extension
	senders  [][]byte
	encrypt  bool
	self     string
	psks     map[string]bool
	history  map[uint64][]byte // epoch -> authenticator
	pending  *fgroup
	reinit   *fwire // the ReInit proposal the last commit applied
	gen      int
	consumed map[string]bool
}

type fjoiner struct {
	kp       []byte
	identity string
	psks     map[string]bool
}

type freinit struct {
	oldAuth  []byte
	proposal *fwire
	identity string
	kp       []byte
	encrypt  bool
}

// fwire is every message of the fake, as JSON; Kind says which.
type fwire struct {
	Kind      string
	Group     []byte `json:",omitempty"`
	Epoch     uint64 `json:",omitempty"`
	Sender    string `json:",omitempty"`
	Encrypted bool   `json:",omitempty"`
	Identity  string `json:",omitempty"` // kp, sender
	Suite     uint32 `json:",omitempty"` // kp, welcome, groupinfo, reinit proposal
	Nonce     []byte `json:",omitempty"`
	Type      string `json:",omitempty"` // proposal type
	KP        []byte `json:",omitempty"`
	Removed   string `json:",omitempty"`
	PSKID     []byte `json:",omitempty"`
	ResEpoch  uint64 `json:",omitempty"`
	Exts      []extension
	ReGroup   []byte   `json:",omitempty"`
	External  []byte   `json:",omitempty"` // external_sender of an external signer's proposal
	NewMember bool     `json:",omitempty"`
	AddSender []byte   `json:",omitempty"`
	Refs      [][]byte `json:",omitempty"`
	Values    [][]byte `json:",omitempty"`
	ExtJoin   bool     `json:",omitempty"`
	Prior     bool     `json:",omitempty"`
	PSKs      [][]byte `json:",omitempty"`
	Auth      []byte   `json:",omitempty"`
	Members   []string `json:",omitempty"`
	Senders   [][]byte `json:",omitempty"`
	KPRefs    [][]byte `json:",omitempty"`
	HasTree   bool     `json:",omitempty"`
	Resume    []byte   `json:",omitempty"`
	NeedPSKs  [][]byte `json:",omitempty"`
	Gen       int      `json:",omitempty"`
	AD, PT    []byte   `json:",omitempty"`
	MAC       []byte   `json:",omitempty"`
}

func enc(w *fwire) []byte {
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	return b
}

func dec(b []byte, kind string) (*fwire, error) {
	var w fwire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, bad("%s: %v", kind, err)
	}
	if w.Kind != kind {
		return nil, bad("got a %q, want a %q", w.Kind, kind)
	}
	return &w, nil
}

func bad(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

func hash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		binary.Write(h, binary.BigEndian, uint32(len(p)))
		h.Write(p)
	}
	return h.Sum(nil)
}

func nonce() []byte {
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

func (f *fake) add() uint32 {
	id := f.next
	f.next++
	return id
}

func (f *fake) group(id uint32) (*fgroup, error) {
	g, ok := f.groups[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "%s: no group state %d", f.name, id)
	}
	return g, nil
}

func (f *fake) joiner(id uint32) (*fjoiner, error) {
	j, ok := f.joiners[id]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "%s: no transaction %d", f.name, id)
	}
	return j, nil
}

func (g *fgroup) clone() *fgroup {
	n := *g
	n.members = slices.Clone(g.members)
	n.exts = slices.Clone(g.exts)
	n.senders = slices.Clone(g.senders)
	n.history = map[uint64][]byte{}
	for k, v := range g.history {
		n.history[k] = v
	}
	n.pending, n.reinit = nil, nil
	return &n
}

func newGroup(id []byte, suite uint32, epoch uint64, auth []byte, members []string, self string, encrypt bool, psks map[string]bool) *fgroup {
	if psks == nil {
		psks = map[string]bool{}
	}
	return &fgroup{id: id, suite: suite, epoch: epoch, auth: auth, members: members, self: self, encrypt: encrypt,
		psks: psks, history: map[uint64][]byte{epoch: auth}, consumed: map[string]bool{}}
}

func (f *fake) Name(context.Context, *pb.NameRequest) (*pb.NameResponse, error) {
	return &pb.NameResponse{Name: f.name}, nil
}

func (f *fake) SupportedCiphersuites(context.Context, *pb.SupportedCiphersuitesRequest) (*pb.SupportedCiphersuitesResponse, error) {
	return &pb.SupportedCiphersuitesResponse{Ciphersuites: []uint32{1, 2, 3}}, nil
}

func (f *fake) CreateGroup(_ context.Context, req *pb.CreateGroupRequest) (*pb.CreateGroupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(req.GroupId) == 0 || len(req.Identity) == 0 || req.CipherSuite == 0 {
		return nil, bad("CreateGroup: missing fields")
	}
	id := f.add()
	f.groups[id] = newGroup(req.GroupId, req.CipherSuite, 0, hash([]byte("init"), req.GroupId), []string{string(req.Identity)}, string(req.Identity), req.EncryptHandshake, nil)
	return &pb.CreateGroupResponse{StateId: id}, nil
}

func (f *fake) newKeyPackage(identity string, suite uint32) ([]byte, uint32) {
	kp := enc(&fwire{Kind: "kp", Identity: identity, Suite: suite, Nonce: nonce()})
	id := f.add()
	f.joiners[id] = &fjoiner{kp: kp, identity: identity, psks: map[string]bool{}}
	return kp, id
}

func (f *fake) CreateKeyPackage(_ context.Context, req *pb.CreateKeyPackageRequest) (*pb.CreateKeyPackageResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(req.Identity) == 0 || req.CipherSuite == 0 {
		return nil, bad("CreateKeyPackage: missing fields")
	}
	kp, id := f.newKeyPackage(string(req.Identity), req.CipherSuite)
	return &pb.CreateKeyPackageResponse{TransactionId: id, KeyPackage: kp, InitPriv: nonce(), EncryptionPriv: nonce(), SignaturePriv: nonce()}, nil
}

// treeOf checks the tree a joiner was given when the message it joins
// from carries none.
func treeOf(w *fwire, tree []byte) error {
	if w.HasTree {
		if len(tree) != 0 {
			return bad("a ratchet tree was given although the message carries one")
		}
		return nil
	}
	t, err := dec(tree, "tree")
	if err != nil {
		return bad("the message carries no ratchet tree and none was given: %v", err)
	}
	if !slices.Equal(t.Members, w.Members) {
		return bad("ratchet tree of another group state")
	}
	return nil
}

func treeFor(g *fgroup, external bool) []byte {
	if !external {
		return nil
	}
	return enc(&fwire{Kind: "tree", Members: g.members})
}

// welcomeFor checks that welcome w is for the KeyPackage kp and returns
// the joiner's new group.
func welcomeFor(w *fwire, tree []byte, kp []byte, identity string, encrypt bool, psks map[string]bool) (*fgroup, error) {
	if !slices.ContainsFunc(w.KPRefs, func(r []byte) bool { return bytes.Equal(r, hash(kp)) }) {
		return nil, bad("welcome is not for this KeyPackage")
	}
	if err := treeOf(w, tree); err != nil {
		return nil, err
	}
	for _, id := range w.NeedPSKs {
		if !psks[string(id)] {
			return nil, bad("welcome needs PSK %x, which the joiner does not have", id)
		}
	}
	g := newGroup(w.Group, w.Suite, w.Epoch, w.Auth, w.Members, identity, encrypt, psks)
	g.exts, g.senders = w.Exts, w.Senders
	return g, nil
}

func (f *fake) JoinGroup(_ context.Context, req *pb.JoinGroupRequest) (*pb.JoinGroupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, err := f.joiner(req.TransactionId)
	if err != nil {
		return nil, err
	}
	if string(req.Identity) != j.identity {
		return nil, bad("JoinGroup: identity %q, KeyPackage of %q", req.Identity, j.identity)
	}
	w, err := dec(req.Welcome, "welcome")
	if err != nil {
		return nil, err
	}
	g, err := welcomeFor(w, req.RatchetTree, j.kp, j.identity, req.EncryptHandshake, j.psks)
	if err != nil {
		return nil, err
	}
	id := f.add()
	f.groups[id] = g
	auth := g.auth
	if f.badJoin {
		auth = hash(auth)
	}
	return &pb.JoinGroupResponse{StateId: id, EpochAuthenticator: auth}, nil
}

func (f *fake) GroupInfo(_ context.Context, req *pb.GroupInfoRequest) (*pb.GroupInfoResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	gi := enc(&fwire{Kind: "groupinfo", Group: g.id, Suite: g.suite, Epoch: g.epoch, Auth: g.auth, Members: g.members,
		Exts: g.exts, Senders: g.senders, HasTree: !req.ExternalTree})
	return &pb.GroupInfoResponse{GroupInfo: gi, RatchetTree: treeFor(g, req.ExternalTree)}, nil
}

func (f *fake) ExternalJoin(_ context.Context, req *pb.ExternalJoinRequest) (*pb.ExternalJoinResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	gi, err := dec(req.GroupInfo, "groupinfo")
	if err != nil {
		return nil, err
	}
	if err := treeOf(gi, req.RatchetTree); err != nil {
		return nil, err
	}
	psks := map[string]bool{}
	var ids [][]byte
	for _, p := range req.Psks {
		psks[string(p.PskId)] = true
		ids = append(ids, p.PskId)
	}
	g := newGroup(gi.Group, gi.Suite, gi.Epoch, gi.Auth, gi.Members, string(req.Identity), req.EncryptHandshake, psks)
	g.exts, g.senders = gi.Exts, gi.Senders
	commit := enc(&fwire{Kind: "commit", Group: gi.Group, Epoch: gi.Epoch, Sender: string(req.Identity), ExtJoin: true, Prior: req.RemovePrior, PSKs: ids})
	ng, _, err := g.apply(commit, nil)
	if err != nil {
		return nil, err
	}
	id := f.add()
	f.groups[id] = ng
	return &pb.ExternalJoinResponse{StateId: id, Commit: commit, EpochAuthenticator: ng.auth}, nil
}

func (f *fake) StateAuth(_ context.Context, req *pb.StateAuthRequest) (*pb.StateAuthResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	auth := slices.Clone(g.auth)
	if f.badStateAuth {
		auth[0] ^= 1
	}
	return &pb.StateAuthResponse{StateAuthSecret: auth}, nil
}

func (f *fake) Export(_ context.Context, req *pb.ExportRequest) (*pb.ExportResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	out := hash(g.auth, []byte(req.Label), req.Context)
	return &pb.ExportResponse{ExportedSecret: out[:min(len(out), int(req.KeyLength))]}, nil
}

func appMAC(auth []byte, w *fwire) []byte {
	return hash(auth, []byte(w.Sender), fmt.Append(nil, w.Gen), w.AD, w.PT)
}

func (f *fake) Protect(_ context.Context, req *pb.ProtectRequest) (*pb.ProtectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	if g.pending != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "Protect with a commit pending")
	}
	g.gen++
	w := &fwire{Kind: "app", Group: g.id, Epoch: g.epoch, Sender: g.self, Gen: g.gen, AD: req.AuthenticatedData, PT: req.Plaintext}
	w.MAC = appMAC(g.auth, w)
	return &pb.ProtectResponse{Ciphertext: enc(w)}, nil
}

func (f *fake) Unprotect(_ context.Context, req *pb.UnprotectRequest) (*pb.UnprotectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	w, err := dec(req.Ciphertext, "app")
	if err != nil {
		return nil, err
	}
	auth, ok := g.history[w.Epoch]
	if !bytes.Equal(w.Group, g.id) || !ok || !bytes.Equal(w.MAC, appMAC(auth, w)) {
		return nil, bad("Unprotect: message of another group or epoch, or forged")
	}
	if w.Sender == g.self {
		return nil, bad("Unprotect: %s unprotects its own message", g.self)
	}
	key := fmt.Sprint(w.Epoch, w.Sender, w.Gen)
	if g.consumed[key] {
		return nil, bad("Unprotect: message unprotected twice")
	}
	g.consumed[key] = true
	pt := w.PT
	if f.badUnprotect {
		pt = append(slices.Clone(pt), '!')
	}
	return &pb.UnprotectResponse{AuthenticatedData: w.AD, Plaintext: pt}, nil
}

func (f *fake) StorePSK(_ context.Context, req *pb.StorePSKRequest) (*pb.StorePSKResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.groups[req.StateOrTransactionId]; ok {
		g.psks[string(req.PskId)] = true
	} else if j, ok := f.joiners[req.StateOrTransactionId]; ok {
		j.psks[string(req.PskId)] = true
	} else {
		return nil, status.Errorf(codes.NotFound, "StorePSK: no state or transaction %d", req.StateOrTransactionId)
	}
	return &pb.StorePSKResponse{}, nil
}

// proposal makes a proposal of the state's member.
func (f *fake) proposal(stateID uint32, w *fwire) (*pb.ProposalResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(stateID)
	if err != nil {
		return nil, err
	}
	w.Kind, w.Group, w.Epoch, w.Sender, w.Encrypted = "proposal", g.id, g.epoch, g.self, g.encrypt
	if err := g.checkProposal(w); err != nil {
		return nil, err
	}
	return &pb.ProposalResponse{Proposal: enc(w)}, nil
}

func (f *fake) AddProposal(_ context.Context, req *pb.AddProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "add", KP: req.KeyPackage})
}

func (f *fake) UpdateProposal(_ context.Context, req *pb.UpdateProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "update", Nonce: nonce()})
}

func (f *fake) RemoveProposal(_ context.Context, req *pb.RemoveProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "remove", Removed: string(req.RemovedId)})
}

func (f *fake) ExternalPSKProposal(_ context.Context, req *pb.ExternalPSKProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "psk", PSKID: req.PskId})
}

func (f *fake) ResumptionPSKProposal(_ context.Context, req *pb.ResumptionPSKProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "resumption", ResEpoch: req.EpochId})
}

func toExtensions(list []*pb.Extension) []extension {
	out := []extension{}
	for _, e := range list {
		out = append(out, extension{ExtensionType: e.ExtensionType, ExtensionData: e.ExtensionData})
	}
	return out
}

func (f *fake) GroupContextExtensionsProposal(_ context.Context, req *pb.GroupContextExtensionsProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "gce", Exts: toExtensions(req.Extensions)})
}

func (f *fake) ReInitProposal(_ context.Context, req *pb.ReInitProposalRequest) (*pb.ProposalResponse, error) {
	return f.proposal(req.StateId, &fwire{Type: "reinit", ReGroup: req.GroupId, Suite: req.CipherSuite, Exts: toExtensions(req.Extensions)})
}

func (f *fake) AddExternalSigner(_ context.Context, req *pb.AddExternalSignerRequest) (*pb.ProposalResponse, error) {
	if _, err := dec(req.ExternalSender, "sender"); err != nil {
		return nil, err
	}
	return f.proposal(req.StateId, &fwire{Type: "gce", AddSender: req.ExternalSender})
}

// describe turns a ProposalDescription into a proposal body.
func describe(d *pb.ProposalDescription) (*fwire, error) {
	if d == nil {
		return nil, bad("missing description")
	}
	switch string(d.ProposalType) {
	case "add":
		return &fwire{Type: "add", KP: d.KeyPackage}, nil
	case "remove":
		return &fwire{Type: "remove", Removed: string(d.RemovedId)}, nil
	case "externalPSK":
		return &fwire{Type: "psk", PSKID: d.PskId}, nil
	case "resumptionPSK":
		return &fwire{Type: "resumption", ResEpoch: d.EpochId}, nil
	case "groupContextExtensions":
		return &fwire{Type: "gce", Exts: toExtensions(d.Extensions)}, nil
	case "reinit":
		return &fwire{Type: "reinit", ReGroup: d.GroupId, Suite: d.CipherSuite, Exts: toExtensions(d.Extensions)}, nil
	}
	return nil, bad("unknown proposal type %q", d.ProposalType)
}

// checkProposal checks a proposal against the group it is for.
func (g *fgroup) checkProposal(p *fwire) error {
	if !bytes.Equal(p.Group, g.id) || p.Epoch != g.epoch {
		return bad("proposal of another group or epoch")
	}
	switch {
	case p.External != nil:
		if !slices.ContainsFunc(g.senders, func(s []byte) bool { return bytes.Equal(s, p.External) }) {
			return bad("external proposal by a signer the group does not list")
		}
	case p.NewMember:
	default:
		if p.Encrypted != g.encrypt {
			return bad("proposal sent with encrypt_handshake=%v to a member with %v", p.Encrypted, g.encrypt)
		}
	}
	switch p.Type {
	case "add":
		kp, err := dec(p.KP, "kp")
		if err != nil {
			return err
		}
		if kp.Suite != g.suite {
			return bad("KeyPackage of suite %d for a group of suite %d", kp.Suite, g.suite)
		}
	case "remove":
		if !slices.Contains(g.members, p.Removed) {
			return bad("remove of %q, not a member", p.Removed)
		}
	case "psk":
		if !g.psks[string(p.PSKID)] {
			return bad("%s does not have PSK %x", g.self, p.PSKID)
		}
	case "resumption":
		if _, ok := g.history[p.ResEpoch]; !ok {
			return bad("resumption PSK of epoch %d, which %s did not see", p.ResEpoch, g.self)
		}
	}
	return nil
}

// apply returns the state after commit, and the KeyPackages it adds.
// proposals holds the proposals the commit may refer to.
func (g *fgroup) apply(commit []byte, proposals [][]byte) (*fgroup, [][]byte, error) {
	c, err := dec(commit, "commit")
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(c.Group, g.id) || c.Epoch != g.epoch {
		return nil, nil, bad("commit of another group or epoch (epoch %d, member at %d)", c.Epoch, g.epoch)
	}
	if !c.ExtJoin && c.Encrypted != g.encrypt {
		return nil, nil, bad("commit sent with encrypt_handshake=%v to a member with %v", c.Encrypted, g.encrypt)
	}
	var list [][]byte
	for _, ref := range c.Refs {
		i := slices.IndexFunc(proposals, func(p []byte) bool { return bytes.Equal(hash(p), ref) })
		if i < 0 {
			return nil, nil, bad("commit refers to a proposal %s was not given", g.self)
		}
		list = append(list, proposals[i])
	}
	list = append(list, c.Values...)
	ng := g.clone()
	var added [][]byte
	for _, b := range list {
		p, err := dec(b, "proposal")
		if err != nil {
			return nil, nil, err
		}
		if err := g.checkProposal(p); err != nil {
			return nil, nil, err
		}
		switch p.Type {
		case "add":
			kp, _ := dec(p.KP, "kp")
			ng.members = append(ng.members, kp.Identity)
			added = append(added, hash(p.KP))
		case "remove":
			ng.members = slices.DeleteFunc(ng.members, func(m string) bool { return m == p.Removed })
		case "gce":
			if p.AddSender != nil {
				ng.senders = append(ng.senders, p.AddSender)
			} else {
				ng.exts = p.Exts
			}
		case "reinit":
			ng.reinit = p
		}
	}
	if c.ExtJoin {
		for _, id := range c.PSKs {
			if !g.psks[string(id)] {
				return nil, nil, bad("external commit injects PSK %x, which %s does not have", id, g.self)
			}
		}
		if c.Prior {
			if !slices.Contains(ng.members, c.Sender) {
				return nil, nil, bad("external commit removes a prior %q that is not a member", c.Sender)
			}
			ng.members = slices.DeleteFunc(ng.members, func(m string) bool { return m == c.Sender })
		}
		ng.members = append(ng.members, c.Sender)
	}
	ng.epoch++
	ng.auth = hash(g.auth, commit)
	ng.history[ng.epoch] = ng.auth
	return ng, added, nil
}

// commit makes a commit of the state's member and keeps it pending.
func (f *fake) commit(req *pb.CommitRequest) (*pb.CommitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	c := &fwire{Kind: "commit", Group: g.id, Epoch: g.epoch, Sender: g.self, Encrypted: g.encrypt}
	var psks [][]byte
	for _, p := range req.ByReference {
		c.Refs = append(c.Refs, hash(p))
		if w, err := dec(p, "proposal"); err == nil && w.Type == "psk" {
			psks = append(psks, w.PSKID)
		}
	}
	for _, d := range req.ByValue {
		w, err := describe(d)
		if err != nil {
			return nil, err
		}
		if w.Type == "reinit" {
			return nil, bad("ReInit by value")
		}
		w.Kind, w.Group, w.Epoch, w.Sender, w.Encrypted = "proposal", g.id, g.epoch, g.self, g.encrypt
		if w.Type == "psk" {
			psks = append(psks, w.PSKID)
		}
		c.Values = append(c.Values, enc(w))
	}
	commit := enc(c)
	ng, added, err := g.apply(commit, req.ByReference)
	if err != nil {
		return nil, err
	}
	g.pending = ng
	resp := &pb.CommitResponse{Commit: commit}
	if len(added) > 0 {
		resp.Welcome = enc(&fwire{Kind: "welcome", Group: ng.id, Suite: ng.suite, Epoch: ng.epoch, Auth: ng.auth, Members: ng.members,
			Exts: ng.exts, Senders: ng.senders, KPRefs: added, HasTree: !req.ExternalTree, NeedPSKs: psks})
		resp.RatchetTree = treeFor(ng, req.ExternalTree)
	}
	return resp, nil
}

func (f *fake) Commit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	return f.commit(req)
}

func (f *fake) ReInitCommit(_ context.Context, req *pb.CommitRequest) (*pb.CommitResponse, error) {
	return f.commit(req)
}

// merge moves a state to its pending commit.
func (f *fake) merge(stateID uint32) (*fgroup, error) {
	g, err := f.group(stateID)
	if err != nil {
		return nil, err
	}
	if g.pending == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "no pending commit")
	}
	ng := g.pending
	ng.consumed = g.consumed
	f.groups[stateID] = ng
	return ng, nil
}

func (f *fake) HandlePendingCommit(_ context.Context, req *pb.HandlePendingCommitRequest) (*pb.HandleCommitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ng, err := f.merge(req.StateId)
	if err != nil {
		return nil, err
	}
	return &pb.HandleCommitResponse{StateId: req.StateId, EpochAuthenticator: ng.auth}, nil
}

// handle processes another member's commit.
func (f *fake) handle(req *pb.HandleCommitRequest) (*fgroup, error) {
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	ng, _, err := g.apply(req.Commit, req.Proposal)
	if err != nil {
		return nil, err
	}
	ng.consumed = g.consumed
	f.groups[req.StateId] = ng
	return ng, nil
}

func (f *fake) HandleCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleCommitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ng, err := f.handle(req)
	if err != nil {
		return nil, err
	}
	return &pb.HandleCommitResponse{StateId: req.StateId, EpochAuthenticator: ng.auth}, nil
}

// reinitFrom files the member's side of a ReInit commit it merged.
func (f *fake) reinitFrom(ng *fgroup) (*pb.HandleReInitCommitResponse, error) {
	if ng.reinit == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "the commit has no ReInit proposal")
	}
	kp := enc(&fwire{Kind: "kp", Identity: ng.self, Suite: ng.reinit.Suite, Nonce: nonce()})
	id := f.add()
	f.reinits[id] = &freinit{oldAuth: ng.auth, proposal: ng.reinit, identity: ng.self, kp: kp, encrypt: ng.encrypt}
	return &pb.HandleReInitCommitResponse{ReinitId: id, KeyPackage: kp, EpochAuthenticator: ng.auth}, nil
}

func (f *fake) HandlePendingReInitCommit(_ context.Context, req *pb.HandlePendingCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ng, err := f.merge(req.StateId)
	if err != nil {
		return nil, err
	}
	return f.reinitFrom(ng)
}

func (f *fake) HandleReInitCommit(_ context.Context, req *pb.HandleCommitRequest) (*pb.HandleReInitCommitResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ng, err := f.handle(req)
	if err != nil {
		return nil, err
	}
	return f.reinitFrom(ng)
}

// subgroup creates a new group of creator with the members of keyPackages,
// linked to the old group by resume, and its Welcome.
func (f *fake) subgroup(groupID []byte, suite uint32, exts []extension, resume []byte, creator string, encrypt bool, keyPackages [][]byte, external bool) (*pb.CreateSubgroupResponse, error) {
	members := []string{creator}
	var refs [][]byte
	for _, b := range keyPackages {
		kp, err := dec(b, "kp")
		if err != nil {
			return nil, err
		}
		if kp.Suite != suite {
			return nil, bad("KeyPackage of suite %d for a group of suite %d", kp.Suite, suite)
		}
		members = append(members, kp.Identity)
		refs = append(refs, hash(b))
	}
	g := newGroup(groupID, suite, 1, hash([]byte("resume"), resume, groupID), members, creator, encrypt, nil)
	g.exts = exts
	id := f.add()
	f.groups[id] = g
	welcome := enc(&fwire{Kind: "welcome", Group: g.id, Suite: suite, Epoch: g.epoch, Auth: g.auth, Members: members, Exts: exts, KPRefs: refs, HasTree: !external, Resume: resume})
	return &pb.CreateSubgroupResponse{StateId: id, Welcome: welcome, RatchetTree: treeFor(g, external), EpochAuthenticator: g.auth}, nil
}

func (f *fake) ReInitWelcome(_ context.Context, req *pb.ReInitWelcomeRequest) (*pb.CreateSubgroupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ri, ok := f.reinits[req.ReinitId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no reinit %d", req.ReinitId)
	}
	p := ri.proposal
	return f.subgroup(p.ReGroup, p.Suite, p.Exts, ri.oldAuth, ri.identity, ri.encrypt, req.KeyPackage, req.ExternalTree)
}

func (f *fake) HandleReInitWelcome(_ context.Context, req *pb.HandleReInitWelcomeRequest) (*pb.JoinGroupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ri, ok := f.reinits[req.ReinitId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no reinit %d", req.ReinitId)
	}
	w, err := dec(req.Welcome, "welcome")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(w.Resume, ri.oldAuth) || !bytes.Equal(w.Group, ri.proposal.ReGroup) || w.Suite != ri.proposal.Suite {
		return nil, bad("welcome is not of the reinitialized group")
	}
	g, err := welcomeFor(w, req.RatchetTree, ri.kp, ri.identity, ri.encrypt, nil)
	if err != nil {
		return nil, err
	}
	id := f.add()
	f.groups[id] = g
	return &pb.JoinGroupResponse{StateId: id, EpochAuthenticator: g.auth}, nil
}

func (f *fake) CreateBranch(_ context.Context, req *pb.CreateBranchRequest) (*pb.CreateSubgroupResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	return f.subgroup(req.GroupId, g.suite, toExtensions(req.Extensions), g.auth, g.self, g.encrypt, req.KeyPackages, req.ExternalTree)
}

func (f *fake) HandleBranch(_ context.Context, req *pb.HandleBranchRequest) (*pb.HandleBranchResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.group(req.StateId)
	if err != nil {
		return nil, err
	}
	j, err := f.joiner(req.TransactionId)
	if err != nil {
		return nil, err
	}
	w, err := dec(req.Welcome, "welcome")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(w.Resume, g.auth) {
		return nil, bad("welcome is not of a branch of this group state")
	}
	ng, err := welcomeFor(w, req.RatchetTree, j.kp, j.identity, g.encrypt, nil)
	if err != nil {
		return nil, err
	}
	id := f.add()
	f.groups[id] = ng
	return &pb.HandleBranchResponse{StateId: id, EpochAuthenticator: ng.auth}, nil
}

func (f *fake) NewMemberAddProposal(_ context.Context, req *pb.NewMemberAddProposalRequest) (*pb.NewMemberAddProposalResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	gi, err := dec(req.GroupInfo, "groupinfo")
	if err != nil {
		return nil, err
	}
	kp, id := f.newKeyPackage(string(req.Identity), gi.Suite)
	p := enc(&fwire{Kind: "proposal", Type: "add", Group: gi.Group, Epoch: gi.Epoch, Sender: string(req.Identity), NewMember: true, KP: kp})
	return &pb.NewMemberAddProposalResponse{TransactionId: id, Proposal: p, InitPriv: nonce(), EncryptionPriv: nonce(), SignaturePriv: nonce()}, nil
}

func (f *fake) CreateExternalSigner(_ context.Context, req *pb.CreateExternalSignerRequest) (*pb.CreateExternalSignerResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sender := enc(&fwire{Kind: "sender", Identity: string(req.Identity), Suite: req.CipherSuite, Nonce: nonce()})
	id := f.add()
	f.signers[id] = sender
	return &pb.CreateExternalSignerResponse{SignerId: id, ExternalSender: sender}, nil
}

func (f *fake) ExternalSignerProposal(_ context.Context, req *pb.ExternalSignerProposalRequest) (*pb.ProposalResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sender, ok := f.signers[req.SignerId]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no signer %d", req.SignerId)
	}
	gi, err := dec(req.GroupInfo, "groupinfo")
	if err != nil {
		return nil, err
	}
	if err := treeOf(gi, req.RatchetTree); err != nil {
		return nil, err
	}
	w, err := describe(req.Description)
	if err != nil {
		return nil, err
	}
	w.Kind, w.Group, w.Epoch, w.External = "proposal", gi.Group, gi.Epoch, sender
	return &pb.ProposalResponse{Proposal: enc(w)}, nil
}

func (f *fake) Free(_ context.Context, req *pb.FreeRequest) (*pb.FreeResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.StateId
	_, g := f.groups[id]
	_, j := f.joiners[id]
	_, r := f.reinits[id]
	_, s := f.signers[id]
	if !g && !j && !r && !s {
		return nil, status.Errorf(codes.NotFound, "Free: no handle %d", id)
	}
	delete(f.groups, id)
	delete(f.joiners, id)
	delete(f.reinits, id)
	delete(f.signers, id)
	return &pb.FreeResponse{}, nil
}

// handles counts what the fake holds.
func (f *fake) handles() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.groups) + len(f.joiners) + len(f.reinits) + len(f.signers)
}
