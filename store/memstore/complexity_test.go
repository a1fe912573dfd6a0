package memstore

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// The complexity of the indexes, asserted in operations (stored numbers read,
// comparisons of E.164s), never in time: the same bounds hold at every size,
// so that a regression to a scan or a copy of the tenant fails on any machine.
// None of these tests runs in parallel: they set package hooks (visitProbe,
// lessE164), and a test that does not call t.Parallel runs alone.

// complexitySizes are the tenant sizes the bounds must hold at.
var complexitySizes = []int{2_000, 40_000}

// seedTenant stores size numbers in one tenant in blocks of 100 as Provision
// creates them (30 % new, 60 % active, 10 % inactive) and returns the tenant.
func seedTenant(t *testing.T, s *Store, size int) numberdesk.TenantID {
	t.Helper()
	tenant := numberdesk.NewTenantID()
	for b := range size / 100 {
		if err := s.CreateNumbers(context.Background(), complexityBlock(tenant, fmt.Sprintf("+4940%07d", b), numbers.StatusActive)...); err != nil {
			t.Fatal(err)
		}
	}
	return tenant
}

// complexityBlock returns a block of 100 numbers (Durchwahlen 00 to 99) of
// base; status decides all but 30 % new and 10 % inactive, unless it is
// pending, then all 100 are (due at ixT0).
func complexityBlock(tenant numberdesk.TenantID, base string, status numbers.Status) []*numbers.Number {
	ns := make([]*numbers.Number, 100)
	for j := range ns {
		ext := fmt.Sprintf("%02d", j)
		n := &numbers.Number{ID: numberdesk.NewNumberID(), Tenant: tenant, E164: base + ext, Base: base, Extension: ext,
			Origin: numbers.OriginNew, Status: status, UsageType: routing.UsageVoice, CreatedAt: ixT0.AddDate(0, -1, 0)}
		switch {
		case status == numbers.StatusDeactivationPending:
			n.DeactivationAt = ixT0
		case j%10 < 3:
			n.Status = numbers.StatusNew
		case j%10 == 9:
			n.Status = numbers.StatusInactive
		}
		ns[j] = n
	}
	return ns
}

// probeVisits counts the stored numbers every FindNumbers reads until the
// test ends.
func probeVisits(t *testing.T) *int {
	var visits int
	visitProbe = func(v int) { visits += v }
	t.Cleanup(func() { visitProbe = nil })
	return &visits
}

// ApplyDue reads only the due numbers (and, per read, the first one not due,
// where the walk stops): nothing else, at any size of the tenant.
func TestApplyDueReadsOnlyTheDue(t *testing.T) {
	for _, size := range complexitySizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			ctx := context.Background()
			s := New()
			tenant := seedTenant(t, s, size)
			svc, err := numbers.NewService(numbers.Config{Store: s, Clock: func() time.Time { return ixT0 }})
			if err != nil {
				t.Fatal(err)
			}
			// Nothing pending: nothing read.
			visits := probeVisits(t)
			if done, err := svc.ApplyDue(ctx, numberdesk.System(tenant), ixT0); err != nil || len(done) != 0 {
				t.Fatal(done, err)
			}
			if *visits != 0 {
				t.Errorf("ApplyDue with nothing pending read %d numbers", *visits)
			}
			// 100 pending, none due yet: one read, stopped at the first.
			if err := s.CreateNumbers(ctx, complexityBlock(tenant, "+4989", numbers.StatusDeactivationPending)...); err != nil {
				t.Fatal(err)
			}
			*visits = 0
			if done, err := svc.ApplyDue(ctx, numberdesk.System(tenant), ixT0.Add(-time.Second)); err != nil || len(done) != 0 {
				t.Fatal(done, err)
			}
			if *visits > 1 {
				t.Errorf("ApplyDue with nothing due read %d numbers of %d, want at most 1", *visits, size+100)
			}
			// 100 due: read in one chunk, then the check that none is left.
			*visits = 0
			if done, err := svc.ApplyDue(ctx, numberdesk.System(tenant), ixT0); err != nil || len(done) != 100 {
				t.Fatal(len(done), err)
			}
			if *visits > 100 {
				t.Errorf("ApplyDue with 100 due read %d numbers of %d, want at most 100", *visits, size+100)
			}
		})
	}
}

