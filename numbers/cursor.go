package numbers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"time"

	"github.com/numberdesk/numberdesk"
)

// An overview cursor ("next_cursor") is a Position, signed for the tenant and
// the query it continues: base64url(payload ‖ MAC), the MAC being the first
// cursorMACLen bytes of HMAC-SHA256 under Config.QuoteKey over a label, the
// tenant, the query's selection and sort, and the payload. It is opaque to
// clients; a cursor altered in any bit, or presented with another filter,
// sort or tenant, is CodeInvalid (Field "cursor"), never a wrong page.

// cursorMACLen is the length of a cursor's MAC: 128 bits.
const cursorMACLen = 16

// cursorPayload is a Position as a cursor carries it.
type cursorPayload struct {
	E164   string `json:"e"`
	Status Status `json:"s,omitempty"`
	At     int64  `json:"t,omitempty"` // Unix nanoseconds; 0: none
}

// cursorScope is what a cursor is valid for: the tenant and every field of
// the Filter that decides which numbers match and in which order (not Now,
// which moves between pages, nor the paging).
type cursorScope struct {
	Tenant     numberdesk.TenantID `json:"tenant"`
	Statuses   []Status            `json:"statuses"`
	UsageTypes []string            `json:"usage_types"`
	Holder     numberdesk.StaffID  `json:"holder"`
	Unassigned bool                `json:"unassigned"`
	Prefix     string              `json:"prefix"`
	Extension  string              `json:"extension"`
	Digits     string              `json:"digits"`
	Sort       SortKey             `json:"sort"`
	Desc       bool                `json:"desc"`
}

func scopeOf(tenant numberdesk.TenantID, f Filter) cursorScope {
	sc := cursorScope{Tenant: tenant, Statuses: f.Statuses, Holder: f.Holder, Unassigned: f.Unassigned,
		Prefix: f.Prefix, Extension: f.Extension, Digits: f.Digits, Sort: f.Sort, Desc: f.Desc}
	for _, u := range f.UsageTypes {
		sc.UsageTypes = append(sc.UsageTypes, string(u))
	}
	if sc.Sort == "" {
		sc.Sort = SortNumber
	}
	return sc
}

func cursorMAC(key []byte, sc cursorScope, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("numberdesk overview cursor v1\x00"))
	scope, _ := json.Marshal(sc)
	h.Write(scope)
	h.Write([]byte{0})
	h.Write(payload)
	return h.Sum(nil)[:cursorMACLen]
}

// sealCursor returns the cursor of position p for the tenant's filter f.
func sealCursor(key []byte, tenant numberdesk.TenantID, f Filter, p Position) string {
	c := cursorPayload{E164: p.E164, Status: p.Status}
	if !p.At.IsZero() {
		c.At = p.At.UnixNano()
	}
	payload, _ := json.Marshal(c)
	return tokenEncoding.EncodeToString(append(payload, cursorMAC(key, scopeOf(tenant, f), payload)...))
}

// openCursor verifies cursor for the tenant's filter f and returns its
// position; CodeInvalid (Field "cursor") for anything sealCursor did not
// produce for this tenant and filter.
func openCursor(op string, key []byte, tenant numberdesk.TenantID, f Filter, cursor string) (Position, error) {
	bad := numberdesk.E(numberdesk.CodeInvalid, op, "cursor",
		"Die Seitenposition ist ungültig oder gehört zu einer anderen Suche. Bitte laden Sie die Übersicht neu.")
	raw, err := tokenEncoding.DecodeString(cursor)
	if err != nil || len(raw) <= cursorMACLen {
		return Position{}, bad
	}
	payload, mac := raw[:len(raw)-cursorMACLen], raw[len(raw)-cursorMACLen:]
	if !hmac.Equal(mac, cursorMAC(key, scopeOf(tenant, f), payload)) {
		return Position{}, bad
	}
	var c cursorPayload
	if err := json.Unmarshal(payload, &c); err != nil || c.E164 == "" {
		return Position{}, bad
	}
	p := Position{E164: c.E164, Status: c.Status}
	if c.At != 0 {
		p.At = time.Unix(0, c.At).UTC()
	}
	return p, nil
}
