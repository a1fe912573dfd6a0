package demo_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

func TestSeed(t *testing.T) {
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	require.Equal(t, "Europe/Berlin", d.Tenant.TimeZone)
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, demo.StandardCount, p.Total)
	labels := map[string]int{}
	usage := map[routing.UsageType]int{}
	for _, n := range p.Numbers {
		labels[n.StatusLabel()]++
		usage[n.UsageType]++
	}
	require.Equal(t, map[string]int{"aktiv": 7, "Zur Deaktivierung vorgemerkt": 1, "inaktiv": 1, "neu": 12, "portiert": 2}, labels)
	require.Equal(t, 1, usage[routing.UsageFaxPersonal])
	require.Equal(t, 1, usage[routing.UsageFaxShared])
	es, err := d.Employees(ctx)
	require.NoError(t, err)
	require.Len(t, es, 6)
	locked := 0
	for _, e := range es {
		if e.Locked {
			locked++
		}
	}
	require.Equal(t, 1, locked)
	// The office hours plan is stored on 0221 123456-10.
	p10, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Search: demo.Block + "10"})
	require.NoError(t, err)
	set, err := d.Numbers.Routing(ctx, d.Actor(), p10.Numbers[0].ID)
	require.NoError(t, err)
	require.Equal(t, "Bürozeiten", set.Plan.Rules[0].Name)
	// One ported number can be swapped in, the other not yet.
	cs, err := d.Candidates(ctx)
	require.NoError(t, err)
	require.Len(t, cs, 14) // 12 new, the ported one whose date passed, the inactive one
}

func TestSeedFillsUpTo(t *testing.T) {
	d, err := demo.Seed(t.Context(), 1000, demo.Config{})
	require.NoError(t, err)
	n, err := d.Count(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1000, n)
	d, err = demo.Seed(t.Context(), 2500, demo.Config{})
	require.NoError(t, err)
	n, err = d.Count(t.Context())
	require.NoError(t, err)
	require.Equal(t, 2500, n)
}

func TestActAs(t *testing.T) {
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	es, err := d.Employees(ctx)
	require.NoError(t, err)
	byName := map[string]numberdesk.StaffID{}
	for _, e := range es {
		byName[e.Name()] = e.ID
	}
	require.Error(t, d.ActAs(ctx, byName["Paul Gesperrt"]), "a locked employee cannot act")
	require.NoError(t, d.ActAs(ctx, byName["Max Muster"]))
	require.Equal(t, numberdesk.RoleEmployee, d.Actor().Role)
	// An employee sees only the numbers it holds (-10 and the shared fax).
	n, err := d.Count(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	// The choice is saved with the demo.
	data, err := d.Save()
	require.NoError(t, err)
	l, err := demo.Load(ctx, data, demo.Config{})
	require.NoError(t, err)
	require.Equal(t, byName["Max Muster"], l.Acting().ID)
	require.NoError(t, l.ActAs(ctx, d.Owner.ID))
	require.Equal(t, numberdesk.RoleOwner, l.Actor().Role)
}

func TestSaveLoad(t *testing.T) {
	ctx := t.Context()
	now := time.Now()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	data, err := d.Save()
	require.NoError(t, err)
	// Three months later the pending deactivation has taken effect on load.
	later := demo.Config{Clock: func() time.Time { return now.AddDate(0, 3, 0) }}
	l, err := demo.Load(ctx, data, later)
	require.NoError(t, err)
	require.Equal(t, d.Owner.ID, l.Owner.ID)
	due, err := l.ApplyDue(ctx)
	require.NoError(t, err)
	require.Len(t, due, 1)
	_, err = demo.Load(ctx, []byte(`{"version":0}`), demo.Config{})
	require.Error(t, err)
	_, err = demo.Load(ctx, []byte(`not json`), demo.Config{})
	require.Error(t, err)
}

// The demo's persistence cost with 1,000 numbers: Save after every command,
// Load on every start. The size is what localStorage holds.
func BenchmarkSaveLoad1000(b *testing.B) {
	ctx := b.Context()
	d, err := demo.Seed(ctx, 1000, demo.Config{})
	require.NoError(b, err)
	data, err := d.Save()
	require.NoError(b, err)
	b.Run("Save", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Save(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(data)), "bytes/state")
	})
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := demo.Load(ctx, data, demo.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Seed", func(b *testing.B) {
		for b.Loop() {
			if _, err := demo.Seed(ctx, 1000, demo.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The demo sends E-Fax-App credentials and delivers them at once: the
// sealed secret is gone after Deliver, the login survives Save/Load, and
// locking the holder revokes it when the outbox runs.
func TestEfaxDelivery(t *testing.T) {
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Search: demo.Block + "17"})
	require.NoError(t, err)
	fax := p.Numbers[0]
	el, err := d.Fax.Recipients(ctx, d.Actor(), fax.ID)
	require.NoError(t, err)
	require.True(t, el.Fixed)
	require.Len(t, el.Candidates, 1)
	lena := el.Candidates[0].Staff
	conf, err := d.Fax.Send(ctx, d.Actor(), efax.SendRequest{Number: fax.ID, Staff: []numberdesk.StaffID{lena}})
	require.NoError(t, err)
	require.Equal(t, "Die Zugangsdaten wurden an Lena Fax versendet.", conf.Message)
	n, err := d.Deliver(ctx)
	require.NoError(t, err)
	require.Positive(t, n)
	stored, err := d.Store.FindCredentials(ctx, d.Tenant.ID, efax.CredentialFilter{Number: fax.ID})
	require.NoError(t, err)
	require.Len(t, stored, 1)
	require.Empty(t, stored[0].Sealed, "delivered: nothing left to unseal")
	require.False(t, stored[0].DeliveredAt.IsZero())

	data, err := d.Save()
	require.NoError(t, err)
	d, err = demo.Load(ctx, data, demo.Config{})
	require.NoError(t, err)
	_, err = d.Staff.SetLocked(ctx, d.Actor(), lena, true)
	require.NoError(t, err)
	_, err = d.Deliver(ctx)
	require.NoError(t, err)
	cs, err := d.Fax.Credentials(ctx, d.Actor(), fax.ID)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, efax.StatusRevoked, cs[0].Status)
	require.Equal(t, efax.ReasonEmployeeLocked, cs[0].Reason)
}
