package numberdesk

import "time"

// StoredSession is a login session of the server mode (httpapi.Sessions) as
// a store keeps it: the hash of the session's ID, never the ID itself, so
// that a leaked sessions table yields no cookie that logs anyone in.
//
// The stores that keep sessions (httpapi.MemorySessions, the SQL store)
// share this type so that they need not import the HTTP layer.
type StoredSession struct {
	// Hash is the lower-case hex SHA-256 of the session's ID (64
	// characters; see ValidSessionHash). It is the key of the session.
	Hash string
	// Tenant and Staff are who logged in.
	Tenant TenantID
	Staff  StaffID
	// CreatedAt is the login; from ExpiresAt on the session is void.
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ValidSessionHash reports whether h has the form of a StoredSession's
// Hash: 64 lower-case hex digits. Stores answer other values with
// CodeNotFound without looking.
func ValidSessionHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := range len(h) {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckWrite checks s as every store does before it keeps it: a valid
// Hash, canonical tenant and staff IDs, and both times set (CodeInvalid
// with the field at fault otherwise).
func (s *StoredSession) CheckWrite(op string) error {
	const msg = "Die Sitzung ist ungültig."
	switch {
	case !ValidSessionHash(s.Hash):
		return E(CodeInvalid, op, "hash", msg)
	case !ValidID(s.Tenant):
		return E(CodeInvalid, op, "tenant", msg)
	case !ValidID(s.Staff):
		return E(CodeInvalid, op, "staff", msg)
	case s.CreatedAt.IsZero():
		return E(CodeInvalid, op, "created_at", msg)
	case s.ExpiresAt.IsZero():
		return E(CodeInvalid, op, "expires_at", msg)
	}
	return nil
}
