package numbers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// importFixture is a fixture with two employees and a locked one.
type importFixture struct {
	*fixture
	anna, ben, locked *staff.Employee
}

func newImportFixture(t *testing.T) *importFixture {
	f := &importFixture{fixture: newFixture(t)}
	f.anna = f.member(t, f.tenant, "Anna", numberdesk.RoleEmployee)
	f.ben = f.member(t, f.tenant, "Ben", numberdesk.RoleEmployee)
	f.locked = f.member(t, f.tenant, "Lotte", numberdesk.RoleEmployee)
	f.locked.Locked = true
	require.NoError(t, f.store.UpdateEmployee(bg, f.locked))
	return f
}

// inventory is a file of every kind of row.
func inventory() []numbers.ImportRow {
	return []numbers.ImportRow{
		{Row: 2, Number: "0221 4711"},
		{Row: 3, Number: "+49 221 123456", ExtensionFrom: "10", ExtensionTo: "19", Holders: []string{"Anna@muster.example"}},
		{Row: 4, Number: "030 999888", Origin: numbers.OriginPorted, PortingDate: "2026-03-01"},
		{Row: 5, Number: "089 555000", Origin: numbers.OriginReserved, UsageType: routing.UsageFaxPersonal, Holders: []string{"ben@muster.example"}},
		{Row: 6, Number: "089 555001", UsageType: routing.UsageFaxShared, Holders: []string{"anna@muster.example", "ben@muster.example", " ANNA@muster.example", ""}},
		{Row: 7, Number: "089 555002", UsageType: routing.UsageConference},
	}
}

func TestImportApply(t *testing.T) {
	f := newImportFixture(t)
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory()})
	require.NoError(t, err)
	require.False(t, res.DryRun)
	require.Equal(t, numbers.ImportSummary{
		Rows: 6, Numbers: 15, Singles: 5, Blocks: 1,
		Origins:    map[numbers.Origin]int{numbers.OriginNew: 13, numbers.OriginPorted: 1, numbers.OriginReserved: 1},
		UsageTypes: map[routing.UsageType]int{routing.UsageVoice: 12, routing.UsageFaxPersonal: 1, routing.UsageFaxShared: 1, routing.UsageConference: 1},
		Assigned:   12,
	}, res.Summary)
	require.Equal(t, "15 Rufnummern (5 Einzelnummern, 1 Block) wurden angelegt.", res.Message())
	require.Equal(t, numbers.ImportRowResult{Row: 3, Numbers: 10, First: "+4922112345610", Last: "+4922112345619"}, res.Rows[1])

	byE164 := map[string]*numbers.Number{}
	ns, _ := f.snapshot(t)
	for _, n := range ns {
		byE164[n.E164] = n
		require.Equal(t, numbers.StatusNew, n.Status)
		require.Equal(t, int64(1), n.Version)
	}
	require.Len(t, byE164, 15)
	block := byE164["+4922112345615"]
	require.Equal(t, "+49221123456", block.Base)
	require.Equal(t, "15", block.Extension)
	require.Equal(t, []numberdesk.StaffID{f.anna.ID}, block.Holders)
	require.Equal(t, f.clock().UTC(), block.HoldersSince)
	ported := byE164["+4930999888"]
	require.Equal(t, numbers.OriginPorted, ported.Origin)
	require.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, f.loc).UTC(), ported.PortingDate, "00:00 of the day, tenant time")
	fax := byE164["+4989555000"]
	require.Equal(t, routing.UsageFaxPersonal, fax.UsageType)
	require.Equal(t, numbers.OriginReserved, fax.Origin)
	require.Equal(t, []numberdesk.StaffID{f.ben.ID}, fax.Holders)
	require.Equal(t, []numberdesk.StaffID{f.anna.ID, f.ben.ID}, byE164["+4989555001"].Holders)
	require.Empty(t, byE164["+492214711"].Holders)

	// The events of a provisioning, an assignment and a change of usage
	// type, as the commands would append them.
	evs, err := f.svc.History(bg, f.owner, fax.ID)
	require.NoError(t, err)
	require.Equal(t, []numberdesk.EventType{numbers.EventProvisioned, numbers.EventAssigned, numbers.EventUsageTypeChanged},
		[]numberdesk.EventType{evs[0].Type, evs[1].Type, evs[2].Type})
	var d numbers.EventData
	require.NoError(t, evs[2].Decode(&d))
	require.Equal(t, routing.UsageVoice, d.Before.UsageType)
	require.Equal(t, routing.UsageFaxPersonal, d.After.UsageType)
	require.Equal(t, []numberdesk.StaffID{f.ben.ID}, d.After.Holders)
	evs, err = f.svc.History(bg, f.owner, byE164["+492214711"].ID)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	_, all := f.snapshot(t)
	require.Equal(t, 15+12+3, len(all), "provisioned 15; assigned: block 10, fax, shared; usage: fax, shared, conference")

	// The imported numbers behave as provisioned ones: the ported one
	// cannot be quoted before its day, the others can.
	_, err = f.svc.Quote(bg, f.owner, []numberdesk.NumberID{ported.ID})
	requireCode(t, err, numberdesk.CodePrecondition, "numbers")
	_, err = f.svc.Quote(bg, f.owner, []numberdesk.NumberID{block.ID, fax.ID})
	require.NoError(t, err)
}

