package e2e

// Server mode in the browser: the portal server (server.NewApp) on an
// SQLite file with the demo tenant, its background work running (the
// dispatcher fills the mail sink), and the PWA on /api/v1 through fetch.
// Login on the login page, the seed page's flows through the API, two
// admins of one tenant who see each other's changes without a reload
// (the change feed), a user of another tenant who sees none of it, the
// mail sink, offline reading with the commands disabled, and logout.

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/examples/portal/server"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// serverPortal is the portal in server mode, served on 127.0.0.1.
type serverPortal struct {
	URL  string
	db   string // the SQLite file
	addr string
	srv  *httptest.Server
	h    http.Handler
}

// startServerPortal starts the portal server in demo mode on a fresh
// SQLite file, with its background work, until the test ends.
func startServerPortal(t *testing.T) *serverPortal {
	t.Helper()
	requireBrowser(t)
	p := &serverPortal{db: filepath.Join(t.TempDir(), "portal.db")}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := server.NewApp(ctx, server.AppConfig{
		Config: server.Config{Web: webDir, Wasm: wasmFile},
		DB:     "sqlite:" + p.db,
		Demo:   true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- a.Run(ctx) }()
	p.h = a.Handler()
	p.srv = httptest.NewUnstartedServer(p.h)
	p.srv.Config = server.NewHTTPServer(p.h)
	p.srv.Start()
	p.URL, p.addr = p.srv.URL, p.srv.Listener.Addr().String()
	t.Cleanup(func() {
		p.stop()
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("background work: %v", err)
		}
		a.Close()
	})
	return p
}

// stop takes the server off the network (the browser is offline for it).
func (p *serverPortal) stop() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// restart serves the same App on the same address again.
func (p *serverPortal) restart(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listening on %s again: %v", p.addr, err)
	}
	p.srv = httptest.NewUnstartedServer(p.h)
	p.srv.Listener.Close()
	p.srv.Listener = l
	p.srv.Config = server.NewHTTPServer(p.h)
	p.srv.Start()
}

