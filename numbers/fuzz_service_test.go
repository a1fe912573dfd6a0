package numbers_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// requireTypedAndUnchanged is the rule every fuzz target of a service
// request checks after an error: it is a *numberdesk.Error, and the store
// (numbers and events) is as it was.
func requireTypedAndUnchanged(t *testing.T, f *fixture, err error, nsBefore []*numbers.Number, evsBefore []numberdesk.Event) {
	t.Helper()
	var e *numberdesk.Error
	require.True(t, errors.As(err, &e), "not a *numberdesk.Error: %v", err)
	nsAfter, evsAfter := f.snapshot(t)
	require.Equal(t, nsBefore, nsAfter, "an error changed the numbers: %v", err)
	require.Equal(t, evsBefore, evsAfter, "an error appended events: %v", err)
}

// FuzzFeed: any record either is stored or is refused with a
// *numberdesk.Error that changes nothing; nothing panics (a record dated
// in year 10000 used to).
func FuzzFeed(f *testing.F) {
	f.Add("0221 123456-10", "call", int64(1772445600), "in", "0171 2345678", int64(60e9), "missed", 0)
	f.Add("0221 123456-10", "fax", int64(253402300800), "in", "", int64(0), "", 3) // 10000-01-01
	f.Add("0221 123456-10", "voicemail", int64(-62135596801), "in", "anonym", int64(-1), "answered", -2)
	f.Add("+49 221 123456 10", "call", int64(0), "out", "+49 (0)221 1", int64(1<<62), "busy", 10001)
	f.Add("kaputt", "telegram", int64(1772445600), "sideways", "x", int64(1), "maybe", 1)
	f.Fuzz(func(t *testing.T, number, kind string, unix int64, dir, caller string, dur int64, result string, pages int) {
		fx := newFixture(t)
		ns := fx.provision(t, "0221 123456", 10)
		fx.activate(t, ns[0])
		in := numbers.RecordInput{Number: number, Kind: numbers.RecordKind(kind), At: time.Unix(unix, 0).UTC(),
			Direction: numbers.Direction(dir), Caller: caller, Duration: time.Duration(dur), Result: numbers.Result(result), Pages: pages}
		nsBefore, evsBefore := fx.snapshot(t)
		res, err := fx.svc.Feed(bg, numberdesk.System(fx.tenant), []numbers.RecordInput{in})
		if err != nil {
			requireTypedAndUnchanged(t, fx, err, nsBefore, evsBefore)
			return
		}
		require.LessOrEqual(t, res.Stored+len(res.Unknown), 1)
	})
}

// FuzzProvision: any request either provisions numbers or is refused with a
// *numberdesk.Error that changes nothing.
func FuzzProvision(f *testing.F) {
	f.Add("0221 123456", "10", "19", "new", int64(0), "")
	f.Add("0221 123456", "", "", "ported", int64(253402300800), "")      // porting date in year 10000
	f.Add("+49 221 123456", "00", "99999", "reserved", int64(1), "flat") // too large a block
	f.Add("030 1", "9", "0", "ported", int64(-62135596801), "festnetz_flat")
	f.Add("", "x", "", "other", int64(0), "")
	f.Fuzz(func(t *testing.T, number, from, to, origin string, porting int64, option string) {
		fx := newFixture(t)
		req := numbers.ProvisionRequest{Number: number, ExtensionFrom: from, ExtensionTo: to, Origin: numbers.Origin(origin)}
		if porting != 0 {
			req.PortingDate = time.Unix(porting, 0).UTC()
		}
		if option != "" {
			req.Options = []string{option}
		}
		nsBefore, evsBefore := fx.snapshot(t)
		ns, err := fx.svc.Provision(bg, fx.owner, req)
		if err != nil {
			requireTypedAndUnchanged(t, fx, err, nsBefore, evsBefore)
			return
		}
		require.NotEmpty(t, ns)
	})
}
