package wasm

import (
	"context"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// Shell is the frame of every route: a skip link, the header with the
// navigation, the acting account, the language switch and "Demo
// zurücksetzen" (server mode: the account logged in, "Abmelden" and, in
// demo mode, the mail sink), the update and offline banners, and the page
// registered for Path. In server mode it follows the change feed while it
// is mounted.
type Shell struct {
	app.Compo
	// Path is the route this shell frames.
	Path string

	lang      i18n.Lang
	rev       int
	updatable bool
	status    string // a short notice in a live region
	ready     bool
	staff     []*staff.Employee // the accounts of the actor switch
	acting    numberdesk.StaffID
	me        string // server mode: the account logged in, with its role
	feed      *feed
	resetting bool // the confirmation step of "Demo zurücksetzen" is open
	ctx       app.Context
}

// resetID is the element ID of the confirmation step of "Demo zurücksetzen".
const resetID = "confirm-reset"

// OnMount loads the language and the backend (query hooks, saved state,
// due deactivations).
func (s *Shell) OnMount(ctx app.Context) {
	s.ctx = ctx
	UseLang(ctx, &s.lang)
	// Re-render after every command: a failed save shows in the status, the
	// actor switch follows a reset.
	ObserveRevision(ctx, &s.rev, s.loadStaff)
	ctx.Page().SetLang(string(i18n.Current()))
	s.updatable = ctx.AppUpdateAvailable()
	s.loadStaff(ctx)
	s.ready = true
	s.setTitle(ctx)
	if ServerMode() {
		s.feed = startFeed(ctx)
	}
}

// OnDismount stops the change feed.
func (s *Shell) OnDismount() {
	s.feed.stop()
	s.feed = nil
}

// loadStaff loads the accounts of the actor switch (and the backend, on the
// first call); in server mode only who is logged in.
func (s *Shell) loadStaff(ctx app.Context) {
	if ServerMode() {
		err := Read(ctx, func(ctx context.Context, d API) error {
			s.me = roleLabel(d.Acting())
			return nil
		})
		s.status = i18n.Error(err)
		return
	}
	err := Read(ctx, func(ctx context.Context, d API) error {
		es, err := d.Employees(ctx)
		s.staff = slices.DeleteFunc(es, func(e *staff.Employee) bool { return e.Locked })
		s.acting = d.Acting().ID
		return err
	})
	if err != nil {
		s.status = i18n.Error(err)
	}
}

func (s *Shell) actAs(ctx app.Context, e app.Event) {
	id := numberdesk.StaffID(e.Get("target").Get("value").String())
	if err := Do(ctx, func(ctx context.Context, d API) error { return d.ActAs(ctx, id) }); err != nil {
		s.status = i18n.Error(err)
	}
}

// roleLabel names an account in the actor switch: "Anna Admin
// (Administrator-Konto)".
func roleLabel(e *staff.Employee) string {
	return e.Name() + " (" + RoleName(e.Role) + ")"
}

// OnNav updates the document title.
func (s *Shell) OnNav(ctx app.Context) { s.setTitle(ctx) }

// OnAppUpdate shows the update banner when a new version was installed.
func (s *Shell) OnAppUpdate(ctx app.Context) { s.updatable = ctx.AppUpdateAvailable() }

func (s *Shell) setTitle(ctx app.Context) {
	ctx.Page().SetTitle("%s – %s", i18n.T(pageAt(s.Path).Title), Brand().Product)
}

func (s *Shell) switchLang(l i18n.Lang) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		SetLang(ctx, l)
		s.lang = l
		s.setTitle(ctx)
	}
}

// askReset opens the confirmation step of "Demo zurücksetzen": all changes
// are lost.
func (s *Shell) askReset(ctx app.Context, e app.Event) {
	s.resetting = true
	ShowModal(s.ctx, resetID)
}

func (s *Shell) reset(ctx app.Context, e app.Event) {
	CloseConfirm(resetID)
	if err := ResetDemo(ctx, 0); err != nil {
		s.status = i18n.Error(err)
		return
	}
	s.status = i18n.T("shell.reset_done")
}

// Render draws the frame around the page.
func (s *Shell) Render() app.UI {
	page := pageAt(s.Path)
	return app.Div().Class("shell").Body(
		app.A().Class("skip").Href("#main").Text(i18n.T("shell.skip")),
		// The banners in slots of their own: appearing, they must not shift
		// <main> into another element's place (go-app reuses elements by
		// position), which would mount the page anew and drop an open
		// dialog with what the user entered.
		dialogSlot(app.If(s.updatable, func() app.UI {
			return app.Div().ID("update-banner").Class("banner").Attr("role", "status").Body(
				app.Button().ID("update-reload").Type("button").Class("btn btn-primary").
					Text(i18n.T("shell.update")).OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
			)
		})),
		app.Header().Class("top").Body(
			brandMark(),
			app.Nav().Class("nav").Attr("aria-label", i18n.T("shell.nav")).Body(
				app.Ul().Body(app.Range(navPages()).Slice(func(i int) app.UI {
					p := navPages()[i]
					a := app.A().Href(p.Path).Text(i18n.T(p.Title))
					if p.Path == s.Path {
						a = a.Attr("aria-current", "page")
					}
					return app.Li().Body(a)
				})),
			),
			s.tools(),
		),
		dialogSlot(app.If(Offline(), func() app.UI {
			return app.Div().ID("offline-banner").Class("banner banner-offline").Attr("role", "status").Text(i18n.T("shell.offline"))
		})),
		app.Div().ID("shell-status").Class("status").Attr("role", "status").Attr("aria-live", "polite").Body(
			app.If(s.status != "", func() app.UI { return app.Text(s.status) }),
		),
		// A failed save is a warning of its own (role alert, not the
		// status line): the changes are not kept after a reload.
		dialogSlot(app.If(storeErr != "", func() app.UI {
			return app.Div().ID("save-warning").Class("banner banner-warning").Attr("role", "alert").Body(
				app.Strong().Text(i18n.T("shell.save_failed_title")+" "), app.Text(storeErr))
		})),
		app.Main().ID("main").Attr("tabindex", "-1").Body(
			app.H1().ID("page-title").Text(i18n.T(page.Title)),
			app.If(s.ready, func() app.UI { return page.New() }).Else(func() app.UI {
				return app.P().Class("loading").Text(i18n.T("shell.loading"))
			}),
		),
		dialogSlot(app.If(s.resetting, func() app.UI {
			return ConfirmDialog(resetID, i18n.T("shell.reset_title"), i18n.T("shell.reset_hint"), i18n.T("shell.reset"),
				s.reset, func(ctx app.Context, e app.Event) { s.resetting = false })
		})),
		// The brand's hotline, help and legal links (none: NumberDesk's).
		siteFooter(),
	)
}

