package wasm

// Searchable pickers for long lists: the number to swap and its
// replacement, the employee of an assignment, the numbers of a new
// employee. A native <select> with 1,000 entries (and a list of 993
// checkboxes) cannot be searched; at 10,000 numbers it was also cut off.
//
// A picker is the ARIA 1.2 combobox pattern: a text input (role combobox,
// aria-expanded, aria-controls, aria-activedescendant) and a listbox of at
// most pickerLimit options, with "n weitere – Suche verfeinern" below when
// more match. Keyboard: ↓/↑ move through the options (↓ opens the list),
// Enter chooses, Esc closes the list (and only the list, not the dialog).
// A multi-select shows the chosen entries as chips with a remove button.
//
// The options come from a source: numbers from the SDK's overview search
// (numbers.Query.Search: prefix of the national or E.164 form, or the
// extension), so that server mode never pulls all numbers into the
// browser; employees from the list the dialog has, filtered in the model
// (filterOptions). A short list (pickerLimit or fewer entries) stays a
// plain <select> or checkboxes: nothing to search there.

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// pickerLimit is the most options a picker renders at once, and the
// longest list that stays a plain <select>.
const pickerLimit = 50

// pickOption is one entry of a picker.
type pickOption struct {
	Value    string
	Label    string
	Disabled bool   // shown, but not choosable (a locked employee)
	search   string // the lower-case text filterOptions matches
}

// pickSource returns the options matching the query q (at most
// pickerLimit) and how many more match.
type pickSource func(ctx app.Context, q string) (opts []pickOption, more int)

// picker is the state of one combobox; the component that shows it holds
// it (so that it survives re-renders) and renders it with render.
type picker struct {
	// ID is the input's element ID; the listbox is ID-list, option i
	// ID-opt-i.
	ID string
	// Multi makes it a multi-select with chips.
	Multi bool
	// Hint is the placeholder and the description of the input.
	Hint string
	// Source finds the options; OnChange runs after a choice or removal.
	Source   pickSource
	OnChange func(ctx app.Context)

	text   string // what the input shows
	open   bool
	active int // index into shown; -1: none
	shown  []pickOption
	more   int
	chosen []pickOption
	loaded bool // shown holds the result for text
}

// Values returns the values chosen, in the order chosen.
func (p *picker) Values() []string {
	out := make([]string, len(p.chosen))
	for i, o := range p.chosen {
		out[i] = o.Value
	}
	return out
}

// Value returns the value chosen ("" for none); for a single picker.
func (p *picker) Value() string {
	if len(p.chosen) == 0 {
		return ""
	}
	return p.chosen[0].Value
}

// Preset chooses o without running OnChange (the preselected entry).
func (p *picker) Preset(o pickOption) {
	p.chosen = []pickOption{o}
	if !p.Multi {
		p.text = o.Label
	}
}

func (p *picker) search(ctx app.Context) {
	q := p.text
	if !p.Multi && len(p.chosen) > 0 && q == p.chosen[0].Label {
		q = "" // the input shows the choice: offer everything
	}
	p.shown, p.more = nil, 0
	if p.Source != nil {
		p.shown, p.more = p.Source(ctx, strings.TrimSpace(q))
	}
	if len(p.shown) > pickerLimit {
		p.more += len(p.shown) - pickerLimit
		p.shown = p.shown[:pickerLimit]
	}
	p.active = -1
	if len(p.shown) > 0 {
		p.active = 0
	}
	p.loaded = true
}

// choose takes option o: a single picker closes and shows it, a
// multi-select toggles its chip and stays open.
func (p *picker) choose(ctx app.Context, o pickOption) {
	if o.Disabled {
		return
	}
	if p.Multi {
		if i := slices.IndexFunc(p.chosen, func(c pickOption) bool { return c.Value == o.Value }); i >= 0 {
			p.chosen = removeAt(p.chosen, i)
		} else {
			p.chosen = append(p.chosen, o)
		}
	} else {
		p.chosen = []pickOption{o}
		p.text = o.Label
		p.open = false
	}
	if p.OnChange != nil {
		p.OnChange(ctx)
	}
}

// remove drops the chip of value v.
func (p *picker) remove(ctx app.Context, v string) {
	if i := slices.IndexFunc(p.chosen, func(c pickOption) bool { return c.Value == v }); i >= 0 {
		p.chosen = removeAt(p.chosen, i)
		if p.OnChange != nil {
			p.OnChange(ctx)
		}
	}
}

func (p *picker) isChosen(v string) bool {
	return slices.ContainsFunc(p.chosen, func(c pickOption) bool { return c.Value == v })
}

func (p *picker) onInput(ctx app.Context, e app.Event) {
	p.text = ctx.JSSrc().Get("value").String()
	if !p.Multi && len(p.chosen) > 0 {
		p.chosen = nil // typing replaces the choice
		if p.OnChange != nil {
			p.OnChange(ctx)
		}
	}
	p.open = true
	p.search(ctx)
}

func (p *picker) onFocus(ctx app.Context, e app.Event) {
	if !p.loaded {
		p.search(ctx)
	}
}

