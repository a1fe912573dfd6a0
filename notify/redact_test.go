package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// lockedBuffer is a bytes.Buffer for a slog handler.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A notifier that panics with what it was given (the event, its payload,
// the payload as text, an error or a runtime error) never gets the payload
// into the outbox's stored last error or the dispatcher's log (slog text and
// JSON): the error names the event, its type, the panic value's type and
// where it panicked. This holds on the path that retries and on the one
// that gives up (MaxAttempts 1, which logs the failure).
func TestDispatcherPanicStoresNoPayload(t *testing.T) {
	const payload = "geheim-7k3m9q2x4w"
	decimal := strings.Trim(fmt.Sprint([]byte(payload)), "[]")
	values := map[string]func(e numberdesk.Event) any{
		"event":        func(e numberdesk.Event) any { return e },
		"pointer":      func(e numberdesk.Event) any { return &e },
		"data":         func(e numberdesk.Event) any { return e.Data },
		"data as text": func(e numberdesk.Event) any { return string(e.Data) },
		"error":        func(e numberdesk.Event) any { return fmt.Errorf("cannot send %s", e.Data) },
		"runtime error": func(e numberdesk.Event) any {
			var none []string
			return none[len(e.Data)] // index out of range
		},
	}
	for name, value := range values {
		for _, maxAttempts := range []int{1, 25} {
			t.Run(fmt.Sprintf("%s/max attempts %d", name, maxAttempts), func(t *testing.T) {
				ctx := context.Background()
				st := memstore.New()
				tenant := numberdesk.NewTenantID()
				e, err := numberdesk.NewEvent("test.secretive", numberdesk.System(tenant), time.Now(), "",
					map[string]string{"payload": payload})
				require.NoError(t, err)
				require.NoError(t, st.AppendEvents(ctx, e))
				text, jsonLogs := &lockedBuffer{}, &lockedBuffer{}
				opts := &slog.HandlerOptions{Level: slog.LevelDebug}
				d := &notify.Dispatcher{Outbox: st, Worker: "w", MaxAttempts: maxAttempts, Clock: time.Now,
					Logger:   slog.New(slog.NewMultiHandler(slog.NewTextHandler(text, opts), slog.NewJSONHandler(jsonLogs, opts))),
					Notifier: notify.NotifierFunc(func(_ context.Context, e numberdesk.Event) error { panic(value(e)) })}
				res, err := d.RunOnce(ctx)
				require.NoError(t, err)
				require.Equal(t, 1, res.Failed+res.Retried)
				ds, _, err := st.FindDeliveries(ctx, tenant, notify.DeliveryFilter{})
				require.NoError(t, err)
				require.Len(t, ds, 1)
				for where, s := range map[string]string{"the last error": ds[0].LastError, "the text log": text.String(), "the JSON log": jsonLogs.String()} {
					require.NotContains(t, s, payload, where)
					require.NotContains(t, s, decimal, where)
					require.NotContains(t, s, "payload", where)
				}
				want := regexp.MustCompile(`^notify: the notifier panicked \([^ ]+ at github\.com/numberdesk/numberdesk/notify_test\.` +
					`TestDispatcherPanicStoresNoPayload\.func\d+(\.\d+)* \(redact_test\.go:\d+\)\) delivering event ` +
					regexp.QuoteMeta(string(e.ID)) + ` \(test\.secretive\)$`)
				require.Regexp(t, want, ds[0].LastError)
				require.Contains(t, text.String(), "notify: notifier panicked")
				require.Contains(t, jsonLogs.String(), `"msg":"notify: notifier panicked"`)
				if maxAttempts == 1 {
					require.Equal(t, notify.StateFailed, ds[0].State)
					require.Contains(t, text.String(), "notify: delivery failed")
				}
			})
		}
	}
}
