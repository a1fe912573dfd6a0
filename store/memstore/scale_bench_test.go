package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The scale benchmarks measure memstore with 10,000 and 1,000,000 numbers in
// one tenant (1,000,000 only without -short): seeding in blocks of 100 as
// Provision stores them, inserting one more block of 100, the overview's
// page of 50 with its total, and ApplyDue's read (Filter.DueBefore) with
// nothing and with 100 numbers due. They report figures; they assert
// nothing about time. Compare sizes within one run:
//
//	go test -run '^$' -bench Scale -benchtime 3x -count 3 ./store/memstore/

// scaleSizes are the tenant sizes the benchmarks run at.
var scaleSizes = []int{10_000, 1_000_000}

// scaleDue is the instant at which the fixture's 100 pending numbers take
// effect: DueBefore one second earlier finds nothing, DueBefore scaleDue
// finds all 100.
var scaleDue = time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)

// scaleNow is the overview's Now: before scaleDue, so nothing has lapsed.
var scaleNow = scaleDue.AddDate(0, 0, -10)

type scaleFixture struct {
	s      *memstore.Store
	tenant numberdesk.TenantID
}

// scaleFixtures caches one store per size across the benchmarks of a run
// (seeding 1,000,000 numbers is the slow part).
var scaleFixtures = map[int]*scaleFixture{}

// scaleBlock returns block i of 100 numbers of tenant as Provision creates
// them (Stammnummer +4930 and a 7-digit block, Durchwahlen 00 to 99). Of
// every 100 blocks the numbers are 60 % active, 30 % new and 10 % inactive,
// except that in a tenant of size numbers, 100 numbers spread over it are
// pending with DeactivationAt scaleDue.
func scaleBlock(tenant numberdesk.TenantID, i, size int) []*numbers.Number {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	base := fmt.Sprintf("+4930%07d", i)
	ns := make([]*numbers.Number, 100)
	for j := range ns {
		ext := fmt.Sprintf("%02d", j)
		n := &numbers.Number{
			ID: numberdesk.NewNumberID(), Tenant: tenant, E164: base + ext, Base: base, Extension: ext,
			Origin: numbers.OriginNew, Status: numbers.StatusActive, UsageType: routing.UsageVoice,
			CreatedAt: at.Add(time.Duration(i) * time.Second), UpdatedAt: at,
		}
		switch k := (i*100 + j); {
		case size > 0 && k%(size/100) == size/200:
			n.Status, n.DeactivationAt = numbers.StatusDeactivationPending, scaleDue
		case j%10 < 3:
			n.Status = numbers.StatusNew
		case j%10 == 9:
			n.Status = numbers.StatusInactive
		}
		ns[j] = n
	}
	return ns
}

// seedScale stores size numbers in one tenant of a new store, in blocks of
// 100 in E.164 order, one CreateNumbers each.
func seedScale(b *testing.B, size int) *scaleFixture {
	b.Helper()
	s, tenant := memstore.New(), numberdesk.NewTenantID()
	ctx := context.Background()
	for i := range size / 100 {
		if err := s.CreateNumbers(ctx, scaleBlock(tenant, i, size)...); err != nil {
			b.Fatal(err)
		}
	}
	return &scaleFixture{s: s, tenant: tenant}
}

// scaleFixtureFor returns the cached store of size numbers: the one
// BenchmarkScaleSeed built last, or one stored with a single CreateNumbers
// (the same content, built fast also by a store that is slow to seed).
func scaleFixtureFor(b *testing.B, size int) *scaleFixture {
	b.Helper()
	if f := scaleFixtures[size]; f != nil {
		return f
	}
	s, tenant := memstore.New(), numberdesk.NewTenantID()
	all := make([]*numbers.Number, 0, size)
	for i := range size / 100 {
		all = append(all, scaleBlock(tenant, i, size)...)
	}
	if err := s.CreateNumbers(context.Background(), all...); err != nil {
		b.Fatal(err)
	}
	f := &scaleFixture{s: s, tenant: tenant}
	scaleFixtures[size] = f
	return f
}

