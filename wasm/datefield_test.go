package wasm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

func TestParseDateFieldAccepts(t *testing.T) {
	for in, want := range map[string]routing.Date{
		"24.12.2026":   routing.D(2026, 12, 24),
		" 1.2.2026 ":   routing.D(2026, 2, 1),
		"01.02.2026":   routing.D(2026, 2, 1),
		"24122026":     routing.D(2026, 12, 24),
		"2026-12-24":   routing.D(2026, 12, 24),
		"29.02.2028":   routing.D(2028, 2, 29), // leap year
		"29.02.2000":   routing.D(2000, 2, 29), // divisible by 400
		"31.12.9999":   routing.D(9999, 12, 31),
		"01.01.1000":   routing.D(1000, 1, 1),
		"30.04.2026":   routing.D(2026, 4, 30),
		"31.01.2026":   routing.D(2026, 1, 31),
		"28.02.2027":   routing.D(2027, 2, 28),
		"2028-02-29":   routing.D(2028, 2, 29),
		"29022028":     routing.D(2028, 2, 29),
		"\t5.11.2030 ": routing.D(2030, 11, 5),
	} {
		got, err := ParseDateField(in)
		if err != nil || got != want {
			t.Errorf("ParseDateField(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestParseDateFieldRefuses(t *testing.T) {
	for _, in := range []string{
		"", " ", "31.04.2026", "31.06.2026", "31.09.2026", "31.11.2026", // 30-day months
		"29.02.2027", "29.02.1900", "30.02.2028", // no leap day; 1900 is not a leap year
		"00.01.2026", "01.00.2026", "32.01.2026", "01.13.2026",
		"24.12.26", "24.12.", "24.12", "24-12-2026", "12/24/2026", "2026/12/24",
		"24.12.02026", "24.12.0999", "a4.12.2026", "24.1a.2026", "+1.12.2026", "-1.12.2026",
		"124.12.2026", "24.123.2026", "2026-2-24", "2026-02-30", "31042026", "2412202", "241220266",
		"24..2026", ".12.2026", "24.12.2026 08:00",
	} {
		if d, err := ParseDateField(in); err == nil {
			t.Errorf("ParseDateField(%q) = %v, want an error", in, d)
		} else if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
			t.Errorf("ParseDateField(%q): code %v", in, numberdesk.ErrorCode(err))
		}
	}
}

// The rule: a date is accepted exactly when it exists in the Gregorian
// calendar (checked against time.Date's normalisation for every day of
// four years around a century, including 2000 and 2100).
func TestParseDateFieldIsTheCalendar(t *testing.T) {
	for _, y := range []int{1999, 2000, 2024, 2026, 2100} {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 31; d++ {
				real := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC).Day() == d
				in := pad2(d) + "." + pad2(m) + "." + fmt.Sprintf("%04d", y)
				got, err := ParseDateField(in)
				if real != (err == nil) {
					t.Fatalf("ParseDateField(%q): err %v, but the date exists: %v", in, err, real)
				}
				if real && FormatDateField(got) != in {
					t.Fatalf("FormatDateField(ParseDateField(%q)) = %q", in, FormatDateField(got))
				}
			}
		}
	}
}

