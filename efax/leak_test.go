package efax_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store/memstore"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// syncBuffer is a bytes.Buffer for a slog handler used from several
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// leakRun issues, rotates, delivers and authenticates (successes, wrong
// secrets, another login's secret, a lockout, a refused Send) on f, and
// returns every plaintext secret it saw delivered and every error text.
func leakRun(t *testing.T, f *fixture) (secrets []string, errs []string) {
	t.Helper()
	ctx := context.Background()
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error(), numberdesk.ErrorMessage(err), fmt.Sprintf("%+v", err))
		}
	}
	deliver := func() []efax.Delivery {
		ds := f.dispatch(t)
		for _, d := range ds {
			secrets = append(secrets, d.Secret.Reveal())
		}
		return ds
	}
	f.send(t, f.personal, f.anna)
	f.send(t, f.shared, f.anna, f.jonas)
	first := deliver()
	require.Len(t, first, 3)
	f.send(t, f.personal, f.anna) // rotate
	f.send(t, f.shared, f.jonas)
	f.send(t, f.shared, f.jonas) // rotated again before delivery
	second := deliver()
	require.Len(t, second, 2)
	_, err := f.fax.Send(ctx, f.owner, efax.SendRequest{Number: f.shared.ID, Staff: []numberdesk.StaffID{f.lena.ID}})
	note(err)
	for _, d := range second {
		_, err := f.fax.Authenticate(ctx, d.Username, d.Secret.Reveal())
		require.NoError(t, err)
	}
	// The old secrets, another login's secret, a wrong one, until locked.
	for _, d := range first {
		_, err := f.fax.Authenticate(ctx, d.Username, d.Secret.Reveal())
		note(err)
	}
	for range efax.DefaultMaxFailures + 1 {
		_, err := f.fax.Authenticate(ctx, second[0].Username, second[1].Secret.Reveal())
		note(err)
	}
	_, err = f.fax.Authenticate(ctx, "4922112345620-nobody00", second[0].Secret.Reveal())
	note(err)
	_, err = f.fax.Authenticate(ctx, second[0].Secret.Reveal(), second[0].Secret.Reveal()) // the secret typed as username
	note(err)
	require.NoError(t, f.fax.Revoke(ctx, f.owner, f.shared.ID, f.anna.ID))
	_, err = f.fax.Authenticate(ctx, first[1].Username, first[1].Secret.Reveal())
	note(err)
	require.Len(t, secrets, 5)
	return secrets, errs
}

// requireNowhere fails if any secret occurs in text, where it was found.
func requireNowhere(t *testing.T, secrets []string, where, text string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(strings.ToLower(text), s) {
			t.Fatalf("a plaintext secret occurs in %s", where)
		}
	}
}

// leakFixture returns a fixture whose efax Service and dispatcher log to a
// captured handler, at debug level.
func leakFixture(t *testing.T, newStore func(t *testing.T) *fixture) (*fixture, *syncBuffer) {
	t.Helper()
	f := newStore(t)
	logs := &syncBuffer{}
	f.cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	f.fax, err = efax.New(f.cfg)
	require.NoError(t, err)
	f.disp = &notify.Dispatcher{Outbox: f.st, Notifier: f.fax.Notifier(f.rec), Clock: f.clock, Worker: "test", Logger: f.cfg.Logger}
	return f, logs
}

// requireNoLeaks checks the events, the outbox, the logs and the errors.
func requireNoLeaks(t *testing.T, f *fixture, logs *syncBuffer, secrets, errs []string) {
	t.Helper()
	es := f.events(t)
	require.NotEmpty(t, es)
	types := map[numberdesk.EventType]bool{}
	for _, e := range es {
		b, err := json.Marshal(e)
		require.NoError(t, err)
		requireNowhere(t, secrets, "event "+string(e.Type), string(b))
		types[e.Type] = true
	}
	for _, typ := range []numberdesk.EventType{efax.EventCredentialsSent, efax.EventCredentialsDelivered, efax.EventCredentialsRevoked,
		efax.EventLoginSucceeded, efax.EventLoginFailed, efax.EventLoginLocked} {
		require.True(t, types[typ], "the run appended %s", typ)
	}
	require.False(t, types[efax.EventCredentialsDelivery], "the delivery event is never stored")
	ds, _, err := f.st.FindDeliveries(context.Background(), f.owner.Tenant, notify.DeliveryFilter{})
	require.NoError(t, err)
	b, err := json.Marshal(ds)
	require.NoError(t, err)
	requireNowhere(t, secrets, "the outbox", string(b))
	require.Contains(t, logs.String(), "efax: login failed", "the handler captured efax's log lines")
	requireNowhere(t, secrets, "the log", logs.String())
	require.NotEmpty(t, errs)
	requireNowhere(t, secrets, "an error", strings.Join(errs, "\n"))
}

// No plaintext secret in any event, log line, error or store row written
// while issuing, rotating, delivering and authenticating, on memstore (every
// value reachable from the store, by reflection).
func TestNoPlaintextSecretAnywhereMemstore(t *testing.T) {
	base := memstore.New()
	f, logs := leakFixture(t, func(t *testing.T) *fixture { return newFixtureOn(t, base) })
	secrets, errs := leakRun(t, f)
	requireNoLeaks(t, f, logs, secrets, errs)
	var texts []string
	walk(reflect.ValueOf(base), map[uintptr]bool{}, &texts)
	require.NotEmpty(t, texts)
	joined := strings.Join(texts, "\n")
	require.Contains(t, joined, "$argon2id$v=19$", "the walk reached the credentials")
	requireNowhere(t, secrets, "memstore", joined)
}

// No plaintext secret in any column of any table of the SQLite backend.
func TestNoPlaintextSecretAnywhereSQLite(t *testing.T) {
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "leak.db")))
	require.NoError(t, err)
	db.SetMaxOpenConns(4)
	t.Cleanup(func() { _ = db.Close() })
	st := sqlstore.New(db, sqlstore.SQLite)
	require.NoError(t, st.Migrate(t.Context()))
	f, logs := leakFixture(t, func(t *testing.T) *fixture { return newFixtureOn(t, st) })
	secrets, errs := leakRun(t, f)
	requireNoLeaks(t, f, logs, secrets, errs)

	cells := eachCell(t, db, "SELECT name FROM sqlite_master WHERE type = 'table'", func(where, text string) {
		requireNowhere(t, secrets, where, text)
	})
	require.Greater(t, cells, 100)
}

// walk collects every string and byte slice reachable from v, unexported
// fields included.
func walk(v reflect.Value, seen map[uintptr]bool, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		walk(v.Elem(), seen, out)
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), seen, out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walk(v.Field(i), seen, out)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			*out = append(*out, string(b))
			return
		}
		for i := range v.Len() {
			walk(v.Index(i), seen, out)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			walk(it.Key(), seen, out)
			walk(it.Value(), seen, out)
		}
	}
}
