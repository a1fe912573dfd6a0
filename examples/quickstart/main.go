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
	"github.com/numberdesk/numberdesk/numbers"
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
	svc := numbers.NewService(numbers.Config{Store: st, Clock: clock})

	// A tenant with its owner ("Administrator-Konto").
	tenant := &numberdesk.Tenant{ID: numberdesk.NewTenantID(), Name: "Muster GmbH", TimeZone: "Europe/Berlin", CreatedAt: now}
	if err := st.CreateTenant(ctx, tenant); err != nil {
		return err
	}
	owner := numberdesk.Actor{Tenant: tenant.ID, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}

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

	page, err := svc.Overview(ctx, owner, numbers.Query{})
	if err != nil {
		return err
	}
	loc := tenant.Location()
	fmt.Fprintf(out, "\nRufnummern-Übersicht (%d)\n", page.Total)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  Rufnummer\tStatus\tVerwendungstyp\tKündigungsdatum")
	for _, n := range page.Numbers {
		date := ""
		if !n.DeactivationAt.IsZero() {
			date = numbers.FormatDate(numbers.NoticeDate(n.DeactivationAt, loc))
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", n.Display(), n.StatusLabel(), n.UsageType.Label(), date)
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
