package efax_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
)

// Concurrent Sends of the same login: each one rotates or loses with
// CodeConflict, never a lost rotation; only the newest secret works.
func TestConcurrentSends(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for range 8 {
		wg.Go(func() {
			_, err := f.fax.Send(ctx, f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
			if err != nil {
				require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
				return
			}
			mu.Lock()
			sent++
			mu.Unlock()
		})
	}
	wg.Wait()
	require.GreaterOrEqual(t, sent, 1)
	c := f.credential(t, f.personal, f.anna)
	require.Equal(t, sent, c.Generation, "every successful Send is one generation")
	require.Len(t, f.events(t, efax.EventCredentialsSent), sent)
	ds := f.dispatch(t)
	require.Len(t, ds, 1, "only the newest generation is delivered")
	_, err := f.fax.Authenticate(ctx, ds[0].Username, ds[0].Secret.Reveal())
	require.NoError(t, err)
}

// Concurrent failed logins are all counted: the counter is a versioned
// write, and a lost race is counted again.
func TestConcurrentFailuresAllCount(t *testing.T) {
	f := newFixture(t, func(c *efax.Config) { c.MaxFailures = 100 })
	user, _ := f.sendAndDeliver(t, f.personal, f.anna)
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { requireAuthFails(t, f.fax, user, "wrong") })
	}
	wg.Wait()
	require.Equal(t, 12, f.credential(t, f.personal, f.anna).Failures)
	require.Len(t, f.events(t, efax.EventLoginFailed), 12)
}

// Every revocation reason has a German label for the UI.
func TestReasonLabels(t *testing.T) {
	for _, r := range []efax.Reason{efax.ReasonManual, efax.ReasonNumberInactive, efax.ReasonNotFax, efax.ReasonNotHolder,
		efax.ReasonEmployeeLocked, efax.ReasonEmployeeDeleted} {
		require.NotEqual(t, string(r), r.Label())
		require.Regexp(t, `^[A-ZÄÖÜ].*\.$`, r.Label())
	}
	require.Equal(t, "odd", efax.Reason("odd").Label())
}
