package e2e

// Server mode at scale: the overview of a tenant with 100,000 numbers stays
// responsive because only a page lives in the browser. Time to an
// interactive overview and to an open activation dialog, for the demo tenant
// grown to 1,000 and to 100,000 numbers, cold (a fresh browser context:
// nothing cached) and warm (a reload: the app from the service worker, the
// same session). Reported, never asserted; asserted is what makes it
// scale: the table holds one page, the total is the capped count ("mehr
// als 10.000"), and the dialog quotes the one number.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/wasm"
)

// scaleMilestones are performance.now() instants of one measured load.
type scaleMilestones struct {
	Ready  float64 `json:"ready"`  // the overview table with its total
	Rows   int     `json:"rows"`   // its rows then
	Total  string  `json:"total"`  // its data-total
	Dialog float64 `json:"dialog"` // click to the quote in the activation dialog, ms
}

func TestServerModeTimeToInteractive(t *testing.T) {
	var report strings.Builder
	fmt.Fprintf(&report, "Server mode: time to an interactive overview and to an open activation dialog\n"+
		"(headless Chromium, portal server on SQLite on 127.0.0.1, %s, %s; ms from navigation start,\n"+
		"the dialog from the click to its quote; the harness's time scale of this machine: %.2f)\n\n",
		time.Now().UTC().Format(time.DateOnly), runtime.Version(), timeScale)
	fmt.Fprintf(&report, "%-9s  %-5s  %8s  %6s  %5s  %8s\n", "numbers", "", "overview", "rows", "total", "dialog")
	for _, size := range []int{1_000, 100_000} {
		p := startServerPortal(t)
		seeded := growDemoTenant(t, p, size)
		ctx := newTab(t)
		cookie := demoOwnerSession(t, p)
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: cookie.Name, Value: cookie.Value, URL: p.URL, HTTPOnly: new(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: readyObserver}); err != nil {
			t.Fatal(err)
		}
		for _, label := range []string{"cold", "warm"} {
			m := measureServerOverview(t, ctx, p)
			// Only a page is in the browser, and the total is capped.
			if m.Rows < 1 || m.Rows > slices.Max(wasm.PageSizes) {
				t.Errorf("%d numbers, %s: the table has %d rows, want one page (1 to %d)", seeded, label, m.Rows, slices.Max(wasm.PageSizes))
			}
			want := fmt.Sprint(min(seeded, numbers.MaxTotal))
			if m.Total != want {
				t.Errorf("%d numbers, %s: data-total %q, want %q", seeded, label, m.Total, want)
			}
			fmt.Fprintf(&report, "%-9d  %-5s  %8.0f  %6d  %5s  %8.0f\n", seeded, label, m.Ready, m.Rows, m.Total, m.Dialog)
			if label == "cold" {
				waitOffline(t, ctx) // the service worker has the app: the next load is warm
			}
		}
	}
	report.WriteString("\nThe overview reads one page through the keyset cursor and a total capped at 10,000;\n" +
		"the browser never holds more than a page (asserted), whatever the tenant's size.\n")
	writeReport(t, "servermode-time-to-interactive.txt", report.String())
}

// readyObserver notes in window.__ndReady when the overview table has its
// total, and in window.__ndDialog when the activation dialog shows its
// quote (from window.__ndClick, set by the click).
const readyObserver = `(() => {
	const mark = () => {
		if (!window.__ndReady && document.querySelector('#numbers-table[data-total]')) window.__ndReady = performance.now();
		if (window.__ndClick && !window.__ndDialog && document.querySelector('#dlg-activate #quote-table')) window.__ndDialog = performance.now();
	};
	new MutationObserver(mark).observe(document, {subtree: true, childList: true, attributes: true});
	mark();
})()`

// measureServerOverview loads the overview and opens the activation dialog
// of the demo's activatable number 0221 123456-25.
func measureServerOverview(t *testing.T, ctx context.Context, p *serverPortal) scaleMilestones {
	t.Helper()
	open(t, ctx, p.URL+"/")
	pollFor(t, ctx, `window.__ndReady`, "the overview table with its total", slowPollTimeoutBase)
	m := eval[scaleMilestones](t, ctx, `(() => { const t = document.querySelector('#numbers-table[data-total]');
		return {ready: window.__ndReady, rows: t.querySelectorAll('tbody tr').length, total: t.dataset.total, dialog: 0}; })()`)
	sel := action("0221 123456-25", "activate")
	poll(t, ctx, `(() => { const b = document.querySelector(`+jsString(sel)+`); return !!b && !b.disabled; })()`, "the activation button of 0221 123456-25")
	eval[bool](t, ctx, `(() => { window.__ndClick = performance.now(); document.querySelector(`+jsString(sel)+`).click(); return true; })()`)
	pollFor(t, ctx, `window.__ndDialog`, "the activation dialog with its quote", slowPollTimeoutBase)
	m.Dialog = eval[float64](t, ctx, `window.__ndDialog - window.__ndClick`)
	return m
}

// growDemoTenant adds numbers to the demo tenant of p until it has size,
// in blocks of 100 Berlin numbers (030 5…), all new, and returns how many
// it has.
func growDemoTenant(t *testing.T, p *serverPortal, size int) int {
	t.Helper()
	st, db, closeDB := portalStore(t, p)
	defer closeDB()
	ctx := t.Context()
	tenant, _ := demoOwner(t, db)
	_, have, err := st.FindNumbers(ctx, tenant, numbers.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const chunk = 10_000
	for from := have; from < size; from += chunk {
		ns := make([]*numbers.Number, 0, chunk)
		for j := from; j < min(from+chunk, size); j++ {
			base := fmt.Sprintf("+49305%05d", j/100)
			ns = append(ns, &numbers.Number{
				ID: numberdesk.NewNumberID(), Tenant: tenant, E164: fmt.Sprintf("%s%02d", base, j%100),
				Base: base, Extension: fmt.Sprintf("%02d", j%100),
				Origin: numbers.OriginNew, Status: numbers.StatusNew, UsageType: routing.UsageVoice,
				CreatedAt: now, UpdatedAt: now,
			})
		}
		if err := st.CreateNumbers(ctx, ns...); err != nil {
			t.Fatal(err)
		}
	}
	return max(have, size)
}

// portalStore opens the store of p's SQLite file.
func portalStore(t *testing.T, p *serverPortal) (*sqlstore.Store, *sql.DB, func()) {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(p.db))
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.New(db, sqlstore.SQLite), db, func() { db.Close() }
}

// demoOwner returns the demo tenant and its owner, Anna Admin.
func demoOwner(t *testing.T, db *sql.DB) (numberdesk.TenantID, numberdesk.StaffID) {
	t.Helper()
	var tenant, id string
	err := db.QueryRowContext(t.Context(), `SELECT tenant_id, id FROM employees WHERE first_name = 'Anna' AND last_name = 'Admin'`).Scan(&tenant, &id)
	if err != nil {
		t.Fatalf("the demo owner: %v", err)
	}
	return numberdesk.TenantID(tenant), numberdesk.StaffID(id)
}

// demoOwnerSession logs Anna Admin in as the login page would and returns
// the session cookie.
func demoOwnerSession(t *testing.T, p *serverPortal) *http.Cookie {
	t.Helper()
	st, db, closeDB := portalStore(t, p)
	defer closeDB()
	tenant, owner := demoOwner(t, db)
	rec := httptest.NewRecorder()
	if _, err := (&httpapi.Sessions{Store: st}).Login(rec, httptest.NewRequest(http.MethodPost, p.URL+"/login", nil), tenant, owner); err != nil {
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
