package wasm

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// staffOf returns n employees "Vorname<i> Nachname<i>", every tenth locked.
func staffOf(n int) []*staff.Employee {
	es := make([]*staff.Employee, n)
	for i := range es {
		es[i] = &staff.Employee{ID: numberdesk.StaffID(fmt.Sprintf("id-%04d", i)), FirstName: fmt.Sprintf("Vorname%04d", i),
			LastName: fmt.Sprintf("Nachname%04d", i), Email: fmt.Sprintf("person%04d@firma.example", i), Locked: i%10 == 9}
	}
	return es
}

// The model of the employee picker: at 1,000 employees it offers at most
// pickerLimit and says how many more match; it finds by name or e-mail
// address, case-insensitive, every word anywhere.
func TestEmployeePickerFilter(t *testing.T) {
	src := employeeSource(staffOf(1000))
	all, more := src(app.Context{}, "")
	if len(all) != pickerLimit || more != 1000-pickerLimit {
		t.Fatalf("empty query: %d shown, %d more", len(all), more)
	}
	for q, want := range map[string][]string{
		"nachname0042":              {"id-0042"},
		"NACHNAME0042":              {"id-0042"},
		"person0042@":               {"id-0042"},
		"vorname0042 nachname0042":  {"id-0042"},
		"nachname0042 vorname0042":  {"id-0042"},
		"vorname0042 nachname0043":  nil,
		"firma.example nachname099": {"id-0990", "id-0991", "id-0992", "id-0993", "id-0994", "id-0995", "id-0996", "id-0997", "id-0998", "id-0999"},
		"niemand":                   nil,
	} {
		got, more := src(app.Context{}, q)
		var ids []string
		for _, o := range got {
			ids = append(ids, o.Value)
		}
		if !slices.Equal(ids, want) || more != 0 {
			t.Errorf("%q: %v (+%d), want %v", q, ids, more, want)
		}
	}
	// "nachname00" matches 100: 50 shown, 50 more.
	got, more := src(app.Context{}, "nachname00")
	if len(got) != pickerLimit || more != 50 {
		t.Errorf("nachname00: %d shown, %d more", len(got), more)
	}
	// A locked employee is shown, not choosable.
	got, _ = src(app.Context{}, "nachname0009")
	if len(got) != 1 || !got[0].Disabled {
		t.Errorf("locked employee: %+v", got)
	}
}

func TestPickerChooseAndRemove(t *testing.T) {
	changes := 0
	p := &picker{ID: "x", Multi: true, OnChange: func(app.Context) { changes++ }}
	a, b := pickOption{Value: "a", Label: "A"}, pickOption{Value: "b", Label: "B"}
	p.choose(app.Context{}, a)
	p.choose(app.Context{}, b)
	p.choose(app.Context{}, pickOption{Value: "c", Disabled: true})
	if got := p.Values(); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("multi: %v", got)
	}
	p.choose(app.Context{}, a) // toggles off
	p.remove(app.Context{}, "b")
	p.remove(app.Context{}, "nope")
	if len(p.Values()) != 0 || changes != 4 {
		t.Fatalf("after removal: %v, %d changes", p.Values(), changes)
	}

	s := &picker{ID: "y", open: true}
	s.choose(app.Context{}, a)
	s.choose(app.Context{}, b)
	if s.Value() != "b" || s.text != "B" || s.open {
		t.Fatalf("single: %q %q open=%v", s.Value(), s.text, s.open)
	}
	s.Preset(a)
	if s.Value() != "a" || s.text != "A" {
		t.Fatalf("preset: %q %q", s.Value(), s.text)
	}
}

// A search source that finds more than pickerLimit is cut to it.
func TestPickerShowsAtMostTheLimit(t *testing.T) {
	p := &picker{ID: "z", Source: func(_ app.Context, q string) ([]pickOption, int) {
		out := make([]pickOption, 120)
		for i := range out {
			out[i] = pickOption{Value: fmt.Sprint(i)}
		}
		return out, 7
	}}
	p.search(app.Context{})
	if len(p.shown) != pickerLimit || p.more != 120-pickerLimit+7 || p.active != 0 {
		t.Fatalf("shown %d, more %d, active %d", len(p.shown), p.more, p.active)
	}
}

func TestNumberQueries(t *testing.T) {
	type nq = numberQuery
	for q, want := range map[string][]nq{
		"":              {{limit: pickerLimit}},
		"  ":            {{limit: pickerLimit}},
		"0042":          {{Search: "0042", limit: pickerLimit}, {Search: "+0042", Contains: true, ext: "0042", limit: 4 * pickerLimit}},
		"42":            {{Search: "42", limit: pickerLimit}, {Search: "+42", Contains: true, ext: "42", limit: 4 * pickerLimit}},
		"0221 12":       {{Search: "0221 12", limit: pickerLimit}}, // the start of the national form
		"+49 221":       {{Search: "+49 221", limit: pickerLimit}},
		"089 5550-0042": {{Search: "089 5550-0042", limit: pickerLimit}},
		"012345":        {{Search: "012345", limit: pickerLimit}}, // six digits: a prefix only
		"Max":           nil,                                      // no digits: no number
	} {
		if got := numberQueries(q); !slices.Equal(got, want) {
			t.Errorf("numberQueries(%q) = %+v, want %+v", q, got, want)
		}
	}
}

// An empty choice gets the portal's own message for a dropdown, not the
// SDK's "Bitte füllen Sie dieses Feld aus." for a text field.
func TestRequireChoice(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	i18n.SetLang(i18n.DE)
	if err := requireChoice("op", "new", "x"); err != nil {
		t.Fatal(err)
	}
	err := requireChoice("op", "new", "")
	if numberdesk.ErrorField(err) != "new" || numberdesk.ErrorCode(err) != numberdesk.CodeInvalid ||
		numberdesk.ErrorMessage(err) != "Bitte wählen Sie einen Eintrag aus." {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(i18n.Error(err), "füllen") {
		t.Fatalf("text-field message: %q", i18n.Error(err))
	}
}
