package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}

// A transaction's ctx used after InTx returned must not slip past the lock.
func TestLeakedTxContextIsRefused(t *testing.T) {
	s := memstore.New()
	var leaked context.Context
	require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
		leaked = ctx
		return nil
	}))
	tenant := numberdesk.NewTenantID()
	err := s.CreateNumbers(leaked, number(tenant, 1, numbers.StatusNew))
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	_, _, err = s.FindNumbers(leaked, tenant, numbers.Filter{})
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(s.InTx(leaked, func(context.Context) error { return nil })))
}

// The ctx of a transaction may be used by several goroutines inside fn.
func TestTxContextFromGoroutines(t *testing.T) {
	s := memstore.New()
	tenant := numberdesk.NewTenantID()
	require.NoError(t, s.InTx(t.Context(), func(ctx context.Context) error {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for g := range errs {
			wg.Go(func() {
				if errs[g] = s.CreateNumbers(ctx, number(tenant, g, numbers.StatusNew)); errs[g] == nil {
					_, _, errs[g] = s.FindNumbers(ctx, tenant, numbers.Filter{})
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}))
	_, total, err := s.FindNumbers(t.Context(), tenant, numbers.Filter{})
	require.NoError(t, err)
	require.Equal(t, 8, total)
}

// The ctx of one store's transaction means nothing to another store.
func TestTxContextOfAnotherStore(t *testing.T) {
	a, b := memstore.New(), memstore.New()
	tenant := numberdesk.NewTenantID()
	n := number(tenant, 1, numbers.StatusNew)
	errBoom := errors.New("boom")
	err := a.InTx(t.Context(), func(ctx context.Context) error {
		require.NoError(t, b.CreateNumbers(ctx, n)) // committed at once in b
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	_, err = b.FindNumberByID(t.Context(), tenant, n.ID)
	require.NoError(t, err)
}

// Rolling back a large batch stays cheap (undo log, not a store copy).
func TestRollbackLargeBatch(t *testing.T) {
	s := memstore.New()
	tenant := numberdesk.NewTenantID()
	require.NoError(t, s.CreateNumbers(t.Context(), numbersOf(tenant, 0, 20_000, numbers.StatusActive)...))
	errBoom := errors.New("boom")
	err := s.InTx(t.Context(), func(ctx context.Context) error {
		require.NoError(t, s.CreateNumbers(ctx, numbersOf(tenant, 20_000, 5_000, numbers.StatusNew)...))
		all, total, err := s.FindNumbers(ctx, tenant, numbers.Filter{Limit: 1})
		require.NoError(t, err)
		require.Len(t, all, 1)
		require.Equal(t, 25_000, total)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	_, total, err := s.FindNumbers(t.Context(), tenant, numbers.Filter{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, 20_000, total)
}

func number(tenant numberdesk.TenantID, i int, status numbers.Status) *numbers.Number {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &numbers.Number{
		ID:        numberdesk.NewNumberID(),
		Tenant:    tenant,
		E164:      fmt.Sprintf("+49221%08d", i),
		Origin:    numbers.OriginNew,
		Status:    status,
		UsageType: routing.UsageVoice,
		CreatedAt: at,
		UpdatedAt: at,
	}
}

func numbersOf(tenant numberdesk.TenantID, from, count int, status numbers.Status) []*numbers.Number {
	ns := make([]*numbers.Number, count)
	for i := range ns {
		ns[i] = number(tenant, from+i, status)
	}
	return ns
}

func Example() {
	ctx := context.Background()
	s := memstore.New()
	tenant := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Muster GmbH"}

	// Provision a block and record the event in one transaction.
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		var ns []*numbers.Number
		for _, ext := range []string{"10", "11", "12"} {
			ns = append(ns, &numbers.Number{
				ID:        numberdesk.NewNumberID(),
				Tenant:    tenant.ID,
				E164:      "+49221123456" + ext,
				Base:      "+49221123456",
				Extension: ext,
				Origin:    numbers.OriginNew,
				Status:    numbers.StatusNew,
				UsageType: routing.UsageVoice,
			})
		}
		if err := s.CreateNumbers(ctx, ns...); err != nil {
			return err
		}
		return numberdesk.AppendEvent(ctx, s, "number.provisioned", numberdesk.System(tenant.ID), time.Now(), "", nil)
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The overview: newest E.164 first, two per page.
	page, total, err := s.FindNumbers(ctx, tenant.ID, numbers.Filter{Statuses: []numbers.Status{numbers.StatusNew}, Desc: true, Limit: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range page {
		fmt.Println(n.E164, n.Status, n.Version)
	}
	fmt.Println("total:", total)

	// A second tenant sees nothing of it.
	_, err = s.FindNumberByID(ctx, numberdesk.NewTenantID(), page[0].ID)
	fmt.Println(numberdesk.ErrorCode(err))
	// Output:
	// +4922112345612 new 1
	// +4922112345611 new 1
	// total: 3
	// not_found
}

// benchStore returns a store with 100,000 numbers in one tenant, 30% active.
func benchStore(b *testing.B) (*memstore.Store, numberdesk.TenantID, []*numbers.Number) {
	b.Helper()
	s := memstore.New()
	tenant := numberdesk.NewTenantID()
	ns := make([]*numbers.Number, 100_000)
	for i := range ns {
		st := numbers.StatusNew
		switch i % 10 {
		case 0, 3, 6:
			st = numbers.StatusActive
		case 9:
			st = numbers.StatusInactive
		}
		ns[i] = number(tenant, i*7919%1_000_003, st) // not in E.164 order
	}
	if err := s.CreateNumbers(context.Background(), ns...); err != nil {
		b.Fatal(err)
	}
	return s, tenant, ns
}

func BenchmarkFindNumbersStatusPage(b *testing.B) {
	s, tenant, _ := benchStore(b)
	ctx := context.Background()
	f := numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}, Offset: 1000, Limit: 50}
	b.ReportAllocs()
	for b.Loop() {
		page, total, err := s.FindNumbers(ctx, tenant, f)
		if err != nil || len(page) != 50 || total != 30_000 {
			b.Fatal(len(page), total, err)
		}
	}
}

func BenchmarkFindNumbersSortedByStatus(b *testing.B) {
	s, tenant, _ := benchStore(b)
	ctx := context.Background()
	f := numbers.Filter{Sort: numbers.SortStatus, Offset: 1000, Limit: 50}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.FindNumbers(ctx, tenant, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateNumbers100(b *testing.B) {
	s, _, ns := benchStore(b)
	ctx := context.Background()
	batch := make([]*numbers.Number, 100)
	for i := range batch {
		batch[i] = ns[i*997].Clone()
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range batch {
			n.Options = append(n.Options[:0], "recording")
		}
		if err := s.UpdateNumbers(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateNumbers100InTx(b *testing.B) {
	s, _, ns := benchStore(b)
	ctx := context.Background()
	batch := make([]*numbers.Number, 100)
	for i := range batch {
		batch[i] = ns[i*997].Clone()
	}
	b.ReportAllocs()
	for b.Loop() {
		err := s.InTx(ctx, func(ctx context.Context) error {
			return s.UpdateNumbers(ctx, batch...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
