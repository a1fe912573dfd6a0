package smtpmail_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// portal is the whole path of a notification: a missed call fed in by the
// PBX, the notification event in the outbox, the dispatcher, the SMTP
// notifier and a real SMTP server.
type portal struct {
	store *memstore.Store
	nums  *numbers.Service
	owner numberdesk.Actor
	anna  *staff.Employee
	ben   *staff.Employee
	held  *numbers.Number // held by anna
	benNo *numbers.Number // held by ben, who switched missed calls off

	mu  sync.Mutex
	now time.Time
}

func (p *portal) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

func (p *portal) advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = p.now.Add(d)
}

func newPortal(t *testing.T) *portal {
	t.Helper()
	ctx := context.Background()
	p := &portal{store: memstore.New(), now: time.Date(2026, 11, 27, 14, 5, 0, 0, time.UTC)}
	nums, err := numbers.NewService(numbers.Config{Store: p.store, Clock: p.clock})
	require.NoError(t, err)
	p.nums = nums
	st := staff.NewService(staff.Config{Store: p.store, Numbers: p.nums, Clock: p.clock})
	_, owner, err := st.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH", Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "owner@muster.example"}})
	require.NoError(t, err)
	p.owner = owner.Actor()
	ns, err := p.nums.Provision(ctx, p.owner, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "11"})
	require.NoError(t, err)
	q, err := p.nums.Quote(ctx, p.owner, []numberdesk.NumberID{ns[0].ID, ns[1].ID})
	require.NoError(t, err)
	_, err = p.nums.Activate(ctx, p.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	p.held, p.benNo = ns[0], ns[1]
	p.anna, err = st.Create(ctx, p.owner, staff.CreateRequest{FirstName: "Anna", LastName: "Müller", Email: "anna@muster.example", Numbers: []numberdesk.NumberID{p.held.ID}})
	require.NoError(t, err)
	p.ben, err = st.Create(ctx, p.owner, staff.CreateRequest{FirstName: "Ben", LastName: "Bauer", Email: "ben@muster.example", Numbers: []numberdesk.NumberID{p.benNo.ID}})
	require.NoError(t, err)
	prefs := staff.DefaultPreferences
	prefs.MissedCalls = false
	_, err = st.SetPreferences(ctx, p.ben.Actor(), p.ben.ID, prefs)
	require.NoError(t, err)
	return p
}

func (p *portal) missedCall(t *testing.T, n *numbers.Number) {
	t.Helper()
	_, err := p.nums.Feed(context.Background(), numberdesk.System(p.owner.Tenant), []numbers.RecordInput{{
		Number: n.E164, Kind: numbers.RecordCall, At: p.clock(), Caller: "+491712345678", Result: numbers.ResultMissed}})
	require.NoError(t, err)
}

// drain runs the dispatcher, advancing the clock past back-offs, until
// nothing is pending.
func (p *portal) drain(t *testing.T, d *notify.Dispatcher) {
	t.Helper()
	for range 50 {
		if _, err := d.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, pending, err := p.store.FindDeliveries(context.Background(), p.owner.Tenant, notify.DeliveryFilter{States: []notify.State{notify.StatePending}})
		require.NoError(t, err)
		if pending == 0 {
			return
		}
		p.advance(time.Minute)
	}
	t.Fatal("the outbox never drained")
}

// An SMTP server answering 421/451 several times, then 250: the mail arrives
// after back-off, exactly once; the employee who switched missed calls off
// gets nothing.
func TestDispatchToSMTPRetriesTransientReplies(t *testing.T) {
	p := newPortal(t)
	srv := newSMTPServer(t, func(attempt int) *smtpFault {
		switch attempt {
		case 0:
			return &smtpFault{Stage: stageEHLO, Code: 421}
		case 1:
			return &smtpFault{Stage: stageRcpt, Code: 451}
		case 2:
			return &smtpFault{Stage: stageData, Code: 451}
		}
		return nil
	})
	p.missedCall(t, p.held)
	p.missedCall(t, p.benNo)
	d := &notify.Dispatcher{Outbox: p.store, Notifier: newNotifier(t, srv.Config()), Clock: p.clock,
		Backoff: notify.Exponential(10*time.Second, time.Minute)}
	p.drain(t, d)

	got := srv.Received()
	require.Len(t, got, 1, "one mail: anna's; ben switched missed calls off")
	require.Equal(t, []string{"anna@muster.example"}, got[0].To)
	m := parseMail(t, got[0].Raw)
	require.Equal(t, "Verpasster Anruf auf 0221 123456-10", m.Subject)
	require.Equal(t, 4, srv.Attempts(), "three transient failures, then delivered")
	ds, _, err := p.store.FindDeliveries(context.Background(), p.owner.Tenant, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
	require.NoError(t, err)
	require.Empty(t, ds)
}

// 550: not retried, marked failed, visible to the tenant.
func TestDispatchToSMTPPermanentReplyIsVisible(t *testing.T) {
	p := newPortal(t)
	srv := newSMTPServer(t, func(int) *smtpFault { return &smtpFault{Stage: stageRcpt, Code: 550} })
	p.missedCall(t, p.held)
	d := &notify.Dispatcher{Outbox: p.store, Notifier: newNotifier(t, srv.Config()), Clock: p.clock}
	p.drain(t, d)
	require.Equal(t, 1, srv.Attempts(), "a permanent reply is not retried")
	ds, total, err := p.store.FindDeliveries(context.Background(), p.owner.Tenant, notify.DeliveryFilter{States: []notify.State{notify.StateFailed}})
	require.NoError(t, err)
	require.Equal(t, 1, total)
	require.Equal(t, staff.EventNotification, ds[0].Type)
	require.Contains(t, ds[0].LastError, "550")
	require.Empty(t, srv.Received())
}
