package numbers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

var bg = context.Background()

func TestProvisionBlock(t *testing.T) {
	f := newFixture(t)
	ns, err := f.svc.Provision(bg, f.owner, numbers.ProvisionRequest{
		Number: "(0221) 12 34 56", ExtensionFrom: "10", ExtensionTo: "19", Options: []string{"festnetz_flat"},
	})
	require.NoError(t, err)
	require.Len(t, ns, 10)
	require.Equal(t, "+4922112345610", ns[0].E164)
	require.Equal(t, "0221 123456-10", ns[0].Display())
	require.Equal(t, "+49221123456", ns[0].Base)
	require.Equal(t, "19", ns[9].Extension)
	for _, n := range ns {
		require.Equal(t, numbers.StatusNew, n.Status)
		require.Equal(t, "neu", n.StatusLabel())
		require.Equal(t, routing.UsageVoice, n.UsageType)
		require.Equal(t, []string{"festnetz_flat"}, n.Options)
		require.Equal(t, int64(1), n.Version)
	}
	// Fixed width: "00" to "02" keeps the leading zero.
	ns = f.provision(t, "030 999888", 0, func(r *numbers.ProvisionRequest) { r.ExtensionFrom, r.ExtensionTo = "00", "02" })
	require.Equal(t, []string{"+4930999888" + "00", "+4930999888" + "01", "+4930999888" + "02"}, []string{ns[0].E164, ns[1].E164, ns[2].E164})
	// Abfragestelle 0 up to 99: no padding.
	ns = f.provision(t, "030 777666", 0, func(r *numbers.ProvisionRequest) { r.ExtensionFrom, r.ExtensionTo = "0", "99" })
	require.Len(t, ns, 100)
	require.Equal(t, "030 777666-0", ns[0].Display())

	evs, err := f.svc.History(bg, f.owner, ns[0].ID)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, numbers.EventProvisioned, evs[0].Type)
	require.Equal(t, f.owner, evs[0].Actor)
}

func TestProvisionPorted(t *testing.T) {
	f := newFixture(t)
	porting := f.clock().Add(72 * time.Hour)
	ns := f.provision(t, "0221 555000", 0, func(r *numbers.ProvisionRequest) {
		r.Origin, r.PortingDate = numbers.OriginPorted, porting
	})
	n := ns[0]
	require.Equal(t, "portiert", n.StatusLabel())

	// Before the porting date the number cannot be quoted, activated or swapped in.
	_, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	requireCode(t, err, numberdesk.CodePrecondition, "numbers")

	f.advance(72 * time.Hour)
	res := f.activate(t, n)
	require.Equal(t, 1, res.Activated())
}

// A quote issued by a node whose clock runs ahead cannot smuggle an early
// activation of a ported number through a node whose clock says the number
// has not arrived yet: the per-number result fails and nothing changes for
// that number.
func TestActivatePortedNumberBeforePortingDateFailsAlone(t *testing.T) {
	key := make([]byte, numbers.MinQuoteKey)
	f := newFixture(t, func(c *numbers.Config) { c.QuoteKey = key })
	plain := f.provision(t, "0221 555001", 0)[0]
	ported := f.provision(t, "0221 555002", 0, func(r *numbers.ProvisionRequest) {
		r.Origin, r.PortingDate = numbers.OriginPorted, f.clock().Add(time.Minute)
	})[0]
	ahead, err := numbers.NewService(numbers.Config{Store: f.store, QuoteKey: key,
		Clock: func() time.Time { return f.clock().Add(time.Minute) }})
	require.NoError(t, err)
	q, err := ahead.Quote(bg, f.owner, []numberdesk.NumberID{plain.ID, ported.ID})
	require.NoError(t, err)

	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, numbers.OutcomeActivated, res.Results[0].Outcome)
	require.Equal(t, numbers.OutcomeFailed, res.Results[1].Outcome)
	require.Equal(t, numberdesk.CodePrecondition, res.Results[1].Error.Code)
	require.Equal(t, numbers.StatusNew, f.get(t, ported.ID).Status)
	require.Zero(t, billingStarts(t, f, ported.ID))
}

