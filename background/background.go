// Package background runs the scheduled work of a NumberDesk server: the
// work no request triggers, which every node of a deployment runs.
//
// # What runs, and how often
//
// [Run] runs three loops until its ctx is done, each starting its first
// pass at once and its next one the configured interval after the end of
// the previous pass (passes of one loop never overlap):
//
//   - Due deactivations, every Config.DueEvery (default 1 minute): one pass
//     of [ApplyDueAll], which asks the store for the tenants with due
//     deactivations (FindDueTenants, paged, in tenant order) and runs
//     numbers.Service.ApplyDue as the system for each. Reads and commands
//     treat a due number as inactive from its effective instant on whatever
//     the schedule, so the interval only decides how soon the stored state
//     and the billing feed (the number.deactivated event) follow. A tenant
//     whose ApplyDue fails is logged and the pass goes on with the next.
//   - The outbox, every Config.DispatchEvery (default 1 second) while it is
//     empty, at once while it has events: rounds of Config.Dispatcher's
//     RunOnce, which delivers events at least once with retries; after a
//     failed round (the outbox cannot be reached, say) the loop backs off
//     as notify.Dispatcher.Run does, doubling up to its MaxErrorWait. No
//     Dispatcher: no deliveries (another process runs them).
//   - The idempotency purge, every Config.PurgeEvery (default 1 hour):
//     numberdesk.PurgeIdempotencyRecords with Config.IdempotencyRetention
//     (default numberdesk.DefaultIdempotencyRetention), and then each of
//     Config.Purges (e.g. httpapi.Sessions.Purge, the expired sessions).
//
// # Several nodes
//
// Every node of a deployment may run Run against the one store at the same
// time; none does work another has done, beyond the outbox's at-least-once
// delivery:
//
//   - ApplyDue changes a number only if its stored version is the one it
//     read (optimistic versions): of two nodes that read the same due
//     number, one stores its deactivation and its event, the other gets
//     CodeConflict, reads again and finds the number done. ApplyDueAll
//     runs a tenant's ApplyDue again after a conflict, so that a pass that
//     met another node's pass reports no error; only a conflict that
//     persists through those retries is one. Each number therefore gets
//     exactly one number.deactivated event (its ID is derived from the
//     number and its version as well).
//   - Dispatchers lease the events they claim (notify.Outbox.ClaimDeliveries),
//     so two nodes never deliver the same event at the same time; an event
//     is delivered again only if a lease ran out (a node died, a Notifier
//     took longer than the lease, a shutdown's grace ran out mid-round).
//     Give each node's Dispatcher its own Worker name, or leave it empty
//     for a random one.
//   - The purge deletes by creation time: two purges at once delete each
//     record once.
//
// # Shutdown
//
// When the ctx of Run is done, Run starts no new work: no new pass, no
// further tenant of the running pass, no further outbox round. The work in
// progress finishes on a context of its own that is not cancelled with
// ctx: the tenant whose ApplyDue is running, the round of events the
// dispatcher has claimed (each delivered and its outcome recorded), the
// purge. That context ends Config.Grace (default 30 seconds) after ctx;
// work still running then is cancelled (ApplyDue's open transaction rolls
// back, the dispatcher records the outcomes it has and leaves the rest of
// its round to the leases) and is done again by the next pass, here or on
// another node. Run returns nil once every loop has ended; it leaves no
// goroutine behind.
package background

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
)

// The defaults of Config.
const (
	DefaultDueEvery      = time.Minute
	DefaultDispatchEvery = time.Second
	DefaultPurgeEvery    = time.Hour
	DefaultGrace         = 30 * time.Second
)

// DueFinder is what ApplyDueAll needs of a store: numbers.Store and
// store.Store have it.
type DueFinder interface {
	// FindDueTenants is numbers.Store's: the tenants with deactivations
	// due at before, in ID order, after after, at most limit.
	FindDueTenants(ctx context.Context, before time.Time, after numberdesk.TenantID, limit int) ([]numberdesk.TenantID, error)
}

// Store is what Run needs of a store besides what its services and its
// Dispatcher use: the tenants with due deactivations and the purge of
// idempotency records. numbers.Store and store.Store have it.
type Store interface {
	DueFinder
	numberdesk.IdempotencyStore
}

