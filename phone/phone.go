package phone

import (
	"strings"

	"github.com/numberdesk/numberdesk"
)

// E164 is a phone number in E.164 form: "+" then the country code and the
// national significant number, at most 15 digits in all, e.g.
// "+4922112345610".
type E164 string

// Length limits of a number, in digits.
const (
	maxDigits    = 15  // country code and NSN together (E.164)
	minNSNGerman = 6   // a German NSN: 2-digit area code and 4-digit subscriber
	minNSN       = 4   // the NSN of other countries (e.g. Niue, St Helena)
	maxInput     = 100 // bytes of input Parse reads at all
)

// Non-breaking spaces, which count as spaces: text copied from web pages
// often has them.
const (
	nbsp  = "\u00a0"
	nnbsp = "\u202f"
)

// German user messages.
const (
	msgEmpty   = "Die Rufnummer fehlt."
	msgChars   = "Die Rufnummer enthält ungültige Zeichen."
	msgPrefix  = "Die Rufnummer muss mit der Vorwahl (0…) oder der Ländervorwahl (+…) beginnen."
	msgShort   = "Die Rufnummer ist zu kurz."
	msgLong    = "Die Rufnummer ist zu lang."
	msgCountry = "Die Ländervorwahl ist ungültig."
	msgInvalid = "Die Rufnummer ist ungültig."
	msgBase    = "Die Stammnummer ist ungültig."
	msgExt     = "Die Durchwahl muss aus 1 bis 5 Ziffern bestehen."
	msgJoin    = "Stammnummer und Durchwahl sind zusammen zu lang."
)

// Parse reads a phone number written by a person in any usual format and
// returns it in E.164.
//
// A number starting with "+" or "00" is international. A number starting with
// a single 0 is national and taken as German: "0221 123456-10",
// "(0221) 12 34 56", "0221/123456". Separators may be spaces, '-', '/', '.'
// and parentheses; a "(0)" right after the country code ("+49 (0)221 123456")
// is the written-out trunk prefix and is dropped. A number with neither "+",
// "00" nor 0 in front is refused, since its country and area are unknown.
//
// A German number needs at least 6 digits after the 0 (the shortest area
// code, 2 digits, and a 4-digit subscriber number); a number of another
// country at least 4 after the country code; no number more than 15 digits
// in all. The country code must be an assigned one, and a German national
// significant number must not start with 0 ("+49 0221 …"). Parse does not
// check that the area code is assigned.
//
// Every failure is a *numberdesk.Error with Code invalid, Op "phone.Parse",
// Field "number" and a short German message.
func Parse(s string) (E164, error) {
	var buf [maxDigits + 4]byte
	d, msg := scan(s, buf[:0])
	if msg == "" {
		n := string(d)
		if _, _, msg = validate(n); msg == "" {
			return E164(n), nil
		}
	}
	return "", numberdesk.E(numberdesk.CodeInvalid, "phone.Parse", "number", msg)
}

// scan reads s into buf as "+" and the digits of the E.164 number, still
// unchecked: the international prefix is dropped and a national 0 replaced
// by "49". It returns a German message on malformed input.
func scan(s string, buf []byte) (d []byte, msg string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, msgEmpty
	case len(s) > maxInput:
		return nil, msgLong
	}
	buf = append(buf, '+')
	intl := s[0] == '+'
	if intl {
		s = s[1:]
	}
	var (
		digits  int  // digits seen so far, prefixes included
		open    bool // inside parentheses
		grouped bool // the current parentheses hold a digit
		trunk   bool // a "(0)" was dropped
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
			grouped = grouped || open
			switch {
			case digits == 1 && !intl && c != '0':
				return nil, msgPrefix
			case digits == 1 && !intl: // national 0 or the first 0 of 00
				continue
			case digits == 2 && !intl && c == '0': // 00: international
				intl = true
				continue
			case digits == 2 && !intl: // national: German
				buf = append(buf, '4', '9')
			}
			if len(buf) == cap(buf) {
				return nil, msgLong
			}
			buf = append(buf, c)
		case c == '(' && !open:
			if intl && !trunk && strings.HasPrefix(s[i:], "(0)") && isCountryCode(string(buf[1:])) {
				i += len("(0)") - 1
				trunk = true
				continue
			}
			open, grouped = true, false
		case c == ')' && open:
			if !grouped {
				return nil, msgInvalid
			}
			open = false
		case c == ' ' || c == '\t' || c == '-' || c == '/' || c == '.':
		case strings.HasPrefix(s[i:], nbsp):
			i += len(nbsp) - 1
		case strings.HasPrefix(s[i:], nnbsp):
			i += len(nnbsp) - 1
		case c == '(' || c == ')': // nested or unbalanced
			return nil, msgInvalid
		default:
			return nil, msgChars
		}
	}
	if open {
		return nil, msgInvalid
	}
	if !intl && digits == 1 { // just "0"
		buf = append(buf, '4', '9')
	}
	return buf, ""
}

