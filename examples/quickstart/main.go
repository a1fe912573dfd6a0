// Command quickstart runs the NumberDesk SDK on its embedded defaults
// (memstore, the default price list and notice policy) through a whole number
// lifecycle, then prints the number overview and the event log.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"text/tabwriter"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer) error {
	// A simulated clock, so that the notice period can run out.
	now := time.Now()
	clock := func() time.Time { return now }

	st := memstore.New()
	svc, err := numbers.NewService(numbers.Config{Store: st, Clock: clock})
	if err != nil {
		log.Fatal(err)
	}

	people := staff.NewService(staff.Config{Store: st, Numbers: svc, Clock: clock})

	// A tenant with its owner ("Administrator-Konto").
	tenant, admin, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH", TimeZone: "Europe/Berlin",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "it@muster.example"}})
	if err != nil {
		return err
	}
	// The portal authenticates people; the SDK authorizes them: a verified
	// Actor comes from the stored employee, never from the caller's claims.
	owner, err := people.Actor(ctx, tenant.ID, admin.ID)
	if err != nil {
		return err
	}

	// A block: Stammnummer 0221 123456 with Durchwahlen 10–19, and a spare number.
	block, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{
		Number: "0221 123456", ExtensionFrom: "10", ExtensionTo: "19", Options: []string{"festnetz_flat"},
	})
	if err != nil {
		return err
	}
	spare, err := svc.Provision(ctx, owner, numbers.ProvisionRequest{Number: "0221 987654"})
	if err != nil {
		return err
	}

	// The cost overview, then "Rufnummern jetzt kostenpflichtig aktivieren".
	first := []numberdesk.NumberID{block[0].ID, block[1].ID, block[2].ID}
	q, err := svc.Quote(ctx, owner, first)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Kostenübersicht")
	for _, l := range q.Lines {
		for _, p := range l.Price.Monthly {
			fmt.Fprintf(out, "  %-16s %-14s %10s / Monat\n", l.Display, p.Label, p.Net)
		}
	}
	fmt.Fprintf(out, "  Summe monatlich %s zzgl. %s MwSt. = %s\n\n", q.Monthly.Net, numbers.FormatRate(q.VATRate), q.Monthly.Gross)
	res, err := svc.Activate(ctx, owner, numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: "quickstart-activate-1"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d Rufnummern aktiviert.\n", res.Activated())

	// "Rufnummer jetzt deaktivieren" with the default notice.
	d, err := svc.Deactivate(ctx, owner, numbers.DeactivateRequest{Number: block[0].ID})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, d.Message())

	// Two months later the scheduled job applies the due deactivation.
	now = now.AddDate(0, 2, 1)
	due, err := svc.ApplyDue(ctx, numberdesk.System(tenant.ID), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d Rufnummer(n) deaktiviert.\n", len(due))

	// "Rufnummerntausch jetzt abschließen".
	sw, err := svc.Swap(ctx, owner, numbers.SwapRequest{Old: block[1].ID, New: spare[0].ID})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Die Rufnummer %s wurde durch %s ersetzt. Es entstehen keine zusätzlichen Kosten.\n", sw.Old.Display(), sw.New.Display())
	if sw.ForwardingRequired {
		fmt.Fprintln(out, "Bitte richten Sie eine Weiterleitung auf das IP-Gerät ein.")
	}

	// "Rufnummer einem Mitarbeiter zuordnen": a new employee gets the last
	// active number of the block; a missed call on it is fed in by the PBX,
	// and the outbox dispatcher delivers the notification.
	emp, err := people.Create(ctx, owner, staff.CreateRequest{FirstName: "Max", LastName: "Muster",
		Email: "max@muster.example", Numbers: []numberdesk.NumberID{block[2].ID}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Die Rufnummer %s nutzt jetzt %s.\n", block[2].Display(), emp.Name())
	if _, err := svc.Feed(ctx, numberdesk.System(tenant.ID), []numbers.RecordInput{{
		Number: block[2].E164, Kind: numbers.RecordCall, At: now, Caller: "+491712345678", Result: numbers.ResultMissed,
	}}); err != nil {
		return err
	}
	mailer := notify.NotifierFunc(func(_ context.Context, e numberdesk.Event) error {
		if e.Type != staff.EventNotification {
			return nil // audit and billing events: a billing feed would take them here
		}
		var n staff.Notification
		if err := e.Decode(&n); err != nil {
			return notify.Permanent(err)
		}
		fmt.Fprintf(out, "E-Mail an %s: Verpasster Anruf auf %s von %s\n", n.To, n.Number, n.Caller)
		return nil
	})
	dispatcher := &notify.Dispatcher{Outbox: st, Notifier: mailer, Clock: clock}
	if _, err := dispatcher.RunOnce(ctx); err != nil {
		return err
	}

	page, err := svc.Overview(ctx, owner, numbers.Query{})
	if err != nil {
		return err
	}
	loc := tenant.Location()
	fmt.Fprintf(out, "\nRufnummern-Übersicht (%d)\n", page.Total)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  Rufnummer\tStatus\tVerwendungstyp\tMitarbeiter\tKündigungsdatum")
	for _, n := range page.Numbers {
		date := ""
		if !n.DeactivationAt.IsZero() {
			date = numbers.FormatDate(numbers.NoticeDate(n.DeactivationAt, loc))
		}
		holder := ""
		if n.HeldBy(emp.ID) {
			holder = emp.Name()
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", n.Display(), n.StatusLabel(), n.UsageType.Label(), holder, date)
	}
	w.Flush()

	evs, err := svc.Events(ctx, owner, numberdesk.EventFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nEreignisprotokoll (%d)\n", len(evs))
	for _, e := range evs {
		var d numbers.EventData
		if err := e.Decode(&d); err != nil {
			return err
		}
		line := fmt.Sprintf("  #%-3d %s  %-30s %-16s %-7s", e.Seq, e.At.In(loc).Format("02.01.2006 15:04"), e.Type, d.Display, e.Actor.Role)
		if d.Before != nil {
			line += fmt.Sprintf(" %s → %s", d.Before.Status, d.After.Status)
		}
		if d.Billing != nil && !d.Billing.Start.IsZero() {
			line += " (Abrechnung beginnt)"
		}
		if d.Billing != nil && !d.Billing.End.IsZero() {
			line += " (Abrechnung endet)"
		}
		fmt.Fprintln(out, line)
	}
	return nil
}
