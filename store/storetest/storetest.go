// Package storetest is the conformance suite of the store contract (see
// package store). Every backend runs it unchanged from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
//	}
//
// The suite is the specification: a behaviour of the Store that is not tested
// here is not part of the contract. It is meant to run with -race.
//
// Values are compared the way a database backend may return them: times with
// time.Time.Equal (any location; backends keep at least microseconds), JSON
// payloads by meaning (not byte for byte), and empty slices like nil ones.
package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
)

// Run runs the conformance suite against stores made by newStore (called once
// per subtest; each call must return an empty, independent store).
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	sections := []struct {
		name string
		run  func(t *testing.T, newStore func(t *testing.T) store.Store)
	}{
		{"Tenants", testTenants},
		{"Numbers", testNumbers},
		{"Filters", testFilters},
		{"DueTenants", testDueTenants},
		{"Versions", testVersions},
		{"TenantIsolation", testTenantIsolation},
		{"SameIDs", testSameIDs},
		{"Transactions", testTransactions},
		{"Events", testEvents},
		{"IdempotencyRecords", testIdempotency},
		{"Concurrency", testConcurrency},
		{"Employees", testEmployees},
		{"Records", testRecords},
		{"HolderPeriods", testHolderPeriods},
		{"RecordAttribution", testRecordAttribution},
		{"Outbox", testOutbox},
		{"Routing", testRouting},
		{"Efax", testEfax},
		{"Actors", testActors},
	}
	for _, sec := range sections {
		t.Run(sec.name, func(t *testing.T) {
			t.Parallel()
			sec.run(t, newStore)
		})
	}
}

// cases runs each named case as a parallel subtest with a fresh store.
func cases(t *testing.T, newStore func(t *testing.T) store.Store, cs map[string]func(t *testing.T, s store.Store)) {
	names := make([]string, 0, len(cs))
	for name := range cs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cs[name](t, newStore(t))
		})
	}
}

// t0 is the base time of the fixtures: UTC, whole seconds, so that every
// backend can store it exactly.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// newTenant creates and returns a tenant.
func newTenant(t *testing.T, s store.Store) *numberdesk.Tenant {
	t.Helper()
	tn := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Muster GmbH", TimeZone: numberdesk.DefaultTimeZone, CreatedAt: t0}
	require.NoError(t, s.CreateTenant(t.Context(), tn))
	return tn
}

// newNumber returns a number of tenant (not stored yet) with a new ID.
func newNumber(tenant numberdesk.TenantID, e164 string, status numbers.Status) *numbers.Number {
	n := &numbers.Number{
		ID:        numberdesk.NewNumberID(),
		Tenant:    tenant,
		E164:      e164,
		Origin:    numbers.OriginNew,
		Status:    status,
		UsageType: routing.UsageVoice,
		CreatedAt: t0,
		UpdatedAt: t0,
	}
	if status.Billed() {
		n.BillingLine = "line-" + e164
		n.BilledSince = t0
	}
	if status == numbers.StatusDeactivationPending {
		n.DeactivationAt = t0.AddDate(0, 1, 0)
	}
	return n
}

// createNumbers stores ns and checks that they got version 1.
func createNumbers(t *testing.T, s store.Store, ns ...*numbers.Number) {
	t.Helper()
	require.NoError(t, s.CreateNumbers(t.Context(), ns...))
	for _, n := range ns {
		require.Equal(t, int64(1), n.Version)
	}
}

// newEvent returns an event of tenant about number (may be empty).
func newEvent(tenant numberdesk.TenantID, number numberdesk.NumberID, typ numberdesk.EventType) numberdesk.Event {
	return numberdesk.Event{
		ID:     numberdesk.NewEventID(),
		Tenant: tenant,
		Type:   typ,
		At:     t0,
		Actor:  numberdesk.System(tenant),
		Number: number,
		Data:   json.RawMessage(`{"note":"test"}`),
	}
}