// login logs in on the login page as the demo account name and waits for
// the overview.
func login(t *testing.T, ctx context.Context, p *serverPortal, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/login"), chromedp.WaitVisible(`button[name="staff"]`)); err != nil {
		t.Fatalf("open the login page: %v", err)
	}
	if !eval[bool](t, ctx, fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('button[name="staff"]')].find(b => b.innerText.includes(%s));
		if (!b) return false; b.click(); return true; })()`, jsString("Anmelden als "+name))) {
		t.Fatalf("the login page lists no %q", name)
	}
	waitLoggedIn(t, ctx, name)
}

// waitLoggedIn waits for the app with the overview, logged in as name.
func waitLoggedIn(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	waitJS(t, ctx, `location.pathname === "/" && document.readyState === "complete" && !document.getElementById("app-wasm-loader")`, "the app after the login")
	waitText(t, ctx, "#logged-in", name)
	waitVisible(t, ctx, overviewReady)
}

func TestServerModeFlows(t *testing.T) {
	p := startServerPortal(t)
	ctx := newTab(t)

	// Without a session the app sends the browser to the login page.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `location.pathname === "/login"`, "the redirect to the login page")
	login(t, ctx, p, "Anna Admin")
	waitOverview(t, ctx, seedTotal)
	waitText(t, ctx, "#logged-in", "Administrator-Konto")
	for _, demoOnly := range []string{"#actor-switch", "#demo-reset"} {
		if exists(t, ctx, demoOnly) {
			t.Errorf("server mode shows the demo's %s", demoOnly)
		}
	}
	if got := attr(t, ctx, "#mails-link", "href"); got != "/mails" {
		t.Errorf("mail sink link = %q", got)
	}

	// Activation: the quote and its consent, through the API.
	click(t, ctx, action("0221 123456-25", "activate"))
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	waitText(t, ctx, "#dlg-activate", "15,23 €")
	if got := text(t, ctx, "#dlg-activate-submit"); got != "Rufnummern jetzt kostenpflichtig aktivieren" {
		t.Errorf("button = %q", got)
	}
	submitDialog(t, ctx, "dlg-activate", "Die Rufnummer 0221 123456-25 haben Sie nun aktiviert.")
	waitStatus(t, ctx, "0221 123456-25", "aktiv")

	// Deactivation and its withdrawal.
	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	if got := text(t, ctx, "#dlg-deactivate-submit"); got != "Rufnummer jetzt deaktivieren" {
		t.Errorf("button = %q", got)
	}
	submitDialog(t, ctx, "dlg-deactivate", "als „Zur Deaktivierung vorgemerkt“ angezeigt")
	waitStatus(t, ctx, "0221 123456-14", "Zur Deaktivierung vorgemerkt")
	click(t, ctx, action("0221 123456-14", "withdraw"))
	submitDialog(t, ctx, "dlg-withdraw", "wieder aktiv")
	waitStatus(t, ctx, "0221 123456-14", "aktiv")
	// Deactivated for good: the mail sink gets its notice.
	click(t, ctx, action("0221 123456-14", "deactivate"))
	submitDialog(t, ctx, "dlg-deactivate", "als „Zur Deaktivierung vorgemerkt“ angezeigt")

	// Swap: the holder moves to the new number.
	click(t, ctx, action("0221 123456-13", "swap"))
	waitVisible(t, ctx, "#swap-new")
	if got := text(t, ctx, "#dlg-swap-submit"); got != "Rufnummerntausch jetzt abschließen" {
		t.Errorf("button = %q", got)
	}
	selectByText(t, ctx, "#swap-new", "0221 987650")
	click(t, ctx, "#dlg-swap-submit")
	waitText(t, ctx, "#dlg-swap-confirmation", "Die Rufnummer 0221 123456-13 wurde durch 0221 987650 ersetzt.")
	closeDialog(t, ctx, "dlg-swap")
	waitText(t, ctx, row("0221 987650")+" .col-holder", "Jana Schmidt")

	// Assign, a locked employee refused next to the field.
	click(t, ctx, action("0221 123456-11", "assign"))
	waitText(t, ctx, "#assign-current", "Erika Beispiel")
	if got := text(t, ctx, "#dlg-assign-submit"); got != "Speichern" {
		t.Errorf("button = %q", got)
	}
	selectByText(t, ctx, "#assign-employee", "Paul Gesperrt")
	click(t, ctx, "#dlg-assign-submit")
	waitText(t, ctx, "#dlg-assign-employee-error", "gesperrt")
	selectByText(t, ctx, "#assign-employee", "Max Muster")
	waitGone(t, ctx, "#dlg-assign-employee-error") // the dialog has its new height: the click lands
	click(t, ctx, "#assign-purge")
	click(t, ctx, "#dlg-assign-submit")
	click(t, ctx, "#dlg-assign-purge-confirm") // deleting data asks first
	waitText(t, ctx, "#dlg-assign-confirmation", "Die Rufnummer 0221 123456-11 nutzt jetzt Max Muster.")
	closeDialog(t, ctx, "dlg-assign")
	waitText(t, ctx, row("0221 123456-11")+" .col-holder", "Max Muster")

	// E-Fax-App credentials for Lena Fax's personal fax number.
	click(t, ctx, action("0221 123456-17", "efax"))
	waitText(t, ctx, "#dlg-efax", "Lena Fax")
	if got := text(t, ctx, "#dlg-efax-submit"); got != "Zugangsdaten an Mitarbeiter versenden" {
		t.Errorf("button = %q", got)
	}
	submitDialog(t, ctx, "dlg-efax", "Die Zugangsdaten wurden an Lena Fax versendet.")

	// A new employee on the staff page, then locked.
	open(t, ctx, p.URL+"/mitarbeiter")
	waitVisible(t, ctx, "#emp-table")
	click(t, ctx, "#emp-new")
	waitVisible(t, ctx, "#emp-create[open] #emp-first")
	setValue(t, ctx, "#emp-first", "Tom")
	setValue(t, ctx, "#emp-last", "Neu")
	setValue(t, ctx, "#emp-email", "tom.neu@muster.example")
	click(t, ctx, `#emp-numbers input[value="0221 123456-19"]`)
	click(t, ctx, "#emp-submit")
	waitText(t, ctx, "#emp-created", "Tom Neu")
	click(t, ctx, "#emp-create-close")
	emp := empRow("tom.neu@muster.example")
	click(t, ctx, emp+` button.emp-lock`)
	click(t, ctx, "#confirm-lock-confirm") // "Sperren" asks first
	waitVisible(t, ctx, emp+`[data-locked="true"]`)

	// The event log reads the server's log.
	open(t, ctx, p.URL+"/protokoll")
	waitText(t, ctx, "main", "0221 123456-14")

	// Everything is on the server: a reload shows it.
	open(t, ctx, p.URL+"/")
	waitOverview(t, ctx, seedTotal)
	for d, s := range map[string]string{"0221 123456-25": "aktiv", "0221 123456-14": "Zur Deaktivierung vorgemerkt",
		"0221 123456-13": "inaktiv", "0221 987650": "aktiv"} {
		waitStatus(t, ctx, d, s)
	}
	waitText(t, ctx, row("0221 123456-19")+" .col-holder", "Tom Neu")

	// The mail sink shows the deactivation notice and the E-Fax-App login
	// once the dispatcher has delivered them.
	waitJS(t, ctx, `fetch("/mails").then(r => r.text()).then(s => s.includes("Mitteilung zu 0221 123456-14") &&
		s.includes("Ihre Zugangsdaten für die E-Fax-App (0221 123456-17)"))`, "the deactivation and e-fax mails in the mail sink")
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/mails")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "main", "die Deaktivierung der Rufnummer 0221 123456-14 beauftragt")
	waitText(t, ctx, "main", "An: Lena Fax")
	shot(t, ctx, "server-mails")

	// Logout ends the session: the app is behind the login page again.
	open(t, ctx, p.URL+"/")
	click(t, ctx, "#logout")
	waitJS(t, ctx, `location.pathname === "/login"`, "the login page after the logout")
	if err := chromedp.Do(ctx, chromedp.Navigate(p.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `location.pathname === "/login"`, "the login page: the session has ended")
	if got := eval[int](t, ctx, `fetch("/api/v1/me").then(r => r.status)`); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me after the logout = %d, want 401", got)
	}
	if eval[bool](t, ctx, `localStorage.getItem("numberdesk/offline") !== null`) {
		t.Error("the offline copy outlived the logout")
	}
}

