package routing_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/phone"
	"github.com/numberdesk/numberdesk/routing"
)

const seedJSON = `{
  "rules": [
    {"id": "anon", "name": "Anonyme Anrufe", "priority": 1, "enabled": true,
     "condition": {"kind": "always"},
     "filter": {"anonymous": true, "numbers": ["+43*", "+4922112345"]},
     "targets": [{"kind": "mailbox", "ref": "mb-anon", "ring_seconds": 0}]},
    {"id": "xmas", "name": "Weihnachten", "priority": 2, "enabled": true,
     "condition": {"kind": "dates", "dates": ["--12-24", "--12-25", "2026-12-31"], "windows": ["20:00-02:00"]},
     "targets": [{"kind": "mailbox", "ref": "mb-xmas", "ring_seconds": 0}]},
    {"id": "office", "name": "Bürozeiten", "priority": 3, "enabled": true,
     "condition": {"kind": "weekdays", "weekdays": ["mon", "tue", "wed", "thu", "fri"], "windows": ["08:00-12:00", "13:00-18:00"]},
     "targets": [{"kind": "device", "ref": "desk", "ring_seconds": 20},
                 {"kind": "external", "ref": "+4915112345678", "ring_seconds": 30, "parallel": true, "announcement": "bitte-warten"}]},
    {"id": "vac", "name": "Urlaub", "priority": 4, "enabled": false,
     "condition": {"kind": "period", "from": "2026-08-01T00:00", "to": "2026-08-06T00:00"},
     "targets": [{"kind": "ring_group", "ref": "g-sales", "ring_seconds": 30}]},
    {"id": "hol", "name": "Feiertage", "priority": 5, "enabled": true,
     "condition": {"kind": "holidays", "state": "NW"},
     "targets": [{"kind": "mailbox", "ref": "mb-1", "ring_seconds": 0}]}
  ],
  "base": {"kind": "holder_mailbox"},
  "version": 7
}`

