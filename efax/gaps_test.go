package efax_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// People type their password into the username field. A login with an
// unknown username is logged with the username only if it has the shape of
// a username the package issues (1 to 15 digits, a hyphen, 8 characters of
// lower-case base32); anything else is logged as a placeholder, so that
// what was typed never reaches the log.
func TestUnknownUsernameIsLoggedOnlyIfItLooksLikeOne(t *testing.T) {
	logs := &lockedBuffer{}
	svc, err := efax.New(efax.Config{Store: memstore.New(), Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		AllowWeakParams: true, SealKey: make([]byte, 32), Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)

	// logged runs a login with username and returns what the log line about
	// the unknown username says of it; the whole output is checked too.
	logged := func(t *testing.T, username string) string {
		t.Helper()
		_, err := svc.Authenticate(context.Background(), username, "irgendwas")
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err))
		out := logs.take()
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &rec), "log line %q", line)
			if rec["msg"] == "efax: login for an unknown username" {
				s, _ := rec["username"].(string)
				got = append(got, s)
			}
		}
		require.Len(t, got, 1, "one log line about the unknown username in %q", out)
		return got[0]
	}

	for _, username := range []string{
		"4922112345620-abcdefgh",
		"1-22222222",
		"0-zzzzzzzz",
		"123456789012345-a2b3c4d7", // 15 digits
		"4930555000001-mnopqrs7",
	} {
		t.Run("Logged/"+username, func(t *testing.T) {
			require.Equal(t, username, logged(t, username))
		})
	}
	for _, typed := range []string{
		"Sommer2026!",               // a password, no hyphen
		"geheim-passwort",           // a hyphen, letters before it
		"-abcdefgh",                 // no digits
		"1234567890123456-abcdefgh", // 16 digits
		"4922112345620-abcdefg",     // 7 characters after the hyphen
		"4922112345620-abcdefghi",   // 9
		"4922112345620-",            // none
		"49221l2345620-abcdefgh",    // a letter among the digits
		" 4922112345620-abcdefgh",   // a space before
		"4922112345620-ABCDEFGH",    // upper case
		"4922112345620-abcdefg1",    // 1 is not base32
		"4922112345620-abcdefg8",    // nor is 8
		"4922112345620-abcd-fgh",    // a second hyphen
		"4922112345620-abcdefg!",    // punctuation
		"٤٩٢٢-abcdefgh",             // digits, but not ASCII ones
		"4922112345620-äbcdefg",     // 8 bytes, not 8 base32 characters
	} {
		t.Run("Hidden/"+typed, func(t *testing.T) {
			got := logged(t, typed)
			require.Equal(t, "(not a username)", got)
		})
	}
	// What was typed appears nowhere in the output, in any attribute.
	_, err = svc.Authenticate(context.Background(), "MeinPasswort#2026", "x")
	require.Error(t, err)
	out := logs.take()
	require.NotEmpty(t, out)
	require.NotContains(t, out, "MeinPasswort")
}
