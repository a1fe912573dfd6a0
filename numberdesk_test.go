package numberdesk_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
)

func TestErrorIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", numberdesk.E(numberdesk.CodeNotFound, "numbers.Number", "number", "Die Rufnummer wurde nicht gefunden."))
	require.ErrorIs(t, err, numberdesk.ErrNotFound)
	require.NotErrorIs(t, err, numberdesk.ErrConflict)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	require.Equal(t, "number", numberdesk.ErrorField(err))
	require.Equal(t, "Die Rufnummer wurde nicht gefunden.", numberdesk.ErrorMessage(err))
	require.Equal(t, "numbers.Number: number: Die Rufnummer wurde nicht gefunden.", errors.Unwrap(err).Error())
	// A specific error is not a sentinel for another error of the same code.
	require.NotErrorIs(t, numberdesk.ErrNotFound, err)
}

func TestErrorOfForeignErrors(t *testing.T) {
	plain := errors.New("disk on fire")
	require.Equal(t, numberdesk.Code(""), numberdesk.ErrorCode(nil))
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(plain))
	require.Equal(t, "Interner Fehler.", numberdesk.ErrorMessage(plain), "causes are for logs, not for users")
	wrapped := numberdesk.Internal("numbers.Activate", plain)
	require.ErrorIs(t, wrapped, plain)
	require.ErrorIs(t, wrapped, numberdesk.ErrInternal)
	require.NoError(t, numberdesk.Internal("x", nil))
	// An *Error keeps its code through Internal and gains an Op only if it had none.
	coded := numberdesk.E(numberdesk.CodeConflict, "", "version", "stale")
	got := numberdesk.Internal("numbers.Swap", coded)
	require.Equal(t, numberdesk.CodeConflict, numberdesk.ErrorCode(got))
	require.Equal(t, "numbers.Swap: version: stale", got.Error())
	require.Empty(t, coded.Op, "the original is not modified")
}

func TestActorCheck(t *testing.T) {
	tenant := numberdesk.NewTenantID()
	owner := numberdesk.Actor{Tenant: tenant, Staff: numberdesk.NewStaffID(), Role: numberdesk.RoleOwner}
	require.NoError(t, owner.Check("op", numberdesk.RoleOwner))
	require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(owner.Check("op", numberdesk.RoleSystem)))
	require.NoError(t, numberdesk.System(tenant).Check("op", numberdesk.RoleSystem))
	for _, a := range []numberdesk.Actor{
		{}, // nobody
		{Tenant: tenant, Role: numberdesk.RoleOwner},              // an owner without a staff ID
		{Tenant: tenant, Staff: "s", Role: "root"},                // an unknown role
		{Staff: "s", Role: numberdesk.RoleOwner},                  // no tenant
		{Tenant: tenant, Staff: "s", Role: numberdesk.RoleSystem}, // the system is nobody's employee
	} {
		err := a.Check("op", numberdesk.RoleOwner, numberdesk.RoleSystem)
		require.Equal(t, numberdesk.CodePermission, numberdesk.ErrorCode(err), "%+v", a)
		require.Equal(t, "actor", numberdesk.ErrorField(err))
	}
}

func TestLoadLocation(t *testing.T) {
	loc, err := numberdesk.LoadLocation("")
	require.NoError(t, err)
	require.Equal(t, "Europe/Berlin", loc.String())
	for _, bad := range []string{"Local", "Mars/Olympus", "UTC+1", "../../etc/passwd"} {
		_, err := numberdesk.LoadLocation(bad)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), bad)
		require.Equal(t, "time_zone", numberdesk.ErrorField(err))
	}
	tn := numberdesk.Tenant{TimeZone: "Mars/Olympus"}
	require.Equal(t, "Europe/Berlin", tn.Location().String())
}

