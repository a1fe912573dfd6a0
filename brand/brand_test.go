package brand_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/numbers"
)

func mustColor(t *testing.T, s string) brand.RGB {
	t.Helper()
	c, ok := brand.ParseColor(s)
	if !ok {
		t.Fatalf("ParseColor(%q) failed", s)
	}
	return c
}

// Known pairs of WCAG's contrast ratio.
func TestContrastKnownPairs(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000", "#fff", 21},
		{"#000000", "#ffffff", 21},
		{"#777", "#fff", 4.48},       // the classic "grey that just fails"
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes on white
		{"#fff", "#fff", 1},
		{"#1565c0", "#ffffff", 5.75},
		{"#ff9800", "#ffffff", 2.16}, // the portal's old focus ring on white (issue 16)
		{"#ff9800", "#f6f8fa", 2.02}, // and on the page
		{"#d0d7de", "#ffffff", 1.45}, // the old button border
	} {
		a, b := mustColor(t, c.a), mustColor(t, c.b)
		got := brand.Contrast(a, b)
		if math.Abs(got-c.want) > 0.006 {
			t.Errorf("Contrast(%s, %s) = %.4f, want ≈ %.2f", c.a, c.b, got, c.want)
		}
		if rev := brand.Contrast(b, a); rev != got {
			t.Errorf("Contrast is not symmetric: %v vs %v", got, rev)
		}
	}
}

func TestLuminance(t *testing.T) {
	for s, want := range map[string]float64{"#000": 0, "#fff": 1, "#808080": 0.2159, "#ff0000": 0.2126, "#00ff00": 0.7152, "#0000ff": 0.0722,
		"#0a0a0a": 10.0 / 255 / 12.92} { // below the sRGB threshold: linear
		if got := mustColor(t, s).Luminance(); math.Abs(got-want) > 0.0001 {
			t.Errorf("Luminance(%s) = %.5f, want %.5f", s, got, want)
		}
	}
}

func TestParseColor(t *testing.T) {
	for in, want := range map[string]string{"#abc": "#aabbcc", "#1565C0": "#1565c0", " #000000 ": "#000000"} {
		c, ok := brand.ParseColor(in)
		if !ok || c.String() != want {
			t.Errorf("ParseColor(%q) = %v, %v; want %s", in, c, ok, want)
		}
	}
	for _, in := range []string{"", "#", "1565c0", "#12", "#1234", "#12345g", "red", "#1565c0ff", "rgb(0,0,0)", "#+12345"} {
		if c, ok := brand.ParseColor(in); ok {
			t.Errorf("ParseColor(%q) = %v, want a refusal", in, c)
		}
	}
}

func TestDefault(t *testing.T) {
	d := brand.Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default does not validate: %v", err)
	}
	if brand.DefaultConsent != numbers.DefaultConsentLabel {
		t.Errorf("DefaultConsent %q differs from the SDK's %q", brand.DefaultConsent, numbers.DefaultConsentLabel)
	}
	// An empty brand file is the default brand.
	empty, err := brand.Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(empty, d) {
		t.Errorf("Parse({}) = %+v\nwant Default %+v", empty, d)
	}
	if d.HasLogo() {
		t.Error("the default brand has a logo file; the header shows the telephone icon")
	}
}

// The defaults at the top of portal.css are DefaultColors, so a portal
// without a brand file and one with the default brand look alike.
func TestDefaultColorsMatchPortalCSS(t *testing.T) {
	css, err := os.ReadFile("../examples/portal/web/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(--brand-[a-z-]+):\s*(#[0-9a-fA-F]{3,6})\s*;`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = strings.ToLower(m[2])
	}
	served := brand.Default().CSS()
	for _, m := range regexp.MustCompile(`(--brand-[a-z-]+): (#[0-9a-f]{6});`).FindAllStringSubmatch(served, -1) {
		got, ok := vars[m[1]]
		if !ok {
			t.Errorf("portal.css has no default for %s", m[1])
			continue
		}
		if c, _ := brand.ParseColor(got); c.String() != m[2] {
			t.Errorf("portal.css: %s is %s, brand.Default has %s", m[1], got, m[2])
		}
		delete(vars, m[1])
	}
	if len(vars) > 0 {
		t.Errorf("portal.css defines brand colours the brand does not set: %v", vars)
	}
}

