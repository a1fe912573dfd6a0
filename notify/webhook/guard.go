package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// RefusedAddressError is the cause of an EndpointError when the guard
// against server-side request forgery (on unless
// Config.AllowPrivateTargets) refused the address an endpoint's host
// resolved to: a loopback, private (RFC 1918, RFC 6598 shared, IPv6
// unique local), link-local (the cloud metadata address 169.254.169.254
// included), unspecified or multicast address. Such a failure is
// permanent.
type RefusedAddressError struct {
	// Addr is the address the host resolved to (or the literal of the
	// URL), or the proxy's for Reason "proxy".
	Addr netip.Addr
	// Reason is the kind of address: "loopback", "private", "link-local",
	// "unspecified", "multicast", "broadcast", or "proxy" (a proxy would
	// hide the target's address from the guard).
	Reason string
}

// Error returns "refused to connect to 127.0.0.1, a loopback address
// (Config.AllowPrivateTargets allows it)".
func (e *RefusedAddressError) Error() string {
	if e.Reason == "proxy" {
		return "refused to connect through a proxy: the guard against internal addresses cannot check the target (Config.AllowPrivateTargets allows it)"
	}
	return "refused to connect to " + e.Addr.String() + ", a " + e.Reason + " address (Config.AllowPrivateTargets allows it)"
}

// The ranges the guard refuses beyond what netip.Addr's predicates tell.
var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598, carrier-grade NAT
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")     // RFC 791 "this network"
	broadcast   = netip.MustParseAddr("255.255.255.255")
)

// refusedReason returns why the guard refuses a, or "" if it is a public
// unicast address. IPv4-mapped IPv6 addresses count as their IPv4 address.
func refusedReason(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified(), thisNetwork.Contains(a):
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate(), sharedSpace.Contains(a):
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a == broadcast:
		return "broadcast"
	}
	return ""
}

// checkAddr returns a *RefusedAddressError for a refused host:port, nil
// for a public one.
func checkAddr(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return &RefusedAddressError{Reason: "invalid"}
	}
	if r := refusedReason(a); r != "" {
		return &RefusedAddressError{Addr: a.Unmap().WithZone(""), Reason: r}
	}
	return nil
}

// control is the guard as a net.Dialer's Control: it runs for every
// connection attempt with the address resolved, so that a host whose name
// resolves anew (DNS rebinding) or a redirect cannot reach what the guard
// refuses.
func control(_, address string, _ syscall.RawConn) error { return checkAddr(address) }

// errUnguardable: a Config.Client whose Transport is not an *http.Transport.
var errUnguardable = errors.New("webhook: the guard against internal addresses needs an *http.Transport")

// guard returns rt (nil: http.DefaultTransport) guarded: a copy whose
// every connection is checked by control before it is made (or, where rt
// is not http.DefaultTransport and dials with its own DialContext or
// DialTLSContext, right after, before anything is sent), and which refuses
// to use a proxy. Only an
// *http.Transport (or nil) can be guarded.
func guard(rt http.RoundTripper) (http.RoundTripper, error) {
	own := rt == nil || rt == http.DefaultTransport
	if own {
		rt = http.DefaultTransport
	}
	base, ok := rt.(*http.Transport)
	if !ok {
		return nil, errUnguardable
	}
	t := base.Clone()
	if own { // the default dialer, with the guard before each connect
		t.DialContext = nil
	}
	if proxy := t.Proxy; proxy != nil {
		t.Proxy = func(r *http.Request) (*url.URL, error) {
			u, err := proxy(r)
			if err != nil || u == nil {
				return nil, err
			}
			return nil, &RefusedAddressError{Reason: "proxy"}
		}
	}
	if dial := t.DialContext; dial != nil {
		t.DialContext = checked(dial)
	} else {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		t.DialContext = d.DialContext
	}
	if dial := t.DialTLSContext; dial != nil {
		t.DialTLSContext = checked(dial)
	}
	return t, nil
}

// checked wraps a dial function so that a connection to a refused address
// is closed before it is used.
func checked(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := checkAddr(c.RemoteAddr().String()); err != nil {
			_ = c.Close()
			return nil, err
		}
		return c, nil
	}
}
