// Package demo is the backend of the reference UI in demo mode: the SDK's
// services (staff, numbers, efax) on a memstore, with a real clock, a demo tenant
// in Europe/Berlin and its seed data, and a persistent form (Save/Load) that
// the UI keeps in the browser's localStorage. SeedStore plants the same seed
// on any store: the portal's server mode seeds its database with it.
//
// It has no UI and no browser dependency: plain go test covers it.
package demo

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// FormatVersion is the version of Save's format; Load refuses others.
const FormatVersion = 1

// Demo is one demo tenant with its services. Its methods are safe for
// concurrent use (the services are); the UI calls them from its goroutine.
type Demo struct {
	// Store is the in-memory store of Seed and Load (Save snapshots it).
	Store   *memstore.Store
	Numbers *numbers.Service
	Staff   *staff.Service
	// Fax issues the E-Fax-App credentials. The demo has no mail server:
	// Deliver hands the mails to a sink in the browser.
	Fax    *efax.Service
	Tenant *numberdesk.Tenant
	// Owner is the "Administrator-Konto", the default actor of the UI.
	Owner *staff.Employee

	acting *staff.Employee // the employee the UI acts as; nil: Owner
	clock  func() time.Time
	st     store.Store // the store the services run on: Store, or SeedStore's
}

// Config configures New, Seed and Load. The zero value uses the wall clock.
type Config struct {
	Clock func() time.Time // default time.Now
	// ConsentLabel is the activation button's wording that the demo's
	// numbers.Service records as the consent (a vendor's brand); default
	// numbers.DefaultConsentLabel.
	ConsentLabel string
}

func (c Config) clock() func() time.Time {
	if c.Clock != nil {
		return c.Clock
	}
	return time.Now
}

// wire builds the services over st. Seed and Load set Store.
func wire(st store.Store, clock func() time.Time, consent string) (*Demo, error) {
	c := numberdesk.Clock(clock)
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: c, ConsentLabel: consent})
	if err != nil {
		return nil, err
	}
	// One hash at a time: the browser runs one goroutine at a time anyway,
	// and 19 MiB is all the memory argon2id takes then.
	fax, err := efax.New(efax.Config{Store: st, Clock: c, MaxHashing: 1})
	if err != nil {
		return nil, err
	}
	return &Demo{
		st:      st,
		Numbers: nums,
		Staff:   staff.NewService(staff.Config{Store: st, Numbers: nums, Clock: c}),
		Fax:     fax,
		clock:   clock,
	}, nil
}

