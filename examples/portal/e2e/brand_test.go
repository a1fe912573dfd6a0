package e2e

// White label (package brand): the portal rendered with each example brand
// of examples/portal/brands (product name, logo, hotline, help and legal
// links, the consent wording of the paid activation, the colours), the
// portal without a brand as NumberDesk always looked, and the refusal of a
// brand with too little contrast at start-up.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/examples/portal/server"
	"github.com/numberdesk/numberdesk/numbers"
)

// brandsDir holds the example brands.
const brandsDir = "../brands"

// withBrand serves the portal with the brand b.
func withBrand(b *brand.Brand) portalOption {
	return func(c *server.Config) { c.Brand = b }
}

// loadBrand loads an example brand.
func loadBrand(t *testing.T, id string) *brand.Brand {
	t.Helper()
	b, err := brand.Load(filepath.Join(brandsDir, id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cssRGB is a hex colour as getComputedStyle writes it: "rgb(r, g, b)".
func cssRGB(t *testing.T, hex string) string {
	t.Helper()
	c, ok := brand.ParseColor(hex)
	if !ok {
		t.Fatalf("no colour: %q", hex)
	}
	return fmt.Sprintf("rgb(%d, %d, %d)", c.R, c.G, c.B)
}

// computed returns a computed style property of the first element matching
// sel.
func computed(t *testing.T, ctx context.Context, sel, prop string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector(%s)).getPropertyValue(%s)`, jsString(sel), jsString(prop)))
}

// openActivation opens the activation dialog of a new number and waits for
// its cost overview.
func openActivation(t *testing.T, ctx context.Context) {
	t.Helper()
	click(t, ctx, action("0221 123456-25", "activate"))
	waitVisible(t, ctx, "#dlg-activate #quote-table")
}

// Each example brand: its product name and logo in the header and the
// title, its hotline and help and legal links in the footer (the legal
// links in the language of the page), the hotline and the help chapter
// "Rufnummern bearbeiten" in the dialogs, its consent wording on the paid
// activation button, and its colours on the primary button and the focus
// ring. The screenshots of both brands come from here.
func TestBrands(t *testing.T) {
	for _, id := range []string{"netcologne", "nordwind"} {
		t.Run(id, func(t *testing.T) {
			b := loadBrand(t, id)
			p := startPortal(t, withBrand(b))
			ctx := newTab(t)
			openOverview(t, ctx, p)

			if got := text(t, ctx, "#brand-name"); got != b.Product {
				t.Errorf("header: product %q, want %q", got, b.Product)
			}
			waitJS(t, ctx, `(() => { const i = document.querySelector("#brand-logo"); return !!i && i.complete && i.naturalWidth > 0; })()`, "the brand's logo loaded")
			if got := attr(t, ctx, "#brand-logo", "src"); got != brand.LogoPath {
				t.Errorf("logo src %q, want %s", got, brand.LogoPath)
			}
			if exists(t, ctx, ".brand .icon-logo") {
				t.Error("the header shows NumberDesk's icon next to the brand's logo")
			}
			waitJS(t, ctx, fmt.Sprintf(`document.title.endsWith(%s)`, jsString(" – "+b.Product)), "the title names the product")

			if got := text(t, ctx, "#footer-hotline"); got != b.Hotline.Display {
				t.Errorf("footer hotline %q, want %q", got, b.Hotline.Display)
			}
			if got := attr(t, ctx, "#footer-hotline", "href"); got != "tel:"+b.Hotline.Tel {
				t.Errorf("hotline link %q, want tel:%s", got, b.Hotline.Tel)
			}
			for sel, want := range map[string]string{
				"#footer-help-edit": b.Help.EditNumbers.In("de"), "#footer-help": b.Help.URL.In("de"),
				"#legal-imprint": b.Legal.Imprint.In("de"), "#legal-privacy": b.Legal.Privacy.In("de"), "#legal-terms": b.Legal.Terms.In("de"),
			} {
				if got := attr(t, ctx, sel, "href"); got != want {
					t.Errorf("%s: href %q, want %q", sel, got, want)
				}
			}
			if got := text(t, ctx, "#footer-help-edit"); got != "Rufnummern bearbeiten" {
				t.Errorf("help chapter link %q", got)
			}
			// The colours reach the page through brand.css.
			if got := strings.TrimSpace(computed(t, ctx, "html", "--brand-focus")); got != b.Colors.Focus {
				t.Errorf("--brand-focus = %q, want %s", got, b.Colors.Focus)
			}
			shot(t, ctx, "brand-"+id+"-overview")

			openActivation(t, ctx)
			if got := text(t, ctx, "#dlg-activate-submit"); got != b.Consent {
				t.Errorf("activation button %q, want the brand's consent %q", got, b.Consent)
			}
			for prop, want := range map[string]string{"background-color": b.Colors.Primary, "color": b.Colors.OnPrimary} {
				if got := computed(t, ctx, "#dlg-activate-submit", prop); got != cssRGB(t, want) {
					t.Errorf("primary button %s = %s, want the brand's %s (%s)", prop, got, want, cssRGB(t, want))
				}
			}
			if got := text(t, ctx, "#dlg-activate-help"); !strings.Contains(got, b.Hotline.Display) {
				t.Errorf("the dialog's help hint %q lacks the hotline", got)
			}
			dialogShot(t, ctx, "brand-"+id+"-activation-dialog", 1280)
			viewport(t, ctx, 1280, 900)
			// The focus ring in the brand's colour: focus the cancel
			// button as the keyboard does.
			eval[bool](t, ctx, `(() => { document.querySelector("#dlg-activate-cancel").focus({focusVisible: true}); return true; })()`)
			if got := computed(t, ctx, "#dlg-activate-cancel", "outline-color"); got != cssRGB(t, b.Colors.Focus) {
				t.Errorf("focus ring %s, want the brand's %s", got, cssRGB(t, b.Colors.Focus))
			}
			// The demo's SDK records the brand's wording as the consent.
			click(t, ctx, "#dlg-activate-submit")
			waitText(t, ctx, "#dlg-activate-confirmation", "Die Rufnummer 0221 123456-25 haben Sie nun aktiviert.")
			closeDialog(t, ctx, "dlg-activate")

			// The seed's pointer to the help chapter in the edit dialog.
			click(t, ctx, action("0221 123456-10", "edit"))
			waitVisible(t, ctx, "#edit-dialog")
			if got := attr(t, ctx, "#edit-dialog-help-edit", "href"); got != b.Help.EditNumbers.In("de") {
				t.Errorf("edit dialog: help chapter %q, want %q", got, b.Help.EditNumbers.In("de"))
			}
			if got := text(t, ctx, "#edit-dialog-help"); !strings.Contains(got, "Noch detailliertere Hinweise zur Bearbeitung einer Rufnummer bekommen Sie unter „Rufnummern bearbeiten“.") {
				t.Errorf("edit dialog: help hint %q", got)
			}
			click(t, ctx, "#edit-dialog-x")
			waitGone(t, ctx, "#edit-dialog")

			open(t, ctx, p.URL+"/protokoll")
			waitText(t, ctx, "main", "„"+b.Consent+"“")

			// English: the English legal links where the brand has them.
			click(t, ctx, "#lang-en")
			waitText(t, ctx, "#legal-privacy", "Privacy")
			if got := attr(t, ctx, "#legal-privacy", "href"); got != b.Legal.Privacy.In("en") {
				t.Errorf("English privacy link %q, want %q", got, b.Legal.Privacy.In("en"))
			}
		})
	}
}

// Without a brand the portal is NumberDesk's as before: its name and
// telephone icon, the seed's consent wording, its blue, no footer and no
// help hint in the dialogs.
func TestBrandDefault(t *testing.T) {
	p := startPortal(t)
	ctx := newTab(t)
	openOverview(t, ctx, p)
	if got := text(t, ctx, "#brand-name"); got != "NumberDesk" {
		t.Errorf("header: %q", got)
	}
	if !exists(t, ctx, ".brand .logo .icon-logo") || exists(t, ctx, "#brand-logo") {
		t.Error("the header does not show NumberDesk's telephone icon alone")
	}
	if got := computed(t, ctx, ".brand .logo", "color"); got != "rgb(21, 101, 192)" {
		t.Errorf("the icon's colour %s, want NumberDesk's blue", got)
	}
	waitJS(t, ctx, `document.title.endsWith(" – NumberDesk")`, "the title names NumberDesk")
	if exists(t, ctx, "#site-footer") {
		t.Error("a footer without a brand")
	}
	openActivation(t, ctx)
	if got := text(t, ctx, "#dlg-activate-submit"); got != numbers.DefaultConsentLabel {
		t.Errorf("activation button %q", got)
	}
	if got := computed(t, ctx, "#dlg-activate-submit", "background-color"); got != "rgb(21, 101, 192)" {
		t.Errorf("primary button %s, want NumberDesk's #1565c0", got)
	}
	if exists(t, ctx, "#dlg-activate-help") {
		t.Error("a help hint without a brand")
	}
}

// A brand whose colours fail WCAG 2.2 AA stops the portal at start-up with
// the measured contrast; nothing is served.
func TestBrandRefusedAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the portal")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "pale.json")
	// White text on a light blue button: 2.66:1.
	if err := os.WriteFile(file, []byte(`{"id": "pale", "product": "Pale", "colors": {"primary": "#66a3e0"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "portal")
	if out, err := exec.Command("go", "build", "-o", bin, portalPkg).CombinedOutput(); err != nil {
		t.Fatalf("building the portal: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-brand", file, "-browser-only", "-addr", "127.0.0.1:0", "-web", webDir, "-wasm", wasmFileOrFake(t, dir))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the portal started with a low-contrast brand:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("portal: %v\n%s", err, out)
	}
	for _, want := range []string{"colors.on_primary", "2,66:1", "4,50:1", "WCAG 2.2 AA"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "http://") {
		t.Errorf("the portal announced an address:\n%s", out)
	}
}

// wasmFileOrFake is the client wasm of the package, or (without a browser,
// when TestMain built none) a stand-in: the brand is refused before the
// wasm is served.
func wasmFileOrFake(t *testing.T, dir string) string {
	t.Helper()
	if wasmFile != "" {
		return wasmFile
	}
	f := filepath.Join(dir, "app.wasm")
	if err := os.WriteFile(f, []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// A branded portal starts offline as it does online: the brand travels in
// the cached page script, and its stylesheet and logo are precached by the
// service worker.
func TestBrandOffline(t *testing.T) {
	b := loadBrand(t, "nordwind")
	p := startPortal(t, withBrand(b))
	ctx := newTab(t, allowException("Failed to fetch"), allowException("ERR_CONNECTION_REFUSED"))
	openOverview(t, ctx, p)
	waitOffline(t, ctx)
	p.Close()
	if _, err := httpGet(p.URL + "/"); err == nil {
		t.Fatal("the server still answers after Close")
	}
	reload(t, ctx)
	poll(t, ctx, `document.querySelector(`+jsString(overviewReady)+`)`, "the overview offline")
	if got := text(t, ctx, "#brand-name"); got != b.Product {
		t.Errorf("offline: product %q, want %q", got, b.Product)
	}
	waitJS(t, ctx, `(() => { const i = document.querySelector("#brand-logo"); return !!i && i.complete && i.naturalWidth > 0; })()`, "the brand's logo offline")
	if got := strings.TrimSpace(computed(t, ctx, "html", "--brand-primary")); got != b.Colors.Primary {
		t.Errorf("offline: --brand-primary = %q, want %s (brand.css from the cache)", got, b.Colors.Primary)
	}
	if got := text(t, ctx, "#footer-hotline"); got != b.Hotline.Display {
		t.Errorf("offline: hotline %q", got)
	}
}
