package sqlstore

import "time"

// The batch statements of PostgreSQL take their rows as arrays (unnest).
// pgx encodes a []string parameter element by element, each boxed and
// planned through its reflection-based array encoder: for a swap that was
// a quarter of the client's CPU. A string parameter it sends as text, as
// it is, and the server parses the array literal in one go, so the arrays
// travel as literals: pgTextArray and pgTimeArray.

// pgTextArray is vals as a PostgreSQL array literal, {"a","b"}: every
// element quoted, '"' and '\' escaped with a backslash, so that any text
// (commas, braces, quotes, "NULL") arrives unchanged.
func pgTextArray(vals []string) string {
	n := 2
	for _, v := range vals {
		n += len(v) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		for j := 0; j < len(v); j++ {
			if c := v[j]; c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, v[j])
		}
		b = append(b, '"')
	}
	return string(append(b, '}'))
}

// pgTimeLayout writes a timestamptz in UTC to the microsecond, the
// precision PostgreSQL stores.
const pgTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// pgTimeArray is ts as a timestamptz[] literal (nil is NULL), each time
// truncated to the microsecond as pgx's binary encoding does. A time
// outside the years 1–9999, which the literal's format cannot write, makes
// it return ts itself, for pgx to encode.
func pgTimeArray(ts []*time.Time) any {
	b := make([]byte, 0, 2+len(ts)*(len(pgTimeLayout)+3))
	b = append(b, '{')
	for i, t := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		if t == nil {
			b = append(b, "NULL"...)
			continue
		}
		u := t.UTC().Truncate(time.Microsecond)
		if y := u.Year(); y < 1 || y > 9999 {
			return ts
		}
		b = append(b, '"')
		b = u.AppendFormat(b, pgTimeLayout)
		b = append(b, '"')
	}
	return string(append(b, '}'))
}