// Deliver runs the outbox once, as a vendor's dispatcher would: every
// pending event goes through the e-fax Notifier (which unseals the
// credentials mail and revokes logins whose holder is no longer eligible)
// to a sink, the demo's stand-in for the mail server. A secret reaches the
// sink only in memory and is dropped there; what a Send leaves behind is
// its hash. The UI calls Deliver after every command. It returns how many
// events it handled.
func (d *Demo) Deliver(ctx context.Context) (int, error) {
	sink := notify.NotifierFunc(func(context.Context, numberdesk.Event) error { return nil })
	disp := &notify.Dispatcher{Outbox: d.st, Notifier: d.Fax.Notifier(sink), Clock: d.clock}
	total := 0
	for range 1000 { // bounded: a failed delivery waits for its back-off
		r, err := disp.RunOnce(ctx)
		n := r.Delivered + r.Retried + r.Failed
		if total += n; err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

// Now returns the demo's current time.
func (d *Demo) Now() time.Time { return d.clock() }

// Actor returns the acting account: the owner, or the employee chosen with
// ActAs.
func (d *Demo) Actor() numberdesk.Actor { return d.Acting().Actor() }

// Acting returns the employee the UI acts as.
func (d *Demo) Acting() *staff.Employee {
	if d.acting != nil {
		return d.acting
	}
	return d.Owner
}

// ActAs makes the UI act as the employee id (the demo's actor switch), so
// that the role rules show: a manager may not activate, an employee sees
// only its numbers. A locked employee cannot act (CodePrecondition).
func (d *Demo) ActAs(ctx context.Context, id numberdesk.StaffID) error {
	e, err := d.st.FindEmployeeByID(ctx, d.Tenant.ID, id)
	if err != nil {
		return numberdesk.E(numberdesk.CodeNotFound, "demo.ActAs", "employee", "Der Mitarbeiter wurde nicht gefunden.")
	}
	if e.Locked {
		return numberdesk.E(numberdesk.CodePrecondition, "demo.ActAs", "employee", "%s ist gesperrt und kann sich nicht anmelden.", e.Name())
	}
	d.acting = e
	if e.ID == d.Owner.ID {
		d.acting = nil
	}
	return nil
}

// Location returns the tenant's time zone.
func (d *Demo) Location() *time.Location { return d.Tenant.Location() }

// ApplyDue runs the scheduled job as the system actor: every pending
// deactivation whose date has passed takes effect. The UI calls it on load.
func (d *Demo) ApplyDue(ctx context.Context) ([]numberdesk.NumberID, error) {
	return d.Numbers.ApplyDue(ctx, numberdesk.System(d.Tenant.ID), d.clock())
}

// Employees returns every employee of the tenant, sorted by name (read as
// the system, so that names show whoever acts).
func (d *Demo) Employees(ctx context.Context) ([]*staff.Employee, error) {
	es, _, err := d.Staff.List(ctx, numberdesk.System(d.Tenant.ID), staff.Query{Limit: 1000})
	return es, err
}

// Names returns the names of the tenant's employees by ID.
func (d *Demo) Names(ctx context.Context) (map[numberdesk.StaffID]string, error) {
	es, err := d.Employees(ctx)
	if err != nil {
		return nil, err
	}
	return NamesOf(es), nil
}

// NamesOf returns the names of es by ID.
func NamesOf(es []*staff.Employee) map[numberdesk.StaffID]string {
	m := make(map[numberdesk.StaffID]string, len(es))
	for _, e := range es {
		m[e.ID] = e.Name()
	}
	return m
}

// saved is the persistent form of a Demo.
type saved struct {
	Version int                 `json:"version"`
	Tenant  numberdesk.TenantID `json:"tenant"`
	Owner   numberdesk.StaffID  `json:"owner"`
	Actor   numberdesk.StaffID  `json:"actor,omitempty"` // ActAs; empty: the owner
	Store   json.RawMessage     `json:"store"`
}

// Save returns the demo's whole state as JSON for Load.
func (d *Demo) Save() ([]byte, error) {
	snap, err := d.Store.Snapshot()
	if err != nil {
		return nil, err
	}
	v := saved{Version: FormatVersion, Tenant: d.Tenant.ID, Owner: d.Owner.ID, Store: snap}
	if d.acting != nil {
		v.Actor = d.acting.ID
	}
	return json.Marshal(v)
}

// Load restores a demo that Save wrote. A state of another format, or one
// whose tenant or owner is missing, is CodeInvalid: the UI then seeds anew.
func Load(ctx context.Context, data []byte, cfg Config) (*Demo, error) {
	const op = "demo.Load"
	var s saved
	if err := json.Unmarshal(data, &s); err != nil || s.Version != FormatVersion {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "version", "Der gespeicherte Demo-Stand ist veraltet.")
	}
	st, err := memstore.Restore(s.Store)
	if err != nil {
		return nil, err
	}
	d, err := wire(st, cfg.clock(), cfg.ConsentLabel)
	if err != nil {
		return nil, err
	}
	d.Store = st
	if d.Tenant, err = st.FindTenantByID(ctx, s.Tenant); err != nil {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der gespeicherte Demo-Stand ist unvollständig.")
	}
	if d.Owner, err = st.FindEmployeeByID(ctx, s.Tenant, s.Owner); err != nil || d.Owner.Role != numberdesk.RoleOwner {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "owner", "Der gespeicherte Demo-Stand ist unvollständig.")
	}
	if s.Actor != "" {
		_ = d.ActAs(ctx, s.Actor) // a deleted or locked actor falls back to the owner
	}
	return d, nil
}

// Count returns how many numbers the tenant has.
func (d *Demo) Count(ctx context.Context) (int, error) {
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Limit: 1})
	if err != nil {
		return 0, err
	}
	return p.Total, nil
}

// Candidates returns the numbers that may take another's place in a swap
// (new or inactive, and past any porting date), sorted by number.
func (d *Demo) Candidates(ctx context.Context) ([]*numbers.Number, error) {
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{
		Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusInactive}, Limit: numbers.MaxPageSize})
	if err != nil {
		return nil, err
	}
	now := d.clock()
	return slices.DeleteFunc(p.Numbers, func(n *numbers.Number) bool {
		return !n.PortingDate.IsZero() && now.Before(n.PortingDate)
	}), nil
}
