package routing_test

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/de"

	"github.com/numberdesk/numberdesk/routing"
)

// easterSundays is a literal table of Western Easter Sundays 1990–2050
// (MMDD per year), as published in lists of Easter dates (e.g. the one in
// python-dateutil's test suite); independent of any algorithm here.
const easterSundays = `
1990 0415 1991 0331 1992 0419 1993 0411 1994 0403 1995 0416 1996 0407 1997 0330 1998 0412 1999 0404
2000 0423 2001 0415 2002 0331 2003 0420 2004 0411 2005 0327 2006 0416 2007 0408 2008 0323 2009 0412
2010 0404 2011 0424 2012 0408 2013 0331 2014 0420 2015 0405 2016 0327 2017 0416 2018 0401 2019 0421
2020 0412 2021 0404 2022 0417 2023 0409 2024 0331 2025 0420 2026 0405 2027 0328 2028 0416 2029 0401
2030 0421 2031 0413 2032 0328 2033 0417 2034 0409 2035 0325 2036 0413 2037 0405 2038 0425 2039 0410
2040 0401 2041 0421 2042 0406 2043 0329 2044 0417 2045 0409 2046 0325 2047 0414 2048 0405 2049 0418
2050 0410
`

// Further literal dates: Meeus, Astronomical Algorithms, ch. 8 (1818,
// 1886, 1943, 1954, 2285 are the extremes he lists), and well-known ones.
var knownEaster = map[int]string{
	1818: "03-22", 1886: "04-25", 1943: "04-25", 1954: "04-18", 1961: "04-02",
	2100: "03-28", 2106: "04-18", 2200: "04-06", 2285: "03-22", 3000: "04-13",
}

// easterGauss is Gauss's Easter formula with the two exception rules.
func easterGauss(y int) (month, day int) {
	a, b, c := y%19, y%4, y%7
	k := y / 100
	p := (13 + 8*k) / 25
	q := k / 4
	m := (15 - p + k - q) % 30
	n := (4 + k - q) % 7
	d := (19*a + m) % 30
	e := (2*b + 4*c + 6*d + n) % 7
	if d == 29 && e == 6 {
		return 4, 19
	}
	if d == 28 && e == 6 && (11*m+11)%30 < 19 {
		return 4, 18
	}
	if s := 22 + d + e; s <= 31 {
		return 3, s
	}
	return 4, d + e - 9
}

// easterOudin is J.-M. Oudin's algorithm (1940), as published by the U.S.
// Naval Observatory.
func easterOudin(y int) (month, day int) {
	c := y / 100
	n := y - 19*(y/19)
	k := (c - 17) / 25
	i := c - c/4 - (c-k)/3 + 19*n + 15
	i -= 30 * (i / 30)
	i -= (i / 28) * (1 - (i/28)*(29/(i+1))*((21-n)/11))
	j := y + y/4 + i + 2 - c + c/4
	j -= 7 * (j / 7)
	l := i - j
	month = 3 + (l+40)/44
	day = l + 28 - 31*(month/4)
	return month, day
}

