package demo

import (
	"context"
	"errors"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// TenantID is the ID of the demo tenant that SeedStore plants. It is the
// same in every process, so that a server finds the tenant after a restart
// and a second SeedStore of a store conflicts instead of seeding again.
const TenantID numberdesk.TenantID = "5eed0000-de30-4000-8000-000000000001"

// Seeded is the demo tenant of a store.
type Seeded struct {
	Tenant *numberdesk.Tenant
	// Owner is the "Administrator-Konto".
	Owner *staff.Employee
	// Employees are the tenant's employees, owner included, by last name
	// and first name.
	Employees []*staff.Employee
	// Created reports whether this SeedStore planted the tenant; false:
	// it was there already.
	Created bool
}

// SeedStore plants the demo tenant with the standard seed of Seed (its
// 80 days of history included, no spare numbers) on st, a store a server
// keeps, under the ID TenantID. It seeds at most once per store: if the
// tenant exists, it returns it with Created false. The whole seed is one
// transaction of st that starts by creating the tenant, so a store never
// holds half a seed, and of several SeedStore running at once on one store
// (several processes starting together) one seeds and the others, whose
// creation of TenantID conflicts, return the tenant it planted.
//
// The seed's events are in st's outbox: a dispatcher delivers them (the
// missed call of Erika Beispiel, for one).
func SeedStore(ctx context.Context, st store.Store, cfg Config) (*Seeded, error) {
	if s, err := seeded(ctx, st); err == nil || numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
		return s, err
	}
	err := st.InTx(ctx, func(ctx context.Context) error {
		if _, err := st.FindTenantByID(ctx, TenantID); err == nil {
			return errSeeded
		}
		_, err := play(ctx, st, TenantID, cfg.clock(), cfg.ConsentLabel)
		return err
	})
	s, err2 := seeded(ctx, st)
	switch {
	case err == nil && err2 == nil:
		s.Created = true
		return s, nil
	case err2 == nil:
		// Another process has seeded meanwhile: errSeeded, or on
		// PostgreSQL the conflict of CreateTenant (this transaction did
		// not see the other's before it committed).
		return s, nil
	case err == nil || errors.Is(err, errSeeded):
		return nil, err2
	}
	return nil, err
}

// errSeeded ends SeedStore's transaction when the tenant exists.
var errSeeded = errors.New("demo: the demo tenant exists")

// seeded returns the demo tenant of st, or CodeNotFound.
func seeded(ctx context.Context, st store.Store) (*Seeded, error) {
	t, err := st.FindTenantByID(ctx, TenantID)
	if err != nil {
		return nil, err
	}
	es, _, err := st.FindEmployees(ctx, TenantID, staff.Filter{})
	if err != nil {
		return nil, err
	}
	s := &Seeded{Tenant: t, Employees: es}
	for _, e := range es {
		if e.Role == numberdesk.RoleOwner {
			s.Owner = e
		}
	}
	if s.Owner == nil {
		return nil, numberdesk.E(numberdesk.CodeInternal, "demo.SeedStore", "owner", "Der Demo-Mandant hat kein Administrator-Konto.")
	}
	return s, nil
}
