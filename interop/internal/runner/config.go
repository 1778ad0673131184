package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Action is a step's action, as named in test-config.md and the official
// runner.
type Action string

// The actions of the official runner.
const (
	ActionCreateGroup                    Action = "createGroup"
	ActionCreateKeyPackage               Action = "createKeyPackage"
	ActionJoinGroup                      Action = "joinGroup"
	ActionExternalJoin                   Action = "externalJoin"
	ActionInstallExternalPSK             Action = "installExternalPSK"
	ActionGroupInfo                      Action = "groupInfo"
	ActionAddProposal                    Action = "addProposal"
	ActionUpdateProposal                 Action = "updateProposal"
	ActionRemoveProposal                 Action = "removeProposal"
	ActionExternalPSKProposal            Action = "externalPSKProposal"
	ActionResumptionPSKProposal          Action = "resumptionPSKProposal"
	ActionGroupContextExtensionsProposal Action = "groupContextExtensionsProposal"
	ActionFullCommit                     Action = "fullCommit"
	ActionCommit                         Action = "commit"
	ActionHandleCommit                   Action = "handleCommit"
	ActionHandlePendingCommit            Action = "handlePendingCommit"
	ActionProtect                        Action = "protect"
	ActionUnprotect                      Action = "unprotect"
	ActionReInit                         Action = "reinit"
	ActionBranch                         Action = "branch"
	ActionNewMemberAddProposal           Action = "newMemberAddProposal"
	ActionAddExternalSigner              Action = "addExternalSigner"
	ActionExternalSignerProposal         Action = "externalSignerProposal"
)

// ErrConfig is wrapped by every error ParseConfig returns.
var ErrConfig = errors.New("runner: bad config")

// maxSteps bounds a script: the official configs have at most 17 steps.
const maxSteps = 1 << 12

// Config is a parsed config file: its scripts, sorted by name.
type Config struct {
	Scripts []*Script
}

// Script is one named scenario.
type Script struct {
	Name  string
	Steps []*Step
}

// Step is one action of a script.
type Step struct {
	Index  int // position in the script: what other steps refer to it by
	Action Action
	Actor  string // empty for installExternalPSK and reinit
	params any    // the action's *...Params
	raw    []byte
}

// String shows the step as the config wrote it.
func (s *Step) String() string {
	var b bytes.Buffer
	if json.Compact(&b, s.raw) != nil {
		return string(s.raw)
	}
	return b.String()
}

// ParseConfig parses a config file. It checks what can be checked before a
// run: every action is known, every step decodes as its action's values,
// and every step a value points at comes earlier in the script. Like the
// official runner (Go's encoding/json), it matches keys to fields without
// regard to case and ignores keys it does not know.
func ParseConfig(data []byte) (*Config, error) {
	var file struct {
		Mode    string                       `json:"mode"`
		Scripts map[string][]json.RawMessage `json:"scripts"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if len(file.Scripts) == 0 {
		return nil, fmt.Errorf("%w: no scripts", ErrConfig)
	}
	cfg := &Config{}
	for name, steps := range file.Scripts {
		s, err := parseScript(name, steps)
		if err != nil {
			return nil, err
		}
		cfg.Scripts = append(cfg.Scripts, s)
	}
	sort.Slice(cfg.Scripts, func(i, j int) bool { return cfg.Scripts[i].Name < cfg.Scripts[j].Name })
	return cfg, nil
}

func parseScript(name string, raws []json.RawMessage) (*Script, error) {
	if len(raws) == 0 {
		return nil, fmt.Errorf("%w: script %q: no steps", ErrConfig, name)
	}
	if len(raws) > maxSteps {
		return nil, fmt.Errorf("%w: script %q: %d steps, more than %d", ErrConfig, name, len(raws), maxSteps)
	}
	s := &Script{Name: name}
	for i, raw := range raws {
		step, err := parseStep(i, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: script %q: step %d: %v", ErrConfig, name, i, err)
		}
		s.Steps = append(s.Steps, step)
	}
	return s, nil
}

func parseStep(index int, raw json.RawMessage) (*Step, error) {
	var head struct {
		Action *string `json:"action"`
		Actor  *string `json:"actor"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	if head.Action == nil {
		return nil, errors.New("missing action")
	}
	step := &Step{Index: index, Action: Action(*head.Action), raw: slices.Clone(raw)}
	if head.Actor != nil {
		step.Actor = *head.Actor
	}
	newParams, ok := paramsOf[step.Action]
	if !ok {
		return nil, fmt.Errorf("unknown action %q", step.Action)
	}
	step.params = newParams()
	if err := json.Unmarshal(raw, step.params); err != nil {
		return nil, fmt.Errorf("%s: %v", step.Action, err)
	}
	if needsActor(step.Action) && step.Actor == "" {
		return nil, fmt.Errorf("%s: missing actor", step.Action)
	}
	for _, ref := range refsOf(step.params) {
		if ref < 0 || ref >= index {
			return nil, fmt.Errorf("%s: refers to step %d, which does not come before it", step.Action, ref)
		}
	}
	return step, nil
}

// needsActor reports whether an action is performed by its step's actor.
// installExternalPSK names its clients and reinit its roles instead.
func needsActor(a Action) bool {
	return a != ActionInstallExternalPSK && a != ActionReInit
}

// Actors returns the actors a script needs a client for, sorted, found the
// way the official runner finds them: every step's actor, the members of
// createGroup, the joiner of externalJoin and newMemberAddProposal, and the
// signer of addExternalSigner. Other names (fullCommit members, reinit
// roles, installExternalPSK clients) must be among them.
func (s *Script) Actors() []string {
	set := map[string]bool{}
	for _, step := range s.Steps {
		if step.Actor == "" {
			continue
		}
		set[step.Actor] = true
		switch p := step.params.(type) {
		case *createGroupParams:
			for _, m := range p.Members {
				set[m] = true
			}
		case *externalJoinParams:
			set[p.Joiner] = true
		case *newMemberAddProposalParams:
			set[p.Joiner] = true
		case *addExternalSignerParams:
			set[p.Signer] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		if a != "" {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}
