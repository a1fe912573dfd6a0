package csvio

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/billing"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/phone"
)

// Options configure the exports.
type Options struct {
	// Variant is the CSV variant; required.
	Variant Variant
	// Location is the tenant's time zone, in which days and instants are
	// written; default Europe/Berlin.
	Location *time.Location
	// Holder returns what is written for an employee: its e-mail address,
	// so that an exported overview imports again (Parse reads holders by
	// e-mail); "" or a nil Holder: the employee's ID.
	Holder func(numberdesk.StaffID) string
}

func (o Options) check(op string) (Options, error) {
	if err := o.Variant.check(op); err != nil {
		return o, err
	}
	if o.Location == nil {
		loc, err := time.LoadLocation(numberdesk.DefaultTimeZone)
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	return o, nil
}

func (o Options) holder(id numberdesk.StaffID) string {
	if o.Holder != nil {
		if s := o.Holder(id); s != "" {
			return s
		}
	}
	return string(id)
}

// writer is a csv.Writer of a variant, which writes the byte order mark of
// ExcelDE first.
type writer struct {
	op  string
	v   Variant
	w   io.Writer
	cw  *csv.Writer
	bom bool
	err error
}

func newWriter(op string, w io.Writer, v Variant) *writer {
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = v.comma(), true
	return &writer{op: op, v: v, w: w, cw: cw, bom: v == ExcelDE}
}

// row writes the text cells of one row, guarded in ExcelDE.
func (w *writer) row(cells ...string) {
	if w.err != nil {
		return
	}
	if w.bom {
		w.bom = false
		if _, err := io.WriteString(w.w, "\uFEFF"); err != nil {
			w.err = err
			return
		}
	}
	for i, c := range cells {
		cells[i] = guard(c, w.v)
	}
	w.err = w.cw.Write(cells)
}

// flush writes what is buffered to the underlying writer.
func (w *writer) flush() error {
	if w.err == nil {
		w.cw.Flush()
		w.err = w.cw.Error()
	}
	if w.err != nil {
		return numberdesk.Internal(w.op, w.err)
	}
	return nil
}

// number writes an E.164 number in v: "0221 123456" (ExcelDE; the E.164
// form where the national one would not read back as the same number) or
// "+49221123456"; a value that is no E.164 number as it is.
func number(e164 string, v Variant) string {
	if v != ExcelDE || !phone.E164(e164).Valid() {
		return e164
	}
	if nat := phone.E164(e164).National(); nat != "" {
		if back, err := phone.Parse(nat); err == nil && string(back) == e164 {
			return nat
		}
	}
	return e164
}

// WriteRows writes rows in the import format, so that Parse reads them back
// as they are (but Row): the header of the columns Parse reads, then one
// line per row. With no rows it writes the header alone, a template for a
// file to fill in.
func WriteRows(w io.Writer, rows []numbers.ImportRow, v Variant) error {
	const op = "csvio.WriteRows"
	if err := v.check(op); err != nil {
		return err
	}
	cw := newWriter(op, w, v)
	cw.row(header(v, readColumns)...)
	for _, r := range rows {
		cw.row(number(r.Number, v), r.ExtensionFrom, r.ExtensionTo, originLabel(r.Origin, v), day(r.PortingDate, v),
			usageLabel(r.UsageType, v), strings.Join(r.Holders, ", "))
	}
	return cw.flush()
}

// Overviewer is what WriteNumbers reads: numbers.Service.
type Overviewer interface {
	Overview(ctx context.Context, actor numberdesk.Actor, q numbers.Query) (*numbers.Page, error)
}

// WriteNumbers writes the number overview ("Rufnummern-Übersicht") of q, all
// of its pages, as the actor may see it: it reads page after page through
// the overview's cursor (numbers.MaxPageSize numbers each; q's Cursor,
// Offset and Limit are ignored) and writes and flushes each page before it
// reads the next, so that memory does not grow with the tenant. The columns
// are those Parse reads — a number of a block as its Stammnummer with its
// Durchwahl as both ends of the range, holders by opts.Holder — so that the
// file imports again, followed by Status, Kündigungsdatum, Angelegt am and
// ID, which Parse ignores. An error of src is returned as it is; what has
// been written until then stays written.
func WriteNumbers(ctx context.Context, w io.Writer, src Overviewer, actor numberdesk.Actor, q numbers.Query, opts Options) error {
	const op = "csvio.WriteNumbers"
	opts, err := opts.check(op)
	if err != nil {
		return err
	}
	v, loc := opts.Variant, opts.Location
	cw := newWriter(op, w, v)
	cw.row(header(v, len(columns))...)
	q.Cursor, q.Offset, q.Limit = "", 0, numbers.MaxPageSize
	for {
		p, err := src.Overview(ctx, actor, q)
		if err != nil {
			return err
		}
		for _, n := range p.Numbers {
			num := n.E164
			if n.Base != "" {
				num = n.Base
			}
			var porting, notice string
			if !n.PortingDate.IsZero() {
				porting = day(n.PortingDate.In(loc).Format(time.DateOnly), v)
			}
			if !n.DeactivationAt.IsZero() {
				notice = day(numbers.NoticeDate(n.DeactivationAt, loc).Format(time.DateOnly), v)
			}
			holders := make([]string, len(n.Holders))
			for i, h := range n.Holders {
				holders[i] = opts.holder(h)
			}
			status := string(n.Status)
			if v == ExcelDE {
				status = n.StatusLabel()
			}
			cw.row(number(num, v), n.Extension, n.Extension, originLabel(n.Origin, v), porting, usageLabel(n.UsageType, v),
				strings.Join(holders, ", "), status, notice, instant(n.CreatedAt, loc, v), string(n.ID))
		}
		if err := cw.flush(); err != nil {
			return err
		}
		if p.NextCursor == "" {
			return nil
		}
		q.Cursor = p.NextCursor
	}
}

// instant writes t in loc: "15.01.2026 10:00:00" or RFC 3339 with the
// offset.
func instant(t time.Time, loc *time.Location, v Variant) string {
	if t.IsZero() {
		return ""
	}
	if v == ExcelDE {
		return t.In(loc).Format("02.01.2006 15:04:05")
	}
	return t.In(loc).Format(time.RFC3339)
}

// EventLister is what WriteEvents reads: numbers.Service.
type EventLister interface {
	Events(ctx context.Context, actor numberdesk.Actor, f numberdesk.EventFilter) ([]numberdesk.Event, error)
}

// eventPage is how many events WriteEvents reads at a time.
const eventPage = 1000

// WriteEvents writes the tenant's event log ("Ereignisprotokoll") of f,
// oldest first, as the actor may read it: page after page of eventPage
// events by their Seq (from f.AfterSeq on; f.Limit, if set, bounds the
// events written), each page written and flushed before the next is read.
// Columns: Nr. (Seq), Zeitpunkt, Ereignis (the type), Rufnummer (of the
// events of package numbers), Ausgeführt von (opts.Holder of the actor's
// employee, "System" for the system), Rolle, Daten (the event's data as
// JSON: nothing of the audit record is lost). f.Desc is CodeInvalid (Field
// "desc"): the log is exported in the order it was written. An error of src
// is returned as it is.
func WriteEvents(ctx context.Context, w io.Writer, src EventLister, actor numberdesk.Actor, f numberdesk.EventFilter, opts Options) error {
	const op = "csvio.WriteEvents"
	opts, err := opts.check(op)
	if err != nil {
		return err
	}
	if f.Desc {
		return numberdesk.E(numberdesk.CodeInvalid, op, "desc", "Das Ereignisprotokoll wird in der Reihenfolge seiner Einträge exportiert.")
	}
	if err := numberdesk.CheckPage(op, 0, f.Limit); err != nil {
		return err
	}
	v, loc := opts.Variant, opts.Location
	cw := newWriter(op, w, v)
	if v == ExcelDE {
		cw.row("Nr.", "Zeitpunkt", "Ereignis", "Rufnummer", "Ausgeführt von", "Rolle", "Daten")
	} else {
		cw.row("seq", "at", "type", "number", "actor", "role", "data")
	}
	left := f.Limit
	for {
		page := f
		page.Limit = eventPage
		if left > 0 {
			page.Limit = min(eventPage, left)
		}
		evs, err := src.Events(ctx, actor, page)
		if err != nil {
			return err
		}
		for _, e := range evs {
			var d struct {
				E164 string `json:"e164"`
			}
			if len(e.Data) > 0 {
				_ = json.Unmarshal(e.Data, &d) // events of other domains have no number
			}
			who := "System"
			if e.Actor.Staff != "" {
				who = opts.holder(e.Actor.Staff)
			}
			cw.row(strconv.FormatInt(e.Seq, 10), instant(e.At, loc, v), string(e.Type), number(d.E164, v), who,
				roleLabel(e.Actor.Role, v), string(e.Data))
			f.AfterSeq = e.Seq
		}
		if err := cw.flush(); err != nil {
			return err
		}
		if left > 0 {
			if left -= len(evs); left <= 0 {
				return nil
			}
		}
		if len(evs) < page.Limit {
			return nil
		}
	}
}

// WriteStatement writes a monthly statement in v: billing's WriteCSV in
// the matching format (billing.ExcelDE or billing.RFC4180), which this
// package's variants follow.
func WriteStatement(w io.Writer, st *billing.MonthlyStatement, v Variant) error {
	const op = "csvio.WriteStatement"
	if err := v.check(op); err != nil {
		return err
	}
	if st == nil {
		return numberdesk.E(numberdesk.CodeInvalid, op, "statement", "Die Abrechnung fehlt.")
	}
	return st.WriteCSV(w, v.billing())
}
