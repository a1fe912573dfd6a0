package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// TestBreakerOpensAndProbes: after BreakerFailures consecutive failed
// attempts the endpoint is skipped without a request (a transient error
// whose hint is the rest of the cool-down, so the event stays pending),
// then one webhook probes it: a failed probe opens it for another
// cool-down, a successful one closes it. The status tells each step.
func TestBreakerOpensAndProbes(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, func(request, int) answer { return answer{status: http.StatusServiceUnavailable} })
	s := mustSecret(t)
	n := newNotifier(t, c, webhook.Config{BreakerFailures: 3, BreakerCoolDown: 10 * time.Minute,
		Endpoints: []webhook.Endpoint{{Name: "crm", URL: rv.url("/hook"), Secrets: []webhook.Secret{s}}}})
	tenant := numberdesk.NewTenantID()
	status := func() webhook.EndpointStatus {
		t.Helper()
		st := n.VendorStatus()
		require.Len(t, st, 1)
		require.Equal(t, "crm", st[0].Endpoint)
		return st[0]
	}
	require.Equal(t, webhook.BreakerClosed, status().State)
	require.Empty(t, status().Failures)

	// Three failed attempts, each a request: the third opens the breaker.
	for i := range 3 {
		require.Equal(t, webhook.BreakerClosed, status().State, "attempt %d", i)
		err := n.Notify(background, testEvent(t, tenant, "number.activated", nil))
		require.Error(t, err)
		require.False(t, errors.Is(err, webhook.ErrCircuitOpen))
		c.advance(time.Second)
	}
	require.Equal(t, 3, rv.count("/hook"))
	st := status()
	require.Equal(t, webhook.BreakerOpen, st.State)
	require.Equal(t, 3, st.ConsecutiveFailures)
	opened := c.Now().Add(-time.Second)
	require.True(t, st.OpenUntil.Equal(opened.Add(10*time.Minute)), "%v", st.OpenUntil)
	require.Len(t, st.Failures, 3)
	require.Equal(t, http.StatusServiceUnavailable, st.Failures[0].Status)
	require.True(t, st.Failures[0].At.Equal(opened), "newest first")

	// Open: skipped, no request; transient with the rest of the cool-down.
	c.advance(4 * time.Minute)
	e := testEvent(t, tenant, "number.activated", nil)
	err := n.Notify(background, e)
	require.ErrorIs(t, err, webhook.ErrCircuitOpen)
	require.False(t, notify.IsPermanent(err), "the event stays pending")
	hint, has := notify.RetryAfterOf(err)
	require.True(t, has)
	require.Equal(t, 6*time.Minute-time.Second, hint)
	require.Equal(t, 3, rv.count("/hook"), "no request while open")
	require.Equal(t, 3, status().ConsecutiveFailures, "a skip is no attempt")

	// The cool-down has passed: one probe, which fails: open again.
	c.advance(6 * time.Minute)
	require.Error(t, n.Notify(background, e))
	require.Equal(t, 4, rv.count("/hook"))
	st = status()
	require.Equal(t, webhook.BreakerOpen, st.State)
	require.True(t, st.OpenUntil.Equal(c.Now().Add(10*time.Minute)))
	require.ErrorIs(t, n.Notify(background, e), webhook.ErrCircuitOpen)
	require.Equal(t, 4, rv.count("/hook"))

	// The next probe succeeds: closed, and every webhook goes out again.
	rv.setRespond(func(request, int) answer { return answer{status: http.StatusNoContent} })
	c.advance(10 * time.Minute)
	require.NoError(t, n.Notify(background, e))
	st = status()
	require.Equal(t, webhook.BreakerClosed, st.State)
	require.Zero(t, st.ConsecutiveFailures)
	require.True(t, st.OpenUntil.IsZero())
	require.True(t, st.LastSuccess.Equal(c.Now()))
	require.Len(t, st.Failures, 4, "the failures stay visible")
	require.NoError(t, n.Notify(background, testEvent(t, tenant, "number.activated", nil)))
	require.Equal(t, 6, rv.count("/hook"))
}

