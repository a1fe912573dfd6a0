package wasm

// German date and time entry that does not depend on the browser's locale.
//
// A browser renders <input type="date">, "time" and "datetime-local" in its
// own locale: a German page in an English browser showed "12/05/2026" and
// "02:24 AM". The portal therefore uses text inputs with the placeholders
// "TT.MM.JJJJ" and "HH:MM" (English UI: "DD.MM.YYYY", the same form: the
// product is German), inputmode=numeric, and this one small parser for
// every date and time a user types. It reads
//
//   - a date as "24.12.2026" or "1.2.2026", as the eight digits "24122026"
//     (a numeric keypad has no dot), or as ISO "2026-12-24" (pasted or
//     from an older form);
//   - a time as "08:00" or "8:00" (24 h), or as digits "800" / "0800";
//   - a date and time as the two, separated by spaces (or ISO's "T"), or
//     as twelve digits "241220260800".
//
// It accepts only real dates: 29.02. in leap years only, no 31.04. Years
// have four digits (1000–9999). The Format functions write the canonical
// form back into the field, so that what was typed as "24122026" reads
// "24.12.2026" after leaving the field and after a reload.

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// The placeholders of the date and time fields.
const (
	datePlaceholderKey     = "datefield.ph.date"     // "TT.MM.JJJJ"
	clockPlaceholderKey    = "datefield.ph.time"     // "HH:MM"
	dateTimePlaceholderKey = "datefield.ph.datetime" // "TT.MM.JJJJ HH:MM"
)

// ParseDateField reads a calendar date typed by a user ("24.12.2026",
// "24122026", "2026-12-24"). Anything else, and a date that does not exist
// (31.04.2026, 29.02.2027), is a *numberdesk.Error with CodeInvalid and a
// message in the current language naming the input and the expected form.
func ParseDateField(s string) (routing.Date, error) {
	if d, ok := parseDateField(s); ok {
		return d, nil
	}
	return routing.Date{}, dateFieldError("datefield.err.date", s)
}

// ParseClockField reads a time of day in 24 h ("08:00", "8:00", "0800").
// With endOfDay, "24:00" is accepted too (the end of a time window).
func ParseClockField(s string, endOfDay bool) (routing.TimeOfDay, error) {
	if t, ok := parseClockField(s); ok && (t < routing.MinutesPerDay || endOfDay) {
		return t, nil
	}
	return 0, dateFieldError("datefield.err.time", s)
}

// ParseDateTimeField reads a date and a time of day ("24.12.2026 08:00",
// ISO "2026-12-24T08:00"); both are required, the time before 24:00.
func ParseDateTimeField(s string) (routing.DateTime, error) {
	t := strings.TrimSpace(s)
	if len(t) == 12 && allDigits(t) { // "241220260800" from a numeric keypad
		t = t[:8] + " " + t[8:]
	}
	ds, ts, ok := strings.Cut(t, " ")
	if !ok {
		ds, ts, ok = strings.Cut(t, "T")
	}
	if ok {
		d, okD := parseDateField(ds)
		c, okC := parseClockField(strings.TrimSpace(ts))
		if okD && okC && c < routing.MinutesPerDay {
			return routing.DateTime{Date: d, Time: c}, nil
		}
	}
	return routing.DateTime{}, dateFieldError("datefield.err.datetime", s)
}

// FormatDateField returns d as "24.12.2026" ("" for the zero Date).
func FormatDateField(d routing.Date) string {
	if d == (routing.Date{}) {
		return ""
	}
	return pad2(d.Day) + "." + pad2(int(d.Month)) + "." + strconv.Itoa(d.Year)
}

// FormatClockField returns t as "08:00".
func FormatClockField(t routing.TimeOfDay) string { return pad2(t.Hour()) + ":" + pad2(t.Minute()) }

// FormatDateTimeField returns dt as "24.12.2026 08:00" ("" for the zero
// value).
func FormatDateTimeField(dt routing.DateTime) string {
	if dt.IsZero() {
		return ""
	}
	return FormatDateField(dt.Date) + " " + FormatClockField(dt.Time)
}

// NormalizeDateField returns s in the canonical form if it parses as a
// date, else s unchanged (so that a wrong input stays for the user to fix).
func NormalizeDateField(s string) string {
	if d, ok := parseDateField(s); ok {
		return FormatDateField(d)
	}
	return s
}

// NormalizeClockField is NormalizeDateField for a time ("800" → "08:00").
func NormalizeClockField(s string) string {
	if t, ok := parseClockField(s); ok {
		return FormatClockField(t)
	}
	return s
}

// NormalizeDateTimeField is NormalizeDateField for a date and time.
func NormalizeDateTimeField(s string) string {
	if dt, err := ParseDateTimeField(s); err == nil {
		return FormatDateTimeField(dt)
	}
	return s
}

