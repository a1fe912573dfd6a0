package webhook_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/webhook"
)

// guarded returns a Notifier with the guard on (the default) for ep.
func guarded(t *testing.T, c *fakeClock, cfg webhook.Config) *webhook.Notifier {
	t.Helper()
	cfg.Clock = c.Now
	n, err := webhook.New(cfg)
	require.NoError(t, err)
	return n
}

// refused checks that err is a permanent failure by the guard for reason.
func refused(t *testing.T, err error, reason string) *webhook.RefusedAddressError {
	t.Helper()
	require.Error(t, err)
	require.True(t, notify.IsPermanent(err), "%v", err)
	var re *webhook.RefusedAddressError
	require.ErrorAs(t, err, &re)
	require.Equal(t, reason, re.Reason)
	var ee *webhook.EndpointError
	require.ErrorAs(t, err, &ee)
	require.True(t, ee.Permanent)
	require.Contains(t, err.Error(), "AllowPrivateTargets")
	return re
}

// TestGuardRefusesLoopback: by default a receiver on 127.0.0.1 — by IP or
// by a name that resolves to it — gets no request: a permanent failure
// that names the address, never the URL. With AllowPrivateTargets it gets
// the webhook.
func TestGuardRefusesLoopback(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, nil)
	s := mustSecret(t)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(rv.srv.URL, "http://"))
	require.NoError(t, err)
	for _, u := range []string{rv.url("/hook?token=geheim"), "http://localhost:" + port + "/hook?token=geheim"} {
		n := guarded(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: u, Secrets: []webhook.Secret{s}}}})
		err := n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil))
		re := refused(t, err, "loopback")
		require.True(t, re.Addr.IsLoopback(), "%v", re.Addr)
		require.NotContains(t, err.Error(), "geheim")
		require.Zero(t, rv.count("/hook?token=geheim"), u)
		st := n.VendorStatus()[0]
		require.True(t, st.Failures[0].Permanent)
		require.Contains(t, st.Failures[0].Error, "loopback")
	}

	n := newNotifier(t, c, webhook.Config{Endpoints: []webhook.Endpoint{{URL: rv.url("/hook"), Secrets: []webhook.Secret{s}}}})
	require.NoError(t, n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)))
	require.Equal(t, 1, rv.count("/hook"), "allowed with the switch")
}

// TestGuardChecksTheConnection: a vendor's Transport with its own dialer
// is guarded by the address it actually connected to, so a public name
// that resolves to an internal address (DNS rebinding) is refused before
// a byte is sent; a proxy, which would hide the target, is refused; a
// RoundTripper that is no *http.Transport cannot be guarded.
func TestGuardChecksTheConnection(t *testing.T) {
	c := newClock()
	rv := newReceiver(t, nil)
	s := mustSecret(t)
	target := strings.TrimPrefix(rv.srv.URL, "http://")
	rebind := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, target) // "hooks.example.com" resolves to 127.0.0.1 now
	}}
	ep := []webhook.Endpoint{{URL: "http://hooks.example.com/hook", Secrets: []webhook.Secret{s}}}
	n := guarded(t, c, webhook.Config{Client: &http.Client{Transport: rebind}, Endpoints: ep})
	refused(t, n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)), "loopback")
	require.Zero(t, rv.count("/hook"))
	// The vendor's Transport is not changed: with the switch it connects.
	n = guarded(t, c, webhook.Config{Client: &http.Client{Transport: rebind}, Endpoints: ep, AllowPrivateTargets: true})
	require.NoError(t, n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)))
	require.Equal(t, 1, rv.count("/hook"))

	proxy, err := url.Parse("http://proxy.example.com:3128")
	require.NoError(t, err)
	n = guarded(t, c, webhook.Config{Client: &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}, Endpoints: ep})
	refused(t, n.Notify(background, testEvent(t, numberdesk.NewTenantID(), "number.activated", nil)), "proxy")

	other := webhook.Config{Client: &http.Client{Transport: roundTripper(func(*http.Request) (*http.Response, error) { panic("not called") })}, Endpoints: ep}
	_, err = webhook.New(other)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.Equal(t, "Client", numberdesk.ErrorField(err))
	other.AllowPrivateTargets = true
	_, err = webhook.New(other)
	require.NoError(t, err)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