// tools are the header's controls: the account and what it may switch,
// and the language switch. The account's render on the client only, where
// the mode is known (a prerendered page shows neither the demo's controls
// nor "Abmelden").
func (s *Shell) tools() app.UI {
	cur := i18n.Current()
	var account []app.UI
	switch {
	case !s.ready:
	case ServerMode():
		account = []app.UI{
			app.Span().ID("logged-in").Class("actor").Body(
				app.Text(i18n.T("shell.logged_in")+" "), app.Strong().Text(s.me)),
			app.Button().Type("button").ID("logout").Class("btn btn-small").Text(i18n.T("shell.logout")).
				OnClick(func(ctx app.Context, e app.Event) { Logout(ctx) }),
		}
		if mails := app.Getenv(EnvMails); mails != "" {
			account = append(account, app.A().ID("mails-link").Class("btn btn-small").Href(mails).
				Target("_blank").Rel("noopener").Title(i18n.T("shell.mails_hint")).Text(i18n.T("shell.mails")))
		}
	default:
		account = []app.UI{
			app.Label().For("actor-switch").Class("actor").Text(i18n.T("shell.actor")),
			app.Select().ID("actor-switch").Class("actor-switch").Title(i18n.T("shell.actor_hint")).OnChange(s.actAs).Body(
				app.Range(s.staff).Slice(func(i int) app.UI {
					e := s.staff[i]
					return app.Option().Value(string(e.ID)).Selected(e.ID == s.acting).Text(roleLabel(e))
				}),
			),
		}
	}
	lang := app.Div().Class("lang").Attr("role", "group").Attr("aria-label", i18n.T("shell.lang")).Body(
		app.Range(i18n.Langs).Slice(func(i int) app.UI {
			l := i18n.Langs[i]
			return app.Button().Type("button").ID("lang-"+string(l)).Class("btn btn-small").
				Attr("aria-pressed", boolAttr(l == cur)).Attr("lang", string(l)).
				Title(i18n.In(l, "shell.lang_name")).Text(upper(string(l))).OnClick(s.switchLang(l), app.EventScope(string(l)))
		}),
	)
	tools := app.Div().Class("tools")
	if !s.ready || ServerMode() {
		return tools.Body(append(account, lang)...)
	}
	return tools.Body(append(account, lang,
		app.Button().Type("button").ID("demo-reset").Class("btn btn-small btn-danger btn-quiet").
			Text(i18n.T("shell.reset")).Title(i18n.T("shell.reset_hint")).OnClick(s.askReset))...)
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"nav.overview":      {DE: "Rufnummern-Übersicht", EN: "Phone numbers"},
		"nav.employees":     {DE: "Mitarbeiter", EN: "Employees"},
		"nav.log":           {DE: "Ereignisprotokoll", EN: "Event log"},
		"page.placeholder":  {DE: "Diese Seite ist noch nicht verfügbar.", EN: "This page is not available yet."},
		"shell.skip":        {DE: "Zum Inhalt springen", EN: "Skip to content"},
		"shell.nav":         {DE: "Hauptnavigation", EN: "Main navigation"},
		"shell.actor":       {DE: "Handeln als", EN: "Act as"},
		"shell.actor_hint":  {DE: "Demo: wechseln Sie das Konto, um die Rechte der Rollen zu sehen.", EN: "Demo: switch the account to see what each role may do."},
		"role.owner":        {DE: "Administrator-Konto", EN: "Administrator account"},
		"role.manager":      {DE: "Manager", EN: "Manager"},
		"role.employee":     {DE: "Mitarbeiter", EN: "Employee"},
		"shell.lang":        {DE: "Sprache", EN: "Language"},
		"shell.lang_name":   {DE: "Deutsch", EN: "English"},
		"shell.reset":       {DE: "Demo zurücksetzen", EN: "Reset demo"},
		"shell.reset_hint":  {DE: "Stellt die Demo-Daten wieder her; alle Änderungen gehen verloren.", EN: "Restores the demo data; all changes are lost."},
		"shell.reset_done":  {DE: "Die Demo-Daten wurden zurückgesetzt.", EN: "The demo data has been reset."},
		"shell.reset_title": {DE: "Demo wirklich zurücksetzen?", EN: "Really reset the demo?"},
		"shell.loading":     {DE: "Wird geladen …", EN: "Loading …"},
		"shell.save_failed": {DE: "Der Stand konnte nicht im Browser gespeichert werden: Ihre Änderungen gehen beim Neuladen der Seite verloren.", EN: "The state could not be saved in the browser: your changes will be lost when the page is reloaded."},
	})
}
