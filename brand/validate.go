package brand

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/numberdesk/numberdesk"
)

// Colors are the brand's colours as CSS hex colours ("#1565c0" or
// "#fff"). Each empty one takes Default's value; Theme takes Primary's.
type Colors struct {
	// Primary fills the primary buttons and pressed toggles, and colours
	// the default logo.
	Primary string `json:"primary,omitempty"`
	// PrimaryHover is the primary buttons' hover, and the colour of links
	// and of the current page in the navigation.
	PrimaryHover string `json:"primary_hover,omitempty"`
	// OnPrimary is the text and icons on Primary and PrimaryHover.
	OnPrimary string `json:"on_primary,omitempty"`
	// Accent tints the banner, notes and the current page's navigation
	// entry.
	Accent string `json:"accent,omitempty"`
	// AccentLine is the line under the banner.
	AccentLine string `json:"accent_line,omitempty"`
	// Focus is the focus ring.
	Focus string `json:"focus,omitempty"`
	// Border is the border of buttons and form controls.
	Border string `json:"border,omitempty"`
	// Background is the page.
	Background string `json:"background,omitempty"`
	// Surface is the cards, the header and the dialogs.
	Surface string `json:"surface,omitempty"`
	// Text is the text.
	Text string `json:"text,omitempty"`
	// Theme is the browser's theme colour (manifest theme_color); default
	// Primary.
	Theme string `json:"theme,omitempty"`
}

// DefaultColors are NumberDesk's colours, the defaults at the top of the
// portal's stylesheet (examples/portal/web/portal.css).
func DefaultColors() Colors {
	return Colors{
		Primary:      "#1565c0",
		PrimaryHover: "#0d47a1",
		OnPrimary:    "#ffffff",
		Accent:       "#e3f0fd",
		AccentLine:   "#90caf9",
		Focus:        "#c45500",
		Border:       "#818b95",
		Background:   "#f6f8fa",
		Surface:      "#ffffff",
		Text:         "#1b1f24",
		Theme:        "#0b5cad",
	}
}

func (c *Colors) fill(def Colors) {
	primary := c.Primary
	for _, p := range []struct {
		dst *string
		def string
	}{
		{&c.Primary, def.Primary}, {&c.PrimaryHover, def.PrimaryHover}, {&c.OnPrimary, def.OnPrimary},
		{&c.Accent, def.Accent}, {&c.AccentLine, def.AccentLine}, {&c.Focus, def.Focus},
		{&c.Border, def.Border}, {&c.Background, def.Background}, {&c.Surface, def.Surface},
		{&c.Text, def.Text},
	} {
		if *p.dst == "" {
			*p.dst = p.def
		}
	}
	if c.Theme == "" {
		// A brand's own primary colour is its theme; NumberDesk's theme
		// colour stays what the manifest always said.
		c.Theme = def.Theme
		if primary != "" {
			c.Theme = primary
		}
	}
}

// The contrast WCAG 2.2 AA asks for: text (1.4.3) and non-text
// (1.4.11: focus indicators, the borders that identify controls).
const (
	MinTextContrast    = 4.5
	MinNonTextContrast = 3.0
)

// RGB is a colour in sRGB, 8 bits per channel.
type RGB struct{ R, G, B uint8 }

// ParseColor reads a CSS hex colour: "#rgb" or "#rrggbb" (case-insensitive).
func ParseColor(s string) (RGB, bool) {
	h, ok := strings.CutPrefix(strings.TrimSpace(s), "#")
	if !ok {
		return RGB{}, false
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return RGB{}, false
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return RGB{}, false
	}
	return RGB{uint8(v >> 16), uint8(v >> 8), uint8(v)}, true
}

