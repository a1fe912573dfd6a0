package e2e

// Item 12 of the UX audit of issue 16: the number overview's navigation.
//
//   - filters, search, sort and page live in the URL: a reload (or a shared
//     link) restores them;
//   - the columns number, status and Kündigungsdatum sort by a click on
//     their header (a button in the th, aria-sort on the th);
//   - each number links to its detail view ("Informationen zur
//     Rufnummer"): both forms of the number, the Kündigungsdatum (of a
//     pending deactivation, and of the one that made a number inactive),
//     holder, usage type, routing summary and history, newest first;
//   - the detail view and the dialogs are in the URL too: Back closes
//     them, a reload reopens them;
//   - when the filters match nothing, the table says so and offers
//     "Filter zurücksetzen".

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk/numbers"
)

// search returns the page's query parameters.
func search(t *testing.T, ctx context.Context) url.Values {
	t.Helper()
	q, err := url.ParseQuery(strings.TrimPrefix(eval[string](t, ctx, `location.search`), "?"))
	if err != nil {
		t.Fatalf("location.search: %v", err)
	}
	return q
}

// waitSearch waits until the page's URL has the query parameter name with
// value want ("" : without it).
func waitSearch(t *testing.T, ctx context.Context, name, want string) {
	t.Helper()
	poll(t, ctx, fmt.Sprintf(`(new URLSearchParams(location.search).get(%s) || "") === %s`, jsString(name), jsString(want)),
		fmt.Sprintf("URL parameter %s=%q", name, want))
}

// rowOrder returns the numbers of the table's rows, top to bottom, with
// their data-status.
func rowOrder(t *testing.T, ctx context.Context) (displays, statuses []string) {
	t.Helper()
	rows := eval[[][]string](t, ctx, `[...document.querySelectorAll("#numbers-table tbody tr[data-number]")].map(r => [r.dataset.number, r.dataset.status])`)
	for _, r := range rows {
		displays, statuses = append(displays, r[0]), append(statuses, r[1])
	}
	return displays, statuses
}

// rowNumberID returns the number ID of a row (its element ID is "row-<id>").
func rowNumberID(t *testing.T, ctx context.Context, display string) string {
	t.Helper()
	return strings.TrimPrefix(attr(t, ctx, row(display), "id"), "row-")
}

// openDetail clicks the number of a row and waits for its detail view.
func openDetail(t *testing.T, ctx context.Context, display string) {
	t.Helper()
	click(t, ctx, row(display)+" a.number-link")
	waitVisible(t, ctx, "#dlg-detail[open]")
	waitText(t, ctx, "#detail-number", display)
}