// A dry run checks everything, reports what would be created, and changes
// nothing: the whole store (every number, event, idempotency record,
// employee, ...) is byte for byte as before, whatever the rows hold.
func TestImportDryRunChangesNothing(t *testing.T) {
	f := newImportFixture(t)
	f.provision(t, "0221 777", 0)
	before, err := f.store.Snapshot()
	require.NoError(t, err)
	for _, rows := range [][]numbers.ImportRow{inventory(), append(inventory(), numbers.ImportRow{Row: 8, Number: "0221 777"})} {
		res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: rows, DryRun: true, IdempotencyKey: "k1"})
		require.NoError(t, err)
		require.True(t, res.DryRun)
		require.Equal(t, 15, res.Summary.Numbers)
		after, err := f.store.Snapshot()
		require.NoError(t, err)
		require.Equal(t, string(before), string(after))
	}
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory(), DryRun: true})
	require.NoError(t, err)
	require.Equal(t, "15 Rufnummern (5 Einzelnummern, 1 Block) würden angelegt.", res.Message())
	// The dry run says what the apply then does.
	applied, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory()})
	require.NoError(t, err)
	res.DryRun = false
	require.Equal(t, res, applied)
}

// TestImportRowProblems names every problem a row can have, with its Code
// and Field (the column), on the row it belongs to.
func TestImportRowProblems(t *testing.T) {
	members := make([]string, numbers.MaxImportHolders+1)
	for i := range members {
		members[i] = fmt.Sprintf("m%d@muster.example", i)
	}
	cases := []struct {
		name  string
		row   numbers.ImportRow
		code  numberdesk.Code
		field string
	}{
		{"number missing", numbers.ImportRow{Number: " "}, numberdesk.CodeInvalid, "number"},
		{"number too long", numbers.ImportRow{Number: strings.Repeat("1", 65)}, numberdesk.CodeInvalid, "number"},
		{"number invalid", numbers.ImportRow{Number: "0221 12a"}, numberdesk.CodeInvalid, "number"},
		{"extension not digits", numbers.ImportRow{Number: "0221 123456", ExtensionFrom: "1x", ExtensionTo: "19"}, numberdesk.CodeInvalid, "extension_from"},
		{"extension too long", numbers.ImportRow{Number: "0221 123456", ExtensionFrom: "1", ExtensionTo: "123456"}, numberdesk.CodeInvalid, "extension_to"},
		{"range without end", numbers.ImportRow{Number: "0221 123456", ExtensionFrom: "10"}, numberdesk.CodeInvalid, "extension_to"},
		{"range without start", numbers.ImportRow{Number: "0221 123456", ExtensionTo: "10"}, numberdesk.CodeInvalid, "extension_from"},
		{"range reversed", numbers.ImportRow{Number: "0221 123456", ExtensionFrom: "19", ExtensionTo: "10"}, numberdesk.CodeInvalid, "extension_to"},
		{"block too large", numbers.ImportRow{Number: "0221 123456", ExtensionFrom: "0", ExtensionTo: "1000"}, numberdesk.CodeInvalid, "extension_to"},
		{"block number too long", numbers.ImportRow{Number: "0221 1234567890", ExtensionFrom: "100", ExtensionTo: "199"}, numberdesk.CodeInvalid, "extension_to"},
		{"origin unknown", numbers.ImportRow{Number: "0221 123456", Origin: "bought"}, numberdesk.CodeInvalid, "origin"},
		{"origin unknown and long", numbers.ImportRow{Number: "0221 123456", Origin: numbers.Origin(strings.Repeat("ü", 100))}, numberdesk.CodeInvalid, "origin"},
		{"porting date missing", numbers.ImportRow{Number: "0221 123456", Origin: numbers.OriginPorted}, numberdesk.CodeInvalid, "porting_date"},
		{"porting date not ported", numbers.ImportRow{Number: "0221 123456", PortingDate: "2026-03-01"}, numberdesk.CodeInvalid, "porting_date"},
		{"porting date bad", numbers.ImportRow{Number: "0221 123456", Origin: numbers.OriginPorted, PortingDate: "2026-02-30"}, numberdesk.CodeInvalid, "porting_date"},
		{"porting date in year 0", numbers.ImportRow{Number: "0221 123456", Origin: numbers.OriginPorted, PortingDate: "0000-01-01"}, numberdesk.CodeInvalid, "porting_date"},
		{"porting date German", numbers.ImportRow{Number: "0221 123456", Origin: numbers.OriginPorted, PortingDate: "01.03.2026"}, numberdesk.CodeInvalid, "porting_date"},
		{"usage type unknown", numbers.ImportRow{Number: "0221 123456", UsageType: "sms"}, numberdesk.CodeInvalid, "usage_type"},
		{"holder e-mail invalid", numbers.ImportRow{Number: "0221 123456", Holders: []string{"anna@"}}, numberdesk.CodeInvalid, "holders"},
		{"two holders", numbers.ImportRow{Number: "0221 123456", Holders: []string{"anna@muster.example", "ben@muster.example"}}, numberdesk.CodeInvalid, "holders"},
		{"personal fax without holder", numbers.ImportRow{Number: "0221 123456", UsageType: routing.UsageFaxPersonal}, numberdesk.CodeInvalid, "holders"},
		{"too many members", numbers.ImportRow{Number: "0221 123456", UsageType: routing.UsageFaxShared, Holders: members}, numberdesk.CodeInvalid, "holders"},
		{"duplicate in the rows", numbers.ImportRow{Number: "0221 4711"}, numberdesk.CodeConflict, "number"},
		{"block overlaps a row", numbers.ImportRow{Number: "0221 471", ExtensionFrom: "0", ExtensionTo: "9"}, numberdesk.CodeConflict, "number"},
		{"number exists", numbers.ImportRow{Number: "0221 999"}, numberdesk.CodeConflict, "number"},
		{"block numbers exist", numbers.ImportRow{Number: "0221 9990", ExtensionFrom: "0", ExtensionTo: "9"}, numberdesk.CodeConflict, "number"},
		{"holder unknown", numbers.ImportRow{Number: "0221 123456", Holders: []string{"nobody@muster.example"}}, numberdesk.CodeNotFound, "holders"},
		{"holder locked", numbers.ImportRow{Number: "0221 123456", Holders: []string{"lotte@muster.example"}}, numberdesk.CodePrecondition, "holders"},
	}
	f := newImportFixture(t)
	f.provision(t, "0221 999", 0)
	f.provision(t, "0221 99905", 0)
	f.provision(t, "0221 99907", 0)
	ns0, evs0 := f.snapshot(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			good := numbers.ImportRow{Row: 2, Number: "0221 4711"}
			c.row.Row = 3
			for _, dry := range []bool{true, false} {
				res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: []numbers.ImportRow{good, c.row}, DryRun: dry})
				if dry {
					require.NoError(t, err)
				} else {
					requireCode(t, err, numberdesk.CodeInvalid, "rows")
					require.Equal(t, "1 von 2 Zeilen ist fehlerhaft; es wurde nichts importiert.", numberdesk.ErrorMessage(err))
				}
				require.Equal(t, 1, res.Summary.Invalid)
				require.True(t, res.Rows[0].OK())
				got := res.Rows[1]
				require.Equal(t, 3, got.Row)
				require.Len(t, got.Errors, 1, "%v", got.Errors)
				require.Equal(t, c.code, got.Errors[0].Code, "%v", got.Errors[0])
				require.Equal(t, c.field, got.Errors[0].Field, "%v", got.Errors[0])
				require.Equal(t, "numbers.Import", got.Errors[0].Op)
				require.NotEmpty(t, got.Errors[0].Message)
				require.Zero(t, got.Numbers)
			}
			ns, evs := f.snapshot(t)
			require.Equal(t, ns0, ns)
			require.Equal(t, evs0, evs)
		})
	}

	// A row with several problems lists them all.
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{DryRun: true, Rows: []numbers.ImportRow{
		{Number: "x", Origin: "y", UsageType: "z", Holders: []string{"@"}, ExtensionFrom: "a", ExtensionTo: "b"},
	}})
	require.NoError(t, err)
	var fields []string
	for _, e := range res.Rows[0].Errors {
		fields = append(fields, e.Field)
	}
	require.Equal(t, []string{"number", "extension_from", "extension_to", "origin", "usage_type", "holders"}, fields)
	require.Equal(t, 1, res.Rows[0].Row, "the position when the row has no number")
	require.Equal(t, "1 von 1 Zeile ist fehlerhaft; es wird nichts importiert.", res.Message())
	// Values echoed in a message are cut short.
	res, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{DryRun: true, Rows: []numbers.ImportRow{{Number: "0221 4711", UsageType: routing.UsageType(strings.Repeat("x", 100))}}})
	require.NoError(t, err)
	require.Equal(t, "Der Verwendungstyp „"+strings.Repeat("x", 39)+"…“ ist unbekannt.", res.Rows[0].Errors[0].Message)
}

