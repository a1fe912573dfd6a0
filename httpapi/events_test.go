package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/staff"
)

type eventPage struct {
	Items             []numberdesk.Event `json:"items"`
	NextCursor        string             `json:"next_cursor"`
	Total             int                `json:"total"`
	TotalIsLowerBound bool               `json:"total_is_lower_bound"`
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fax := faxFixture(t, e, "0221 5550", routing.UsageFaxPersonal, e.employee.Staff)
	page := func(as numberdesk.Actor, query string) eventPage {
		t.Helper()
		r := e.get(t, as, "/api/v1/events"+query)
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var p eventPage
		r.json(t, &p)
		require.Len(t, p.Items, p.Total)
		return p
	}
	stored, err := e.nums.Events(context.Background(), e.owner, numberdesk.EventFilter{})
	require.NoError(t, err)
	require.Greater(t, len(stored), 8)

	// The whole log, oldest first, of the tenant only.
	all := page(e.owner, "")
	require.Len(t, all.Items, len(stored))
	require.Empty(t, all.NextCursor)
	require.False(t, all.TotalIsLowerBound)
	for i, ev := range all.Items {
		require.Equal(t, e.owner.Tenant, ev.Tenant)
		require.Equal(t, stored[i].ID, ev.ID)
		require.Equal(t, stored[i].Seq, ev.Seq)
	}
	require.Equal(t, staff.EventTenantCreated, all.Items[0].Type)
	require.Equal(t, all, page(e.manager, ""))
	for _, ev := range page(e.foreign, "").Items {
		require.Equal(t, e.foreign.Tenant, ev.Tenant)
	}

	// Pages: a full page continues after its last seq (after, or its alias
	// cursor); a short one ends.
	var got []numberdesk.Event
	query := "?limit=3"
	for range len(stored) {
		p := page(e.owner, query)
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			require.Less(t, len(p.Items), 3)
			require.False(t, p.TotalIsLowerBound)
			break
		}
		require.Len(t, p.Items, 3)
		require.True(t, p.TotalIsLowerBound)
		require.Equal(t, strconv.FormatInt(p.Items[2].Seq, 10), p.NextCursor)
		require.Equal(t, page(e.owner, "?limit=3&after="+p.NextCursor), page(e.owner, "?limit=3&cursor="+p.NextCursor))
		query = "?limit=3&after=" + p.NextCursor
	}
	require.Equal(t, all.Items, got)
	// A full last page: the next one is empty.
	last := all.Items[len(all.Items)-1].Seq
	p := page(e.owner, "?limit=1&after="+strconv.FormatInt(all.Items[len(all.Items)-2].Seq, 10))
	require.Equal(t, strconv.FormatInt(last, 10), p.NextCursor)
	p = page(e.owner, "?limit=1&after="+p.NextCursor)
	require.Empty(t, p.Items)
	require.NotNil(t, p.Items)
	require.Empty(t, p.NextCursor)

	// Filters: a number, types (repeated or comma-separated).
	for _, ev := range page(e.owner, "?number="+string(fax)).Items {
		require.Equal(t, fax, ev.Number)
	}
	require.NotEmpty(t, page(e.owner, "?number="+string(fax)).Items)
	created := page(e.owner, "?type=staff.created")
	require.Len(t, created.Items, 4)
	both := page(e.owner, "?type=staff.created&type=tenant.created")
	require.Len(t, both.Items, 5)
	require.Equal(t, both, page(e.owner, "?type=staff.created,tenant.created"))
	require.Empty(t, page(e.owner, "?number="+string(numberdesk.NewNumberID())).Items)

	expectProblem(t, e.get(t, e.employee, "/api/v1/events"), http.StatusForbidden, "permission", "")
	expectProblem(t, e.get(t, anonymous, "/api/v1/events"), http.StatusUnauthorized, "unauthenticated", "")
	expectProblem(t, e.get(t, e.owner, "/api/v1/events?cursor=abc"), http.StatusUnprocessableEntity, "invalid", "cursor")
	for _, c := range []struct{ query, field string }{
		{"?after=-1", "after"},
		{"?after=x", "after"},
		{"?limit=0", "limit"},
		{"?limit=1001", "limit"},
	} {
		r := e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/events" + c.query, invalid: true})
		expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", c.field)
	}
}