func TestParse(t *testing.T) {
	b, err := brand.Parse([]byte(`{"id": "acme", "product": "Acme Voice",
		"colors": {"primary": "#0b5e3a"},
		"hotline": {"display": "0800 123 45 67", "hours": {"de": "Mo–Fr", "en": "Mon–Fri"}},
		"help": {"edit_numbers": "https://help.example/edit"},
		"legal": {"privacy": {"de": "https://acme.example/datenschutz", "en": "https://acme.example/privacy"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	def := brand.DefaultColors()
	for _, c := range []struct{ got, want string }{
		{b.Name, "Acme Voice Rufnummernverwaltung"}, {b.ShortName, "Acme Voice"},
		{b.Colors.Primary, "#0b5e3a"}, {b.Colors.Theme, "#0b5e3a"}, {b.Colors.Focus, def.Focus},
		{b.Hotline.Tel, "08001234567"}, {b.Hotline.Hours.In("en"), "Mon–Fri"}, {b.Hotline.Hours.In("de"), "Mo–Fr"},
		{b.Help.EditNumbers.In("en"), "https://help.example/edit"},
		{b.Legal.Privacy.In("en"), "https://acme.example/privacy"}, {b.Legal.Privacy.In("de"), "https://acme.example/datenschutz"},
		{b.Consent, brand.DefaultConsent},
		{b.Mail.FromName, "Acme Voice"}, {b.Mail.Signature, "Diese Nachricht wurde automatisch von Acme Voice versandt."},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A misspelt field would silently keep the default: Parse refuses it,
// naming the field.
func TestParseRefusesUnknownFields(t *testing.T) {
	for in, field := range map[string]string{
		`{"prodcut": "X"}`:                                    "prodcut",
		`{"colors": {"primry": "#000000"}}`:                   "primry",
		`{"legal": {"privacy": {"fr": "https://x.example"}}}`: "fr",
		`{"hotline": {"display": "1", "fax": "2"}}`:           "fax",
	} {
		_, err := brand.Parse([]byte(in))
		var e *numberdesk.Error
		if !errors.As(err, &e) || e.Code != numberdesk.CodeInvalid {
			t.Errorf("Parse(%s) = %v, want CodeInvalid", in, err)
			continue
		}
		if !strings.Contains(e.Message, field) {
			t.Errorf("Parse(%s): message %q does not name %q", in, e.Message, field)
		}
	}
	for _, in := range []string{``, `[]`, `{"product": 3}`, `{} {}`, `{"colors": "red"}`, `{"product": "x"`} {
		if _, err := brand.Parse([]byte(in)); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
			t.Errorf("Parse(%q) = %v, want CodeInvalid", in, err)
		}
	}
}

// Every refusal of Validate: a valid brand with one change is refused
// with CodeInvalid and the field at fault; a contrast refusal says the
// measured and the required ratio.
func TestValidateRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(b *brand.Brand)
		field  string
		msg    []string
	}{
		{"grey text on white", func(b *brand.Brand) { b.Colors.Text = "#777777"; b.Colors.Background = "#ffffff" }, "colors.text",
			[]string{"4,47:1", "4.47:1", "4,50:1", "4.50:1", "#777777", "#ffffff"}},
		{"white on yellow buttons", func(b *brand.Brand) { b.Colors.Primary = "#ffd400" }, "colors.on_primary", []string{"Schaltflächen", "buttons"}},
		{"white on light hover", func(b *brand.Brand) { b.Colors.PrimaryHover = "#6fa8ff" }, "colors.on_primary", []string{"beim Überfahren"}},
		{"text on dark accent", func(b *brand.Brand) { b.Colors.Accent = "#3a3a3a" }, "colors.text", []string{"Akzentfarbe"}},
		{"text on dark surface", func(b *brand.Brand) {
			b.Colors.Surface = "#333333"
			b.Colors.Focus = "#ffffff"
			b.Colors.Border = "#ffffff"
		}, "colors.text", []string{"Karten"}},
		{"light links", func(b *brand.Brand) {
			b.Colors.Primary = "#90caf9"
			b.Colors.PrimaryHover = "#5c9ce6"
			b.Colors.OnPrimary = "#000000"
		}, "colors.primary_hover", []string{"Links"}},
		{"pale primary", func(b *brand.Brand) {
			b.Colors.Primary, b.Colors.OnPrimary, b.Colors.PrimaryHover = "#e8eef8", "#000000", "#767676"
			b.Colors.Background, b.Colors.Accent = "#ffffff", "#ffffff"
		}, "colors.primary", []string{"Hauptfarbe", "1,1"}},
		{"orange focus ring", func(b *brand.Brand) { b.Colors.Focus = "#ff9800" }, "colors.focus", []string{"2,02:1", "3,00:1", "Fokusrahmen", "focus ring"}},
		{"focus ring fails on cards only", func(b *brand.Brand) {
			b.Colors.Background, b.Colors.Surface, b.Colors.Focus = "#ffffff", "#d0d0d0", "#808080"
		}, "colors.focus", []string{"Karten", "2,56:1"}},
		{"faint borders", func(b *brand.Brand) { b.Colors.Border = "#d0d7de" }, "colors.border", []string{"1,36:1", "Rahmen", "borders"}},
		{"no colour", func(b *brand.Brand) { b.Colors.Focus = "orange" }, "colors.focus", []string{"orange"}},
		{"bad theme", func(b *brand.Brand) { b.Colors.Theme = "#12345" }, "colors.theme", nil},
		{"id", func(b *brand.Brand) { b.ID = "Net Cologne" }, "id", nil},
		{"id dash", func(b *brand.Brand) { b.ID = "-x" }, "id", nil},
		{"empty product", func(b *brand.Brand) { b.Product = "" }, "product", nil},
		{"product two lines", func(b *brand.Brand) { b.Product = "A\nB" }, "product", nil},
		{"long short name", func(b *brand.Brand) { b.ShortName = strings.Repeat("x", 31) }, "short_name", nil},
		{"consent two lines", func(b *brand.Brand) { b.Consent = "Jetzt\naktivieren" }, "consent", nil},
		{"empty consent", func(b *brand.Brand) { b.Consent = "" }, "consent", nil},
		{"hotline letters", func(b *brand.Brand) { b.Hotline = brand.Hotline{Display: "0800 HOTLINE", Tel: "0800HOTLINE"} }, "hotline.tel", nil},
		{"hotline without display", func(b *brand.Brand) { b.Hotline = brand.Hotline{Tel: "+498002222550"} }, "hotline.display", nil},
		{"help javascript", func(b *brand.Brand) { b.Help.EditNumbers = brand.T("javascript:alert(1)") }, "help.edit_numbers", nil},
		{"help protocol-relative", func(b *brand.Brand) { b.Help.URL = brand.T("//evil.example/") }, "help.url", nil},
		{"imprint with quote", func(b *brand.Brand) { b.Legal.Imprint = brand.T(`https://x.example/" onclick="x`) }, "legal.imprint", nil},
		{"privacy en", func(b *brand.Brand) { b.Legal.Privacy = brand.Text{DE: "https://x.example/d", EN: "ftp://x.example/p"} }, "legal.privacy", nil},
		{"terms", func(b *brand.Brand) { b.Legal.Terms = brand.T("agb.html") }, "legal.terms", nil},
		{"logo elsewhere", func(b *brand.Brand) { b.Logo.URL = "https://cdn.example/logo.svg" }, "logo.url", []string{"Sicherheitsrichtlinie"}},
		{"logo not svg", func(b *brand.Brand) { b.Logo.SVG = "<html></html>" }, "logo.svg", nil},
		{"logo script", func(b *brand.Brand) { b.Logo.SVG = `<svg><script>alert(1)</script></svg>` }, "logo.svg", nil},
		{"logo handler", func(b *brand.Brand) { b.Logo.SVG = `<svg onload="alert(1)"></svg>` }, "logo.svg", nil},
		{"logo handler spaced", func(b *brand.Brand) { b.Logo.SVG = "<svg>\n<rect\tonclick = \"x\"/></svg>" }, "logo.svg", nil},
		{"logo too big", func(b *brand.Brand) { b.Logo.SVG = "<svg>" + strings.Repeat(" ", brand.MaxLogo) + "</svg>" }, "logo.svg", nil},
		{"alt two lines", func(b *brand.Brand) { b.Logo.Alt = "a\nb" }, "logo.alt", nil},
		{"mail from", func(b *brand.Brand) { b.Mail.From = "noreply" }, "mail.from", nil},
		{"mail from header injection", func(b *brand.Brand) { b.Mail.From = "a@b.example\r\nBcc: c@d.example" }, "mail.from", nil},
		{"mail prefix", func(b *brand.Brand) { b.Mail.SubjectPrefix = "[X]\r\n" }, "mail.subject_prefix", nil},
		{"mail signature", func(b *brand.Brand) { b.Mail.Signature = "" }, "mail.signature", nil},
		{"mail from name", func(b *brand.Brand) { b.Mail.FromName = "A\nB" }, "mail.from_name", nil},
		{"deactivation intro", func(b *brand.Brand) { b.Mail.DeactivationIntro = strings.Repeat("x", 2001) }, "mail.deactivation_intro", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := brand.Default()
			c.change(b)
			err := b.Validate()
			var e *numberdesk.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v, want a *numberdesk.Error", err)
			}
			if e.Code != numberdesk.CodeInvalid || e.Field != c.field {
				t.Errorf("Validate = %s/%s (%v), want invalid/%s", e.Code, e.Field, e, c.field)
			}
			for _, m := range c.msg {
				if !strings.Contains(e.Message, m) {
					t.Errorf("message %q lacks %q", e.Message, m)
				}
			}
		})
	}
}

