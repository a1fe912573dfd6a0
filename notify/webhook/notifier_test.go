package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

func TestNewRefusesMalformedConfig(t *testing.T) {
	good := webhook.Endpoint{URL: "https://crm.example.de/hook", Secrets: []webhook.Secret{vectorSecret}}
	with := func(f func(e *webhook.Endpoint)) []webhook.Endpoint {
		e := good
		e.Secrets = append([]webhook.Secret(nil), good.Secrets...)
		f(&e)
		return []webhook.Endpoint{good, e}
	}
	for _, tc := range []struct {
		name, field string
		cfg         webhook.Config
	}{
		{"nothing", "Endpoints", webhook.Config{}},
		{"empty URL", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "" })}},
		{"relative URL", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "crm.example.de/hook?token=sekrit" })}},
		{"other scheme", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "ftp://crm.example.de/sekrit" })}},
		{"no host", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "https:///sekrit" })}},
		{"opaque", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "https:sekrit" })}},
		{"unparsable", "Endpoints[1].URL", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.URL = "https://crm.example.de/%zz-sekrit" })}},
		{"no secret", "Endpoints[1].Secrets", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.Secrets = nil })}},
		{"malformed secret", "Endpoints[1].Secrets[1]", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) {
			e.Secrets = append(e.Secrets, "whsec_sekrit")
		})}},
		{"secret without prefix", "Endpoints[1].Secrets[0]", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) {
			e.Secrets[0] = webhook.Secret(strings.TrimPrefix(string(vectorSecret), webhook.SecretPrefix))
		})}},
		{"empty type", "Endpoints[1].Types[1]", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.Types = []numberdesk.EventType{"number.*", ""} })}},
		{"type with space", "Endpoints[1].Types[0]", webhook.Config{Endpoints: with(func(e *webhook.Endpoint) { e.Types = []numberdesk.EventType{"number. activated"} })}},
		{"negative timeout", "Timeout", webhook.Config{Endpoints: []webhook.Endpoint{good}, Timeout: -time.Second}},
		{"negative retry-after bound", "MaxRetryAfter", webhook.Config{Endpoints: []webhook.Endpoint{good}, MaxRetryAfter: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := webhook.New(tc.cfg)
			require.Nil(t, n)
			var e *numberdesk.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, numberdesk.CodeInvalid, e.Code)
			require.Equal(t, tc.field, e.Field)
			require.NotEmpty(t, e.Message)
			require.NotContains(t, err.Error(), "sekrit")
			require.NotContains(t, err.Error(), "MfKQ9r8")
		})
	}

	// Endpoint.Check names the same fields without the prefix.
	e := good
	e.Secrets = []webhook.Secret{vectorSecret, "whsec_sekrit"}
	require.Equal(t, "Secrets[1]", numberdesk.ErrorField(e.Check()))
	require.NoError(t, good.Check())

	// Tenants alone are enough.
	_, err := webhook.New(webhook.Config{Tenants: webhook.TenantEndpointsFunc(func(context.Context, numberdesk.TenantID) ([]webhook.Endpoint, error) {
		return nil, nil
	})})
	require.NoError(t, err)
}

