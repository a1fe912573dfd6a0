package sqlstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// The array literals of the batch statements arrive on PostgreSQL exactly
// as pgx's own array encoding would send them: any text (quotes,
// backslashes, commas, braces, "NULL", the empty string, non-ASCII), and
// times to the microsecond, truncated as pgx truncates, NULL for nil, and
// times the literal cannot write (year 10000) through pgx's encoding.
func TestPostgresArrayLiterals(t *testing.T) {
	db, _ := openPostgres(t)
	ctx := t.Context()
	texts := []string{"", "a", `say "hi"`, `back\slash`, `\"`, "a,b", "{x}", "NULL", "null", " spaced ", "Köln 👍", "tab\there", "line\nbreak"}
	// What the server received, as JSON.
	received := func(q string, arg any) string {
		t.Helper()
		var s string
		require.NoError(t, db.QueryRowContext(ctx, "SELECT to_json("+q+")::text", arg).Scan(&s))
		return s
	}
	for _, vals := range [][]string{texts, {}, {"NULL"}} {
		var got []string
		lit := received("$1::text[]", sqlstore.PGTextArray(vals))
		require.NoError(t, json.Unmarshal([]byte(lit), &got))
		require.Equal(t, len(vals), len(got))
		if len(vals) > 0 {
			require.Equal(t, vals, got)
		}
		require.Equal(t, received("$1::text[]", vals), lit)
	}

	at := func(t time.Time) *time.Time { return &t }
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	times := []*time.Time{
		at(time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)),
		nil,
		at(time.Date(2026, 10, 25, 2, 30, 0, 999, berlin)),
		at(time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)),
		at(time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)),
		at(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)),
	}
	beyond := append(times[:2:2], at(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)))
	for _, ts := range [][]*time.Time{times, beyond, {}, {nil}} {
		require.Equal(t, received("$1::timestamptz[]", ts), received("$1::timestamptz[]", sqlstore.PGTimeArray(ts)))
	}
	require.Contains(t, received("$1::timestamptz[]", sqlstore.PGTimeArray(times)), `"2026-03-02T09:30:00.123456`)
	_, isLiteral := sqlstore.PGTimeArray(times).(string)
	require.True(t, isLiteral, "years 1 to 9999 travel as a literal")
	_, isLiteral = sqlstore.PGTimeArray(beyond).(string)
	require.False(t, isLiteral, "year 10000 goes through pgx")
}
