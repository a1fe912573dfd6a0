// Package brand is the white label of the NumberDesk portal: what a vendor
// (a carrier that resells the platform under its own name) changes without
// touching code. One Brand per vendor, kept in a JSON file: the product
// name, the logo, the colours, the hotline and the help links (the seed
// page's pointers to the help chapter "Rufnummern bearbeiten" and to the
// vendor's hotline), the wording of the paid activation (the consent the
// SDK records), the legal links, and the sender and templates of the mails
// the portal sends.
//
// Default is NumberDesk's own look: a portal started without a brand file
// looks exactly as before. Parse and Load read a brand file; fields left out
// take Default's values. Validate refuses a brand whose colours fail the
// contrast of WCAG 2.2 AA (text 4.5:1, focus ring and control borders 3:1),
// so a vendor's palette cannot make the portal unreadable; the portal
// server calls it at start-up and does not start with such a brand.
//
// The package is pure (encoding/json and the standard library besides the
// kernel's Error): it compiles to js/wasm, where the PWA reads the brand
// the server passes it.
package brand

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/numberdesk/numberdesk"
)

// DefaultConsent is the wording of the paid activation button, the seed
// page's "Rufnummern jetzt kostenpflichtig aktivieren" (the same as
// numbers.DefaultConsentLabel, which this package does not import).
const DefaultConsent = "Rufnummern jetzt kostenpflichtig aktivieren"

// The paths at which the portal serves a brand's files (the PWA links to
// them; the service worker precaches them).
const (
	// CSSPath is the stylesheet with the brand's colours as CSS custom
	// properties (Colors.CSS).
	CSSPath = "/web/brand.css"
	// LogoPath is the brand's logo (an SVG image), if it has one.
	LogoPath = "/web/brand-logo.svg"
)

// MaxLogo is the largest logo (SVG) a brand may carry, in bytes.
const MaxLogo = 64 << 10

// Brand is one vendor's white label. The zero value of a field means
// Default's value (see Parse); a Brand built in Go is completed by Fill.
type Brand struct {
	// ID names the brand: lower-case letters, digits and "-", e.g.
	// "netcologne". It is part of nothing the user sees.
	ID string `json:"id"`
	// Product is the product name in the header, the page title and the
	// mails, e.g. "NumberDesk".
	Product string `json:"product"`
	// Name is the installed app's full name (web app manifest); default
	// Product + " Rufnummernverwaltung".
	Name string `json:"name,omitempty"`
	// ShortName is the name under the app's icon (manifest short_name);
	// default Product.
	ShortName string `json:"short_name,omitempty"`
	// Description is the manifest's description; default NumberDesk's.
	Description string `json:"description,omitempty"`
	// Logo is shown in the header next to Product; none means
	// NumberDesk's telephone icon in the primary colour.
	Logo Logo `json:"logo,omitzero"`
	// Colors are the portal's brand colours.
	Colors Colors `json:"colors,omitzero"`
	// Hotline is the vendor's support number (the seed page's "0800 2222
	// 550"); none shows no hotline.
	Hotline Hotline `json:"hotline,omitzero"`
	// Help are the links to the vendor's help pages; none shows none.
	Help Help `json:"help,omitzero"`
	// Consent is the wording of the paid activation button, which the SDK
	// records with the price snapshot as the owner's consent
	// (numbers.Config.ConsentLabel); default DefaultConsent.
	Consent string `json:"consent,omitempty"`
	// Legal are the links of the footer: imprint, privacy, terms.
	Legal Legal `json:"legal,omitzero"`
	// Mail is the sender and the templates of the portal's mails.
	Mail Mail `json:"mail,omitzero"`
}

// Logo is a brand's logo: an SVG image, from a file (relative to the brand
// file), inline, or at a path the portal serves itself.
type Logo struct {
	// File is the SVG file, relative to the brand file's directory. Load
	// reads it into SVG.
	File string `json:"file,omitempty"`
	// SVG is the image itself ("<svg …>…</svg>").
	SVG string `json:"svg,omitempty"`
	// URL is where the browser finds the logo: a path on the portal's own
	// origin (the portal's Content-Security-Policy allows no other). The
	// server sets it to LogoPath for a brand with SVG.
	URL string `json:"url,omitempty"`
	// Alt is the logo's text alternative; "" when the product name stands
	// next to it (the default), so that screen readers do not read it
	// twice.
	Alt string `json:"alt,omitempty"`
}

