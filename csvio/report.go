package csvio

import (
	"slices"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
)

// Request returns the numbers.ImportRequest of f's rows. An apply (dryRun
// false) of a file with malformed rows is CodeInvalid (Field "rows"):
// importing only its well-formed rows would not be all or nothing. A dry
// run checks the well-formed rows; Report adds the malformed ones to its
// result.
func (f *File) Request(dryRun bool, idempotencyKey string) (numbers.ImportRequest, error) {
	if !dryRun && len(f.Errors) > 0 {
		return numbers.ImportRequest{}, numberdesk.E(numberdesk.CodeInvalid, "csvio.Request", "rows",
			"Die Datei hat fehlerhafte Zeilen; es wurde nichts importiert.")
	}
	return numbers.ImportRequest{Rows: f.Rows, DryRun: dryRun, IdempotencyKey: idempotencyKey}, nil
}

// Report returns the result of a dry run of f's rows (numbers.Service.Import
// of f.Request(true, "")) with f's malformed rows added: every row of the
// file in file order, each malformed one with its ParseErrors' Errs, and
// the summary counting them as rows and invalid rows. res is not
// modified; nil is taken as the result of no rows.
func (f *File) Report(res *numbers.ImportResult) *numbers.ImportResult {
	out := &numbers.ImportResult{DryRun: true}
	if res != nil {
		out.DryRun, out.Summary = res.DryRun, res.Summary
		out.Rows = slices.Clone(res.Rows)
	}
	var bad []numbers.ImportRowResult
	for _, e := range f.Errors {
		if n := len(bad); n > 0 && bad[n-1].Row == e.Row {
			bad[n-1].Errors = append(bad[n-1].Errors, e.Err)
			continue
		}
		bad = append(bad, numbers.ImportRowResult{Row: e.Row, Errors: []*numberdesk.Error{e.Err}})
	}
	out.Summary.Rows += len(bad)
	out.Summary.Invalid += len(bad)
	out.Rows = append(out.Rows, bad...)
	slices.SortStableFunc(out.Rows, func(a, b numbers.ImportRowResult) int { return a.Row - b.Row })
	return out
}