// A reload keeps the filters, the search, the sort and the page.
func TestNavReloadKeepsFiltersAndSort(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	setValue(t, ctx, "#filter-status", "active")
	waitSearch(t, ctx, "status", "active")
	poll(t, ctx, `[...document.querySelectorAll("#numbers-table tbody tr[data-number]")].every(r => r.dataset.status === "active")`, "active numbers only")
	click(t, ctx, "#sort-number") // the number column again: descending
	waitSearch(t, ctx, "sort", "-number")
	setValue(t, ctx, "#filter-search", "0221")
	waitSearch(t, ctx, "suche", "0221")
	poll(t, ctx, `document.querySelector("#numbers-table[data-total]") && !document.querySelector('#numbers-table tr[data-number="030 4455667"]')`, "search applied")
	before, _ := rowOrder(t, ctx)
	total := attr(t, ctx, "#numbers-table", "data-total")
	if len(before) < 2 || !slices.IsSortedFunc(before, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("rows not sorted by number, descending: %q", before)
	}

	reload(t, ctx)
	waitOverview(t, ctx, total)
	if got := eval[string](t, ctx, `document.querySelector("#filter-status").value`); got != "active" {
		t.Errorf("status filter after reload = %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector("#filter-search").value`); got != "0221" {
		t.Errorf("search after reload = %q", got)
	}
	if got := attr(t, ctx, "#numbers-table th:has(#sort-number)", "aria-sort"); got != "descending" {
		t.Errorf("aria-sort of the number column after reload = %q", got)
	}
	after, statuses := rowOrder(t, ctx)
	if !slices.Equal(before, after) {
		t.Errorf("rows after reload %q, before %q", after, before)
	}
	for i, s := range statuses {
		if s != "active" {
			t.Errorf("row %s is %s after reload", after[i], s)
		}
	}

	// The page too: 1,000 numbers, page 3 of 25 by status.
	open(t, ctx, p.URL+"/?demo-numbers=1000")
	waitOverview(t, ctx, "1000")
	click(t, ctx, "#sort-status")
	waitSearch(t, ctx, "sort", "status")
	click(t, ctx, "#page-next")
	click(t, ctx, "#page-next")
	waitText(t, ctx, "#page-info", "51–75 von 1.000")
	waitSearch(t, ctx, "seite", "3")
	before, _ = rowOrder(t, ctx)
	reload(t, ctx)
	waitText(t, ctx, "#page-info", "51–75 von 1.000")
	if after, _ := rowOrder(t, ctx); !slices.Equal(before, after) {
		t.Errorf("page 3 after reload %q, before %q", after, before)
	}
}

// A click on a column's header sorts by it, a second click the other way
// round; aria-sort on the th says how.
func TestNavSortByHeaderClick(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	if got := attr(t, ctx, "#numbers-table th:has(#sort-number)", "aria-sort"); got != "ascending" {
		t.Errorf("default aria-sort of the number column = %q", got)
	}
	// byStatus is the page's condition: the rows sorted by status in
	// lifecycle order (desc: reversed), with more than one status.
	byStatus := func(desc bool) string {
		return fmt.Sprintf(`(() => {
			const rank = ["new", "active", "deactivation_pending", "inactive"];
			const rs = [...document.querySelectorAll("#numbers-table tbody tr[data-number]")].map(r => rank.indexOf(r.dataset.status) * (%d));
			return rs.length > 1 && rs[0] !== rs[rs.length - 1] && rs.every((v, i) => i === 0 || rs[i-1] <= v);
		})()`, map[bool]int{false: 1, true: -1}[desc])
	}
	click(t, ctx, "#sort-status")
	waitSearch(t, ctx, "sort", "status")
	poll(t, ctx, byStatus(false), "rows by status, in lifecycle order")
	if got := attr(t, ctx, "#numbers-table th:has(#sort-status)", "aria-sort"); got != "ascending" {
		t.Errorf("aria-sort of the status column = %q", got)
	}
	if exists(t, ctx, "#numbers-table th:has(#sort-number)[aria-sort]") {
		t.Error("the number column still claims the sort")
	}
	click(t, ctx, "#sort-status")
	waitSearch(t, ctx, "sort", "-status")
	poll(t, ctx, byStatus(true), "rows by status, descending")
	if got := attr(t, ctx, "#numbers-table th:has(#sort-status)", "aria-sort"); got != "descending" {
		t.Errorf("aria-sort after the second click = %q", got)
	}

	// By Kündigungsdatum: the numbers with one first.
	click(t, ctx, "#sort-deactivation_at")
	waitSearch(t, ctx, "sort", "deactivation_at")
	poll(t, ctx, `(() => { const r = document.querySelector("#numbers-table tbody tr[data-number]"); return r && r.dataset.number === "0221 123456-15"; })()`,
		"the pending number 0221 123456-15 first")
	// Sorting is the SDK's over all pages, not the page's: by number
	// descending, the first row of 1,000 numbers is the largest.
	open(t, ctx, p.URL+"/?demo-numbers=1000")
	waitOverview(t, ctx, "1000")
	first, _ := rowOrder(t, ctx)
	click(t, ctx, "#sort-number")
	waitSearch(t, ctx, "sort", "-number")
	poll(t, ctx, fmt.Sprintf(`document.querySelector("#numbers-table tbody tr[data-number]").dataset.number !== %s`, jsString(first[0])), "another first row")
	desc, _ := rowOrder(t, ctx)
	for _, d := range first {
		if slices.Contains(desc, d) {
			t.Errorf("%s is on the first page in both directions (of 1,000 numbers)", d)
		}
	}
}

// The detail view of a number that is already inactive shows its
// Kündigungsdatum: the last day of the month after its deactivation was
// requested (the seed requested it 80 days before it was made).
func TestNavDetailInactiveShowsCancellation(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	notice := func(now time.Time) string {
		requested := now.Add(-80 * 24 * time.Hour)
		return numbers.FormatDate(numbers.NoticeDate(numbers.EndOfFollowingMonth.EffectiveAt(requested, loc), loc))
	}
	early := notice(time.Now())
	openOverview(t, ctx, p)
	late := notice(time.Now())

	openDetail(t, ctx, "0221 123456-16")
	waitSearch(t, ctx, "nummer", rowNumberID(t, ctx, "0221 123456-16"))
	if got := strings.TrimSpace(text(t, ctx, "#detail-status")); !strings.Contains(got, "inaktiv") {
		t.Errorf("status in the detail view = %q", got)
	}
	got := text(t, ctx, "#detail-cancellation")
	if !strings.Contains(got, early) && !strings.Contains(got, late) {
		t.Errorf("Kündigungsdatum = %q, want %s", got, early)
	}
	if !strings.Contains(got, "wirksam geworden") {
		t.Errorf("the Kündigungsdatum does not say that it has passed: %q", got)
	}
	if e := text(t, ctx, "#detail-e164"); !strings.Contains(e, "+4922112345616") {
		t.Errorf("E.164 = %q", e)
	}
	types := eval[[]string](t, ctx, `[...document.querySelectorAll("#detail-history li")].map(l => l.dataset.type)`)
	if len(types) < 3 || types[0] != string(numbers.EventDeactivated) || types[len(types)-1] != string(numbers.EventProvisioned) {
		t.Errorf("history (newest first) = %q", types)
	}
	if r := text(t, ctx, "#detail-routing"); !strings.Contains(r, "nicht aktiv") {
		t.Errorf("routing summary of an inactive number = %q", r)
	}
	dialogShot(t, ctx, "number-detail-inactive", 1280)
	// A reload keeps it open.
	reload(t, ctx)
	waitVisible(t, ctx, "#dlg-detail[open]")
	waitText(t, ctx, "#detail-cancellation", late)
}

// The detail view of a pending number shows the Kündigungsdatum the
// deactivation dialog named, and its history lists the request first.
func TestNavDetailPendingAndHistory(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	day := germanDate.FindString(text(t, ctx, "#deactivate-date"))
	if day == "" {
		t.Fatal("the deactivation dialog names no date")
	}
	submitDialog(t, ctx, "dlg-deactivate", "Zur Deaktivierung vorgemerkt")
	waitStatus(t, ctx, "0221 123456-14", "Zur Deaktivierung vorgemerkt")

	openDetail(t, ctx, "0221 123456-14")
	waitText(t, ctx, "#detail-cancellation", day)
	waitText(t, ctx, "#detail-status", "Zur Deaktivierung vorgemerkt")
	types := eval[[]string](t, ctx, `[...document.querySelectorAll("#detail-history li")].map(l => l.dataset.type)`)
	if len(types) == 0 || types[0] != string(numbers.EventDeactivationRequested) {
		t.Errorf("newest event = %q, want the deactivation request", types)
	}
	if !slices.Contains(types, string(numbers.EventActivated)) || !slices.Contains(types, string(numbers.EventProvisioned)) {
		t.Errorf("history lacks the activation or the provisioning: %q", types)
	}
	if first := text(t, ctx, "#detail-history li"); !strings.Contains(first, "Anna Admin") {
		t.Errorf("the newest event does not say who: %q", first)
	}

	// Withdrawing from the detail view: the dialog opens over it, and
	// the view follows.
	click(t, ctx, "#detail-act-withdraw")
	waitVisible(t, ctx, "#dlg-withdraw-submit")
	waitSearch(t, ctx, "dialog", "withdraw")
	submitDialog(t, ctx, "dlg-withdraw", "wieder aktiv")
	waitVisible(t, ctx, "#dlg-detail[open]")
	poll(t, ctx, `document.querySelector("#detail-status .badge").innerText.trim() === "aktiv"`, "the detail view shows the number active")
	waitText(t, ctx, "#detail-history li", "Deaktivierung zurückgenommen")
	waitSearch(t, ctx, "dialog", "")
	if got := text(t, ctx, "#detail-cancellation"); germanDate.MatchString(got) {
		t.Errorf("a withdrawn deactivation still shows a Kündigungsdatum: %q", got)
	}

	// The seed's pending number, and the routing of a voice number.
	closeDialog(t, ctx, "dlg-detail")
	openDetail(t, ctx, "0221 123456-15")
	if got := germanDate.FindString(text(t, ctx, "#detail-cancellation")); got == "" || !strings.Contains(text(t, ctx, row("0221 123456-15")), got) {
		t.Errorf("Kündigungsdatum %q is not the row's", got)
	}
	closeDialog(t, ctx, "dlg-detail")
	openDetail(t, ctx, "0221 123456-10")
	waitText(t, ctx, "#detail-routing", "Bürozeiten")
	waitText(t, ctx, "#detail-holders", "Max Muster")
}

// When the filters match nothing, the table says so and "Filter
// zurücksetzen" shows every number again.
func TestNavEmptyStateReset(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	setValue(t, ctx, "#filter-usage", "conference")
	setValue(t, ctx, "#filter-search", "0221 123456-2")
	waitOverview(t, ctx, "0")
	waitText(t, ctx, "#numbers-table", "Keine Rufnummern gefunden")
	click(t, ctx, "#filter-reset")
	waitOverview(t, ctx, seedTotal)
	for sel, want := range map[string]string{"#filter-usage": "", "#filter-search": ""} {
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel))); got != want {
			t.Errorf("%s = %q after the reset", sel, got)
		}
	}
	if q := search(t, ctx); q.Has("suche") || q.Has("verwendung") {
		t.Errorf("the URL keeps the filters: %v", q)
	}
	activeIs(t, ctx, "#filter-search", "the focus on the search after the reset")
}

