package httpapi

import (
	"errors"
	"net"
	"net/http"
	"net/netip"

	"github.com/numberdesk/numberdesk"
)

// Authenticator tells who sent a request: the tenant and the employee the
// embedding application has authenticated (its session, its SSO), or an
// error, which is 401 unless it is a *numberdesk.Error of another Code. It
// never decides what the employee may do: for every request the handler
// loads the Actor from the store (staff.Service.Actor: the stored role, a
// lock, a deletion) and the services authorize it. A role in the request is
// never read.
type Authenticator interface {
	Authenticate(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
	return f(r)
}

// ErrUnauthenticated is what an Authenticator returns for a request without
// a (valid) identity: 401.
var ErrUnauthenticated = errors.New("httpapi: unauthenticated")

// The headers ProxyAuth reads by default.
const (
	DefaultTenantHeader = "X-NumberDesk-Tenant"
	DefaultStaffHeader  = "X-NumberDesk-Staff"
)

// ProxyAuth authenticates requests that a trusted reverse proxy (the
// vendor's SSO gateway) has authenticated: it takes the tenant and the
// employee from two headers the proxy sets, and only from requests whose
// remote address is one of Trusted. It is off (every request 401) until
// Trusted names the proxy. The proxy must remove the headers from the
// requests it forwards and set them itself.
type ProxyAuth struct {
	// Trusted are the addresses the proxy connects from.
	Trusted []netip.Prefix
	// TenantHeader and StaffHeader name the headers; empty means
	// DefaultTenantHeader and DefaultStaffHeader.
	TenantHeader, StaffHeader string
}

// Authenticate implements Authenticator.
func (p ProxyAuth) Authenticate(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", "", ErrUnauthenticated
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "", "", ErrUnauthenticated
	}
	addr = addr.Unmap()
	trusted := false
	for _, pre := range p.Trusted {
		if pre.Contains(addr) {
			trusted = true
			break
		}
	}
	th, sh := p.TenantHeader, p.StaffHeader
	if th == "" {
		th = DefaultTenantHeader
	}
	if sh == "" {
		sh = DefaultStaffHeader
	}
	tenant, staff := r.Header.Get(th), r.Header.Get(sh)
	if !trusted || !numberdesk.ValidID(tenant) || !numberdesk.ValidID(staff) {
		return "", "", ErrUnauthenticated
	}
	return numberdesk.TenantID(tenant), numberdesk.StaffID(staff), nil
}