// TestServerModeSharedTenant: two admins of the demo tenant (its owner and
// its manager) in two browser contexts see each other's changes without a
// reload; a user of another tenant on the same server sees none of them.
func TestServerModeSharedTenant(t *testing.T) {
	p := startServerPortal(t)
	anna, jana, other := newTab(t), newTab(t), newTab(t)
	login(t, anna, p, "Anna Admin")
	login(t, jana, p, "Jana Schmidt")
	waitOverview(t, anna, seedTotal)
	waitOverview(t, jana, seedTotal)

	// The other tenant: its owner and one number, and a session cookie
	// for its browser context.
	cookie := otherTenant(t, p)
	if _, err := chromedp.Call(other, network.SetCookie, network.SetCookieParams{Name: cookie.Name, Value: cookie.Value, URL: p.URL, HTTPOnly: new(true)}); err != nil {
		t.Fatal(err)
	}
	open(t, other, p.URL+"/")
	waitLoggedIn(t, other, "Olga Owner")
	waitOverview(t, other, "1")

	click(t, anna, action("0221 123456-14", "deactivate"))
	click(t, anna, "#dlg-deactivate-submit")
	waitText(t, anna, "#dlg-deactivate-confirmation", "als „Zur Deaktivierung vorgemerkt“ angezeigt")
	done := time.Now()
	waitStatus(t, jana, "0221 123456-14", "Zur Deaktivierung vorgemerkt") // no reload: the change feed
	// Reported, not asserted: the feed polls every second.
	t.Logf("the other admin saw the change %v after its confirmation", time.Since(done).Round(10*time.Millisecond))
	closeDialog(t, anna, "dlg-deactivate")

	// The manager assigns (the lifecycle is the owner's).
	click(t, jana, action("0221 123456-20", "assign"))
	waitVisible(t, jana, "#assign-employee")
	selectByText(t, jana, "#assign-employee", "Erika Beispiel")
	click(t, jana, "#dlg-assign-submit")
	waitText(t, jana, "#dlg-assign-confirmation", "Die Rufnummer 0221 123456-20 nutzt jetzt Erika Beispiel.")
	closeDialog(t, jana, "dlg-assign")
	waitText(t, anna, row("0221 123456-20")+" .col-holder", "Erika Beispiel")

	// The other tenant's page saw none of it and still shows its own.
	waitOverview(t, other, "1")
	if got := text(t, other, "#numbers-table"); strings.Contains(got, "0221 123456") || !strings.Contains(got, "089 4711") {
		t.Errorf("the other tenant sees:\n%s", got)
	}
	if n := eval[int](t, other, `fetch("/api/v1/events?limit=1000").then(r => r.json()).then(l => l.items.filter(e => JSON.stringify(e).includes("123456")).length)`); n != 0 {
		t.Errorf("the other tenant's event log holds %d events of the demo tenant", n)
	}
}