func TestImportRequestLimits(t *testing.T) {
	f := newImportFixture(t)
	_, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{DryRun: true})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	_, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: make([]numbers.ImportRow, numbers.MaxImportRows+1)})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	var blocks []numbers.ImportRow
	for i := range numbers.MaxImportNumbers/1000 + 1 {
		blocks = append(blocks, numbers.ImportRow{Number: fmt.Sprintf("0221 %d", 500+i), ExtensionFrom: "000", ExtensionTo: "999"})
	}
	_, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: blocks, DryRun: true})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	_, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory(), IdempotencyKey: "ä"})
	requireCode(t, err, numberdesk.CodeInvalid, "idempotency_key")
}

// Owner only: a manager may assign but not provision, the system may
// provision but not assign; employees neither.
func TestImportPermission(t *testing.T) {
	f := newImportFixture(t)
	manager := f.member(t, f.tenant, "Mia", numberdesk.RoleManager).Actor()
	for _, a := range []numberdesk.Actor{manager, f.anna.Actor(), numberdesk.System(f.tenant), f.locked.Actor()} {
		for _, dry := range []bool{true, false} {
			_, err := f.svc.Import(bg, a, numbers.ImportRequest{Rows: inventory(), DryRun: dry})
			require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%v", err)
		}
	}
	// Another tenant's owner imports into its own tenant only.
	other := newImportFixture(t)
	_, err := other.svc.Import(bg, other.owner, numbers.ImportRequest{Rows: inventory()})
	require.NoError(t, err)
	ns, _ := f.snapshot(t)
	require.Empty(t, ns)
}