// validate checks the number s, "+" and digits, and returns its country code
// and national significant number, or a German message.
func validate(s string) (cc, nsn, msg string) {
	switch {
	case len(s) < 2 || s[0] != '+' || !allDigits(s[1:]):
		return "", "", msgInvalid
	case len(s) > 1+maxDigits:
		return "", "", msgLong
	}
	cc = countryCode(s[1:])
	if cc == "" {
		return "", "", msgCountry
	}
	nsn = s[1+len(cc):]
	switch {
	case cc == "49" && len(nsn) < minNSNGerman, len(nsn) < minNSN:
		return "", "", msgShort
	case cc == "49" && nsn[0] == '0':
		return "", "", msgInvalid
	}
	return cc, nsn, ""
}

// split returns the country code and the national significant number of n,
// or ok false if n is not valid.
func (n E164) split() (cc, nsn string, ok bool) {
	cc, nsn, msg := validate(string(n))
	return cc, nsn, msg == ""
}

// allDigits reports whether s consists of ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Valid reports whether n is well-formed E.164 as Parse produces it: "+",
// an assigned country code and a national significant number of a valid
// length, at most 15 digits in all.
func (n E164) Valid() bool {
	_, _, ok := n.split()
	return ok
}

// CountryCode returns the country calling code of n, e.g. "49", or "" if n
// is not valid.
func (n E164) CountryCode() string {
	cc, _, _ := n.split()
	return cc
}

// NSN returns the national significant number of n, the digits after the
// country code, e.g. "22112345610", or "" if n is not valid.
func (n E164) NSN() string {
	_, nsn, _ := n.split()
	return nsn
}

// AreaCode returns the German area code ("Ortsnetzkennzahl", "Vorwahl")
// without the leading 0, e.g. "221", or the mobile or service prefix, e.g.
// "151" or "800". ok is false for numbers of other countries, invalid
// numbers and prefixes that are not in the numbering plan.
//
// The code lengths come from libphonenumber's German numbering plan; the
// mobile ranges 015x, 016x and 017x are given their customary 3-digit
// prefix.
func (n E164) AreaCode() (code string, ok bool) {
	cc, nsn, ok := n.split()
	if !ok || cc != "49" {
		return "", false
	}
	l := areaCodeLen(nsn)
	if l == 0 {
		return "", false
	}
	return nsn[:l], true
}

// National formats n for display. A German number is written in the German
// national format, the area code separated by a space:
// "+4922112345610" → "0221 12345610", "+4915112345678" → "0151 12345678";
// if the area code is unknown, "0" and the national significant number follow
// without a space. A number of another country is written in the
// international format, see International. An invalid n is returned
// unchanged.
func (n E164) National() string {
	cc, nsn, ok := n.split()
	switch {
	case !ok:
		return string(n)
	case cc != "49":
		return "+" + cc + " " + nsn
	}
	if l := areaCodeLen(nsn); l > 0 {
		return "0" + nsn[:l] + " " + nsn[l:]
	}
	return "0" + nsn
}

// International formats n for display in the international format: "+49 221
// 12345610" (country code, area code and subscriber number separated by
// spaces) for a German number, "+<country code> <national significant
// number>" for others and for German numbers of an unknown area code. An
// invalid n is returned unchanged.
func (n E164) International() string {
	cc, nsn, ok := n.split()
	if !ok {
		return string(n)
	}
	if cc == "49" {
		if l := areaCodeLen(nsn); l > 0 {
			return "+49 " + nsn[:l] + " " + nsn[l:]
		}
	}
	return "+" + cc + " " + nsn
}

// Digits normalises a free-text search term so that it matches inside the
// digits of E.164 numbers (without the "+"): every non-digit is dropped, an
// international prefix "+" or "00" is dropped (the country code is kept),
// and a single national 0 in front is replaced by "49". A "(0)" after the
// country code is dropped as in Parse. For example "0221 12" → "4922112",
// "+49 221" → "49221", "12 34" → "1234", "" → "".
func Digits(s string) string {
	var b strings.Builder
	plus, trunk := false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
			plus = true
		case c == '(' && !trunk && strings.HasPrefix(s[i:], "(0)"):
			d, intl := b.String(), plus
			if !plus {
				d, intl = strings.CutPrefix(d, "00")
			}
			if intl && isCountryCode(d) {
				i += len("(0)") - 1
				trunk = true
			}
		}
	}
	d := b.String()
	switch {
	case plus:
		return d
	case strings.HasPrefix(d, "00"):
		return d[2:]
	case strings.HasPrefix(d, "0"):
		return "49" + d[1:]
	}
	return d
}

// Join returns the number of extension ext ("Durchwahl") in the block of
// base ("Stammnummer"): base followed by the digits of ext. ext must be 1 to
// 5 digits, and the result at most 15 digits; otherwise Join returns a
// *numberdesk.Error with Code invalid and Field "extension". An invalid base
// yields Field "number".
func Join(base E164, ext string) (E164, error) {
	if !base.Valid() {
		return "", numberdesk.E(numberdesk.CodeInvalid, "phone.Join", "number", msgBase)
	}
	if len(ext) < 1 || len(ext) > 5 || !allDigits(ext) {
		return "", numberdesk.E(numberdesk.CodeInvalid, "phone.Join", "extension", msgExt)
	}
	n := base + E164(ext)
	if !n.Valid() {
		return "", numberdesk.E(numberdesk.CodeInvalid, "phone.Join", "extension", msgJoin)
	}
	return n, nil
}
