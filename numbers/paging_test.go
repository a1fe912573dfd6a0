package numbers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// Every query that pages refuses a negative offset, limit or cursor with
// CodeInvalid naming it, instead of reading it as 0 (the first page, or
// everything), and changes nothing.
func TestQueriesRefuseNegativePaging(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 3)
	f.activate(t, ns...)
	f.feed(t, ns[0], numbers.RecordCall, numbers.ResultMissed)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"OverviewOffset", func() error { _, err := f.svc.Overview(bg, f.owner, numbers.Query{Offset: -1}); return err }, "offset"},
		{"OverviewLimit", func() error { _, err := f.svc.Overview(bg, f.owner, numbers.Query{Limit: -1}); return err }, "limit"},
		{"OverviewMinInt", func() error { _, err := f.svc.Overview(bg, f.owner, numbers.Query{Offset: -1 << 62}); return err }, "offset"},
		{"RecordsOffset", func() error { _, _, err := f.svc.Records(bg, f.owner, numbers.RecordQuery{Offset: -1}); return err }, "offset"},
		{"RecordsLimit", func() error { _, _, err := f.svc.Records(bg, f.owner, numbers.RecordQuery{Limit: -50}); return err }, "limit"},
		{"EventsAfterSeq", func() error {
			_, err := f.svc.Events(bg, f.owner, numberdesk.EventFilter{AfterSeq: -1})
			return err
		}, "after_seq"},
		{"EventsLimit", func() error {
			_, err := f.svc.Events(bg, f.owner, numberdesk.EventFilter{Limit: -1, Desc: true})
			return err
		}, "limit"},
		{"EventsAsSystem", func() error {
			_, err := f.svc.Events(bg, numberdesk.System(f.tenant), numberdesk.EventFilter{Number: ns[0].ID, AfterSeq: -3, Limit: 2})
			return err
		}, "after_seq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsBefore, evsBefore := f.snapshot(t)
			err := tt.call()
			requireCode(t, err, numberdesk.CodeInvalid, tt.field)
			require.NotEmpty(t, numberdesk.ErrorMessage(err))
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter)
			require.Equal(t, evsBefore, evsAfter)
		})
	}
	// Zero still means the default page, and a cursor of 0 all events.
	page, err := f.svc.Overview(bg, f.owner, numbers.Query{})
	require.NoError(t, err)
	require.Len(t, page.Numbers, 3)
	evs, err := f.svc.Events(bg, f.owner, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
}