// The body is the documented Payload, never the Transient value; the
// headers are Standard Webhooks' and verify with the endpoint's secret.
func TestNotifyPayloadAndHeaders(t *testing.T) {
	rv := newReceiver(t, nil)
	c := newClock()
	s := mustSecret(t)
	n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: rv.url("/hook"), Secrets: []webhook.Secret{s}}}})

	berlin := time.FixedZone("CET", 3600)
	e := numberdesk.Event{
		ID:     "5f0c2a4e-8a2b-4d4e-9c51-3b1f6d0e7a11",
		Tenant: "0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e",
		Seq:    42,
		Type:   "number.activated",
		At:     time.Date(2026, 11, 27, 13, 0, 0, 500, berlin),
		Actor:  numberdesk.Actor{Tenant: "0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e", Staff: "9a1d3f5e-7b2c-4e6d-8f0a-1b2c3d4e5f60", Role: numberdesk.RoleOwner},
		Number: "c2f4e6a8-0b1d-4f3e-a5c7-e9b1d3f5a7c9",
		Data:   json.RawMessage(`{"price": {"amount": 990, "currency": "EUR"}}`),
		Transient: struct{ Password string }{
			Password: "transient-geheim-4711",
		},
	}
	require.NoError(t, n.Notify(background, e))
	reqs := rv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.JSONEq(t, `{
		"id": "5f0c2a4e-8a2b-4d4e-9c51-3b1f6d0e7a11",
		"type": "number.activated",
		"tenant": "0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e",
		"seq": 42,
		"at": "2026-11-27T12:00:00.0000005Z",
		"actor": {"tenant": "0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e", "staff": "9a1d3f5e-7b2c-4e6d-8f0a-1b2c3d4e5f60", "role": "owner"},
		"number": "c2f4e6a8-0b1d-4f3e-a5c7-e9b1d3f5a7c9",
		"data": {"price": {"amount": 990, "currency": "EUR"}}
	}`, string(r.body))
	require.Equal(t, `{"id":"5f0c2a4e-8a2b-4d4e-9c51-3b1f6d0e7a11","type":"number.activated",`+
		`"tenant":"0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e","seq":42,"at":"2026-11-27T12:00:00.0000005Z",`+
		`"actor":{"tenant":"0b6e7c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e","staff":"9a1d3f5e-7b2c-4e6d-8f0a-1b2c3d4e5f60","role":"owner"},`+
		`"number":"c2f4e6a8-0b1d-4f3e-a5c7-e9b1d3f5a7c9","data":{"price":{"amount":990,"currency":"EUR"}}}`,
		string(r.body), "the exact bytes, compact")
	require.NotContains(t, string(r.body), "transient-geheim")
	require.NotContains(t, string(r.body), "Password")

	require.Equal(t, string(e.ID), r.header.Get(webhook.HeaderID))
	require.Equal(t, strconv.FormatInt(c.Now().Unix(), 10), r.header.Get(webhook.HeaderTimestamp), "the attempt's time, not the event's")
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.Equal(t, webhook.UserAgent, r.header.Get("User-Agent"))
	v, err := webhook.NewVerifier(s)
	require.NoError(t, err)
	v.Clock = c.Now
	require.NoError(t, v.Verify(r.header, r.body))
	p, err := v.Parse(r.header, r.body)
	require.NoError(t, err)
	want := webhook.PayloadOf(e)
	want.Data = json.RawMessage(`{"price":{"amount":990,"currency":"EUR"}}`) // compacted
	require.Equal(t, want, p)

	// No number and no data: both are left out.
	e.Number, e.Data = "", nil
	require.NoError(t, n.Notify(background, e))
	body := string(rv.requests()[1].body)
	require.NotContains(t, body, `"number"`)
	require.NotContains(t, body, `"data"`)
}