// The overview's page is read from its position (without a filter) or up to
// its end (filtered by state), and its total is counted, not read: the reads
// do not grow with the tenant.
func TestOverviewReadsThePageOnly(t *testing.T) {
	for _, size := range complexitySizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			ctx := context.Background()
			s := New()
			tenant := seedTenant(t, s, size)
			// 100 numbers whose deactivation has taken effect at Now.
			if err := s.CreateNumbers(ctx, complexityBlock(tenant, "+4989", numbers.StatusDeactivationPending)...); err != nil {
				t.Fatal(err)
			}
			visits := probeVisits(t)
			for _, c := range []struct {
				name      string
				f         numbers.Filter
				total     int
				maxVisits int
			}{
				{"first page", numbers.Filter{Now: ixT0, Limit: 50}, size + 100, 50},
				{"middle page", numbers.Filter{Now: ixT0, Offset: size / 2, Limit: 50}, size + 100, 50},
				{"last page backwards", numbers.Filter{Now: ixT0, Offset: size + 80, Limit: 50, Desc: true}, size + 100, 20},
				// 30 % new: the page's 50 are among the first 170 or so;
				// the lapsed 100 (and the first one not due) are counted.
				{"new", numbers.Filter{Now: ixT0, Statuses: []numbers.Status{numbers.StatusNew}, Limit: 50}, size * 3 / 10, 101 + 200},
				{"inactive backwards", numbers.Filter{Now: ixT0, Statuses: []numbers.Status{numbers.StatusInactive}, Limit: 50, Desc: true}, size/10 + 100, 101 + 150},
				{"by state", numbers.Filter{Now: ixT0, Sort: numbers.SortStatus, Limit: 50}, size + 100, 101 + 200},
				// A cursor seeks its position; the count stops at its limit.
				{"after a cursor", numbers.Filter{Now: ixT0, After: &numbers.Position{E164: "+4940000001050"}, Limit: 50, CountLimit: 1001}, 1001, 51},
				{"new after a cursor", numbers.Filter{Now: ixT0, Statuses: []numbers.Status{numbers.StatusNew}, After: &numbers.Position{E164: "+4940000001050"}, Limit: 50, CountLimit: 1001},
					min(size*3/10, 1001), 101 + 200},
				// A prefix reads its range (blocks 10 to 19), an extension
				// its numbers, each counted up to the limit.
				{"prefix", numbers.Filter{Now: ixT0, Prefix: "+4940000001", Limit: 50, CountLimit: 1001}, 1000, 1000},
				{"prefix backwards", numbers.Filter{Now: ixT0, Prefix: "+4940000001", Limit: 50, Desc: true, CountLimit: 1001}, 1000, 1000},
				{"prefix after a cursor", numbers.Filter{Now: ixT0, Prefix: "+4940000001", After: &numbers.Position{E164: "+4940000001550"}, Limit: 50, CountLimit: 101}, 101, 101 + 51},
				{"extension", numbers.Filter{Now: ixT0, Extension: "15", Limit: 50, CountLimit: 101}, min(size/100+1, 101), 101},
			} {
				*visits = 0
				page, total, err := s.FindNumbers(ctx, tenant, c.f)
				if err != nil || total != c.total || len(page) != min(50, c.total-c.f.Offset) {
					t.Fatalf("%s: %d numbers, total %d (want %d), %v", c.name, len(page), total, c.total, err)
				}
				if *visits > c.maxVisits {
					t.Errorf("%s: read %d numbers of %d, want at most %d", c.name, *visits, size+100, c.maxVisits)
				}
			}
		})
	}
}

// Storing a block of 100 numbers compares O(100 log n) E.164s: the count at
// 40,000 numbers is at most twice the count at 2,000 (log₂ grows by 1.4×)
// and within 4 log₂ n per number. A merge or copy of the tenant would grow
// with n.
func TestBlockInsertIsLogarithmic(t *testing.T) {
	var compares int
	saved := lessE164
	lessE164 = func(sp *space, a, b slot) bool {
		compares++
		return saved(sp, a, b)
	}
	t.Cleanup(func() { lessE164 = saved })
	counts := map[int]int{}
	for _, size := range complexitySizes {
		s := New()
		tenant := seedTenant(t, s, size)
		var mid string
		sp := s.spaces[tenant]
		sp.each(false, size/2, new(int), func(at slot) bool {
			mid = sp.number(at).Base
			return false
		})
		block := complexityBlock(tenant, mid+"5", numbers.StatusNew) // inside the middle block's range
		compares = 0
		if err := s.InTx(context.Background(), func(ctx context.Context) error {
			return s.CreateNumbers(ctx, block...)
		}); err != nil {
			t.Fatal(err)
		}
		counts[size] = compares
		if bound := 100 * 4 * int(math.Ceil(math.Log2(float64(size)))); compares > bound {
			t.Errorf("storing 100 numbers among %d compared %d times, want at most %d", size, compares, bound)
		}
	}
	small, large := counts[complexitySizes[0]], counts[complexitySizes[1]]
	if large > 2*small {
		t.Errorf("storing 100 numbers compared %d times among %d numbers and %d times among %d: more than twice",
			small, complexitySizes[0], large, complexitySizes[1])
	}
	t.Logf("comparisons to store 100 numbers: %v", counts)
}
