package efax_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
)

// occurrences is an Observer that records what Occurred and which
// commands ended with which code.
type occurrences struct {
	mu       sync.Mutex
	seen     []numberdesk.Occurrence
	tenants  []numberdesk.TenantID
	commands []string // "op code"
}

func (o *occurrences) StartCommand(ctx context.Context, op string, _ numberdesk.TenantID) (context.Context, func(error)) {
	return ctx, func(err error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.commands = append(o.commands, op+" "+string(numberdesk.ErrorCode(err)))
	}
}

func (o *occurrences) Occurred(_ context.Context, what numberdesk.Occurrence, tenant numberdesk.TenantID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, what)
	o.tenants = append(o.tenants, tenant)
}

// The Service logs one line per command with op, tenant and request ID,
// never the secret; a lockout is reported to the Observer once, with the
// tenant.
func TestCommandLogs(t *testing.T) {
	logs := &syncBuffer{}
	obs := &occurrences{}
	f := newFixture(t, func(c *efax.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Observer = obs
	})
	ctx := numberdesk.WithRequestID(context.Background(), "req-send")
	_, err := f.fax.Send(ctx, f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
	require.NoError(t, err)
	ds := f.dispatch(t)
	require.Len(t, ds, 1)
	username, secret := ds[0].Username, ds[0].Secret.Reveal()

	_, err = f.fax.Authenticate(numberdesk.WithRequestID(context.Background(), "req-login"), username, secret)
	require.NoError(t, err)
	for range efax.DefaultMaxFailures {
		_, err = f.fax.Authenticate(numberdesk.WithRequestID(context.Background(), "req-wrong"), username, secret+"x")
		require.Error(t, err)
	}

	var lines []map[string]any
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	byOp := map[string][]map[string]any{}
	for _, l := range lines {
		if op, ok := l["op"].(string); ok {
			byOp[op] = append(byOp[op], l)
		}
	}
	require.Len(t, byOp["efax.Send"], 1)
	send := byOp["efax.Send"][0]
	require.Equal(t, "DEBUG", send["level"])
	require.Equal(t, "command done", send["msg"])
	require.Equal(t, string(f.owner.Tenant), send["tenant"])
	require.Equal(t, string(f.owner.Staff), send["actor"])
	require.Equal(t, "req-send", send["request_id"])

	auths := byOp["efax.Authenticate"]
	require.Len(t, auths, 1+efax.DefaultMaxFailures)
	require.Equal(t, "command done", auths[0]["msg"])
	require.Equal(t, "req-login", auths[0]["request_id"])
	for _, l := range auths[1:] {
		require.Equal(t, "DEBUG", l["level"], "a wrong secret is the caller's fault")
		require.Equal(t, "command refused", l["msg"])
		require.Equal(t, "permission", l["code"])
		require.Equal(t, "req-wrong", l["request_id"])
	}

	var locked []map[string]any
	for _, l := range lines {
		if l["msg"] == "efax: login locked" {
			locked = append(locked, l)
		}
	}
	require.Len(t, locked, 1)
	require.Equal(t, string(f.owner.Tenant), locked[0]["tenant"])
	require.Equal(t, "req-wrong", locked[0]["request_id"])

	require.Equal(t, []numberdesk.Occurrence{numberdesk.OccurrenceLockout}, obs.seen)
	require.Equal(t, []numberdesk.TenantID{f.owner.Tenant}, obs.tenants)
	require.Contains(t, obs.commands, "efax.Send ")
	require.Contains(t, obs.commands, "efax.Authenticate permission")

	out := logs.String()
	require.NotContains(t, out, secret, "the secret reached the log")
	require.NotContains(t, strings.ToLower(out), strings.ToLower(secret))
}