// Hotline is the vendor's support number.
type Hotline struct {
	// Display is the number as people read it: "0800 2222 550".
	Display string `json:"display"`
	// Tel is the number for a tel: link in E.164 form, "+498002222550";
	// default the digits of Display.
	Tel string `json:"tel,omitempty"`
	// Hours are the opening hours, e.g. "Mo–Fr 8–20 Uhr"; optional.
	Hours Text `json:"hours,omitzero"`
}

// Help are links to the vendor's help pages.
type Help struct {
	// URL is the start page of the help ("Hilfe").
	URL Text `json:"url,omitzero"`
	// EditNumbers is the help chapter "Rufnummern bearbeiten", to which the
	// seed page points for the details of editing a number.
	EditNumbers Text `json:"edit_numbers,omitzero"`
}

// Legal are the legal links of the portal's footer; each may differ per
// language.
type Legal struct {
	Imprint Text `json:"imprint,omitzero"` // "Impressum"
	Privacy Text `json:"privacy,omitzero"` // "Datenschutz"
	Terms   Text `json:"terms,omitzero"`   // "AGB"
}

// Mail is the sender and the templates of the mails the portal sends (the
// confirmation of a deactivation, the E-Fax-App login data, the
// notifications).
type Mail struct {
	// FromName is the sender's display name; default Product.
	FromName string `json:"from_name,omitempty"`
	// From is the sender address; default the portal's (the SMTP URL's
	// from=, or its built-in noreply address).
	From string `json:"from,omitempty"`
	// SubjectPrefix goes before every subject, e.g. "[Nordwind] ".
	SubjectPrefix string `json:"subject_prefix,omitempty"`
	// Signature is the first line of every mail's footer; default "Diese
	// Nachricht wurde automatisch von <Product> versandt."
	Signature string `json:"signature,omitempty"`
	// DeactivationIntro is a paragraph that opens the confirmation of a
	// deactivation (before its dates); optional.
	DeactivationIntro string `json:"deactivation_intro,omitempty"`
}

// Text is a text in German and, optionally, English. In JSON it is either
// a string (German, used for both languages) or {"de": …, "en": …}.
type Text struct {
	DE string `json:"de"`
	EN string `json:"en,omitempty"`
}

// T makes a Text that reads the same in both languages.
func T(s string) Text { return Text{DE: s} }

// In returns the text in language lang ("de" or "en"): English if there is
// an English text and lang is "en", else German.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.DE
}

// IsZero reports whether the text is empty in both languages.
func (t Text) IsZero() bool { return t.DE == "" && t.EN == "" }

// UnmarshalJSON reads a string or {"de": …, "en": …}.
func (t *Text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text{DE: s}
		return nil
	}
	type plain Text
	var p plain
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return err
	}
	if p.DE == "" && p.EN != "" {
		p.DE = p.EN
	}
	*t = Text(p)
	return nil
}

// Default returns NumberDesk's own brand: the look of the portal without a
// brand file. It has no logo file (the header's telephone icon), no
// hotline, no help and no legal links, and the seed page's consent
// wording.
func Default() *Brand {
	return &Brand{
		ID:          "numberdesk",
		Product:     "NumberDesk",
		Name:        "NumberDesk Rufnummernverwaltung",
		ShortName:   "NumberDesk",
		Description: "Rufnummern Ihrer Cloud-Telefonanlage verwalten: aktivieren, deaktivieren, tauschen, zuweisen, Anrufe weiterleiten.",
		Colors:      DefaultColors(),
		Consent:     DefaultConsent,
		Mail: Mail{
			FromName:  "NumberDesk",
			Signature: "Diese Nachricht wurde automatisch von NumberDesk versandt.",
		},
	}
}

