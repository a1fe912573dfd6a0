package numbers_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// seed stores count numbers in the fixture's tenant directly, every third one
// active, in blocks of 1000 per CreateNumbers call.
func seed(b *testing.B, f *fixture, count int) []*numbers.Number {
	b.Helper()
	all := make([]*numbers.Number, 0, count)
	now := f.clock()
	for i := 0; i < count; i += 1000 {
		batch := make([]*numbers.Number, 0, 1000)
		for j := i; j < min(i+1000, count); j++ {
			n := &numbers.Number{
				ID: numberdesk.NewNumberID(), Tenant: f.tenant, E164: fmt.Sprintf("+49221%07d", j),
				Origin: numbers.OriginNew, Status: numbers.StatusNew, UsageType: routing.UsageVoice,
				CreatedAt: now, UpdatedAt: now,
			}
			if j%3 == 0 {
				n.Status, n.BillingLine, n.BilledSince = numbers.StatusActive, fmt.Sprint("line-", j), now
			}
			batch = append(batch, n)
		}
		require.NoError(b, f.store.CreateNumbers(bg, batch...))
		all = append(all, batch...)
	}
	return all
}

// BenchmarkOverviewStatusPage: a page of 50 out of 100,000 numbers with a
// status filter, through the service.
func BenchmarkOverviewStatusPage(b *testing.B) {
	f := newFixture(b)
	seed(b, f, 100_000)
	q := numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}, Offset: 10_000, Limit: 50}
	b.ReportAllocs()
	for b.Loop() {
		p, err := f.svc.Overview(bg, f.owner, q)
		if err != nil || len(p.Numbers) != 50 {
			b.Fatal(err, len(p.Numbers))
		}
	}
}

// BenchmarkActivateBlock100: quote and activate a block of 100 numbers.
func BenchmarkActivateBlock100(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		ns, err := f.svc.Provision(bg, f.owner, numbers.ProvisionRequest{Number: fmt.Sprintf("0221 %06d", i), ExtensionFrom: "00", ExtensionTo: "99"})
		require.NoError(b, err)
		i++
		b.StartTimer()
		q, err := f.svc.Quote(bg, f.owner, ids(ns))
		if err != nil {
			b.Fatal(err)
		}
		res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
		if err != nil || res.Activated() != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyDue: 100,000 numbers of which 1,000 are due.
func BenchmarkApplyDue(b *testing.B) {
	f := newFixture(b)
	all := seed(b, f, 100_000)
	var active []*numbers.Number
	for _, n := range all {
		if n.Status == numbers.StatusActive {
			active = append(active, n)
		}
	}
	sys := numberdesk.System(f.tenant)
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		b.StopTimer()
		// Make the next 1,000 numbers due (after a round they are inactive; reuse them by re-activating).
		due := make([]*numbers.Number, 0, 1000)
		start := round % (len(active) / 1000) * 1000
		for _, n := range active[start : start+1000] {
			c := f.get(b, n.ID)
			c.Status, c.DeactivationAt = numbers.StatusDeactivationPending, f.clock()
			if c.BillingLine == "" {
				c.BillingLine, c.BilledSince = "line", f.clock()
			}
			due = append(due, c)
		}
		require.NoError(b, f.store.UpdateNumbers(bg, due...))
		round++
		b.StartTimer()
		done, err := f.svc.ApplyDue(bg, sys, f.clock().Add(time.Second))
		if err != nil || len(done) != 1000 {
			b.Fatal(err, len(done))
		}
	}
}