func TestQuoteAndActivate(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2, func(r *numbers.ProvisionRequest) { r.Options = []string{"allnet_flat"} })
	q, err := f.svc.Quote(bg, f.owner, ids(ns))
	require.NoError(t, err)
	require.Len(t, q.Lines, 2)
	require.Equal(t, "0221 123456-100", q.Lines[0].Display)
	// (2,90 € + 9,90 €) × 2 = 25,60 € net, 4,86 € VAT, 30,46 € gross.
	require.Equal(t, numbers.EUR(2560), q.Monthly.Net)
	require.Equal(t, numbers.EUR(486), q.Monthly.VAT)
	require.Equal(t, numbers.EUR(3046), q.Monthly.Gross)
	require.Equal(t, int64(0), q.OneTime.Net.Cents)
	require.Equal(t, 1900, q.VATRate)

	f.advance(time.Minute)
	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, 2, res.Activated())
	n := f.get(t, ns[0].ID)
	require.Equal(t, numbers.StatusActive, n.Status)
	require.True(t, n.BilledSince.Equal(f.clock()))
	require.NotEmpty(t, n.BillingLine)

	evs, err := f.svc.History(bg, f.owner, n.ID)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	var d numbers.EventData
	require.NoError(t, evs[1].Decode(&d))
	require.Equal(t, numbers.EventActivated, evs[1].Type)
	require.Equal(t, numbers.DefaultConsentLabel, d.Consent)
	require.Equal(t, numbers.StatusNew, d.Before.Status)
	require.Equal(t, numbers.StatusActive, d.After.Status)
	require.Equal(t, q.Lines[0].Price, *d.Price, "the event records the accepted price snapshot")
	require.Equal(t, n.BillingLine, d.Billing.Line)
	require.True(t, d.Billing.Start.Equal(f.clock()))
}

// Activating twice with one token is refused: the first activation changed
// the numbers, so the quote is spent (see TestQuoteIsOneConsent).
func TestActivateTwiceWithOneTokenIsRefused(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	require.NoError(t, err)
	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, numbers.OutcomeActivated, res.Results[0].Outcome)
	nsBefore, evsBefore := f.snapshot(t)
	_, err = f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	requireCode(t, err, numberdesk.CodePrecondition, "quote")
	nsAfter, evsAfter := f.snapshot(t)
	require.Equal(t, nsBefore, nsAfter)
	require.Equal(t, evsBefore, evsAfter, "a refused activation appends no event")
}

func TestDeactivateWithdrawApplyDue(t *testing.T) {
	f := newFixture(t) // 2026-01-15 10:00 Berlin
	ns := f.provision(t, "0221 123456", 2)
	f.activate(t, ns...)

	preview, err := f.svc.PreviewDeactivation(bg, f.owner, ns[0].ID)
	require.NoError(t, err)
	require.Equal(t, "28.02.2026", numbers.FormatDate(preview.NoticeDate))
	require.Equal(t, "Die Rufnummer 0221 123456-100 wird zum 28.02.2026 deaktiviert. "+
		"Mit der Deaktivierung gehen alle Einstellungen dieser Rufnummer verloren.", preview.Message())
	require.Equal(t, numbers.StatusActive, f.get(t, ns[0].ID).Status, "a preview changes nothing")

	d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.NoError(t, err)
	require.True(t, d.Changed)
	effective := time.Date(2026, 3, 1, 0, 0, 0, 0, f.loc)
	require.True(t, d.EffectiveAt.Equal(effective))
	n := f.get(t, ns[0].ID)
	require.Equal(t, numbers.StatusDeactivationPending, n.Status)
	require.Equal(t, "Zur Deaktivierung vorgemerkt", n.StatusLabel())

	// Deactivating again is a no-op with the same date.
	d2, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.NoError(t, err)
	require.False(t, d2.Changed)
	require.True(t, d2.EffectiveAt.Equal(effective))

	// The second number: deactivate and withdraw; settings stay, no new billing.
	n1 := f.get(t, ns[1].ID)
	n1.Holders = []numberdesk.StaffID{numberdesk.NewStaffID()}
	require.NoError(t, f.store.UpdateNumbers(bg, n1))
	_, err = f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n1.ID})
	require.NoError(t, err)
	w, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: n1.ID})
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, w.Status)
	require.Equal(t, n1.Holders, w.Holders)
	require.Equal(t, n1.BillingLine, w.BillingLine)
	require.True(t, w.BilledSince.Equal(n1.BilledSince), "withdrawing does not restart billing")
	_, err = f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: n1.ID})
	requireCode(t, err, numberdesk.CodePrecondition, "number")

	// ApplyDue before the effective time does nothing; after it, the number
	// goes inactive.
	sys := numberdesk.System(f.tenant)
	f.advance(effective.Add(-time.Microsecond).Sub(f.clock()))
	done, err := f.svc.ApplyDue(bg, sys, f.clock())
	require.NoError(t, err)
	require.Empty(t, done)
	f.advance(60 * 24 * time.Hour)
	done, err = f.svc.ApplyDue(bg, sys, f.clock())
	require.NoError(t, err)
	require.Equal(t, []numberdesk.NumberID{ns[0].ID}, done)
	n = f.get(t, ns[0].ID)
	require.Equal(t, numbers.StatusInactive, n.Status)
	require.Empty(t, n.BillingLine)
	require.True(t, n.DeactivationAt.IsZero())

	evs, err := f.svc.History(bg, f.owner, n.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	require.Equal(t, numbers.EventDeactivated, last.Type)
	require.True(t, last.At.Equal(effective), "billing ends at the effective time, not when the job ran")
	require.Equal(t, numberdesk.RoleSystem, last.Actor.Role)

	// Idempotent: running again changes nothing.
	_, evsBefore := f.snapshot(t)
	done, err = f.svc.ApplyDue(bg, sys, f.clock())
	require.NoError(t, err)
	require.Empty(t, done)
	_, evsAfter := f.snapshot(t)
	require.Equal(t, evsBefore, evsAfter)

	// An inactive number can be activated again ("jederzeit wieder aktivieren").
	res := f.activate(t, n)
	require.Equal(t, 1, res.Activated())
}

