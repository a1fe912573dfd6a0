package efax_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// A delivered login stops working, with the same error as a wrong secret,
// after every change that makes its holder ineligible, and is revoked on the
// spot with the reason, whether or not anything else reconciled it.
func TestAuthenticateFailsOnceIneligible(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		shared bool // anna's login of the shared fax number, else of her personal one
		change func(t *testing.T, f *fixture)
		reason efax.Reason
	}{
		{"revoked", false, func(t *testing.T, f *fixture) {
			require.NoError(t, f.fax.Revoke(ctx, f.owner, f.personal.ID, f.anna.ID))
		}, efax.ReasonManual},
		{"employee locked", true, func(t *testing.T, f *fixture) {
			_, err := f.staff.SetLocked(ctx, f.owner, f.anna.ID, true)
			require.NoError(t, err)
		}, efax.ReasonEmployeeLocked},
		{"employee deleted", false, func(t *testing.T, f *fixture) {
			require.NoError(t, f.staff.Delete(ctx, f.owner, f.anna.ID, false))
		}, efax.ReasonNotHolder},
		{"deactivated at the effective date", false, func(t *testing.T, f *fixture) {
			d, err := f.nums.Deactivate(ctx, f.owner, numbers.DeactivateRequest{Number: f.personal.ID})
			require.NoError(t, err)
			// Pending: still usable until the date.
			_, err = f.fax.Authenticate(ctx, f.credential(t, f.personal, f.anna).Username, f.secret)
			require.NoError(t, err, "a number pending deactivation is usable until its date")
			f.advance(d.EffectiveAt.Sub(f.clock()) + time.Second)
			done, err := f.nums.ApplyDue(ctx, f.system, f.clock())
			require.NoError(t, err)
			require.Contains(t, done, f.personal.ID)
		}, efax.ReasonNumberInactive},
		{"due, before ApplyDue has run", false, func(t *testing.T, f *fixture) {
			d, err := f.nums.Deactivate(ctx, f.owner, numbers.DeactivateRequest{Number: f.personal.ID})
			require.NoError(t, err)
			f.advance(d.EffectiveAt.Sub(f.clock()))
		}, efax.ReasonNumberInactive},
		{"swapped out", false, func(t *testing.T, f *fixture) {
			_, err := f.nums.Swap(ctx, f.owner, numbers.SwapRequest{Old: f.personal.ID, New: f.spare.ID})
			require.NoError(t, err)
		}, efax.ReasonNumberInactive},
		{"reassigned away", false, func(t *testing.T, f *fixture) {
			_, err := f.nums.Assign(ctx, f.owner, numbers.AssignRequest{Number: f.personal.ID, Employee: f.jonas.ID})
			require.NoError(t, err)
		}, efax.ReasonNotHolder},
		{"removed from the members", true, func(t *testing.T, f *fixture) {
			_, err := f.nums.Unassign(ctx, f.owner, f.shared.ID, f.anna.ID, false)
			require.NoError(t, err)
		}, efax.ReasonNotHolder},
		{"no fax number any more", false, func(t *testing.T, f *fixture) {
			_, err := f.nums.SetUsageType(ctx, f.owner, numbers.SetUsageTypeRequest{Number: f.personal.ID, UsageType: routing.UsageVoice})
			require.NoError(t, err)
		}, efax.ReasonNotFax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			n := f.personal
			if c.shared {
				n = f.shared
			}
			user, secret := f.sendAndDeliver(t, n, f.anna)
			f.secret = secret
			_, err := f.fax.Authenticate(ctx, user, secret)
			require.NoError(t, err)
			c.change(t, f)
			requireAuthFails(t, f.fax, user, secret)
			cr := f.credential(t, n, f.anna)
			require.Equal(t, efax.StatusRevoked, cr.Status)
			require.Equal(t, c.reason, cr.Reason)
			require.Empty(t, cr.Hash)
			revoked := f.events(t, efax.EventCredentialsRevoked)
			require.Len(t, revoked, 1)
			failed := f.events(t, efax.EventLoginFailed)
			require.NotEmpty(t, failed)
			requireAuthFails(t, f.fax, user, secret) // and stays so
		})
	}
}

