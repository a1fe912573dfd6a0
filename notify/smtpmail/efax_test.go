package smtpmail_test

import (
	"context"
	"log/slog"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// The whole path of the E-Fax-App credentials: Send appends the event, the
// dispatcher hands it to efax's Notifier, which unseals the secret for the
// SMTP notifier; the German mail arrives at a real SMTP server, and the
// login data in it work with Authenticate. The stored event never carries
// the secret, and a rotation's mail says the old data stopped working.
func TestDispatchEfaxCredentialsBySMTP(t *testing.T) {
	ctx := context.Background()
	p := newPortal(t)
	_, err := p.nums.SetUsageType(ctx, p.owner, numbers.SetUsageTypeRequest{Number: p.held.ID, UsageType: routing.UsageFaxPersonal})
	require.NoError(t, err)
	fax, err := efax.New(efax.Config{Store: p.store, Clock: p.clock, AllowWeakParams: true, Logger: slog.New(slog.DiscardHandler),
		Params: efax.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	require.NoError(t, err)
	srv := newSMTPServer(t, nil)
	d := &notify.Dispatcher{Outbox: p.store, Notifier: fax.Notifier(newNotifier(t, srv.Config())), Clock: p.clock,
		Logger: slog.New(slog.DiscardHandler)}

	conf, err := fax.Send(ctx, p.owner, efax.SendRequest{Number: p.held.ID, Staff: []numberdesk.StaffID{p.anna.ID}})
	require.NoError(t, err)
	require.Equal(t, "Die Zugangsdaten wurden an Anna Müller versendet.", conf.Message)
	p.drain(t, d)

	got := srv.Received()
	require.Len(t, got, 1)
	require.Equal(t, []string{"anna@muster.example"}, got[0].To)
	m := parseMail(t, got[0].Raw)
	require.Equal(t, "Ihre Zugangsdaten für die E-Fax-App (0221 123456-10)", m.Subject)
	require.Contains(t, m.Text, "Guten Tag Anna Müller,")
	require.Contains(t, m.Text, "Benutzername: "+conf.Recipients[0].Username+"\r\n")
	secret := regexp.MustCompile(`Passwort: ([2-9a-z]{28})\r\n`).FindStringSubmatch(m.Text)
	require.Len(t, secret, 2, m.Text)
	require.Contains(t, m.HTML, "Passwort: "+secret[1])
	for k, vs := range m.Header {
		for _, v := range vs {
			require.NotContains(t, v, secret[1], "header %s", k)
		}
	}

	login, err := fax.Authenticate(ctx, conf.Recipients[0].Username, secret[1])
	require.NoError(t, err)
	require.Equal(t, p.anna.ID, login.Staff)

	sent, err := p.store.FindEvents(ctx, p.owner.Tenant, numberdesk.EventFilter{Types: []numberdesk.EventType{efax.EventCredentialsSent}})
	require.NoError(t, err)
	require.Len(t, sent, 1)
	require.NotContains(t, string(sent[0].Data), secret[1])
	require.Equal(t, m.Header.Get(smtpmail.EventHeader), string(sent[0].ID), "the mail names the stored event")

	// Send again: a second mail, the old secret no longer works.
	_, err = fax.Send(ctx, p.owner, efax.SendRequest{Number: p.held.ID, Staff: []numberdesk.StaffID{p.anna.ID}})
	require.NoError(t, err)
	p.drain(t, d)
	got = srv.Received()
	require.Len(t, got, 2)
	m = parseMail(t, got[1].Raw)
	require.Contains(t, m.Text, "Ihre bisherigen Zugangsdaten für diese Faxnummer gelten nicht mehr.")
	_, err = fax.Authenticate(ctx, conf.Recipients[0].Username, secret[1])
	require.Error(t, err)
}