// Back closes the detail view and a dialog; a reload with a dialog's URL
// opens it again.
func TestNavBackClosesDialog(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	id := rowNumberID(t, ctx, "0221 123456-14")

	openDetail(t, ctx, "0221 123456-14")
	waitSearch(t, ctx, "nummer", id)
	eval[any](t, ctx, `history.back()`)
	waitGone(t, ctx, "#dlg-detail")
	waitSearch(t, ctx, "nummer", "")

	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	waitSearch(t, ctx, "dialog", "deactivate")
	waitSearch(t, ctx, "ids", id)
	eval[any](t, ctx, `history.back()`)
	waitGone(t, ctx, "#dlg-deactivate")
	waitSearch(t, ctx, "dialog", "")
	waitStatus(t, ctx, "0221 123456-14", "aktiv") // Back did not deactivate

	// Closing with its button goes Back over its entry: no dialog in the
	// URL, and Back from there leaves the overview's first entry alone.
	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	click(t, ctx, "#dlg-deactivate-cancel")
	waitGone(t, ctx, "#dlg-deactivate")
	waitSearch(t, ctx, "dialog", "")

	// A shared link opens the dialog; one that does not apply does not.
	open(t, ctx, p.URL+"/?dialog=deactivate&ids="+id)
	waitVisible(t, ctx, "#deactivate-date")
	waitText(t, ctx, "#dlg-deactivate", "0221 123456-14")
	pending := rowNumberID(t, ctx, "0221 123456-15")
	open(t, ctx, p.URL+"/?dialog=deactivate&ids="+pending)
	waitOverview(t, ctx, seedTotal)
	waitSearch(t, ctx, "dialog", "")
	if exists(t, ctx, "#dlg-deactivate") {
		t.Error("a deactivation dialog for a pending number opened from the URL")
	}
}

