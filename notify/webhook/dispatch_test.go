package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/webhook"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// crashedOutbox is the outbox as seen by a dispatcher whose process dies
// after delivering a batch and before recording it.
type crashedOutbox struct{ notify.Outbox }

func (crashedOutbox) FinishDeliveries(context.Context, []notify.Finish) ([]notify.Finish, error) {
	return nil, errors.New("the process died")
}

// dedupReceiver is a receiver as the package documentation asks for: it
// verifies every request, processes each webhook-id once per endpoint, and
// answers a duplicate with 2xx. Its script fails some first attempts.
type dedupReceiver struct {
	verifiers map[string]*webhook.Verifier // by path
	script    func(i int, before int) answer

	mu        sync.Mutex
	processed map[string]map[numberdesk.EventID]int // path → id → times processed
	received  map[string]map[numberdesk.EventID]int // path → id → requests
	refused   []string
}

func (d *dedupReceiver) respond(r request, before int) answer {
	v := d.verifiers[r.path]
	if v == nil {
		return answer{status: http.StatusNotFound}
	}
	p, err := v.Parse(r.header, r.body)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		d.refused = append(d.refused, r.path+": "+err.Error())
		return answer{status: http.StatusUnauthorized}
	}
	d.received[r.path][p.ID]++
	var data struct{ I int }
	if err := json.Unmarshal(p.Data, &data); err != nil {
		d.refused = append(d.refused, r.path+": "+err.Error())
		return answer{status: http.StatusBadRequest}
	}
	a := answer{status: http.StatusOK}
	if r.path == "/vendor" {
		a = d.script(data.I, before)
	}
	if a.status/100 == 2 || a.hang { // processed: a hang answers too late
		if d.processed[r.path][p.ID] == 0 {
			d.processed[r.path][p.ID] = 1 // a duplicate is acknowledged, not processed again
		}
	}
	return a
}