// Several nodes running ApplyDue at once: each due number is deactivated
// exactly once.
func TestApplyDueConcurrent(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 50)
	f.activate(t, ns...)
	for _, n := range ns {
		_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n.ID})
		require.NoError(t, err)
	}
	f.advance(80 * 24 * time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 8 {
		wg.Go(func() {
			done, err := f.svc.ApplyDue(bg, numberdesk.System(f.tenant), f.clock())
			require.NoError(t, err)
			mu.Lock()
			total += len(done)
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Equal(t, 50, total)
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventDeactivated}})
	require.NoError(t, err)
	require.Len(t, evs, 50)
}

func TestSwap(t *testing.T) {
	f := newFixture(t)
	old := f.provision(t, "0221 111111", 0, func(r *numbers.ProvisionRequest) { r.Options = []string{"festnetz_flat"} })[0]
	nw := f.provision(t, "0221 222222", 0)[0]
	f.activate(t, old)
	holder := numberdesk.NewStaffID()
	o := f.get(t, old.ID)
	o.Holders, o.UsageType = []numberdesk.StaffID{holder}, routing.UsageFaxPersonal
	require.NoError(t, f.store.UpdateNumbers(bg, o))
	f.advance(time.Hour)

	res, err := f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: old.ID, New: nw.ID})
	require.NoError(t, err)
	require.True(t, res.ForwardingRequired)
	require.Equal(t, numbers.StatusInactive, res.Old.Status)
	require.Empty(t, res.Old.Holders)
	require.Empty(t, res.Old.Options)
	require.Equal(t, routing.UsageVoice, res.Old.UsageType)
	require.Empty(t, res.Old.BillingLine)

	require.Equal(t, numbers.StatusActive, res.New.Status)
	require.Equal(t, o.BillingLine, res.New.BillingLine, "the new number takes over the billing line")
	require.Equal(t, []string{"festnetz_flat"}, res.New.Options, "and the booked options")
	require.Equal(t, []numberdesk.StaffID{holder}, res.New.Holders, "the holder moves to the new number")
	require.True(t, res.New.BilledSince.Equal(f.clock()))
	require.Equal(t, res.New, f.get(t, nw.ID))

	evs, err := f.svc.History(bg, f.owner, nw.ID)
	require.NoError(t, err)
	var d numbers.EventData
	require.NoError(t, evs[len(evs)-1].Decode(&d))
	require.Equal(t, numbers.EventSwappedIn, evs[len(evs)-1].Type)
	require.Equal(t, old.ID, d.Counterpart)
	require.Nil(t, d.Price, "a swap costs nothing extra: no new price")

	// A pending number can be swapped out too; the new one is plainly active.
	third := f.provision(t, "0221 333333", 0)[0]
	_, err = f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: nw.ID})
	require.NoError(t, err)
	res, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: nw.ID, New: third.ID})
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, res.New.Status)
	require.True(t, res.New.DeactivationAt.IsZero())
}