func TestParseClockField(t *testing.T) {
	for in, want := range map[string]routing.TimeOfDay{
		"08:00": routing.At(8, 0), "8:00": routing.At(8, 0), "0800": routing.At(8, 0), "800": routing.At(8, 0),
		"23:59": routing.At(23, 59), "00:00": 0, " 18:30 ": routing.At(18, 30), "1830": routing.At(18, 30),
	} {
		if got, err := ParseClockField(in, false); err != nil || got != want {
			t.Errorf("ParseClockField(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "24:00", "24:01", "25:00", "12:60", "8", "08", "08:0", "8:000", "08.00", "2:24 AM", "12:00 PM", "-1:00", "1:-1", "a8:00", "123456"} {
		if v, err := ParseClockField(in, false); err == nil {
			t.Errorf("ParseClockField(%q) = %v, want an error", in, v)
		}
	}
	// The end of a window may be 24:00.
	if v, err := ParseClockField("24:00", true); err != nil || v != routing.MinutesPerDay {
		t.Errorf("ParseClockField(24:00, endOfDay) = %v, %v", v, err)
	}
	if _, err := ParseClockField("24:30", true); err == nil {
		t.Error("24:30 accepted")
	}
}

func TestParseDateTimeField(t *testing.T) {
	want := routing.DateTime{Date: routing.D(2026, 12, 24), Time: routing.At(8, 0)}
	for _, in := range []string{"24.12.2026 08:00", " 24.12.2026   8:00 ", "2026-12-24T08:00", "2026-12-24 08:00", "241220260800", "24122026 0800"} {
		if got, err := ParseDateTimeField(in); err != nil || got != want {
			t.Errorf("ParseDateTimeField(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "24.12.2026", "08:00", "31.04.2026 08:00", "24.12.2026 24:00", "24.12.2026 8", "24.12.2026T08:00x", "x 08:00"} {
		if v, err := ParseDateTimeField(in); err == nil {
			t.Errorf("ParseDateTimeField(%q) = %v, want an error", in, v)
		}
	}
	if got := FormatDateTimeField(want); got != "24.12.2026 08:00" {
		t.Errorf("FormatDateTimeField = %q", got)
	}
	if FormatDateTimeField(routing.DateTime{}) != "" || FormatDateField(routing.Date{}) != "" {
		t.Error("the zero value is not empty")
	}
}

func TestNormalizeFields(t *testing.T) {
	for in, want := range map[string]string{"24122026": "24.12.2026", "1.2.2026": "01.02.2026", "31.04.2026": "31.04.2026", "x": "x"} {
		if got := NormalizeDateField(in); got != want {
			t.Errorf("NormalizeDateField(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"800": "08:00", "8:05": "08:05", "25:00": "25:00"} {
		if got := NormalizeClockField(in); got != want {
			t.Errorf("NormalizeClockField(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeDateTimeField("241220260800"); got != "24.12.2026 08:00" {
		t.Errorf("NormalizeDateTimeField = %q", got)
	}
}

// The error names the input and the expected form, in the UI's language.
func TestDateFieldErrorMessages(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	i18n.SetLang(i18n.DE)
	_, err := ParseDateField("31.04.2026")
	if msg := numberdesk.ErrorMessage(err); !strings.Contains(msg, "„31.04.2026“ ist kein gültiges Datum") || !strings.Contains(msg, "TT.MM.JJJJ") {
		t.Errorf("German message = %q", msg)
	}
	_, err = ParseClockField("", false)
	if msg := numberdesk.ErrorMessage(err); !strings.Contains(msg, "HH:MM") {
		t.Errorf("message of an empty time = %q", msg)
	}
	i18n.SetLang(i18n.EN)
	_, err = ParseDateField("31.04.2026")
	if msg := numberdesk.ErrorMessage(err); !strings.Contains(msg, "not a valid date") || !strings.Contains(msg, "DD.MM.YYYY") {
		t.Errorf("English message = %q", msg)
	}
}

// FuzzParseDate: the parser never panics, accepts only real dates, and a
// date it accepts prints and parses back to itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"24.12.2026", "29.02.2028", "29.02.2027", "31.04.2026", "24122026", "2026-12-24", "", "1.1.1000", "99.99.9999", "٣.١٢.٢٠٢٦", "24.12.2026 08:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateField(s)
		if err != nil {
			if d != (routing.Date{}) {
				t.Fatalf("%q: error %v with a date %v", s, err, d)
			}
			return
		}
		if !d.Valid() || d.Year < 1000 || d.Year > 9999 {
			t.Fatalf("%q: accepted the invalid date %v", s, d)
		}
		if time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Day() != d.Day {
			t.Fatalf("%q: %v does not exist", s, d)
		}
		back, err := ParseDateField(FormatDateField(d))
		if err != nil || back != d {
			t.Fatalf("%q: round trip %v → %q → %v, %v", s, d, FormatDateField(d), back, err)
		}
	})
}

// FuzzParseDateTime: the same for a date and time and for a time alone.
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"24.12.2026 08:00", "2026-12-24T08:00", "241220260800", "24:00", "8:00", "0800", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if dt, err := ParseDateTimeField(s); err == nil {
			if !dt.Valid() {
				t.Fatalf("%q: accepted the invalid %v", s, dt)
			}
			if back, err := ParseDateTimeField(FormatDateTimeField(dt)); err != nil || back != dt {
				t.Fatalf("%q: round trip %v → %v, %v", s, dt, back, err)
			}
		}
		if c, err := ParseClockField(s, true); err == nil {
			if c > routing.MinutesPerDay {
				t.Fatalf("%q: %v", s, c)
			}
			if back, err := ParseClockField(FormatClockField(c), true); err != nil || back != c {
				t.Fatalf("%q: round trip %v → %v, %v", s, c, back, err)
			}
		}
	})
}
