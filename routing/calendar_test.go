package routing_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/routing"
)

func TestTimeOfDayAndWindow(t *testing.T) {
	for in, want := range map[string]routing.TimeOfDay{"00:00": 0, "8:05": 485, "23:59": 1439, "24:00": 1440} {
		got, err := routing.ParseTimeOfDay(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "24:01", "25:00", "12:60", "12:5", "1200", "-1:00", "12:00:00"} {
		if _, err := routing.ParseTimeOfDay(in); numberdesk.ErrorField(err) != "time" {
			t.Errorf("%q accepted", in)
		}
	}
	var w routing.Window
	if err := json.Unmarshal([]byte(`"22:00-06:00"`), &w); err != nil || w != win(22, 0, 6, 0) || !w.Crosses() || w.Minutes() != 480 {
		t.Fatalf("%v %v", w, err)
	}
	if b, _ := json.Marshal(routing.AllDay); string(b) != `"00:00-24:00"` {
		t.Fatalf("%s", b)
	}
}

func TestWeekdaysJSONAndLabel(t *testing.T) {
	b, _ := json.Marshal(routing.Days(time.Sunday, time.Monday, time.Friday))
	if string(b) != `["mon","fri","sun"]` {
		t.Fatalf("%s", b)
	}
	var w routing.Weekdays
	if err := json.Unmarshal([]byte(` [ "Mon" , "SAT" ] `), &w); err != nil || w != routing.Days(time.Monday, time.Saturday) {
		t.Fatalf("%v %v", w, err)
	}
	for _, bad := range []string{`["mo"]`, `"mon"`, `[1]`, `{}`} {
		if err := json.Unmarshal([]byte(bad), &w); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for days, want := range map[routing.Weekdays]string{
		routing.MonFri: "Mo–Fr", routing.Weekend: "Sa, So", routing.AllWeek: "täglich", 0: "",
		routing.Days(time.Monday, time.Wednesday, time.Friday, time.Saturday, time.Sunday): "Mo, Mi, Fr–So",
	} {
		if got := days.Label(); got != want {
			t.Errorf("%07b: %q, want %q", days, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	for in, want := range map[string]routing.Date{
		"2026-12-24": routing.D(2026, 12, 24), "--12-24": routing.D(0, 12, 24),
		"24.12.2026": routing.D(2026, 12, 24), "24.12.": routing.D(0, 12, 24), "1.5.": routing.D(0, 5, 1), "29.02.": routing.D(0, 2, 29),
	} {
		got, err := routing.ParseDate(in)
		if err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2026-02-29", "0000-01-01", "--13-01", "32.01.", "29.02.2026", "2026-1-1", "24.12.26"} {
		if _, err := routing.ParseDate(in); numberdesk.ErrorField(err) != "date" {
			t.Errorf("%q accepted", in)
		}
	}
	// The day arithmetic agrees with the time package over four centuries.
	base := time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)
	d0 := routing.D(1900, 1, 1)
	for n := 0; n < 146097; n += 13 {
		want := base.AddDate(0, 0, n)
		got := d0.AddDays(n)
		if got != routing.DateOf(want) || got.Weekday() != want.Weekday() {
			t.Fatalf("1900-01-01 + %d = %s %s, want %s", n, got, got.Weekday(), want.Format("2006-01-02 Monday"))
		}
	}
	if routing.D(0, 12, 24).Compare(routing.D(2026, 1, 1)) >= 0 || routing.D(2026, 1, 2).Compare(routing.D(2026, 1, 1)) <= 0 {
		t.Error("Compare")
	}
	if routing.D(2026, 12, 24).Label() != "24.12.2026" || routing.D(0, 1, 6).Label() != "06.01." {
		t.Error("Label")
	}
	var dt routing.DateTime
	if err := json.Unmarshal([]byte(`"2026-08-01T08:30"`), &dt); err != nil || dt.String() != "2026-08-01T08:30" || dt.Label() != "01.08.2026 08:30" {
		t.Fatalf("%v %v", dt, err)
	}
	for _, bad := range []string{`"2026-08-01T24:00"`, `"--08-01T08:00"`, `"2026-08-01"`, `"2026-08-01T8:30"`} {
		if err := json.Unmarshal([]byte(bad), &dt); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// Rules are stored as local wall-clock values and an IANA zone is given at
// evaluation: no part of a rule can hold an instant, an offset or a zone
// (reliability-perf P2).
func TestRulesStoreNoOffsets(t *testing.T) {
	bad := map[reflect.Type]bool{reflect.TypeFor[time.Time](): true, reflect.TypeFor[time.Location](): true, reflect.TypeFor[time.Duration](): true}
	var walk func(reflect.Type, string)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type, path string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		if bad[ty] {
			t.Errorf("%s is a %s", path, ty)
			return
		}
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Struct:
			for i := range ty.NumField() {
				walk(ty.Field(i).Type, path+"."+ty.Field(i).Name)
			}
		}
	}
	walk(reflect.TypeFor[routing.Rule](), "Rule")
	walk(reflect.TypeFor[routing.BaseRule](), "BaseRule")
}