// Bad input returns the documented Code and Field and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	tenantB := f.newTenant(t)
	ownerB := f.member(t, tenantB, "Bernd", numberdesk.RoleOwner).Actor()
	manager := f.member(t, f.tenant, "Mia", numberdesk.RoleManager).Actor()
	employee := f.member(t, f.tenant, "Emil", numberdesk.RoleEmployee).Actor()

	active := f.provision(t, "0221 100000", 0)[0]
	active2 := f.provision(t, "0221 100001", 0)[0]
	fresh := f.provision(t, "0221 200000", 0)[0]
	f.activate(t, active, active2)
	staleQuote, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{fresh.ID})
	require.NoError(t, err)
	expiredQuote, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{fresh.ID})
	require.NoError(t, err)
	// Booking an option changes the price: the first quote goes stale.
	n := f.get(t, fresh.ID)
	n.Options = []string{"allnet_flat"}
	require.NoError(t, f.store.UpdateNumbers(bg, n))
	f.advance(20 * time.Minute)
	unknown := numberdesk.NewNumberID()

	tests := []struct {
		name  string
		call  func() error
		code  numberdesk.Code
		field string
	}{
		{"MalformedNumber", provision(f, numbers.ProvisionRequest{Number: "0221 12ab"}), numberdesk.CodeInvalid, "number"},
		{"EmptyNumber", provision(f, numbers.ProvisionRequest{}), numberdesk.CodeInvalid, "number"},
		{"LettersOnly", provision(f, numbers.ProvisionRequest{Number: "hello"}), numberdesk.CodeInvalid, "number"},
		{"TooLong", provision(f, numbers.ProvisionRequest{Number: "+49 221 1234567890123"}), numberdesk.CodeInvalid, "number"},
		{"ReversedRange", provision(f, numbers.ProvisionRequest{Number: "0221 300000", ExtensionFrom: "20", ExtensionTo: "10"}), numberdesk.CodeInvalid, "extension_to"},
		{"HalfRange", provision(f, numbers.ProvisionRequest{Number: "0221 300000", ExtensionFrom: "20"}), numberdesk.CodeInvalid, "extension_to"},
		{"NonDigitExtension", provision(f, numbers.ProvisionRequest{Number: "0221 300000", ExtensionFrom: "1a", ExtensionTo: "19"}), numberdesk.CodeInvalid, "extension_from"},
		{"HugeRange", provision(f, numbers.ProvisionRequest{Number: "0221 300", ExtensionFrom: "0", ExtensionTo: "5000"}), numberdesk.CodeInvalid, "extension_to"},
		{"RangeTooLongForE164", provision(f, numbers.ProvisionRequest{Number: "+49 221 123456789", ExtensionFrom: "10", ExtensionTo: "11"}), numberdesk.CodeInvalid, "extension_to"},
		{"UnknownOrigin", provision(f, numbers.ProvisionRequest{Number: "0221 300000", Origin: "stolen"}), numberdesk.CodeInvalid, "origin"},
		{"PortedWithoutDate", provision(f, numbers.ProvisionRequest{Number: "0221 300000", Origin: numbers.OriginPorted}), numberdesk.CodeInvalid, "porting_date"},
		{"DateWithoutPort", provision(f, numbers.ProvisionRequest{Number: "0221 300000", PortingDate: time.Now()}), numberdesk.CodeInvalid, "porting_date"},
		{"UnknownOption", provision(f, numbers.ProvisionRequest{Number: "0221 300000", Options: []string{"gold"}}), numberdesk.CodeInvalid, "options"},
		{"DuplicateNumber", provision(f, numbers.ProvisionRequest{Number: "+49 221 100000"}), numberdesk.CodeConflict, "number"},
		{"BlockOverlappingExisting", provision(f, numbers.ProvisionRequest{Number: "0221 1000", ExtensionFrom: "00", ExtensionTo: "00"}), numberdesk.CodeConflict, "number"},
		{"QuoteNothing", func() error { _, err := f.svc.Quote(bg, f.owner, nil); return err }, numberdesk.CodeInvalid, "numbers"},
		{"QuoteUnknownID", func() error { _, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{unknown}); return err }, numberdesk.CodeNotFound, "numbers"},
		{"QuoteMalformedID", func() error {
			_, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{"'; DROP TABLE numbers; --"})
			return err
		}, numberdesk.CodeNotFound, "numbers"},
		{"QuoteOtherTenantsID", func() error { _, err := f.svc.Quote(bg, ownerB, []numberdesk.NumberID{fresh.ID}); return err }, numberdesk.CodeNotFound, "numbers"},
		{"QuoteActive", func() error { _, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{active.ID}); return err }, numberdesk.CodePrecondition, "numbers"},
		{"QuoteAsManager", func() error { _, err := f.svc.Quote(bg, manager, []numberdesk.NumberID{fresh.ID}); return err }, numberdesk.CodePermission, ""},
		{"ActivateStaleQuote", activate(f, f.owner, staleQuote.Token), numberdesk.CodePrecondition, "quote"},
		{"ActivateExpiredQuote", activate(f, f.owner, expiredQuote.Token), numberdesk.CodePrecondition, "quote"},
		{"ActivateGarbageToken", activate(f, f.owner, "not-a-token"), numberdesk.CodeInvalid, "quote"},
		{"ActivateForgedToken", activate(f, f.owner, staleQuote.Token[:len(staleQuote.Token)-4]+"AAAA"), numberdesk.CodePrecondition, "quote"},
		{"ActivateEmptyToken", activate(f, f.owner, ""), numberdesk.CodeInvalid, "quote_token"},
		{"ActivateOtherTenantsQuote", activate(f, ownerB, staleQuote.Token), numberdesk.CodeNotFound, "quote"},
		{"ActivateAsManager", activate(f, manager, staleQuote.Token), numberdesk.CodePermission, ""},
		{"ActivateAsEmployee", activate(f, employee, staleQuote.Token), numberdesk.CodePermission, ""},
		{"ActivateAsSystem", activate(f, numberdesk.System(f.tenant), staleQuote.Token), numberdesk.CodePermission, ""},
		{"ActivateWithoutActor", activate(f, numberdesk.Actor{}, staleQuote.Token), numberdesk.CodePermission, "actor"},
		{"DeactivateNew", deactivate(f, f.owner, fresh.ID), numberdesk.CodePrecondition, "number"},
		{"DeactivateUnknown", deactivate(f, f.owner, unknown), numberdesk.CodeNotFound, "number"},
		{"DeactivateOtherTenantsID", deactivate(f, ownerB, active.ID), numberdesk.CodeNotFound, "number"},
		{"DeactivateAsManager", deactivate(f, manager, active.ID), numberdesk.CodePermission, ""},
		{"DeactivateEmptyID", deactivate(f, f.owner, ""), numberdesk.CodeInvalid, "number"},
		{"WithdrawActive", func() error {
			_, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: active.ID})
			return err
		}, numberdesk.CodePrecondition, "number"},
		{"ApplyDueAsOwner", func() error { _, err := f.svc.ApplyDue(bg, f.owner, time.Now()); return err }, numberdesk.CodePermission, ""},
		{"SwapWithItself", swap(f, f.owner, active.ID, active.ID), numberdesk.CodeInvalid, "new"},
		{"SwapNewOut", swap(f, f.owner, fresh.ID, active.ID), numberdesk.CodePrecondition, "old"},
		{"SwapActiveIn", swap(f, f.owner, active.ID, active2.ID), numberdesk.CodePrecondition, "new"},
		{"SwapUnknownNew", swap(f, f.owner, active.ID, unknown), numberdesk.CodeNotFound, "new"},
		{"SwapOtherTenantsOld", swap(f, ownerB, active.ID, fresh.ID), numberdesk.CodeNotFound, "old"},
		{"SwapAsManager", swap(f, manager, active.ID, fresh.ID), numberdesk.CodePermission, ""},
		{"OverviewBadStatus", overview(f, f.owner, numbers.Query{Statuses: []numbers.Status{"gone"}}), numberdesk.CodeInvalid, "statuses[0]"},
		{"OverviewBadSort", overview(f, f.owner, numbers.Query{Sort: "price"}), numberdesk.CodeInvalid, "sort"},
		{"OverviewHugePage", overview(f, f.owner, numbers.Query{Limit: 5000}), numberdesk.CodeInvalid, "limit"},
		{"OverviewNegativeOffset", overview(f, f.owner, numbers.Query{Offset: -1}), numberdesk.CodeInvalid, "offset"},
		{"NumberOfOtherTenant", func() error { _, err := f.svc.Number(bg, ownerB, active.ID); return err }, numberdesk.CodeNotFound, "number"},
		{"NumberNotHeldByEmployee", func() error { _, err := f.svc.Number(bg, employee, active.ID); return err }, numberdesk.CodeNotFound, "number"},
		{"HistoryOfOtherTenant", func() error { _, err := f.svc.History(bg, ownerB, active.ID); return err }, numberdesk.CodeNotFound, "number"},
		{"EventsAsEmployee", func() error { _, err := f.svc.Events(bg, employee, numberdesk.EventFilter{}); return err }, numberdesk.CodePermission, ""},
		{"UnknownRole", activate(f, numberdesk.Actor{Tenant: f.tenant, Staff: "x", Role: "root"}, staleQuote.Token), numberdesk.CodePermission, "actor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsBefore, evsBefore := f.snapshot(t)
			err := tt.call()
			requireCode(t, err, tt.code, tt.field)
			require.NotEmpty(t, numberdesk.ErrorMessage(err))
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter, "numbers changed")
			require.Equal(t, evsBefore, evsAfter, "events appended")
		})
	}
}

