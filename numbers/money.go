package numbers

import (
	"strconv"
	"strings"
)

// Money is an amount in minor units (euro cents) of a named currency. It is
// never a float.
type Money struct {
	Cents    int64  `json:"cents"`
	Currency string `json:"currency"` // ISO 4217, e.g. "EUR"
}

// EUR returns an amount of euro cents.
func EUR(cents int64) Money { return Money{Cents: cents, Currency: "EUR"} }

// Add returns m+o. Both must be in the same currency; an empty currency
// takes the other's.
func (m Money) Add(o Money) Money {
	if m.Currency == "" {
		m.Currency = o.Currency
	}
	m.Cents += o.Cents
	return m
}

// VAT returns the tax on the net amount m at rate basis points (1900 = 19 %),
// rounded half away from zero to the cent.
func (m Money) VAT(rate int) Money {
	p := m.Cents * int64(rate)
	q := p / 10000
	if r := p % 10000; r >= 5000 {
		q++
	} else if r <= -5000 {
		q--
	}
	return Money{Cents: q, Currency: m.Currency}
}

// String formats m the German way: "2,90 €", "1.234,50 €", "-0,05 €";
// currencies other than EUR are written after the amount by their code.
func (m Money) String() string {
	c := m.Cents
	var b strings.Builder
	if c < 0 {
		b.WriteByte('-')
		c = -c
	}
	units := strconv.FormatInt(c/100, 10)
	for i, r := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	b.WriteByte(',')
	cents := c % 100
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	b.WriteByte(' ')
	if m.Currency == "EUR" || m.Currency == "" {
		b.WriteString("€")
	} else {
		b.WriteString(m.Currency)
	}
	return b.String()
}

// FormatRate formats a VAT rate in basis points, "19 %", "7,7 %".
func FormatRate(rate int) string {
	s := strconv.Itoa(rate / 100)
	if f := rate % 100; f != 0 {
		fs := strings.TrimRight(strconv.Itoa(100 + f)[1:], "0")
		s += "," + fs
	}
	return s + " %"
}