// Status handling: 2xx delivered; 408, 429, 5xx transient; 3xx and the
// other 4xx permanent. The Retry-After of a 429 or 503 becomes the
// dispatcher's hint, bounded; other statuses' Retry-After is ignored.
func TestNotifyStatusClassification(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, func(r request, _ int) answer {
		parts := strings.Split(strings.TrimPrefix(r.path, "/"), "/") // /<status>[/<retry-after>]
		status, _ := strconv.Atoi(parts[0])
		a := answer{status: status, header: map[string]string{}}
		if len(parts) > 1 {
			ra := parts[1]
			if ra == "date" {
				ra = c.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
			}
			a.header["Retry-After"] = ra
		}
		return a
	})
	const (
		delivered = "delivered"
		transient = "transient"
		permanent = "permanent"
	)
	for _, tc := range []struct {
		path  string
		want  string
		hint  time.Duration
		noHit bool
	}{
		{path: "/200", want: delivered}, {path: "/201", want: delivered}, {path: "/202", want: delivered},
		{path: "/204", want: delivered}, {path: "/299", want: delivered},
		{path: "/300", want: permanent}, {path: "/304", want: permanent},
		{path: "/400", want: permanent}, {path: "/401", want: permanent}, {path: "/403", want: permanent},
		{path: "/404", want: permanent}, {path: "/405", want: permanent}, {path: "/409", want: permanent},
		{path: "/410", want: permanent}, {path: "/413", want: permanent}, {path: "/422", want: permanent},
		{path: "/499", want: permanent},
		{path: "/408", want: transient}, {path: "/429", want: transient},
		{path: "/500", want: transient}, {path: "/501", want: transient}, {path: "/502", want: transient},
		{path: "/503", want: transient}, {path: "/504", want: transient}, {path: "/599", want: transient},
		{path: "/429/120", want: transient, hint: 2 * time.Minute},
		{path: "/503/7", want: transient, hint: 7 * time.Second},
		{path: "/503/date", want: transient, hint: 90 * time.Second},
		{path: "/503/99999999999999999999", want: transient},          // not a number Go can hold, not a date
		{path: "/429/86400", want: transient, hint: 10 * time.Minute}, // bounded by MaxRetryAfter
		{path: "/429/9223372036854775807", want: transient, hint: 10 * time.Minute},
		{path: "/429/0", want: transient},
		{path: "/429/-5", want: transient},
		{path: "/429/soon", want: transient},
		{path: "/500/60", want: transient}, // only 429 and 503 are honoured
		{path: "/410/60", want: permanent}, // permanent anyway
		{path: "/200/60", want: delivered},
	} {
		t.Run(strings.TrimPrefix(tc.path, "/"), func(t *testing.T) {
			n := newNotifier(t, c, webhook.Config{MaxRetryAfter: 10 * time.Minute,
				Endpoints: []webhook.Endpoint{{Name: "crm", URL: rv.url(tc.path), Secrets: []webhook.Secret{vectorSecret}}}})
			err := n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil))
			hint, hinted := notify.RetryAfterOf(err)
			switch tc.want {
			case delivered:
				require.NoError(t, err)
				return
			case transient:
				require.Error(t, err)
				require.False(t, notify.IsPermanent(err), "%v", err)
			case permanent:
				require.True(t, notify.IsPermanent(err), "%v", err)
			}
			status, _ := strconv.Atoi(strings.Split(tc.path, "/")[1])
			var ee *webhook.EndpointError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, status, ee.Status)
			require.Equal(t, "crm", ee.Endpoint)
			require.Equal(t, tc.want == permanent, ee.Permanent)
			require.Equal(t, tc.hint, ee.RetryAfter)
			require.Equal(t, tc.hint > 0, hinted)
			require.Equal(t, tc.hint, hint)
			require.Contains(t, err.Error(), fmt.Sprintf(`webhook: endpoint "crm": HTTP %d`, status))
		})
	}
}

// A transport failure, a timeout and a cancelled ctx are transient.
func TestNotifyTransportFailures(t *testing.T) {
	c := newClock()
	e := testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)

	t.Run("connection refused", func(t *testing.T) {
		rv := newReceiver(t, nil)
		url := rv.url("/hook")
		rv.srv.Close()
		n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: url, Secrets: []webhook.Secret{vectorSecret}}}})
		err := n.Notify(background, e)
		require.Error(t, err)
		require.False(t, notify.IsPermanent(err))
		var ee *webhook.EndpointError
		require.ErrorAs(t, err, &ee)
		require.Zero(t, ee.Status)
		require.Equal(t, strings.TrimPrefix(url[:len(url)-len("/hook")], "http://"), ee.Endpoint, "named by host and port")
	})

	t.Run("timeout", func(t *testing.T) {
		rv := newReceiver(t, func(request, int) answer { return answer{hang: true} })
		n := newNotifier(t, c, webhook.Config{Timeout: 50 * time.Millisecond,
			Endpoints: []webhook.Endpoint{{Name: "slow", URL: rv.url("/hook"), Secrets: []webhook.Secret{vectorSecret}}}})
		err := n.Notify(background, e)
		require.Error(t, err)
		require.False(t, notify.IsPermanent(err))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, `webhook: endpoint "slow": no answer within 50ms: context deadline exceeded`, err.Error())
		require.Len(t, rv.requests(), 1, "the request reached the receiver: a retry is a duplicate it drops")
	})

	t.Run("cancelled", func(t *testing.T) {
		rv := newReceiver(t, func(request, int) answer { return answer{hang: true} })
		n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: rv.url("/hook"), Secrets: []webhook.Secret{vectorSecret}}}})
		ctx, cancel := context.WithCancel(background)
		rv.setRespond(func(request, int) answer { cancel(); return answer{hang: true} })
		err := n.Notify(ctx, e)
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, notify.IsPermanent(err))
	})
}