func TestPlanJSON(t *testing.T) {
	p, err := routing.DecodePlan([]byte(seedJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := routing.Validate(p, directory()); err != nil {
		t.Fatal(err)
	}
	c := p.Rules[1].Condition
	if c.Dates[0] != routing.D(0, 12, 24) || c.Dates[2] != routing.D(2026, 12, 31) || c.Windows[0] != win(20, 0, 2, 0) {
		t.Fatalf("dates %+v", c)
	}
	if p.Rules[2].Condition.Weekdays != routing.MonFri || p.Rules[3].Condition.From.String() != "2026-08-01T00:00" || p.Version != 7 {
		t.Fatalf("decoded %+v", p)
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := routing.DecodePlan(out)
	if err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"weekdays":["mon","tue","wed","thu","fri"]`) || !strings.Contains(string(out), `"windows":["20:00-02:00"]`) {
		t.Fatalf("encoding %s", out)
	}
	for _, bad := range []struct{ json, field string }{
		{`{"rules": [{"id": "x", "priority": "1"}]}`, "rules.priority"},
		{`{"rules": [], "base": {"kind": "mailbox"}, "extra": 1}`, ""},
		{`{"rules": [{"condition": {"kind": "weekdays", "windows": ["8-18"]}}]}`, ""},
		{`{"rules": [{"condition": {"kind": "dates", "dates": ["2026-02-30"]}}]}`, ""},
		{`{"rules": [{"condition": {"kind": "weekdays", "weekdays": ["mo"]}}]}`, ""},
		{`{} {}`, ""},
		{`[`, ""},
	} {
		_, err := routing.DecodePlan([]byte(bad.json))
		if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid || numberdesk.ErrorField(err) != bad.field {
			t.Errorf("%s: %v (field %q)", bad.json, err, numberdesk.ErrorField(err))
		}
	}
}

func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(seedJSON))
	f.Add([]byte(`{"rules":[],"base":{"kind":"mailbox"}}`))
	f.Add([]byte(`{"rules":[{"id":"a","name":"a","priority":1,"enabled":true,"condition":{"kind":"period","from":"2026-03-29T02:30","to":"2026-10-25T02:30"},"targets":[{"kind":"external","ref":"+4922112345610","ring_seconds":0}]}],"base":{"kind":"ringing_tone"}}`))
	f.Add([]byte(`{"rules":[{"id":"a","name":"a","priority":2,"condition":{"kind":"weekdays","weekdays":["sun"],"windows":["23:59-00:00","00:00-24:00"]},"filter":{"numbers":["+4*"]},"targets":[{"kind":"ring_group","ref":"g1"}]}],"base":{"kind":"mailbox","ref":"mb"}}`))
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	d := directory()
	d.Groups["g1"] = []routing.Target{group("g1"), ext(numA)}
	d.Plans[numB] = forwardPlan(ext(numA))
	when := time.Date(2026, 3, 28, 22, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := routing.DecodePlan(data)
		if err != nil {
			if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
				t.Fatalf("%v", err)
			}
			return
		}
		verr := routing.Validate(p, d)
		if verr != nil && numberdesk.ErrorCode(verr) != numberdesk.CodeInvalid {
			t.Fatalf("%v", verr)
		}
		state := &routing.StateMap{Default: routing.StatusNoAnswer, Groups: d.Groups}
		routing.Evaluate(p, routing.Call{From: "+4922199999"}, when, loc, state, routing.WithTrace(nil))
		routing.Evaluate(p, routing.Call{Anonymous: true}, when, loc, routing.AllAnswer)
		routing.Preview(p, when, when.Add(30*time.Hour), loc)
		for _, r := range p.Rules {
			r.Condition.Label()
			routing.FormatAsteriskTimeSpec(r.Condition) //nolint:errcheck // must not panic
		}
		// What encodes decodes to the same encoding.
		out, err := json.Marshal(p)
		if err != nil {
			if verr == nil {
				t.Fatalf("a valid plan does not encode: %v", err)
			}
			return
		}
		back, err := routing.DecodePlan(out)
		if err != nil {
			t.Fatalf("re-decode: %v\n%s", err, out)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(out, again) {
			t.Fatalf("encoding not stable:\n%s\n%s", out, again)
		}
	})
}

func FuzzCallerPattern(f *testing.F) {
	for _, s := range []string{"0043*", "+43*", "0221 12345-10", "+49 (0)221*", "*", "0*", "00*", "+4922112345610", "(0221) 1234*"} {
		f.Add(s, "+4922112345610")
	}
	f.Fuzz(func(t *testing.T, pattern, number string) {
		p, err := routing.NormalizePattern(pattern)
		if err != nil {
			if numberdesk.ErrorCode(err) != numberdesk.CodeInvalid {
				t.Fatalf("%q: %v", pattern, err)
			}
			_ = routing.MatchPattern(pattern, number) // must not panic
			return
		}
		// The stored form is valid, stable, and matches itself.
		b := routing.Blocklist{Numbers: []string{p}}
		if err := b.Validate(); err != nil {
			t.Fatalf("%q → %q is not valid: %v", pattern, p, err)
		}
		if again, err := routing.NormalizePattern(p); err != nil || again != p {
			t.Fatalf("%q → %q → %q, %v", pattern, p, again, err)
		}
		self := strings.TrimSuffix(p, "*")
		if strings.HasSuffix(p, "*") {
			self += "1234"
		}
		if !routing.MatchPattern(p, self) || !b.Blocks(routing.Call{From: phoneNumber(self)}) {
			t.Fatalf("%q does not match %q", p, self)
		}
		_ = routing.MatchPattern(p, number) // must not panic
		f := routing.CallerFilter{Numbers: []string{p}}
		f.Accepts(routing.Call{From: phoneNumber(number)})
	})
}

func phoneNumber(s string) phone.E164 { return phone.E164(s) }
