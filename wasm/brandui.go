package wasm

import (
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// The brand the UI shows (package brand): in the browser the one the server
// passes in EnvBrand (brand.Default without one: the browser-only demo);
// in the server's prerendering the one SetBrand gave.
var (
	brandMu     sync.Mutex
	brandServer *brand.Brand
	brandClient *brand.Brand
)

// SetBrand sets the brand of the pages the server prerenders (the server
// process serves one brand; nil is brand.Default). The browser reads its
// brand from EnvBrand instead.
func SetBrand(b *brand.Brand) {
	brandMu.Lock()
	defer brandMu.Unlock()
	brandServer = b
}

// Brand returns the brand the UI shows. Callers must not change it.
func Brand() *brand.Brand {
	brandMu.Lock()
	defer brandMu.Unlock()
	if app.IsServer {
		if brandServer == nil {
			return brand.Default()
		}
		return brandServer
	}
	if brandClient == nil {
		brandClient = brand.FromClient(app.Getenv(EnvBrand))
	}
	return brandClient
}

// demoConfig is the browser-only demo's configuration: its SDK records
// the brand's consent wording, the one on the activation button.
func demoConfig() demo.Config { return demo.Config{ConsentLabel: Brand().Consent} }

// brandText is t in the UI's current language.
func brandText(t brand.Text) string { return t.In(string(i18n.Current())) }

// brandMark is the header's brand: the logo (the brand's image, or
// NumberDesk's telephone icon in the primary colour) and the product name.
func brandMark() app.UI {
	b := Brand()
	logo := app.UI(app.Span().Class("logo").Attr("aria-hidden", "true").Body(Icon("logo")))
	if b.Logo.URL != "" {
		img := app.Img().ID("brand-logo").Class("brand-logo").Src(b.Logo.URL).Alt(b.Logo.Alt).Height(28)
		if b.Logo.Alt == "" {
			img = img.Attr("aria-hidden", "true")
		}
		logo = img
	}
	return app.Div().Class("brand").Body(logo, app.Span().ID("brand-name").Text(b.Product))
}

// hotlineLink is the brand's hotline as a tel: link, or nil.
func hotlineLink(id string) app.UI {
	h := Brand().Hotline
	if h.Display == "" {
		return nil
	}
	return app.A().ID(id).Class("hotline").Href("tel:" + h.Tel).Text(h.Display)
}

// externalLink opens a vendor's page in a new window.
func externalLink(id, href, text string) app.UI {
	return app.A().ID(id).Href(href).Target("_blank").Rel("noopener").Text(text)
}

// siteFooter is the help and legal area under every page: the hotline,
// the help and its chapter "Rufnummern bearbeiten", and the legal links,
// each only if the brand has it; nothing for a brand without any
// (NumberDesk's own).
func siteFooter() app.UI {
	b := Brand()
	var help, legal []app.UI
	if hl := hotlineLink("footer-hotline"); hl != nil {
		line := []app.UI{app.Text(i18n.T("brand.hotline") + " "), hl}
		if hours := brandText(b.Hotline.Hours); hours != "" {
			line = append(line, app.Text(" ("+hours+")"))
		}
		help = append(help, app.Li().Body(line...))
	}
	if u := brandText(b.Help.URL); u != "" {
		help = append(help, app.Li().Body(externalLink("footer-help", u, i18n.T("brand.help"))))
	}
	if u := brandText(b.Help.EditNumbers); u != "" {
		help = append(help, app.Li().Body(externalLink("footer-help-edit", u, i18n.T("brand.edit_numbers"))))
	}
	for _, l := range []struct {
		id  string
		url brand.Text
		key i18n.Key
	}{
		{"legal-imprint", b.Legal.Imprint, "brand.imprint"},
		{"legal-privacy", b.Legal.Privacy, "brand.privacy"},
		{"legal-terms", b.Legal.Terms, "brand.terms"},
	} {
		if u := brandText(l.url); u != "" {
			legal = append(legal, app.Li().Body(externalLink(l.id, u, i18n.T(l.key))))
		}
	}
	if len(help) == 0 && len(legal) == 0 {
		return nil
	}
	return app.Footer().ID("site-footer").Class("site-footer").Body(
		app.If(len(help) > 0, func() app.UI {
			return app.Nav().Class("footer-help").Attr("aria-label", i18n.T("brand.help_title")).Body(app.Ul().Body(help...))
		}),
		app.If(len(legal) > 0, func() app.UI {
			return app.Nav().Class("footer-legal").Attr("aria-label", i18n.T("brand.legal_title")).Body(app.Ul().Body(legal...))
		}),
	)
}

// dialogHelp is the help hint at the end of a dialog's body: in the edit
// dialog the seed's pointer to the help chapter "Rufnummern bearbeiten",
// and in every dialog the vendor's hotline; nil for a brand without them.
func dialogHelp(id string) app.UI {
	b := Brand()
	var parts []app.UI
	if u := brandText(b.Help.EditNumbers); u != "" && id == editDialogID {
		before, after := splitAround(i18n.T("brand.edit_hint"), "{1}")
		parts = append(parts, app.Text(before), externalLink(id+"-help-edit", u, i18n.T("brand.edit_numbers")), app.Text(after+" "))
	}
	if hl := hotlineLink(id + "-hotline"); hl != nil {
		before, after := splitAround(i18n.T("brand.hotline_hint"), "{1}")
		parts = append(parts, app.Text(before), hl, app.Text(after))
	}
	if len(parts) == 0 {
		return nil
	}
	return app.P().ID(id + "-help").Class("hint dialog-help").Body(parts...)
}

// splitAround splits s at the first sep: the text before and after it.
func splitAround(s, sep string) (string, string) {
	before, after, _ := strings.Cut(s, sep)
	return before, after
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"brand.hotline":      {DE: "Hotline:", EN: "Hotline:"},
		"brand.help":         {DE: "Hilfe", EN: "Help"},
		"brand.edit_numbers": {DE: "Rufnummern bearbeiten", EN: "Editing numbers"},
		"brand.imprint":      {DE: "Impressum", EN: "Legal notice"},
		"brand.privacy":      {DE: "Datenschutz", EN: "Privacy"},
		"brand.terms":        {DE: "AGB", EN: "Terms and conditions"},
		"brand.help_title":   {DE: "Hilfe und Kontakt", EN: "Help and contact"},
		"brand.legal_title":  {DE: "Rechtliches", EN: "Legal"},
		// The seed page: "Noch detailliertere Hinweise zur Bearbeitung
		// einer Rufnummer bekommen Sie unter "Rufnummern bearbeiten"."
		"brand.edit_hint":    {DE: "Noch detailliertere Hinweise zur Bearbeitung einer Rufnummer bekommen Sie unter „{1}“.", EN: "More detailed help on editing a number: “{1}”."},
		"brand.hotline_hint": {DE: "Fragen? Unsere Hotline: {1}", EN: "Questions? Our hotline: {1}"},
	})
}
