package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sealroom/sealroom/e2ee"
	"github.com/sealroom/sealroom/examples/internal/transport"
	"github.com/sealroom/sealroom/examples/wire"
)

// member is one load client: its connection to the relay and its e2ee
// Session in the call's group.
type member struct {
	index int
	name  string
	conn  *transport.Conn
	sess  *e2ee.Session
}

// clientName is the client id and MLS identity of client i.
func clientName(i int) string { return fmt.Sprintf("load%03d", i) }

// formGroup connects n clients to the relay in one room and makes them
// one MLS group, with the relay as the delivery service: clients 1..n-1
// upload a KeyPackage; client 0 creates the group, claims them and
// invites everyone with one commit, whose Welcome the relay hands to the
// others; client 0 merges its commit when the relay echoes it. It checks
// that all end in the same epoch with the same safety code.
func formGroup(ctx context.Context, addr string, pin []byte, room string, n int) ([]*member, error) {
	members := make([]*member, n)
	privs := make([]*e2ee.KeyPackagePrivate, n)
	ids := make([]*e2ee.Identity, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := clientName(i)
			id, err := e2ee.NewIdentity([]byte(name), 0)
			if err != nil {
				errs[i] = err
				return
			}
			ids[i] = id
			conn, err := transport.Dial(ctx, addr, transport.Config{
				Room: room, ClientID: name, CertSHA256: pin,
				MediaBuffer: 4096,
			})
			if err != nil {
				errs[i] = err
				return
			}
			members[i] = &member{index: i, name: name, conn: conn}
			if i == 0 {
				return
			}
			kp, priv, err := e2ee.NewKeyPackage(id)
			if err != nil {
				errs[i] = err
				return
			}
			privs[i] = priv
			if _, err := conn.UploadKeyPackages(ctx, [][]byte{kp}, nil); err != nil {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	closeAll := func() {
		for _, m := range members {
			if m != nil {
				m.close()
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		closeAll()
		return nil, fmt.Errorf("loadtest: connecting: %w", err)
	}

	// Client 0 creates the group and adds everyone in its first commit,
	// which also creates the room's group at the relay.
	creator := members[0]
	s, err := e2ee.Create(nil, ids[0], e2ee.Config{})
	if err != nil {
		closeAll()
		return nil, err
	}
	creator.sess = s
	var kps [][]byte
	var recipients []string
	for _, m := range members[1:] {
		kp, err := creator.conn.ClaimKeyPackage(ctx, m.name)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("loadtest: claiming %s's KeyPackage: %w", m.name, err)
		}
		kps, recipients = append(kps, kp.Data), append(recipients, m.name)
	}
	if n > 1 {
		cm, err := s.Invite(kps...)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("loadtest: invite: %w", err)
		}
		if _, err := creator.conn.SendHandshake(ctx, transport.Handshake{
			Kind: wire.HandshakeKind_HANDSHAKE_KIND_COMMIT, Epoch: cm.Epoch, Message: cm.Message,
			GroupInfo: cm.GroupInfo, Welcome: cm.Welcome, Recipients: recipients,
		}); err != nil {
			closeAll()
			return nil, fmt.Errorf("loadtest: sending the commit: %w", err)
		}
	}

	for i, m := range members {
		wg.Go(func() { errs[i] = m.join(ctx, privs[i], n > 1) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		closeAll()
		return nil, fmt.Errorf("loadtest: joining: %w", err)
	}
	code, epoch := creator.sess.SafetyCode(), creator.sess.Epoch()
	for _, m := range members {
		if m.sess.Epoch() != epoch || m.sess.SafetyCode() != code || len(m.sess.Members()) != n {
			closeAll()
			return nil, fmt.Errorf("loadtest: %s is in epoch %d with %d members and safety code %v; %s in epoch %d with %v",
				m.name, m.sess.Epoch(), len(m.sess.Members()), m.sess.SafetyCode(), creator.name, epoch, code)
		}
	}
	return members, nil
}

// join waits on the control stream for what brings m into the group:
// for the creator, the echo of its commit; for the others, their
// Welcome.
func (m *member) join(ctx context.Context, priv *e2ee.KeyPackagePrivate, commitSent bool) error {
	if m.sess != nil && !commitSent {
		return nil
	}
	for {
		select {
		case e, ok := <-m.conn.Events():
			if !ok {
				return fmt.Errorf("%s: connection ended: %w", m.name, m.conn.Err())
			}
			switch e := e.(type) {
			case *transport.HandshakeEvent:
				if m.sess == nil {
					continue // the commit that adds us: the Welcome follows
				}
				ch, err := m.sess.Process(e.Message)
				if err != nil {
					return fmt.Errorf("%s: processing %v from %s: %w", m.name, e.Kind, e.Sender, err)
				}
				if ch.Kind != e2ee.ChangeOwnCommit {
					return fmt.Errorf("%s: unexpected %v from %s", m.name, ch.Kind, e.Sender)
				}
				return nil
			case *transport.WelcomeEvent:
				if m.sess != nil {
					continue
				}
				s, err := e2ee.JoinFromWelcome(e.Message, priv, e2ee.Config{})
				if err != nil {
					return fmt.Errorf("%s: Welcome from %s: %w", m.name, e.Sender, err)
				}
				m.sess = s
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting to join: %w", m.name, ctx.Err())
		}
	}
}

func (m *member) close() {
	m.conn.Close()
	if m.sess != nil {
		m.sess.Close()
	}
}
