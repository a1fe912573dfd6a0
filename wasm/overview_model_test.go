package wasm_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// seedRows lays out the whole standard seed as the overview does.
func seedRows(t *testing.T, role numberdesk.Role) map[string]wasm.Row {
	t.Helper()
	ctx := t.Context()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	names, err := d.Names(ctx)
	require.NoError(t, err)
	p, err := d.Numbers.Overview(ctx, d.Actor(), numbers.Query{Limit: 100})
	require.NoError(t, err)
	out := map[string]wasm.Row{}
	for _, r := range wasm.Rows(p.Numbers, names, d.Location(), wasm.Access{Role: role}) {
		out[r.Display] = r
	}
	return out
}

func kinds(ks ...wasm.ActionKind) []wasm.ActionKind { return ks }

// Every row offers exactly the actions its state allows (for the dialogs
// this package registers; edit and e-fax come with their pages' files).
func TestRowsOfTheSeed(t *testing.T) {
	rows := seedRows(t, numberdesk.RoleOwner)
	require.Len(t, rows, demo.StandardCount)
	drop := func(ks []wasm.ActionKind) []wasm.ActionKind {
		return slices.DeleteFunc(slices.Clone(ks), func(k wasm.ActionKind) bool { return k == wasm.ActEdit || k == wasm.ActEfax })
	}
	for display, want := range map[string]struct {
		label, class, usage, holders string
		actions                      []wasm.ActionKind
		selectable, date             bool
	}{
		"0221 123456-10": {"aktiv", "active", "Sprache", "Max Muster", kinds(wasm.ActDeactivate, wasm.ActSwap, wasm.ActAssign), false, false},
		"0221 123456-15": {"Zur Deaktivierung vorgemerkt", "pending", "Sprache", "", kinds(wasm.ActWithdraw, wasm.ActSwap, wasm.ActAssign), false, true},
		"0221 123456-16": {"inaktiv", "inactive", "Sprache", "", kinds(wasm.ActActivate), true, false},
		"0221 123456-17": {"aktiv", "active", "persönliche Faxnummer", "Lena Fax", kinds(wasm.ActDeactivate, wasm.ActSwap, wasm.ActAssign), false, false},
		"0221 123456-18": {"aktiv", "active", "gemeinsame Faxnummer", "Max Muster, Erika Beispiel", kinds(wasm.ActDeactivate, wasm.ActSwap, wasm.ActAssign), false, false},
		"0221 123456-19": {"neu", "new", "Sprache", "", kinds(wasm.ActActivate, wasm.ActAssign), true, false},
		"030 4455667":    {"portiert", "ported", "Sprache", "", kinds(wasm.ActActivate, wasm.ActAssign), true, false},
	} {
		r, ok := rows[display]
		require.True(t, ok, display)
		require.Equal(t, want.label, r.StatusLabel, display)
		require.Equal(t, want.class, r.StatusClass, display)
		require.Equal(t, want.usage, r.Usage, display)
		require.Equal(t, want.holders, r.Holders, display)
		require.Equal(t, want.actions, drop(r.Actions), display)
		require.Equal(t, want.selectable, r.Selectable, display)
		require.Equal(t, want.date, r.Cancellation != "", display)
	}
}

func TestApplies(t *testing.T) {
	active := &numbers.Number{Status: numbers.StatusActive, UsageType: routing.UsageVoice}
	fax := &numbers.Number{Status: numbers.StatusActive, UsageType: routing.UsageFaxShared}
	pendingFax := &numbers.Number{Status: numbers.StatusDeactivationPending, UsageType: routing.UsageFaxPersonal}
	fresh := &numbers.Number{Status: numbers.StatusNew}
	inactive := &numbers.Number{Status: numbers.StatusInactive}
	owner, manager, employee := wasm.Access{Role: numberdesk.RoleOwner}, wasm.Access{Role: numberdesk.RoleManager}, wasm.Access{Role: numberdesk.RoleEmployee}
	granted := wasm.Access{Role: numberdesk.RoleEmployee, RoutingEdit: true}
	for _, c := range []struct {
		k    wasm.ActionKind
		n    *numbers.Number
		role wasm.Access
		want bool
	}{
		{wasm.ActActivate, fresh, owner, true},
		{wasm.ActActivate, inactive, owner, true},
		{wasm.ActActivate, active, owner, false},
		{wasm.ActActivate, fresh, manager, false}, // money is the owner's
		{wasm.ActDeactivate, active, owner, true},
		{wasm.ActDeactivate, pendingFax, owner, false},
		{wasm.ActWithdraw, pendingFax, owner, true},
		{wasm.ActSwap, pendingFax, owner, true},
		{wasm.ActSwap, fresh, owner, false},
		{wasm.ActSwap, active, manager, false},
		{wasm.ActEdit, inactive, owner, false},
		{wasm.ActEdit, fresh, manager, true},
		{wasm.ActAssign, active, manager, true},
		{wasm.ActAssign, active, employee, false},
		{wasm.ActEdit, active, employee, false}, // without the owner's grant
		{wasm.ActEdit, active, granted, true},   // the routing of its own voice number
		{wasm.ActEdit, fax, granted, false},     // a fax number has no routing
		{wasm.ActEdit, inactive, granted, false},
		{wasm.ActAssign, active, granted, false}, // the grant is for routing only
		{wasm.ActDeactivate, active, granted, false},
		{wasm.ActEfax, fax, owner, true},
		{wasm.ActEfax, active, owner, false},
		{wasm.ActEfax, pendingFax, owner, false},
	} {
		require.Equal(t, c.want, c.k.Applies(c.n, c.role), "%s on %s by %s", c.k, c.n.Status, c.role)
	}
}

