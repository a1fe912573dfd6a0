package numbers_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// Only active numbers route, and pending ones before their effective
// instant: a new number refuses a call exactly like an inactive one
// (CodePrecondition, Field "number"), whoever asks.
func TestRouteCallOnlyActiveNumbersRoute(t *testing.T) {
	f := newFixture(t)
	fresh := f.provision(t, "0221 100000", 0)[0]
	ported := f.provision(t, "0221 100001", 0, func(r *numbers.ProvisionRequest) {
		r.Origin, r.PortingDate = numbers.OriginPorted, f.clock().Add(time.Hour)
	})[0]
	active := f.provision(t, "0221 200000", 0)[0]
	pending := f.provision(t, "0221 300000", 0)[0]
	gone := f.provision(t, "0221 400000", 0)[0]
	swapIn := f.provision(t, "0221 500000", 0)[0]
	f.activate(t, active, pending, gone)
	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: pending.ID})
	require.NoError(t, err)
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: gone.ID, New: swapIn.ID})
	require.NoError(t, err)
	require.Equal(t, numbers.StatusInactive, f.get(t, gone.ID).Status)

	call := routing.Call{From: "+4930123456"}
	route := func(a numberdesk.Actor, id numberdesk.NumberID, at time.Time) error {
		_, err := f.svc.RouteCall(bg, a, id, call, at, nil)
		return err
	}
	for _, a := range []numberdesk.Actor{f.owner, numberdesk.System(f.tenant)} {
		for _, c := range []struct {
			name string
			id   numberdesk.NumberID
		}{{"New", fresh.ID}, {"Ported", ported.ID}, {"Inactive", gone.ID}} {
			t.Run(string(a.Role)+"/"+c.name, func(t *testing.T) {
				before := f.routingState(t)
				requireErr(t, route(a, c.id, time.Time{}), numberdesk.CodePrecondition, "number")
				requireErr(t, route(a, c.id, f.clock().Add(-time.Hour)), numberdesk.CodePrecondition, "number")
				require.Equal(t, before, f.routingState(t))
			})
		}
		require.NoError(t, route(a, active.ID, time.Time{}))
		require.NoError(t, route(a, swapIn.ID, time.Time{}))
		require.NoError(t, route(a, pending.ID, time.Time{}), "pending: usable until its date")
		require.NoError(t, route(a, pending.ID, d.EffectiveAt.Add(-time.Microsecond)))
		requireErr(t, route(a, pending.ID, d.EffectiveAt), numberdesk.CodePrecondition, "number")
	}
	// The error reads like the inactive one's.
	newErr, goneErr := route(f.owner, fresh.ID, time.Time{}), route(f.owner, gone.ID, time.Time{})
	require.Contains(t, numberdesk.ErrorMessage(newErr), "nimmt keine Anrufe an")
	require.Contains(t, numberdesk.ErrorMessage(goneErr), "nimmt keine Anrufe an")
}
