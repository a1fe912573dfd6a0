package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm"
)

// exampleBrand loads a brand of examples/portal/brands.
func exampleBrand(t *testing.T, name string) *brand.Brand {
	t.Helper()
	b, err := brand.Load("../brands/" + name + ".json")
	require.NoError(t, err)
	return b
}

// appEnv returns the environment app.js carries.
func appEnv(t *testing.T, h http.Handler) map[string]string {
	t.Helper()
	js := string(body(t, get(t, h, http.MethodGet, "/app.js", nil)))
	m := regexp.MustCompile(`goappEnv = (\{.*?\});`).FindStringSubmatch(js)
	require.NotNil(t, m, "app.js without goappEnv:\n%s", js)
	var env map[string]string
	require.NoError(t, json.Unmarshal([]byte(m[1]), &env))
	return env
}

// A brand: its colours at brand.CSSPath (after portal.css), its logo at
// brand.LogoPath, both precached; its names and colours in the page and
// the manifest; the rest for the PWA in app.js.
func TestHandlerServesTheBrand(t *testing.T) {
	b := exampleBrand(t, "nordwind")
	h := newHandler(t, Config{Version: "v1", Brand: b})

	res := get(t, h, http.MethodGet, brand.CSSPath, nil)
	css := string(body(t, res))
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/css; charset=utf-8", res.Header.Get("Content-Type"))
	require.Contains(t, css, "--brand-primary: #0f6b5c;")
	require.Contains(t, css, "--brand-focus: #7a3fb0;")
	checkSecurityHeaders(t, brand.CSSPath, res)

	res = get(t, h, http.MethodGet, brand.LogoPath, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "image/svg+xml", res.Header.Get("Content-Type"))
	require.Equal(t, b.Logo.SVG, string(body(t, res)))
	require.Equal(t, http.StatusNotModified, get(t, h, http.MethodGet, brand.LogoPath, map[string]string{"If-None-Match": `"v1"`}).StatusCode)

	page := string(body(t, get(t, h, http.MethodGet, "/", nil)))
	require.Contains(t, page, "<title>Rufnummern-Übersicht – Nordwind Telekom</title>")
	require.Contains(t, page, `<span id="brand-name">Nordwind Telekom</span>`)
	require.Contains(t, page, `src="`+brand.LogoPath+`"`)
	require.Contains(t, page, `id="footer-hotline"`)
	require.Contains(t, page, "Nordwind Telekom wird geladen")
	require.Regexp(t, `href="/web/portal.css"[^>]*>\s*<link[^>]*href="`+brand.CSSPath+`"`, page, "brand.css after portal.css")
	require.Contains(t, page, `content="#0f6b5c"`) // theme-color
	manifest := string(body(t, get(t, h, http.MethodGet, "/manifest.webmanifest", nil)))
	require.Contains(t, manifest, `"Nordwind Telekom – Rufnummernverwaltung"`)
	require.Contains(t, manifest, `"Nordwind"`)

	worker := string(body(t, get(t, h, http.MethodGet, "/app-worker.js", nil)))
	for _, p := range []string{brand.CSSPath, brand.LogoPath} {
		require.Contains(t, worker, `"`+p+`"`, "the service worker precaches %s (offline start)", p)
	}

	env := appEnv(t, h)
	c := brand.FromClient(env[wasm.EnvBrand])
	require.Equal(t, "Nordwind Telekom", c.Product)
	require.Equal(t, brand.LogoPath, c.Logo.URL)
	require.Equal(t, "040 555 0199", c.Hotline.Display)
	require.Equal(t, b.Consent, c.Consent)
	require.NotContains(t, env[wasm.EnvBrand], "rufnummern@nordwind", "the mail settings stay on the server")
}

// Without a brand nothing changes: NumberDesk's names and theme colour,
// no brand in app.js, no logo file; brand.css restates the stylesheet's
// defaults.
func TestHandlerWithoutBrandIsNumberDesk(t *testing.T) {
	h := newHandler(t, Config{Version: "v1"})
	page := string(body(t, get(t, h, http.MethodGet, "/", nil)))
	require.Contains(t, page, "<title>Rufnummern-Übersicht – NumberDesk</title>")
	require.Contains(t, page, `<span id="brand-name">NumberDesk</span>`)
	require.NotContains(t, page, "site-footer", "no help and legal area without a brand")
	require.Contains(t, page, `content="#0b5cad"`)
	require.NotContains(t, appEnv(t, h), wasm.EnvBrand)
	require.Equal(t, http.StatusNotFound, get(t, h, http.MethodGet, brand.LogoPath, nil).StatusCode)
	res := get(t, h, http.MethodGet, brand.CSSPath, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, brand.Default().CSS(), string(body(t, res)))
}

// A brand that fails the contrast check stops the handler (and so the
// portal) with the measured ratio.
func TestHandlerRefusesALowContrastBrand(t *testing.T) {
	b := brand.Default()
	b.ID = "pale"
	b.Colors.OnPrimary, b.Colors.Primary = "#ffffff", "#66a3e0"
	_, err := New(Config{Web: webDir(t, fakeWasm), Brand: b})
	var e *numberdesk.Error
	require.True(t, errors.As(err, &e), "%v", err)
	require.Equal(t, numberdesk.CodeInvalid, e.Code)
	require.Equal(t, "colors.on_primary", e.Field)
	require.Contains(t, err.Error(), "2,66:1")

	_, err = NewApp(t.Context(), AppConfig{Config: Config{Web: webDir(t, fakeWasm), Brand: b}, Demo: true})
	require.ErrorAs(t, err, &e)
}