// Parse reads a brand from JSON. Unknown fields are refused (a misspelt
// field would silently keep the default); fields left out take Default's
// values (Fill). Parse does not validate: call Validate.
func Parse(data []byte) (*Brand, error) {
	const op = "brand.Parse"
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	var b Brand
	if err := d.Decode(&b); err != nil {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, jsonField(err),
			"Die Markendatei ist kein gültiges JSON oder enthält ein unbekanntes Feld (%s). / The brand file is no valid JSON or has an unknown field.", jsonDetail(err))
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "", "Nach dem JSON-Objekt der Markendatei folgt noch etwas. / The brand file has more after its JSON object.")
	}
	b.Fill()
	return &b, nil
}

// Load reads the brand file at path (Parse), reads its logo file (relative
// to the brand file's directory) and validates it (Validate).
func Load(path string) (*Brand, error) {
	const op = "brand.Load"
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "file",
			Message: "Die Markendatei kann nicht gelesen werden. / The brand file cannot be read.", Err: err}
	}
	b, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if b.Logo.File != "" {
		if b.Logo.SVG != "" {
			return nil, numberdesk.E(numberdesk.CodeInvalid, op, "logo.file", "Das Logo ist zweimal angegeben (file und svg). / The logo is given twice (file and svg).")
		}
		file := b.Logo.File
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		svg, err := readLimited(file, MaxLogo)
		if err != nil {
			return nil, &numberdesk.Error{Code: numberdesk.CodeInvalid, Op: op, Field: "logo.file",
				Message: fmt.Sprintf("Die Logodatei %s kann nicht gelesen werden oder ist größer als %d KiB. / The logo file cannot be read or is too large.", b.Logo.File, MaxLogo>>10), Err: err}
		}
		b.Logo.SVG = string(svg)
	}
	if err := b.Validate(); err != nil {
		return nil, err
	}
	return b, nil
}

func readLimited(file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// Fill completes b with Default's values where b leaves a field empty:
// the names from Product, the colours one by one (the theme colour from
// the primary one), the consent wording, the mail's sender name and
// signature, and the hotline's tel: form from its display form.
func (b *Brand) Fill() {
	def := Default()
	if b.Product == "" {
		b.Product = def.Product
	}
	if b.ID == "" {
		b.ID = def.ID
	}
	if b.Name == "" {
		b.Name = b.Product + " Rufnummernverwaltung"
	}
	if b.ShortName == "" {
		b.ShortName = b.Product
	}
	if b.Description == "" {
		b.Description = def.Description
	}
	b.Colors.fill(def.Colors)
	if b.Consent == "" {
		b.Consent = def.Consent
	}
	if b.Mail.FromName == "" {
		b.Mail.FromName = b.Product
	}
	if b.Mail.Signature == "" {
		b.Mail.Signature = "Diese Nachricht wurde automatisch von " + b.Product + " versandt."
	}
	if b.Hotline.Tel == "" && b.Hotline.Display != "" {
		b.Hotline.Tel = telOf(b.Hotline.Display)
	}
}

// telOf keeps the digits of a display form and a leading "+".
func telOf(display string) string {
	var sb strings.Builder
	for i, r := range strings.TrimSpace(display) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// HasLogo reports whether the brand has a logo of its own (an SVG image or
// a URL).
func (b *Brand) HasLogo() bool { return b.Logo.SVG != "" || b.Logo.URL != "" }

// ForClient returns the brand as the PWA needs it: without the mail
// settings and with the logo as a URL (LogoPath for an SVG the server
// serves), as compact JSON for the page's environment (it is public: the
// page script carries it).
func (b *Brand) ForClient() ([]byte, error) {
	c := *b
	c.Mail = Mail{}
	c.Logo = Logo{URL: b.Logo.URL, Alt: b.Logo.Alt}
	if b.Logo.SVG != "" {
		c.Logo.URL = LogoPath
	}
	return json.Marshal(&c)
}

// FromClient reads what ForClient wrote; an empty or unreadable value is
// Default (the browser-only demo, or a server without a brand).
func FromClient(s string) *Brand {
	if s == "" {
		return Default()
	}
	b, err := Parse([]byte(s))
	if err != nil {
		return Default()
	}
	return b
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(s, "json: unknown field "), `"`)
	}
	return ""
}

func jsonDetail(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}