// On a phone the sort buttons stand above the cards, and the detail view
// fits the screen with its ✕ and "Schließen" in view.
func TestNavOnAPhone(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	viewport(t, ctx, 360, 740)
	openOverview(t, ctx, p)
	waitVisible(t, ctx, "#sort-status")
	click(t, ctx, "#sort-status")
	waitSearch(t, ctx, "sort", "status")
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the page is %d px wide at a 360 px viewport", w)
	}
	openDetail(t, ctx, "0221 123456-10")
	waitText(t, ctx, "#detail-routing", "Bürozeiten")
	if problems := dialogLayoutProblems(t, ctx, "dlg-detail", ".modal-x", "#dlg-detail-done"); len(problems) > 0 {
		t.Errorf("the detail view does not fit 360×740: %q", problems)
	}
	dialogShot(t, ctx, "mobile-number-detail", 360)
}

// Server mode: the detail view reads the history through the API
// (GET /api/v1/numbers/{id}/history), and the filters survive a reload.
func TestNavServerMode(t *testing.T) {
	p := startServerPortal(t)
	ctx := newTab(t)
	login(t, ctx, p, "Anna Admin")
	waitOverview(t, ctx, seedTotal)
	setValue(t, ctx, "#filter-status", "inactive")
	waitSearch(t, ctx, "status", "inactive")
	waitOverview(t, ctx, "1")
	reload(t, ctx)
	waitOverview(t, ctx, "1")
	openDetail(t, ctx, "0221 123456-16")
	if got := text(t, ctx, "#detail-cancellation"); !germanDate.MatchString(got) {
		t.Errorf("Kündigungsdatum in server mode = %q", got)
	}
	types := eval[[]string](t, ctx, `[...document.querySelectorAll("#detail-history li")].map(l => l.dataset.type)`)
	if len(types) < 3 || types[0] != string(numbers.EventDeactivated) {
		t.Errorf("history in server mode = %q", types)
	}
	eval[any](t, ctx, `history.back()`)
	waitGone(t, ctx, "#dlg-detail")
}

