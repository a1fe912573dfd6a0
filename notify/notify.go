// Package notify delivers the SDK's events to people and systems.
//
// # The outbox model
//
// A command never sends anything itself. It appends its events (for
// example a [staff.EventNotification] asking for a message to one employee)
// through the Store in the same transaction as the change they describe,
// so an event exists if and only if its change was committed (transactional
// outbox). A dispatcher then reads undelivered events from the outbox and
// hands each to a [Notifier]. It retries failed deliveries with back-off,
// marks delivered events, and never loses one across a crash. Delivery is
// therefore at least once: an event can reach a Notifier more than once (a
// crash between sending and marking, an ambiguous network failure), and
// recipients de-duplicate by [numberdesk.Event.ID].
//
// A Notifier tells the dispatcher how a failure should be treated. A plain
// error is transient and the dispatcher retries the event later. An error
// wrapped with [Permanent] means that retrying cannot help (an SMTP 5xx
// reply, an undeliverable payload), so the event is dead-lettered and shown
// rather than retried. A transient error wrapped with [RetryAfter] says
// when a retry may help at the earliest (an HTTP Retry-After), and the
// dispatcher waits at least that long. Nothing is dropped silently.
//
// # What a delivery error holds
//
// The outbox stores the text of the last error of every delivery, and the
// dispatcher logs failures; neither ever holds an event's payload. A
// Notifier that panics fails transiently, and the dispatcher never formats
// the panic's value, which may be the event or part of it: the stored error
// and the log line name the event, its type, the value's type and the
// function and line where the panic started. An error that a Notifier
// returns is stored as its text, so a Notifier must not put a payload into
// it. What must never be stored travels down a chain of notifiers in the
// in-memory [numberdesk.Event.Transient] field, as a value that redacts
// itself when formatted (efax's login data: a Delivery whose Secret prints
// "[redacted]"), so that even an event formatted with %v, %+v or %#v, or
// logged with slog, shows nothing secret.
//
// # Notifiers
//
// Package notify/smtpmail renders a [staff.Notification] as a German
// e-mail (plain text with an HTML alternative) and sends it with
// github.com/wneessen/go-mail; it derives the Message-ID from the event ID
// so that mail systems can de-duplicate too. It lives in its own package so
// that the browser build, which needs this package's types, carries no mail
// client. Package notify/webhook posts events as signed webhooks (Standard
// Webhooks) to the vendor's and the tenants' endpoints. [Recorder] records
// events for tests. [NotifierFunc] adapts a function. [Dispatcher] is the
// outbox dispatcher.
package notify

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Notifier delivers an event. Implementations must be safe for concurrent
// use. Delivery is at-least-once: recipients de-duplicate by Event.ID.
//
// Notify returns nil if the event was delivered or is of no concern to the
// Notifier. An error wrapped with [Permanent] says that retrying cannot
// help; any other error is transient and the caller should retry later.
type Notifier interface {
	Notify(ctx context.Context, e numberdesk.Event) error
}

// NotifierFunc adapts an ordinary function to the [Notifier] interface.
type NotifierFunc func(ctx context.Context, e numberdesk.Event) error

// Notify calls f(ctx, e).
func (f NotifierFunc) Notify(ctx context.Context, e numberdesk.Event) error { return f(ctx, e) }

// permanentError marks an error as one that retrying cannot fix.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent wraps err to say that retrying cannot help (e.g. an SMTP 550
// reply). The message and the error chain of err are kept, so errors.Is and
// errors.As still see the cause. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	if IsPermanent(err) {
		return err
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// [Permanent].
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfterError carries a Notifier's hint about when to try again.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (r *retryAfterError) Error() string { return r.err.Error() }
func (r *retryAfterError) Unwrap() error { return r.err }

// RetryAfter wraps the transient error err with a hint that the next
// attempt should not start before d has passed, for example the Retry-After
// of an HTTP 429 or 503 reply. The [Dispatcher] then waits the longer of d
// and its back-off; the hint is not bounded there, so a Notifier should bound
// what a remote server asks for. The message and the error chain of err are
// kept. RetryAfter(nil, d) is nil; a d that is not positive returns err
// unchanged. A hint on a [Permanent] error changes nothing: it is not
// retried.
func RetryAfter(err error, d time.Duration) error {
	if err == nil || d <= 0 {
		return err
	}
	return &retryAfterError{err: err, after: d}
}

// RetryAfterOf returns the hint that err, or the first error it wraps that
// has one, carries (see [RetryAfter]), and whether there is one.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}

// Recorder is a Notifier for tests: it records every event once
// (de-duplicating by ID), counts duplicates, and is safe for concurrent use.
// The zero value is ready to use; a Recorder must not be copied after first
// use.
type Recorder struct {
	mu     sync.Mutex
	seen   map[numberdesk.EventID]struct{}
	events []numberdesk.Event
	dups   int
	// changed is closed and replaced whenever a new event arrives.
	changed chan struct{}
}

// Notify records e unless an event with the same ID was recorded before, in
// which case it counts a duplicate. It always returns nil.
func (r *Recorder) Notify(_ context.Context, e numberdesk.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = make(map[numberdesk.EventID]struct{})
	}
	if _, ok := r.seen[e.ID]; ok {
		r.dups++
		return nil
	}
	r.seen[e.ID] = struct{}{}
	e.Data = slices.Clone(e.Data)
	r.events = append(r.events, e)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
	return nil
}

// Events returns the distinct events recorded so far, in the order they
// first arrived.
func (r *Recorder) Events() []numberdesk.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]numberdesk.Event, len(r.events))
	for i, e := range r.events {
		e.Data = slices.Clone(e.Data)
		out[i] = e
	}
	return out
}

// Duplicates returns how many events arrived again after their ID had
// already been recorded.
func (r *Recorder) Duplicates() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dups
}

// WaitFor blocks until at least n distinct events have been recorded or ctx
// is done, whichever comes first. It returns ctx.Err() in the latter case.
func (r *Recorder) WaitFor(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		if len(r.events) >= n {
			r.mu.Unlock()
			return nil
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