func TestEasterFixture(t *testing.T) {
	f := strings.Fields(easterSundays)
	if len(f) != 2*61 {
		t.Fatalf("fixture has %d fields", len(f))
	}
	for i := 0; i < len(f); i += 2 {
		y, _ := strconv.Atoi(f[i])
		want := f[i] + "-" + f[i+1][:2] + "-" + f[i+1][2:]
		if got := routing.Easter(y).String(); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
	for y, md := range knownEaster {
		if got := routing.Easter(y).String(); got != strconv.Itoa(y)+"-"+md {
			t.Errorf("Easter %d = %s, want %s", y, got, md)
		}
	}
}

// Easter 2000–2100 (and far beyond) agrees with two algorithms that share
// no code with rickar/cal's Meeus/Jones/Butcher implementation.
func TestEasterAlgorithmsAgree(t *testing.T) {
	for y := 1583; y <= 4099; y++ {
		e := routing.Easter(y)
		gm, gd := easterGauss(y)
		om, od := easterOudin(y)
		if int(e.Month) != gm || e.Day != gd || gm != om || gd != od {
			t.Fatalf("%d: rickar %s, Gauss %02d-%02d, Oudin %02d-%02d", y, e, gm, gd, om, od)
		}
		if e.Weekday() != time.Sunday {
			t.Fatalf("%d: Easter %s is a %s", y, e, e.Weekday())
		}
	}
}

// Easter-based holidays 2000–2100 in every state that has them, against
// the independently computed Easter date.
func TestEasterBasedHolidays2000to2100(t *testing.T) {
	offsets := map[string]int{"Karfreitag": -2, "Ostersonntag": 0, "Ostermontag": 1, "Christi Himmelfahrt": 39, "Pfingstsonntag": 49, "Pfingstmontag": 50, "Fronleichnam": 60}
	for y := 2000; y <= 2100; y++ {
		m, d := easterOudin(y)
		easter := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
		for _, st := range routing.States {
			seen := map[string]bool{}
			for _, h := range routing.Holidays(st.Code, y) {
				off, ok := offsets[h.Name]
				if !ok {
					continue
				}
				seen[h.Name] = true
				want := routing.DateOf(easter.AddDate(0, 0, off))
				if h.Date != want {
					t.Fatalf("%s %d %s: %s, want %s", st.Code, y, h.Name, h.Date, want)
				}
			}
			for _, n := range []string{"Karfreitag", "Ostermontag", "Christi Himmelfahrt", "Pfingstmontag"} {
				if !seen[n] {
					t.Fatalf("%s %d lacks %s", st.Code, y, n)
				}
			}
			fron := seen["Fronleichnam"]
			if want := strings.Contains("BW BY HE NW RP SL", st.Code); fron != want {
				t.Fatalf("%s %d: Fronleichnam %v", st.Code, y, fron)
			}
		}
	}
}

// holidays2026 is the literal list of statewide public holidays in 2026
// (Easter: 5 April), per state.
var holidays2026 = map[string]string{
	"BW": "01-01 01-06 04-03 04-06 05-01 05-14 05-25 06-04 10-03 11-01 12-25 12-26",
	"BY": "01-01 01-06 04-03 04-06 05-01 05-14 05-25 06-04 10-03 11-01 12-25 12-26",
	"BE": "01-01 03-08 04-03 04-06 05-01 05-14 05-25 10-03 12-25 12-26",
	"BB": "01-01 04-03 04-05 04-06 05-01 05-14 05-24 05-25 10-03 10-31 12-25 12-26",
	"HB": "01-01 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"HH": "01-01 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"HE": "01-01 04-03 04-06 05-01 05-14 05-25 06-04 10-03 12-25 12-26",
	"MV": "01-01 03-08 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"NI": "01-01 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"NW": "01-01 04-03 04-06 05-01 05-14 05-25 06-04 10-03 11-01 12-25 12-26",
	"RP": "01-01 04-03 04-06 05-01 05-14 05-25 06-04 10-03 11-01 12-25 12-26",
	"SL": "01-01 04-03 04-06 05-01 05-14 05-25 06-04 08-15 10-03 11-01 12-25 12-26",
	"SN": "01-01 04-03 04-06 05-01 05-14 05-25 10-03 10-31 11-18 12-25 12-26",
	"ST": "01-01 01-06 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"SH": "01-01 04-03 04-06 05-01 05-14 05-25 10-03 10-31 12-25 12-26",
	"TH": "01-01 04-03 04-06 05-01 05-14 05-25 09-20 10-03 10-31 12-25 12-26",
}

func monthDays(hs []routing.Holiday) string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Date.String()[5:])
	}
	return strings.Join(out, " ")
}

func TestHolidays2026AllStates(t *testing.T) {
	if len(routing.States) != 16 || len(holidays2026) != 16 {
		t.Fatal("16 states")
	}
	for _, st := range routing.States {
		got := monthDays(routing.Holidays(st.Code, 2026))
		if got != holidays2026[st.Code] {
			t.Errorf("%s (%s):\n got %s\nwant %s", st.Code, st.Name, got, holidays2026[st.Code])
		}
	}
	if routing.Holidays("XX", 2026) != nil || routing.Holidays("nw", 2026) != nil {
		t.Error("unknown state")
	}
	if name, ok := routing.IsHoliday("NW", routing.D(2026, 6, 4)); !ok || name != "Fronleichnam" {
		t.Errorf("IsHoliday = %q %v", name, ok)
	}
	if _, ok := routing.IsHoliday("BB", routing.D(2026, 6, 4)); ok {
		t.Error("Fronleichnam in Brandenburg")
	}
}

