package numberdesk

// CheckPage checks the paging of a query: a negative offset is CodeInvalid
// with Field "offset", a negative limit CodeInvalid with Field "limit" (a
// limit of 0 means no limit). Negative values are refused, never read as 0,
// so that a caller's arithmetic error shows instead of silently returning
// the first page. Every Store method that pages calls it first, through the
// Check method of its filter (EventFilter.Check, numbers.Filter.Check,
// numbers.RecordFilter.Check, staff.Filter.Check, notify.DeliveryFilter.Check),
// so that all backends refuse alike and change nothing.
func CheckPage(op string, offset, limit int) error {
	switch {
	case offset < 0:
		return E(CodeInvalid, op, "offset", "Der Versatz darf nicht negativ sein.")
	case limit < 0:
		return E(CodeInvalid, op, "limit", "Die Anzahl darf nicht negativ sein.")
	}
	return nil
}

// Check checks f as every EventStore's FindEvents does first: a negative
// AfterSeq (the cursor) is CodeInvalid with Field "after_seq", a negative
// Limit CodeInvalid with Field "limit".
func (f EventFilter) Check(op string) error {
	if f.AfterSeq < 0 {
		return E(CodeInvalid, op, "after_seq", "Die Position darf nicht negativ sein.")
	}
	return CheckPage(op, 0, f.Limit)
}
