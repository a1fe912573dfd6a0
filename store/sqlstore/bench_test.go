package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// benchBackends runs fn per dialect (PostgreSQL only with a test database).
func benchBackends(b *testing.B, fn func(b *testing.B, newStore func(testing.TB) *sqlstore.Store)) {
	b.Run("SQLite", func(b *testing.B) { fn(b, newSQLite) })
	b.Run("Postgres", func(b *testing.B) {
		postgresDSN(b)
		fn(b, newPostgres)
	})
}

// benchNumbers returns count numbers of tenant, one in three with a holder.
func benchNumbers(tenant numberdesk.TenantID, prefix string, count int) []*numbers.Number {
	ns := make([]*numbers.Number, count)
	for i := range ns {
		n := newNumber(tenant, fmt.Sprintf("+49%s%07d", prefix, i))
		n.Status = numbers.Statuses[i%4]
		n.UsageType = routing.UsageTypes[i%len(routing.UsageTypes)]
		if i%3 == 0 {
			n.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
		}
		ns[i] = n
	}
	return ns
}

func BenchmarkCreateNumbers100(b *testing.B) {
	benchBackends(b, func(b *testing.B, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(b)
		tn := numberdesk.NewTenantID()
		i := 0
		for b.Loop() {
			if err := s.CreateNumbers(b.Context(), benchNumbers(tn, fmt.Sprintf("%04d", i), 100)...); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkUpdateNumbers100(b *testing.B) {
	benchBackends(b, func(b *testing.B, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(b)
		tn := numberdesk.NewTenantID()
		ns := benchNumbers(tn, "30", 100)
		if err := s.CreateNumbers(b.Context(), ns...); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for _, n := range ns {
				n.Options = []string{fmt.Sprint(n.Version)}
			}
			if err := s.UpdateNumbers(b.Context(), ns...); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFindNumbersPage: a page of 50 of 10,000 numbers, filtered by two
// states and sorted by state.
func BenchmarkFindNumbersPage(b *testing.B) {
	benchBackends(b, func(b *testing.B, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(b)
		tn := numberdesk.NewTenantID()
		if err := s.CreateNumbers(b.Context(), benchNumbers(tn, "30", 10_000)...); err != nil {
			b.Fatal(err)
		}
		for _, bc := range []struct {
			name string
			f    numbers.Filter
		}{
			{"Default", numbers.Filter{Limit: 50}},
			{"StatusSorted", numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusNew}, Sort: numbers.SortStatus, Offset: 1000, Limit: 50}},
			{"Digits", numbers.Filter{Digits: "3000012", Limit: 50}},
		} {
			b.Run(bc.name, func(b *testing.B) {
				for b.Loop() {
					page, _, err := s.FindNumbers(b.Context(), tn, bc.f)
					if err != nil || len(page) == 0 {
						b.Fatal(err, len(page))
					}
				}
			})
		}
	})
}

// BenchmarkCommand is a command as the services run it: one transaction with
// an idempotency lookup, a read by ID, an update, an event and a record.
func BenchmarkCommand(b *testing.B) {
	benchBackends(b, func(b *testing.B, newStore func(testing.TB) *sqlstore.Store) {
		s := newStore(b)
		tn := numberdesk.NewTenantID()
		ns := benchNumbers(tn, "30", 100)
		if err := s.CreateNumbers(b.Context(), ns...); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			key := fmt.Sprint(i)
			id := ns[i%len(ns)].ID
			i++
			err := s.InTx(b.Context(), func(ctx context.Context) error {
				if _, err := s.FindIdempotencyRecord(ctx, tn, key); numberdesk.ErrorCode(err) != numberdesk.CodeNotFound {
					return err
				}
				n, err := s.FindNumberByID(ctx, tn, id)
				if err != nil {
					return err
				}
				n.Options = append(n.Options[:0], key)
				if err := s.UpdateNumbers(ctx, n); err != nil {
					return err
				}
				if err := numberdesk.AppendEvent(ctx, s, "number.test", numberdesk.System(tn), t0, id, map[string]string{"k": key}); err != nil {
					return err
				}
				return s.CreateIdempotencyRecord(ctx, &numberdesk.IdempotencyRecord{Tenant: tn, Key: key, Op: "op", Result: []byte(`{}`), CreatedAt: t0})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