func requireCode(t require.TestingT, err error, code numberdesk.Code, field string) {
	require.Error(t, err)
	require.Equal(t, code, numberdesk.ErrorCode(err), "%v", err)
	require.Equal(t, field, numberdesk.ErrorField(err), "%v", err)
}

func provision(f *fixture, req numbers.ProvisionRequest) func() error {
	return func() error { _, err := f.svc.Provision(bg, f.owner, req); return err }
}

func activate(f *fixture, a numberdesk.Actor, token string) func() error {
	return func() error {
		_, err := f.svc.Activate(bg, a, numbers.ActivateRequest{QuoteToken: token})
		return err
	}
}

func deactivate(f *fixture, a numberdesk.Actor, id numberdesk.NumberID) func() error {
	return func() error { _, err := f.svc.Deactivate(bg, a, numbers.DeactivateRequest{Number: id}); return err }
}

func swap(f *fixture, a numberdesk.Actor, old, nw numberdesk.NumberID) func() error {
	return func() error { _, err := f.svc.Swap(bg, a, numbers.SwapRequest{Old: old, New: nw}); return err }
}

func overview(f *fixture, a numberdesk.Actor, q numbers.Query) func() error {
	return func() error { _, err := f.svc.Overview(bg, a, q); return err }
}

// billingStarts counts the billing intervals opened for id.
func billingStarts(t *testing.T, f *fixture, id numberdesk.NumberID) int {
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Number: id})
	require.NoError(t, err)
	c := 0
	for _, e := range evs {
		var d numbers.EventData
		require.NoError(t, e.Decode(&d))
		if d.Billing != nil && !d.Billing.Start.IsZero() {
			c++
		}
	}
	return c
}

