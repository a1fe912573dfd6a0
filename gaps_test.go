package numberdesk_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
)

// E formats its message with the args when there are any, and takes a
// message without args as it is: a "%" in it stays a "%".
func TestEFormatsItsMessage(t *testing.T) {
	e := numberdesk.E(numberdesk.CodeInvalid, "numbers.Provision", "extension_to", "Ein Block umfasst höchstens %d Rufnummern.", 1000)
	require.Equal(t, "Ein Block umfasst höchstens 1000 Rufnummern.", e.Message)
	require.Equal(t, numberdesk.CodeInvalid, e.Code)
	require.Equal(t, "numbers.Provision", e.Op)
	require.Equal(t, "extension_to", e.Field)
	require.NoError(t, e.Err)

	e = numberdesk.E(numberdesk.CodePrecondition, "op", "numbers", "Die Rufnummer %s ist %s.", "0221 123456", "aktiv")
	require.Equal(t, "Die Rufnummer 0221 123456 ist aktiv.", e.Message)
	require.Equal(t, "Die Rufnummer 0221 123456 ist aktiv.", numberdesk.ErrorMessage(e))

	// Without args the message is not a format: nothing is substituted.
	for _, msg := range []string{"Rabatt 100 % sicher.", "%d %s %v", "Keine Berechtigung."} {
		require.Equal(t, msg, numberdesk.E(numberdesk.CodeInvalid, "op", "f", msg).Message)
	}
	// A "%" in an argument is data, not a verb.
	require.Equal(t, "Die Option \"50%\" ist nicht buchbar.",
		numberdesk.E(numberdesk.CodeInvalid, "op", "options", "Die Option %q ist nicht buchbar.", "50%").Message)
}

// Error joins op, field, message (or the code when there is none) and cause.
func TestErrorString(t *testing.T) {
	cause := errors.New("disk full")
	for _, c := range []struct {
		err  *numberdesk.Error
		want string
	}{
		{&numberdesk.Error{Code: numberdesk.CodeInvalid, Op: "op", Field: "f", Message: "Falsch.", Err: cause}, "op: f: Falsch.: disk full"},
		{&numberdesk.Error{Code: numberdesk.CodeInvalid, Op: "op", Message: "Falsch."}, "op: Falsch."},
		{&numberdesk.Error{Code: numberdesk.CodeInvalid, Field: "f", Message: "Falsch."}, "f: Falsch."},
		{&numberdesk.Error{Code: numberdesk.CodeConflict}, "conflict"},
		{&numberdesk.Error{Code: numberdesk.CodeConflict, Op: "op", Err: cause}, "op: conflict: disk full"},
	} {
		require.Equal(t, c.want, c.err.Error())
	}
	e := numberdesk.Internal("store.Save", cause)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(e))
	require.ErrorIs(t, e, cause)
	require.Equal(t, numberdesk.ErrInternal.Message, numberdesk.ErrorMessage(e), "the cause stays out of the message")
	// An *Error keeps its code and gets the op if it had none.
	inner := numberdesk.E(numberdesk.CodeNotFound, "", "number", "Nicht da.")
	got := numberdesk.Internal("numbers.Number", inner)
	require.Equal(t, "numbers.Number: number: Nicht da.", got.Error())
	require.Empty(t, inner.Op, "the original is not changed")
	withOp := numberdesk.E(numberdesk.CodeNotFound, "memstore.Find", "number", "Nicht da.")
	require.Same(t, withOp, numberdesk.Internal("numbers.Number", withOp))
	require.NoError(t, numberdesk.Internal("op", nil))
}
