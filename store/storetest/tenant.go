package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
)

// TenantStore is what NewTenant needs of a store.
type TenantStore interface {
	numberdesk.TenantStore
	CreateEmployee(ctx context.Context, e *staff.Employee) error
}

// NewTenant stores a tenant named name (time zone Europe/Berlin) and its
// owner directly in st, without events, and returns the owner's Actor: the
// services verify every actor against its stored employee, so a test's
// actor must be a stored one.
func NewTenant(ctx context.Context, st TenantStore, name string, now time.Time) (numberdesk.Actor, error) {
	tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: name, TimeZone: numberdesk.DefaultTimeZone, CreatedAt: now}
	if err := st.CreateTenant(ctx, tn); err != nil {
		return numberdesk.Actor{}, fmt.Errorf("storetest: create tenant: %w", err)
	}
	owner := &staff.Employee{ID: numberdesk.NewStaffID(), Tenant: tn.ID, FirstName: "Olga", LastName: "Owner",
		Email: "owner@" + string(tn.ID)[:8] + ".example", Role: numberdesk.RoleOwner,
		Preferences: staff.DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateEmployee(ctx, owner); err != nil {
		return numberdesk.Actor{}, fmt.Errorf("storetest: create owner: %w", err)
	}
	return owner.Actor(), nil
}

// Event returns numberdesk.NewEvent's event, failing t if data has no JSON
// form: for tests that append events of their own.
func Event(t testing.TB, typ numberdesk.EventType, actor numberdesk.Actor, at time.Time, number numberdesk.NumberID, data any) numberdesk.Event {
	t.Helper()
	e, err := numberdesk.NewEvent(typ, actor, at, number, data)
	if err != nil {
		t.Fatalf("storetest.Event: %v", err)
	}
	return e
}