var _ Store = numbers.Store(nil)

// Config configures Run. Store and Numbers are required.
type Config struct {
	Store Store
	// Numbers runs ApplyDue. Its Clock should be Clock: ApplyDue refuses
	// a now ahead of its own clock beyond its MaxClockSkew.
	Numbers *numbers.Service
	// Dispatcher delivers the outbox; nil: no deliveries. Run uses it
	// alone (give each Run its own) and sets its Logger and Clock, where
	// they are nil, to Logger and Clock.
	Dispatcher *notify.Dispatcher
	// Clock gives the now of ApplyDue and of the purge; default the wall
	// clock.
	Clock  numberdesk.Clock
	Logger *slog.Logger // default slog.Default()
	// DueEvery, DispatchEvery and PurgeEvery are the intervals of the
	// three loops (see the package documentation); zero: DefaultDueEvery,
	// DefaultDispatchEvery, DefaultPurgeEvery.
	DueEvery, DispatchEvery, PurgeEvery time.Duration
	// IdempotencyRetention is how long idempotency records are kept; zero:
	// numberdesk.DefaultIdempotencyRetention.
	IdempotencyRetention time.Duration
	// Grace is how long the work in progress may still run once the ctx of
	// Run is done; zero: DefaultGrace.
	Grace time.Duration
	// Purges run after the idempotency purge, every PurgeEvery, each
	// returning how many records it deleted (e.g. httpapi.Sessions.Purge).
	Purges []func(ctx context.Context) (int, error)
}

// check fills in cfg's defaults, or returns a *numberdesk.Error with
// CodeInvalid and the field's name as Field: "Store" or "Numbers" when it
// is nil, "Dispatcher" when it lacks its Outbox or Notifier, a duration's
// name when it is negative.
func (cfg *Config) check() error {
	const op = "background.Run"
	switch {
	case cfg.Store == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "Store", "Die Hintergrundarbeit braucht einen Store.")
	case cfg.Numbers == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "Numbers", "Die Hintergrundarbeit braucht den Rufnummerndienst.")
	case cfg.Dispatcher != nil && (cfg.Dispatcher.Outbox == nil || cfg.Dispatcher.Notifier == nil):
		return numberdesk.E(numberdesk.CodeInvalid, op, "Dispatcher", "Der Zusteller braucht einen Ausgang und einen Empfänger.")
	}
	for _, d := range []struct {
		field string
		v     *time.Duration
		def   time.Duration
	}{
		{"DueEvery", &cfg.DueEvery, DefaultDueEvery},
		{"DispatchEvery", &cfg.DispatchEvery, DefaultDispatchEvery},
		{"PurgeEvery", &cfg.PurgeEvery, DefaultPurgeEvery},
		{"IdempotencyRetention", &cfg.IdempotencyRetention, numberdesk.DefaultIdempotencyRetention},
		{"Grace", &cfg.Grace, DefaultGrace},
	} {
		switch {
		case *d.v < 0:
			return numberdesk.E(numberdesk.CodeInvalid, op, d.field, "Die Dauer darf nicht negativ sein.")
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if d := cfg.Dispatcher; d != nil {
		if d.Logger == nil {
			d.Logger = cfg.Logger
		}
		if d.Clock == nil {
			d.Clock = cfg.Clock
		}
	}
	return nil
}

// Run runs the background work described in the package documentation
// until ctx is done, then lets the work in progress finish (within
// cfg.Grace) and returns nil. A Config it cannot run with is a
// *numberdesk.Error with CodeInvalid and the Config field's name as Field,
// returned at once.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	work, stopWork := graceContext(ctx, cfg.Grace)
	defer stopWork()
	r := &runner{cfg: cfg, log: cfg.Logger}
	var wg sync.WaitGroup
	wg.Go(func() { every(ctx, cfg.DueEvery, func() { r.applyDue(ctx, work) }) })
	wg.Go(func() { every(ctx, cfg.PurgeEvery, func() { r.purge(work) }) })
	if cfg.Dispatcher != nil {
		wg.Go(func() { r.dispatch(ctx, work) })
	}
	wg.Wait()
	return nil
}

