package smtpmail

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/staff"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := numberdesk.LoadLocation(numberdesk.DefaultTimeZone)
	require.NoError(t, err)
	return loc
}

func TestRenderSubjectsAndBodies(t *testing.T) {
	winter := time.Date(2026, 11, 27, 13, 5, 0, 0, time.UTC) // 14:05 CET
	summer := time.Date(2026, 7, 1, 12, 5, 0, 0, time.UTC)   // 14:05 CEST
	cases := []struct {
		name    string
		n       staff.Notification
		subject string
		body    []string
	}{
		{"missed call", staff.Notification{Name: "Jürgen Müller", Category: staff.CategoryMissedCall, Number: "0221 123456-10", Caller: "0171 2345678", At: winter},
			"Verpasster Anruf auf 0221 123456-10",
			[]string{"Guten Tag Jürgen Müller,", "Sie haben am 27.11.2026, 14:05 Uhr auf Ihrer Rufnummer 0221 123456-10 einen Anruf von 0171 2345678 verpasst."}},
		{"missed call in summer, anonymous", staff.Notification{Category: staff.CategoryMissedCall, Number: "0221 123456-10", At: summer},
			"Verpasster Anruf auf 0221 123456-10",
			[]string{"Guten Tag,", "Sie haben am 01.07.2026, 14:05 Uhr auf Ihrer Rufnummer 0221 123456-10 einen Anruf von einer unterdrückten Rufnummer verpasst."}},
		{"missed call without number and time", staff.Notification{Category: staff.CategoryMissedCall},
			"Verpasster Anruf",
			[]string{"Sie haben einen Anruf von einer unterdrückten Rufnummer verpasst."}},
		{"fax", staff.Notification{Category: staff.CategoryFax, Number: "0221 123456-20", Caller: "0221 987654", Pages: 3, At: winter},
			"Neues Fax auf 0221 123456-20",
			[]string{"Sie haben am 27.11.2026, 14:05 Uhr auf Ihrer Rufnummer 0221 123456-20 ein Fax von 0221 987654 mit 3 Seiten erhalten."}},
		{"fax with one page", staff.Notification{Category: staff.CategoryFax, Number: "0221 123456-20", Pages: 1},
			"Neues Fax auf 0221 123456-20",
			[]string{"ein Fax von einer unterdrückten Rufnummer mit 1 Seite erhalten."}},
		{"fax without pages", staff.Notification{Category: staff.CategoryFax, Number: "0221 123456-20"},
			"Neues Fax auf 0221 123456-20",
			[]string{"ein Fax von einer unterdrückten Rufnummer erhalten."}},
		{"voicemail", staff.Notification{Category: staff.CategoryVoicemail, Number: "0221 123456-10", Caller: "0171 2345678", Duration: 2*time.Minute + 5*time.Second, At: winter},
			"Neue Sprachnachricht auf 0221 123456-10",
			[]string{"Sie haben am 27.11.2026, 14:05 Uhr auf Ihrer Rufnummer 0221 123456-10 eine Sprachnachricht von 0171 2345678 erhalten. Die Nachricht ist 2 Minuten und 5 Sekunden lang."}},
		{"voicemail without duration", staff.Notification{Category: staff.CategoryVoicemail, Number: "0221 123456-10"},
			"Neue Sprachnachricht auf 0221 123456-10",
			[]string{"eine Sprachnachricht von einer unterdrückten Rufnummer erhalten.\n"}},
		{"other", staff.Notification{Name: "Eva", Category: staff.CategoryOther, Text: "Erste Zeile\r\nZweite Zeile\n\nNeuer Absatz"},
			"Mitteilung",
			[]string{"Guten Tag Eva,", "Erste Zeile\nZweite Zeile\n\nNeuer Absatz"}},
		{"other about a number", staff.Notification{Category: staff.CategoryOther, Number: "0221 123456-10", Text: "Die Rufnummer wurde aktiviert."},
			"Mitteilung zu 0221 123456-10",
			[]string{"Die Rufnummer wurde aktiviert."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := render("test", tc.n, berlin(t))
			require.NoError(t, err)
			require.Equal(t, tc.subject, c.Subject)
			for _, want := range tc.body {
				require.Contains(t, c.Text, want)
			}
			require.Contains(t, c.Text, "\n-- \n")
			require.True(t, strings.HasSuffix(c.Text, "Sie können diese Benachrichtigungen in Ihrem Profil abbestellen.\n"), c.Text)
			require.Contains(t, c.HTML, `<html lang="de">`)
			require.Contains(t, c.HTML, "<title>"+tc.subject+"</title>")
			require.Contains(t, c.HTML, "Sie können diese Benachrichtigungen in Ihrem Profil abbestellen.")
		})
	}
}