// A personal fax number's credentials never reach a second employee: not by
// sending again, not after a reassignment (the pending delivery to the
// former holder is dropped too), not through a swap.
func TestPersonalFaxNeverReachesSecondEmployee(t *testing.T) {
	ctx := context.Background()
	t.Run("send again to someone else", func(t *testing.T) {
		f := newFixture(t)
		user, secret := f.sendAndDeliver(t, f.personal, f.anna)
		for _, e := range [][]numberdesk.StaffID{{f.jonas.ID}, {f.anna.ID, f.jonas.ID}, {f.mia.ID}} {
			_, err := f.fax.Send(ctx, f.mia.Actor(), efax.SendRequest{Number: f.personal.ID, Staff: e})
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "somebody else is no recipient: an input error")
		}
		require.Empty(t, f.dispatch(t))
		_, err := f.fax.Authenticate(ctx, user, secret)
		require.NoError(t, err)
	})
	t.Run("reassignment", func(t *testing.T) {
		f := newFixture(t)
		f.send(t, f.personal, f.anna) // not yet delivered
		_, err := f.nums.Assign(ctx, f.owner, numbers.AssignRequest{Number: f.personal.ID, Employee: f.jonas.ID})
		require.NoError(t, err)
		require.Empty(t, f.dispatch(t), "Anna's pending secret goes to nobody")
		require.Equal(t, efax.StatusRevoked, f.credential(t, f.personal, f.anna).Status, "the number.assigned event revoked it")
		// Jonas, the new holder, gets a login of his own.
		user, secret := f.sendAndDeliver(t, f.personal, f.jonas)
		require.NotEqual(t, f.credential(t, f.personal, f.anna).Username, user)
		_, err = f.fax.Authenticate(ctx, user, secret)
		require.NoError(t, err)
		// Anna cannot be sent to any more.
		_, err = f.fax.Send(ctx, f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
		require.Equal(t, "staff[0]", err.(*numberdesk.Error).Field)
		require.Contains(t, numberdesk.ErrorMessage(err), "erhält nur Jonas Weber die Zugangsdaten, nicht Anna Berg.")
	})
	t.Run("swap", func(t *testing.T) {
		f := newFixture(t)
		oldUser, oldSecret := f.sendAndDeliver(t, f.personal, f.anna)
		f.send(t, f.personal, f.anna) // a rotation still pending delivery
		sw, err := f.nums.Swap(ctx, f.owner, numbers.SwapRequest{Old: f.personal.ID, New: f.spare.ID})
		require.NoError(t, err)
		require.Empty(t, f.dispatch(t), "the pending secret of the old number goes to nobody")
		requireAuthFails(t, f.fax, oldUser, oldSecret)
		_, err = f.fax.Send(ctx, f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
		require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
		// The new number has Anna as its holder and a login of its own.
		newUser, newSecret := f.sendAndDeliver(t, sw.New, f.anna)
		require.NotEqual(t, oldUser, newUser)
		login, err := f.fax.Authenticate(ctx, newUser, newSecret)
		require.NoError(t, err)
		require.Equal(t, sw.New.ID, login.Number)
		requireAuthFails(t, f.fax, oldUser, newSecret)
	})
}

// Five wrong secrets in a row lock the login for 15 minutes: even the right
// secret fails meanwhile; afterwards it works and the count starts afresh.
// The counter lives in the store, so two instances share it.
func TestLockout(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other, err := efax.New(f.cfg) // a second instance on the same store
	require.NoError(t, err)
	user, secret := f.sendAndDeliver(t, f.personal, f.anna)
	for i := range efax.DefaultMaxFailures - 1 {
		s := f.fax
		if i%2 == 1 {
			s = other
		}
		requireAuthFails(t, s, user, "wrong-secret")
	}
	require.Equal(t, 4, f.credential(t, f.personal, f.anna).Failures)
	require.Empty(t, f.events(t, efax.EventLoginLocked))
	requireAuthFails(t, other, user, "wrong-again")
	c := f.credential(t, f.personal, f.anna)
	require.Equal(t, f.clock().Add(efax.DefaultLockout), c.LockedUntil)
	locked := f.events(t, efax.EventLoginLocked)
	require.Len(t, locked, 1)
	var d efax.EventData
	require.NoError(t, locked[0].Decode(&d))
	require.Equal(t, c.LockedUntil, d.LockedUntil)

	f.advance(efax.DefaultLockout - time.Second)
	requireAuthFails(t, f.fax, user, secret)
	requireAuthFails(t, other, user, secret)
	failed := f.events(t, efax.EventLoginFailed)
	require.NoError(t, failed[len(failed)-1].Decode(&d))
	require.Equal(t, efax.OutcomeLocked, d.Outcome)

	f.advance(time.Second)
	_, err = f.fax.Authenticate(ctx, user, secret)
	require.NoError(t, err, "the lockout has expired")
	c = f.credential(t, f.personal, f.anna)
	require.Zero(t, c.Failures)
	require.True(t, c.LockedUntil.IsZero())

	// After an expired lockout without a success, the count starts afresh.
	for range efax.DefaultMaxFailures {
		requireAuthFails(t, f.fax, user, "wrong")
	}
	f.advance(efax.DefaultLockout)
	requireAuthFails(t, f.fax, user, "wrong")
	require.Equal(t, 1, f.credential(t, f.personal, f.anna).Failures)
	require.True(t, f.credential(t, f.personal, f.anna).LockedUntil.IsZero())

	// A new secret (sending again) ends a lockout.
	for range efax.DefaultMaxFailures {
		requireAuthFails(t, f.fax, user, "wrong")
	}
	_, secret = f.sendAndDeliver(t, f.personal, f.anna)
	_, err = f.fax.Authenticate(ctx, user, secret)
	require.NoError(t, err)
}

// Custom thresholds apply.
func TestLockoutConfigured(t *testing.T) {
	f := newFixture(t, func(c *efax.Config) { c.MaxFailures, c.Lockout = 2, time.Minute })
	user, secret := f.sendAndDeliver(t, f.shared, f.jonas)
	requireAuthFails(t, f.fax, user, "a")
	requireAuthFails(t, f.fax, user, "b")
	requireAuthFails(t, f.fax, user, secret)
	f.advance(time.Minute)
	_, err := f.fax.Authenticate(context.Background(), user, secret)
	require.NoError(t, err)
}

// Unknown usernames, wrong secrets, revoked and locked logins get the same
// error and cost the same: one argon2id computation each (the unknown and
// the revoked against a dummy hash of the same parameters). Oversized input
// is refused without hashing.
func TestSameErrorAndCostForEveryFailure(t *testing.T) {
	f := newFixture(t, func(c *efax.Config) { c.MaxFailures = 2 })
	ctx := context.Background()
	user, secret := f.sendAndDeliver(t, f.personal, f.anna)
	revokedUser, revokedSecret := f.sendAndDeliver(t, f.shared, f.jonas)
	require.NoError(t, f.fax.Revoke(ctx, f.owner, f.shared.ID, f.jonas.ID))
	lockedUser, lockedSecret := f.sendAndDeliver(t, f.shared, f.anna)
	requireAuthFails(t, f.fax, lockedUser, "x")
	requireAuthFails(t, f.fax, lockedUser, "x")
	for _, c := range []struct{ user, secret string }{
		{"4922112345620-unknown1", secret}, {user, "wrong"}, {user, secret + "x"},
		{revokedUser, revokedSecret}, {lockedUser, lockedSecret},
	} {
		before := efax.Hashes(f.fax)
		requireAuthFails(t, f.fax, c.user, c.secret)
		require.Equal(t, int64(1), efax.Hashes(f.fax)-before, "%s: one hash", c.user)
	}
	for _, c := range []struct{ user, secret string }{
		{"", secret}, {user, ""}, {string(make([]byte, efax.MaxUsername+1)), secret}, {user, string(make([]byte, 129))},
	} {
		before := efax.Hashes(f.fax)
		requireAuthFails(t, f.fax, c.user, c.secret)
		require.Equal(t, int64(0), efax.Hashes(f.fax)-before)
	}
}

// A service starts without an argon2id computation (the browser demo makes
// one on every start). The dummy hash that unknown usernames are checked
// against is made by the first check of any login, known or unknown, so that
// the first check costs the same either way; and only once.
func TestDummyHashOnFirstCheck(t *testing.T) {
	for _, unknown := range []bool{false, true} {
		f := newFixture(t)
		user, secret := f.sendAndDeliver(t, f.personal, f.anna)
		require.Zero(t, efax.DummyHashes(f.fax), "no dummy hash before the first check")
		if unknown {
			user = "4922112345620-unknown1"
		}
		requireAuthFails(t, f.fax, user, secret+"x")
		require.Equal(t, 1, efax.DummyHashes(f.fax), "unknown=%v: the first check makes it", unknown)
		requireAuthFails(t, f.fax, user, secret+"y")
		require.Equal(t, 1, efax.DummyHashes(f.fax), "unknown=%v: once", unknown)
	}
}

// Raising the parameters rehashes a login at its next successful login,
// not at a failed one.
func TestRehashWhenParamsRaised(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	user, secret := f.sendAndDeliver(t, f.personal, f.anna)
	p, err := efax.PHCParams(f.credential(t, f.personal, f.anna).Hash)
	require.NoError(t, err)
	require.Equal(t, cheap, p)

	raised := f.cfg
	raised.Params = efax.Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	stronger, err := efax.New(raised)
	require.NoError(t, err)
	before := f.credential(t, f.personal, f.anna).Hash
	requireAuthFails(t, stronger, user, "wrong")
	require.Equal(t, before, f.credential(t, f.personal, f.anna).Hash, "a failure does not rehash")
	_, err = stronger.Authenticate(ctx, user, secret)
	require.NoError(t, err)
	after := f.credential(t, f.personal, f.anna).Hash
	require.Regexp(t, `^\$argon2id\$v=19\$m=128,t=2,p=1\$`, after)
	p, err = efax.PHCParams(after)
	require.NoError(t, err)
	require.Equal(t, raised.Params, p)
	// The new hash works, with both instances.
	_, err = stronger.Authenticate(ctx, user, secret)
	require.NoError(t, err)
	_, err = f.fax.Authenticate(ctx, user, secret)
	require.NoError(t, err)
	require.Equal(t, after, f.credential(t, f.personal, f.anna).Hash, "weaker configured parameters: no rehash down")
}

// Concurrent logins never hash more than MaxHashing at once, so memory stays
// within MaxHashing × Params.Memory.
func TestHashingConcurrencyIsCapped(t *testing.T) {
	f := newFixture(t, func(c *efax.Config) {
		c.MaxHashing = 2
		c.Params = efax.Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	})
	user, secret := f.sendAndDeliver(t, f.personal, f.anna)
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			pw := secret
			if i%3 == 0 {
				pw = "wrong"
			}
			_, _ = f.fax.Authenticate(context.Background(), user, pw)
		})
	}
	wg.Wait()
	require.LessOrEqual(t, efax.PeakHashing(f.fax), 2)
	require.GreaterOrEqual(t, efax.PeakHashing(f.fax), 1)

	// A caller whose ctx ends while it waits for a slot gives up.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.fax.Authenticate(ctx, user, secret)
	require.Error(t, err)
}

