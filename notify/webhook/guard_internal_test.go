package webhook

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefusedReason: the guard refuses loopback, private, shared,
// link-local, unspecified, broadcast and multicast addresses, IPv4-mapped
// ones as their IPv4 address, and lets public unicast addresses through.
func TestRefusedReason(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "loopback", "127.1.2.3": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"10.1.2.3": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.1.1": "private",
		"fd00::1": "private", "fc00::1": "private", "100.64.0.1": "private", "::ffff:10.0.0.1": "private",
		"169.254.169.254": "link-local", "169.254.0.1": "link-local", "fe80::1": "link-local", "fe80::1%eth0": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": "unspecified",
		"224.0.0.1": "multicast", "239.255.255.250": "multicast", "ff02::1": "multicast", "ff05::2": "multicast",
		"255.255.255.255": "broadcast",
		"8.8.8.8":         "", "172.32.0.1": "", "11.0.0.1": "", "100.128.0.1": "", "192.169.0.1": "",
		"2001:4860:4860::8888": "", "2a00:1450:4001::200e": "",
	} {
		require.Equal(t, want, refusedReason(netip.MustParseAddr(addr)), addr)
	}
	require.NoError(t, checkAddr("93.184.216.34:443"))
	require.ErrorContains(t, checkAddr("[::1]:80"), "refused to connect to ::1, a loopback address")
	require.Error(t, checkAddr("not-an-address:80"))
}
