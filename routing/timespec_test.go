package routing_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
)

func TestParseAsteriskTimeSpec(t *testing.T) {
	recur := func(m time.Month, days ...int) []routing.Date {
		var out []routing.Date
		for _, d := range days {
			out = append(out, routing.D(0, m, d))
		}
		return out
	}
	cases := []struct {
		spec string
		want routing.Condition
	}{
		{"08:00-18:00,mon-fri,*,*", routing.Weekly(routing.MonFri, win(8, 0, 18, 1))},
		{"08:00-18:00|mon-fri|*|*", routing.Weekly(routing.MonFri, win(8, 0, 18, 1))},
		{" 08:00 - 17:59 , MON-FRI , * , * ", routing.Weekly(routing.MonFri, win(8, 0, 18, 0))},
		{"*,*,*,*", routing.Always()},
		{"*", routing.Always()},
		{"00:00-23:59,*,*,*", routing.Always()},
		{"08:00-18:00", routing.Weekly(routing.AllWeek, win(8, 0, 18, 1))},
		{"*,sat-sun,*,*", routing.Weekly(routing.Weekend)},
		{"*,sat-sun", routing.Weekly(routing.Weekend)},
		{"*,,*,*", routing.Always()},
		{"*,fri-mon,*,*", routing.Weekly(routing.Days(time.Friday, time.Saturday, time.Sunday, time.Monday))},
		{"*,2-6,*,*", routing.Weekly(routing.MonFri)},
		{"*,mon&wed&fri,*,*", routing.Weekly(routing.Days(time.Monday, time.Wednesday, time.Friday))},
		{"12:00,*,*,*", routing.Weekly(routing.AllWeek, win(12, 0, 12, 1))},
		{"08:00-08:00,mon,*,*", routing.Weekly(routing.Days(time.Monday), win(8, 0, 8, 1))},
		// Asterisk checks all fields on one local day: the early part belongs to Monday itself.
		{"22:00-06:00,mon,*,*", routing.Weekly(routing.Days(time.Monday), win(0, 0, 6, 1), win(22, 0, 24, 0))},
		{"08:00-12:00&13:00-17:00,mon-fri,*,*", routing.Weekly(routing.MonFri, win(8, 0, 12, 1), win(13, 0, 17, 1))},
		{"*,*,24,dec", routing.OnDates(recur(12, 24))},
		{"*,*,24-26,dec", routing.OnDates(recur(12, 24, 25, 26))},
		{"08:00-12:00,*,24,12", routing.OnDates(recur(12, 24), win(8, 0, 12, 1))},
		{"*,*,1,jan&may", routing.OnDates(append(recur(1, 1), recur(5, 1)...))},
		{"*,*,30-2,nov", routing.OnDates(recur(11, 1, 2, 30))},
		{"*,*,29,feb", routing.OnDates(recur(2, 29))},
		{"*,*,31,*", routing.OnDates([]routing.Date{routing.D(0, 1, 31), routing.D(0, 3, 31), routing.D(0, 5, 31), routing.D(0, 7, 31), routing.D(0, 8, 31), routing.D(0, 10, 31), routing.D(0, 12, 31)})},
	}
	for _, c := range cases {
		got, err := routing.ParseAsteriskTimeSpec(c.spec)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.spec, got, c.want)
			continue
		}
		s, err := routing.FormatAsteriskTimeSpec(got)
		if err != nil {
			t.Errorf("%q: format: %v", c.spec, err)
			continue
		}
		back, err := routing.ParseAsteriskTimeSpec(s)
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("%q → %q → %+v, %v", c.spec, s, back, err)
		}
	}
}

func TestParseAsteriskTimeSpecRejects(t *testing.T) {
	for _, spec := range []string{
		"", "  ",
		"08:00-18:00,mon-fri,*,*,Europe/Berlin", // the zone is the tenant's
		"25:00-26:00,*,*,*", "8-18,*,*,*", "08:00-,*,*,*", "08:60,*,*,*",
		"*,mon-fry,*,*", "*,monday,*,*", "*,0,*,*", "*,8,*,*",
		"*,*,0,*", "*,*,32,*", "*,*,1,13", "*,*,1,january",
		"*,*,30-31,feb", // never
		"*,mon,1-7,*",   // weekday and day of month: not representable
		"08:00-18:00,mon-fri,1,jan",
	} {
		_, err := routing.ParseAsteriskTimeSpec(spec)
		if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != "spec" {
			t.Errorf("%q: %v", spec, err)
		}
	}
}

