package wasm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/httpapi/client"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/wasm"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// twins are the demo's Local API and a Remote one over /api/v1 on the
// same store and services, both acting as the demo's owner.
func twins(t *testing.T) (wasm.Local, *wasm.Remote, *demo.Demo) {
	t.Helper()
	d, err := demo.Seed(context.Background(), 0, demo.Config{})
	require.NoError(t, err)
	api, err := httpapi.New(httpapi.Config{Store: d.Store, Numbers: d.Numbers, Staff: d.Staff, Efax: d.Fax,
		Auth: httpapi.AuthenticatorFunc(func(*http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
			return d.Owner.Tenant, d.Owner.ID, nil
		})})
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	r, err := wasm.NewRemote(t.Context(), client.New(&client.HTTP{Base: srv.URL}))
	require.NoError(t, err)
	return wasm.Local{D: d}, r, d
}

// TestRemoteMatchesLocal: the components see the same through either
// implementation of wasm.API: who acts, the overview, holders, swap
// candidates, the event log newest first, names, routing and the e-fax
// recipients; and a command through one is seen by the other.
func TestRemoteMatchesLocal(t *testing.T) {
	t.Parallel()
	local, remote, d := twins(t)
	ctx := t.Context()
	require.Equal(t, local.Actor(), remote.Actor())
	require.Equal(t, local.Acting().ID, remote.Acting().ID)
	require.Equal(t, local.Location().String(), remote.Location().String())

	same := func(name string, get func(api wasm.API) (any, error)) {
		t.Helper()
		a, err := get(local)
		require.NoError(t, err, "local %s", name)
		b, err := get(remote)
		require.NoError(t, err, "remote %s", name)
		require.Equal(t, jsonOf(t, a), jsonOf(t, b), name)
	}
	q := numbers.Query{Limit: 5, Sort: numbers.SortStatus}
	same("overview", func(api wasm.API) (any, error) {
		p, err := api.Overview(ctx, q)
		if err != nil {
			return nil, err
		}
		return []any{p.Numbers, p.Total, p.NextCursor}, nil
	})
	same("swap candidates", func(api wasm.API) (any, error) { return api.SwapCandidates(ctx) })
	same("names", func(api wasm.API) (any, error) { return api.Names(ctx) })
	same("events, newest first", func(api wasm.API) (any, error) {
		return api.Events(ctx, numberdesk.EventFilter{Desc: true, Limit: 30})
	})
	all, err := local.Overview(ctx, numbers.Query{Limit: numbers.MaxPageSize})
	require.NoError(t, err)
	var held, fax, active *numbers.Number
	for _, n := range all.Numbers {
		switch {
		case len(n.Holders) > 0 && held == nil:
			held = n
		case n.UsageType == "fax_personal" && fax == nil:
			fax = n
		case n.Status == numbers.StatusActive && len(n.Holders) == 0 && active == nil:
			active = n
		}
	}
	require.NotNil(t, held)
	require.NotNil(t, fax)
	require.NotNil(t, active)
	holders, err := remote.Holders(ctx, held.ID)
	require.NoError(t, err)
	want, err := local.Holders(ctx, held.ID)
	require.NoError(t, err)
	require.Equal(t, want[0].ID, holders[0].ID)
	require.Equal(t, want[0].Name(), holders[0].Name())
	same("routing", func(api wasm.API) (any, error) { return api.Routing(ctx, held.ID) })
	same("e-fax recipients", func(api wasm.API) (any, error) { return api.EfaxRecipients(ctx, fax.ID) })
	same("deactivation preview", func(api wasm.API) (any, error) { return api.PreviewDeactivation(ctx, active.ID) })

	// A command through Remote, with the dialog's key: twice is once.
	req := numbers.DeactivateRequest{Number: active.ID, IdempotencyKey: "dialog-1"}
	first, err := remote.Deactivate(ctx, req)
	require.NoError(t, err)
	again, err := remote.Deactivate(ctx, req)
	require.NoError(t, err)
	require.Equal(t, jsonOf(t, first), jsonOf(t, again))
	n, err := local.Number(ctx, active.ID)
	require.NoError(t, err)
	require.Equal(t, numbers.StatusDeactivationPending, n.Status)

	// Errors keep the SDK's code and German message.
	_, err = remote.Withdraw(ctx, numbers.WithdrawRequest{Number: held.ID})
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
	_, lerr := local.Withdraw(ctx, numbers.WithdrawRequest{Number: held.ID})
	require.Equal(t, numberdesk.ErrorMessage(lerr), numberdesk.ErrorMessage(err))
	_, err = remote.EfaxSend(ctx, efax.SendRequest{Number: fax.ID})
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(remote.ActAs(ctx, d.Owner.ID)))
	require.WithinDuration(t, time.Now(), remote.Now(), time.Hour)
}

// jsonOf is v as JSON, to compare what the UI would show.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
