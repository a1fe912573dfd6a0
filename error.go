package numberdesk

import (
	"errors"
	"fmt"
)

// Code classifies an Error. Codes are stable strings a UI or an HTTP layer
// maps; each has exactly one HTTP status (Code.HTTPStatus):
//
//	| Code         | HTTP status                  |
//	|--------------|------------------------------|
//	| invalid      | 422 Unprocessable Content    |
//	| not_found    | 404 Not Found                |
//	| conflict     | 409 Conflict                 |
//	| precondition | 409 Conflict                 |
//	| permission   | 403 Forbidden                |
//	| internal     | 500 Internal Server Error    |
//
// Statuses that no Code stands for belong to the HTTP layer: a body that is
// not JSON (400), no session (401), a stale If-Match (412), a locked login
// (429).
type Code string

// HTTPStatus is the HTTP status code of c (the table above); 500 for a Code
// the SDK does not define.
func (c Code) HTTPStatus() int {
	switch c {
	case CodeInvalid:
		return 422
	case CodeNotFound:
		return 404
	case CodeConflict, CodePrecondition:
		return 409
	case CodePermission:
		return 403
	}
	return 500
}

// The error codes.
const (
	// CodeInvalid: the input is malformed; Field names the offending field.
	CodeInvalid Code = "invalid"
	// CodeNotFound: the entity does not exist in the actor's tenant. Another
	// tenant's entity is reported the same way (no enumeration).
	CodeNotFound Code = "not_found"
	// CodeConflict: a duplicate, or a write based on a stale version.
	CodeConflict Code = "conflict"
	// CodePrecondition: the current state forbids the command.
	CodePrecondition Code = "precondition"
	// CodePermission: the actor's role may not do this.
	CodePermission Code = "permission"
	// CodeInternal: anything else; the cause is kept in Err for logs.
	CodeInternal Code = "internal"
)

// Sentinels for errors.Is: errors.Is(err, numberdesk.ErrNotFound) holds for
// every *Error with CodeNotFound.
var (
	ErrInvalid      = &Error{Code: CodeInvalid, Message: "Ungültige Eingabe."}
	ErrNotFound     = &Error{Code: CodeNotFound, Message: "Nicht gefunden."}
	ErrConflict     = &Error{Code: CodeConflict, Message: "Die Daten wurden inzwischen geändert."}
	ErrPrecondition = &Error{Code: CodePrecondition, Message: "Die Aktion ist im aktuellen Zustand nicht möglich."}
	ErrPermission   = &Error{Code: CodePermission, Message: "Keine Berechtigung."}
	ErrInternal     = &Error{Code: CodeInternal, Message: "Interner Fehler."}
)

// Error is the SDK's error. Message is a short German sentence fit for the UI;
// Code and Field are stable, so a UI may translate; Err keeps the cause for
// logs and is never shown to users.
type Error struct {
	Code    Code   `json:"code"`
	Op      string `json:"op,omitempty"`    // the operation, e.g. "numbers.Activate"
	Field   string `json:"field,omitempty"` // the input field at fault, if any
	Message string `json:"message"`
	Err     error  `json:"-"`
}

// Error returns "op: field: message: cause", leaving out empty parts.
func (e *Error) Error() string {
	s := e.Message
	if s == "" {
		s = string(e.Code)
	}
	if e.Field != "" {
		s = e.Field + ": " + s
	}
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinels by Code, so errors.Is(err, ErrConflict) works for
// every conflict.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && t.Op == "" && t.Field == "" && t.Err == nil
}

// E returns an *Error. The message may use fmt verbs with args.
func E(code Code, op, field, message string, args ...any) *Error {
	if len(args) > 0 {
		message = fmt.Sprintf(message, args...)
	}
	return &Error{Code: code, Op: op, Field: field, Message: message}
}

// Internal wraps a cause as CodeInternal for op. An *Error cause is returned
// as it is (with Op filled in if it was empty), so codes survive layers.
func Internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Op == "" {
			c := *e
			c.Op = op
			return &c
		}
		return err
	}
	return &Error{Code: CodeInternal, Op: op, Message: ErrInternal.Message, Err: err}
}

// ErrorCode returns the Code of err: "" for nil, CodeInternal for errors that
// are not an *Error.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorField returns the Field of err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns the user-facing German message of err. Errors that are
// not an *Error yield the generic internal message: details go to logs only.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return ErrInternal.Message
}
