package efax_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/store"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// secretForms returns the ways a secret could show up in text: as itself,
// as the decimal bytes that %v prints of a []byte or json.RawMessage, as
// hex and as base64, each also for every window of 10 characters (bytes),
// so that a truncated copy is found too.
func secretForms(secret string) map[string]string {
	forms := map[string]string{}
	decimal := func(b []byte) string { return strings.Trim(fmt.Sprint(b), "[]") }
	add := func(name, whole string, window func(s string) string) {
		forms[name] = whole
		for i := 0; i+10 <= len(secret); i++ {
			forms[fmt.Sprintf("%s[%d:%d]", name, i, i+10)] = window(secret[i : i+10])
		}
	}
	add("plain", secret, func(s string) string { return s })
	add("decimal bytes", decimal([]byte(secret)), func(s string) string { return decimal([]byte(s)) })
	add("hex", hex.EncodeToString([]byte(secret)), func(s string) string { return hex.EncodeToString([]byte(s)) })
	forms["base64"] = base64.StdEncoding.EncodeToString([]byte(secret))
	forms["base64 raw"] = base64.RawStdEncoding.EncodeToString([]byte(secret))
	return forms
}

// requireNoSecretIn fails if text holds secret in any of its forms.
func requireNoSecretIn(t *testing.T, secret, where, text string) {
	t.Helper()
	lower := strings.ToLower(text)
	for name, form := range secretForms(secret) {
		if strings.Contains(text, form) || strings.Contains(lower, strings.ToLower(form)) {
			i := strings.Index(lower, strings.ToLower(form))
			t.Fatalf("the secret (%s) occurs in %s: …%s…", name, where, text[max(0, i-80):min(len(text), i+len(form)+80)])
		}
	}
}

// dumpTables returns every column of every row of every table of db as
// "table.column=value" lines; tables lists the tables.
func dumpTables(t *testing.T, db *sql.DB, tables string) string {
	t.Helper()
	var b strings.Builder
	eachCell(t, db, tables, func(where, text string) { fmt.Fprintf(&b, "%s=%s\n", where, text) })
	return b.String()
}

// eachCell calls fn with "table.column" and the text of every cell of every
// row of every table of db; the query tables lists the tables, which must
// include the credentials and the events. It returns how many cells it saw.
func eachCell(t *testing.T, db *sql.DB, tables string, fn func(where, text string)) int {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, tables)
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		names = append(names, name)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, names, "efax_credentials")
	require.Contains(t, names, "events")
	cells := 0
	for _, table := range names {
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				cells++
				text := ""
				switch v := v.(type) {
				case []byte:
					text = string(v)
				case string:
					text = v
				default:
					text = fmt.Sprint(v)
				}
				fn(table+"."+cols[i], text)
			}
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	return cells
}

// panicValues are what the notifier below the efax Notifier panics with, one
// per delivery attempt: the event, the login data, the revealed secret, its
// bytes, an error that formats the event, and a runtime error. (The attempt
// after them returns an error that formats the event, and the last one
// delivers.)
var panicValues = []func(e numberdesk.Event, d efax.Delivery) any{
	func(e numberdesk.Event, _ efax.Delivery) any { return e },
	func(_ numberdesk.Event, d efax.Delivery) any { return d },
	func(_ numberdesk.Event, d efax.Delivery) any { return d.Secret.Reveal() },
	func(_ numberdesk.Event, d efax.Delivery) any { return []byte(d.Secret.Reveal()) },
	func(e numberdesk.Event, _ efax.Delivery) any { return fmt.Errorf("cannot render %v", e) },
	func(e numberdesk.Event, _ efax.Delivery) any {
		var none []string
		return none[len(e.ID)] // index out of range
	},
}

// A notifier down the chain from efax's Notifier panics while it holds the
// login data, with the event, the data, the secret itself, ...; then it
// fails with an error that formats the event, then it delivers. Nothing of
// the secret reaches a stored column of any table (dumped after every
// attempt: the outbox's last error included), a log line (slog's text and
// JSON handlers, at debug level, of the dispatcher, of efax, and of the
// notifier logging the event), or the event and its login data formatted
// with fmt's verbs or marshalled.
func TestPanickingNotifierLeaksNoSecret(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) (store.Store, func(t *testing.T) string)
	}{
		{"memstore", func(t *testing.T) (store.Store, func(t *testing.T) string) {
			st := memstore.New()
			return st, func(t *testing.T) string {
				var texts []string
				walk(reflect.ValueOf(st), map[uintptr]bool{}, &texts)
				snap, err := st.Snapshot()
				require.NoError(t, err)
				return strings.Join(texts, "\n") + "\n" + string(snap)
			}
		}},
		{"sqlite", func(t *testing.T) (store.Store, func(t *testing.T) string) {
			st, db := sqliteStoreDB(t)
			return st, func(t *testing.T) string {
				return dumpTables(t, db, "SELECT name FROM sqlite_master WHERE type = 'table'")
			}
		}},
		{"postgres", func(t *testing.T) (store.Store, func(t *testing.T) string) {
			st, db, _ := postgresStoreDB(t)
			return st, func(t *testing.T) string {
				return dumpTables(t, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
			}
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			base, dump := b.open(t)
			runPanickingNotifier(t, base, dump)
		})
	}
}

