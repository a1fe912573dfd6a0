package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// waitForMails waits until the sink's mails satisfy cond and returns them
// (newest first). It has no deadline of its own: a slow machine makes the
// wait longer, never red; a mail that never comes is the test binary's
// -timeout (the sink's subjects are reported if the test ends first).
func waitForMails(t *testing.T, s *MailSink, what string, cond func([]Mail) bool) []Mail {
	t.Helper()
	for {
		changed := s.Changed() // before the check: no mail is missed
		if ms := s.Mails(); cond(ms) {
			return ms
		}
		select {
		case <-changed:
		case <-t.Context().Done():
			var subjects []string
			for _, m := range s.Mails() {
				subjects = append(subjects, m.To+": "+m.Subject)
			}
			t.Fatalf("no %s in the mail sink; it has %q", what, subjects)
		}
	}
}

// mailTo returns the index of the mail to the address with the subject,
// or -1.
func mailTo(ms []Mail, to, subject string) int {
	return slices.IndexFunc(ms, func(m Mail) bool { return strings.Contains(m.To, "<"+to+">") && m.Subject == subject })
}

// The mail sink: after an E-Fax-App login sent through the API and a
// deactivation, the background work's dispatcher delivers the German mails
// of notify/smtpmail, and /mails shows them, newest first: the login mail
// with the password, and the confirmation of the deactivation.
func TestMailSinkShowsTheDeliveredMails(t *testing.T) {
	a := newApp(t, AppConfig{Demo: true})
	run(t, a)
	b := serve(t, a)
	res, _ := b.postForm("/login", map[string][]string{"staff": {string(employee(t, a, "Anna Admin").ID)}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	var list struct {
		Items []numbers.Number `json:"items"`
	}
	require.Equal(t, http.StatusOK, b.api(http.MethodGet, "/api/v1/numbers?limit=100", nil, &list))
	byE164 := map[string]numbers.Number{}
	for _, n := range list.Items {
		byE164[n.E164] = n
	}
	fax, spare := byE164["+4922112345617"], byE164["+4922112345614"] // Lena's personal fax; active, no holder
	require.Equal(t, numbers.StatusActive, fax.Status)
	require.Equal(t, numbers.StatusActive, spare.Status)

	// The seed's mails come first (the dispatcher delivers the seed's
	// outbox): wait for them, so that the order below is the commands'.
	waitForMails(t, a.sink, "seed mails", func(ms []Mail) bool {
		return mailTo(ms, "erika.beispiel@muster.example", "Verpasster Anruf auf 0221 123456-11") >= 0
	})

	lena := employee(t, a, "Lena Fax")
	require.Equal(t, http.StatusOK, b.api(http.MethodPost, "/api/v1/numbers/"+string(fax.ID)+"/efax/send",
		map[string]any{"staff": []numberdesk.StaffID{lena.ID}}, nil))
	require.Equal(t, http.StatusOK, b.api(http.MethodPost, "/api/v1/numbers/"+string(spare.ID)+"/deactivate", map[string]any{}, nil))

	const loginSubject = "Ihre Zugangsdaten für die E-Fax-App (0221 123456-17)"
	const deactivationSubject = "Mitteilung zu 0221 123456-14"
	ms := waitForMails(t, a.sink, "login and deactivation mails", func(ms []Mail) bool {
		return mailTo(ms, lena.Email, loginSubject) >= 0 && mailTo(ms, "admin@muster.example", deactivationSubject) >= 0
	})
	login := ms[mailTo(ms, lena.Email, loginSubject)]
	require.Contains(t, login.Text, "Guten Tag Lena Fax,")
	require.Regexp(t, `Benutzername: \S+\nPasswort: \S{20,}\n`, login.Text)
	deactivation := ms[mailTo(ms, "admin@muster.example", deactivationSubject)]
	require.Contains(t, deactivation.Text, "die Deaktivierung der Rufnummer 0221 123456-14 beauftragt")
	require.Contains(t, deactivation.Text, "Mit der Deaktivierung gehen alle Einstellungen dieser Rufnummer verloren.")
	require.NotEmpty(t, deactivation.Event)

	res, page := b.get("/mails")
	require.Equal(t, http.StatusOK, res.StatusCode)
	checkSecurityHeaders(t, "/mails", res)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	at := func(s string) int {
		i := strings.Index(page, s)
		require.GreaterOrEqual(t, i, 0, "the page shows %q", s)
		return i
	}
	missed := at("<h2>Verpasster Anruf auf 0221 123456-11</h2>")
	require.Less(t, at("<h2>"+loginSubject+"</h2>"), missed, "newest first")
	require.Less(t, at("<h2>"+deactivationSubject+"</h2>"), missed, "newest first")
	at("An: Lena Fax &lt;lena.fax@muster.example&gt;")
	at("Passwort: ")
}

// Outside demo mode there is no mail sink (/mails is 404), and with -smtp
// the mails go to the mail server named, in demo mode too.
func TestMailsPageOnlyInDemoModeWithoutSMTP(t *testing.T) {
	res, _ := serve(t, newApp(t, AppConfig{Secret: testSecret})).get("/mails")
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	relay, err := NewMailSink(0) // the mail server of -smtp
	require.NoError(t, err)
	t.Cleanup(relay.Close)
	a := newApp(t, AppConfig{Demo: true, SMTP: fmt.Sprintf("smtp://%s:%s@%s?tls=none&from=portal@muster.example",
		relay.user, relay.pass, relay.addr)})
	run(t, a)
	require.Nil(t, a.sink)
	res, _ = serve(t, a).get("/mails")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	ms := waitForMails(t, relay, "the seed's mails", func(ms []Mail) bool {
		return mailTo(ms, "erika.beispiel@muster.example", "Verpasster Anruf auf 0221 123456-11") >= 0
	})
	require.Contains(t, ms[0].From, "<portal@muster.example>")
}

// The sink takes mails only with its login, keeps the newest, and a mail
// delivered again (the same Message-ID) replaces the one it has.
func TestMailSink(t *testing.T) {
	s, err := NewMailSink(2)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	n, err := s.Notifier()
	require.NoError(t, err)
	send := func(n *smtpmail.Notifier, id numberdesk.EventID, text string) error {
		e, err := numberdesk.NewEvent("staff.notification", numberdesk.System(demo.TenantID), time.Now(), "",
			map[string]any{"to": "max.muster@muster.example", "name": "Max Muster", "category": "other", "text": text})
		require.NoError(t, err)
		e.ID = id
		return n.Notify(t.Context(), e)
	}
	ids := []numberdesk.EventID{numberdesk.NewEventID(), numberdesk.NewEventID(), numberdesk.NewEventID()}
	require.NoError(t, send(n, ids[0], "eins"))
	require.NoError(t, send(n, ids[1], "zwei"))
	require.NoError(t, send(n, ids[1], "zwei, noch einmal"))
	require.Len(t, s.Mails(), 2)
	require.NoError(t, send(n, ids[2], "drei"))
	ms := s.Mails()
	require.Len(t, ms, 2)
	require.Contains(t, ms[0].Text, "drei")
	require.Contains(t, ms[1].Text, "zwei, noch einmal")
	require.Equal(t, string(ids[2]), ms[0].Event)
	require.Equal(t, "Max Muster <max.muster@muster.example>", ms[0].To)
	require.Equal(t, "Mitteilung", ms[0].Subject)

	wrong, err := smtpmail.New(smtpmail.Config{Host: s.addr.IP.String(), Port: s.addr.Port, TLS: smtpmail.TLSNone,
		Username: s.user, Password: "wrong", From: DefaultFrom})
	require.NoError(t, err)
	require.Error(t, send(wrong, numberdesk.NewEventID(), "vier"))
	anonymous, err := smtpmail.New(smtpmail.Config{Host: s.addr.IP.String(), Port: s.addr.Port, TLS: smtpmail.TLSNone, From: DefaultFrom})
	require.NoError(t, err)
	require.Error(t, send(anonymous, numberdesk.NewEventID(), "fünf"))
	require.Len(t, s.Mails(), 2)
}

func TestParseSMTP(t *testing.T) {
	for raw, want := range map[string]smtpmail.Config{
		"smtp://mail.example.com": {Host: "mail.example.com", Port: 587, TLS: smtpmail.TLSMandatory, From: DefaultFrom, FromName: "NumberDesk"},
		"smtps://user:p%40ss@mail.example.com?from=portal@example.com&name=Portal": {Host: "mail.example.com", Port: 465,
			TLS: smtpmail.TLSImplicit, Username: "user", Password: "p@ss", From: "portal@example.com", FromName: "Portal"},
		"smtp://127.0.0.1:1025?tls=none": {Host: "127.0.0.1", Port: 1025, TLS: smtpmail.TLSNone, From: DefaultFrom, FromName: "NumberDesk"},
	} {
		got, err := ParseSMTP(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, got, raw)
	}
	for _, raw := range []string{"mail.example.com", "http://mail.example.com", "smtp://mail.example.com:port", "::"} {
		_, err := ParseSMTP(raw)
		require.Error(t, err, raw)
	}
}

// Processes that start at once share one generated secret: one creates the
// file, the others read it.
func TestSecretFileIsCreatedOnce(t *testing.T) {
	path := dbDir(t) + "/demo.secret"
	secrets := make([][]byte, 8)
	created := make([]bool, len(secrets))
	var wg sync.WaitGroup
	for i := range secrets {
		wg.Go(func() {
			var err error
			secrets[i], created[i], err = secretFile(path)
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, 1, strings.Count(fmt.Sprint(created), "true"))
	for _, s := range secrets {
		require.Equal(t, secrets[0], s)
		require.GreaterOrEqual(t, len(s), MinSecret)
	}
	again, fresh, err := secretFile(path)
	require.NoError(t, err)
	require.False(t, fresh)
	require.Equal(t, secrets[0], again)
}