// TestNavCloseAndOpenAtOnce: a dialog closed with its button goes Back over
// its history entry, and that Back arrives later (a popstate). A dialog
// opened before it arrives stays open, in the URL, and Back closes it: the
// late Back once landed on the closed dialog's entry, closed the new one and
// reopened the old one.
func TestNavCloseAndOpenAtOnce(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	id := rowNumberID(t, ctx, "0221 123456-14")
	click(t, ctx, action("0221 123456-14", "deactivate"))
	waitVisible(t, ctx, "#deactivate-date")
	waitSearch(t, ctx, "dialog", "deactivate")
	// Both clicks in one task: the Back of the first comes after the second.
	eval[bool](t, ctx, `(() => { document.querySelector("#dlg-deactivate-cancel").click();
		document.querySelector(`+jsString(action("0221 123456-14", "edit"))+`).click(); return true; })()`)
	waitVisible(t, ctx, "#edit-dialog")
	waitSearch(t, ctx, "dialog", "edit")
	waitSearch(t, ctx, "ids", id)
	// Settled: the edit dialog is still open, the deactivation did not
	// come back.
	waitJS(t, ctx, `new Promise(r => setTimeout(() => r(true), 0))`, "a task after the popstate")
	if exists(t, ctx, "#dlg-deactivate") {
		t.Fatal("the closed deactivation dialog came back")
	}
	waitVisible(t, ctx, "#edit-dialog")
	eval[any](t, ctx, `history.back()`)
	waitGone(t, ctx, "#edit-dialog")
	waitSearch(t, ctx, "dialog", "")
}
