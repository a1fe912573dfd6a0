package background_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/background"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// A server runs the background work next to its HTTP handler, on every
// node, until it is told to stop; then Run lets the work in progress
// finish and returns.
func ExampleRun() {
	st := memstore.New() // a server: sqlstore.New(db, sqlstore.Postgres)
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = background.Run(ctx, background.Config{
		Store:      st,
		Numbers:    nums,
		Dispatcher: &notify.Dispatcher{Outbox: st, Notifier: &notify.Recorder{}}, // a server: smtpmail
		Logger:     slog.Default(),
	})
	if err != nil {
		log.Fatal(err) // only a Config it cannot run with
	}
}

// A program with a scheduler of its own runs one pass of the due
// deactivations when it likes.
func ExampleApplyDueAll() {
	st := memstore.New()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	nums, err := numbers.NewService(numbers.Config{Store: st, Clock: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	// A number given notice in January: inactive since March 1st.
	tenant := numberdesk.NewTenantID()
	err = st.CreateNumbers(context.Background(), &numbers.Number{
		ID: numberdesk.NewNumberID(), Tenant: tenant, E164: "+49221123456", Origin: numbers.OriginNew,
		Status: numbers.StatusDeactivationPending, UsageType: routing.UsageVoice, BillingLine: "line-1",
		DeactivationAt: time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}

	done, err := background.ApplyDueAll(context.Background(), st, nums, now)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deactivated:", done)
	done, _ = background.ApplyDueAll(context.Background(), st, nums, now)
	fmt.Println("again:", done)
	// Output:
	// deactivated: 1
	// again: 0
}
