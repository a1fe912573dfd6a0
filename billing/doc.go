// Package billing computes a tenant's monthly statement of its phone
// numbers from the events alone, and exports it as JSON and CSV. It is pure
// Go without I/O and runs in the browser (js/wasm) as on the server.
//
// # Billing lines
//
// The events of package numbers are the billing feed (numbers.EventData,
// its Billing part opens and closes intervals of a billing line):
//
//	number.activated               opens a line at Billing.Start on the event's number;
//	                               its Price (monthly and one-time fees, VAT rate) is the line's price
//	number.deactivation_requested  schedules the line's end at After.DeactivationAt
//	number.deactivation_withdrawn  cancels it
//	number.deactivated             ends the line at Billing.End (the effective instant)
//	number.swapped_out             ends the line's interval on the old number at Billing.End …
//	number.swapped_in              … and continues the same line on the new number from Billing.Start
//
// Every other event is ignored, as are events of other tenants (so a feed
// of several tenants may be passed as it is) and a second event with the
// same ID (at-least-once delivery). The events are taken in the order the
// store appended them (Seq; 0, an event not stored yet such as the pending
// deactivation History shows, after all stored ones; then as given), so
// the order of the slice does not matter.
//
// Time decides, not the cron: a pending deactivation ends the line at its
// effective instant whether or not ApplyDue has stored the
// number.deactivated event yet. A line without an end is billed to the end
// of the month, so the statement of a month not yet over is what the month
// will cost if nothing changes.
//
// A swap keeps one line: it is billed on the old number up to the swap and
// on the new one from the same instant (no gap, no double charge: the day
// of the swap counts once), at the price of the activation, since the new
// number takes over the booked options. A swap drops a pending
// deactivation of the old number: the line goes on, on the new number,
// without an end, as numbers.Service.Swap leaves the new number active
// without one. Each activation is a line of its own, even of a number that
// had another line earlier that day.
//
// # Proration
//
// A statement covers one calendar month in the tenant's time zone, from
// 00:00 on the 1st to 00:00 on the 1st of the next month (where a DST
// change skips a midnight, the instant the day begins). A day of the month
// is billed if the line is billed for any instant of it (intervals
// are half-open [start, end): a line that ends at 24:00 is not billed on
// the next day; one activated and deactivated on the same day is billed for
// that day). Days are calendar days, 23 and 25 hour days of a DST change
// included (a zone's calendar date is assumed never to run backwards, as
// in every zone of today's tz database).
//
// With PerDay (the default, as German carriers bill monthly fees pro rata)
// the recurring net of a line is
//
//	monthly net × billed days / days in the month
//
// rounded half away from zero to the cent (half up for positive amounts),
// per line: a line billed the whole month costs exactly its monthly net.
// With FullMonth a line costs its full monthly net in every month with at
// least one billed day (the month of activation and the month of the last
// billed day count fully; a deactivation effective at 00:00 on the 1st
// bills nothing in that month).
//
// One-time fees of the activation's price are charged, unprorated, in the
// month of the activation (Billing.Start).
//
// # VAT and totals
//
// A line's VAT rate is the one its activation recorded (numbers.Price's
// vat_rate, in basis points, 0 included); if the activation records none,
// Policy.VATRate, default 19 %. VAT is computed per line on its net
// (recurring plus one-time), rounded half away from zero to the cent, and
// gross = net + VAT. The statement's totals, overall and per VAT rate, are
// the sums of the lines, so they add up to the cent; they may differ by a
// few cents from VAT computed once on the total net. All amounts are int64
// cents; all lines of a month must be in one currency (default EUR).
//
// # Export
//
// MonthlyStatement marshals to JSON with its struct tags (amounts as
// *_cents integers, instants in RFC 3339 with the tenant's offset, days as
// "2006-01-02"). WriteCSV writes two CSV dialects: ExcelDE for German
// spreadsheets (UTF-8 with byte order mark, ";", decimal comma, TT.MM.JJJJ,
// text cells starting with = + - @ tab or CR prefixed with an apostrophe
// against formula injection) and RFC4180 for programs (",", decimal point,
// ISO 8601 days, cells as they are).
//
// # Errors
//
// Bad input is a *numberdesk.Error with CodeInvalid and a Field naming it,
// never a panic; see Statement.
package billing