func TestFiltersQuery(t *testing.T) {
	q := wasm.Filters{Status: "inactive", Usage: "fax_shared", Holder: wasm.HolderNone, Search: " 0221 ", Offset: 50}.Query()
	require.Equal(t, []numbers.Status{numbers.StatusInactive}, q.Statuses)
	require.Equal(t, []routing.UsageType{routing.UsageFaxShared}, q.UsageTypes)
	require.True(t, q.Unassigned)
	require.Equal(t, "0221", q.Search)
	require.Equal(t, wasm.DefaultPageSize, q.Limit)
	require.Equal(t, 50, q.Offset)
	q = wasm.Filters{Status: "bogus", Holder: "abc", Limit: 100, Offset: -3}.Query()
	require.Nil(t, q.Statuses)
	require.Equal(t, numberdesk.StaffID("abc"), q.Holder)
	require.Equal(t, 100, q.Limit)
	require.Equal(t, 0, q.Offset)
}

func TestCountsAndPageInfoInBothLanguages(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	require.Equal(t, "1.000", wasm.FormatCount(1000))
	require.Equal(t, "26–50 von 1.000", wasm.PageInfo(25, 25, 1000, false))
	require.Equal(t, "Keine Rufnummern gefunden.", wasm.PageInfo(0, 0, 0, false))
	require.Equal(t, "10.001–10.050 von mehr als 10.000", wasm.PageInfo(10_000, 50, 10_000, true))
	i18n.SetLang(i18n.EN)
	require.Equal(t, "1,234,567", wasm.FormatCount(1234567))
	require.Equal(t, "1–25 of 1,000", wasm.PageInfo(0, 25, 1000, false))
	require.Equal(t, "1–25 of more than 10,000", wasm.PageInfo(0, 25, 10_000, true))
	require.Equal(t, "Scheduled for deactivation", wasm.StatusLabel(&numbers.Number{Status: numbers.StatusDeactivationPending}))
	require.Equal(t, "ported", wasm.StatusLabel(&numbers.Number{Status: numbers.StatusNew, Origin: numbers.OriginPorted}))
}

func TestFieldErrors(t *testing.T) {
	err := numberdesk.E(numberdesk.CodePrecondition, "op", "employee", "Paul Gesperrt ist gesperrt.")
	fe := wasm.NewFieldErrors(err, "employee")
	require.True(t, fe.On("employee"))
	require.NotNil(t, fe.For("f", "employee"))
	require.Nil(t, fe.For("f", "number"))
	require.Nil(t, fe.Top("f"))
	// A field the form does not show goes to the top.
	fe = wasm.NewFieldErrors(err, "number")
	require.False(t, fe.On("employee"))
	require.NotNil(t, fe.Top("f"))
	// Nested fields belong to their prefix.
	fe = wasm.NewFieldErrors(numberdesk.E(numberdesk.CodeInvalid, "op", "numbers[2]", "x"), "numbers")
	require.True(t, fe.On("numbers"))
	require.False(t, wasm.NewFieldErrors(nil, "numbers").Any())
	require.Equal(t, "f-employee-error", wasm.ErrorID("f", "employee"))
}

// Paths lists the contract's routes first; Routes is idempotent; the
// server prerenders the shell with the German navigation and the language
// switch, but not the account's controls: whether they are the demo's
// ("Demo zurücksetzen", the account switch) or server mode's ("Abmelden")
// only the browser knows.
func TestRoutesAndPrerender(t *testing.T) {
	paths := wasm.Paths()
	require.Equal(t, []string{"/", "/mitarbeiter", "/protokoll"}, paths[:3])
	wasm.Routes()
	wasm.Routes()
	srv := httptest.NewServer(&app.Handler{Name: "NumberDesk", Lang: "de"})
	defer srv.Close()
	res, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	html := string(body)
	for _, want := range []string{`id="page-title">Rufnummern-Übersicht`, `aria-current="page"`, `id="lang-en"`} {
		require.True(t, strings.Contains(html, want), "prerendered / lacks %s", want)
	}
	for _, not := range []string{`id="demo-reset"`, `id="actor-switch"`, `id="logout"`} {
		require.NotContains(t, html, not)
	}
	require.NotContains(t, html, "update-banner")
}
