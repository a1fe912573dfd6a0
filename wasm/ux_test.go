package wasm

// Native tests of the presenters behind the UX fixes of issue 16: the bulk
// activation that sets aside a number before its porting date, the
// overview rows that say from when it can be activated, the create form's
// check of all fields, and the error summary.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

var germanDate = regexp.MustCompile(`\b\d{2}\.\d{2}\.\d{4}\b`)

// seedIDs returns the standard seed and its numbers' IDs by display.
func seedIDs(t *testing.T) (*demo.Demo, map[string]numberdesk.NumberID) {
	t.Helper()
	d, err := demo.Seed(t.Context(), 0, demo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Numbers.Overview(t.Context(), d.Actor(), numbers.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]numberdesk.NumberID{}
	for _, n := range p.Numbers {
		ids[n.Display()] = n.ID
	}
	return d, ids
}

func TestActivateSetsAsideNumbersNotActivatableNow(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d, ids := seedIDs(t)
	c := &ActivateDialog{Numbers: []numberdesk.NumberID{ids["040 7788990"], ids["0221 123456-19"], ids["030 4455667"], ids["0221 123456-10"]}}
	if err := c.load(t.Context(), Local{d}); err != nil {
		t.Fatalf("a bulk activation with one number before its porting date: %v", err)
	}
	if c.quote == nil || len(c.quote.Lines) != 2 {
		t.Fatalf("quote = %+v, want the two numbers that can be activated now", c.quote)
	}
	for _, l := range c.quote.Lines {
		if l.Display != "0221 123456-19" && l.Display != "030 4455667" {
			t.Errorf("quoted %s", l.Display)
		}
	}
	if len(c.skipped) != 2 {
		t.Fatalf("skipped = %q, want the ported and the active number", c.skipped)
	}
	if s := c.skipped[0]; !strings.HasPrefix(s, "040 7788990: ") || !strings.Contains(s, "Portierungstermin") || !germanDate.MatchString(s) {
		t.Errorf("reason of 040 7788990 = %q, want the porting date as TT.MM.JJJJ", s)
	}
	if s := c.skipped[1]; s != "0221 123456-10: ist aktiv und kann nicht aktiviert werden." {
		t.Errorf("reason of the active number = %q", s)
	}

	// Alone, the number keeps the SDK's error, and the dialog the date.
	one := &ActivateDialog{Numbers: []numberdesk.NumberID{ids["040 7788990"]}}
	err := one.load(t.Context(), Local{d})
	if numberdesk.ErrorCode(err) != numberdesk.CodePrecondition || one.quote != nil || len(one.skipped) != 0 {
		t.Fatalf("single: err %v, quote %v, skipped %q", err, one.quote, one.skipped)
	}
	if !germanDate.MatchString(one.from) {
		t.Errorf("single: from = %q", one.from)
	}

	// Nothing to quote: no error, the reasons only.
	none := &ActivateDialog{Numbers: []numberdesk.NumberID{ids["040 7788990"], ids["0221 123456-10"]}}
	if err := none.load(t.Context(), Local{d}); err != nil || none.quote != nil || len(none.skipped) != 2 {
		t.Errorf("none activatable: err %v, quote %v, skipped %q", err, none.quote, none.skipped)
	}
}

func TestRowsSayFromWhenANumberCanBeActivated(t *testing.T) {
	i18n.SetLang(i18n.DE)
	d, _ := seedIDs(t)
	p, err := d.Numbers.Overview(t.Context(), d.Actor(), numbers.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation(demo.TimeZone)
	rows := map[string]Row{}
	for _, r := range RowsAt(p.Numbers, nil, loc, Access{Role: numberdesk.RoleOwner}, d.Now()) {
		rows[r.Display] = r
	}
	if r := rows["040 7788990"]; r.Selectable || !germanDate.MatchString(r.ActivatableFrom) {
		t.Errorf("040 7788990: selectable %v, from %q", r.Selectable, r.ActivatableFrom)
	}
	if r := rows["030 4455667"]; !r.Selectable || r.ActivatableFrom != "" {
		t.Errorf("030 4455667 (porting date passed): selectable %v, from %q", r.Selectable, r.ActivatableFrom)
	}
	// After the porting date it can be activated.
	later := d.Now().Add(60 * 24 * time.Hour)
	for _, r := range RowsAt(p.Numbers, nil, loc, Access{Role: numberdesk.RoleOwner}, later) {
		if r.Display == "040 7788990" && (!r.Selectable || r.ActivatableFrom != "") {
			t.Errorf("after the porting date: %+v", r)
		}
	}
}

func TestEmployeeFormChecksEveryField(t *testing.T) {
	pagesLangFn = func() string { return "de" }
	t.Cleanup(func() { pagesLangFn = func() string { return string(i18n.Current()) } })

	fe := (&employeeForm{}).validate()
	if got := strings.Join(fe.Fields(), ","); got != "first_name,last_name,email" {
		t.Errorf("empty form: errors on %s", got)
	}
	fe = (&employeeForm{FirstName: "Tom", LastName: "Neu", Email: "kaputt"}).validate()
	if fe.Len() != 1 || !fe.On("email") || fe.Message() != "Die E-Mail-Adresse ist ungültig." {
		t.Errorf("bad e-mail: %v %q", fe.Fields(), fe.Message())
	}
	if fe := (&employeeForm{FirstName: strings.Repeat("x", 101), LastName: "Neu", Email: "tom@muster.example"}).validate(); !fe.On("first_name") || fe.Len() != 1 {
		t.Errorf("long first name: %v", fe.Fields())
	}
	if fe := (&employeeForm{FirstName: " Tom ", LastName: "Neu", Email: "tom.neu@muster.example"}).validate(); fe.Any() {
		t.Errorf("a good form: %v", fe.Fields())
	}
}

func TestErrorSummary(t *testing.T) {
	i18n.SetLang(i18n.DE)
	fe := FieldErrors{}.With("first_name", "Bitte geben Sie den Vornamen ein.").With("", "Allgemein.").
		With("first_name", "zweite Meldung").With("email", "Die E-Mail-Adresse ist ungültig.")
	if got := strings.Join(fe.Fields(), ","); got != "first_name,,email" {
		t.Fatalf("fields %q", got)
	}
	html := app.HTMLString(fe.Summary("f", func(field string) string { return "in-" + field }))
	for _, want := range []string{`id="f-summary"`, `role="alert"`, `tabindex="-1"`, "Es gibt ein Problem",
		`href="#in-first_name"`, "Bitte geben Sie den Vornamen ein.", "Allgemein.", `href="#in-email"`} {
		if !strings.Contains(html, want) {
			t.Errorf("summary lacks %s:\n%s", want, html)
		}
	}
	if strings.Contains(html, "zweite Meldung") {
		t.Error("a field shows its second message")
	}
	if got := app.HTMLString(fe.For("f", "email")); !strings.Contains(got, `id="f-email-error"`) || !strings.Contains(got, "ungültig") {
		t.Errorf("For(email) = %s", got)
	}
	if got := app.HTMLString(fe.Top("f")); !strings.Contains(got, "Allgemein.") {
		t.Errorf("Top = %s", got)
	}
	if (FieldErrors{}).Summary("f", nil) != nil {
		t.Error("a summary without errors")
	}
}
