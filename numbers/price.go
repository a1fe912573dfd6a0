package numbers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// Line is one position of a price: a fee with a stable code and a German label.
type Line struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Net   Money  `json:"net"`
}

// Price is what activating one number costs: monthly fees (the number's own
// fee first, then one per booked option) and one-time fees, all net, and the
// VAT rate to apply for display.
type Price struct {
	Monthly []Line `json:"monthly"`
	OneTime []Line `json:"one_time,omitempty"`
	VATRate int    `json:"vat_rate"` // basis points: 1900 = 19 %
}

// MonthlyNet returns the sum of the monthly lines.
func (p Price) MonthlyNet() Money { return sum(p.Monthly) }

// OneTimeNet returns the sum of the one-time lines.
func (p Price) OneTimeNet() Money { return sum(p.OneTime) }

func sum(lines []Line) Money {
	var m Money
	for _, l := range lines {
		m = m.Add(l.Net)
	}
	return m
}

// PriceList prices numbers. Vendors supply their own; StaticPriceList with
// DefaultPriceList's figures ships as a default.
type PriceList interface {
	// Price returns what activating n costs with n.Options booked. An unknown
	// option is CodeInvalid with Field "options".
	Price(ctx context.Context, n *Number) (Price, error)
}

// StaticPriceList is a fixed price list: one monthly fee per number, a
// monthly fee per bookable option and optional one-time fees per activation.
type StaticPriceList struct {
	VATRate   int             // basis points
	NumberFee Line            // monthly, per number
	Options   map[string]Line // bookable options by code, monthly
	OneTime   []Line          // charged with every activation
}

// DefaultPriceList is the static default: 2,90 € per number and month,
// options "festnetz_flat" (4,00 €) and "allnet_flat" (9,90 €), no one-time
// fees, 19 % VAT. The figures are public list prices of the seed platform and
// serve as demo data only.
var DefaultPriceList = &StaticPriceList{
	VATRate:   1900,
	NumberFee: Line{Code: "number", Label: "Rufnummer", Net: EUR(290)},
	Options: map[string]Line{
		"festnetz_flat": {Code: "festnetz_flat", Label: "Festnetz-Flat", Net: EUR(400)},
		"allnet_flat":   {Code: "allnet_flat", Label: "Allnet-Flat", Net: EUR(990)},
	},
}

// Price implements PriceList.
func (l *StaticPriceList) Price(_ context.Context, n *Number) (Price, error) {
	p := Price{VATRate: l.VATRate, Monthly: make([]Line, 0, 1+len(n.Options))}
	p.Monthly = append(p.Monthly, l.NumberFee)
	for _, code := range n.Options {
		o, ok := l.Options[code]
		if !ok {
			return Price{}, numberdesk.E(numberdesk.CodeInvalid, "numbers.Price", "options",
				"Die Option %q ist nicht buchbar.", code)
		}
		p.Monthly = append(p.Monthly, o)
	}
	p.OneTime = slices.Clone(l.OneTime)
	return p, nil
}

// QuoteLine is the price of one number of a Quote.
type QuoteLine struct {
	Number  numberdesk.NumberID `json:"number"`
	E164    string              `json:"e164"`
	Display string              `json:"display"`
	Price   Price               `json:"price"`
}

// Quote is the cost overview shown before an activation ("Kostenübersicht").
// Its Token is the owner's consent to exactly this: it binds the tenant, the
// numbers with their versions, their prices and an expiry, signed with
// Config.QuoteKey. Activate accepts it once: only while it has not expired,
// no quoted number has changed since the quote (any write bumps a number's
// Version, so an activation, a swap, a deactivation that took effect or an
// edit voids the quote) and the prices still hold.
type Quote struct {
	Token     string      `json:"token"`
	Lines     []QuoteLine `json:"lines"`
	VATRate   int         `json:"vat_rate"`
	Monthly   Totals      `json:"monthly"`
	OneTime   Totals      `json:"one_time"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// Totals are net, VAT and gross of a sum.
type Totals struct {
	Net   Money `json:"net"`
	VAT   Money `json:"vat"`
	Gross Money `json:"gross"`
}

func totals(net Money, rate int) Totals {
	vat := net.VAT(rate)
	return Totals{Net: net, VAT: vat, Gross: net.Add(vat)}
}

// quoteClaims is the readable part of a quote token.
type quoteClaims struct {
	Tenant  numberdesk.TenantID   `json:"t"`
	Numbers []numberdesk.NumberID `json:"n"`
	// Versions are the numbers' Versions when quoted, in the order of Numbers.
	Versions []int64 `json:"v"`
	Expires  int64   `json:"x"` // unix seconds
}

// tokenEncoding is the one encoding of both parts of a quote token:
// unpadded base64url, with the unused bits of the last character zero.
var tokenEncoding = base64.RawURLEncoding.Strict()

// signQuote returns the token for claims and the per-number prices:
// base64url(payload) "." base64url(HMAC-SHA256(key, payload ‖ prices)).
func signQuote(key []byte, c quoteClaims, prices []Price) string {
	payload, _ := json.Marshal(c)
	return tokenEncoding.EncodeToString(payload) + "." + tokenEncoding.EncodeToString(quoteMAC(key, payload, prices))
}

func quoteMAC(key, payload []byte, prices []Price) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(payload)
	p, _ := json.Marshal(prices)
	h.Write(p)
	return h.Sum(nil)
}

// parseQuote decodes a token's claims without verifying them. A token has
// exactly one accepted spelling, the one signQuote produces: any other
// (padding, other trailing bits, line breaks, the standard alphabet) is
// CodeInvalid, so that one consent cannot be presented under two spellings
// (and two idempotency fingerprints).
func parseQuote(op, token string) (quoteClaims, []byte, []byte, error) {
	bad := numberdesk.E(numberdesk.CodeInvalid, op, "quote", "Die Kostenübersicht ist ungültig. Bitte rufen Sie sie erneut auf.")
	p, m, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1<<16 {
		return quoteClaims{}, nil, nil, bad
	}
	payload, ok1 := decodeCanonical(p)
	mac, ok2 := decodeCanonical(m)
	var c quoteClaims
	if !ok1 || !ok2 || len(mac) != sha256.Size || json.Unmarshal(payload, &c) != nil ||
		len(c.Numbers) == 0 || len(c.Versions) != len(c.Numbers) {
		return quoteClaims{}, nil, nil, bad
	}
	return c, payload, mac, nil
}

// decodeCanonical decodes s if it is the tokenEncoding of its bytes, the
// only spelling: the decoder alone skips line breaks.
func decodeCanonical(s string) ([]byte, bool) {
	b, err := tokenEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || tokenEncoding.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}