// eachScale runs bench once per size; without -short only 10,000.
func eachScale(b *testing.B, bench func(b *testing.B, size int)) {
	for _, size := range scaleSizes {
		b.Run(fmt.Sprintf("n=%s", scaleName(size)), func(b *testing.B) {
			if testing.Short() && size > 10_000 {
				b.Skip("1,000,000 numbers only without -short")
			}
			bench(b, size)
		})
	}
}

func scaleName(size int) string {
	if size >= 1_000_000 {
		return fmt.Sprintf("%dM", size/1_000_000)
	}
	return fmt.Sprintf("%dk", size/1_000)
}

// BenchmarkScaleSeed seeds a tenant in blocks of 100 (time/op is the whole
// seeding) and reports the heap the store keeps per number (HeapAlloc after
// a GC, minus before, divided by the count).
func BenchmarkScaleSeed(b *testing.B) {
	eachScale(b, func(b *testing.B, size int) {
		delete(scaleFixtures, size)
		var perNumber float64
		for range b.N {
			b.StopTimer()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.StartTimer()
			f := seedScale(b, size)
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			perNumber = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(size)
			scaleFixtures[size] = f // the last one serves the other benchmarks
			b.StartTimer()
		}
		b.ReportMetric(perNumber, "B/number")
	})
}

var errScaleRollback = errors.New("roll back")

// BenchmarkScaleInsertBlock stores one more block of 100 new numbers in the
// middle of the tenant's E.164 range, as Provision does: CreateNumbers in a
// transaction (time/op is the CreateNumbers call only; the transaction is
// rolled back, untimed, so that every iteration sees the same size).
func BenchmarkScaleInsertBlock(b *testing.B) {
	eachScale(b, func(b *testing.B, size int) {
		f := scaleFixtureFor(b, size)
		ctx := context.Background()
		block := scaleBlock(f.tenant, 0, 0)
		for _, n := range block { // inside the range of block size/200
			n.E164 = fmt.Sprintf("+4930%07d5%02s", size/200, n.Extension)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.StopTimer()
		for range b.N {
			err := f.s.InTx(ctx, func(ctx context.Context) error {
				b.StartTimer()
				err := f.s.CreateNumbers(ctx, block...)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				return errScaleRollback
			})
			if !errors.Is(err, errScaleRollback) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScalePage reads a page of 50 with the total, as Overview does
// (Filter.Now set): the default order, filtered by a state, and searched by
// digits (a Stammnummer: one block of 100 matches).
func BenchmarkScalePage(b *testing.B) {
	cases := []struct {
		name  string
		f     numbers.Filter
		total func(size int) int
	}{
		{"overview", numbers.Filter{Now: scaleNow, Limit: 50}, func(size int) int { return size }},
		{"overview_offset", numbers.Filter{Now: scaleNow, Offset: 5_000, Limit: 50}, func(size int) int { return size }},
		{"status_new", numbers.Filter{Now: scaleNow, Statuses: []numbers.Status{numbers.StatusNew}, Limit: 50}, nil},
		{"search", numbers.Filter{Now: scaleNow, Digits: "49300000042", Limit: 50}, func(int) int { return 100 }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			eachScale(b, func(b *testing.B, size int) {
				f := scaleFixtureFor(b, size)
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					page, total, err := f.s.FindNumbers(ctx, f.tenant, c.f)
					if err != nil || len(page) != 50 || c.total != nil && total != c.total(size) {
						b.Fatal(len(page), total, err)
					}
				}
			})
		})
	}
}

// BenchmarkScaleDue is ApplyDue's read: the pending numbers due by an
// instant, a chunk of at most 500, with nothing and with 100 due.
func BenchmarkScaleDue(b *testing.B) {
	for _, c := range []struct {
		name string
		at   time.Time
		want int
	}{{"none", scaleDue.Add(-time.Second), 0}, {"100", scaleDue, 100}} {
		b.Run(c.name, func(b *testing.B) {
			eachScale(b, func(b *testing.B, size int) {
				f := scaleFixtureFor(b, size)
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					page, total, err := f.s.FindNumbers(ctx, f.tenant, numbers.Filter{DueBefore: c.at, Limit: 500})
					if err != nil || len(page) != c.want || total != c.want {
						b.Fatal(len(page), total, err)
					}
				}
			})
		})
	}
}
