package numbers

import "github.com/numberdesk/numberdesk"

// CheckWrite checks what every Store requires of a number it writes: the
// number, a canonical tenant ID and an E.164. Backends call it first, so that
// all of them refuse bad input alike (CodeInvalid).
func (n *Number) CheckWrite(op string) error {
	switch {
	case n == nil:
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Rufnummer fehlt.")
	case !numberdesk.ValidID(n.Tenant):
		return numberdesk.E(numberdesk.CodeInvalid, op, "tenant", "Der Mandant der Rufnummer fehlt oder ist ungültig.")
	case n.E164 == "":
		return numberdesk.E(numberdesk.CodeInvalid, op, "number", "Die Rufnummer fehlt.")
	}
	return nil
}

// CheckPurge checks a filter given to Store.DeleteRecords: records are
// purged per holder, so Holder is required, and an empty filter can never
// wipe a tenant. Offset and Limit do not apply to a purge, but a negative
// one is refused as by Check.
func (f RecordFilter) CheckPurge(op string) error {
	if f.Holder == "" {
		return numberdesk.E(numberdesk.CodeInvalid, op, "holder", "Einträge können nur für einen Inhaber gelöscht werden.")
	}
	return f.Check(op)
}

// Check checks a filter given to Store.FindNumbers: an unknown Sort is
// CodeInvalid (Field "sort"), a negative Offset, Limit or CountLimit
// CodeInvalid (Field "offset", "limit" or "count_limit", see
// numberdesk.CheckPage). Backends call it first,
// so that all of them refuse bad input alike.
func (f Filter) Check(op string) error {
	switch f.Sort {
	case "", SortNumber, SortStatus, SortCreated, SortDeactivationAt:
	default:
		return numberdesk.E(numberdesk.CodeInvalid, op, "sort", "Die Sortierung ist ungültig.")
	}
	if f.CountLimit < 0 {
		return numberdesk.E(numberdesk.CodeInvalid, op, "count_limit", "Die Zählgrenze darf nicht negativ sein.")
	}
	return numberdesk.CheckPage(op, f.Offset, f.Limit)
}

// Check checks a filter given to Store.FindRecords: a negative Offset or
// Limit is CodeInvalid (Field "offset" or "limit", see
// numberdesk.CheckPage). Backends call it first.
func (f RecordFilter) Check(op string) error {
	return numberdesk.CheckPage(op, f.Offset, f.Limit)
}