// A file with one bad row applies nothing, also when the bad row is in a
// later chunk than good ones.
func TestImportAllOrNothing(t *testing.T) {
	f := newImportFixture(t)
	rows := []numbers.ImportRow{{Number: "0221 500", ExtensionFrom: "000", ExtensionTo: "999"}, {Number: "0221 501", ExtensionFrom: "000", ExtensionTo: "999"}}
	rows = append(rows, inventory()...)
	rows = append(rows, numbers.ImportRow{Number: "0221 502", Holders: []string{"lotte@muster.example"}})
	ns0, evs0 := f.snapshot(t)
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	require.Equal(t, 1, res.Summary.Invalid)
	require.Equal(t, numberdesk.CodePrecondition, res.Rows[len(rows)-1].Errors[0].Code)
	ns, evs := f.snapshot(t)
	require.Equal(t, ns0, ns)
	require.Equal(t, evs0, evs)
	// A failure is not remembered: the corrected file goes through under
	// the same key.
	rows[len(rows)-1].Holders = nil
	res, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: "k"})
	require.NoError(t, err)
	require.Equal(t, 2000+15+1, res.Summary.Numbers)
}

// A number created between the dry run and the apply makes the apply fail
// as a whole, naming the row.
func TestImportConflictAfterDryRun(t *testing.T) {
	f := newImportFixture(t)
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory(), DryRun: true})
	require.NoError(t, err)
	require.Zero(t, res.Summary.Invalid)
	f.provision(t, "0221 123456", 0, func(r *numbers.ProvisionRequest) { r.ExtensionFrom, r.ExtensionTo = "18", "30" })
	ns0, evs0 := f.snapshot(t)
	res, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory()})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	require.Equal(t, "Die Rufnummer 0221 123456-18 und 1 weitere dieses Blocks sind bereits vorhanden.", res.Rows[1].Errors[0].Message)
	ns, evs := f.snapshot(t)
	require.Equal(t, ns0, ns)
	require.Equal(t, evs0, evs)
}