type deliveryPage struct {
	Items             []notify.Delivery `json:"items"`
	NextCursor        string            `json:"next_cursor"`
	Total             int               `json:"total"`
	TotalIsLowerBound bool              `json:"total_is_lower_bound"`
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The outbox delivers every event but tenant A's staff.created, which
	// fails for good (4: the owner, the manager, the two employees); the
	// fax number's events stay pending.
	d := &notify.Dispatcher{
		Outbox: e.st,
		Notifier: notify.NotifierFunc(func(_ context.Context, ev numberdesk.Event) error {
			if ev.Tenant == e.owner.Tenant && ev.Type == staff.EventCreated {
				return notify.Permanent(errors.New("550 mailbox unavailable"))
			}
			return nil
		}),
		Clock:  func() time.Time { return e.now },
		Logger: slog.New(slog.DiscardHandler),
	}
	for {
		res, err := d.RunOnce(context.Background())
		require.NoError(t, err)
		if res == (notify.Result{}) {
			break
		}
	}
	faxFixture(t, e, "0221 5550", routing.UsageFaxPersonal, e.employee.Staff)

	page := func(as numberdesk.Actor, query string) deliveryPage {
		t.Helper()
		r := e.get(t, as, "/api/v1/deliveries"+query)
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var p deliveryPage
		r.json(t, &p)
		return p
	}
	failed := page(e.owner, "")
	require.Len(t, failed.Items, 4)
	require.Equal(t, 4, failed.Total)
	require.Empty(t, failed.NextCursor)
	for i, dl := range failed.Items {
		require.Equal(t, notify.StateFailed, dl.State)
		require.Equal(t, staff.EventCreated, dl.Type)
		require.Equal(t, e.owner.Tenant, dl.Tenant)
		require.Contains(t, dl.LastError, "550 mailbox unavailable")
		require.Equal(t, 1, dl.Attempts)
		if i > 0 {
			require.Greater(t, dl.Seq, failed.Items[i-1].Seq)
		}
	}
	require.Equal(t, failed, page(e.manager, "?state=failed"))

	delivered := page(e.owner, "?state=delivered")
	require.Equal(t, 1, delivered.Total) // tenant.created
	require.Equal(t, e.now, delivered.Items[0].DeliveredAt)
	pending := page(e.owner, "?state=pending")
	require.Positive(t, pending.Total)
	for _, dl := range pending.Items {
		require.Equal(t, notify.StatePending, dl.State)
	}

	// Pages of the offset cursor.
	p1 := page(e.owner, "?limit=3")
	require.Len(t, p1.Items, 3)
	require.Equal(t, 4, p1.Total)
	require.NotEmpty(t, p1.NextCursor)
	p2 := page(e.owner, "?limit=3&cursor="+p1.NextCursor)
	require.Equal(t, failed.Items[3:], p2.Items)
	require.Empty(t, p2.NextCursor)

	// Another tenant sees its own: nothing failed.
	f := page(e.foreign, "")
	require.Empty(t, f.Items)
	require.NotNil(t, f.Items)
	require.Len(t, page(e.foreign, "?state=delivered").Items, 2)

	expectProblem(t, e.get(t, e.employee, "/api/v1/deliveries"), http.StatusForbidden, "permission", "")
	expectProblem(t, e.get(t, anonymous, "/api/v1/deliveries"), http.StatusUnauthorized, "unauthenticated", "")
	expectProblem(t, e.get(t, e.owner, "/api/v1/deliveries?cursor=zzz"), http.StatusUnprocessableEntity, "invalid", "cursor")
	for _, c := range []struct{ query, field string }{
		{"?state=lost", "state"},
		{"?limit=0", "limit"},
	} {
		r := e.do(t, req{as: e.owner, method: http.MethodGet, path: "/api/v1/deliveries" + c.query, invalid: true})
		expectProblem(t, r, http.StatusUnprocessableEntity, "invalid", c.field)
	}
	// A locked manager is refused.
	_, err := e.people.SetLocked(context.Background(), e.owner, e.manager.Staff, true)
	require.NoError(t, err)
	expectProblem(t, e.get(t, e.manager, "/api/v1/deliveries"), http.StatusForbidden, "permission", "actor")
}
