package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

func TestCompactRoundTrip(t *testing.T) {
	ctx := context.Background()
	d, err := demo.Seed(ctx, 0, demo.Config{})
	require.NoError(t, err)
	data, err := d.Save()
	require.NoError(t, err)
	s, err := demo.Compact(data)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s, demo.CompactPrefix))
	require.Less(t, len(s), len(data), "the compact form is smaller")
	back, err := demo.Expand(s)
	require.NoError(t, err)
	require.Equal(t, data, back)
	_, err = demo.Load(ctx, back, demo.Config{})
	require.NoError(t, err)

	// The plain JSON older portals stored still loads.
	plain, err := demo.Expand(string(data))
	require.NoError(t, err)
	require.Equal(t, data, plain)
}

func TestExpandRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "null", "42", `"x"`, demo.CompactPrefix + "!!!", demo.CompactPrefix + "AAAA", "nd-deflate-b64"} {
		_, err := demo.Expand(s)
		require.Error(t, err, "%q", s)
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%q", s)
	}
}

// The rule behind item 6 of issue 16: a demo of 10,000 numbers fits the
// browser's localStorage (Chromium: about 5 million UTF-16 characters per
// origin, shared with go-app's own keys) once compacted; its plain JSON
// does not. The sizes and times are reported, not asserted.
func TestCompactFitsTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 10,000 numbers")
	}
	ctx := context.Background()
	d, err := demo.Seed(ctx, 10_000, demo.Config{})
	require.NoError(t, err)
	start := time.Now()
	data, err := d.Save()
	require.NoError(t, err)
	saved := time.Since(start)
	start = time.Now()
	s, err := demo.Compact(data)
	require.NoError(t, err)
	compacted := time.Since(start)
	const quota = 5_000_000 // characters
	require.Greater(t, len(data), quota, "the plain JSON alone would not fit (the defect)")
	require.Less(t, len(s), quota*6/10, "the compact form leaves room")
	start = time.Now()
	back, err := demo.Expand(s)
	require.NoError(t, err)
	expanded := time.Since(start)
	require.Equal(t, len(data), len(back))
	t.Logf("10,000 numbers: JSON %d bytes (Save %v); compact %d characters (%.1f %%, Compact %v, Expand %v)",
		len(data), saved.Round(time.Millisecond), len(s), 100*float64(len(s))/float64(len(data)),
		compacted.Round(time.Millisecond), expanded.Round(time.Millisecond))
}

// FuzzExpand: Expand never panics, and whatever it accepts with the prefix
// compacts back to the same JSON.
func FuzzExpand(f *testing.F) {
	c, err := demo.Compact([]byte(`{"version":1}`))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{c, `{"version":1}`, "", demo.CompactPrefix, demo.CompactPrefix + "////"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, err := demo.Expand(s)
		if err != nil {
			return
		}
		again, err := demo.Compact(data)
		if err != nil {
			t.Fatal(err)
		}
		back, err := demo.Expand(again)
		if err != nil || string(back) != string(data) {
			t.Fatalf("%q: round trip failed: %v", s, err)
		}
	})
}
