package smtpmail

import (
	htmltemplate "html/template"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/staff"
)

// content is a rendered mail.
type content struct {
	Subject string
	Text    string // plain-text body
	HTML    string // HTML alternative
}

// view is what the templates see. Every field is already formatted in
// German and reduced to one line, except Text.
type view struct {
	Name     string // the recipient's name, or ""
	Number   string // the number concerned, or ""
	From     string // "von 0171 2345678" or "von einer unterdrückten Rufnummer"
	When     string // "27.11.2026, 14:05 Uhr", or "" if unknown
	Pages    string // "3 Seiten", or ""
	Duration string // "1 Minute und 25 Sekunden", or ""
	Text     string // the free text of CategoryOther
}

// layout is what the layout templates see.
type layout struct {
	Subject    string
	Name       string
	Body       string     // paragraphs separated by blank lines
	Paragraphs [][]string // Body as paragraphs of lines, for HTML
	Footer     string     // the second line of the footer
	Signature  string     // the first line of the footer
}

// DefaultSignature is the first line of every mail's footer unless
// Config.Signature names another (a vendor's brand).
const DefaultSignature = "Diese Nachricht wurde automatisch von NumberDesk versandt."

// look is a vendor's look of the mails (Config.SubjectPrefix and
// Config.Signature); the zero value is NumberDesk's.
type look struct {
	subjectPrefix, signature string
}

// The second footer lines.
const (
	footerNotification = "Sie können diese Benachrichtigungen in Ihrem Profil abbestellen."
	footerCredentials  = "Wenn Sie diese Zugangsdaten nicht erwartet haben, wenden Sie sich bitte an Ihren Administrator."
)

// mailTexts holds, per category, the subject ("subject/<category>") and the
// body ("body/<category>") of the mail, and the plain-text layout.
var mailTexts = template.Must(template.New("mail").Parse(`
{{- define "subject/missed_call"}}Verpasster Anruf{{with .Number}} auf {{.}}{{end}}{{end}}
{{- define "body/missed_call" -}}
Sie haben{{with .When}} am {{.}}{{end}}{{with .Number}} auf Ihrer Rufnummer {{.}}{{end}} einen Anruf {{.From}} verpasst.
{{- end}}

{{- define "subject/fax"}}Neues Fax{{with .Number}} auf {{.}}{{end}}{{end}}
{{- define "body/fax" -}}
Sie haben{{with .When}} am {{.}}{{end}}{{with .Number}} auf Ihrer Rufnummer {{.}}{{end}} ein Fax {{.From}}{{with .Pages}} mit {{.}}{{end}} erhalten.
{{- end}}

{{- define "subject/voicemail"}}Neue Sprachnachricht{{with .Number}} auf {{.}}{{end}}{{end}}
{{- define "body/voicemail" -}}
Sie haben{{with .When}} am {{.}}{{end}}{{with .Number}} auf Ihrer Rufnummer {{.}}{{end}} eine Sprachnachricht {{.From}} erhalten.
{{- with .Duration}} Die Nachricht ist {{.}} lang.{{end}}
{{- end}}

{{- define "subject/efax"}}Ihre Zugangsdaten für die E-Fax-App{{with .Number}} ({{.}}){{end}}{{end}}
{{- define "body/efax" -}}
für die Faxnummer {{.Number}} erhalten Sie hier Ihre Zugangsdaten für die E-Fax-App. Mit der App senden und empfangen Sie Faxe auf Ihrem Smartphone.

Benutzername: {{.Username}}
Passwort: {{.Secret}}
{{- if .Rotated}}

Ihre bisherigen Zugangsdaten für diese Faxnummer gelten nicht mehr.
{{- end}}

Bitte bewahren Sie das Passwort sicher auf und geben Sie es nicht weiter.
{{- end}}

{{- define "subject/other"}}Mitteilung{{with .Number}} zu {{.}}{{end}}{{end}}
{{- define "body/other"}}{{.Text}}{{end}}

{{- define "layout" -}}
Guten Tag{{with .Name}} {{.}}{{end}},

{{.Body}}

-- ` + `
{{.Signature}}
{{.Footer}}
{{end}}`))

// mailHTML is the HTML layout; html/template escapes every value.
var mailHTML = htmltemplate.Must(htmltemplate.New("layout").Parse(`<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{{.Subject}}</title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222222;">
<p>Guten Tag{{with .Name}} {{.}}{{end}},</p>
{{range .Paragraphs}}<p>{{range $i, $line := .}}{{if $i}}<br>
{{end}}{{$line}}{{end}}</p>
{{end -}}
<hr style="border: none; border-top: 1px solid #cccccc;">
<p style="font-size: 12px; color: #666666;">{{.Signature}}<br>
{{.Footer}}</p>
</body>
</html>
`))

