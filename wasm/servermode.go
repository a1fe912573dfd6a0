package wasm

import (
	"context"
	"errors"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// The environment the portal's server gives the PWA (app.Handler.Env):
// the page script carries it, so the service worker's cached copy tells an
// offline start which mode it is in.
const (
	// EnvAPI is set in server mode: the PWA works on the server's
	// /api/v1 (Remote) as the user of the session cookie. Unset, the PWA
	// is the browser-only demo (Local).
	EnvAPI = "NUMBERDESK_API"
	// EnvMails is the path of the mail sink's page (demo mode), if any.
	EnvMails = "NUMBERDESK_MAILS"
	// EnvBrand is the vendor's brand as JSON (brand.Brand.ForClient): the
	// product name, logo, hotline, help and legal links and the consent
	// wording. Unset (the browser-only demo without a brand), the PWA shows
	// brand.Default(). It is set in both modes when the server has a brand.
	EnvBrand = "NUMBERDESK_BRAND"
)

// The server's pages the PWA links to in server mode.
const (
	LoginPath  = "/login"
	LogoutPath = "/logout"
	// ChangesPath is the API's change feed (server-sent events).
	ChangesPath = "/api/v1/changes"
)

var (
	// remote is the server mode's API once loaded.
	remote *Remote
	// offline: the server did not answer the last request, or the change
	// feed or the browser reported the connection lost.
	offline bool
)

// ServerMode reports whether the PWA runs in server mode: the server said
// so (EnvAPI) and this build can reach it (the browser's fetch).
func ServerMode() bool {
	return app.IsClient && transport != nil && app.Getenv(EnvAPI) != ""
}

// Offline reports whether server mode has lost its connection: the
// components show the last loaded state and disable their commands.
func Offline() bool { return ServerMode() && offline }

// OfflineReason is the title of a command that is disabled offline.
func OfflineReason() string { return i18n.T("shell.offline_reason") }

// command is b, a button that runs or opens a command: offline it is
// disabled, its title saying why.
func command(b app.HTMLButton) app.HTMLButton {
	if Offline() {
		return b.Disabled(true).Title(OfflineReason())
	}
	return b
}

// errOffline is the error of a command or read that found no connection.
var errOffline = &numberdesk.Error{Code: numberdesk.CodePrecondition, Op: "wasm", Field: "connection",
	Message: "Keine Verbindung zum Server. Bitte versuchen Sie es erneut, sobald die Verbindung wieder besteht."}

// remoteAPI returns the server mode's API, loading who the user is on the
// first call. Without a session it sends the browser to the login page.
func remoteAPI(ctx app.Context) (*Remote, error) {
	if remote != nil {
		return remote, nil
	}
	r, err := NewRemote(ctx, transport, memory)
	if r == nil {
		if client.Status(err) == 401 {
			toLogin()
		}
		return nil, serverError(err)
	}
	remote = r
	offline = !r.Reachable()
	return r, nil
}

// onServer runs fn on the server mode's API and follows what it learnt
// about the connection and the session.
func onServer(ctx app.Context, fn func(ctx context.Context, d API) error) error {
	r, err := remoteAPI(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx, r)
	setOffline(ctx, !r.Reachable())
	if client.Status(err) == 401 {
		r.Forget()
		toLogin()
	}
	return serverError(err)
}

// serverError is err as the UI shows it: a lost connection as errOffline.
func serverError(err error) error {
	if errors.Is(err, client.ErrUnreachable) {
		return errOffline
	}
	return err
}

// setOffline records the connection's state; a change re-renders every
// page (they reload: back online they show the current state, offline the
// last loaded one with their commands disabled).
func setOffline(ctx app.Context, off bool) {
	if remote != nil {
		remote.SetReachable(!off)
	}
	if off == offline {
		return
	}
	offline = off
	bump(ctx)
}

// Logout forgets what stays readable offline, ends the session and goes
// to the login page.
func Logout(ctx app.Context) {
	if remote != nil {
		remote.Forget()
	}
	logout(ctx)
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"err.precondition.connection": {DE: errOffline.Message, EN: "No connection to the server. Please try again once the connection is back."},
		"shell.offline":               {DE: "Offline – keine Verbindung zum Server. Sie sehen den zuletzt geladenen Stand; Befehle sind deaktiviert, bis die Verbindung wieder besteht.", EN: "Offline – no connection to the server. You see the state loaded last; commands are disabled until the connection is back."},
		"shell.offline_reason":        {DE: "Offline: ohne Verbindung zum Server nicht möglich.", EN: "Offline: not possible without a connection to the server."},
		"shell.logged_in":             {DE: "Angemeldet als", EN: "Logged in as"},
		"shell.logout":                {DE: "Abmelden", EN: "Log out"},
		"shell.mails":                 {DE: "Versandte E-Mails", EN: "Sent mails"},
		"shell.mails_hint":            {DE: "Demo-Modus: die Benachrichtigungen, die der Server versandt hat (neues Fenster).", EN: "Demo mode: the notifications the server sent (new window)."},
	})
}
