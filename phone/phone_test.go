package phone_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want phone.E164
	}{
		// National German formats.
		{"0221 123456-10", "+4922112345610"},
		{"0221 12345610", "+4922112345610"},
		{"022112345610", "+4922112345610"},
		{"(0221) 12 34 56", "+49221123456"},
		{"(0221)123456", "+49221123456"},
		{"0221/123456", "+49221123456"},
		{"0221 / 12 34 56 - 10", "+4922112345610"},
		{"0221.123456", "+49221123456"},
		{"0221-123456", "+49221123456"},
		{"(0)221 123456", "+49221123456"},
		{"030 1234567", "+49301234567"},
		{"089 123456", "+4989123456"},
		{"06221 123456", "+496221123456"},
		{"033203 123456", "+4933203123456"},
		{"0151 12345678", "+4915112345678"},
		{"0176/12345678", "+4917612345678"},
		{"0800 2222550", "+498002222550"},
		{"0900 1 234567", "+499001234567"},
		{"030 1234", "+49301234"}, // shortest German number: 6 digits
		{"  0221 123456  ", "+49221123456"},
		{"\t0221\t123456\n", "+49221123456"},
		{"0221\u00a0123456", "+49221123456"},             // no-break space
		{"0221\u202f12\u202f34\u202f56", "+49221123456"}, // narrow no-break space
		{"\u00a00221 123456\u00a0", "+49221123456"},
		// International formats.
		{"+4922112345610", "+4922112345610"},
		{"+49 221 123456-10", "+4922112345610"},
		{"+49 (0)221 123456", "+49221123456"},
		{"+49(0)221 123456", "+49221123456"},
		{"+49 (0) 221 123456", "+49221123456"},
		{"+49 (221) 123456", "+49221123456"},
		{"+49-221-123456", "+49221123456"},
		{"+49.221.123456", "+49221123456"},
		{"+49/221/123456", "+49221123456"},
		{"+ 49 221 123456", "+49221123456"},
		{"0049 221 123456", "+49221123456"},
		{"0049221123456", "+49221123456"},
		{"0049 (0)221 123456", "+49221123456"},
		{"00 49 221 123456", "+49221123456"},
		{"+43 1 234567", "+431234567"},
		{"+43 (0)1 234567", "+431234567"},
		{"0043 1 234567", "+431234567"},
		{"+41 44 668 18 00", "+41446681800"},
		{"+1 (212) 555-0100", "+12125550100"},
		{"+39 06 1234 5678", "+390612345678"},    // Italy keeps the 0
		{"+683 1234", "+6831234"},                // Niue: 4-digit numbers
		{"+491234123456789", "+491234123456789"}, // 15 digits
	}
	for _, tt := range tests {
		got, err := phone.Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []string{
		"",
		"   ",
		"+",
		"++49 221 123456",
		"+ ",
		"0",
		"00",
		"000",
		"0049",
		"+49",
		"abc",
		"0221 ABC123",
		"0221 123456 ext. 10",
		"0221 123456 x10",
		"0221 123456#",
		"0221 123456*",
		"0221_123456",
		"0221,123456",
		"0221 123456+",
		"0221+123456",
		"(+49) 221 123456",
		"0221 12",                    // too short
		"0221 1",                     // too short
		"030 123",                    // too short: 5 digits after the 0
		"+43 123",                    // too short: 3 digits after the country code
		"+49 221 12345678901",        // 16 digits
		"+49 221 123456789012345678", // far too long
		"0221 12345678901234",        // 16 digits with the 49
		"221 123456",                 // no prefix
		"4922112345610",              // no "+"
		"1234567",
		"+999 1234567",    // unassigned country code
		"+0 221 123456",   // country code 0
		"000 221 123456",  // 000
		"+49 0221 123456", // German NSN with 0
		"+49 (0221) 123456",
		"0049 0221 123456",
		"+49 (0)(0)221 123456",
		"+49 (0)0221 123456",
		"(0221 123456",    // unbalanced
		"0221) 123456",    // unbalanced
		"((0221)) 123456", // nested
		"() 0221 123456",  // empty group
		"+49 ( ) 221 123456",
		"0221 １２３４５６",            // full-width digits
		"0221\u2013123456",       // en dash
		"0221 123456\x00",        // NUL
		"\xff\xfe",               // not UTF-8
		strings.Repeat("0", 101), // longer than any input Parse reads
		"0221" + strings.Repeat(" ", 100) + "123456",
	}
	for _, in := range tests {
		got, err := phone.Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want an error", in, got)
			continue
		}
		if got != "" {
			t.Errorf("Parse(%q) = %q with the error, want \"\"", in, got)
		}
		var e *numberdesk.Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q): error %T is no *numberdesk.Error", in, err)
		}
		if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != "number" ||
			e.Op != "phone.Parse" || e.Message == "" {
			t.Errorf("Parse(%q): error %#v, want code invalid, op phone.Parse, field number, a message", in, e)
		}
		if !errors.Is(err, numberdesk.ErrInvalid) {
			t.Errorf("Parse(%q): errors.Is(err, ErrInvalid) = false", in)
		}
	}
}

func TestParseMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "Die Rufnummer fehlt."},
		{"0221 abc", "Die Rufnummer enthält ungültige Zeichen."},
		{"221 123456", "Die Rufnummer muss mit der Vorwahl (0…) oder der Ländervorwahl (+…) beginnen."},
		{"0221 12", "Die Rufnummer ist zu kurz."},
		{"+49 221 12345678901", "Die Rufnummer ist zu lang."},
		{"+999 1234567", "Die Ländervorwahl ist ungültig."},
		{"+49 0221 123456", "Die Rufnummer ist ungültig."},
	}
	for _, tt := range tests {
		_, err := phone.Parse(tt.in)
		if got := numberdesk.ErrorMessage(err); got != tt.want {
			t.Errorf("Parse(%q): message %q, want %q", tt.in, got, tt.want)
		}
	}
}

// known lists German numbers with their area codes and formats.
var known = []struct {
	n             phone.E164
	area          string
	national      string
	international string
}{
	{"+49301234567", "30", "030 1234567", "+49 30 1234567"},          // Berlin
	{"+494012345678", "40", "040 12345678", "+49 40 12345678"},       // Hamburg
	{"+4989123456", "89", "089 123456", "+49 89 123456"},             // München
	{"+4969123456", "69", "069 123456", "+49 69 123456"},             // Frankfurt
	{"+4922112345610", "221", "0221 12345610", "+49 221 12345610"},   // Köln
	{"+49211123456", "211", "0211 123456", "+49 211 123456"},         // Düsseldorf
	{"+49212123456", "212", "0212 123456", "+49 212 123456"},         // Solingen
	{"+49212912345", "2129", "02129 12345", "+49 2129 12345"},        // Haan, inside 0212
	{"+496221123456", "6221", "06221 123456", "+49 6221 123456"},     // Heidelberg
	{"+4933203123456", "33203", "033203 123456", "+49 33203 123456"}, // Kleinmachnow
	{"+49711123456", "711", "0711 123456", "+49 711 123456"},         // Stuttgart
	{"+4915112345678", "151", "0151 12345678", "+49 151 12345678"},   // mobile
	{"+4915212345678", "152", "0152 12345678", "+49 152 12345678"},
	{"+491601234567", "160", "0160 1234567", "+49 160 1234567"},
	{"+4917112345678", "171", "0171 12345678", "+49 171 12345678"},
	{"+4917612345678", "176", "0176 12345678", "+49 176 12345678"},
	{"+498002222550", "800", "0800 2222550", "+49 800 2222550"}, // service
	{"+499001234567", "900", "0900 1234567", "+49 900 1234567"},
	{"+4918051234567", "180", "0180 51234567", "+49 180 51234567"},
	{"+4913712345678", "137", "0137 12345678", "+49 137 12345678"},
	{"+4932123456789", "32", "032 123456789", "+49 32 123456789"},
}

func TestFormatGerman(t *testing.T) {
	for _, tt := range known {
		if got := tt.n.National(); got != tt.national {
			t.Errorf("%s.National() = %q, want %q", tt.n, got, tt.national)
		}
		if got := tt.n.International(); got != tt.international {
			t.Errorf("%s.International() = %q, want %q", tt.n, got, tt.international)
		}
		if got, ok := tt.n.AreaCode(); got != tt.area || !ok {
			t.Errorf("%s.AreaCode() = %q, %v; want %q, true", tt.n, got, ok, tt.area)
		}
		if got := tt.n.CountryCode(); got != "49" {
			t.Errorf("%s.CountryCode() = %q, want 49", tt.n, got)
		}
		if got, want := tt.n.NSN(), string(tt.n[3:]); got != want {
			t.Errorf("%s.NSN() = %q, want %q", tt.n, got, want)
		}
	}
}

