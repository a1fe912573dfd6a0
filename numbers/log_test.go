package numbers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines parses the JSON log lines of buf.
func logLines(t *testing.T, buf *syncBuffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for l := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	return lines
}

// lineOf returns the one log line of op.
func lineOf(t *testing.T, lines []map[string]any, op string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range lines {
		if l["op"] == op {
			found = append(found, l)
		}
	}
	require.Len(t, found, 1, "log lines of %s", op)
	return found[0]
}

// failingUpdates is a Store whose UpdateNumbers fails: an internal error.
type failingUpdates struct{ numbers.Store }

func (failingUpdates) UpdateNumbers(context.Context, ...*numbers.Number) error {
	return errors.New("disk on fire")
}

// The Service logs one line per command with op, tenant, actor and the
// request ID of the context: Debug on success and on a refusal, Warn on an
// internal failure; never the quote token.
func TestCommandLogs(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f := newFixture(t, func(c *numbers.Config) { c.Logger = logger })
	ctx := numberdesk.WithRequestID(context.Background(), "req-activate")

	ns := f.provision(t, "0221 123456", 0)
	q, err := f.svc.Quote(ctx, f.owner, ids(ns))
	require.NoError(t, err)
	_, err = f.svc.Activate(ctx, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	_, err = f.svc.Activate(numberdesk.WithRequestID(ctx, "req-refused"), f.owner, numbers.ActivateRequest{QuoteToken: "nonsense"})
	require.Error(t, err)

	lines := logLines(t, logs)
	act := lineOf(t, lines, "numbers.Provision")
	require.Equal(t, "DEBUG", act["level"])
	require.Nil(t, act["request_id"], "no request ID in the context, none in the line")

	quote := lineOf(t, lines, "numbers.Quote")
	require.Equal(t, "req-activate", quote["request_id"])

	var activations []map[string]any
	for _, l := range lines {
		if l["op"] == "numbers.Activate" {
			activations = append(activations, l)
		}
	}
	require.Len(t, activations, 2)
	ok, refused := activations[0], activations[1]
	require.Equal(t, "DEBUG", ok["level"])
	require.Equal(t, "command done", ok["msg"])
	require.Equal(t, string(f.tenant), ok["tenant"])
	require.Equal(t, string(f.owner.Staff), ok["actor"])
	require.Equal(t, "owner", ok["role"])
	require.Equal(t, "req-activate", ok["request_id"])
	require.Nil(t, ok["code"])

	require.Equal(t, "DEBUG", refused["level"], "bad input is the caller's fault: Debug at most")
	require.Equal(t, "command refused", refused["msg"])
	require.Equal(t, "req-refused", refused["request_id"])
	require.Equal(t, "invalid", refused["code"])
	require.Equal(t, "quote", refused["field"])
	require.Nil(t, refused["err"], "a refusal's message may quote the input: not logged")

	require.NotContains(t, logs.String(), q.Token, "the quote token reached the log")
	require.NotContains(t, logs.String(), "nonsense", "the input reached the log")

	// An internal failure is a Warn with its cause.
	logs2 := &syncBuffer{}
	svc, err := numbers.NewService(numbers.Config{Store: failingUpdates{f.store}, Clock: f.clock,
		Logger: slog.New(slog.NewJSONHandler(logs2, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	require.NoError(t, err)
	_, err = svc.Deactivate(numberdesk.WithRequestID(context.Background(), "req-broken"), f.owner, numbers.DeactivateRequest{Number: ns[0].ID})
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
	failed := lineOf(t, logLines(t, logs2), "numbers.Deactivate")
	require.Equal(t, "WARN", failed["level"])
	require.Equal(t, "command failed", failed["msg"])
	require.Equal(t, "internal", failed["code"])
	require.Equal(t, "req-broken", failed["request_id"])
	require.Equal(t, string(f.tenant), failed["tenant"])
	require.Contains(t, failed["err"], "disk on fire")
}

// Without a Logger the Service logs nothing and runs as before.
func TestNilLoggerDiscards(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 0)
	f.activate(t, ns...)
}
