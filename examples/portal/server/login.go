package server

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// pageCSP is the Content-Security-Policy of the login page: the one of
// every response (ContentSecurityPolicy) with form-action 'self', because
// its forms post to /login and /logout. The pages of the App carry no
// inline script or style either.
var pageCSP = strings.Replace(ContentSecurityPolicy, "form-action 'none'", "form-action 'self'", 1)

// roleLabels are the German names of the roles on the login page.
var roleLabels = map[numberdesk.Role]string{
	numberdesk.RoleOwner:    "Administrator",
	numberdesk.RoleManager:  "Manager",
	numberdesk.RoleEmployee: "Mitarbeiter",
}

// pages are the App's server-rendered pages: a layout with the portal's
// stylesheet, and the login page and the mail sink in it.
var pages = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – {{.Product}}</title>
<link rel="stylesheet" href="` + Stylesheet + `">
<link rel="stylesheet" href="` + brand.CSSPath + `">
</head>
<body>
<header class="top"><a class="brand" href="/">{{.Product}}</a></header>
<main id="main">
<h1>{{.Title}}</h1>
{{if .Error}}<p class="status" role="alert">{{.Error}}</p>
{{end}}{{template "content" .}}
</main>
</body>
</html>
`))

var loginPage = template.Must(template.Must(pages.Clone()).Parse(`{{define "content"}}
{{- with .Current}}<p>Sie sind angemeldet als <strong>{{.}}</strong>.</p>
<p><a class="btn btn-primary" href="/">Zur Rufnummernverwaltung</a></p>
<form method="post" action="/logout"><button class="btn" type="submit">Abmelden</button></form>
{{end -}}
{{if .Demo -}}
<h2>Demo-Konten der {{.Tenant}}</h2>
<p>Demo-Modus: Wählen Sie ein Konto. Jede Rolle sieht das Portal mit ihren Rechten; ein Passwort gibt es hier nicht.</p>
<form method="post" action="/login">
<ul class="accounts">
{{range .Accounts}}<li><button class="btn" type="submit" name="staff" value="{{.ID}}"{{if .Locked}} disabled{{end}}>Anmelden als {{.Name}}</button> {{.Role}}{{if .Locked}} (gesperrt){{end}}</li>
{{end}}</ul>
</form>
{{if .Mails}}<p><a href="/mails">Versandte E-Mails ansehen</a></p>
{{end}}
{{- else -}}
<p>Die Anmeldung erfolgt über das Single Sign-on Ihres Anbieters. Melden Sie sich dort an; Sie werden dann zur Rufnummernverwaltung weitergeleitet.</p>
{{end}}{{end}}`))

var mailsPage = template.Must(template.Must(pages.Clone()).Parse(`{{define "content"}}
<p>Demo-Modus: Die Benachrichtigungen des Portals gehen an diesen Mail-Eingang statt an einen Mailserver – auch die Zugangsdaten der E-Fax-App. Der Zusteller liefert etwa jede Sekunde aus; laden Sie die Seite neu.</p>
<p><a href="/login">Zur Anmeldung</a></p>
{{range .Mails}}<article class="mail">
<h2>{{.Subject}}</h2>
<p>An: {{.To}}<br>
Von: {{.From}}<br>
{{with .Date}}Datum: {{.}}{{end}}</p>
<pre>{{.Text}}</pre>
</article>
{{else}}<p class="empty">Noch keine E-Mails.</p>
{{end}}{{end}}`))

// account is a demo account on the login page.
type account struct {
	ID     numberdesk.StaffID
	Name   string
	Role   string
	Locked bool
}

// loginView is what the login page shows.
type loginView struct {
	Title, Error string
	Product      string // the brand's product name
	Current      string // the name of the employee logged in, or ""
	Demo         bool
	Tenant       string
	Accounts     []account
	Mails        bool
}

// GET /login: the login page. In demo mode it lists the demo tenant's
// accounts; otherwise it points to the vendor's SSO.
func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	a.renderLogin(w, r, http.StatusOK, "")
}

func (a *App) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := loginView{Title: "Anmelden", Error: msg, Demo: a.demo, Mails: a.sink != nil, Product: a.product}
	ctx := r.Context()
	if s, err := a.sessions.Session(r); err == nil {
		if e, err := a.st.FindEmployeeByID(ctx, s.Tenant, s.Staff); err == nil {
			v.Current = e.Name()
		}
	}
	if a.demo {
		t, err := a.st.FindTenantByID(ctx, demo.TenantID)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		v.Tenant = t.Name
		es, _, err := a.st.FindEmployees(ctx, demo.TenantID, staff.Filter{})
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, e := range es {
			v.Accounts = append(v.Accounts, account{ID: e.ID, Name: e.Name(), Role: roleLabels[e.Role], Locked: e.Locked})
		}
	}
	a.render(w, r, loginPage, status, v)
}

// POST /login (demo mode): starts a session of the demo account named by
// the form's staff field and goes to the portal.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	if !a.demo {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		a.renderLogin(w, r, http.StatusBadRequest, "Die Anmeldung ist unlesbar.")
		return
	}
	id := numberdesk.StaffID(r.PostForm.Get("staff"))
	e, err := a.st.FindEmployeeByID(r.Context(), demo.TenantID, id)
	switch {
	case numberdesk.ErrorCode(err) == numberdesk.CodeNotFound:
		a.renderLogin(w, r, http.StatusUnprocessableEntity, "Dieses Konto gibt es nicht.")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	case e.Locked:
		a.renderLogin(w, r, http.StatusForbidden, e.Name()+" ist gesperrt und kann sich nicht anmelden.")
		return
	}
	if _, err := a.sessions.Login(w, r, demo.TenantID, e.ID); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.log.InfoContext(r.Context(), "portal: demo login", "staff", e.ID)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// POST /logout: ends the session and goes to the login page.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.sessions.Logout(w, r); err != nil {
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// mailsView is what the mail sink's page shows.
type mailsView struct {
	Title, Error string
	Product      string // the brand's product name
	Mails        []mailView
}

type mailView struct {
	Subject, From, To, Date, Text string
}

// GET /mails (demo mode without SMTP): the mails the sink received,
// newest first.
func (a *App) mailsPage(w http.ResponseWriter, r *http.Request) {
	loc, err := numberdesk.LoadLocation(numberdesk.DefaultTimeZone)
	if err != nil {
		loc = time.UTC
	}
	v := mailsView{Title: "Versandte E-Mails", Product: a.product}
	for _, m := range a.sink.Mails() {
		mv := mailView{Subject: m.Subject, From: m.From, To: m.To, Text: m.Text}
		if !m.Date.IsZero() {
			mv.Date = m.Date.In(loc).Format("02.01.2006, 15:04:05 Uhr")
		}
		v.Mails = append(v.Mails, mv)
	}
	a.render(w, r, mailsPage, http.StatusOK, v)
}

// render writes a page, not to be cached (a session's name, passwords in
// the sink). The login page's policy allows its forms (pageCSP).
func (a *App) render(w http.ResponseWriter, r *http.Request, t *template.Template, status int, v any) {
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		a.serverError(w, r, err)
		return
	}
	hdr := w.Header()
	if t == loginPage {
		hdr.Set("Content-Security-Policy", pageCSP)
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(b.String()))
	}
}

// serverError logs err and answers 500 without details.
func (a *App) serverError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.ErrorContext(r.Context(), "portal: page failed", "path", r.URL.Path, "err", err)
	http.Error(w, "500 Interner Fehler", http.StatusInternalServerError)
}
