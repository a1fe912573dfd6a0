package staff_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The Service logs one line per command with op, tenant, actor and the
// request ID; a refusal at Debug with code and field but not the input.
func TestCommandLogs(t *testing.T) {
	var logs bytes.Buffer
	nums := &fakeNumbers{assigned: map[numberdesk.StaffID][]numberdesk.NumberID{}, released: map[numberdesk.StaffID]bool{}}
	svc := staff.NewService(staff.Config{Store: memstore.New(), Numbers: nums,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	tenant, owner, err := svc.CreateTenant(numberdesk.WithRequestID(bg, "req-tenant"), staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Anna", LastName: "Admin", Email: "it@muster.example"}})
	require.NoError(t, err)
	ctx := numberdesk.WithRequestID(bg, "req-create")
	_, err = svc.Create(ctx, owner.Actor(), staff.CreateRequest{FirstName: "Jonas", LastName: "Weber", Email: "jonas@muster.example"})
	require.NoError(t, err)
	_, err = svc.Create(ctx, owner.Actor(), staff.CreateRequest{FirstName: "Lena", LastName: "Graf", Email: "no-mail-address"})
	require.Error(t, err)

	var lines []map[string]any
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	require.Len(t, lines, 3)
	ct := lines[0]
	require.Equal(t, "staff.CreateTenant", ct["op"])
	require.Equal(t, "req-tenant", ct["request_id"])
	require.Nil(t, ct["tenant"], "a new random tenant is not known when the command starts")

	ok, refused := lines[1], lines[2]
	for _, l := range lines[1:] {
		require.Equal(t, "staff.Create", l["op"])
		require.Equal(t, "DEBUG", l["level"])
		require.Equal(t, string(tenant.ID), l["tenant"])
		require.Equal(t, string(owner.ID), l["actor"])
		require.Equal(t, "req-create", l["request_id"])
	}
	require.Equal(t, "command done", ok["msg"])
	require.Equal(t, "command refused", refused["msg"])
	require.Equal(t, "invalid", refused["code"])
	require.Equal(t, "email", refused["field"])
	require.NotContains(t, logs.String(), "no-mail-address", "the input reached the log")
	require.NotContains(t, logs.String(), "jonas@muster.example", "a payload reached the log")
}
