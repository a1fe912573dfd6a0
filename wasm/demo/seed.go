package demo

import (
	"context"
	"strconv"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The seed's fixed data, for the UI tests and the README.
const (
	TenantName = "Muster GmbH"
	TimeZone   = "Europe/Berlin"
	// Block is the Stammnummer of the seed's number block with the
	// Durchwahlen 10 to 29.
	Block = "0221 123456"
	// MaxNumbers is the largest seed Seed makes.
	MaxNumbers = 10000
	// history is how long before now the seed's story starts, so that a
	// deactivation requested then has taken effect by now (the notice ends at
	// the latest at the end of the month after next).
	history = 80 * 24 * time.Hour
)

// Seed numbers, by Durchwahl of Block (and two single numbers):
//
//	10 aktiv, Max Muster, routing plan "Bürozeiten" (Mo–Fr 08:00–18:00)
//	11 aktiv, Erika Beispiel, with call records
//	12 aktiv, Paul Gesperrt (locked later)
//	13 aktiv, Jana Schmidt (manager)
//	14 aktiv, no holder
//	15 Zur Deaktivierung vorgemerkt
//	16 inaktiv (deactivated in the past)
//	17 aktiv, persönliche Faxnummer of Lena Fax
//	18 aktiv, gemeinsame Faxnummer of Max Muster and Erika Beispiel
//	19–24 neu
//	25–29 neu, with the option "Allnet-Flat"
//	0221 987650 neu
//	030 4455667 portiert (porting date passed)
//	040 7788990 portiert (porting date in three weeks: cannot be activated yet)
const standardCount = 23

// StandardCount is how many numbers the standard seed has.
const StandardCount = standardCount

// Seed returns a new demo with the standard seed and, if total exceeds
// StandardCount, spare new numbers (blocks of 089 5550 with four-digit
// Durchwahlen, 1,000 per block) so that the tenant has total numbers (at most MaxNumbers).
// total 0 means the standard seed.
func Seed(ctx context.Context, total int, cfg Config) (*Demo, error) {
	st := memstore.New()
	d, err := play(ctx, st, "", cfg.clock(), cfg.ConsentLabel)
	if err != nil {
		return nil, err
	}
	d.Store = st
	if err := d.fill(ctx, min(total, MaxNumbers)); err != nil {
		return nil, err
	}
	return d, nil
}

// play plays the standard seed on st for the tenant id ("": a new one):
// the history 80 days before real(), then today. The demo it returns runs
// on real.
func play(ctx context.Context, st store.Store, id numberdesk.TenantID, real func() time.Time, consent string) (*Demo, error) {
	offset := history
	d, err := wire(st, func() time.Time { return real().Add(-offset) }, consent)
	if err != nil {
		return nil, err
	}
	if err := d.seed(ctx, id); err != nil {
		return nil, err
	}
	offset = 0
	if err := d.seedNow(ctx); err != nil {
		return nil, err
	}
	d.clock = real
	return d, nil
}

// seed plays the history, 80 days ago, for the tenant id ("": a new one).
func (d *Demo) seed(ctx context.Context, id numberdesk.TenantID) error {
	var err error
	d.Tenant, d.Owner, err = d.Staff.CreateTenant(ctx, staff.TenantRequest{ID: id, Name: TenantName, TimeZone: TimeZone,
		Owner: staff.Person{FirstName: "Anna", LastName: "Admin", Email: "admin@muster.example"}})
	if err != nil {
		return err
	}
	owner := d.Actor()
	block, err := d.Numbers.Provision(ctx, owner, numbers.ProvisionRequest{Number: Block, ExtensionFrom: "10", ExtensionTo: "24",
		Options: []string{"festnetz_flat"}})
	if err != nil {
		return err
	}
	if _, err = d.Numbers.Provision(ctx, owner, numbers.ProvisionRequest{Number: Block, ExtensionFrom: "25", ExtensionTo: "29",
		Options: []string{"allnet_flat"}}); err != nil {
		return err
	}
	if _, err = d.Numbers.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 987650"}); err != nil {
		return err
	}
	now := d.clock()
	if _, err = d.Numbers.Provision(ctx, owner, numbers.ProvisionRequest{Number: "030 4455667", Origin: numbers.OriginPorted,
		PortingDate: now.Add(14 * 24 * time.Hour)}); err != nil {
		return err
	}
	if _, err = d.Numbers.Provision(ctx, owner, numbers.ProvisionRequest{Number: "040 7788990", Origin: numbers.OriginPorted,
		PortingDate: now.Add(history + 21*24*time.Hour)}); err != nil {
		return err
	}
	ext := func(e int) numberdesk.NumberID { return block[e-10].ID }

	// 10–18 active.
	var ids []numberdesk.NumberID
	for e := 10; e <= 18; e++ {
		ids = append(ids, ext(e))
	}
	q, err := d.Numbers.Quote(ctx, owner, ids)
	if err != nil {
		return err
	}
	if _, err = d.Numbers.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token}); err != nil {
		return err
	}
	// 16 deactivated back then: inactive by now (ApplyDue in seedNow).
	if _, err = d.Numbers.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: ext(16)}); err != nil {
		return err
	}

	// Employees with their numbers.
	person := func(first, last, email string, role numberdesk.Role, nums ...numberdesk.NumberID) (*staff.Employee, error) {
		return d.Staff.Create(ctx, owner, staff.CreateRequest{FirstName: first, LastName: last, Email: email, Role: role, Numbers: nums})
	}
	maxM, err := person("Max", "Muster", "max.muster@muster.example", "", ext(10))
	if err != nil {
		return err
	}
	erika, err := person("Erika", "Beispiel", "erika.beispiel@muster.example", "", ext(11))
	if err != nil {
		return err
	}
	paul, err := person("Paul", "Gesperrt", "paul.gesperrt@muster.example", "", ext(12))
	if err != nil {
		return err
	}
	if _, err = person("Jana", "Schmidt", "jana.schmidt@muster.example", numberdesk.RoleManager, ext(13)); err != nil {
		return err
	}
	if _, err = person("Lena", "Fax", "lena.fax@muster.example", "", ext(17)); err != nil {
		return err
	}
	if _, err = d.Staff.SetLocked(ctx, owner, paul.ID, true); err != nil {
		return err
	}

	// Fax numbers: 17 personal (Lena), 18 shared (Max and Erika).
	if _, err = d.Numbers.SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: ext(17), UsageType: routing.UsageFaxPersonal}); err != nil {
		return err
	}
	if _, err = d.Numbers.Assign(ctx, owner, numbers.AssignRequest{Number: ext(18), Employee: maxM.ID}); err != nil {
		return err
	}
	if _, err = d.Numbers.SetUsageType(ctx, owner, numbers.SetUsageTypeRequest{Number: ext(18), UsageType: routing.UsageFaxShared}); err != nil {
		return err
	}
	if _, err = d.Numbers.AddMember(ctx, owner, ext(18), erika.ID); err != nil {
		return err
	}

	// Office hours on 10: Mon–Fri 08:00–18:00 (Europe/Berlin) ring the desk
	// phone, then the mobile; otherwise Max's mailbox.
	if _, err = d.Numbers.SaveRouting(ctx, owner, numbers.SaveRoutingRequest{Number: ext(10), Plan: OfficeHours()}); err != nil {
		return err
	}

	// Call records of Erika's number (purged if the number is reassigned
	// with the checkbox set).
	sys := numberdesk.System(d.Tenant.ID)
	e164 := block[1].E164
	_, err = d.Numbers.Feed(ctx, sys, []numbers.RecordInput{
		{Number: e164, Kind: numbers.RecordCall, At: now.Add(2 * time.Hour), Direction: numbers.Inbound, Caller: "+4917112345678", Result: numbers.ResultMissed},
		{Number: e164, Kind: numbers.RecordCall, At: now.Add(3 * time.Hour), Direction: numbers.Inbound, Caller: "+4922198765", Duration: 95 * time.Second, Result: numbers.ResultAnswered},
		{Number: e164, Kind: numbers.RecordCall, At: now.Add(26 * time.Hour), Direction: numbers.Outbound, Callee: "+4989123456", Duration: 240 * time.Second, Result: numbers.ResultAnswered},
	})
	return err
}

