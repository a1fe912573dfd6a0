package numbers

import (
	"time"

	"github.com/numberdesk/numberdesk"
)

// RecordKind tells what a Record is.
type RecordKind string

// The kinds of records the vendor's PBX feeds in.
const (
	RecordCall      RecordKind = "call"      // a call record ("Einzelverbindungsnachweis")
	RecordFax       RecordKind = "fax"       // a fax journal entry
	RecordVoicemail RecordKind = "voicemail" // a voicemail message
)

// Direction is the direction of a call or fax.
type Direction string

// The directions.
const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// Result is how a call ended.
type Result string

// The call results.
const (
	ResultAnswered Result = "answered"
	ResultMissed   Result = "missed"
	ResultBusy     Result = "busy"
)

// Record is a call record, fax journal entry or voicemail of a number, fed
// in by the vendor's PBX and attributed to the number's holder at the time.
// Employees see the records of their own numbers; owner and manager all.
type Record struct {
	ID        numberdesk.EventID  `json:"id"` // a UUID
	Tenant    numberdesk.TenantID `json:"tenant"`
	Number    numberdesk.NumberID `json:"number"`
	Kind      RecordKind          `json:"kind"`
	At        time.Time           `json:"at"`
	Direction Direction           `json:"direction"`
	Caller    string              `json:"caller"` // E.164, or "" for anonymous
	Callee    string              `json:"callee"`
	Duration  time.Duration       `json:"duration"`
	Result    Result              `json:"result"`
	Pages     int                 `json:"pages,omitempty"` // faxes
	// Holder is the employee the record belongs to: the number's holder when
	// it happened (empty if it had none).
	Holder numberdesk.StaffID `json:"holder,omitempty"`
}

// RecordFilter selects records of one tenant; zero fields do not filter.
// Results are sorted newest first.
type RecordFilter struct {
	Numbers []numberdesk.NumberID
	Holder  numberdesk.StaffID
	// Shared widens Holder: the fax records without a holder (Holder "")
	// of a period's Number whose At lies in the period match too. A shared
	// fax number's journal is recorded without a holder (it has several),
	// and each member sees the part of it from its membership periods.
	// Without Holder, Shared does nothing.
	Shared []SharedPeriod
	Kinds  []RecordKind
	From   time.Time // At >= From
	To     time.Time // At < To
	Offset int
	Limit  int // 0: no limit
}

// SharedPeriod is a period of a shared fax number's journal for
// RecordFilter.Shared: the fax records without a holder of Number with
// From <= At < To (a zero To: no end).
type SharedPeriod struct {
	Number numberdesk.NumberID
	From   time.Time
	To     time.Time
}

// Contains reports whether r is a record of the period: a fax record of
// p.Number without a holder, at an instant in [p.From, p.To).
func (p SharedPeriod) Contains(r *Record) bool {
	return r.Holder == "" && r.Kind == RecordFax && r.Number == p.Number &&
		!r.At.Before(p.From) && (p.To.IsZero() || r.At.Before(p.To))
}