// A redirect is followed only to the same origin with POST kept (307, 308);
// every other is refused and permanent. The vendor's own CheckRedirect is
// still asked, and its Client is not changed.
func TestNotifyRedirects(t *testing.T) {
	c := newClock()
	s := mustSecret(t)
	var rv *receiver
	rv = newReceiver(t, func(r request, _ int) answer {
		loc := func(to string) map[string]string { return map[string]string{"Location": to} }
		switch r.path {
		case "/ok":
			return answer{status: http.StatusNoContent}
		case "/307":
			return answer{status: http.StatusTemporaryRedirect, header: loc("/ok")}
		case "/308":
			return answer{status: http.StatusPermanentRedirect, header: loc(rv.url("/ok"))}
		case "/302":
			return answer{status: http.StatusFound, header: loc("/ok")}
		case "/301":
			return answer{status: http.StatusMovedPermanently, header: loc("/ok")}
		case "/other-host":
			return answer{status: http.StatusTemporaryRedirect, header: loc(strings.Replace(rv.url("/ok"), "127.0.0.1", "localhost", 1))}
		case "/other-port":
			return answer{status: http.StatusTemporaryRedirect, header: loc("http://127.0.0.1:1/ok")}
		case "/loop":
			return answer{status: http.StatusTemporaryRedirect, header: loc("/loop")}
		}
		return answer{status: http.StatusNotFound}
	})
	v, err := webhook.NewVerifier(s)
	require.NoError(t, err)
	v.Clock = c.Now
	for path, wantStatus := range map[string]int{
		"/307": 0, "/308": 0,
		"/302": http.StatusFound, "/301": http.StatusMovedPermanently,
		"/other-host": http.StatusTemporaryRedirect, "/other-port": http.StatusTemporaryRedirect,
		"/loop": http.StatusTemporaryRedirect,
	} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			before := rv.count("/ok")
			n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: rv.url(path), Secrets: []webhook.Secret{s}}}})
			err := n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil))
			if wantStatus == 0 {
				require.NoError(t, err)
				reqs := rv.requests()
				last := reqs[len(reqs)-1]
				require.Equal(t, "/ok", last.path)
				require.NoError(t, v.Verify(last.header, last.body), "the body and its signature went along")
				return
			}
			require.True(t, notify.IsPermanent(err), "%v", err)
			var ee *webhook.EndpointError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, wantStatus, ee.Status)
			require.Contains(t, err.Error(), "redirect is not followed")
			require.NotContains(t, err.Error(), "Location")
			require.Equal(t, before, rv.count("/ok"), "not followed")
		})
	}
	require.Equal(t, 1+maxRedirectsForTest, rv.count("/loop"), "a loop ends after 5 redirects")

	// The vendor's CheckRedirect is asked after the Notifier's own policy.
	refuse := errors.New("vendor policy")
	var asked atomic.Int64
	vendor := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { asked.Add(1); return refuse }}
	n := newNotifier(t, c, webhook.Config{Client: vendor, Endpoints: []webhook.Endpoint{{URL: rv.url("/307"), Secrets: []webhook.Secret{s}}}})
	err = n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil))
	require.ErrorIs(t, err, refuse)
	require.False(t, notify.IsPermanent(err))
	require.EqualValues(t, 1, asked.Load())
	require.ErrorIs(t, vendor.CheckRedirect(nil, nil), refuse, "the vendor's client is unchanged")
	require.EqualValues(t, 2, asked.Load())
}

