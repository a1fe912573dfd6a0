// The spans of store.Store's methods: one method each, written from the
// method set (the compiler checks that *storeSpans is a store.Store).

package otel

import (
	"context"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

// CreateTenant is store.Store's, in a span.
func (s *storeSpans) CreateTenant(ctx context.Context, t *numberdesk.Tenant) error {
	var tenant numberdesk.TenantID
	if t != nil {
		tenant = t.ID
	}
	ctx, end := s.t.storeSpan(ctx, "CreateTenant", tenant)
	err := s.next.CreateTenant(ctx, t)
	end(err)
	return err
}

// FindTenantByID is store.Store's, in a span.
func (s *storeSpans) FindTenantByID(ctx context.Context, id numberdesk.TenantID) (*numberdesk.Tenant, error) {
	ctx, end := s.t.storeSpan(ctx, "FindTenantByID", id)
	r0, err := s.next.FindTenantByID(ctx, id)
	end(err)
	return r0, err
}

// AppendEvents is store.Store's, in a span.
func (s *storeSpans) AppendEvents(ctx context.Context, events ...numberdesk.Event) error {
	ctx, end := s.t.storeSpan(ctx, "AppendEvents", eventsTenant(events))
	err := s.next.AppendEvents(ctx, events...)
	end(err)
	return err
}

// FindEvents is store.Store's, in a span.
func (s *storeSpans) FindEvents(ctx context.Context, tenant numberdesk.TenantID, f numberdesk.EventFilter) ([]numberdesk.Event, error) {
	ctx, end := s.t.storeSpan(ctx, "FindEvents", tenant)
	r0, err := s.next.FindEvents(ctx, tenant, f)
	end(err)
	return r0, err
}

// FindIdempotencyRecord is store.Store's, in a span.
func (s *storeSpans) FindIdempotencyRecord(ctx context.Context, tenant numberdesk.TenantID, key string) (*numberdesk.IdempotencyRecord, error) {
	ctx, end := s.t.storeSpan(ctx, "FindIdempotencyRecord", tenant)
	r0, err := s.next.FindIdempotencyRecord(ctx, tenant, key)
	end(err)
	return r0, err
}

// CreateIdempotencyRecord is store.Store's, in a span.
func (s *storeSpans) CreateIdempotencyRecord(ctx context.Context, r *numberdesk.IdempotencyRecord) error {
	var tenant numberdesk.TenantID
	if r != nil {
		tenant = r.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "CreateIdempotencyRecord", tenant)
	err := s.next.CreateIdempotencyRecord(ctx, r)
	end(err)
	return err
}

// DeleteIdempotencyRecords is store.Store's, in a span.
func (s *storeSpans) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	ctx, end := s.t.storeSpan(ctx, "DeleteIdempotencyRecords", "")
	r0, err := s.next.DeleteIdempotencyRecords(ctx, before)
	end(err)
	return r0, err
}

// FindSettings is store.Store's, in a span.
func (s *storeSpans) FindSettings(ctx context.Context, tenant numberdesk.TenantID, number numberdesk.NumberID) (*routing.Settings, error) {
	ctx, end := s.t.storeSpan(ctx, "FindSettings", tenant)
	r0, err := s.next.FindSettings(ctx, tenant, number)
	end(err)
	return r0, err
}

// SaveSettings is store.Store's, in a span.
func (s *storeSpans) SaveSettings(ctx context.Context, set *routing.Settings) error {
	var tenant numberdesk.TenantID
	if set != nil {
		tenant = set.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "SaveSettings", tenant)
	err := s.next.SaveSettings(ctx, set)
	end(err)
	return err
}

// DeleteSettings is store.Store's, in a span.
func (s *storeSpans) DeleteSettings(ctx context.Context, tenant numberdesk.TenantID, numbers ...numberdesk.NumberID) error {
	ctx, end := s.t.storeSpan(ctx, "DeleteSettings", tenant)
	err := s.next.DeleteSettings(ctx, tenant, numbers...)
	end(err)
	return err
}

// FindBlocklist is store.Store's, in a span.
func (s *storeSpans) FindBlocklist(ctx context.Context, tenant numberdesk.TenantID) (*routing.TenantBlocklist, error) {
	ctx, end := s.t.storeSpan(ctx, "FindBlocklist", tenant)
	r0, err := s.next.FindBlocklist(ctx, tenant)
	end(err)
	return r0, err
}

