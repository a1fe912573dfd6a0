//go:build js

package obs

import (
	"context"
	"log/slog"

	"github.com/numberdesk/numberdesk"
)

// discard is the logger of a nil Config.Logger.
var discard = slog.New(slog.DiscardHandler)

// Monitor does nothing in the browser build; Logger keeps the service's
// own log lines going to Config.Logger.
type Monitor struct{ log *slog.Logger }

// New returns a Monitor with log (nil: discard); obs is not used.
func New(log *slog.Logger, _ numberdesk.Observer) Monitor {
	if log == nil {
		log = discard
	}
	return Monitor{log: log}
}

// Logger returns the logger (never nil).
func (m Monitor) Logger() *slog.Logger {
	if m.log == nil {
		return discard
	}
	return m.log
}

// Command is a command under way.
type Command struct{}

// Start returns ctx.
func (Monitor) Start(ctx context.Context, _ string, _ numberdesk.Actor) (context.Context, Command) {
	return ctx, Command{}
}

// End does nothing.
func (Command) End(*error) {}

// Occurred does nothing.
func (Monitor) Occurred(context.Context, numberdesk.Occurrence, numberdesk.TenantID) {}