func (p *picker) onKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "ArrowDown":
		e.PreventDefault()
		if !p.open {
			p.open = true
			p.search(ctx)
			return
		}
		if p.active < len(p.shown)-1 {
			p.active++
		}
	case "ArrowUp":
		e.PreventDefault()
		if p.active > 0 {
			p.active--
		}
	case "Enter":
		if p.open {
			e.PreventDefault() // not the form's submit
			if p.active >= 0 && p.active < len(p.shown) {
				p.choose(ctx, p.shown[p.active])
			}
		}
	case "Escape":
		if p.open {
			e.PreventDefault() // the list closes, the dialog stays
			e.Call("stopPropagation")
			p.open = false
		}
	default:
		ctx.PreventUpdate()
	}
}

func (p *picker) optionID(i int) string { return p.ID + "-opt-" + strconv.Itoa(i) }

// render draws the picker with its label and the error of field in form
// formID (fe).
func (p *picker) render(label, formID, field string, fe FieldErrors) app.UI {
	list := p.ID + "-list"
	status := p.ID + "-status"
	in := app.Input().ID(p.ID).Type("text").Class("picker-input").Value(p.text).
		Attr("role", "combobox").Attr("aria-autocomplete", "list").Attr("aria-expanded", boolAttr(p.open)).
		Attr("aria-controls", list).Attr("autocomplete", "off").Attr("spellcheck", "false").
		Placeholder(p.Hint).Attr("aria-describedby", status+" "+ErrorID(formID, field)).
		Attr("aria-invalid", boolAttr(fe.On(field))).
		OnInput(p.onInput, app.EventScope(p.ID)).OnKeyDown(p.onKey, app.EventScope(p.ID)).
		OnFocus(p.onFocus, app.EventScope(p.ID)).
		OnBlur(func(ctx app.Context, e app.Event) { p.open = false }, app.EventScope(p.ID))
	if p.open && p.active >= 0 && p.active < len(p.shown) {
		in = in.Attr("aria-activedescendant", p.optionID(p.active))
	}
	var note string
	switch {
	case !p.open:
	case len(p.shown) == 0:
		note = i18n.T("picker.none")
	case p.more > 0:
		note = i18n.T("picker.more", FormatCount(p.more))
	default:
		note = i18n.T("picker.count", FormatCount(len(p.shown)))
	}
	return app.Div().Class("field picker").Body(
		app.Label().For(p.ID).Text(label),
		app.If(p.Multi, func() app.UI {
			return app.Ul().ID(p.ID+"-chips").Class("chips").Attr("aria-label", i18n.T("picker.chosen")).Body(
				app.Range(p.chosen).Slice(func(i int) app.UI {
					o := p.chosen[i]
					return app.Li().Class("chip").DataSet("value", o.Value).Body(
						app.Span().Text(o.Label),
						app.Button().Type("button").Class("chip-x").Attr("aria-label", i18n.T("picker.remove", o.Label)).
							Title(i18n.T("picker.remove", o.Label)).Text("×").
							OnClick(func(ctx app.Context, e app.Event) { p.remove(ctx, o.Value) }, app.EventScope(p.ID, o.Value)),
					)
				}))
		}),
		app.Div().Class("picker-box").Body(
			in,
			app.If(p.open, func() app.UI {
				ul := app.Ul().ID(list).Class("picker-list").Attr("role", "listbox").Attr("aria-label", label)
				if p.Multi {
					ul = ul.Attr("aria-multiselectable", "true")
				}
				return ul.Body(app.Range(p.shown).Slice(func(i int) app.UI {
					o := p.shown[i]
					class := "picker-option"
					if i == p.active {
						class += " active"
					}
					li := app.Li().ID(p.optionID(i)).Class(class).Attr("role", "option").DataSet("value", o.Value).
						Attr("aria-selected", boolAttr(p.isChosen(o.Value))).Text(o.Label).
						// mousedown, not click: the input keeps the focus
						// (no blur closes the list first).
						OnMouseDown(func(ctx app.Context, e app.Event) {
							e.PreventDefault()
							p.choose(ctx, o)
						}, app.EventScope(p.ID, o.Value))
					if o.Disabled {
						li = li.Attr("aria-disabled", "true")
					}
					return li
				}))
			}),
			app.P().ID(status).Class("picker-status hint").Attr("aria-live", "polite").Text(note),
		),
		fe.For(formID, field),
	)
}

