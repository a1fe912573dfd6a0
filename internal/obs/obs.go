//go:build !js

// Package obs is how the services log and observe their commands, alike
// in every service: one Debug line when a command succeeds, a Warn line
// when it fails for a reason that is not the caller's (CodeInternal), an
// Info line for a conflict (after the service's own retries), and at most a
// Debug line for a refusal of bad input, a missing permission or a state
// that forbids the command. Each line names the op, the tenant, the actor's
// staff ID and role and the request ID of the context
// (numberdesk.RequestID); never a payload, a secret or a result. An
// internal error's cause is logged (it holds no payload: a secret redacts
// itself in every formatting interface); the German Message of a refusal
// is not (it may quote the input): its code and field are.
//
// In the browser build (GOOS=js) a Monitor does nothing (obs_js.go): the
// browser-only demo has no operator to read a log or an Observer, and the
// client wasm stays small.
package obs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/numberdesk/numberdesk"
)

// discard is the logger of a nil Config.Logger.
var discard = slog.New(slog.DiscardHandler)

// Monitor logs and observes a service's commands. Its zero value discards.
type Monitor struct {
	log *slog.Logger
	obs numberdesk.Observer
}

// New returns a Monitor that logs to log (nil: discard) and reports to obs
// (nil: nothing).
func New(log *slog.Logger, obs numberdesk.Observer) Monitor {
	if log == nil {
		log = discard
	}
	return Monitor{log: log, obs: obs}
}

// Logger returns the logger (never nil).
func (m Monitor) Logger() *slog.Logger {
	if m.log == nil {
		return discard
	}
	return m.log
}

// Command is a command under way; End ends it.
type Command struct {
	m     Monitor
	op    string
	actor numberdesk.Actor
	start time.Time
	end   func(error)
	ctx   context.Context
}

// Start starts the command op of actor (a zero Actor, or one with the
// tenant only, where the command has none). It returns the context to run
// the command in. Use it as
//
//	ctx, cmd := s.mon.Start(ctx, op, actor)
//	defer cmd.End(&err)
func (m Monitor) Start(ctx context.Context, op string, actor numberdesk.Actor) (context.Context, Command) {
	c := Command{m: m, op: op, actor: actor, start: time.Now()}
	if m.obs != nil {
		ctx, c.end = m.obs.StartCommand(ctx, op, actor.Tenant)
	}
	c.ctx = ctx
	return ctx, c
}

// End ends the command with the error *errp (nil: success): it tells the
// Observer and logs the outcome.
func (c Command) End(errp *error) {
	var err error
	if errp != nil {
		err = *errp
	}
	if c.end != nil {
		c.end(err)
	}
	log := c.m.Logger()
	code := numberdesk.ErrorCode(err)
	level, msg := slog.LevelDebug, "command done"
	switch code {
	case "":
	case numberdesk.CodeInternal:
		level, msg = slog.LevelWarn, "command failed"
	case numberdesk.CodeConflict:
		level, msg = slog.LevelInfo, "command conflicted"
	default:
		msg = "command refused"
	}
	if !log.Enabled(c.ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("op", c.op))
	if c.actor.Tenant != "" {
		attrs = append(attrs, slog.String("tenant", string(c.actor.Tenant)))
	}
	if c.actor.Staff != "" {
		attrs = append(attrs, slog.String("actor", string(c.actor.Staff)))
	}
	if c.actor.Role != "" {
		attrs = append(attrs, slog.String("role", string(c.actor.Role)))
	}
	if id := numberdesk.RequestID(c.ctx); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(c.start)))
	if err != nil {
		attrs = append(attrs, slog.String("code", string(code)))
		if f := field(err); f != "" {
			attrs = append(attrs, slog.String("field", f))
		}
		if code == numberdesk.CodeInternal {
			attrs = append(attrs, slog.String("err", err.Error()))
		}
	}
	log.LogAttrs(c.ctx, level, msg, attrs...)
}

// field returns the Field of err's *numberdesk.Error, if any.
func field(err error) string {
	var e *numberdesk.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Occurred reports what to the Observer, if any.
func (m Monitor) Occurred(ctx context.Context, what numberdesk.Occurrence, tenant numberdesk.TenantID) {
	if m.obs != nil {
		m.obs.Occurred(ctx, what, tenant)
	}
}
