package numbers_test

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// tb is what both *testing.T and *rapid.T offer.
type tb interface {
	require.TestingT
	Helper()
}

// fixture is a tenant with an owner on a fresh memstore, with a fake clock
// that starts at 2026-01-15 10:00 Berlin.
type fixture struct {
	store  *memstore.Store
	svc    *numbers.Service
	tenant numberdesk.TenantID
	owner  numberdesk.Actor
	loc    *time.Location

	mu  sync.Mutex
	now time.Time
}

func newFixture(t tb, opts ...func(*numbers.Config)) *fixture {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	f := &fixture{store: memstore.New(), loc: loc, now: time.Date(2026, 1, 15, 10, 0, 0, 0, loc)}
	f.tenant = f.newTenant(t)
	f.owner = f.member(t, f.tenant, "Olga", numberdesk.RoleOwner).Actor()
	cfg := numbers.Config{Store: f.store, Clock: f.clock}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := numbers.NewService(cfg)
	require.NoError(t, err)
	f.svc = svc
	return f
}

func (f *fixture) newTenant(t tb) numberdesk.TenantID {
	t.Helper()
	tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Muster GmbH", TimeZone: "Europe/Berlin", CreatedAt: f.clock()}
	require.NoError(t, f.store.CreateTenant(context.Background(), tn))
	return tn.ID
}

// member creates an employee of tenant with role directly in the store:
// the services verify every actor against its stored employee.
func (f *fixture) member(t tb, tenant numberdesk.TenantID, first string, role numberdesk.Role) *staff.Employee {
	t.Helper()
	now := f.clock()
	e := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tenant, FirstName: first, LastName: "Muster",
		Email: first + "@muster.example", Role: role,
		Preferences: staff.DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, f.store.CreateEmployee(context.Background(), e))
	return e
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fixture) get(t tb, id numberdesk.NumberID) *numbers.Number {
	t.Helper()
	n, err := f.store.FindNumberByID(context.Background(), f.tenant, id)
	require.NoError(t, err)
	return n
}

// provision adds a block of count numbers (or one number if count is 0).
func (f *fixture) provision(t tb, base string, count int, opts ...func(*numbers.ProvisionRequest)) []*numbers.Number {
	t.Helper()
	req := numbers.ProvisionRequest{Number: base}
	if count > 0 {
		req.ExtensionFrom, req.ExtensionTo = "100", strconv.Itoa(100+count-1)
	}
	for _, o := range opts {
		o(&req)
	}
	ns, err := f.svc.Provision(context.Background(), f.owner, req)
	require.NoError(t, err)
	return ns
}

// activate quotes and activates ns.
func (f *fixture) activate(t tb, ns ...*numbers.Number) *numbers.ActivateResult {
	t.Helper()
	q, err := f.svc.Quote(context.Background(), f.owner, ids(ns))
	require.NoError(t, err)
	res, err := f.svc.Activate(context.Background(), f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	return res
}

// snapshot returns every number and event of the tenant, to prove that a
// failed command changed nothing.
func (f *fixture) snapshot(t tb) ([]*numbers.Number, []numberdesk.Event) {
	t.Helper()
	ns, _, err := f.store.FindNumbers(context.Background(), f.tenant, numbers.Filter{})
	require.NoError(t, err)
	evs, err := f.store.FindEvents(context.Background(), f.tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	return ns, evs
}

func ids(ns []*numbers.Number) []numberdesk.NumberID {
	out := make([]numberdesk.NumberID, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}
