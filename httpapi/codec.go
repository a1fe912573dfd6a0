package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// MaxLimit is the largest page a list returns.
const MaxLimit = 1000

// MaxOffset is the largest offset of the overview (GET /numbers?offset=):
// skipping rows costs O(offset), so a deep page of a large tenant is
// reached through the cursor, which costs the same on every page.
const MaxOffset = 100_000

// List is the shape of every collection.
type List[T any] struct {
	Items []T `json:"items"`
	// NextCursor continues after this page ("cursor" parameter); empty on
	// the last page.
	NextCursor string `json:"next_cursor"`
	// Total counts the matches before paging; with TotalIsLowerBound there
	// are more (the overview counts up to numbers.MaxTotal).
	Total             int  `json:"total"`
	TotalIsLowerBound bool `json:"total_is_lower_bound"`
}

// MarshalJSON writes no items as [], never null.
func (l List[T]) MarshalJSON() ([]byte, error) {
	type plain List[T]
	if l.Items == nil {
		l.Items = []T{}
	}
	return json.Marshal(plain(l))
}

// decode reads r's JSON body into v strictly: one object, no unknown
// fields, no trailing data. Anything else is 400 (a body over the limit
// 413); an empty body decodes as {}.
func decode(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return malformed("", err)
	}
	return decodeBytes(body, v)
}

// decodeBytes is decode of a body already read.
func decodeBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(jsonField(err), err)
	}
	if dec.More() {
		return malformed("", errors.New("data after the JSON object"))
	}
	return nil
}

// jsonField is the field a decoding error is about, if it tells.
func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
	}
	return ""
}

// query reads the query parameters of a list: an unparsable value is
// CodeInvalid on its name (422), as the services refuse bad values.
type query struct {
	v   map[string][]string
	err error
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) fail(name, msg string) {
	if q.err == nil {
		q.err = numberdesk.E(numberdesk.CodeInvalid, "httpapi", name, msg)
	}
}

func (q *query) str(name string) string {
	if vs := q.v[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// list is every value of name, also comma-separated ones.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (q *query) boolean(name string) bool {
	s := q.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail(name, "Bitte geben Sie true oder false an.")
	}
	return b
}

// limit is the page size: def if absent, 1 to MaxLimit otherwise.
func (q *query) limit(def int) int {
	s := q.str("limit")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		q.fail("limit", "Bitte geben Sie eine Seitengröße von 1 bis 1000 an.")
		return def
	}
	return n
}

// int64 is a non-negative integer parameter, 0 if absent.
func (q *query) int64(name string) int64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		q.fail(name, "Bitte geben Sie eine nicht negative ganze Zahl an.")
	}
	return n
}

// offset is the "offset" parameter: rows to skip, 0 if absent, at most
// MaxOffset.
func (q *query) offset() int {
	s := q.str("offset")
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxOffset {
		q.fail("offset", "Bitte geben Sie einen Versatz von 0 bis 100000 an.")
		return 0
	}
	return n
}

// time is an RFC 3339 instant, zero if absent.
func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.fail(name, "Bitte geben Sie einen Zeitpunkt nach RFC 3339 an, z. B. 2026-05-04T09:00:00+02:00.")
	}
	return t
}

// etag is the entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch is the version If-Match names: ok false without the header; a
// value that is no version of ours is errStale (it cannot match).
func ifMatch(r *http.Request) (version int64, ok bool, err error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if perr != nil || n < 0 {
		return 0, true, errStale
	}
	return n, true, nil
}

// cursorOffset is the offset a list's cursor parameter continues at: the
// lists the services page by offset hand out the next offset, opaque.
func cursorOffset(q *query) int {
	c := q.str("cursor")
	if c == "" {
		return 0
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	n, aerr := strconv.Atoi(strings.TrimPrefix(string(b), "o"))
	if err != nil || aerr != nil || !strings.HasPrefix(string(b), "o") || n < 0 {
		q.fail("cursor", "Der Cursor ist ungültig.")
		return 0
	}
	return n
}

// nextOffset is the cursor of the page after the one at offset with n of
// total items; empty on the last page.
func nextOffset(offset, n, total int) string {
	if n == 0 || offset+n >= total {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(offset+n)))
}