// 32 concurrent Activate calls on one number with different idempotency
// keys: exactly one success and one billing start; the others lose the race
// (CodeConflict) or find the quote spent (CodePrecondition, Field "quote").
func TestConcurrentActivateDifferentKeys(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 123456", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	require.NoError(t, err)
	var wg sync.WaitGroup
	outcomes := make([]numbers.Outcome, 32)
	for i := range 32 {
		wg.Go(func() {
			res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: fmt.Sprint("key-", i)})
			if err != nil {
				if numberdesk.ErrorCode(err) != numberdesk.CodeConflict {
					requireCode(t, err, numberdesk.CodePrecondition, "quote")
				}
				return
			}
			outcomes[i] = res.Results[0].Outcome
		})
	}
	wg.Wait()
	activated := 0
	for _, o := range outcomes {
		if o == numbers.OutcomeActivated {
			activated++
		}
	}
	require.Equal(t, 1, activated)
	require.Equal(t, 1, billingStarts(t, f, n.ID))
}

// The same key replayed 100× sequentially and 32× concurrently: exactly one
// effect and the same result.
func TestIdempotentReplay(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 3)
	q, err := f.svc.Quote(bg, f.owner, ids(ns))
	require.NoError(t, err)
	req := numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: "7f1c9a2e-activate-block"}
	first, err := f.svc.Activate(bg, f.owner, req)
	require.NoError(t, err)
	require.Equal(t, 3, first.Activated())
	want, _ := json.Marshal(first)
	for range 100 {
		f.advance(time.Second) // retries come later, but within the quote's life
		got, err := f.svc.Activate(bg, f.owner, req)
		require.NoError(t, err)
		b, _ := json.Marshal(got)
		require.JSONEq(t, string(want), string(b))
		require.Equal(t, first, got)
	}
	f.advance(time.Hour) // even after the quote expired, the replay answers
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			got, err := f.svc.Activate(bg, f.owner, req)
			require.NoError(t, err)
			require.Equal(t, first, got)
		})
	}
	wg.Wait()
	for _, n := range ns {
		require.Equal(t, 1, billingStarts(t, f, n.ID))
	}
}

// 32 concurrent first calls with one key: one effect, one result for all.
func TestIdempotentConcurrentFirstCalls(t *testing.T) {
	f := newFixture(t)
	old := f.provision(t, "0221 111111", 0)[0]
	nw := f.provision(t, "0221 222222", 0)[0]
	f.activate(t, old)
	req := numbers.SwapRequest{Old: old.ID, New: nw.ID, IdempotencyKey: "swap-1"}
	results := make([]*numbers.SwapResult, 32)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			res, err := f.svc.Swap(bg, f.owner, req)
			require.NoError(t, err)
			results[i] = res
		})
	}
	wg.Wait()
	for _, r := range results {
		require.Equal(t, results[0], r)
	}
	evs, err := f.store.FindEvents(bg, f.tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventSwappedIn}})
	require.NoError(t, err)
	require.Len(t, evs, 1)
}

// The same key with a changed payload is CodeInvalid on Field
// "idempotency_key" and has no effect; keys are scoped per tenant.
func TestIdempotencyKeyReuseAndScope(t *testing.T) {
	f := newFixture(t)
	a := f.provision(t, "0221 111111", 0)[0]
	b := f.provision(t, "0221 222222", 0)[0]
	f.activate(t, a, b)
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: a.ID, IdempotencyKey: "k1"})
	require.NoError(t, err)
	nsBefore, evsBefore := f.snapshot(t)
	_, err = f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: b.ID, IdempotencyKey: "k1"})
	requireCode(t, err, numberdesk.CodeInvalid, "idempotency_key")
	// Another command under the same key is a reuse too.
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: a.ID, New: b.ID, IdempotencyKey: "k1"})
	requireCode(t, err, numberdesk.CodeInvalid, "idempotency_key")
	nsAfter, evsAfter := f.snapshot(t)
	require.Equal(t, nsBefore, nsAfter)
	require.Equal(t, evsBefore, evsAfter)

	// Tenant B uses the same key string for its own command.
	tenantB := f.newTenant(t)
	ownerB := f.member(t, tenantB, "Bernd", numberdesk.RoleOwner).Actor()
	nb, err := f.svc.Provision(bg, ownerB, numbers.ProvisionRequest{Number: "0221 111111"})
	require.NoError(t, err)
	qb, err := f.svc.Quote(bg, ownerB, ids(nb))
	require.NoError(t, err)
	_, err = f.svc.Activate(bg, ownerB, numbers.ActivateRequest{QuoteToken: qb.Token})
	require.NoError(t, err)
	d, err := f.svc.Deactivate(bg, ownerB, numbers.DeactivateRequest{Number: nb[0].ID, IdempotencyKey: "k1"})
	require.NoError(t, err)
	require.True(t, d.Changed)
	require.Equal(t, nb[0].ID, d.Number.ID)
}