const maxRedirectsForTest = 5

// No error holds the payload, the response body (which echoes it), the
// URL's path, query or user info, or a secret.
func TestNotifyErrorsHoldNothingSecret(t *testing.T) {
	c := newClock()
	s := mustSecret(t)
	e := testEvent(t, numberdesk.NewTenantID(), "number.activated", map[string]string{"note": "payload-geheim-0815"})
	e.Transient = struct{ Secret string }{"transient-geheim-4711"}
	check := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		for _, secret := range []string{"geheim", "sekrit", strings.TrimPrefix(s.Reveal(), webhook.SecretPrefix), string(e.Data)} {
			require.NotContains(t, err.Error(), secret)
			require.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}
	rv := newReceiver(t, func(r request, _ int) answer {
		switch {
		case strings.HasPrefix(r.path, "/500/"):
			return answer{status: 500}
		case strings.HasPrefix(r.path, "/404/"):
			return answer{status: 404}
		}
		return answer{hang: true}
	})
	token := "/sekrit-path?token=sekrit-token"
	for _, path := range []string{"/500", "/404", "/hang"} {
		t.Run(path[1:], func(t *testing.T) {
			url := strings.Replace(rv.url(path+token), "http://", "http://user:sekrit-pass@", 1)
			n := newNotifier(t, c, webhook.Config{Timeout: 50 * time.Millisecond,
				Endpoints: []webhook.Endpoint{{URL: url, Secrets: []webhook.Secret{s}}}})
			check(t, n.Notify(background, e))
		})
	}
	t.Run("refused", func(t *testing.T) {
		closed := newReceiver(t, nil)
		url := strings.Replace(closed.url(token), "http://", "http://user:sekrit-pass@", 1)
		closed.srv.Close()
		n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: url, Secrets: []webhook.Secret{s}}}})
		check(t, n.Notify(background, e))
	})
}

// With several endpoints, the ones done with an event (2xx, or a permanent
// failure) are not sent it again while it is retried; the event is retried
// while any endpoint failed transiently, and dead-lettered once only
// permanent failures are left, naming them.
func TestNotifyRetriesOnlyPendingEndpoints(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, func(r request, before int) answer {
		switch {
		case r.path == "/gone":
			return answer{status: http.StatusGone}
		case r.path == "/flaky" && before == 0:
			return answer{status: http.StatusServiceUnavailable, header: map[string]string{"Retry-After": "30"}}
		}
		return answer{status: http.StatusOK}
	})
	ep := func(name string) webhook.Endpoint {
		return webhook.Endpoint{Name: name, URL: rv.url("/" + name), Secrets: []webhook.Secret{vectorSecret}}
	}

	t.Run("transient, then delivered", func(t *testing.T) {
		n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{ep("ok"), ep("flaky")}})
		e := testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)
		err := n.Notify(background, e)
		require.Error(t, err)
		require.False(t, notify.IsPermanent(err))
		require.Equal(t, `webhook: endpoint "flaky": HTTP 503 Service Unavailable (retry after 30s)`, err.Error())
		hint, ok := notify.RetryAfterOf(err)
		require.True(t, ok)
		require.Equal(t, 30*time.Second, hint)
		require.NoError(t, n.Notify(background, e))
		require.Equal(t, 1, rv.countID("/ok", e.ID), "the endpoint that had it is not sent it again")
		require.Equal(t, 2, rv.countID("/flaky", e.ID))

		// The outcome was final: the Notifier forgot the event. Should the
		// dispatcher deliver it again, every endpoint gets it.
		require.NoError(t, n.Notify(background, e))
		require.Equal(t, 2, rv.countID("/ok", e.ID))
	})

	t.Run("permanent and transient", func(t *testing.T) {
		n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{ep("ok"), ep("gone"), ep("flaky")}})
		e := testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)
		err := n.Notify(background, e)
		require.False(t, notify.IsPermanent(err), "retried while an endpoint may still take it: %v", err)
		require.Contains(t, err.Error(), `"gone": HTTP 410 Gone`)
		require.Contains(t, err.Error(), `"flaky": HTTP 503`)
		require.NotContains(t, err.Error(), `"ok"`)

		err = n.Notify(background, e)
		require.True(t, notify.IsPermanent(err), "only a permanent failure is left: %v", err)
		require.Equal(t, `webhook: endpoint "gone": HTTP 410 Gone`, err.Error())
		_, hinted := notify.RetryAfterOf(err)
		require.False(t, hinted)
		require.Equal(t, 1, rv.countID("/ok", e.ID))
		require.Equal(t, 1, rv.countID("/gone", e.ID), "a permanent failure is not retried")
		require.Equal(t, 2, rv.countID("/flaky", e.ID))
	})
}

