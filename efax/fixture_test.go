package efax_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// cheap are argon2id parameters for tests that are not about the cost.
var cheap = efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// noMail wraps a store so that the employees in blank have no e-mail
// address, as a vendor's own store may hold them (the SDK's stores require
// one).
type noMail struct {
	store.Store
	blank map[numberdesk.StaffID]bool
}

func (s *noMail) FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error) {
	e, err := s.Store.FindEmployeeByID(ctx, tenant, id)
	if err == nil && s.blank[id] {
		e.Email = ""
	}
	return e, err
}

func (s *noMail) FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error) {
	es, n, err := s.Store.FindEmployees(ctx, tenant, f)
	for _, e := range es {
		if s.blank[e.ID] {
			e.Email = ""
		}
	}
	return es, n, err
}

// fixture is a tenant on one store with:
//
//	personal  0221 123456-20  persönliche Faxnummer, held by Anna Berg
//	shared    0221 123456-21  gemeinsame Faxnummer: Anna Berg, Jonas Weber, Lena Graf (locked), Paul Neu (no e-mail)
//	voice     0221 123456-22  Sprache, held by Jonas Weber
//	pending   0221 123456-23  persönliche Faxnummer of Jonas Weber, deactivation pending
//	spare     0221 123456-24  new, for swaps
//
// and Mia Klein, a manager who holds nothing.
type fixture struct {
	st    store.Store
	nums  *numbers.Service
	staff *staff.Service
	fax   *efax.Service
	cfg   efax.Config
	rec   *notify.Recorder
	disp  *notify.Dispatcher

	owner, system                           numberdesk.Actor
	anna, jonas, lena, paul, mia            *staff.Employee
	personal, shared, voice, pending, spare *numbers.Number

	secret string // a delivered secret, for tests that need it later

	mu  sync.Mutex
	now time.Time
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

type option func(*efax.Config)

func newFixture(t testing.TB, opts ...option) *fixture {
	t.Helper()
	return newFixtureOn(t, memstore.New(), opts...)
}

func newFixtureOn(t testing.TB, base store.Store, opts ...option) *fixture {
	t.Helper()
	ctx := context.Background()
	st := &noMail{Store: base, blank: map[numberdesk.StaffID]bool{}}
	f := &fixture{st: st, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), rec: &notify.Recorder{}}
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: f.clock})
	require.NoError(t, err)
	f.nums = nums
	f.staff = staff.NewService(staff.Config{Store: st, Numbers: f.nums, Clock: f.clock})
	_, owner, err := f.staff.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "owner@muster.example"}})
	require.NoError(t, err)
	f.owner, f.system = owner.Actor(), numberdesk.System(owner.Tenant)
	person := func(first, last string, role numberdesk.Role) *staff.Employee {
		e, err := f.staff.Create(ctx, f.owner, staff.CreateRequest{FirstName: first, LastName: last,
			Email: strings.ToLower(first) + "@muster.example", Role: role})
		require.NoError(t, err)
		return e
	}
	f.anna, f.jonas = person("Anna", "Berg", numberdesk.RoleEmployee), person("Jonas", "Weber", numberdesk.RoleEmployee)
	f.lena, f.paul = person("Lena", "Graf", numberdesk.RoleEmployee), person("Paul", "Neu", numberdesk.RoleEmployee)
	f.mia = person("Mia", "Klein", numberdesk.RoleManager)

	ns, err := f.nums.Provision(ctx, f.owner, numbers.ProvisionRequest{Number: "0221 123456", ExtensionFrom: "20", ExtensionTo: "24"})
	require.NoError(t, err)
	q, err := f.nums.Quote(ctx, f.owner, []numberdesk.NumberID{ns[0].ID, ns[1].ID, ns[2].ID, ns[3].ID})
	require.NoError(t, err)
	_, err = f.nums.Activate(ctx, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	assign := func(n *numbers.Number, e *staff.Employee) {
		_, err := f.nums.Assign(ctx, f.owner, numbers.AssignRequest{Number: n.ID, Employee: e.ID})
		require.NoError(t, err)
	}
	usage := func(n *numbers.Number, u routing.UsageType) {
		_, err := f.nums.SetUsageType(ctx, f.owner, numbers.SetUsageTypeRequest{Number: n.ID, UsageType: u, Confirm: true})
		require.NoError(t, err)
	}
	assign(ns[0], f.anna)
	usage(ns[0], routing.UsageFaxPersonal)
	usage(ns[1], routing.UsageFaxShared)
	for _, e := range []*staff.Employee{f.anna, f.jonas, f.lena, f.paul} {
		_, err := f.nums.AddMember(ctx, f.owner, ns[1].ID, e.ID)
		require.NoError(t, err)
	}
	assign(ns[2], f.jonas)
	assign(ns[3], f.jonas)
	usage(ns[3], routing.UsageFaxPersonal)
	_, err = f.nums.Deactivate(ctx, f.owner, numbers.DeactivateRequest{Number: ns[3].ID})
	require.NoError(t, err)
	f.lena, err = f.staff.SetLocked(ctx, f.owner, f.lena.ID, true)
	require.NoError(t, err)
	st.blank[f.paul.ID] = true
	f.paul.Email = ""
	f.personal, f.shared, f.voice, f.pending, f.spare = f.number(t, ns[0].ID), f.number(t, ns[1].ID), f.number(t, ns[2].ID), f.number(t, ns[3].ID), ns[4]

	f.cfg = efax.Config{Store: st, Clock: f.clock, Params: cheap, AllowWeakParams: true, SealKey: make([]byte, 32),
		Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&f.cfg)
	}
	f.fax, err = efax.New(f.cfg)
	require.NoError(t, err)
	f.disp = &notify.Dispatcher{Outbox: st, Notifier: f.fax.Notifier(f.rec), Clock: f.clock, Worker: "test", Logger: f.cfg.Logger}
	return f
}