// racyStore is a memstore whose FindNumbers does not see the numbers in
// hidden, as if they were committed by another node after the read: the
// import's write then conflicts.
type racyStore struct {
	*memstore.Store
	hidden map[string]bool
}

func (s *racyStore) FindNumbers(ctx context.Context, tenant numberdesk.TenantID, f numbers.Filter) ([]*numbers.Number, int, error) {
	ns, total, err := s.Store.FindNumbers(ctx, tenant, f)
	out := ns[:0]
	for _, n := range ns {
		if !s.hidden[n.E164] {
			out = append(out, n)
		}
	}
	return out, total, err
}

// A number that a concurrent change creates after the import's check makes
// the whole import fail with CodeConflict: the chunk before it is rolled
// back too.
func TestImportConcurrentConflict(t *testing.T) {
	f := newImportFixture(t)
	racy := &racyStore{Store: f.store, hidden: map[string]bool{"+4922150111500": true}}
	svc, err := numbers.NewService(numbers.Config{Store: racy, Clock: f.clock})
	require.NoError(t, err)
	f.provision(t, "0221 50111500", 0) // in the second chunk
	ns0, evs0 := f.snapshot(t)
	rows := []numbers.ImportRow{{Number: "0221 5011", ExtensionFrom: "000", ExtensionTo: "999"}, {Number: "0221 5011", ExtensionFrom: "1000", ExtensionTo: "1999"}}
	for _, key := range []string{"", "k"} {
		_, err = svc.Import(bg, f.owner, numbers.ImportRequest{Rows: rows, IdempotencyKey: key})
		require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(err), "%v", err)
		ns, evs := f.snapshot(t)
		require.Equal(t, ns0, ns)
		require.Equal(t, evs0, evs)
	}
}

func TestImportIdempotent(t *testing.T) {
	f := newImportFixture(t)
	req := numbers.ImportRequest{Rows: inventory(), IdempotencyKey: "import-1"}
	first, err := f.svc.Import(bg, f.owner, req)
	require.NoError(t, err)
	ns0, evs0 := f.snapshot(t)
	again, err := f.svc.Import(bg, f.owner, req)
	require.NoError(t, err)
	require.Equal(t, first, again)
	ns, evs := f.snapshot(t)
	require.Equal(t, ns0, ns)
	require.Equal(t, evs0, evs)
	// The same key with another file is refused.
	other := inventory()[:2]
	_, err = f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: other, IdempotencyKey: "import-1"})
	requireCode(t, err, numberdesk.CodeInvalid, "idempotency_key")
	// Without the key, the same file is a conflict of every row.
	res, err := f.svc.Import(bg, f.owner, numbers.ImportRequest{Rows: inventory()})
	requireCode(t, err, numberdesk.CodeInvalid, "rows")
	require.Equal(t, 6, res.Summary.Invalid)
}