// TestDeliveryThroughTheDispatcher runs the real notify.Dispatcher over a
// memstore outbox against an HTTP receiver that verifies every signature.
// The vendor endpoint fails some first attempts with 503, with a reply that
// comes after the client's timeout, and with 429 and a Retry-After; the
// vendor is rotating its secret (the receiver holds the old one only); a
// dispatcher dies after delivering its first batch and before recording
// it, and a new process takes over. Every event arrives at every endpoint
// that wants it, and exactly once after de-duplication by webhook-id.
func TestDeliveryThroughTheDispatcher(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := memstore.New()
	tenantA, tenantB := numberdesk.NewTenantID(), numberdesk.NewTenantID()
	const count = 24
	var events []numberdesk.Event
	for i := range count {
		tenant, typ := tenantA, numberdesk.EventType("number.activated")
		if i%2 == 1 {
			tenant, typ = tenantB, "staff.notification"
		}
		e, err := numberdesk.NewEvent(typ, numberdesk.System(tenant), c.Now(), "", map[string]int{"i": i})
		require.NoError(t, err)
		e.Transient = struct{ Password string }{"transient-geheim"}
		require.NoError(t, st.AppendEvents(ctx, e))
		events = append(events, e)
	}

	oldSecret, newSecret, tenantSecret := mustSecret(t), mustSecret(t), mustSecret(t)
	vendorV, err := webhook.NewVerifier(oldSecret) // not yet switched to the new secret
	require.NoError(t, err)
	tenantV, err := webhook.NewVerifier(tenantSecret)
	require.NoError(t, err)
	vendorV.Clock, tenantV.Clock = c.Now, c.Now
	const (
		unavailable = 1 // i%6: the first attempt is answered 503
		slow        = 2 // the first attempt is answered after the client gave up (i = 2 and 8 only)
		limited     = 3 // the first attempt is answered 429, Retry-After: 120
	)
	d := &dedupReceiver{
		verifiers: map[string]*webhook.Verifier{"/vendor": vendorV, "/tenant-a": tenantV},
		processed: map[string]map[numberdesk.EventID]int{"/vendor": {}, "/tenant-a": {}},
		received:  map[string]map[numberdesk.EventID]int{"/vendor": {}, "/tenant-a": {}},
		script: func(i, before int) answer {
			switch {
			case before > 0:
			case i%6 == unavailable:
				return answer{status: http.StatusServiceUnavailable}
			case i%6 == slow && i < 12:
				return answer{hang: true}
			case i%6 == limited:
				return answer{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "120"}}
			}
			return answer{status: http.StatusNoContent}
		},
	}
	rv := newReceiver(t, d.respond)

	tenants := webhook.TenantEndpointsFunc(func(_ context.Context, tenant numberdesk.TenantID) ([]webhook.Endpoint, error) {
		if tenant == tenantA {
			return []webhook.Endpoint{{URL: rv.url("/tenant-a"), Secrets: []webhook.Secret{tenantSecret}}}, nil
		}
		return nil, nil
	})
	process := func() *webhook.Notifier { // a process's Notifier
		return newNotifier(t, c, webhook.Config{Tenants: tenants, Timeout: 300 * time.Millisecond,
			Endpoints: []webhook.Endpoint{{Name: "vendor", URL: rv.url("/vendor"), Secrets: []webhook.Secret{newSecret, oldSecret}}}})
	}
	dispatcher := func(worker string, ob notify.Outbox) *notify.Dispatcher {
		return &notify.Dispatcher{Outbox: ob, Notifier: process(), Worker: worker, Batch: 7, Clock: c.Now,
			Backoff: func(int) time.Duration { return time.Second }}
	}

	// The first process delivers a batch and dies before recording it.
	_, err = dispatcher("dying", crashedOutbox{st}).RunOnce(ctx)
	require.ErrorContains(t, err, "the process died")
	require.Equal(t, 1, d.receivedOf("/vendor", events[0].ID))

	// The next one starts while the dead one's leases still hold.
	next := dispatcher("next", st)
	res, err := next.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 7, res.Delivered+res.Retried)
	limitedEvent := events[6+limited] // i = 9: in this batch
	ds := deliveries(t, st, tenantA)
	maps.Copy(ds, deliveries(t, st, tenantB))
	require.Equal(t, c.Now().Add(2*time.Minute), ds[limitedEvent.ID].NextAttempt, "Retry-After: 120 beats the back-off of 1 s")
	require.Contains(t, ds[limitedEvent.ID].LastError, `webhook: endpoint "vendor": HTTP 429 Too Many Requests (retry after 2m0s)`)
	require.Contains(t, ds[events[6+slow].ID].LastError, `webhook: endpoint "vendor": no answer within 300ms`)
	require.Contains(t, ds[events[6+unavailable].ID].LastError, `webhook: endpoint "vendor": HTTP 503 Service Unavailable`)

	// Drain: run rounds, moving the clock on whenever nothing is due.
	for round := 0; ; round++ {
		require.Less(t, round, 100, "the outbox never drained")
		res, err := next.RunOnce(ctx)
		require.NoError(t, err)
		if res != (notify.Result{}) {
			require.Zero(t, res.Failed)
			continue
		}
		if undelivered(t, st, tenantA, tenantB) == 0 {
			break
		}
		c.advance(30 * time.Second)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	require.Empty(t, d.refused, "every request verifies")
	duplicates := 0
	for _, e := range events {
		require.Equal(t, 1, d.processed["/vendor"][e.ID], "event %d at the vendor", e.Seq)
		duplicates += d.received["/vendor"][e.ID] - 1
		if e.Tenant == tenantA {
			require.Equal(t, 1, d.processed["/tenant-a"][e.ID], "event %d at tenant a", e.Seq)
		} else {
			require.Zero(t, d.received["/tenant-a"][e.ID], "tenant a gets only its own events")
		}
	}
	require.Len(t, d.processed["/vendor"], count)
	require.Len(t, d.processed["/tenant-a"], count/2)
	require.GreaterOrEqual(t, duplicates, 7, "the dead process's batch came again")
	for _, e := range events[:7] {
		require.Equal(t, 2, d.received["/vendor"][e.ID], "delivered by the dead process and by the next")
	}
	for _, r := range rv.requests() {
		require.NotContains(t, string(r.body), "transient-geheim")
	}
}

// receivedOf returns how many requests for id reached path.
func (d *dedupReceiver) receivedOf(path string, id numberdesk.EventID) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.received[path][id]
}

// deliveries returns the tenant's deliveries by event.
func deliveries(t *testing.T, st *memstore.Store, tenant numberdesk.TenantID) map[numberdesk.EventID]notify.Delivery {
	t.Helper()
	ds, _, err := st.FindDeliveries(context.Background(), tenant, notify.DeliveryFilter{})
	require.NoError(t, err)
	out := map[numberdesk.EventID]notify.Delivery{}
	for _, d := range ds {
		out[d.Event] = d
	}
	return out
}

// undelivered returns how many events of the tenants are not delivered;
// a failed one fails the test.
func undelivered(t *testing.T, st *memstore.Store, tenants ...numberdesk.TenantID) int {
	t.Helper()
	n := 0
	for _, tenant := range tenants {
		for _, d := range deliveries(t, st, tenant) {
			require.NotEqual(t, notify.StateFailed, d.State, "event %s: %s", d.Event, d.LastError)
			if d.State != notify.StateDelivered {
				n++
			}
		}
	}
	return n
}
