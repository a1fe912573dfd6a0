package routing

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/de"
)

// Holiday is a public holiday: its civil date and German name.
type Holiday struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// State is a German state (Bundesland): its code and name.
type State struct {
	Code string `json:"code"` // "NW"
	Name string `json:"name"` // "Nordrhein-Westfalen"
}

// States lists the 16 German states in alphabetical order of their codes,
// the values CondHolidays accepts in Condition.State.
var States = []State{
	{"BB", "Brandenburg"},
	{"BE", "Berlin"},
	{"BW", "Baden-Württemberg"},
	{"BY", "Bayern"},
	{"HB", "Bremen"},
	{"HE", "Hessen"},
	{"HH", "Hamburg"},
	{"MV", "Mecklenburg-Vorpommern"},
	{"NI", "Niedersachsen"},
	{"NW", "Nordrhein-Westfalen"},
	{"RP", "Rheinland-Pfalz"},
	{"SH", "Schleswig-Holstein"},
	{"SL", "Saarland"},
	{"SN", "Sachsen"},
	{"ST", "Sachsen-Anhalt"},
	{"TH", "Thüringen"},
}

// stateIndex returns the index of code in States, or -1.
func stateIndex(code string) int {
	if len(code) != 2 {
		return -1
	}
	for i := range States {
		if States[i].Code == code {
			return i
		}
	}
	return -1
}

// ValidState reports whether code is one of the 16 state codes.
func ValidState(code string) bool { return stateIndex(code) >= 0 }

// The holidays, as github.com/rickar/cal/v2 definitions. The package de of
// rickar/cal supplies the dates; the names and the years a holiday has been
// in force are corrected here where de lacks them (Frauentag in Berlin
// since 2019 and Mecklenburg-Vorpommern since 2023, Reformationstag in the
// northern states since 2018 and everywhere in 2017, Ostersonntag and
// Pfingstsonntag in Brandenburg, the 8 May one-offs in Berlin).
var (
	hNeujahr        = de.Neujahr.Clone(&cal.Holiday{Name: "Neujahr"})
	hDreiKoenige    = de.HeiligeDreiKoenige
	hFrauentagBE    = de.Frauentag.Clone(&cal.Holiday{Name: "Internationaler Frauentag", StartYear: 2019})
	hFrauentagMV    = de.Frauentag.Clone(&cal.Holiday{Name: "Internationaler Frauentag", StartYear: 2023})
	hKarfreitag     = de.Karfreitag
	hOstersonntag   = aa.Easter.Clone(&cal.Holiday{Name: "Ostersonntag", Type: cal.ObservancePublic})
	hOstermontag    = de.Ostermontag
	hTagDerArbeit   = de.TagderArbeit
	hBefreiung2020  = &cal.Holiday{Name: "Tag der Befreiung", Type: cal.ObservancePublic, Month: time.May, Day: 8, Func: cal.CalcDayOfMonth, StartYear: 2020, EndYear: 2020}
	hBefreiung2025  = &cal.Holiday{Name: "Tag der Befreiung", Type: cal.ObservancePublic, Month: time.May, Day: 8, Func: cal.CalcDayOfMonth, StartYear: 2025, EndYear: 2025}
	hHimmelfahrt    = de.ChristiHimmelfahrt
	hPfingstsonntag = aa.Pentecost.Clone(&cal.Holiday{Name: "Pfingstsonntag", Type: cal.ObservancePublic})
	hPfingstmontag  = de.Pfingstmontag
	hFronleichnam   = de.Fronleichnam
	hMariae         = de.MariaHimmelfahrt
	hKindertag      = de.Weltkindertag // since 2019
	hEinheit        = de.DeutschenEinheit
	hReformation    = de.Reformationstag
	hReformation18  = de.Reformationstag.Clone(&cal.Holiday{StartYear: 2017})                // HB, HH, NI, SH: 2017 (nationwide) and since 2018
	hReformation17  = de.Reformationstag.Clone(&cal.Holiday{StartYear: 2017, EndYear: 2017}) // the 500th anniversary, in every state
	hAllerheiligen  = de.Allerheiligen
	hBussUndBettag  = de.BussUndBettag
	hWeihnacht1     = de.Weihnachtstag.Clone(&cal.Holiday{Name: "1. Weihnachtstag"})
	hWeihnacht2     = de.ZweiterWeihnachtsfeiertag.Clone(&cal.Holiday{Name: "2. Weihnachtstag"})
)