func TestHolidaysByYearOfLaw(t *testing.T) {
	has := func(state string, y int, m time.Month, d int) bool {
		_, ok := routing.IsHoliday(state, routing.D(y, m, d))
		return ok
	}
	for _, c := range []struct {
		state string
		y     int
		m     time.Month
		d     int
		want  bool
	}{
		{"NI", 2016, 10, 31, false}, {"NI", 2017, 10, 31, true}, {"NI", 2018, 10, 31, true},
		{"HH", 2016, 10, 31, false}, {"SH", 2018, 10, 31, true}, {"HB", 2019, 10, 31, true},
		{"NW", 2017, 10, 31, true}, {"NW", 2018, 10, 31, false}, {"BY", 2017, 10, 31, true},
		{"SN", 2016, 10, 31, true}, {"TH", 2000, 10, 31, true},
		{"BE", 2018, 3, 8, false}, {"BE", 2019, 3, 8, true},
		{"MV", 2022, 3, 8, false}, {"MV", 2023, 3, 8, true},
		{"TH", 2018, 9, 20, false}, {"TH", 2019, 9, 20, true},
		{"BE", 2020, 5, 8, true}, {"BE", 2021, 5, 8, false}, {"BE", 2025, 5, 8, true}, {"BE", 2026, 5, 8, false},
		{"SN", 2024, 11, 20, true}, {"SN", 2025, 11, 19, true}, {"BY", 2026, 11, 18, false},
	} {
		if got := has(c.state, c.y, c.m, c.d); got != c.want {
			t.Errorf("%s %d-%02d-%02d: %v, want %v", c.state, c.y, c.m, c.d, got, c.want)
		}
	}
}

// The dates agree with rickar/cal's de package apart from the documented
// corrections.
func TestHolidaysAgainstRickarCal(t *testing.T) {
	lists := map[string][]*cal.Holiday{
		"BW": de.HolidaysBW, "BY": de.HolidaysBY, "BE": de.HolidaysBE, "BB": de.HolidaysBB,
		"HB": de.HolidaysHB, "HH": de.HolidaysHH, "HE": de.HolidaysHE, "MV": de.HolidaysMV,
		"NI": de.HolidaysNI, "NW": de.HolidaysNW, "RP": de.HolidaysRP, "SL": de.HolidaysSL,
		"SN": de.HolidaysSN, "ST": de.HolidaysST, "SH": de.HolidaysSH, "TH": de.HolidaysTH,
	}
	for y := 2019; y <= 2060; y++ {
		for code, list := range lists {
			var want []string
			for _, h := range list {
				a, _ := h.Calc(y)
				if !a.IsZero() {
					want = append(want, routing.DateOf(a).String())
				}
			}
			switch code {
			case "BB": // Ostersonntag and Pfingstsonntag are listed in Brandenburg's law
				e := routing.Easter(y)
				want = append(want, e.String(), e.AddDays(49).String())
			case "MV": // Frauentag since 2023
				if y >= 2023 {
					want = append(want, routing.D(y, 3, 8).String())
				}
			case "BE": // 8 May 2020 and 2025
				if y == 2020 || y == 2025 {
					want = append(want, routing.D(y, 5, 8).String())
				}
			}
			sort.Strings(want)
			var got []string
			for _, h := range routing.Holidays(code, y) {
				got = append(got, h.Date.String())
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s %d:\n got %v\nwant %v", code, y, got, want)
			}
		}
	}
}

func TestIsHolidayDoesNotAllocate(t *testing.T) {
	routing.IsHoliday("NW", routing.D(2026, 1, 1))
	if n := testing.AllocsPerRun(100, func() { routing.IsHoliday("NW", routing.D(2026, 6, 4)) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