// SaveBlocklist is store.Store's, in a span.
func (s *storeSpans) SaveBlocklist(ctx context.Context, b *routing.TenantBlocklist) error {
	var tenant numberdesk.TenantID
	if b != nil {
		tenant = b.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "SaveBlocklist", tenant)
	err := s.next.SaveBlocklist(ctx, b)
	end(err)
	return err
}

// FindNumberByID is store.Store's, in a span.
func (s *storeSpans) FindNumberByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.NumberID) (*numbers.Number, error) {
	ctx, end := s.t.storeSpan(ctx, "FindNumberByID", tenant)
	r0, err := s.next.FindNumberByID(ctx, tenant, id)
	end(err)
	return r0, err
}

// FindNumbers is store.Store's, in a span.
func (s *storeSpans) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	ctx, end := s.t.storeSpan(ctx, "FindNumbers", tenant)
	r0, r1, err := s.next.FindNumbers(ctx, tenant, f)
	end(err)
	return r0, r1, err
}

// CreateNumbers is store.Store's, in a span.
func (s *storeSpans) CreateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	ctx, end := s.t.storeSpan(ctx, "CreateNumbers", numbersTenant(ns))
	err := s.next.CreateNumbers(ctx, ns...)
	end(err)
	return err
}

// UpdateNumbers is store.Store's, in a span.
func (s *storeSpans) UpdateNumbers(ctx context.Context, ns ...*numbers.Number) error {
	ctx, end := s.t.storeSpan(ctx, "UpdateNumbers", numbersTenant(ns))
	err := s.next.UpdateNumbers(ctx, ns...)
	end(err)
	return err
}

// FindDueTenants is store.Store's, in a span.
func (s *storeSpans) FindDueTenants(ctx context.Context, before time.Time, after numberdesk.TenantID, limit int) ([]numberdesk.TenantID, error) {
	ctx, end := s.t.storeSpan(ctx, "FindDueTenants", "")
	r0, err := s.next.FindDueTenants(ctx, before, after, limit)
	end(err)
	return r0, err
}

// FindEmployeeByID is store.Store's, in a span.
func (s *storeSpans) FindEmployeeByID(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) (*staff.Employee, error) {
	ctx, end := s.t.storeSpan(ctx, "FindEmployeeByID", tenant)
	r0, err := s.next.FindEmployeeByID(ctx, tenant, id)
	end(err)
	return r0, err
}

// FindEmployees is store.Store's, in a span.
func (s *storeSpans) FindEmployees(ctx context.Context, tenant numberdesk.TenantID, f staff.Filter) ([]*staff.Employee, int, error) {
	ctx, end := s.t.storeSpan(ctx, "FindEmployees", tenant)
	r0, r1, err := s.next.FindEmployees(ctx, tenant, f)
	end(err)
	return r0, r1, err
}

// CreateRecords is store.Store's, in a span.
func (s *storeSpans) CreateRecords(ctx context.Context, rs ...*numbers.Record) error {
	ctx, end := s.t.storeSpan(ctx, "CreateRecords", recordsTenant(rs))
	err := s.next.CreateRecords(ctx, rs...)
	end(err)
	return err
}

// FindRecords is store.Store's, in a span.
func (s *storeSpans) FindRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) ([]*numbers.Record, int, error) {
	ctx, end := s.t.storeSpan(ctx, "FindRecords", tenant)
	r0, r1, err := s.next.FindRecords(ctx, tenant, f)
	end(err)
	return r0, r1, err
}

// DeleteRecords is store.Store's, in a span.
func (s *storeSpans) DeleteRecords(ctx context.Context, tenant numberdesk.TenantID, f numbers.RecordFilter) (int, error) {
	ctx, end := s.t.storeSpan(ctx, "DeleteRecords", tenant)
	r0, err := s.next.DeleteRecords(ctx, tenant, f)
	end(err)
	return r0, err
}

// FindHolderPeriods is store.Store's, in a span.
func (s *storeSpans) FindHolderPeriods(ctx context.Context, tenant numberdesk.TenantID, f numbers.HolderPeriodFilter) ([]numbers.HolderPeriod, error) {
	ctx, end := s.t.storeSpan(ctx, "FindHolderPeriods", tenant)
	r0, err := s.next.FindHolderPeriods(ctx, tenant, f)
	end(err)
	return r0, err
}