// The Version follows the brand: another colour or another logo reaches
// installed clients as an update.
func TestVersionFollowsTheBrand(t *testing.T) {
	dir := webDir(t, fakeWasm)
	version := func(b *brand.Brand) string {
		t.Helper()
		return appEnv(t, newHandler(t, Config{Web: dir, Brand: b}))["GOAPP_VERSION"]
	}
	nw := exampleBrand(t, "nordwind")
	v := version(nw)
	require.Equal(t, v, version(exampleBrand(t, "nordwind")))
	require.NotEqual(t, v, version(nil))
	other := *nw
	other.Logo.SVG = strings.Replace(nw.Logo.SVG, "#8fcfc0", "#8fcfc1", 1)
	require.NotEqual(t, v, version(&other), "a new logo")
	other = *nw
	other.Colors.Accent = "#e3f4f1"
	require.NotEqual(t, v, version(&other), "a new colour")
}

// The mail notifier takes the brand's sender and look where the -smtp URL
// leaves them at their defaults; the default brand changes nothing.
func TestBrandMail(t *testing.T) {
	base, err := ParseSMTP("smtp://mail.example.com")
	require.NoError(t, err)
	c := base
	brandMail(brand.Default())(&c)
	require.Equal(t, base, c, "the default brand changes nothing")
	require.Equal(t, smtpmail.DefaultSignature, brand.Default().Mail.Signature)

	nw := exampleBrand(t, "nordwind")
	brandMail(nw)(&c)
	require.Equal(t, "rufnummern@nordwind-telekom.example", c.From)
	require.Equal(t, "Nordwind Telekom", c.FromName)
	require.Equal(t, "[Nordwind] ", c.SubjectPrefix)
	require.Equal(t, nw.Mail.Signature, c.Signature)

	c, err = ParseSMTP("smtp://mail.example.com?from=portal@muster.example&name=Muster")
	require.NoError(t, err)
	brandMail(nw)(&c)
	require.Equal(t, "portal@muster.example", c.From, "the URL's from= wins")
	require.Equal(t, "Muster", c.FromName, "the URL's name= wins")
}

// Server mode with a brand: the SDK records the brand's consent wording
// (the quote tells it as the button's label), and the mails carry the
// brand's sender, subject prefix, signature and the deactivation's intro.
func TestAppWithBrand(t *testing.T) {
	nw := exampleBrand(t, "nordwind")
	a := newApp(t, AppConfig{Config: Config{Brand: nw}, Demo: true})
	run(t, a)
	b := serve(t, a)
	res, page := b.get("/login")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, page, "<title>Anmelden – Nordwind Telekom</title>")
	require.Contains(t, page, `<a class="brand" href="/">Nordwind Telekom</a>`)
	require.Contains(t, page, `href="`+brand.CSSPath+`"`)
	res, _ = b.postForm("/login", map[string][]string{"staff": {string(employee(t, a, "Anna Admin").ID)}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)

	var list struct {
		Items []numbers.Number `json:"items"`
	}
	require.Equal(t, http.StatusOK, b.api(http.MethodGet, "/api/v1/numbers?limit=100", nil, &list))
	var spare, fresh numbers.Number
	for _, n := range list.Items {
		switch n.E164 {
		case "+4922112345614":
			spare = n
		case "+4922112345625":
			fresh = n
		}
	}
	var q struct {
		Token        string `json:"token"`
		ConfirmLabel string `json:"confirm_label"`
	}
	require.Equal(t, http.StatusCreated, b.api(http.MethodPost, "/api/v1/quotes", map[string]any{"numbers": []numberdesk.NumberID{fresh.ID}}, &q))
	require.Equal(t, nw.Consent, q.ConfirmLabel)
	require.Equal(t, http.StatusOK, b.api(http.MethodPost, "/api/v1/activations", map[string]any{"quote_token": q.Token}, nil))
	evs, err := a.st.FindEvents(t.Context(), fresh.Tenant, numberdesk.EventFilter{Number: fresh.ID})
	require.NoError(t, err)
	consent := ""
	for _, e := range evs {
		var d numbers.EventData
		if e.Type == numbers.EventActivated && e.Decode(&d) == nil {
			consent = d.Consent
		}
	}
	require.Equal(t, nw.Consent, consent, "the recorded consent is the brand's wording")

	require.Equal(t, http.StatusOK, b.api(http.MethodPost, "/api/v1/numbers/"+string(spare.ID)+"/deactivate", map[string]any{}, nil))
	const subject = "[Nordwind] Mitteilung zu 0221 123456-14"
	ms := waitForMails(t, a.sink, "the deactivation's confirmation", func(ms []Mail) bool {
		return mailTo(ms, "admin@muster.example", subject) >= 0
	})
	m := ms[mailTo(ms, "admin@muster.example", subject)]
	require.Equal(t, "Nordwind Telekom <rufnummern@nordwind-telekom.example>", m.From)
	require.Contains(t, m.Text, "Guten Tag Anna Admin,\n\n"+nw.Mail.DeactivationIntro+"\n\nSie haben am ")
	require.Contains(t, m.Text, "\n-- \n"+nw.Mail.Signature+"\n")
	require.NotContains(t, m.Text, "NumberDesk")
}