// otherTenant creates a second tenant in the portal's database, with its
// owner Olga Owner and the number 089 4711, and returns a session cookie
// of that owner (as the vendor's login would set it).
func otherTenant(t *testing.T, p *serverPortal) *http.Cookie {
	t.Helper()
	ctx := t.Context()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(p.db))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := sqlstore.New(db, sqlstore.SQLite)
	people := staff.NewService(staff.Config{Store: st})
	tenant, owner, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Andere GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@andere.example"}})
	if err != nil {
		t.Fatal(err)
	}
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	actor := numberdesk.Actor{Tenant: tenant.ID, Staff: owner.ID, Role: numberdesk.RoleOwner}
	if _, err := nums.Provision(ctx, actor, numbers.ProvisionRequest{Number: "089 4711"}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := (&httpapi.Sessions{Store: st}).Login(rec, httptest.NewRequest(http.MethodPost, p.URL+"/login", nil), tenant.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			return c
		}
	}
	t.Fatal("the login set no cookie")
	return nil
}

// TestServerModeOffline: with the server gone, the app shell and the last
// loaded overview stay readable, after a reload too, under an offline
// banner, with the commands disabled and saying why; back online, the
// banner goes and the commands work again.
func TestServerModeOffline(t *testing.T) {
	p := startServerPortal(t)
	ctx := newTab(t, allowException("Failed to fetch"), allowException("ERR_CONNECTION_REFUSED"))
	login(t, ctx, p, "Anna Admin")
	waitOverview(t, ctx, seedTotal)
	waitOffline(t, ctx) // the service worker has the app
	if exists(t, ctx, "#offline-banner") {
		t.Fatal("an offline banner while online")
	}

	p.stop()
	waitVisible(t, ctx, "#offline-banner") // the change feed lost its server
	waitText(t, ctx, "#offline-banner", "Offline")
	disabled := func() {
		t.Helper()
		poll(t, ctx, `(() => { const b = document.querySelector(`+jsString(action("0221 123456-25", "activate"))+`);
			return !!b && b.disabled && b.title.startsWith("Offline"); })()`, "the row's commands disabled, saying why")
	}
	disabled()
	reload(t, ctx)
	waitOverview(t, ctx, seedTotal)
	waitVisible(t, ctx, "#offline-banner")
	disabled()
	waitText(t, ctx, "#logged-in", "Anna Admin")

	p.restart(t)
	waitGone(t, ctx, "#offline-banner") // the change feed is back
	click(t, ctx, action("0221 123456-25", "activate"))
	waitVisible(t, ctx, "#dlg-activate #quote-table")
	submitDialog(t, ctx, "dlg-activate", "Die Rufnummer 0221 123456-25 haben Sie nun aktiviert.")
	waitStatus(t, ctx, "0221 123456-25", "aktiv")
}
