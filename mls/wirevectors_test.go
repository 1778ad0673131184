package mls

import (
	"fmt"
	"testing"
)

// The tests in this file decode every wire structure that the other
// vector files of testdata/ hold and that needs no keys to read, and
// require that each re-encodes to the same bytes. They count both the cases
// of each file and the structures checked, and fail if any case of the file
// did not run.

// wireFileCheck accumulates the results for one vector file.
type wireFileCheck struct {
	t          *testing.T
	file       string
	cases      int // cases in which every structure passed
	structures int // structures that passed
	failed     bool
}

func (c *wireFileCheck) check(where string, k wireKind, data []byte) {
	c.t.Helper()
	if checkWireRoundTrip(c.t, c.file+": "+where, k, data) {
		c.structures++
	} else {
		c.failed = true
	}
}

// endCase closes one case of the file.
func (c *wireFileCheck) endCase() {
	if !c.failed {
		c.cases++
	}
	c.failed = false
}

// done requires that all want cases passed and exactly wantStructures
// structures were checked, and logs the counts.
func (c *wireFileCheck) done(want, wantStructures int) {
	c.t.Helper()
	requireCount(c.t, c.file, c.cases, want)
	requireCount(c.t, c.file+" structures", c.structures, wantStructures)
}

func TestWelcomeVectorsWire(t *testing.T) {
	var cases []struct {
		KeyPackage hexBytes `json:"key_package"`
		Welcome    hexBytes `json:"welcome"`
	}
	loadVectors(t, "welcome.json", &cases)
	c := &wireFileCheck{t: t, file: "welcome.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: key_package", i), wireMessageKind(WireFormatKeyPackage, 0), v.KeyPackage)
		c.check(fmt.Sprintf("case %d: welcome", i), wireMessageKind(WireFormatWelcome, 0), v.Welcome)
		c.endCase()
	}
	c.done(7, 14)
}

type passiveClientVector struct {
	KeyPackage  hexBytes  `json:"key_package"`
	Welcome     hexBytes  `json:"welcome"`
	RatchetTree *hexBytes `json:"ratchet_tree"`
	Epochs      []struct {
		Proposals []hexBytes `json:"proposals"`
		Commit    hexBytes   `json:"commit"`
	} `json:"epochs"`
}

func checkPassiveClientFile(t *testing.T, file string, wantCases, wantStructures int) {
	var cases []passiveClientVector
	loadVectors(t, file, &cases)
	c := &wireFileCheck{t: t, file: file}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: key_package", i), wireMessageKind(WireFormatKeyPackage, 0), v.KeyPackage)
		c.check(fmt.Sprintf("case %d: welcome", i), wireMessageKind(WireFormatWelcome, 0), v.Welcome)
		if v.RatchetTree != nil {
			c.check(fmt.Sprintf("case %d: ratchet_tree", i), wireKindRatchetTree, *v.RatchetTree)
		}
		for j, e := range v.Epochs {
			for k, p := range e.Proposals {
				c.check(fmt.Sprintf("case %d: epoch %d: proposal %d", i, j, k), wireKindMLSMessage, p)
			}
			c.check(fmt.Sprintf("case %d: epoch %d: commit", i, j), wireKindMLSMessage, e.Commit)
		}
		c.endCase()
	}
	c.done(wantCases, wantStructures)
}

func TestPassiveClientWelcomeVectorsWire(t *testing.T) {
	checkPassiveClientFile(t, "passive-client-welcome.json", 56, 140)
}

func TestPassiveClientHandlingCommitVectorsWire(t *testing.T) {
	checkPassiveClientFile(t, "passive-client-handling-commit.json", 91, 448)
}

func TestTreeOperationsVectorsWire(t *testing.T) {
	var cases []struct {
		TreeBefore hexBytes `json:"tree_before"`
		Proposal   hexBytes `json:"proposal"`
		TreeAfter  hexBytes `json:"tree_after"`
	}
	loadVectors(t, "tree-operations.json", &cases)
	c := &wireFileCheck{t: t, file: "tree-operations.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: tree_before", i), wireKindRatchetTree, v.TreeBefore)
		c.check(fmt.Sprintf("case %d: proposal", i), wireKindProposal, v.Proposal)
		c.check(fmt.Sprintf("case %d: tree_after", i), wireKindRatchetTree, v.TreeAfter)
		c.endCase()
	}
	c.done(5, 15)
}

