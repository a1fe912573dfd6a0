package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
)

// TestRoutesMatchTheContract: every route the handler serves has an
// operation in openapi.yaml, and every operation a route.
func TestRoutesMatchTheContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := slices.Clone(httpapi.Routes(e.api))
	slices.Sort(routes)
	require.Equal(t, specOperations(), routes)
}

// TestOpenAPIServed: the contract is served as it is checked in.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.get(t, numberdesk.Actor{}, "/api/v1/openapi.yaml")
	require.Equal(t, http.StatusOK, r.Code)
	require.Equal(t, httpapi.OpenAPI, r.Body)
	require.Equal(t, "application/yaml", r.Header.Get("Content-Type"))
}

// TestProxyAuth: the headers count only from a trusted proxy's address,
// and only as well-formed IDs; with no proxy configured nobody is
// authenticated.
func TestProxyAuth(t *testing.T) {
	t.Parallel()
	tenant, staff := numberdesk.NewTenantID(), numberdesk.NewStaffID()
	auth := httpapi.ProxyAuth{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	request := func(remote, tenantHdr, staffHdr string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/numbers", nil)
		r.RemoteAddr = remote
		if tenantHdr != "" {
			r.Header.Set(httpapi.DefaultTenantHeader, tenantHdr)
		}
		if staffHdr != "" {
			r.Header.Set(httpapi.DefaultStaffHeader, staffHdr)
		}
		return r
	}
	for _, remote := range []string{"10.1.2.3:5000", "[::1]:5000", "[::ffff:10.0.0.9]:80"} {
		tn, sf, err := auth.Authenticate(request(remote, string(tenant), string(staff)))
		require.NoError(t, err, remote)
		require.Equal(t, tenant, tn)
		require.Equal(t, staff, sf)
	}
	for name, r := range map[string]*http.Request{
		"untrusted address": request("192.168.1.1:5000", string(tenant), string(staff)),
		"no staff":          request("10.1.2.3:5000", string(tenant), ""),
		"no tenant":         request("10.1.2.3:5000", "", string(staff)),
		"not an ID":         request("10.1.2.3:5000", string(tenant), "admin"),
		"no address":        request("", string(tenant), string(staff)),
	} {
		_, _, err := auth.Authenticate(r)
		require.ErrorIs(t, err, httpapi.ErrUnauthenticated, name)
	}
	_, _, err := httpapi.ProxyAuth{}.Authenticate(request("10.1.2.3:5000", string(tenant), string(staff)))
	require.ErrorIs(t, err, httpapi.ErrUnauthenticated, "off unless configured")
	custom := httpapi.ProxyAuth{Trusted: auth.Trusted, TenantHeader: "X-Org", StaffHeader: "X-User"}
	r := request("10.1.2.3:5000", "", "")
	r.Header.Set("X-Org", string(tenant))
	r.Header.Set("X-User", string(staff))
	_, sf, err := custom.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, staff, sf)
}
