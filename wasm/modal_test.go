package wasm_test

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm"
)

// The modal frame names its title for assistive technology and has a
// labelled close button; a field error sits next to its field with role
// alert.
func TestModalShape(t *testing.T) {
	html := app.HTMLString(wasm.Modal("dlg-x", "Titel", []app.UI{app.P().Text("Inhalt")}, []app.UI{app.Button().ID("dlg-x-submit").Text("Speichern")}))
	for _, want := range []string{`<dialog`, `id="dlg-x"`, `aria-labelledby="dlg-x-title"`, `<h2 id="dlg-x-title">Titel</h2>`,
		`aria-label="Schließen"`, `Inhalt`, `id="dlg-x-submit"`} {
		require.True(t, strings.Contains(html, want), "modal lacks %s:\n%s", want, html)
	}
	require.NotContains(t, html, " open", "a modal opens with showModal, never with the open attribute")

	fe := wasm.NewFieldErrors(numberdesk.E(numberdesk.CodeInvalid, "op", "employee", "Bitte wählen Sie einen Mitarbeiter."), "employee")
	html = app.HTMLString(fe.For("dlg-x", "employee"))
	require.Contains(t, html, `id="dlg-x-employee-error"`)
	require.Contains(t, html, `role="alert"`)
	require.Contains(t, html, "Bitte wählen Sie einen Mitarbeiter.")
}

// Every action has its seed icon and a German label.
func TestActionIconsAndLabels(t *testing.T) {
	want := map[wasm.ActionKind]string{
		wasm.ActActivate: "Rufnummer aktivieren", wasm.ActDeactivate: "Rufnummer deaktivieren",
		wasm.ActWithdraw: "Deaktivierung zurücknehmen", wasm.ActEdit: "Rufnummer bearbeiten",
		wasm.ActSwap: "Rufnummer austauschen", wasm.ActAssign: "Mitarbeiter zuordnen",
		wasm.ActEfax: "Zugangsdaten E-Fax-App versenden",
	}
	require.Len(t, wasm.ActionKinds, len(want))
	for _, k := range wasm.ActionKinds {
		require.Equal(t, want[k], k.Label())
		svg := app.HTMLString(wasm.Icon(k.Icon()))
		require.Contains(t, svg, `aria-hidden="true"`)
		require.Regexp(t, `<(path|circle|rect)`, svg, "%s: an empty icon", k)
	}
}
