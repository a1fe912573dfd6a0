package wasm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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
	r, err := wasm.NewRemote(t.Context(), &client.HTTP{Base: srv.URL}, nil)
	require.NoError(t, err)
	return wasm.Local{D: d}, r, d
}

// memory is a wasm.Memory in a byte slice (the portal's is localStorage).
type memory struct{ blob []byte }

func (m *memory) Load() []byte     { return m.blob }
func (m *memory) Save(blob []byte) { m.blob = blob }

// TestRemoteOffline: while the server is unreachable, who the user is, the
// employees and the overview pages loaded last stay readable, from the
// Memory of an earlier Remote too (the app restarted offline); another
// query, any other read and every command fail as unreachable, and a
// session that ended (401) forgets everything.
func TestRemoteOffline(t *testing.T) {
	t.Parallel()
	d, err := demo.Seed(context.Background(), 0, demo.Config{})
	require.NoError(t, err)
	var ended atomic.Bool
	api, err := httpapi.New(httpapi.Config{Store: d.Store, Numbers: d.Numbers, Staff: d.Staff, Efax: d.Fax,
		Auth: httpapi.AuthenticatorFunc(func(*http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
			if ended.Load() {
				return "", "", httpapi.ErrUnauthenticated
			}
			return d.Owner.Tenant, d.Owner.ID, nil
		})})
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	mem := &memory{}
	net := &network{t: &client.HTTP{Base: srv.URL}}
	online, err := wasm.NewRemote(ctx, net, mem)
	require.NoError(t, err)
	require.True(t, online.Reachable())
	q := numbers.Query{Limit: 5}
	page, err := online.Overview(ctx, q)
	require.NoError(t, err)
	staff, err := online.Employees(ctx)
	require.NoError(t, err)
	// More overview pages than are remembered: the first is dropped.
	for i := range 10 {
		_, err := online.Overview(ctx, numbers.Query{Limit: 5, Offset: 5 * (i + 1)})
		require.NoError(t, err)
	}
	last := numbers.Query{Limit: 5, Offset: 50}
	lastPage, err := online.Overview(ctx, last)
	require.NoError(t, err)

	net.down.Store(true)
	for name, r := range map[string]func() (*wasm.Remote, error){
		"the same Remote": func() (*wasm.Remote, error) { return online, nil },
		"after a restart": func() (*wasm.Remote, error) { return wasm.NewRemote(ctx, net, mem) },
	} {
		off, err := r()
		require.NotNil(t, off, name)
		if err != nil {
			require.ErrorIs(t, err, client.ErrUnreachable, name)
		}
		require.Equal(t, d.Owner.ID, off.Acting().ID, name)
		got, err := off.Overview(ctx, last)
		require.NoError(t, err, name)
		require.Equal(t, jsonOf(t, lastPage), jsonOf(t, got), name)
		es, err := off.Employees(ctx)
		require.NoError(t, err, name)
		require.Equal(t, jsonOf(t, staff), jsonOf(t, es), name)
		_, err = off.Overview(ctx, q)
		require.ErrorIs(t, err, client.ErrUnreachable, "%s: the first page was dropped (%d numbers)", name, len(page.Numbers))
		_, err = off.Number(ctx, page.Numbers[0].ID)
		require.ErrorIs(t, err, client.ErrUnreachable, name)
		_, err = off.Withdraw(ctx, numbers.WithdrawRequest{Number: page.Numbers[0].ID})
		require.ErrorIs(t, err, client.ErrUnreachable, name)
	}
	require.False(t, online.Reachable(), "the same Remote saw the failures")
	net.down.Store(false)
	_, err = online.Number(ctx, page.Numbers[0].ID)
	require.NoError(t, err)
	require.True(t, online.Reachable(), "back online with the next answer")

	// A session that ended: no Remote, and the memory is gone.
	ended.Store(true)
	_, err = wasm.NewRemote(ctx, net, mem)
	require.Equal(t, http.StatusUnauthorized, client.Status(err))
	require.Empty(t, mem.blob)
	net.down.Store(true)
	_, err = wasm.NewRemote(ctx, net, mem)
	require.ErrorIs(t, err, client.ErrUnreachable, "nothing remembered: offline without a user")
}

// network is a Transport whose connection the test cuts (down).
type network struct {
	t    client.Transport
	down atomic.Bool
}

func (n *network) RoundTrip(ctx context.Context, r *client.Request) (*client.Response, error) {
	if n.down.Load() {
		return nil, errors.New("network down")
	}
	return n.t.RoundTrip(ctx, r)
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