func (f *fixture) number(t testing.TB, id numberdesk.NumberID) *numbers.Number {
	t.Helper()
	n, err := f.st.FindNumberByID(context.Background(), f.owner.Tenant, id)
	require.NoError(t, err)
	return n
}

// send sends the credentials of n to es as the owner.
func (f *fixture) send(t testing.TB, n *numbers.Number, es ...*staff.Employee) *efax.Confirmation {
	t.Helper()
	req := efax.SendRequest{Number: n.ID}
	for _, e := range es {
		req.Staff = append(req.Staff, e.ID)
	}
	c, err := f.fax.Send(context.Background(), f.owner, req)
	require.NoError(t, err)
	return c
}

// dispatch runs the dispatcher until the outbox has nothing due and returns
// the deliveries that reached the recorder since the last call.
func (f *fixture) dispatch(t testing.TB) []efax.Delivery {
	t.Helper()
	seen := len(f.rec.Events())
	for range 20 {
		res, err := f.disp.RunOnce(context.Background())
		require.NoError(t, err)
		if res.Delivered+res.Retried+res.Failed == 0 {
			break
		}
	}
	var out []efax.Delivery
	for _, e := range f.rec.Events()[seen:] {
		if e.Type == efax.EventCredentialsDelivery {
			d, ok := efax.DeliveryOf(e)
			require.True(t, ok, "the delivery carries the login data")
			out = append(out, d)
		}
	}
	return out
}

// sendAndDeliver sends the credentials of n to e and returns the delivered
// username and secret.
func (f *fixture) sendAndDeliver(t testing.TB, n *numbers.Number, e *staff.Employee) (username, secret string) {
	t.Helper()
	f.send(t, n, e)
	ds := f.dispatch(t)
	require.Len(t, ds, 1)
	require.Equal(t, e.ID, ds[0].Employee)
	return ds[0].Username, ds[0].Secret.Reveal()
}

// credential returns the stored login of e for n.
func (f *fixture) credential(t testing.TB, n *numbers.Number, e *staff.Employee) *efax.StoredCredential {
	t.Helper()
	cs, err := f.st.FindCredentials(context.Background(), f.owner.Tenant, efax.CredentialFilter{Number: n.ID, Staff: e.ID})
	require.NoError(t, err)
	require.Len(t, cs, 1)
	return cs[0]
}

// efaxEvents returns the tenant's efax events of the given types.
func (f *fixture) events(t testing.TB, types ...numberdesk.EventType) []numberdesk.Event {
	t.Helper()
	es, err := f.st.FindEvents(context.Background(), f.owner.Tenant, numberdesk.EventFilter{Types: types})
	require.NoError(t, err)
	return es
}

// requireAuthFails checks that the login fails with the one error of
// Authenticate.
func requireAuthFails(t testing.TB, s *efax.Service, username, secret string) {
	t.Helper()
	l, err := s.Authenticate(context.Background(), username, secret)
	require.Nil(t, l)
	require.Error(t, err)
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, "Benutzername oder Passwort ist falsch.", numberdesk.ErrorMessage(err))
	require.Equal(t, "efax.Authenticate: credentials: Benutzername oder Passwort ist falsch.", err.Error())
}
