package numberdesk

import "context"

// requestIDKey is the context key of a request ID.
type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries the request ID id, so
// that the services' log lines (and an Observer's spans) name the request
// that caused them: httpapi sets it from the ID it gives every request
// (X-Request-ID, the problem body's request_id), and a program may set its
// own, e.g. per cron pass. An empty id returns ctx unchanged.
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID that ctx carries (WithRequestID), or ""
// if it carries none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Observer watches the commands of the services (numbers, staff, efax),
// for tracing and metrics; package otel implements it with OpenTelemetry,
// so that the core packages do not depend on it. The services call it from
// their Config.Observer, if set. Implementations must be safe for
// concurrent use and must not hold on to ctx.
type Observer interface {
	// StartCommand is called when a command starts, with its op (e.g.
	// "numbers.Activate") and the actor's tenant ("" where the command has
	// no tenant yet: staff.CreateTenant, efax.Authenticate). It returns
	// the context the command runs in (e.g. carrying a span, so that the
	// store's calls are its children) and a function that the service
	// calls exactly once when the command ends, with its error (nil on
	// success; ErrorCode gives its Code).
	StartCommand(ctx context.Context, op string, tenant TenantID) (context.Context, func(err error))
	// Occurred reports something worth counting that is not a command's
	// outcome, once it has been committed: one of the Occurrence
	// constants, e.g. OccurrenceLockout.
	Occurred(ctx context.Context, what Occurrence, tenant TenantID)
}

// Occurrence names something an Observer counts (Observer.Occurred).
type Occurrence string

// The occurrences the services report.
const (
	// OccurrenceLockout: an E-Fax-App login was locked after repeated
	// failed logins (efax.EventLoginLocked).
	OccurrenceLockout Occurrence = "efax.lockout"
)