// CreateEmployee is store.Store's, in a span.
func (s *storeSpans) CreateEmployee(ctx context.Context, e *staff.Employee) error {
	var tenant numberdesk.TenantID
	if e != nil {
		tenant = e.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "CreateEmployee", tenant)
	err := s.next.CreateEmployee(ctx, e)
	end(err)
	return err
}

// UpdateEmployee is store.Store's, in a span.
func (s *storeSpans) UpdateEmployee(ctx context.Context, e *staff.Employee) error {
	var tenant numberdesk.TenantID
	if e != nil {
		tenant = e.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "UpdateEmployee", tenant)
	err := s.next.UpdateEmployee(ctx, e)
	end(err)
	return err
}

// DeleteEmployee is store.Store's, in a span.
func (s *storeSpans) DeleteEmployee(ctx context.Context, tenant numberdesk.TenantID, id numberdesk.StaffID) error {
	ctx, end := s.t.storeSpan(ctx, "DeleteEmployee", tenant)
	err := s.next.DeleteEmployee(ctx, tenant, id)
	end(err)
	return err
}

// ClaimDeliveries is store.Store's, in a span.
func (s *storeSpans) ClaimDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	ctx, end := s.t.storeSpan(ctx, "ClaimDeliveries", "")
	r0, err := s.next.ClaimDeliveries(ctx, worker, now, lease, limit)
	end(err)
	return r0, err
}

// FinishDeliveries is store.Store's, in a span.
func (s *storeSpans) FinishDeliveries(ctx context.Context, fs []notify.Finish) ([]notify.Finish, error) {
	ctx, end := s.t.storeSpan(ctx, "FinishDeliveries", "")
	r0, err := s.next.FinishDeliveries(ctx, fs)
	end(err)
	return r0, err
}

// FindDeliveries is store.Store's, in a span.
func (s *storeSpans) FindDeliveries(ctx context.Context, tenant numberdesk.TenantID, f notify.DeliveryFilter) ([]notify.Delivery, int, error) {
	ctx, end := s.t.storeSpan(ctx, "FindDeliveries", tenant)
	r0, r1, err := s.next.FindDeliveries(ctx, tenant, f)
	end(err)
	return r0, r1, err
}

// FindCredentialByID is store.Store's, in a span.
func (s *storeSpans) FindCredentialByID(ctx context.Context, tenant numberdesk.TenantID, id efax.CredentialID) (*efax.StoredCredential, error) {
	ctx, end := s.t.storeSpan(ctx, "FindCredentialByID", tenant)
	r0, err := s.next.FindCredentialByID(ctx, tenant, id)
	end(err)
	return r0, err
}

// FindCredentialByUsername is store.Store's, in a span.
func (s *storeSpans) FindCredentialByUsername(ctx context.Context, username string) (*efax.StoredCredential, error) {
	ctx, end := s.t.storeSpan(ctx, "FindCredentialByUsername", "")
	r0, err := s.next.FindCredentialByUsername(ctx, username)
	end(err)
	return r0, err
}

// FindCredentials is store.Store's, in a span.
func (s *storeSpans) FindCredentials(ctx context.Context, tenant numberdesk.TenantID, f efax.CredentialFilter) ([]*efax.StoredCredential, error) {
	ctx, end := s.t.storeSpan(ctx, "FindCredentials", tenant)
	r0, err := s.next.FindCredentials(ctx, tenant, f)
	end(err)
	return r0, err
}

// CreateCredential is store.Store's, in a span.
func (s *storeSpans) CreateCredential(ctx context.Context, c *efax.StoredCredential) error {
	var tenant numberdesk.TenantID
	if c != nil {
		tenant = c.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "CreateCredential", tenant)
	err := s.next.CreateCredential(ctx, c)
	end(err)
	return err
}

// UpdateCredential is store.Store's, in a span.
func (s *storeSpans) UpdateCredential(ctx context.Context, c *efax.StoredCredential) error {
	var tenant numberdesk.TenantID
	if c != nil {
		tenant = c.Tenant
	}
	ctx, end := s.t.storeSpan(ctx, "UpdateCredential", tenant)
	err := s.next.UpdateCredential(ctx, c)
	end(err)
	return err
}