// Concurrent applies of one file under one key: one creates, all get its
// result.
func TestImportIdempotentConcurrent(t *testing.T) {
	f := newImportFixture(t)
	req := numbers.ImportRequest{Rows: inventory(), IdempotencyKey: "import-2"}
	const n = 4
	results := make(chan *numbers.ImportResult, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			res, err := f.svc.Import(bg, f.owner, req)
			results <- res
			errs <- err
		}()
	}
	var first *numbers.ImportResult
	for range n {
		require.NoError(t, <-errs)
		res := <-results
		if first == nil {
			first = res
		}
		require.Equal(t, first, res)
	}
	ns, _ := f.snapshot(t)
	require.Len(t, ns, 15)
}

// FuzzImport: any rows get a dry run that changes nothing, and an apply
// that does what the dry run said: with no row at fault it creates the
// numbers the dry run counted, with the same result; else it is refused
// with CodeInvalid (Field "rows") and the dry run's row results, and
// changes nothing. Every row error names its column.
func FuzzImport(f *testing.F) {
	f.Add("0221 123456", "10", "19", "", "", "", "anna@muster.example", "0221 4711", "", "", "ported", "2026-03-01", "fax_personal", "ben@muster.example")
	f.Add("0221 123456", "0", "999", "reserved", "", "conference", "", "0221 1234560", "", "", "", "", "", "")
	f.Add("x", "1", "", "bought", "2026-02-30", "sms", "@", "0221 999", "", "", "", "", "fax_shared", "anna@muster.example ben@muster.example")
	f.Add("0221 4711", "", "", "new", "", "voice", "lotte@muster.example", "+49 221 4711", "", "", "", "", "", "nobody@muster.example")
	f.Add("0221 4711", "", "", "ported", "0000-01-01", "", "", "0221 4712", "", "", "ported", "9999-12-31", "", "")
	fields := map[string]bool{"number": true, "extension_from": true, "extension_to": true, "origin": true, "porting_date": true, "usage_type": true, "holders": true}
	f.Fuzz(func(t *testing.T, n1, from1, to1, origin1, day1, usage1, holders1, n2, from2, to2, origin2, day2, usage2, holders2 string) {
		fx := newImportFixture(t)
		fx.provision(t, "0221 999", 0)
		rows := []numbers.ImportRow{
			{Number: n1, ExtensionFrom: from1, ExtensionTo: to1, Origin: numbers.Origin(origin1), PortingDate: day1,
				UsageType: routing.UsageType(usage1), Holders: strings.Fields(holders1)},
			{Number: n2, ExtensionFrom: from2, ExtensionTo: to2, Origin: numbers.Origin(origin2), PortingDate: day2,
				UsageType: routing.UsageType(usage2), Holders: strings.Fields(holders2)},
		}
		before, err := fx.store.Snapshot()
		require.NoError(t, err)
		dry, err := fx.svc.Import(bg, fx.owner, numbers.ImportRequest{Rows: rows, DryRun: true})
		if err != nil {
			requireErrorChangedNothing(t, fx.store, before, err)
			return
		}
		after, err := fx.store.Snapshot()
		require.NoError(t, err)
		require.Equal(t, string(before), string(after), "a dry run changed the store")
		for _, r := range dry.Rows {
			for _, e := range r.Errors {
				require.True(t, fields[e.Field], "%v", e)
				require.NotEmpty(t, e.Message)
			}
		}
		res, err := fx.svc.Import(bg, fx.owner, numbers.ImportRequest{Rows: rows})
		if dry.Summary.Invalid > 0 {
			requireErrorChangedNothing(t, fx.store, before, err)
			require.Equal(t, numberdesk.ErrorField(err), "rows")
			require.Equal(t, dry.Rows, res.Rows)
			return
		}
		require.NoError(t, err)
		dry.DryRun = false
		require.Equal(t, dry, res)
		ns, _ := fx.snapshot(t)
		require.Len(t, ns, 1+res.Summary.Numbers)
	})
}