func TestFormatOther(t *testing.T) {
	tests := []struct {
		n                  phone.E164
		cc, nsn, formatted string
	}{
		{"+431234567", "43", "1234567", "+43 1234567"},
		{"+41446681800", "41", "446681800", "+41 446681800"},
		{"+12125550100", "1", "2125550100", "+1 2125550100"},
		{"+390612345678", "39", "0612345678", "+39 0612345678"},
		{"+3524712345", "352", "4712345", "+352 4712345"},
	}
	for _, tt := range tests {
		if got := tt.n.CountryCode(); got != tt.cc {
			t.Errorf("%s.CountryCode() = %q, want %q", tt.n, got, tt.cc)
		}
		if got := tt.n.NSN(); got != tt.nsn {
			t.Errorf("%s.NSN() = %q, want %q", tt.n, got, tt.nsn)
		}
		if got := tt.n.National(); got != tt.formatted {
			t.Errorf("%s.National() = %q, want %q", tt.n, got, tt.formatted)
		}
		if got := tt.n.International(); got != tt.formatted {
			t.Errorf("%s.International() = %q, want %q", tt.n, got, tt.formatted)
		}
		if got, ok := tt.n.AreaCode(); got != "" || ok {
			t.Errorf("%s.AreaCode() = %q, %v; want \"\", false", tt.n, got, ok)
		}
	}
}

func TestUnknownAreaCode(t *testing.T) {
	n := phone.E164("+49110123456") // 0110 is no area code
	if !n.Valid() {
		t.Fatalf("%s.Valid() = false", n)
	}
	if got, ok := n.AreaCode(); got != "" || ok {
		t.Errorf("AreaCode() = %q, %v; want \"\", false", got, ok)
	}
	if got, want := n.National(), "0110123456"; got != want {
		t.Errorf("National() = %q, want %q", got, want)
	}
	if got, want := n.International(), "+49 110123456"; got != want {
		t.Errorf("International() = %q, want %q", got, want)
	}
}

func TestValid(t *testing.T) {
	valid := []phone.E164{"+49301234", "+4922112345610", "+491234123456789", "+431234567", "+6831234", "+12125550100"}
	for _, n := range valid {
		if !n.Valid() {
			t.Errorf("%q.Valid() = false", n)
		}
	}
	invalid := []phone.E164{
		"", "+", "+49", "4922112345610", "+49 221 123456", "+49-221123456", "+4922112345678901",
		"+4902211234567", "+4930123", "+43123", "+999123456", "+0221123456", "++49221123456",
		"+49221123456\n", "+49221１23456",
	}
	for _, n := range invalid {
		if n.Valid() {
			t.Errorf("%q.Valid() = true", n)
		}
		if n.CountryCode() != "" || n.NSN() != "" {
			t.Errorf("%q: CountryCode() = %q, NSN() = %q; want empty", n, n.CountryCode(), n.NSN())
		}
		if _, ok := n.AreaCode(); ok {
			t.Errorf("%q.AreaCode() ok", n)
		}
		if n.National() != string(n) || n.International() != string(n) {
			t.Errorf("%q: National() = %q, International() = %q; want it unchanged", n, n.National(), n.International())
		}
	}
}