// Two writers at the same version: one wins, the other gets conflict and
// nothing of it is written.
func TestTwoWritersSameVersion(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 111111", 0)[0]
	a, b := f.get(t, n.ID), f.get(t, n.ID)
	a.Options = []string{"festnetz_flat"}
	b.Options = []string{"allnet_flat"}
	require.NoError(t, f.store.UpdateNumbers(bg, a))
	err := f.store.UpdateNumbers(bg, b)
	require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err))
	got := f.get(t, n.ID)
	require.Equal(t, []string{"festnetz_flat"}, got.Options)
	require.Equal(t, int64(2), got.Version)
}

func TestOverview(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 10)
	f.provision(t, "030 987654", 0)
	f.activate(t, ns[:4]...)
	_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.NoError(t, err)
	employee := f.member(t, f.tenant, "Emil", numberdesk.RoleEmployee).Actor()
	held := f.get(t, ns[1].ID)
	held.Holders = []numberdesk.StaffID{employee.Staff}
	require.NoError(t, f.store.UpdateNumbers(bg, held))

	count := func(a numberdesk.Actor, q numbers.Query) (int, []string) {
		t.Helper()
		p, err := f.svc.Overview(bg, a, q)
		require.NoError(t, err)
		var got []string
		for _, n := range p.Numbers {
			got = append(got, n.Display())
		}
		return p.Total, got
	}
	total, _ := count(f.owner, numbers.Query{})
	require.Equal(t, 11, total)
	total, _ = count(f.owner, numbers.Query{Statuses: []numbers.Status{numbers.StatusActive}})
	require.Equal(t, 3, total)
	total, _ = count(f.owner, numbers.Query{Statuses: []numbers.Status{numbers.StatusActive, numbers.StatusDeactivationPending}})
	require.Equal(t, 4, total)
	// Search by the start of the number in any format, or by digits
	// anywhere with Contains (TestOverviewSearchForms has the rules).
	for _, q := range []numbers.Query{{Search: "0221 123456-10"}, {Search: "+49 221 1234561"}, {Search: "0049221123456 10"},
		{Search: "123-456-10", Contains: true}, {Search: "(0221) 12 34 56 10"}} {
		total, got := count(f.owner, q)
		require.Equal(t, 10, total, q.Search)
		require.Equal(t, "0221 123456-100", got[0], q.Search)
	}
	total, got := count(f.owner, numbers.Query{Search: "030"})
	require.Equal(t, 1, total)
	require.Equal(t, []string{"030 987654"}, got)
	total, _ = count(f.owner, numbers.Query{Search: "abc"})
	require.Equal(t, 0, total)
	// Paging: total stays, pages do not overlap.
	total, first := count(f.owner, numbers.Query{Limit: 4})
	require.Equal(t, 11, total)
	_, second := count(f.owner, numbers.Query{Limit: 4, Offset: 4})
	require.Len(t, first, 4)
	require.NotContains(t, second, first[3])
	// Sorted descending by number: the Berlin number (+4930…) sorts last ascending.
	_, desc := count(f.owner, numbers.Query{Desc: true, Limit: 1})
	require.Equal(t, []string{"030 987654"}, desc)
	// Holder filter and the employee's own view.
	total, got = count(f.owner, numbers.Query{Holder: employee.Staff})
	require.Equal(t, 1, total)
	require.Equal(t, []string{held.Display()}, got)
	total, _ = count(f.owner, numbers.Query{Unassigned: true})
	require.Equal(t, 10, total)
	total, got = count(employee, numbers.Query{})
	require.Equal(t, 1, total, "an employee sees only the numbers it holds")
	require.Equal(t, []string{held.Display()}, got)
	total, _ = count(employee, numbers.Query{Holder: numberdesk.NewStaffID()})
	require.Equal(t, 0, total)
	total, _ = count(employee, numbers.Query{Unassigned: true})
	require.Equal(t, 0, total)
}