// graceContext returns a context for the work in progress: not cancelled
// with ctx, but grace after ctx is done. stop cancels it and ends its
// watcher; Run calls it before it returns.
func graceContext(ctx context.Context, grace time.Duration) (work context.Context, stop func()) {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			cancel()
		}
	})
	return work, func() {
		close(done)
		wg.Wait()
		cancel()
	}
}

// every runs pass at once and then every d after the end of the previous
// pass, until ctx is done.
func every(ctx context.Context, d time.Duration, pass func()) {
	for ctx.Err() == nil {
		pass()
		if sleep(ctx, d) != nil {
			return
		}
	}
}

// sleep waits d, or until ctx is done (ctx's error then).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// passID returns a new request ID for a pass of the loop named kind, e.g.
// "due-3f9a…": the services log it with every command of the pass
// (numberdesk.WithRequestID), so that a pass's lines can be found together.
func passID(kind string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return kind + "-" + hex.EncodeToString(b[:])
}

// runner holds what the loops of one Run share.
type runner struct {
	cfg Config
	log *slog.Logger
}

// applyDue is one pass of the due deactivations.
func (r *runner) applyDue(ctx, work context.Context) {
	work = numberdesk.WithRequestID(work, passID("due"))
	now := r.cfg.Clock.Now()
	n, err := applyDueAll(ctx, work, r.cfg.Store, r.cfg.Numbers, now, func(tenant numberdesk.TenantID, err error) {
		if work.Err() != nil {
			r.log.WarnContext(work, "background: applying due deactivations interrupted by the shutdown", "tenant", tenant, "err", err,
				"request_id", numberdesk.RequestID(work))
			return
		}
		r.log.ErrorContext(work, "background: applying due deactivations failed", "tenant", tenant, "err", err,
			"request_id", numberdesk.RequestID(work))
	})
	if err != nil {
		r.log.ErrorContext(work, "background: the pass of due deactivations failed", "err", err, "request_id", numberdesk.RequestID(work))
	}
	if n > 0 {
		r.log.InfoContext(work, "background: due deactivations applied", "numbers", n, "request_id", numberdesk.RequestID(work))
	}
}

// purge is one pass of the idempotency purge.
func (r *runner) purge(work context.Context) {
	n, err := numberdesk.PurgeIdempotencyRecords(work, r.cfg.Store, r.cfg.Clock.Now(), r.cfg.IdempotencyRetention)
	switch {
	case err != nil:
		r.log.ErrorContext(work, "background: purging idempotency records failed", "err", err)
	case n > 0:
		r.log.InfoContext(work, "background: idempotency records purged", "records", n)
	}
	for i, purge := range r.cfg.Purges {
		if work.Err() != nil {
			return
		}
		switch n, err := purge(work); {
		case err != nil:
			r.log.ErrorContext(work, "background: a purge failed", "purge", i, "err", err)
		case n > 0:
			r.log.InfoContext(work, "background: records purged", "purge", i, "records", n)
		}
	}
}

// dispatch runs rounds of the Dispatcher until ctx is done: the next round
// at once after one that handled events, DispatchEvery after one that
// found none, and after failed rounds the back-off of notify.Dispatcher.Run
// (DispatchEvery doubled per failure in a row, up to the Dispatcher's
// MaxErrorWait, with jitter). A round runs on work, so that one under way
// when ctx ends delivers its events and records their outcomes.
func (r *runner) dispatch(ctx, work context.Context) {
	d, interval := r.cfg.Dispatcher, r.cfg.DispatchEvery
	var (
		failures int           // failed rounds in a row
		logged   string        // the error last logged
		waited   time.Duration // the waits since it was logged
	)
	for ctx.Err() == nil {
		res, err := d.RunOnce(work)
		wait := interval
		switch {
		case err != nil && work.Err() != nil:
			return // the grace has run out
		case err != nil:
			failures++
			limit := max(d.MaxErrorWait, interval) // RunOnce has set the default
			wait = notify.Exponential(interval, limit)(failures)
			if msg := err.Error(); failures == 1 || msg != logged || waited >= limit {
				r.log.ErrorContext(work, "background: dispatch round failed; backing off", "err", err, "failures", failures, "retry_in", wait)
				logged, waited = msg, 0
			}
			waited += wait
		case failures > 0:
			r.log.InfoContext(work, "background: dispatch rounds succeed again", "failures", failures)
			failures, logged, waited = 0, "", 0
		}
		if err == nil && res.Delivered+res.Retried+res.Failed > 0 {
			continue // there may be more
		}
		if sleep(ctx, wait) != nil {
			return
		}
	}
}

