package e2e

// "Zugangsdaten E-Fax-App versenden" on the served portal: the recipients by
// the eligibility rules (a personal fax number's holder only and fixed; the
// members of a shared one to pick), "Zugangsdaten an Mitarbeiter
// versenden", the confirmation, sending again (rotation) and the state after
// a reload. The seed: 17 is Lena Fax's personal fax number, 18 the shared
// fax number of Max Muster and Erika Beispiel.

import (
	"strings"
	"testing"
)

func TestEfaxPersonal(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	const lena = "#dlg-efax input[type=checkbox]"
	click(t, ctx, action("0221 123456-17", "efax"))
	waitVisible(t, ctx, "#dlg-efax-submit")
	if got := text(t, ctx, "#dlg-efax-submit"); got != "Zugangsdaten an Mitarbeiter versenden" {
		t.Errorf("button = %q", got)
	}
	if n := count(t, ctx, lena); n != 1 {
		t.Fatalf("%d recipients offered for a personal fax number, want its holder only", n)
	}
	if !eval[bool](t, ctx, `(() => { const b = document.querySelector("#dlg-efax input[type=checkbox]"); return b.checked && b.disabled; })()`) {
		t.Error("the holder of a personal fax number must be chosen and fixed")
	}
	waitText(t, ctx, "#dlg-efax", "Lena Fax")
	waitText(t, ctx, "#dlg-efax", "bekommt nur er die Zugangsdaten")
	dialogShot(t, ctx, "efax-dialog", 1280)
	submitDialog(t, ctx, "dlg-efax", "Die Zugangsdaten wurden an Lena Fax versendet.")

	// Sending again rotates: the confirmation says the old password is gone.
	click(t, ctx, action("0221 123456-17", "efax"))
	waitText(t, ctx, "#dlg-efax", "zuletzt versendet am")
	click(t, ctx, "#dlg-efax-submit")
	waitText(t, ctx, "#dlg-efax-confirmation", "Das bisherige Passwort von Lena Fax gilt nicht mehr.")
	closeDialog(t, ctx, "dlg-efax")

	reload(t, ctx)
	waitOverview(t, ctx, seedTotal)
	click(t, ctx, action("0221 123456-17", "efax"))
	waitText(t, ctx, "#dlg-efax", "zuletzt versendet am")
}

func TestEfaxShared(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)

	click(t, ctx, action("0221 123456-18", "efax"))
	waitVisible(t, ctx, "#dlg-efax-submit")
	if n := count(t, ctx, "#dlg-efax input[type=checkbox]:not([disabled])"); n != 2 {
		t.Errorf("%d members to pick, want 2", n)
	}
	if !eval[bool](t, ctx, `document.querySelector("#dlg-efax-submit").disabled`) {
		t.Error("nobody is chosen yet: the button must be disabled")
	}
	var maxBox string
	for _, id := range eval[[]string](t, ctx, `[...document.querySelectorAll("#dlg-efax input[type=checkbox]")].map(b => b.id)`) {
		if strings.Contains(text(t, ctx, "label[for='"+id+"']"), "Max Muster") {
			maxBox = "#" + id
		}
	}
	if maxBox == "" {
		t.Fatal("Max Muster is not offered")
	}
	click(t, ctx, maxBox)
	poll(t, ctx, `!document.querySelector("#dlg-efax-submit").disabled`, "the button enabled")
	submitDialog(t, ctx, "dlg-efax", "Die Zugangsdaten wurden an Max Muster versendet.")
}