// filterOptions returns the first limit options whose search text holds
// every word of q (case-insensitive, in any order), and how many more
// match. An empty q matches all.
func filterOptions(opts []pickOption, q string, limit int) ([]pickOption, int) {
	words := strings.Fields(strings.ToLower(q))
	var out []pickOption
	more := 0
	for _, o := range opts {
		ok := true
		for _, w := range words {
			if !strings.Contains(o.search, w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if len(out) < limit {
			out = append(out, o)
		} else {
			more++
		}
	}
	return out, more
}

// employeeOption is the option of an employee: "Max Muster
// (max.muster@muster.example)", found by name and e-mail address; a locked
// one is shown but not choosable.
func employeeOption(e *staff.Employee) pickOption {
	label := e.Name()
	if e.Email != "" {
		label += " (" + e.Email + ")"
	}
	if e.Locked {
		label += " " + i18n.T("assign.locked")
	}
	return pickOption{Value: string(e.ID), Label: label, Disabled: e.Locked,
		search: strings.ToLower(e.Name() + " " + e.Email)}
}

// employeeSource filters es in the model.
func employeeSource(es []*staff.Employee) pickSource {
	opts := make([]pickOption, len(es))
	for i, e := range es {
		opts[i] = employeeOption(e)
	}
	return func(_ app.Context, q string) ([]pickOption, int) { return filterOptions(opts, q, pickerLimit) }
}

// numberOption is the option of a number: "0221 123456-16 (inaktiv)".
func numberOption(n *numbers.Number) pickOption {
	return pickOption{Value: string(n.ID), Label: n.Display() + " (" + StatusLabel(n) + ")"}
}

// numberQuery is one overview search of a number picker: Search (with
// Contains), and for a digits-anywhere search the start of the extension
// that a result must have (ext).
type numberQuery struct {
	Search   string
	Contains bool
	ext      string
	limit    int
}

// numberQueries returns the overview searches for what a user typed into a
// number picker. The term itself (the SDK: the start of the number,
// national or E.164, or an extension of 1 to 5 digits). For 1 to 5 digits
// also the numbers whose extension starts with them: the SDK reads a
// leading 0 as the national prefix and matches extensions exactly, so
// "0042" (or "004" while typing) would find nothing; a digits-anywhere
// search ("+0042" keeps the zeros) filtered to the extension finds them. A
// term without digits matches no number: no query. The empty term lists
// the first numbers.
func numberQueries(q string) []numberQuery {
	q = strings.TrimSpace(q)
	if q == "" {
		return []numberQuery{{limit: pickerLimit}}
	}
	if phone.Digits(q) == "" {
		return nil
	}
	out := []numberQuery{{Search: q, limit: pickerLimit}}
	if allDigits(q) && len(q) <= 5 {
		out = append(out, numberQuery{Search: "+" + q, Contains: true, ext: q, limit: 4 * pickerLimit})
	}
	return out
}

// numberSource finds numbers with the SDK's overview search (base: the
// statuses and other filters; keep, if set, drops numbers after the
// search): at most pickerLimit, de-duplicated, in the order of
// numberQueries.
func numberSource(base numbers.Query, keep func(d API, n *numbers.Number) bool) pickSource {
	return func(ctx app.Context, q string) ([]pickOption, int) {
		var opts []pickOption
		more := 0
		seen := map[numberdesk.NumberID]bool{}
		_ = Read(ctx, func(c context.Context, d API) error {
			for _, nq := range numberQueries(q) {
				qq := base
				qq.Search, qq.Contains, qq.Limit = nq.Search, nq.Contains, nq.limit
				page, err := d.Overview(c, qq)
				if err != nil {
					continue // a term the SDK refuses matches nothing
				}
				if page.Total > len(page.Numbers) || page.TotalIsLowerBound {
					more += max(page.Total-len(page.Numbers), 1)
				}
				for _, n := range page.Numbers {
					if seen[n.ID] || keep != nil && !keep(d, n) || nq.ext != "" && !strings.HasPrefix(n.Extension, nq.ext) {
						continue
					}
					seen[n.ID] = true
					opts = append(opts, numberOption(n))
				}
			}
			return nil
		})
		return opts, more
	}
}

// requireChoice is the portal's own error of an empty dropdown or picker
// ("Bitte wählen Sie einen Eintrag aus."), instead of the SDK's text for
// an empty text field.
func requireChoice(op, field, value string) error {
	if value != "" {
		return nil
	}
	return numberdesk.E(numberdesk.CodeInvalid, op, field, "%s", i18n.T("picker.required"))
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"picker.more":        {DE: "{1} weitere – Suche verfeinern", EN: "{1} more – refine the search"},
		"picker.none":        {DE: "Keine Treffer.", EN: "No matches."},
		"picker.count":       {DE: "{1} Treffer", EN: "{1} matches"},
		"picker.chosen":      {DE: "Ausgewählt", EN: "Chosen"},
		"picker.remove":      {DE: "{1} entfernen", EN: "Remove {1}"},
		"picker.required":    {DE: "Bitte wählen Sie einen Eintrag aus.", EN: "Please choose an entry."},
		"picker.hint.number": {DE: "Rufnummer, ihr Anfang oder Durchwahl eingeben", EN: "Type the number, its start or the extension"},
		"picker.hint.person": {DE: "Name oder E-Mail-Adresse eingeben", EN: "Type a name or e-mail address"},
	})
}

// assignableNumbers are the numbers a new employee can get (the SDK's
// search over them feeds the multi-select): not inactive, without holder.
var assignableNumbers = numbers.Query{Unassigned: true,
	Statuses: []numbers.Status{numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending}}

// checkable returns the numbers the create form offers as checkboxes: all
// free ones while they are few, none when the multi-select replaces them.
func (p *EmployeesPage) checkable() []*numbers.Number {
	if p.numPick != nil {
		return nil
	}
	return p.free
}