func TestTreeValidationVectorsWire(t *testing.T) {
	var cases []struct {
		Tree hexBytes `json:"tree"`
	}
	loadVectors(t, "tree-validation.json", &cases)
	c := &wireFileCheck{t: t, file: "tree-validation.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: tree", i), wireKindRatchetTree, v.Tree)
		c.endCase()
	}
	c.done(98, 98)
}

func TestTreeKEMVectorsWire(t *testing.T) {
	var cases []struct {
		RatchetTree hexBytes `json:"ratchet_tree"`
		UpdatePaths []struct {
			UpdatePath hexBytes `json:"update_path"`
		} `json:"update_paths"`
	}
	loadVectors(t, "treekem.json", &cases)
	c := &wireFileCheck{t: t, file: "treekem.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: ratchet_tree", i), wireKindRatchetTree, v.RatchetTree)
		for j, u := range v.UpdatePaths {
			c.check(fmt.Sprintf("case %d: update_paths[%d]", i, j), wireKindUpdatePath, u.UpdatePath)
		}
		c.endCase()
	}
	c.done(77, 511)
}

func TestTranscriptHashesVectorsWire(t *testing.T) {
	var cases []struct {
		AuthenticatedContent hexBytes `json:"authenticated_content"`
	}
	loadVectors(t, "transcript-hashes.json", &cases)
	c := &wireFileCheck{t: t, file: "transcript-hashes.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: authenticated_content", i), wireKindAuthenticatedContent, v.AuthenticatedContent)
		c.endCase()
	}
	c.done(7, 7)
}

func TestMessageProtectionVectorsWire(t *testing.T) {
	var cases []struct {
		Proposal        hexBytes `json:"proposal"`
		ProposalPub     hexBytes `json:"proposal_pub"`
		ProposalPriv    hexBytes `json:"proposal_priv"`
		Commit          hexBytes `json:"commit"`
		CommitPub       hexBytes `json:"commit_pub"`
		CommitPriv      hexBytes `json:"commit_priv"`
		ApplicationPriv hexBytes `json:"application_priv"`
	}
	loadVectors(t, "message-protection.json", &cases)
	c := &wireFileCheck{t: t, file: "message-protection.json"}
	for i, v := range cases {
		c.check(fmt.Sprintf("case %d: proposal", i), wireKindProposal, v.Proposal)
		c.check(fmt.Sprintf("case %d: proposal_pub", i), wireMessageKind(WireFormatPublicMessage, ContentTypeProposal), v.ProposalPub)
		c.check(fmt.Sprintf("case %d: proposal_priv", i), wireMessageKind(WireFormatPrivateMessage, 0), v.ProposalPriv)
		c.check(fmt.Sprintf("case %d: commit", i), wireKindCommit, v.Commit)
		c.check(fmt.Sprintf("case %d: commit_pub", i), wireMessageKind(WireFormatPublicMessage, ContentTypeCommit), v.CommitPub)
		c.check(fmt.Sprintf("case %d: commit_priv", i), wireMessageKind(WireFormatPrivateMessage, 0), v.CommitPriv)
		c.check(fmt.Sprintf("case %d: application_priv", i), wireMessageKind(WireFormatPrivateMessage, 0), v.ApplicationPriv)
		c.endCase()
	}
	c.done(7, 49)
}

func TestKeyScheduleVectorsWire(t *testing.T) {
	var cases []struct {
		Epochs []struct {
			GroupContext hexBytes `json:"group_context"`
		} `json:"epochs"`
	}
	loadVectors(t, "key-schedule.json", &cases)
	c := &wireFileCheck{t: t, file: "key-schedule.json"}
	for i, v := range cases {
		for j, e := range v.Epochs {
			c.check(fmt.Sprintf("case %d: epoch %d: group_context", i, j), wireKindGroupContext, e.GroupContext)
		}
		c.endCase()
	}
	c.done(7, 35)
}