// render renders the German mail for n, with times in loc. It fails with
// CodeInvalid for an unknown category or an "other" notification without
// text.
func render(op string, n staff.Notification, loc *time.Location, lk ...look) (content, error) {
	var cat string
	switch n.Category {
	case staff.CategoryMissedCall, staff.CategoryFax, staff.CategoryVoicemail:
		cat = string(n.Category)
	case staff.CategoryOther:
		cat = string(n.Category)
		if strings.TrimSpace(multiLine(n.Text)) == "" {
			return content{}, numberdesk.E(numberdesk.CodeInvalid, op, "text", "Die Mitteilung hat keinen Text.")
		}
	default:
		return content{}, numberdesk.E(numberdesk.CodeInvalid, op, "category", "Die Art der Benachrichtigung ist unbekannt.")
	}

	v := view{
		Name:   oneLine(n.Name),
		Number: oneLine(n.Number),
		From:   "von einer unterdrückten Rufnummer",
		Text:   strings.TrimSpace(multiLine(n.Text)),
	}
	if caller := oneLine(n.Caller); caller != "" {
		v.From = "von " + caller
	}
	if !n.At.IsZero() {
		v.When = n.At.In(loc).Format("02.01.2006, 15:04 Uhr")
	}
	if n.Pages > 0 {
		v.Pages = plural(n.Pages, "Seite", "Seiten")
	}
	v.Duration = germanDuration(n.Duration)

	return compose(op, cat, v.Name, footerNotification, v, lk...)
}

// compose renders the subject and body templates of cat with v into the
// layouts, with the look lk (at most one; none is NumberDesk's).
func compose(op, cat, name, footer string, v any, lk ...look) (content, error) {
	var subject, body strings.Builder
	if err := mailTexts.ExecuteTemplate(&subject, "subject/"+cat, v); err != nil {
		return content{}, numberdesk.Internal(op, err)
	}
	if err := mailTexts.ExecuteTemplate(&body, "body/"+cat, v); err != nil {
		return content{}, numberdesk.Internal(op, err)
	}
	l := layout{Subject: oneLine(subject.String()), Name: name, Body: body.String(), Footer: footer, Signature: DefaultSignature}
	if len(lk) > 0 {
		l.Subject = oneLine(lk[0].subjectPrefix + l.Subject)
		if sig := oneLine(lk[0].signature); sig != "" {
			l.Signature = sig
		}
	}
	for _, para := range strings.Split(l.Body, "\n\n") {
		if para = strings.Trim(para, "\n"); para != "" {
			l.Paragraphs = append(l.Paragraphs, strings.Split(para, "\n"))
		}
	}

	var text, html strings.Builder
	if err := mailTexts.ExecuteTemplate(&text, "layout", l); err != nil {
		return content{}, numberdesk.Internal(op, err)
	}
	if err := mailHTML.Execute(&html, l); err != nil {
		return content{}, numberdesk.Internal(op, err)
	}
	return content{Subject: l.Subject, Text: text.String(), HTML: html.String()}, nil
}

// credentialsView is what the templates of the E-Fax-App mail see, each
// reduced to one line.
type credentialsView struct {
	Number, Username, Secret string
	Rotated                  bool
}

// renderCredentials renders the German mail with the E-Fax-App's login data
// of d: the one place that reveals the secret (efax.Secret.Reveal). It
// fails with CodeInvalid (never naming the secret) if the number, the
// username or the secret is missing.
func renderCredentials(op string, d efax.Delivery, lk ...look) (content, error) {
	v := credentialsView{Number: oneLine(d.Number), Username: oneLine(d.Username), Secret: oneLine(d.Secret.Reveal()), Rotated: d.Rotated}
	switch {
	case v.Number == "":
		return content{}, numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Zugangsdaten nennen keine Faxnummer.")
	case v.Username == "" || v.Secret == "":
		return content{}, numberdesk.E(numberdesk.CodeInvalid, op, "secret", "Die Zugangsdaten sind unvollständig.")
	}
	return compose(op, "efax", oneLine(d.Name), footerCredentials, v, lk...)
}

// plural returns "1 Seite" or "n Seiten".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// germanDuration formats d, rounded to seconds, as "2 Minuten und 5
// Sekunden", "1 Minute" or "45 Sekunden"; "" for d <= 0. A positive d
// below half a second counts as one second.
func germanDuration(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	secs := int64(d.Round(time.Second) / time.Second)
	if secs == 0 {
		secs = 1
	}
	m, s := int(secs/60), int(secs%60)
	switch {
	case m == 0:
		return plural(s, "Sekunde", "Sekunden")
	case s == 0:
		return plural(m, "Minute", "Minuten")
	}
	return plural(m, "Minute", "Minuten") + " und " + plural(s, "Sekunde", "Sekunden")
}

// oneLine reduces s to one line: control characters and line or paragraph
// separators become spaces, runs of white space collapse, and the ends are
// trimmed. Nothing from s can then start a new header line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// multiLine normalises the line ends of s to "\n" and removes other control
// characters except tabs.
func multiLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r', r == '\u2028', r == '\u2029', r == '\u0085':
			return '\n'
		case r == '\n', r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return s
}
