package wasm

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// icons are the inline SVG icons of the seed page (local, no icon font):
// blue circle activate, red circle deactivate, pencil edit, crossed arrows
// swap, person assign, browser window e-fax credentials; and those of the
// employees page: a closed and an open padlock (lock, unlock) and a bell
// (notifications). They draw with currentColor except the two circles,
// whose colour is their meaning.
var icons = map[string]string{
	"activate":   `<circle cx="12" cy="12" r="8" fill="#1565c0" stroke="#0d47a1" stroke-width="1.5"/>`,
	"deactivate": `<circle cx="12" cy="12" r="8" fill="none" stroke="#c62828" stroke-width="3"/>`,
	"withdraw":   `<path d="M4 10h11a5 5 0 0 1 0 10H9M8 6 4 10l4 4" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`,
	"edit":       `<path d="M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>`,
	"swap":       `<path d="M4 7h12l-3-3M20 17H8l3 3M16 7l-3 3M8 17l3-3" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/><path d="M5 19 19 5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>`,
	"assign":     `<circle cx="12" cy="8" r="4" fill="none" stroke="currentColor" stroke-width="2"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>`,
	"efax":       `<rect x="3" y="4" width="18" height="16" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M3 9h18" stroke="currentColor" stroke-width="2"/><circle cx="6" cy="6.5" r=".8" fill="currentColor"/><circle cx="8.5" cy="6.5" r=".8" fill="currentColor"/>`,
	"close":      `<path d="M6 6l12 12M18 6 6 18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>`,
	"lock":       `<rect x="5" y="11" width="14" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2"/>`,
	"unlock":     `<rect x="5" y="11" width="14" height="10" rx="2" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 11V8a4 4 0 0 1 7.7-1.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>`,
	"bell":       `<path d="M6 17V11a6 6 0 0 1 12 0v6l2 2H4zM10 21h4" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`,
	"logo":       `<path d="M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z" fill="currentColor"/>`,
}

// Icon returns the inline SVG icon name, hidden from assistive technology
// (the button around it carries the label).
func Icon(name string) app.UI {
	return app.Raw(`<svg class="icon icon-` + name + `" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">` +
		icons[name] + `</svg>`)
}

// ActionLabel is the text of a row action next to or under its icon: the
// action's name (ActionKind.Label), which the button's accessible name
// ("Rufnummer aktivieren: 0221 123456-25") contains, so that speech input
// finds it by what it shows (WCAG 2.5.3). portal.css shows it on narrow
// screens, where the table is a list of cards; on wide screens the legend
// (ActionLegend) names the icons instead of a label in every row.
func ActionLabel(k ActionKind) app.UI {
	return app.Span().Class("act-label").Text(k.Label())
}

// ActionLegend is the visible legend of the row actions' icons, "Symbole:"
// followed by each icon with its name, for the actions in kinds (those the
// rows of the page show; in ActionKinds order); nothing when there are
// none. Touch screens have no tooltips, so the icons need it.
func ActionLegend(kinds []ActionKind) app.UI {
	if len(kinds) == 0 {
		return app.P().ID("action-legend").Class("action-legend").Hidden(true)
	}
	return app.P().ID("action-legend").Class("action-legend").Body(
		app.Span().Class("action-legend-title").Text(i18n.T("legend.title")),
		app.Range(kinds).Slice(func(i int) app.UI {
			k := kinds[i]
			return app.Span().Class("legend-item").DataSet("action", string(k)).Body(Icon(k.Icon()), app.Span().Text(k.Label()))
		}),
	)
}

// legendKinds returns the actions that the rows show, in ActionKinds order.
func legendKinds(rows []Row) []ActionKind {
	shown := map[ActionKind]bool{}
	for _, r := range rows {
		for _, k := range r.Actions {
			shown[k] = true
		}
	}
	var out []ActionKind
	for _, k := range ActionKinds {
		if shown[k] {
			out = append(out, k)
		}
	}
	return out
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"legend.title": {DE: "Symbole:", EN: "Icons:"},
	})
}