// The events that make a login stale revoke it through Service.Notifier,
// before anybody tries to log in; Reconcile does the same from cron.
func TestNotifierAndReconcileRevoke(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.sendAndDeliver(t, f.shared, f.anna)
	f.sendAndDeliver(t, f.shared, f.jonas)
	_, err := f.staff.SetLocked(ctx, f.owner, f.jonas.ID, true)
	require.NoError(t, err)
	f.dispatch(t)
	require.Equal(t, efax.StatusRevoked, f.credential(t, f.shared, f.jonas).Status)
	require.Equal(t, efax.ReasonEmployeeLocked, f.credential(t, f.shared, f.jonas).Reason)
	require.Equal(t, efax.StatusActive, f.credential(t, f.shared, f.anna).Status)
	var d efax.EventData
	revoked := f.events(t, efax.EventCredentialsRevoked)
	require.Len(t, revoked, 1)
	require.NoError(t, revoked[0].Decode(&d))
	require.Equal(t, efax.ReasonEmployeeLocked, d.Reason)
	require.Equal(t, f.system, revoked[0].Actor)

	// Without the Notifier, Reconcile catches it.
	_, err = f.nums.Unassign(ctx, f.owner, f.shared.ID, f.anna.ID, false)
	require.NoError(t, err)
	got, err := f.fax.Reconcile(ctx, f.system)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, f.anna.ID, got[0].Staff)
	require.Equal(t, efax.ReasonNotHolder, got[0].Reason)
	got, err = f.fax.Reconcile(ctx, f.system)
	require.NoError(t, err)
	require.Empty(t, got)
}

