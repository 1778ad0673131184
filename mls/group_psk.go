package mls

import (
	"bytes"
	"fmt"
)

// Pre-shared keys of the group layer (RFC 9420 §8.4, §8.6): external PSKs
// the application stores, and the resumption PSKs of the epochs a group
// keeps.

// resumptionPSK returns the resumption_psk of epoch of g, if g still keeps
// it: the current epoch's or one of the window of earlier epochs (RFC 9420
// §8.6). The caller must not modify it.
func (g *Group) resumptionPSK(epoch uint64) (secret, bool) {
	if epoch == g.cur.gc.Epoch {
		return g.cur.secrets.resumption.secret, true
	}
	for _, r := range g.resumption {
		if r.epoch == epoch {
			return r.psk, true
		}
	}
	return nil, false
}

// pushResumption keeps the resumption_psk of the epoch being left, e, in
// the window, dropping (and zeroing) the oldest beyond the configured
// number of epochs.
func (g *Group) pushResumption(e *epochState) {
	if g.cfg.resumptionEpochs > 1 {
		g.resumption = append(g.resumption, resumptionEntry{epoch: e.gc.Epoch, psk: e.secrets.resumption.secret.clone()})
	}
	for len(g.resumption) > g.cfg.resumptionEpochs-1 {
		g.resumption[0].psk.zero()
		g.resumption = g.resumption[1:]
	}
}

// pskSources are where the values of PreSharedKeyIDs are looked up:
// external PSKs by psk_id, and the resumption PSKs of groups by group ID
// and epoch.
type pskSources struct {
	external map[string]secret
	groups   []*Group
}

// resolve returns the PSKs ids name with their values (RFC 9420 §8.4), in
// order, or ErrMissingPSK naming the first that is not available. The
// caller zeroes the values.
func (src pskSources) resolve(ids []PreSharedKeyID) ([]preSharedKey, error) {
	out := make([]preSharedKey, 0, len(ids))
	for i := range ids {
		v, ok := src.lookup(&ids[i])
		if !ok {
			zeroPSKs(out)
			return nil, fmt.Errorf("mls: psk %d (%s): %w", i, describePSK(&ids[i]), ErrMissingPSK)
		}
		out = append(out, preSharedKey{id: ids[i], psk: v.clone()})
	}
	return out, nil
}

// lookup finds the value of one PSK; the caller must not modify it.
func (src pskSources) lookup(id *PreSharedKeyID) (secret, bool) {
	switch id.Type {
	case PSKTypeExternal:
		v, ok := src.external[string(id.ID)]
		return v, ok
	case PSKTypeResumption:
		for _, g := range src.groups {
			if g != nil && g.cur != nil && bytes.Equal(g.cur.gc.GroupID, id.GroupID) {
				if v, ok := g.resumptionPSK(id.Epoch); ok {
					return v, true
				}
			}
		}
	}
	return nil, false
}

// describePSK names a PSK for error messages without its value.
func describePSK(id *PreSharedKeyID) string {
	if id.Type == PSKTypeExternal {
		return fmt.Sprintf("external, id %x", id.ID)
	}
	return fmt.Sprintf("resumption %v, group %x, epoch %d", id.Usage, id.GroupID, id.Epoch)
}

// zeroPSKs zeroes the values of psks.
func zeroPSKs(psks []preSharedKey) {
	for i := range psks {
		psks[i].zero()
	}
}

// pskSources returns where the group looks up PSKs: its external PSKs and
// its own resumption PSKs, and those of the other groups given.
func (g *Group) pskSources(others ...*Group) pskSources {
	return pskSources{external: g.externalPSKs, groups: append([]*Group{g}, others...)}
}

// newPSKID returns the PreSharedKeyID of an external PSK or of a
// resumption PSK of this group, with a fresh psk_nonce (RFC 9420 §8.4).
func (g *Group) newPSKID(id PreSharedKeyID) (PreSharedKeyID, error) {
	nonce, err := g.suite.newPSKNonce()
	if err != nil {
		return PreSharedKeyID{}, err
	}
	id.Nonce = nonce
	return id, nil
}