// countID returns how many requests with the webhook-id id reached path.
func (rv *receiver) countID(path string, id numberdesk.EventID) int {
	n := 0
	for _, r := range rv.requests() {
		if r.path == path && r.header.Get(webhook.HeaderID) == string(id) {
			n++
		}
	}
	return n
}

// Vendor endpoints get every tenant's events, a tenant's endpoints only the
// tenant's; type filters apply; a malformed tenant endpoint fails
// permanently without keeping the others from their events; a failed lookup
// is transient and does not resend to the vendor.
func TestNotifyTenantEndpoints(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, nil)
	vendorSecret, aSecret := mustSecret(t), mustSecret(t)
	a, b, flaky, broken, refusing := numberdesk.NewTenantID(), numberdesk.NewTenantID(), numberdesk.NewTenantID(), numberdesk.NewTenantID(), numberdesk.NewTenantID()
	var lookups, failures atomic.Int64
	tenants := webhook.TenantEndpointsFunc(func(_ context.Context, tenant numberdesk.TenantID) ([]webhook.Endpoint, error) {
		lookups.Add(1)
		switch tenant {
		case a:
			return []webhook.Endpoint{
				{URL: rv.url("/a/all"), Secrets: []webhook.Secret{aSecret}},
				{URL: rv.url("/a/staff"), Secrets: []webhook.Secret{aSecret}, Types: []numberdesk.EventType{"staff.notification"}},
			}, nil
		case flaky:
			if failures.Add(1) == 1 {
				return nil, errors.New("database down")
			}
			return []webhook.Endpoint{{URL: rv.url("/flaky"), Secrets: []webhook.Secret{aSecret}}}, nil
		case broken:
			return []webhook.Endpoint{
				{Name: "kaputt", URL: "ftp://sekrit", Secrets: []webhook.Secret{aSecret}},
				{URL: rv.url("/broken/ok"), Secrets: []webhook.Secret{aSecret}},
			}, nil
		case refusing:
			return nil, notify.Permanent(errors.New("tenant deleted"))
		}
		return nil, nil
	})
	n := newNotifier(t, c, webhook.Config{Tenants: tenants, Endpoints: []webhook.Endpoint{
		{Name: "billing", URL: rv.url("/vendor"), Secrets: []webhook.Secret{vendorSecret}, Types: []numberdesk.EventType{"number.*"}},
	}})
	notifyOK := func(e numberdesk.Event) {
		t.Helper()
		require.NoError(t, n.Notify(background, e))
	}

	numA := testEvent(t, a, "number.activated", nil)
	notifyOK(numA)
	require.Equal(t, 1, rv.countID("/vendor", numA.ID))
	require.Equal(t, 1, rv.countID("/a/all", numA.ID))
	require.Zero(t, rv.countID("/a/staff", numA.ID), "filtered by type")

	staffA := testEvent(t, a, "staff.notification", nil)
	notifyOK(staffA)
	require.Zero(t, rv.countID("/vendor", staffA.ID), "filtered by type (number.*)")
	require.Equal(t, 1, rv.countID("/a/all", staffA.ID))
	require.Equal(t, 1, rv.countID("/a/staff", staffA.ID))

	numB := testEvent(t, b, "number.deactivated", nil)
	notifyOK(numB)
	require.Equal(t, 1, rv.countID("/vendor", numB.ID))
	require.Zero(t, rv.count("/b"), "b has no endpoints")

	nothing := testEvent(t, b, "routing.changed", nil)
	notifyOK(nothing) // nobody wants it: delivered

	// Every request verifies with its endpoint's secret only.
	for _, r := range rv.requests() {
		secret := aSecret
		if r.path == "/vendor" {
			secret = vendorSecret
		}
		v, err := webhook.NewVerifier(secret)
		require.NoError(t, err)
		v.Clock = c.Now
		require.NoError(t, v.Verify(r.header, r.body), r.path)
	}

	numFlaky := testEvent(t, flaky, "number.activated", nil)
	err := n.Notify(background, numFlaky)
	require.False(t, notify.IsPermanent(err))
	require.Contains(t, err.Error(), "loading the endpoints of tenant "+string(flaky)+": database down")
	require.Equal(t, 1, rv.countID("/vendor", numFlaky.ID), "the vendor is served while the tenant's lookup fails")
	notifyOK(numFlaky)
	require.Equal(t, 1, rv.countID("/vendor", numFlaky.ID), "and not served again")
	require.Equal(t, 1, rv.countID("/flaky", numFlaky.ID))

	numBroken := testEvent(t, broken, "number.activated", nil)
	err = n.Notify(background, numBroken)
	require.True(t, notify.IsPermanent(err), "%v", err)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "Endpoints[0].URL", numberdesk.ErrorField(err))
	require.Contains(t, err.Error(), `"kaputt"`)
	require.NotContains(t, err.Error(), "sekrit")
	require.Equal(t, 1, rv.countID("/broken/ok", numBroken.ID))
	require.Equal(t, 1, rv.countID("/vendor", numBroken.ID))

	numRefusing := testEvent(t, refusing, "number.activated", nil)
	err = n.Notify(background, numRefusing)
	require.True(t, notify.IsPermanent(err), "%v", err)
	require.Contains(t, err.Error(), "tenant deleted")
	require.Equal(t, 1, rv.countID("/vendor", numRefusing.ID))

	// A permanent lookup failure next to a transient endpoint failure is
	// retried, as text only.
	rv.setRespond(func(r request, _ int) answer {
		if r.path == "/vendor" {
			return answer{status: http.StatusBadGateway}
		}
		return answer{status: http.StatusOK}
	})
	err = n.Notify(background, testEvent(t, refusing, "number.activated", nil))
	require.False(t, notify.IsPermanent(err), "%v", err)
	require.Contains(t, err.Error(), "tenant deleted")
	require.Contains(t, err.Error(), `"billing": HTTP 502`)
}

// An event the Notifier cannot send is a permanent CodeInvalid error that
// holds nothing of its data; nothing is sent.
func TestNotifyRefusesMalformedEvents(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, nil)
	n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: rv.url("/hook"), Secrets: []webhook.Secret{vectorSecret}}}})
	dotted := testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)
	dotted.ID += ".1614265330"
	badData := testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)
	badData.Data = json.RawMessage(`{"geheim": `)
	for name, tc := range map[string]struct {
		e     numberdesk.Event
		field string
	}{"id with a dot": {dotted, "id"}, "data not JSON": {badData, "data"}} {
		t.Run(name, func(t *testing.T) {
			err := n.Notify(background, tc.e)
			require.True(t, notify.IsPermanent(err))
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
			require.Equal(t, tc.field, numberdesk.ErrorField(err))
			require.NotContains(t, err.Error(), "geheim")
		})
	}
	require.Empty(t, rv.requests())
}
