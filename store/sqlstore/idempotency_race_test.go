package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// idemRounds is how many times each command is fired by two Services at once.
const idemRounds = 200

// TestIdempotentRaceTwoPools: two Services on one PostgreSQL (two pools, as
// two processes) fire the same command with the same idempotency key and
// payload at the same moment, 200 rounds per command: Swap, Activate,
// Deactivate, Withdraw and efax Send. Both callers must get the same, successful
// result, and the effect must exist once. (Before numberdesk.ReplayAfter, a
// caller whose run read the winner's effect got "Nur aktive Rufnummern können
// ersetzt werden." in 36 of 200 swap rounds.)
func TestIdempotentRaceTwoPools(t *testing.T) {
	t.Parallel()
	postgresDSN(t)
	p := openRelPools(t, sqlstore.Postgres)
	ctx := t.Context()
	owner := relTenant(t, p.st[0]) // numbers only, so that relCheckLedger reads every event

	// both fires fn on both Services at once and requires the same
	// successful result (as JSON) from each.
	both := func(t *testing.T, round int, fn func(svc int) (any, error)) {
		t.Helper()
		var res [2]any
		var errs [2]error
		relGo(2, func(i int) { res[i], errs[i] = fn(i) })
		for i, err := range errs {
			require.NoError(t, err, "round %d, Service %d", round, i)
		}
		a, err := json.Marshal(res[0])
		require.NoError(t, err)
		b, err := json.Marshal(res[1])
		require.NoError(t, err)
		require.JSONEq(t, string(a), string(b), "round %d: the callers got different results", round)
	}

	t.Run("Swap", func(t *testing.T) {
		ns := relProvision(t, p.svc[0], owner, "+49 221 4410000", 2*idemRounds)
		old := make([]numberdesk.NumberID, idemRounds)
		for r := range old {
			old[r] = ns[2*r].ID
		}
		relActivate(t, p.svc[0], owner, "", old...)
		for r := range idemRounds {
			req := numbers.SwapRequest{Old: ns[2*r].ID, New: ns[2*r+1].ID, IdempotencyKey: fmt.Sprint("swap-", r)}
			both(t, r, func(i int) (any, error) { return p.svc[i].Swap(ctx, owner, req) })
		}
		l := relCheckLedger(t, p.st[0], owner.Tenant)
		require.Equal(t, idemRounds, l.types[numbers.EventSwappedIn], "one swap per round")
	})
	t.Run("Activate", func(t *testing.T) {
		ns := relProvision(t, p.svc[0], owner, "+49 221 4420000", idemRounds)
		for r, n := range ns {
			q, err := p.svc[0].Quote(ctx, owner, []numberdesk.NumberID{n.ID})
			require.NoError(t, err)
			req := numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: fmt.Sprint("activate-", r)}
			both(t, r, func(i int) (any, error) { return p.svc[i].Activate(ctx, owner, req) })
		}
		l := relCheckLedger(t, p.st[0], owner.Tenant)
		for _, n := range ns {
			require.Equal(t, 1, l.starts[n.ID], "one billing start of %s", n.E164)
		}
	})
	t.Run("Deactivate", func(t *testing.T) {
		ns := relProvision(t, p.svc[0], owner, "+49 221 4430000", idemRounds)
		relActivate(t, p.svc[0], owner, "", relIDs(ns)...)
		for r, n := range ns {
			req := numbers.DeactivateRequest{Number: n.ID, IdempotencyKey: fmt.Sprint("deactivate-", r)}
			both(t, r, func(i int) (any, error) { return p.svc[i].Deactivate(ctx, owner, req) })
		}
		l := relCheckLedger(t, p.st[0], owner.Tenant)
		require.Equal(t, idemRounds, l.types[numbers.EventDeactivationRequested], "one request per number")
	})
	t.Run("Withdraw", func(t *testing.T) {
		ns := relProvision(t, p.svc[0], owner, "+49 221 4450000", idemRounds)
		relActivate(t, p.svc[0], owner, "", relIDs(ns)...)
		for _, n := range ns {
			_, err := p.svc[0].Deactivate(ctx, owner, numbers.DeactivateRequest{Number: n.ID})
			require.NoError(t, err)
		}
		for r, n := range ns {
			req := numbers.WithdrawRequest{Number: n.ID, IdempotencyKey: fmt.Sprint("withdraw-", r)}
			both(t, r, func(i int) (any, error) { return p.svc[i].Withdraw(ctx, owner, req) })
		}
		l := relCheckLedger(t, p.st[0], owner.Tenant)
		require.Equal(t, idemRounds, l.types[numbers.EventDeactivationWithdrawn], "one withdrawal per number")
	})
	t.Run("EfaxSend", func(t *testing.T) {
		staffSvc := staff.NewService(staff.Config{Store: p.st[0], Numbers: p.svc[0]})
		_, ownerEmp, err := staffSvc.CreateTenant(ctx, staff.TenantRequest{Name: "Doppelt GmbH",
			Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "owner@doppelt.example"}})
		require.NoError(t, err)
		owner := ownerEmp.Actor()
		seal := make([]byte, 32)
		_, _ = rand.Read(seal)
		var fax [2]*efax.Service
		for i := range fax {
			fax[i], err = efax.New(efax.Config{Store: p.st[i], SealKey: seal, AllowWeakParams: true,
				Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
			require.NoError(t, err)
		}
		anna, err := staffSvc.Create(ctx, owner, staff.CreateRequest{FirstName: "Anna", LastName: "Berg",
			Email: "anna@doppelt.example", Role: numberdesk.RoleEmployee})
		require.NoError(t, err)
		n := relProvision(t, p.svc[0], owner, "+49 221 4440000", 1)[0]
		relActivate(t, p.svc[0], owner, "", n.ID)
		_, err = p.svc[0].Assign(ctx, owner, numbers.AssignRequest{Number: n.ID, Employee: anna.ID})
		require.NoError(t, err)
		_, err = p.svc[0].SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: n.ID, UsageType: routing.UsageFaxPersonal, Confirm: true})
		require.NoError(t, err)
		for r := range idemRounds {
			req := efax.SendRequest{Number: n.ID, Staff: []numberdesk.StaffID{anna.ID}, IdempotencyKey: fmt.Sprint("send-", r)}
			both(t, r, func(i int) (any, error) { return fax[i].Send(ctx, owner, req) })
		}
		sent, err := p.st[0].FindEvents(context.WithoutCancel(ctx), owner.Tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{efax.EventCredentialsSent}})
		require.NoError(t, err)
		require.Len(t, sent, idemRounds, "one issue or rotation per round")
	})
}
