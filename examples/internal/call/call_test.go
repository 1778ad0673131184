package call

import (
	"testing"
	"time"

	"github.com/sealroom/sealroom/examples/internal/relay"
)

// TestJoinFlows: the first client creates the group; one joins by
// invitation (KeyPackages, Add + Welcome from the member that commits for
// the group), one by external commit; all converge on one epoch and
// safety code, and every one opens the others' audio and video as sent.
func TestJoinFlows(t *testing.T) {
	k := newCall(t, startRelay(t, relay.Options{}))
	alice, bob, carol, epoch := k.trio(nil)
	sleep(1500 * time.Millisecond)
	for _, c := range []*Client{alice, bob, carol} {
		st := c.Stats()
		t.Logf("%s: epoch %d code %s sent %v opened %d rejected %d held %d/%d/%d", c.Name(), st.Epoch, st.SafetyCode, st.Sent, st.Opened(), st.Rejected(), st.Held, st.HeldOpened, st.HeldExpired)
	}
	t.Logf("epoch %d; events:\n%s", epoch, k.eventLog())
	k.verify("alice", "bob", "carol")
	k.verify("bob", "alice", "carol")
	k.verify("carol", "alice", "bob")
}