// newRecord returns an idempotency record of tenant for key.
func newRecord(tenant numberdesk.TenantID, key string) *numberdesk.IdempotencyRecord {
	return &numberdesk.IdempotencyRecord{
		Tenant:      tenant,
		Key:         key,
		Op:          "numbers.Activate",
		Fingerprint: "fp-" + key,
		Result:      json.RawMessage(`{"ok":true}`),
		CreatedAt:   t0,
	}
}

// requireCode checks that err is a *numberdesk.Error with code (and field,
// unless field is "*").
func requireCode(t *testing.T, err error, code numberdesk.Code, field string) {
	t.Helper()
	require.Error(t, err)
	var e *numberdesk.Error
	require.True(t, errors.As(err, &e), "error %v (%T) is not a *numberdesk.Error", err, err)
	require.Equal(t, code, e.Code, "error: %v", err)
	require.NotEmpty(t, e.Message, "error: %v", err)
	if field != "*" {
		require.Equal(t, field, e.Field, "error: %v", err)
	}
}

// requireSameError checks that got is reported exactly like want: same code,
// field and message (the Op may not differ either, being the same method).
func requireSameError(t *testing.T, want, got error) {
	t.Helper()
	require.Error(t, want)
	require.Error(t, got)
	require.Equal(t, numberdesk.ErrorCode(want), numberdesk.ErrorCode(got), "want %v, got %v", want, got)
	require.Equal(t, numberdesk.ErrorField(want), numberdesk.ErrorField(got), "want %v, got %v", want, got)
	require.Equal(t, numberdesk.ErrorMessage(want), numberdesk.ErrorMessage(got), "want %v, got %v", want, got)
	require.Equal(t, want.Error(), got.Error())
}

// norm returns a copy of n in a canonical form for comparisons: times in UTC
// (zero stays zero), empty slices nil.
func norm(n *numbers.Number) *numbers.Number {
	if n == nil {
		return nil
	}
	c := n.Clone()
	c.PortingDate = normTime(c.PortingDate)
	c.BilledSince = normTime(c.BilledSince)
	c.DeactivationAt = normTime(c.DeactivationAt)
	c.CreatedAt = normTime(c.CreatedAt)
	c.UpdatedAt = normTime(c.UpdatedAt)
	c.HoldersSince = normTime(c.HoldersSince)
	if len(c.Holders) == 0 {
		c.Holders = nil
	}
	if len(c.Options) == 0 {
		c.Options = nil
	}
	return c
}

func normAll(ns []*numbers.Number) []*numbers.Number {
	out := make([]*numbers.Number, len(ns))
	for i, n := range ns {
		out[i] = norm(n)
	}
	return out
}