// A logo with words that merely start with "on" is no event handler.
func TestValidateAcceptsOrdinarySVG(t *testing.T) {
	b := brand.Default()
	b.Logo.SVG = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text x="0" y="9" font-family="one, Arial">online one</text></svg>`
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The contrast just at the limit passes: 4.5:1 is enough.
func TestValidateLimits(t *testing.T) {
	b := brand.Default()
	b.Colors.Text, b.Colors.Background, b.Colors.Surface = "#767676", "#ffffff", "#ffffff" // 4.54:1
	b.Colors.Accent = "#ffffff"
	if err := b.Validate(); err != nil {
		t.Errorf("4.54:1 refused: %v", err)
	}
	b.Colors.Text = "#777777" // 4.48:1
	if err := b.Validate(); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
		t.Errorf("4.48:1 accepted: %v", err)
	}
}

func TestLoadExampleBrands(t *testing.T) {
	files, err := filepath.Glob("../examples/portal/brands/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("example brands: %v, %v", files, err)
	}
	ids := map[string]bool{}
	for _, f := range files {
		b, err := brand.Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if ids[b.ID] {
			t.Errorf("%s: id %q twice", f, b.ID)
		}
		ids[b.ID] = true
		if !b.HasLogo() || b.Hotline.Display == "" || b.Help.EditNumbers.IsZero() || b.Legal.Imprint.IsZero() || b.Legal.Privacy.IsZero() {
			t.Errorf("%s: an example brand should show everything (logo, hotline, help, legal): %+v", f, b)
		}
		if b.Colors == brand.DefaultColors() {
			t.Errorf("%s: the default colours", f)
		}
	}
	nc, err := brand.Load("../examples/portal/brands/netcologne.json")
	if err != nil {
		t.Fatal(err)
	}
	if nc.Hotline.Display != "0800 2222 550" || !strings.HasSuffix(nc.Help.EditNumbers.DE, "/rufnummern-bearbeiten/") {
		t.Errorf("netcologne: hotline %q, help %q", nc.Hotline.Display, nc.Help.EditNumbers.DE)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, c := range map[string]struct{ json, field string }{
		"missing.json":  {"", "file"},
		"nologo.json":   {`{"logo": {"file": "nothere.svg"}}`, "logo.file"},
		"twice.json":    {`{"logo": {"file": "x.svg", "svg": "<svg></svg>"}}`, "logo.file"},
		"contrast.json": {`{"colors": {"focus": "#ffcc00"}}`, "colors.focus"},
		"badlogo.json":  {`{"logo": {"file": "bad.svg"}}`, "logo.svg"},
	} {
		p := filepath.Join(dir, name)
		if c.json != "" {
			p = write(name, c.json)
		}
		write("bad.svg", `<svg onload="x()"></svg>`)
		_, err := brand.Load(p)
		var e *numberdesk.Error
		if !errors.As(err, &e) || e.Code != numberdesk.CodeInvalid || e.Field != c.field {
			t.Errorf("Load(%s) = %v, want invalid/%s", name, err, c.field)
		}
	}
	big := write("big.svg", "<svg>"+strings.Repeat(" ", brand.MaxLogo)+"</svg>")
	if _, err := brand.Load(write("big.json", `{"logo": {"file": "`+filepath.Base(big)+`"}}`)); numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
		t.Errorf("a logo above MaxLogo: %v", err)
	}
}

func TestForClient(t *testing.T) {
	b, err := brand.Load("../examples/portal/brands/nordwind.json")
	if err != nil {
		t.Fatal(err)
	}
	js, err := b.ForClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"rufnummern@nordwind", "<svg", "subject_prefix"} {
		if strings.Contains(string(js), leak) {
			t.Errorf("the client's brand carries %q: %s", leak, js)
		}
	}
	c := brand.FromClient(string(js))
	if c.Logo.URL != brand.LogoPath || c.Product != b.Product || c.Consent != b.Consent || c.Colors != b.Colors || c.Hotline != b.Hotline {
		t.Errorf("FromClient(ForClient) = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"", "{", `{"x": 1}`} {
		if got := brand.FromClient(s); !reflect.DeepEqual(got, brand.Default()) {
			t.Errorf("FromClient(%q) is not Default", s)
		}
	}
}

func TestCSS(t *testing.T) {
	b := brand.Default()
	b.Colors.Primary = "#ABC"
	css := b.CSS()
	if !strings.Contains(css, "html:root {") || !strings.Contains(css, "--brand-primary: #aabbcc;") || !strings.Contains(css, "--brand-focus: #c45500;") {
		t.Errorf("CSS:\n%s", css)
	}
	b.Colors.Text = "red; } body { display: none"
	if strings.Contains(b.CSS(), "display") {
		t.Error("CSS writes a colour that does not parse")
	}
}
