package webhook

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
)

// progress remembers outcomes per event and endpoint, hands out copies,
// forgets final events, and keeps at most limit events, dropping those
// remembered longest.
func TestProgress(t *testing.T) {
	p := &progress{limit: 3}
	gone := &EndpointError{Endpoint: "gone", Status: 410, Permanent: true}
	p.remember("e1", "vendor a", nil)
	p.remember("e1", "vendor b", gone)
	got := p.outcomes("e1")
	require.Equal(t, map[string]*EndpointError{"vendor a": nil, "vendor b": gone}, got)
	got["vendor c"] = nil
	require.Len(t, p.outcomes("e1"), 2, "a copy")
	require.Nil(t, p.outcomes("unknown"))

	p.forget("e1")
	require.Zero(t, p.pending())
	for i := range 5 {
		p.remember(numberdesk.EventID(fmt.Sprint("e", i)), "vendor a", nil)
	}
	require.Equal(t, 3, p.pending())
	require.Nil(t, p.outcomes("e0"), "the oldest are dropped")
	require.Nil(t, p.outcomes("e1"))
	for _, id := range []numberdesk.EventID{"e2", "e3", "e4"} {
		require.Len(t, p.outcomes(id), 1, id)
	}

	// Many events that end at once never let the order grow without bound,
	// and the live ones survive the compaction.
	for i := range 100 {
		id := numberdesk.EventID(fmt.Sprint("f", i))
		p.remember(id, "vendor a", nil)
		if i != 99 {
			p.forget(id)
		}
		require.LessOrEqual(t, len(p.order), 2*p.limit+1)
	}
	require.Len(t, p.outcomes("f99"), 1)
	require.LessOrEqual(t, p.pending(), 3)
}