func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// normJSON re-encodes a JSON document canonically; empty stays empty.
func normJSON(t *testing.T, b json.RawMessage) json.RawMessage {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var v any
	require.NoError(t, json.Unmarshal(b, &v), "invalid JSON %q", b)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

func normEvent(t *testing.T, e numberdesk.Event) numberdesk.Event {
	t.Helper()
	e.At = normTime(e.At)
	e.Data = normJSON(t, e.Data)
	return e
}

func normEvents(t *testing.T, es []numberdesk.Event) []numberdesk.Event {
	t.Helper()
	out := make([]numberdesk.Event, len(es))
	for i, e := range es {
		out[i] = normEvent(t, e)
	}
	return out
}

func normRecord(t *testing.T, r *numberdesk.IdempotencyRecord) *numberdesk.IdempotencyRecord {
	t.Helper()
	if r == nil {
		return nil
	}
	c := *r
	c.CreatedAt = normTime(c.CreatedAt)
	c.Result = normJSON(t, c.Result)
	return &c
}

func normTenant(tn *numberdesk.Tenant) *numberdesk.Tenant {
	if tn == nil {
		return nil
	}
	c := *tn
	c.CreatedAt = normTime(c.CreatedAt)
	return &c
}

// requireNumber checks that the store holds want (compared normalized).
func requireNumber(t *testing.T, s store.Store, want *numbers.Number) {
	t.Helper()
	got, err := s.FindNumberByID(t.Context(), want.Tenant, want.ID)
	require.NoError(t, err)
	require.Equal(t, norm(want), norm(got))
}

// requireNoNumber checks that the tenant has no number id.
func requireNoNumber(t *testing.T, s store.Store, tenant numberdesk.TenantID, id numberdesk.NumberID) {
	t.Helper()
	_, err := s.FindNumberByID(t.Context(), tenant, id)
	requireCode(t, err, numberdesk.CodeNotFound, "*")
}

// allNumbers returns every number of tenant in the default order.
func allNumbers(t *testing.T, s store.Store, tenant numberdesk.TenantID) []*numbers.Number {
	t.Helper()
	ns, total, err := s.FindNumbers(t.Context(), tenant, numbers.Filter{})
	require.NoError(t, err)
	require.Len(t, ns, total)
	return ns
}

// allEvents returns every event of tenant by Seq.
func allEvents(t *testing.T, s store.Store, tenant numberdesk.TenantID) []numberdesk.Event {
	t.Helper()
	es, err := s.FindEvents(t.Context(), tenant, numberdesk.EventFilter{})
	require.NoError(t, err)
	return es
}

// numberIDs returns the IDs of ns in order.
func numberIDs(ns []*numbers.Number) []numberdesk.NumberID {
	ids := make([]numberdesk.NumberID, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

// e164 returns a German test number with suffix i: "+4930555" + i, 7 digits.
func e164(i int) string { return fmt.Sprintf("+4930555%07d", i) }

// requirePaging checks a paged query: find(offset, limit) returns the page
// and the total. Pages of several sizes concatenate to the unpaged result
// (compared after norm), the total never depends on paging, a page past the
// end is empty, and a negative offset or limit is CodeInvalid naming it
// (requireNegativePagingInvalid).
func requirePaging[T any, N any](t *testing.T, find func(offset, limit int) ([]T, int, error), norm func([]T) N, sizes ...int) {
	t.Helper()
	full, fullTotal, err := find(0, 0)
	require.NoError(t, err)
	require.Len(t, full, fullTotal)
	for _, size := range sizes {
		var pages []T
		for off := 0; ; off += size {
			page, total, err := find(off, size)
			require.NoError(t, err)
			require.Equal(t, fullTotal, total, "total is independent of paging")
			require.LessOrEqual(t, len(page), size)
			if len(page) == 0 {
				require.GreaterOrEqual(t, off, fullTotal)
				break
			}
			pages = append(pages, page...)
		}
		require.Equal(t, norm(full), norm(pages), "pages of %d concatenate to the full result", size)
	}
	page, total, err := find(fullTotal+3, 5)
	require.NoError(t, err)
	require.Empty(t, page)
	require.Equal(t, fullTotal, total)
	requireNegativePagingInvalid(t, "offset", find)
}

// requireNegativePagingInvalid checks that find(offset, limit) refuses a
// negative offset (Field offsetField, checked first) or limit (Field
// "limit") with CodeInvalid and returns nothing, never reading it as 0.
// offset stands for any cursor (offsetField names it).
func requireNegativePagingInvalid[T any](t *testing.T, offsetField string, find func(offset, limit int) ([]T, int, error)) {
	t.Helper()
	for _, c := range []struct {
		offset, limit int
		field         string
	}{{-1, 0, offsetField}, {-2, 5, offsetField}, {-2, -1, offsetField}, {0, -1, "limit"}, {3, -5, "limit"}, {-1 << 62, -1 << 62, offsetField}} {
		page, total, err := find(c.offset, c.limit)
		requireCode(t, err, numberdesk.CodeInvalid, c.field)
		require.Empty(t, page, "offset %d, limit %d", c.offset, c.limit)
		require.Zero(t, total, "offset %d, limit %d", c.offset, c.limit)
	}
}
