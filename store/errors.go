package store

import "github.com/numberdesk/numberdesk"

// The errors of the contract. Backends return these, so that every backend
// reports the same case with the same Code, Field and Message (storetest
// compares them: another tenant's ID must fail exactly like a random one).

// ErrNumberNotFound: the tenant has no number with the ID.
func ErrNumberNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "id", "Die Rufnummer wurde nicht gefunden.")
}

// ErrNumberExists: the ID or E.164 exists in the tenant.
func ErrNumberExists(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "number", "Die Rufnummer ist bereits vorhanden.")
}

// ErrStaleVersion: a number was written with a version that is not the stored one.
func ErrStaleVersion(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "version", "Die Rufnummer wurde inzwischen geändert. Bitte laden Sie die Ansicht neu.")
}

// ErrEmployeeNotFound: the tenant has no employee with the ID.
func ErrEmployeeNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "id", "Der Mitarbeiter wurde nicht gefunden.")
}

// ErrEmailTaken: another employee of the tenant has the e-mail address.
func ErrEmailTaken(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "email", "Die E-Mail-Adresse ist bereits vergeben.")
}

// ErrSettingsNotFound: no routing settings are stored for the number.
func ErrSettingsNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "number", "Für die Rufnummer ist kein Routing gespeichert.")
}

// ErrSettingsStale: routing settings were saved with a stale version, or
// created when they exist.
func ErrSettingsStale(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "version", "Das Routing wurde inzwischen geändert. Bitte laden Sie die Ansicht neu.")
}

// ErrBlocklistNotFound: the tenant has no stored block list to update.
func ErrBlocklistNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "tenant", "Für den Mandanten ist keine Sperrliste gespeichert.")
}

// ErrBlocklistStale: a block list was saved with a stale version.
func ErrBlocklistStale(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "version", "Die Sperrliste wurde inzwischen geändert. Bitte laden Sie die Ansicht neu.")
}

// ErrRoutingEncoding: routing settings cannot be encoded for storage.
func ErrRoutingEncoding(op, field string) error {
	return numberdesk.E(numberdesk.CodeInvalid, op, field, "Die Routing-Einstellungen sind ungültig.")
}

// ErrTxDone: a call used the ctx of a transaction that has ended.
func ErrTxDone(op string) error {
	return numberdesk.E(numberdesk.CodeInternal, op, "", "Die Transaktion ist bereits beendet.")
}

// ErrEmployeeExists: the tenant has an employee with the ID.
func ErrEmployeeExists(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "id", "Der Mitarbeiter ist bereits vorhanden.")
}

// ErrEmployeeStale: an employee was written with a stale version.
func ErrEmployeeStale(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "version", "Der Mitarbeiter wurde inzwischen geändert. Bitte laden Sie die Ansicht neu.")
}

// ErrCredentialNotFound: the tenant has no credential with the ID (or no
// credential has the username).
func ErrCredentialNotFound(op string) error {
	return numberdesk.E(numberdesk.CodeNotFound, op, "id", "Die Zugangsdaten wurden nicht gefunden.")
}

// ErrCredentialExists: the tenant has a credential with the ID, or one of
// the same number and employee.
func ErrCredentialExists(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "id", "Die Zugangsdaten sind bereits vorhanden.")
}

// ErrUsernameTaken: a credential of any tenant has the username.
func ErrUsernameTaken(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "username", "Der Benutzername ist bereits vergeben.")
}

// ErrCredentialStale: a credential was written with a stale version.
func ErrCredentialStale(op string) error {
	return numberdesk.E(numberdesk.CodeConflict, op, "version", "Die Zugangsdaten wurden inzwischen geändert. Bitte laden Sie die Ansicht neu.")
}

// ErrHoldersSinceBackwards: a number was written with a HoldersSince earlier
// than the stored one (the holder history only goes forward).
func ErrHoldersSinceBackwards(op string) error {
	return numberdesk.E(numberdesk.CodeInvalid, op, "holders_since", "Der Beginn der Zuordnung darf nicht vor dem gespeicherten liegen.")
}