// String returns the colour as "#rrggbb".
func (c RGB) String() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Luminance is the colour's relative luminance as WCAG 2.2 defines it
// (0 black, 1 white): the channels linearised from sRGB (threshold
// 0.04045), weighted 0.2126, 0.7152, 0.0722.
func (c RGB) Luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Contrast is the contrast ratio of two colours, (L1 + 0.05) / (L2 + 0.05)
// with L1 the lighter one's luminance: from 1 (equal) to 21 (black on
// white). The order of a and b does not matter.
func Contrast(a, b RGB) float64 {
	la, lb := a.Luminance(), b.Luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// pair is one contrast requirement of Validate: the colour of field fg
// against the colour of field bg.
type pair struct {
	fg, bg string // JSON field names under "colors"
	min    float64
	what   string // German: what is seen on what
	whatEN string
}

// pairs are the requirements Validate checks, in this order; a refusal
// names the first colour (fg) as its Field.
var pairs = []pair{
	{"on_primary", "primary", MinTextContrast, "Text auf der Hauptfarbe (Schaltflächen)", "text on the primary colour (buttons)"},
	{"on_primary", "primary_hover", MinTextContrast, "Text auf der Hauptfarbe beim Überfahren", "text on the primary hover colour"},
	{"text", "background", MinTextContrast, "Text auf der Seite", "text on the page"},
	{"text", "surface", MinTextContrast, "Text auf Karten und Dialogen", "text on cards and dialogs"},
	{"text", "accent", MinTextContrast, "Text auf der Akzentfarbe", "text on the accent colour"},
	{"primary_hover", "surface", MinTextContrast, "Links auf Karten und Dialogen", "links on cards and dialogs"},
	{"primary_hover", "background", MinTextContrast, "Links auf der Seite", "links on the page"},
	{"primary_hover", "accent", MinTextContrast, "die aktuelle Seite in der Navigation", "the current page in the navigation"},
	{"primary", "surface", MinNonTextContrast, "Hauptfarbe (Schaltflächen, Logo) auf Karten", "the primary colour (buttons, logo) on cards"},
	{"focus", "background", MinNonTextContrast, "Fokusrahmen auf der Seite", "the focus ring on the page"},
	{"focus", "surface", MinNonTextContrast, "Fokusrahmen auf Karten und Dialogen", "the focus ring on cards and dialogs"},
	{"border", "background", MinNonTextContrast, "Rahmen von Schaltflächen und Eingabefeldern auf der Seite", "the borders of buttons and fields on the page"},
	{"border", "surface", MinNonTextContrast, "Rahmen von Schaltflächen und Eingabefeldern auf Karten", "the borders of buttons and fields on cards"},
}

// byField returns the colour of a JSON field name of Colors.
func (c Colors) byField(name string) string {
	switch name {
	case "primary":
		return c.Primary
	case "primary_hover":
		return c.PrimaryHover
	case "on_primary":
		return c.OnPrimary
	case "accent":
		return c.Accent
	case "accent_line":
		return c.AccentLine
	case "focus":
		return c.Focus
	case "border":
		return c.Border
	case "background":
		return c.Background
	case "surface":
		return c.Surface
	case "text":
		return c.Text
	case "theme":
		return c.Theme
	}
	return ""
}

var colorFields = []string{"primary", "primary_hover", "on_primary", "accent", "accent_line", "focus", "border", "background", "surface", "text", "theme"}

// Validate checks a filled brand (Parse, Load, Default, or Fill after
// building one in Go) and returns the first problem as a
// *numberdesk.Error with CodeInvalid and the Field at fault (e.g.
// "colors.focus", "hotline.tel", "legal.privacy"):
//
//   - every colour is a CSS hex colour;
//   - the contrasts of WCAG 2.2 AA: text on the primary colour, on the
//     page, on the cards and on the accent, and links, at least 4.5:1; the
//     primary colour on the cards, the focus ring and the borders of
//     controls against the page and the cards at least 3:1. The message
//     says the measured ratio and the one required, in German and English;
//   - the ID, the names and the consent wording are one line each, and
//     present;
//   - the hotline's tel: form is a number (digits, a leading "+");
//   - links are https:// or http:// URLs, or paths on the portal's origin;
//     the logo's URL is such a path, its SVG an <svg> image without script
//     of at most MaxLogo bytes;
//   - the mail's sender address looks like one.
func (b *Brand) Validate() error {
	const op = "brand.Validate"
	invalid := func(field, de, en string, args ...any) error {
		return numberdesk.E(numberdesk.CodeInvalid, op, field, "%s / %s", fmt.Sprintf(de, args...), fmt.Sprintf(en, args...))
	}
	if !validID(b.ID) {
		return invalid("id", "Die Kennung %q der Marke besteht nicht nur aus Kleinbuchstaben, Ziffern und „-“ (höchstens 40 Zeichen).",
			"The brand's id %q is not made of lower-case letters, digits and \"-\" (at most 40 characters).", b.ID)
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{
		{"product", b.Product, 60}, {"name", b.Name, 100}, {"short_name", b.ShortName, 30},
		{"description", b.Description, 300}, {"consent", b.Consent, 120},
		{"mail.from_name", b.Mail.FromName, 100}, {"mail.signature", b.Mail.Signature, 300},
	} {
		if !oneLine(f.value) || f.value == "" || len([]rune(f.value)) > f.max {
			return invalid(f.field, "Das Feld %s muss eine Zeile Text sein (1 bis %d Zeichen).", "The field %s must be one line of text (1 to %d characters).", f.field, f.max)
		}
	}
	if !oneLine(b.Mail.SubjectPrefix) || len(b.Mail.SubjectPrefix) > 60 {
		return invalid("mail.subject_prefix", "Das Präfix des Betreffs muss eine kurze Zeile sein.", "The subject prefix must be one short line.")
	}
	if len(b.Mail.DeactivationIntro) > 2000 {
		return invalid("mail.deactivation_intro", "Der Einleitungstext ist zu lang (höchstens 2000 Zeichen).", "The introduction is too long (at most 2000 characters).")
	}
	if b.Mail.From != "" && !looksLikeAddress(b.Mail.From) {
		return invalid("mail.from", "Die Absenderadresse %q ist keine E-Mail-Adresse.", "The sender address %q is no e-mail address.", b.Mail.From)
	}

	colors := map[string]RGB{}
	for _, f := range colorFields {
		v := b.Colors.byField(f)
		c, ok := ParseColor(v)
		if !ok {
			return invalid("colors."+f, "Die Farbe %s (%q) ist keine CSS-Hex-Farbe wie #1565c0.", "The colour %s (%q) is no CSS hex colour like #1565c0.", f, v)
		}
		colors[f] = c
	}
	for _, p := range pairs {
		fg, bg := colors[p.fg], colors[p.bg]
		if r := Contrast(fg, bg); r < p.min {
			// Each half of the message with its own decimal mark.
			return numberdesk.E(numberdesk.CodeInvalid, op, "colors."+p.fg, "%s / %s",
				fmt.Sprintf("Zu wenig Kontrast für %s: %s auf %s hat %s:1, WCAG 2.2 AA verlangt mindestens %s:1 (colors.%s auf colors.%s).",
					p.what, fg, bg, ratio(r, ","), ratio(p.min, ","), p.fg, p.bg),
				fmt.Sprintf("Too little contrast for %s: %s on %s is %s:1, WCAG 2.2 AA requires at least %s:1 (colors.%s on colors.%s).",
					p.whatEN, fg, bg, ratio(r, "."), ratio(p.min, "."), p.fg, p.bg))
		}
	}
	if h := b.Hotline; h.Display != "" || h.Tel != "" {
		if !oneLine(h.Display) || h.Display == "" || len(h.Display) > 40 {
			return invalid("hotline.display", "Die Hotline braucht eine Anzeigeform wie „0800 2222 550“.", "The hotline needs a display form like \"0800 2222 550\".")
		}
		if !validTel(h.Tel) {
			return invalid("hotline.tel", "Die Hotline %q ist keine wählbare Rufnummer (Ziffern, am Anfang ein „+“ erlaubt).", "The hotline %q is no dialable number (digits, a leading \"+\").", h.Tel)
		}
	}
	for _, l := range []struct {
		field string
		text  Text
	}{
		{"help.url", b.Help.URL}, {"help.edit_numbers", b.Help.EditNumbers},
		{"legal.imprint", b.Legal.Imprint}, {"legal.privacy", b.Legal.Privacy}, {"legal.terms", b.Legal.Terms},
	} {
		for _, u := range []string{l.text.DE, l.text.EN} {
			if u != "" && !validLink(u) {
				return invalid(l.field, "Der Link %q ist keine https://- oder http://-Adresse und kein Pfad des Portals.", "The link %q is no https:// or http:// URL and no path of the portal.", u)
			}
		}
	}
	if u := b.Logo.URL; u != "" && !validPath(u) {
		return invalid("logo.url", "Das Logo %q muss ein Pfad des Portals sein (wie /web/logo.svg): die Sicherheitsrichtlinie lädt Bilder nur von dort.", "The logo %q must be a path of the portal (like /web/logo.svg): the security policy loads images from there only.", u)
	}
	if b.Logo.SVG != "" {
		if err := checkSVG(b.Logo.SVG); err != "" {
			return invalid("logo.svg", "Das Logo ist kein gültiges SVG-Bild: %s.", "The logo is no valid SVG image: %s.", err)
		}
	}
	if !oneLine(b.Logo.Alt) {
		return invalid("logo.alt", "Der Alternativtext des Logos muss eine Zeile sein.", "The logo's alternative text must be one line.")
	}
	return nil
}

// ratio formats a contrast ratio with two decimals, truncated (so that
// 4.499 never reads "4,50" next to a refusal), with the decimal mark sep.
func ratio(r float64, sep string) string {
	s := strconv.FormatFloat(math.Floor(r*100)/100, 'f', 2, 64)
	return strings.Replace(s, ".", sep, 1)
}

func validID(s string) bool {
	if s == "" || len(s) > 40 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func oneLine(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return false
		}
	}
	return true
}

func validTel(s string) bool {
	digits := strings.TrimPrefix(s, "+")
	if len(digits) < 3 || len(digits) > 15 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func validLink(s string) bool {
	if !oneLine(s) || strings.ContainsAny(s, " \"'<>\\") || len(s) > 500 {
		return false
	}
	if validPath(s) {
		return true
	}
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), scheme); ok && rest != "" && rest[0] != '/' {
			return true
		}
	}
	return false
}