func TestTransitionsTable(t *testing.T) {
	owner, system, manager := numberdesk.RoleOwner, numberdesk.RoleSystem, numberdesk.RoleManager
	require.True(t, numbers.Allowed(numbers.StatusNew, numbers.StatusActive, owner))
	require.True(t, numbers.Allowed(numbers.StatusInactive, numbers.StatusActive, owner))
	require.True(t, numbers.Allowed(numbers.StatusActive, numbers.StatusDeactivationPending, owner))
	require.True(t, numbers.Allowed(numbers.StatusDeactivationPending, numbers.StatusActive, owner))
	require.True(t, numbers.Allowed(numbers.StatusDeactivationPending, numbers.StatusInactive, system))
	require.True(t, numbers.Allowed(numbers.StatusActive, numbers.StatusInactive, owner), "swap out")
	require.False(t, numbers.Allowed(numbers.StatusNew, numbers.StatusActive, manager), "a manager spends no money")
	require.False(t, numbers.Allowed(numbers.StatusNew, numbers.StatusInactive, owner))
	require.False(t, numbers.Allowed(numbers.StatusInactive, numbers.StatusDeactivationPending, owner))
	require.False(t, numbers.Allowed(numbers.StatusActive, numbers.StatusNew, owner))
	require.False(t, numbers.Allowed(numbers.StatusDeactivationPending, numbers.StatusInactive, manager))
	require.False(t, numbers.Allowed(numbers.StatusActive, numbers.StatusDeactivationPending, system), "the job never starts a deactivation")
}

// withOp keeps the code of a wrapped *numberdesk.Error and never panics on
// foreign errors: a PriceList may return either.
func TestProvisionPriceListErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		code numberdesk.Code
	}{
		{"Wrapped", fmt.Errorf("vendor: %w", numberdesk.E(numberdesk.CodeInvalid, "", "", "Option unbekannt.")), numberdesk.CodeInvalid},
		{"Foreign", errors.New("price service down"), numberdesk.CodeInternal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(c *numbers.Config) {
				c.Prices = priceFunc(func(context.Context, *numbers.Number) (numbers.Price, error) { return numbers.Price{}, tt.err })
			})
			_, err := f.svc.Provision(bg, f.owner, numbers.ProvisionRequest{Number: "0221 123456"})
			require.Equal(t, tt.code, numberdesk.ErrorCode(err), "%v", err)
			ns, _ := f.snapshot(t)
			require.Empty(t, ns)
		})
	}
}

type priceFunc func(context.Context, *numbers.Number) (numbers.Price, error)

func (f priceFunc) Price(ctx context.Context, n *numbers.Number) (numbers.Price, error) {
	return f(ctx, n)
}

// Withdraw takes an idempotency key: a retry with it returns the stored
// result (not "no deactivation pending"), another number under it is a
// reuse; a malformed key is field idempotency_key on every keyed command.
func TestWithdrawIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 333333", 0)
	other := f.provision(t, "0221 444444", 0)
	f.activate(t, ns[0], other[0])
	for _, n := range []*numbers.Number{ns[0], other[0]} {
		_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: n.ID})
		require.NoError(t, err)
	}
	req := numbers.WithdrawRequest{Number: ns[0].ID, IdempotencyKey: "withdraw-1"}
	first, err := f.svc.Withdraw(bg, f.owner, req)
	require.NoError(t, err)
	require.Equal(t, numbers.StatusActive, first.Status)
	_, evsBefore := f.snapshot(t)
	again, err := f.svc.Withdraw(bg, f.owner, req)
	require.NoError(t, err, "the retry replays")
	require.Equal(t, first, again)
	_, evsAfter := f.snapshot(t)
	require.Equal(t, evsBefore, evsAfter, "no second event")
	_, err = f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: other[0].ID, IdempotencyKey: "withdraw-1"})
	requireCode(t, err, numberdesk.CodeInvalid, "idempotency_key")
	_, err = f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: ns[0].ID})
	requireCode(t, err, numberdesk.CodePrecondition, "number")

	bad := "schlüssel mit umlaut"
	for name, run := range map[string]func() error{
		"Withdraw": func() error {
			_, err := f.svc.Withdraw(bg, f.owner, numbers.WithdrawRequest{Number: other[0].ID, IdempotencyKey: bad})
			return err
		},
		"Deactivate": func() error {
			_, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: ns[0].ID, IdempotencyKey: bad})
			return err
		},
		"Swap": func() error {
			_, err := f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: ns[0].ID, New: other[0].ID, IdempotencyKey: bad})
			return err
		},
		"Activate": func() error {
			_, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: "x", IdempotencyKey: bad})
			return err
		},
	} {
		err := run()
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), name)
		require.Equal(t, "idempotency_key", err.(*numberdesk.Error).Field, name)
	}
}
