package runner

import "slices"

// The values each action takes, with the JSON keys the official runner
// reads. Two of its spellings differ from what some configs write, and
// matter:
//
//   - fullCommit and commit read "force_path" and "external_tree", reinit
//     reads "forcePath" and "externalTree", and branch reads "force_path"
//     and "external_tree": branch.json writes "forcePath" and "externalTree",
//     which the official runner therefore ignores, and so does this one.
//   - reinit.json writes "changeCiphersuite"; encoding/json matches it to
//     "changeCipherSuite" because it ignores case.

// noParams are the values of createKeyPackage, updateProposal and
// handlePendingCommit: none besides the actor.
type noParams struct{}

type createGroupParams struct {
	Members []string `json:"members"`
}

type joinGroupParams struct {
	Welcome int `json:"welcome"`
}

type externalJoinParams struct {
	Joiner       string   `json:"joiner"`
	Members      []string `json:"members"`
	ExternalTree bool     `json:"externalTree"`
	RemovePrior  bool     `json:"removePrior"`
	PSKs         []int    `json:"psks"`
}

type installExternalPSKParams struct {
	Clients []string `json:"clients"`
}

type groupInfoParams struct {
	ExternalTree bool `json:"externalTree"`
}

type addProposalParams struct {
	KeyPackage int `json:"keyPackage"`
}

type removeProposalParams struct {
	Removed string `json:"removed"`
}

type externalPSKProposalParams struct {
	PSKID int `json:"pskID"`
}

type resumptionPSKProposalParams struct {
	EpochID int `json:"epochID"`
}

type groupContextExtensionsProposalParams struct {
	Extensions []extension `json:"extensions"`
}

// extension is an entry of an extensions list; extension_data is base64,
// as encoding/json decodes a []byte.
type extension struct {
	ExtensionType uint32 `json:"extension_type"`
	ExtensionData []byte `json:"extension_data"`
}

// proposalDescription describes a proposal by value (fullCommit, commit)
// or one an external signer makes.
type proposalDescription struct {
	ProposalType      string      `json:"proposalType"`
	KeyPackage        int         `json:"keyPackage"`
	Removed           string      `json:"removed"`
	PSKID             int         `json:"pskID"`
	EpochID           int         `json:"epochID"`
	Extensions        []extension `json:"extensions"`
	ChangeGroupID     bool        `json:"changeGroupID"`
	ChangeCipherSuite bool        `json:"changeCipherSuite"`
}

type fullCommitParams struct {
	ByReference  []int                 `json:"byReference"`
	ByValue      []proposalDescription `json:"byValue"`
	Members      []string              `json:"members"`
	Joiners      []string              `json:"joiners"`
	ForcePath    bool                  `json:"force_path"`
	ExternalTree bool                  `json:"external_tree"`
}

type commitParams struct {
	ByReference  []int                 `json:"byReference"`
	ByValue      []proposalDescription `json:"byValue"`
	ForcePath    bool                  `json:"force_path"`
	ExternalTree bool                  `json:"external_tree"`
}

type handleCommitParams struct {
	Commit      int   `json:"commit"`
	ByReference []int `json:"byReference"`
}

type protectParams struct {
	AuthenticatedData string `json:"authenticatedData"`
	Plaintext         string `json:"plaintext"`
}

type unprotectParams struct {
	Ciphertext int `json:"ciphertext"`
}

type reinitParams struct {
	Proposer               string      `json:"proposer"`
	Committer              string      `json:"committer"`
	Welcomer               string      `json:"welcomer"`
	Members                []string    `json:"members"`
	ChangeCipherSuite      bool        `json:"changeCipherSuite"`
	ChangeGroupID          bool        `json:"changeGroupID"`
	Extensions             []extension `json:"extensions"`
	ForcePath              bool        `json:"forcePath"`
	ExternalTree           bool        `json:"externalTree"`
	ExternalReinitProposal int         `json:"externalReinitProposal"`
}

type branchParams struct {
	Members      []string    `json:"members"`
	ForcePath    bool        `json:"force_path"`
	ExternalTree bool        `json:"external_tree"`
	Extensions   []extension `json:"extensions"`
}

type newMemberAddProposalParams struct {
	Joiner string `json:"joiner"`
}

type addExternalSignerParams struct {
	Signer string `json:"signer"`
}

type externalSignerProposalParams struct {
	Member      string              `json:"member"`
	Description proposalDescription `json:"description"`
}

// paramsOf makes the values of each action.
var paramsOf = map[Action]func() any{
	ActionCreateGroup:                    func() any { return new(createGroupParams) },
	ActionCreateKeyPackage:               func() any { return new(noParams) },
	ActionJoinGroup:                      func() any { return new(joinGroupParams) },
	ActionExternalJoin:                   func() any { return new(externalJoinParams) },
	ActionInstallExternalPSK:             func() any { return new(installExternalPSKParams) },
	ActionGroupInfo:                      func() any { return new(groupInfoParams) },
	ActionAddProposal:                    func() any { return new(addProposalParams) },
	ActionUpdateProposal:                 func() any { return new(noParams) },
	ActionRemoveProposal:                 func() any { return new(removeProposalParams) },
	ActionExternalPSKProposal:            func() any { return new(externalPSKProposalParams) },
	ActionResumptionPSKProposal:          func() any { return new(resumptionPSKProposalParams) },
	ActionGroupContextExtensionsProposal: func() any { return new(groupContextExtensionsProposalParams) },
	ActionFullCommit:                     func() any { return new(fullCommitParams) },
	ActionCommit:                         func() any { return new(commitParams) },
	ActionHandleCommit:                   func() any { return new(handleCommitParams) },
	ActionHandlePendingCommit:            func() any { return new(noParams) },
	ActionProtect:                        func() any { return new(protectParams) },
	ActionUnprotect:                      func() any { return new(unprotectParams) },
	ActionReInit:                         func() any { return new(reinitParams) },
	ActionBranch:                         func() any { return new(branchParams) },
	ActionNewMemberAddProposal:           func() any { return new(newMemberAddProposalParams) },
	ActionAddExternalSigner:              func() any { return new(addExternalSignerParams) },
	ActionExternalSignerProposal:         func() any { return new(externalSignerProposalParams) },
}

// refsOf lists the step indices a step's values point at.
func refsOf(params any) []int {
	switch p := params.(type) {
	case *joinGroupParams:
		return []int{p.Welcome}
	case *externalJoinParams:
		return p.PSKs
	case *addProposalParams:
		return []int{p.KeyPackage}
	case *externalPSKProposalParams:
		return []int{p.PSKID}
	case *fullCommitParams:
		return append(slices.Clone(p.ByReference), descriptionRefs(p.ByValue...)...)
	case *commitParams:
		return append(slices.Clone(p.ByReference), descriptionRefs(p.ByValue...)...)
	case *handleCommitParams:
		return append([]int{p.Commit}, p.ByReference...)
	case *unprotectParams:
		return []int{p.Ciphertext}
	case *reinitParams:
		if p.Proposer == "" {
			return []int{p.ExternalReinitProposal}
		}
	case *externalSignerProposalParams:
		return descriptionRefs(p.Description)
	}
	return nil
}

// descriptionRefs lists the steps proposal descriptions point at: the
// KeyPackage of an add, the PSK of an externalPSK. (A resumptionPSK's
// epochID is an epoch, not a step.)
func descriptionRefs(ds ...proposalDescription) []int {
	var out []int
	for _, d := range ds {
		switch d.ProposalType {
		case "add":
			out = append(out, d.KeyPackage)
		case "externalPSK":
			out = append(out, d.PSKID)
		}
	}
	return out
}