// parseDateField is ParseDateField without the error.
func parseDateField(s string) (routing.Date, bool) {
	s = strings.TrimSpace(s)
	var ys, ms, ds string
	switch {
	case len(s) == 8 && allDigits(s):
		ds, ms, ys = s[:2], s[2:4], s[4:]
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		ys, ms, ds = s[:4], s[5:7], s[8:]
	default:
		parts := strings.Split(s, ".")
		if len(parts) != 3 {
			return routing.Date{}, false
		}
		ds, ms, ys = parts[0], parts[1], parts[2]
		if len(ds) < 1 || len(ds) > 2 || len(ms) < 1 || len(ms) > 2 {
			return routing.Date{}, false
		}
	}
	if len(ys) != 4 || !allDigits(ys) || !allDigits(ms) || !allDigits(ds) || ms == "" || ds == "" {
		return routing.Date{}, false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if y < 1000 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, time.Month(m)) {
		return routing.Date{}, false
	}
	return routing.Date{Year: y, Month: time.Month(m), Day: d}, true
}

// parseClockField reads "H:MM", "HH:MM", "HMM" or "HHMM", at most 24:00.
func parseClockField(s string) (routing.TimeOfDay, bool) {
	s = strings.TrimSpace(s)
	hs, ms, ok := strings.Cut(s, ":")
	if !ok {
		if len(s) < 3 || len(s) > 4 {
			return 0, false
		}
		hs, ms = s[:len(s)-2], s[len(s)-2:]
	}
	if len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !allDigits(hs) || !allDigits(ms) {
		return 0, false
	}
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, false
	}
	return routing.At(h, m), true
}

// daysInMonth is the length of month in year (Gregorian leap years).
func daysInMonth(year int, month time.Month) int {
	switch month {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// dateField renders the text input of a date, time or date-and-time field
// (placeholder: one of the datefield.ph keys): no browser date picker, so
// the browser's locale does not matter; a numeric keypad on phones. On
// leaving the field (change) the value is put into the canonical form by
// normalize before set stores it; with set nil the caller adds its own
// change handler (use normalizeInput in it).
func dateField(id, value string, placeholder i18n.Key, normalize func(string) string, set func(string), scope ...any) app.HTMLInput {
	size := 10
	switch placeholder {
	case clockPlaceholderKey:
		size = 5
	case dateTimePlaceholderKey:
		size = 16
	}
	in := app.Input().ID(id).Type("text").Class("date-field").Value(value).
		Placeholder(i18n.T(placeholder)).Attr("inputmode", "numeric").Attr("autocomplete", "off").
		Attr("spellcheck", "false").Size(size).MaxLength(size + 4)
	if set == nil {
		return in
	}
	return in.OnChange(func(ctx app.Context, e app.Event) {
		set(normalizeInput(ctx.JSSrc(), normalize))
	}, app.EventScope(append([]any{id}, scope...)...))
}

// normalizeInput puts the value of the input el into the canonical form
// (normalize), writes it back into the input and returns it.
func normalizeInput(el app.Value, normalize func(string) string) string {
	v := normalize(el.Get("value").String())
	el.Set("value", v)
	return v
}

// dateFieldError is the error of an input that is not a date or time: key
// names the expected form, the input is quoted (shortened).
func dateFieldError(key i18n.Key, input string) error {
	in := strings.TrimSpace(input)
	if r := []rune(in); len(r) > 20 {
		in = string(r[:20]) + "…"
	}
	msg := i18n.T(key + ".empty")
	if in != "" {
		msg = i18n.T(key, in)
	}
	return numberdesk.E(numberdesk.CodeInvalid, "wasm.datefield", "", "%s", msg)
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		datePlaceholderKey:             {DE: "TT.MM.JJJJ", EN: "DD.MM.YYYY"},
		clockPlaceholderKey:            {DE: "HH:MM", EN: "HH:MM"},
		dateTimePlaceholderKey:         {DE: "TT.MM.JJJJ HH:MM", EN: "DD.MM.YYYY HH:MM"},
		"datefield.err.date":           {DE: "„{1}“ ist kein gültiges Datum. Bitte als TT.MM.JJJJ angeben, z. B. 24.12.2026.", EN: "“{1}” is not a valid date. Please enter it as DD.MM.YYYY, e.g. 24.12.2026."},
		"datefield.err.date.empty":     {DE: "Bitte geben Sie ein Datum als TT.MM.JJJJ an.", EN: "Please enter a date as DD.MM.YYYY."},
		"datefield.err.time":           {DE: "„{1}“ ist keine gültige Uhrzeit. Bitte als HH:MM (24 Stunden) angeben, z. B. 18:30.", EN: "“{1}” is not a valid time. Please enter it as HH:MM (24 hours), e.g. 18:30."},
		"datefield.err.time.empty":     {DE: "Bitte geben Sie eine Uhrzeit als HH:MM an.", EN: "Please enter a time as HH:MM."},
		"datefield.err.datetime":       {DE: "„{1}“ ist kein gültiger Zeitpunkt. Bitte als TT.MM.JJJJ HH:MM angeben, z. B. 24.12.2026 08:00.", EN: "“{1}” is not a valid date and time. Please enter it as DD.MM.YYYY HH:MM, e.g. 24.12.2026 08:00."},
		"datefield.err.datetime.empty": {DE: "Bitte geben Sie Datum und Uhrzeit als TT.MM.JJJJ HH:MM an.", EN: "Please enter the date and time as DD.MM.YYYY HH:MM."},
	})
}