// validPath: a path on the portal's origin ("/…", not "//host").
func validPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && oneLine(s) &&
		!strings.ContainsAny(s, " \"'<>\\") && len(s) <= 500
}

func looksLikeAddress(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && oneLine(s) &&
		!strings.ContainsAny(s, " <>\",;") && !strings.Contains(domain, "@")
}

// checkSVG returns what is wrong with an inline SVG logo, or "".
func checkSVG(s string) string {
	if len(s) > MaxLogo {
		return fmt.Sprintf("größer als %d KiB", MaxLogo>>10)
	}
	body := strings.TrimSpace(s)
	if strings.HasPrefix(body, "<?xml") {
		if i := strings.Index(body, "?>"); i >= 0 {
			body = strings.TrimSpace(body[i+2:])
		}
	}
	if !strings.HasPrefix(body, "<svg") || !strings.HasSuffix(body, "</svg>") {
		return "es beginnt nicht mit <svg und endet nicht mit </svg>"
	}
	lower := strings.ToLower(body)
	for _, bad := range []string{"<script", "javascript:", "<foreignobject", "<!entity", "<!doctype"} {
		if strings.Contains(lower, bad) {
			return "es enthält " + bad
		}
	}
	// Event handler attributes (onload=, onclick=, …): "on" and letters
	// after white space, then "=".
	for i := 1; i+2 < len(lower); i++ {
		if !isSpace(lower[i-1]) || lower[i] != 'o' || lower[i+1] != 'n' {
			continue
		}
		j := i + 2
		for j < len(lower) && lower[j] >= 'a' && lower[j] <= 'z' {
			j++
		}
		letters := j > i+2
		for j < len(lower) && isSpace(lower[j]) {
			j++
		}
		if letters && j < len(lower) && lower[j] == '=' {
			return "es enthält ein Ereignis-Attribut (on…=)"
		}
	}
	return ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// cssVars are the CSS custom properties of the portal's stylesheet, by the
// JSON field of Colors they take.
var cssVars = []struct{ field, name string }{
	{"primary", "--brand-primary"}, {"primary_hover", "--brand-primary-hover"}, {"on_primary", "--brand-on-primary"},
	{"accent", "--brand-accent"}, {"accent_line", "--brand-accent-line"}, {"focus", "--brand-focus"},
	{"border", "--brand-border"}, {"background", "--brand-bg"}, {"surface", "--brand-surface"}, {"text", "--brand-text"},
}

// CSS returns the stylesheet the portal serves at CSSPath: the brand's
// colours as the custom properties --brand-… that the portal's stylesheet
// uses, on html:root, so that they win over the stylesheet's defaults on
// :root whatever the order. A colour that does not parse is left out
// (Validate refuses it first).
func (b *Brand) CSS() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "/* The colours of the brand %q (package brand). */\nhtml:root {\n", b.ID)
	for _, v := range cssVars {
		if c, ok := ParseColor(b.Colors.byField(v.field)); ok {
			fmt.Fprintf(&sb, "  %s: %s;\n", v.name, c)
		}
	}
	sb.WriteString("}\n")
	return sb.String()
}