// stateHolidays are the statewide public holidays of each state, indexed
// like States. Holidays of single municipalities (Mariä Himmelfahrt in
// Catholic communities of Bayern, Fronleichnam in parts of Sachsen and
// Thüringen, the Augsburger Friedensfest) are left out: add them as date
// rules.
var stateHolidays = [16][]*cal.Holiday{
	/* BB */ {hNeujahr, hKarfreitag, hOstersonntag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstsonntag, hPfingstmontag, hEinheit, hReformation, hWeihnacht1, hWeihnacht2},
	/* BE */ {hNeujahr, hFrauentagBE, hKarfreitag, hOstermontag, hTagDerArbeit, hBefreiung2020, hBefreiung2025, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation17, hWeihnacht1, hWeihnacht2},
	/* BW */ {hNeujahr, hDreiKoenige, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hEinheit, hReformation17, hAllerheiligen, hWeihnacht1, hWeihnacht2},
	/* BY */ {hNeujahr, hDreiKoenige, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hEinheit, hReformation17, hAllerheiligen, hWeihnacht1, hWeihnacht2},
	/* HB */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation18, hWeihnacht1, hWeihnacht2},
	/* HE */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hEinheit, hReformation17, hWeihnacht1, hWeihnacht2},
	/* HH */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation18, hWeihnacht1, hWeihnacht2},
	/* MV */ {hNeujahr, hFrauentagMV, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation, hWeihnacht1, hWeihnacht2},
	/* NI */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation18, hWeihnacht1, hWeihnacht2},
	/* NW */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hEinheit, hReformation17, hAllerheiligen, hWeihnacht1, hWeihnacht2},
	/* RP */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hEinheit, hReformation17, hAllerheiligen, hWeihnacht1, hWeihnacht2},
	/* SH */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation18, hWeihnacht1, hWeihnacht2},
	/* SL */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hFronleichnam, hMariae, hEinheit, hReformation17, hAllerheiligen, hWeihnacht1, hWeihnacht2},
	/* SN */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation, hBussUndBettag, hWeihnacht1, hWeihnacht2},
	/* ST */ {hNeujahr, hDreiKoenige, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hEinheit, hReformation, hWeihnacht1, hWeihnacht2},
	/* TH */ {hNeujahr, hKarfreitag, hOstermontag, hTagDerArbeit, hHimmelfahrt, hPfingstmontag, hKindertag, hEinheit, hReformation, hWeihnacht1, hWeihnacht2},
}

// yearTable holds one state's holidays of one year: a bit per day of the
// year for the evaluation, and the list for display.
type yearTable struct {
	bits [6]uint64 // bit i: day i of the year (0 = 1 January)
	list []Holiday
}

// The years whose tables are cached; evaluation outside them computes the
// table on every call (and allocates).
const (
	cacheFirstYear = 1970
	cacheYears     = 230 // 1970–2199
)

var holidayCache [16][cacheYears]atomic.Pointer[yearTable]

// table returns the holiday table of state index si in year, computing and
// caching it on first use. Safe for concurrent use.
func table(si, year int) *yearTable {
	yi := year - cacheFirstYear
	if yi < 0 || yi >= cacheYears {
		return buildTable(si, year)
	}
	if t := holidayCache[si][yi].Load(); t != nil {
		return t
	}
	t := buildTable(si, year)
	holidayCache[si][yi].Store(t) // a racing builder stores an equal table
	return t
}

func buildTable(si, year int) *yearTable {
	t := &yearTable{}
	jan1 := daysFromCivil(year, 1, 1)
	for _, h := range stateHolidays[si] {
		actual, _ := h.Calc(year)
		if actual.IsZero() {
			continue
		}
		y, m, d := actual.Date()
		if y != year {
			continue
		}
		doy := daysFromCivil(y, int(m), d) - jan1
		t.bits[doy/64] |= 1 << (doy % 64)
		t.list = append(t.list, Holiday{Date{y, m, d}, h.Name})
	}
	sort.SliceStable(t.list, func(i, j int) bool { return t.list[i].Date.Compare(t.list[j].Date) < 0 })
	return t
}

// Holidays returns the statewide public holidays of state (a code such as
// "NW") in year, in date order, or nil for an unknown state. Two holidays
// on one day (Tag der Arbeit and Christi Himmelfahrt in 2008) are both
// listed. The law in force is applied: holidays introduced later
// (Frauentag, Weltkindertag, Reformationstag in the northern states) appear
// from their first year; one-offs (Reformationstag 2017 everywhere, 8 May
// 2020 and 2025 in Berlin) only in their year. Years before 1995 are
// computed with the rules of 1995 (Buß- und Bettag, a holiday everywhere
// until 1994, is not). The dates come from github.com/rickar/cal/v2.
func Holidays(state string, year int) []Holiday {
	si := stateIndex(state)
	if si < 0 || year < 1583 || year > 9999 {
		return nil
	}
	return append([]Holiday(nil), table(si, year).list...)
}

// IsHoliday reports whether d is a public holiday in state, and its name.
// It does not allocate for the years 1970–2199 once the year has been
// looked up.
func IsHoliday(state string, d Date) (name string, ok bool) {
	si := stateIndex(state)
	if si < 0 || d.Year < 1583 || !d.Valid() {
		return "", false
	}
	t := table(si, d.Year)
	doy := daysFromCivil(d.Year, int(d.Month), d.Day) - daysFromCivil(d.Year, 1, 1)
	if t.bits[doy/64]&(1<<(doy%64)) == 0 {
		return "", false
	}
	for _, h := range t.list {
		if h.Date == d {
			return h.Name, true
		}
	}
	return "", false
}

// isHolidayDay is IsHoliday for evaluation: state index si and the civil
// date y-m-d with its day of the year doy (0-based).
func isHolidayDay(si, y, doy int) bool {
	if y < 1583 {
		return false
	}
	t := table(si, y)
	return t.bits[doy/64]&(1<<(doy%64)) != 0
}

// Easter returns the date of (Western, Gregorian) Easter Sunday in year,
// computed by github.com/rickar/cal/v2 (the Meeus/Jones/Butcher algorithm).
// It is meaningful from 1583 on.
func Easter(year int) Date {
	t, _ := aa.Easter.Calc(year)
	y, m, d := t.Date()
	return Date{y, m, d}
}