// A secret sealed by an instance with another SealKey cannot be delivered:
// a permanent failure, visible in the outbox; sending again from the
// instance that delivers works.
func TestSealKeyMismatch(t *testing.T) {
	f := newFixture(t)
	other := f.cfg
	other.SealKey = nil // random per process
	sender, err := efax.New(other)
	require.NoError(t, err)
	_, err = sender.Send(context.Background(), f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
	require.NoError(t, err)
	require.Empty(t, f.dispatch(t))
	ds, total, err := f.st.FindDeliveries(context.Background(), f.owner.Tenant, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, efax.EventCredentialsSent, ds[0].Type)
	require.Contains(t, ds[0].LastError, "Die Zugangsdaten können nicht entschlüsselt werden.")
	f.sendAndDeliver(t, f.personal, f.anna)
}

// New refuses bad configurations.
func TestNewInvalidConfig(t *testing.T) {
	f := newFixture(t)
	for field, cfg := range map[string]efax.Config{
		"Store":      {},
		"Params":     {Store: f.st, Params: cheap},
		"SealKey":    {Store: f.st, SealKey: []byte("short")},
		"MaxHashing": {Store: f.st, MaxHashing: -1},
	} {
		s, err := efax.New(cfg)
		require.Nil(t, s)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), field)
		require.Equal(t, field, numberdesk.ErrorField(err))
	}
	s, err := efax.New(efax.Config{Store: f.st, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NotNil(t, s)
}