// duePage is how many tenants ApplyDueAll reads with one FindDueTenants.
var duePage = 1000

// conflictRetries is how often ApplyDueAll runs a tenant's ApplyDue again
// after a conflict (the Service itself retries 10 times per call).
const conflictRetries = 3

// TenantError is the failure of one tenant's ApplyDue in a pass of
// ApplyDueAll.
type TenantError struct {
	Tenant numberdesk.TenantID
	Err    error
}

func (e *TenantError) Error() string {
	return "background: due deactivations of tenant " + string(e.Tenant) + ": " + e.Err.Error()
}

// Unwrap returns the cause, so that errors.Is and numberdesk.ErrorCode see
// it.
func (e *TenantError) Unwrap() error { return e.Err }

// ApplyDueAll runs nums.ApplyDue(ctx, numberdesk.System(tenant), now) for
// every tenant that st.FindDueTenants(now) names, reading them page by page
// in tenant order, and returns how many numbers it made inactive. It is one
// pass of Run's due loop, for tests and for programs with a scheduler of
// their own. A tenant whose ApplyDue fails does not stop the pass: the
// errors of the failed tenants, each a *TenantError, are returned together
// (errors.Join) after every other tenant had its turn. A conflict is
// another node's pass at work on the tenant (see the package
// documentation): the tenant's ApplyDue runs again, up to three times, and
// only a conflict that outlasts that is an error. An error of
// FindDueTenants ends the pass and is returned as it is; a zero now is
// CodeInvalid (Field "now"). Several ApplyDueAll may run at once, on one
// node or on several: each due number is made inactive once.
func ApplyDueAll(ctx context.Context, st DueFinder, nums *numbers.Service, now time.Time) (int, error) {
	var errs []error
	n, err := applyDueAll(ctx, ctx, st, nums, now, func(tenant numberdesk.TenantID, err error) {
		errs = append(errs, &TenantError{Tenant: tenant, Err: err})
	})
	if err != nil {
		return n, err
	}
	return n, errors.Join(errs...)
}

// applyDueAll is ApplyDueAll: it starts no further page or tenant once ctx
// is done, and runs the store's and the Service's calls on work; a tenant's
// failure goes to failed.
func applyDueAll(ctx, work context.Context, st DueFinder, nums *numbers.Service, now time.Time,
	failed func(numberdesk.TenantID, error)) (int, error) {
	const op = "background.ApplyDueAll"
	switch {
	case st == nil:
		return 0, numberdesk.E(numberdesk.CodeInvalid, op, "store", "Der Store fehlt.")
	case nums == nil:
		return 0, numberdesk.E(numberdesk.CodeInvalid, op, "numbers", "Der Rufnummerndienst fehlt.")
	case now.IsZero():
		return 0, numberdesk.E(numberdesk.CodeInvalid, op, "now", "Der Zeitpunkt fehlt.")
	}
	total := 0
	var after numberdesk.TenantID
	for ctx.Err() == nil {
		tenants, err := st.FindDueTenants(work, now, after, duePage)
		if err != nil {
			return total, err
		}
		for _, tenant := range tenants {
			if ctx.Err() != nil {
				return total, nil
			}
			n, err := applyDue(work, nums, tenant, now)
			total += n
			if err != nil {
				failed(tenant, err)
			}
		}
		if len(tenants) < duePage {
			break
		}
		after = tenants[len(tenants)-1]
	}
	return total, nil
}

// applyDue runs the tenant's ApplyDue, again after a conflict (another
// node's pass), up to conflictRetries times, and returns how many numbers
// it made inactive.
func applyDue(ctx context.Context, nums *numbers.Service, tenant numberdesk.TenantID, now time.Time) (int, error) {
	total := 0
	for attempt := 0; ; attempt++ {
		done, err := nums.ApplyDue(ctx, numberdesk.System(tenant), now)
		total += len(done)
		if numberdesk.ErrorCode(err) != numberdesk.CodeConflict || attempt == conflictRetries || ctx.Err() != nil {
			return total, err
		}
	}
}
