package billing_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
)

// BenchmarkStatement computes one month of a tenant with 1,000 numbers
// whose lines were activated, half of them swapped and a quarter
// deactivated (about 2,750 events). Figures are reported, not asserted.
func BenchmarkStatement(b *testing.B) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	f := newFeed()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, loc)
	for i := range 1000 {
		n, spare := newNum("+49221"+strconv.Itoa(1_000_000+i)), newNum("+49228"+strconv.Itoa(1_000_000+i))
		line := uuid.NewString()
		f.activated(n, line, at, price(290, 0, 1900))
		switch i % 4 {
		case 0, 1:
			f.swapped(n, spare, line, at.AddDate(0, 1, i%28))
		case 2:
			f.requested(n, line, at.AddDate(0, 0, 10), numbers.EndOfFollowingMonth.EffectiveAt(at.AddDate(0, 0, 10), loc))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := billing.Statement(f.events, f.tenant, 2026, time.February, loc, billing.Policy{}); err != nil {
			b.Fatal(err)
		}
	}
}