func TestFormatAsteriskTimeSpec(t *testing.T) {
	for _, c := range []struct {
		c    routing.Condition
		want string
	}{
		{officeHours(), "08:00-17:59,mon-fri,*,*"},
		{routing.Weekly(routing.Weekend), "*,sat-sun,*,*"},
		{routing.Weekly(routing.Days(time.Friday, time.Saturday, time.Sunday, time.Monday, time.Wednesday)), "*,wed&fri-mon,*,*"},
		{routing.Weekly(routing.AllWeek, win(22, 0, 6, 0)), "00:00-05:59&22:00-23:59,*,*,*"},
		{routing.OnDates([]routing.Date{routing.D(0, 12, 26), routing.D(0, 12, 24), routing.D(0, 12, 25)}), "*,*,24-26,dec"},
		{routing.OnDates([]routing.Date{routing.D(0, 12, 31), routing.D(0, 1, 1)}, win(0, 0, 12, 0)), ""}, // 31 Jan and 1 Dec are missing
	} {
		got, err := routing.FormatAsteriskTimeSpec(c.c)
		if c.want == "" {
			if err == nil {
				t.Errorf("%+v: %q, want an error", c.c, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%+v: %q %v, want %q", c.c, got, err, c.want)
		}
	}
	for _, c := range []routing.Condition{
		routing.OnHolidays("NW"),
		routing.Between(routing.DateTime{Date: routing.D(2026, 1, 1)}, routing.DateTime{Date: routing.D(2026, 1, 2)}),
		routing.OnDates([]routing.Date{routing.D(2026, 12, 24)}),
		routing.Weekly(routing.MonFri, win(22, 0, 6, 0)), // the morning part belongs to the next day
	} {
		if _, err := routing.FormatAsteriskTimeSpec(c); numberdesk.ErrorField(err) != "spec" {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// The imported condition means what Asterisk means: check every minute of a
// week against a transcription of ast_check_timing.
func TestAsteriskSemantics(t *testing.T) {
	loc := berlin(t)
	spec := "22:00-06:00,fri-mon,*,*"
	c, err := routing.ParseAsteriskTimeSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	start := at(loc, 2026, 5, 4, 0, 0) // a week without DST change
	for m := 0; m < 7*24*60; m++ {
		when := start.Add(time.Duration(m) * time.Minute)
		lt := when.In(loc)
		mins := lt.Hour()*60 + lt.Minute()
		wd := lt.Weekday()
		dayOK := wd == time.Friday || wd == time.Saturday || wd == time.Sunday || wd == time.Monday
		want := dayOK && (mins >= 22*60 || mins <= 6*60) // end minute included
		if got := c.Holds(when, loc); got != want {
			t.Fatalf("%s: %v, want %v", lt.Format("Mon 15:04"), got, want)
		}
	}
}

func FuzzParseAsteriskTimeSpec(f *testing.F) {
	for _, s := range []string{
		"08:00-18:00,mon-fri,*,*", "08:00-18:00|mon-fri|*|*", "*,*,24-26,dec", "22:00-06:00,fri-mon,*,*",
		"*,*,30-2,nov&feb", "08:00&12:00-13:00,1-7,*,*", "*,*,*,*", ",,,", "|", "*,sat,1,*", "23:59-00:00,*,*,*",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := routing.ParseAsteriskTimeSpec(spec)
		if err != nil {
			if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != "spec" {
				t.Fatalf("%q: %v", spec, err)
			}
			return
		}
		if err := routing.Validate(routing.Plan{Rules: []routing.Rule{{ID: "r", Name: "r", Priority: 1, Enabled: true, Condition: c,
			Targets: []routing.Target{dev("d", 10)}}}, Base: routing.BaseRule{Kind: routing.BaseRingingTone}}, nil); err != nil {
			t.Fatalf("%q → %+v is not valid: %v", spec, c, err)
		}
		s, err := routing.FormatAsteriskTimeSpec(c)
		if err != nil {
			t.Fatalf("%q → %+v cannot be formatted: %v", spec, c, err)
		}
		back, err := routing.ParseAsteriskTimeSpec(s)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("%q → %+v → %q → %+v, %v", spec, c, s, back, err)
		}
	})
}