func TestIDs(t *testing.T) {
	id := numberdesk.NewNumberID()
	require.True(t, numberdesk.ValidID(id))
	require.NotEqual(t, id, numberdesk.NewNumberID())
	for _, bad := range []numberdesk.NumberID{"", "1", "'; DROP TABLE numbers; --", numberdesk.NumberID(string(id) + "x")} {
		require.False(t, numberdesk.ValidID(bad), bad)
	}
}

func TestValidate(t *testing.T) {
	type item struct {
		Code string `json:"code" validate:"required"`
	}
	type req struct {
		Name   string   `json:"name" validate:"required,max=5"`
		Digits string   `json:"digits" validate:"omitempty,numeric"`
		Tags   []string `json:"tags" validate:"dive,oneof=a b"`
		Item   item     `json:"item"`
	}
	tests := []struct {
		in    req
		field string
	}{
		{req{Item: item{"x"}}, "name"},
		{req{Name: "toolong", Item: item{"x"}}, "name"},
		{req{Name: "ok", Digits: "12a", Item: item{"x"}}, "digits"},
		{req{Name: "ok", Tags: []string{"a", "c"}, Item: item{"x"}}, "tags[1]"},
		{req{Name: "ok"}, "item.code"},
	}
	for _, tt := range tests {
		err := numberdesk.Validate("op", tt.in)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
		require.Equal(t, tt.field, numberdesk.ErrorField(err))
		require.NotEmpty(t, numberdesk.ErrorMessage(err))
	}
	require.NoError(t, numberdesk.Validate("op", req{Name: "ok", Item: item{"x"}}))
}

func TestClock(t *testing.T) {
	var c numberdesk.Clock
	// The nil Clock is the wall clock: its reading lies between two readings
	// of time.Now taken around it, however long the call took.
	before := time.Now()
	got := c.Now()
	after := time.Now()
	require.False(t, got.Before(before), "%v before %v", got, before)
	require.False(t, got.After(after), "%v after %v", got, after)
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c = func() time.Time { return fixed }
	require.Equal(t, fixed, c.Now())
}

func TestEventDecode(t *testing.T) {
	a := numberdesk.System(numberdesk.NewTenantID())
	e, err := numberdesk.NewEvent("number.test", a, time.Now(), "", map[string]int{"n": 1})
	require.NoError(t, err)
	var got map[string]int
	require.NoError(t, e.Decode(&got))
	require.Equal(t, 1, got["n"])
	empty, err := numberdesk.NewEvent("number.test", a, time.Now(), "", nil)
	require.NoError(t, err)
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(empty.Decode(&got)))
}

// Data without a JSON form is an error, never a panic: a value JSON cannot
// hold is CodeInvalid on "data" (the command fails like bad input), a type
// it cannot encode at all is CodeInternal.
func TestNewEventNeverPanics(t *testing.T) {
	a := numberdesk.System(numberdesk.NewTenantID())
	for name, data := range map[string]any{
		"Year10000":  struct{ At time.Time }{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"YearMinus1": map[string]time.Time{"at": time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)},
		"NaN":        map[string]float64{"x": math.NaN()},
	} {
		_, err := numberdesk.NewEvent("number.test", a, time.Now(), "", data)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), name)
		require.Equal(t, "data", numberdesk.ErrorField(err), name)
	}
	_, err := numberdesk.NewEvent("number.test", a, time.Now(), "", map[string]any{"f": func() {}})
	require.Equal(t, numberdesk.CodeInternal, numberdesk.ErrorCode(err))
}

// Every Code has exactly one HTTP status, the one error.go's table gives.
func TestCodeHTTPStatus(t *testing.T) {
	for code, want := range map[numberdesk.Code]int{
		numberdesk.CodeInvalid: 422, numberdesk.CodeNotFound: 404, numberdesk.CodeConflict: 409,
		numberdesk.CodePrecondition: 409, numberdesk.CodePermission: 403, numberdesk.CodeInternal: 500, "made_up": 500,
	} {
		require.Equal(t, want, code.HTTPStatus(), code)
	}
}