// TestBreakerOneProbe: while the probe is under way, other webhooks to the
// endpoint are skipped.
func TestBreakerOneProbe(t *testing.T) {
	c := newClock()
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	rv := newReceiver(t, func(request, int) answer { return answer{status: http.StatusBadGateway} })
	n := newNotifier(t, c, webhook.Config{BreakerFailures: 1, BreakerCoolDown: time.Minute,
		Endpoints: []webhook.Endpoint{{URL: rv.url("/hook"), Secrets: []webhook.Secret{mustSecret(t)}}}})
	tenant := numberdesk.NewTenantID()
	require.Error(t, n.Notify(background, testEvent(t, tenant, "number.activated", nil)))
	require.Equal(t, webhook.BreakerOpen, n.VendorStatus()[0].State)
	rv.setRespond(func(request, int) answer { arrived <- struct{}{}; <-release; return answer{status: http.StatusOK} })
	c.advance(time.Minute)

	probe := make(chan error, 1)
	go func() { probe <- n.Notify(background, testEvent(t, tenant, "number.activated", nil)) }()
	<-arrived
	require.Equal(t, webhook.BreakerHalfOpen, n.VendorStatus()[0].State)
	err := n.Notify(background, testEvent(t, tenant, "number.activated", nil))
	require.ErrorIs(t, err, webhook.ErrCircuitOpen, "the probe is under way")
	close(release)
	require.NoError(t, <-probe)
	require.Equal(t, webhook.BreakerClosed, n.VendorStatus()[0].State)
	require.Equal(t, 2, rv.count("/hook"))
}

// TestBreakerPerEndpoint: an open breaker skips its endpoint only: the
// event's other endpoints get it, and its retry goes only to the skipped
// one. The same URL of two tenants is two endpoints. A negative
// BreakerFailures turns the breakers off; a dispatcher that stops (ctx
// ended) is no failure of the endpoint.
func TestBreakerPerEndpoint(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, func(r request, _ int) answer {
		if r.path == "/down" {
			return answer{status: http.StatusInternalServerError}
		}
		return answer{status: http.StatusOK}
	})
	s := mustSecret(t)
	a, b := numberdesk.NewTenantID(), numberdesk.NewTenantID()
	tenants := webhook.TenantEndpointsFunc(func(context.Context, numberdesk.TenantID) ([]webhook.Endpoint, error) {
		return []webhook.Endpoint{{Name: "down", URL: rv.url("/down"), Secrets: []webhook.Secret{s}}}, nil
	})
	n := newNotifier(t, c, webhook.Config{BreakerFailures: 2, Tenants: tenants,
		Endpoints: []webhook.Endpoint{{Name: "up", URL: rv.url("/up"), Secrets: []webhook.Secret{s}}}})
	for range 2 {
		require.Error(t, n.Notify(background, testEvent(t, a, "number.activated", nil)))
	}
	st, err := n.TenantStatus(background, a)
	require.NoError(t, err)
	require.Equal(t, webhook.BreakerOpen, st[0].State)
	st, err = n.TenantStatus(background, b)
	require.NoError(t, err)
	require.Equal(t, webhook.BreakerClosed, st[0].State, "tenant b's endpoint is its own")
	require.Empty(t, st[0].Failures)

	e := testEvent(t, a, "number.activated", nil)
	ups := rv.count("/up")
	err = n.Notify(background, e)
	require.ErrorIs(t, err, webhook.ErrCircuitOpen)
	require.Equal(t, ups+1, rv.count("/up"), "the other endpoint got it")
	require.Error(t, n.Notify(background, e))
	require.Equal(t, ups+1, rv.count("/up"), "the retry goes to the skipped endpoint only")
	require.Equal(t, 2, rv.count("/down"))
	require.Equal(t, []webhook.EndpointStatus{{Endpoint: "up", State: webhook.BreakerClosed, LastAttempt: c.Now(), LastSuccess: c.Now(), Failures: []webhook.Failure{}}}, n.VendorStatus())

	// Tenant b's endpoint still gets its webhooks.
	require.Error(t, n.Notify(background, testEvent(t, b, "number.activated", nil)))
	require.Equal(t, 3, rv.count("/down"))

	// A ctx that ended is no failure of the endpoint.
	ctx, cancel := context.WithCancel(background)
	cancel()
	before, _ := n.TenantStatus(background, b)
	_ = n.Notify(ctx, testEvent(t, b, "number.activated", nil))
	after, _ := n.TenantStatus(background, b)
	require.Equal(t, before[0].ConsecutiveFailures, after[0].ConsecutiveFailures)

	// Off: every attempt is made.
	off := newNotifier(t, c, webhook.Config{BreakerFailures: -1,
		Endpoints: []webhook.Endpoint{{URL: rv.url("/down"), Secrets: []webhook.Secret{s}}}})
	for range 12 {
		require.False(t, errors.Is(off.Notify(background, testEvent(t, a, "number.activated", nil)), webhook.ErrCircuitOpen))
	}
	st = off.VendorStatus()
	require.Equal(t, webhook.BreakerClosed, st[0].State)
	require.Equal(t, 12, st[0].ConsecutiveFailures)
	require.Len(t, st[0].Failures, 10, "the latest ten")
}