// seedNow plays today: due deactivations, and one requested today.
func (d *Demo) seedNow(ctx context.Context) error {
	if _, err := d.ApplyDue(ctx); err != nil {
		return err
	}
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Search: Block + "15"})
	if err != nil {
		return err
	}
	if len(p.Numbers) != 1 {
		return numberdesk.E(numberdesk.CodeInternal, "demo.Seed", "", "Die Demo-Daten sind unvollständig.")
	}
	_, err = d.Numbers.Deactivate(ctx, d.Actor(), numbers.DeactivateRequest{Number: p.Numbers[0].ID})
	return err
}

// fill provisions spare numbers until the tenant has total.
func (d *Demo) fill(ctx context.Context, total int) error {
	for block := 0; total > standardCount; block++ {
		n := min(total-standardCount, numbers.MaxBlockSize)
		if _, err := d.Numbers.Provision(ctx, d.Actor(), numbers.ProvisionRequest{
			Number: "089 555" + strconv.Itoa(block), ExtensionFrom: "0000", ExtensionTo: pad4(n - 1)}); err != nil {
			return err
		}
		total -= n
	}
	return nil
}

func pad4(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

// OfficeHours is the seed's routing plan: Monday to Friday 08:00–18:00 in
// the tenant's time zone the desk phone rings for 20 seconds, then the
// mobile for 30; otherwise, and when nobody answers, the holder's mailbox.
func OfficeHours() routing.Plan {
	return routing.Plan{
		Rules: []routing.Rule{{
			ID: "buero", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets: []routing.Target{
				{Kind: routing.TargetDevice, Ref: "tisch-max", RingSeconds: 20},
				{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 30},
			},
		}},
		Base: routing.BaseRule{Kind: routing.BaseHolderMailbox},
	}
}