// roundTrip checks that Parse reads back what n formats.
func roundTrip(t *testing.T, n phone.E164) {
	t.Helper()
	for _, s := range []string{string(n), n.National(), n.International()} {
		if got, err := phone.Parse(s); got != n || err != nil {
			t.Errorf("Parse(%q) = %q, %v; want %q (round trip)", s, got, err, n)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tt := range known {
		roundTrip(t, tt.n)
	}
	for _, n := range []phone.E164{"+431234567", "+12125550100", "+390612345678", "+6831234", "+49110123456", "+491234123456789"} {
		roundTrip(t, n)
	}
}

// TestAllAreaCodes checks a number of every prefix in the generated table:
// its area code, its formats and the round trip.
func TestAllAreaCodes(t *testing.T) {
	n := 0
	for _, p := range phone.AreaCodePrefixes() {
		for _, l := range []int{8, 13} { // NSN lengths
			nsn := (p.Prefix + "23456789012345")[:l]
			e := phone.E164("+49" + nsn)
			code, ok := e.AreaCode()
			if !ok || code != nsn[:p.Len] {
				t.Fatalf("%s.AreaCode() = %q, %v; want %q", e, code, ok, nsn[:p.Len])
			}
			if want := "0" + nsn[:p.Len] + " " + nsn[p.Len:]; e.National() != want {
				t.Fatalf("%s.National() = %q, want %q", e, e.National(), want)
			}
			roundTrip(t, e)
			n++
		}
	}
	if n < 2000 {
		t.Errorf("only %d numbers checked", n)
	}
}

func TestDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"0221 12", "4922112"},
		{"+49 221", "49221"},
		{"12 34", "1234"},
		{"0049 221", "49221"},
		{"+49 (0)221 12", "4922112"},
		{"0049 (0)221", "49221"},
		{"(0221) 12", "4922112"},
		{"(0)221", "49221"},
		{"0", "49"},
		{"00", ""},
		{"+", ""},
		{"abc", ""},
		{"Köln 0221", "49221"},
		{"12-34/56", "123456"},
		{"1 (0) 2", "102"},
		{"+43 1", "431"},
		{"++49", "49"},
		{"4+9", "49"},
		{"+(1)(0)(0)(010)", "10010"}, // "(0)" dropped once, as in Parse
	}
	for _, tt := range tests {
		if got := phone.Digits(tt.in); got != tt.want {
			t.Errorf("Digits(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A search term finds the number it is part of.
	n, _ := phone.Parse("0221 123456-10")
	for _, term := range []string{"0221", "0221 1234", "+49 221", "123456", "56-10", "+49 (0)221 12"} {
		if !strings.Contains(string(n), phone.Digits(term)) {
			t.Errorf("Digits(%q) = %q, not in %s", term, phone.Digits(term), n)
		}
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		base phone.E164
		ext  string
		want phone.E164
	}{
		{"+49221123456", "0", "+492211234560"},
		{"+49221123456", "10", "+4922112345610"},
		{"+49221123", "12345", "+4922112312345"},
		{"+49221123456789", "1", "+492211234567891"}, // 15 digits
		{"+431234567", "99", "+43123456799"},
	}
	for _, tt := range tests {
		got, err := phone.Join(tt.base, tt.ext)
		if got != tt.want || err != nil {
			t.Errorf("Join(%q, %q) = %q, %v; want %q", tt.base, tt.ext, got, err, tt.want)
		}
		if !got.Valid() {
			t.Errorf("Join(%q, %q) = %q, not valid", tt.base, tt.ext, got)
		}
	}

	bad := []struct {
		base  phone.E164
		ext   string
		field string
	}{
		{"+49221123456", "", "extension"},
		{"+49221123456", "123456", "extension"},
		{"+49221123456", "1a", "extension"},
		{"+49221123456", " 1", "extension"},
		{"+49221123456", "-1", "extension"},
		{"+49221123456", "１", "extension"},
		{"+49221123456789", "12", "extension"}, // 16 digits
		{"+492211234567890", "1", "extension"}, // base already 15
		{"", "10", "number"},
		{"0221 123456", "10", "number"},
		{"+49 221 123456", "10", "number"},
	}
	for _, tt := range bad {
		got, err := phone.Join(tt.base, tt.ext)
		if err == nil {
			t.Errorf("Join(%q, %q) = %q, want an error", tt.base, tt.ext, got)
			continue
		}
		if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != tt.field {
			t.Errorf("Join(%q, %q): %v; want code invalid, field %s", tt.base, tt.ext, err, tt.field)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0221 123456-10", "(0221) 12 34 56", "0221/123456", "+49 (0)221 123456", "0049 221 123456",
		"+49 221 123456-10", "+43 1 234567", "+43 (0)1 234567", "0151 12345678", "+", "", "0", "00",
		"+49 0221", "(0)221 123456", "033203 123456", "+1 (212) 555-0100", "0221\u00a0123456",
		"+4922112345678901", "((0))", "+49(0)(0)221",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := phone.Parse(s)
		if err != nil {
			if n != "" || numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != "number" {
				t.Fatalf("Parse(%q) = %q, %v", s, n, err)
			}
			return
		}
		if !n.Valid() {
			t.Fatalf("Parse(%q) = %q, not valid", s, n)
		}
		if len(n) > 16 {
			t.Fatalf("Parse(%q) = %q, more than 15 digits", s, n)
		}
		roundTrip(t, n)
		if d := phone.Digits(s); !strings.Contains(string(n), d) {
			t.Fatalf("Digits(%q) = %q, not in %s", s, d, n)
		}
	})
}

func ExampleParse() {
	for _, s := range []string{"0221 123456-10", "+49 (0)30 1234567", "0043 1 234567", "0221 12"} {
		n, err := phone.Parse(s)
		if err != nil {
			fmt.Println(numberdesk.ErrorMessage(err))
			continue
		}
		fmt.Println(n, "|", n.National(), "|", n.International())
	}
	// Output:
	// +4922112345610 | 0221 12345610 | +49 221 12345610
	// +49301234567 | 030 1234567 | +49 30 1234567
	// +431234567 | +43 1234567 | +43 1234567
	// Die Rufnummer ist zu kurz.
}

func ExampleJoin() {
	base, _ := phone.Parse("0221 123456")
	n, _ := phone.Join(base, "10")
	fmt.Println(n.National())
	// Output: 0221 12345610
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := phone.Parse("+49 (0)221 123456-10"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNational(b *testing.B) {
	n := phone.E164("+4933203123456")
	b.ReportAllocs()
	for b.Loop() {
		if n.National() == "" {
			b.Fatal("empty")
		}
	}
}