func TestRenderHTMLParagraphsAndEscaping(t *testing.T) {
	c, err := render("test", staff.Notification{Name: "A & B <GmbH>", Category: staff.CategoryOther, Text: "x < y\nzweite\n\ndritte"}, berlin(t))
	require.NoError(t, err)
	require.Contains(t, c.HTML, "<p>Guten Tag A &amp; B &lt;GmbH&gt;,</p>")
	require.Contains(t, c.HTML, "<p>x &lt; y<br>\nzweite</p>\n<p>dritte</p>")
	require.Contains(t, c.Text, "Guten Tag A & B <GmbH>,")
}

func TestRenderRejects(t *testing.T) {
	for _, n := range []staff.Notification{
		{Category: ""},
		{Category: "sms"},
		{Category: staff.CategoryOther},
		{Category: staff.CategoryOther, Text: "\r\n\t \u0000"},
	} {
		_, err := render("test", n, berlin(t))
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%+v", n)
	}
}

func TestGermanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                                     "",
		-time.Second:                          "",
		100 * time.Millisecond:                "1 Sekunde",
		time.Second:                           "1 Sekunde",
		1499 * time.Millisecond:               "1 Sekunde",
		45 * time.Second:                      "45 Sekunden",
		time.Minute:                           "1 Minute",
		61 * time.Second:                      "1 Minute und 1 Sekunde",
		85 * time.Second:                      "1 Minute und 25 Sekunden",
		3 * time.Minute:                       "3 Minuten",
		59*time.Minute + 59*time.Second:       "59 Minuten und 59 Sekunden",
		75*time.Minute + 500*time.Millisecond: "75 Minuten und 1 Sekunde",
	} {
		require.Equal(t, want, germanDuration(d), d.String())
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                                     "",
		"  Jürgen  Müller ":                    "Jürgen Müller",
		"Max\r\nBcc: evil@example.com":         "Max Bcc: evil@example.com",
		"a\rb\nc\td\u0085e\u2028f\u2029g\x00h": "a b c d e f g h",
	} {
		require.Equal(t, want, oneLine(in), "%q", in)
	}
}

func TestValidEventID(t *testing.T) {
	require.True(t, validEventID(numberdesk.NewEventID()))
	require.True(t, validEventID("evt_1.a-b"))
	for _, id := range []numberdesk.EventID{"", ".a", "a.", "a..b", "a b", "a\r\nb", "a@b", "<a>", numberdesk.EventID(strings.Repeat("a", 129))} {
		require.False(t, validEventID(id), "%q", id)
	}
}

func TestMessageIDDomain(t *testing.T) {
	require.Equal(t, "numberdesk.example", messageIDDomain("zentrale@NumberDesk.Example"))
	require.Equal(t, "numberdesk.invalid", messageIDDomain("zentrale@[192.0.2.1]"))
	require.Equal(t, "numberdesk.invalid", messageIDDomain("zentrale@"))
}

func TestRenderCredentials(t *testing.T) {
	d := efax.Delivery{Name: "Anna <Berg>", To: "anna@muster.example", Number: "0221 123456-20",
		Username: "4922112345620-abcdefgh", Secret: efax.SecretOf("23456789abcdefghjkmnpqrstuvw")}
	c, err := renderCredentials("test", d)
	require.NoError(t, err)
	require.Equal(t, "Ihre Zugangsdaten für die E-Fax-App (0221 123456-20)", c.Subject)
	require.NotContains(t, c.Subject, d.Secret.Reveal())
	for _, want := range []string{
		"Guten Tag Anna <Berg>,",
		"für die Faxnummer 0221 123456-20 erhalten Sie hier Ihre Zugangsdaten für die E-Fax-App.",
		"Benutzername: 4922112345620-abcdefgh\nPasswort: 23456789abcdefghjkmnpqrstuvw\n\nBitte bewahren Sie das Passwort sicher auf",
		"Wenn Sie diese Zugangsdaten nicht erwartet haben, wenden Sie sich bitte an Ihren Administrator.\n",
	} {
		require.Contains(t, c.Text, want)
	}
	require.NotContains(t, c.Text, "abbestellen", "credentials cannot be unsubscribed")
	require.NotContains(t, c.Text, "gelten nicht mehr")
	require.Contains(t, c.HTML, "<p>Guten Tag Anna &lt;Berg&gt;,</p>")
	require.Contains(t, c.HTML, "Benutzername: 4922112345620-abcdefgh<br>\nPasswort: 23456789abcdefghjkmnpqrstuvw</p>")

	d.Rotated = true
	c, err = renderCredentials("test", d)
	require.NoError(t, err)
	require.Contains(t, c.Text, "Passwort: 23456789abcdefghjkmnpqrstuvw\n\nIhre bisherigen Zugangsdaten für diese Faxnummer gelten nicht mehr.\n\nBitte")

	const secret = "qqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	for _, bad := range []efax.Delivery{{Username: "u", Secret: efax.SecretOf(secret)}, {Number: "1", Secret: efax.SecretOf(secret)},
		{Number: "1", Username: "u", Secret: efax.SecretOf("\r\n")}} {
		_, err := renderCredentials("test", bad)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
		require.NotContains(t, err.Error(), secret)
	}
}