func runPanickingNotifier(t *testing.T, base store.Store, dump func(t *testing.T) string) {
	ctx := context.Background()
	f := newFixtureOn(t, base)
	text, jsonLogs := &syncBuffer{}, &syncBuffer{}
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	logger := slog.New(slog.NewMultiHandler(slog.NewTextHandler(text, opts), slog.NewJSONHandler(jsonLogs, opts)))
	f.cfg.Logger = logger
	fax, err := efax.New(f.cfg)
	require.NoError(t, err)

	var (
		secret    string
		attempts  int
		formatted []string // the event and its login data, formatted in every way
	)
	rec := &notify.Recorder{}
	downstream := notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		d, ok := efax.DeliveryOf(e)
		if !ok {
			return rec.Notify(ctx, e)
		}
		if secret == "" {
			secret = d.Secret.Reveal()
			require.Len(t, secret, efax.SecretLength)
			for _, v := range []any{e, &e, d, &d, d.Secret, &d.Secret} {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v", "%-40s"} {
					formatted = append(formatted, fmt.Sprintf(verb, v))
				}
				j, err := json.Marshal(v)
				require.NoError(t, err)
				formatted = append(formatted, string(j))
				x, err := xml.Marshal(v)
				if err == nil {
					formatted = append(formatted, string(x))
				}
			}
			formatted = append(formatted, fmt.Sprint(e), fmt.Sprintln(e, d), fmt.Sprint(errors.New(fmt.Sprint(e))))
			logger.DebugContext(ctx, "a notifier logs what it was given", "event", e, "delivery", d, "secret", d.Secret,
				slog.Any("data", e.Data), slog.Group("g", "transient", e.Transient))
		}
		require.Equal(t, secret, d.Secret.Reveal(), "every attempt delivers the same secret")
		attempts++
		switch i := attempts - 1; {
		case i < len(panicValues):
			panic(panicValues[i](e, d))
		case i == len(panicValues):
			return fmt.Errorf("refused: %v %+v %#v", e, e, e)
		}
		return rec.Notify(ctx, e)
	})
	disp := &notify.Dispatcher{Outbox: f.st, Notifier: fax.Notifier(downstream), Clock: f.clock, Worker: "panics", Logger: logger,
		Backoff: func(int) time.Duration { return 0 }}

	_, err = fax.Send(ctx, f.owner, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
	require.NoError(t, err)
	sent := f.events(t, efax.EventCredentialsSent)
	require.Len(t, sent, 1)
	var stored []string // every dump and every stored delivery state, after every attempt
	var lastErrors []string
	delivered := func() []numberdesk.Event {
		var out []numberdesk.Event
		for _, e := range rec.Events() {
			if e.Type == efax.EventCredentialsDelivery {
				out = append(out, e)
			}
		}
		return out
	}
	for round := 0; round < 20 && len(delivered()) == 0; round++ {
		_, err := disp.RunOnce(ctx)
		require.NoError(t, err)
		ds, _, err := f.st.FindDeliveries(ctx, f.owner.Tenant, notify.DeliveryFilter{})
		require.NoError(t, err)
		j, err := json.Marshal(ds)
		require.NoError(t, err)
		stored = append(stored, string(j), dump(t))
		for _, d := range ds {
			if d.Event == sent[0].ID && d.LastError != "" {
				lastErrors = append(lastErrors, d.LastError)
			}
		}
	}
	require.Equal(t, len(panicValues)+2, attempts, "every panic and the error were retried, then it was delivered")
	require.Len(t, delivered(), 1)
	login, err := fax.Authenticate(ctx, f.credential(t, f.personal, f.anna).Username, secret)
	require.NoError(t, err, "the secret the notifier saw is the login's")
	require.Equal(t, f.anna.ID, login.Staff)

	for i, s := range stored {
		requireNoSecretIn(t, secret, fmt.Sprintf("stored state %d", i), s)
	}
	requireNoSecretIn(t, secret, "a last error", strings.Join(lastErrors, "\n"))
	requireNoSecretIn(t, secret, "the text log", text.String())
	requireNoSecretIn(t, secret, "the JSON log", jsonLogs.String())
	for _, s := range formatted {
		requireNoSecretIn(t, secret, "a formatted event", s)
	}
	require.Contains(t, strings.Join(formatted, "\n"), efax.Redacted)

	// The panics were recorded, by event, type, panic type and place.
	site := regexp.MustCompile(`^notify: the notifier panicked \(string at github\.com/numberdesk/numberdesk/efax_test\.runPanickingNotifier\.func\d+ ` +
		`\(panic_leak_test\.go:\d+\)\) delivering event ` + regexp.QuoteMeta(string(sent[0].ID)) + ` \(efax\.credentials_sent\)$`)
	require.True(t, slices.ContainsFunc(lastErrors, site.MatchString), "%q", lastErrors)
	for _, typ := range []string{"numberdesk.Event", "efax.Delivery", "string", "[]uint8", "*errors.errorString", "runtime.boundsError"} {
		require.True(t, slices.ContainsFunc(lastErrors, func(s string) bool { return strings.Contains(s, "panicked ("+typ+" at ") }),
			"a panic with a %s: %q", typ, lastErrors)
	}
	require.Contains(t, text.String(), "notify: notifier panicked")
	require.Contains(t, jsonLogs.String(), `"msg":"notify: notifier panicked"`)
	require.Contains(t, text.String(), "a notifier logs what it was given")
	require.Contains(t, jsonLogs.String(), "a notifier logs what it was given")
}
