package numbers_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// A quote is one consent for one activation: once any quoted number has
// changed since the quote, its token is refused (CodePrecondition, Field
// "quote") and nothing changes, whatever the change was.
func TestQuoteIsOneConsent(t *testing.T) {
	sys := func(f *fixture) numberdesk.Actor { return numberdesk.System(f.tenant) }
	for _, c := range []struct {
		name string
		// change changes one of the quoted numbers a (b is a spare, new
		// number) after the quote, by any path.
		change func(t *testing.T, f *fixture, token string, a, b *numbers.Number)
	}{
		{"ActivatedThenSwappedOut", func(t *testing.T, f *fixture, token string, a, b *numbers.Number) {
			_, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: token})
			require.NoError(t, err)
			_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: a.ID, New: b.ID})
			require.NoError(t, err)
			require.Equal(t, numbers.StatusInactive, f.get(t, a.ID).Status)
		}},
		{"ActivatedThenDeactivatedAndDue", func(t *testing.T, f *fixture, token string, a, b *numbers.Number) {
			_, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: token})
			require.NoError(t, err)
			d, err := f.svc.Deactivate(bg, f.owner, numbers.DeactivateRequest{Number: a.ID})
			require.NoError(t, err)
			f.advance(d.EffectiveAt.Sub(f.clock()))
			_, err = f.svc.ApplyDue(bg, sys(f), f.clock())
			require.NoError(t, err)
			require.Equal(t, numbers.StatusInactive, f.get(t, a.ID).Status)
		}},
		{"UsageTypeChanged", func(t *testing.T, f *fixture, _ string, a, _ *numbers.Number) {
			_, err := f.svc.SetUsageType(bg, f.owner, numbers.SetUsageTypeRequest{Number: a.ID, UsageType: routing.UsageConference})
			require.NoError(t, err)
		}},
		{"AssignedToAnEmployee", func(t *testing.T, f *fixture, _ string, a, _ *numbers.Number) {
			e := f.employee(t, "Hans")
			_, err := f.svc.Assign(bg, f.owner, numbers.AssignRequest{Number: a.ID, Employee: e.ID})
			require.NoError(t, err)
		}},
		{"WrittenThroughTheStore", func(t *testing.T, f *fixture, _ string, a, _ *numbers.Number) {
			n := f.get(t, a.ID)
			n.UpdatedAt = n.UpdatedAt.Add(time.Second)
			require.NoError(t, f.store.UpdateNumbers(bg, n))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A quote that lives long enough for a notice period to run out.
			f := newFixture(t, func(c *numbers.Config) { c.QuoteTTL = 120 * 24 * time.Hour })
			a := f.provision(t, "0221 111111", 0)[0]
			b := f.provision(t, "0221 222222", 0)[0]
			q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{a.ID})
			require.NoError(t, err)
			c.change(t, f, q.Token, a, b)
			f.advance(time.Minute)

			nsBefore, evsBefore := f.snapshot(t)
			_, err = f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
			requireCode(t, err, numberdesk.CodePrecondition, "quote")
			require.NotEmpty(t, numberdesk.ErrorMessage(err))
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter, "numbers changed")
			require.Equal(t, evsBefore, evsAfter, "events appended")
		})
	}
}

// A bulk quote is void as a whole when one of its numbers was activated by
// another quote in the meantime.
func TestQuoteVoidWhenOneNumberWasActivatedElsewhere(t *testing.T) {
	f := newFixture(t)
	ns := f.provision(t, "0221 123456", 2)
	bulk, err := f.svc.Quote(bg, f.owner, ids(ns))
	require.NoError(t, err)
	f.activate(t, ns[0])
	_, err = f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: bulk.Token})
	requireCode(t, err, numberdesk.CodePrecondition, "quote")
	require.Equal(t, numbers.StatusNew, f.get(t, ns[1].ID).Status)
	require.Equal(t, 1, billingStarts(t, f, ns[0].ID))
}

// A retried Activate with its idempotency key replays the stored result even
// after the quoted numbers changed: the replay comes before the token check.
func TestQuoteRetryWithKeyReplaysAfterChange(t *testing.T) {
	f := newFixture(t)
	a := f.provision(t, "0221 111111", 0)[0]
	b := f.provision(t, "0221 222222", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{a.ID})
	require.NoError(t, err)
	req := numbers.ActivateRequest{QuoteToken: q.Token, IdempotencyKey: "activate-a"}
	first, err := f.svc.Activate(bg, f.owner, req)
	require.NoError(t, err)
	require.Equal(t, 1, first.Activated())
	_, err = f.svc.Swap(bg, f.owner, numbers.SwapRequest{Old: a.ID, New: b.ID})
	require.NoError(t, err)

	nsBefore, evsBefore := f.snapshot(t)
	again, err := f.svc.Activate(bg, f.owner, req)
	require.NoError(t, err)
	require.Equal(t, first, again)
	nsAfter, evsAfter := f.snapshot(t)
	require.Equal(t, nsBefore, nsAfter)
	require.Equal(t, evsBefore, evsAfter)
	require.Equal(t, 1, billingStarts(t, f, a.ID))
}

// A token has exactly one accepted spelling: padding, other trailing bits,
// line breaks and the standard alphabet are refused (CodeInvalid, Field
// "quote") and change nothing, so that a retried consent cannot pass under
// another spelling (and another idempotency fingerprint).
func TestQuoteTokenHasOneSpelling(t *testing.T) {
	f := newFixture(t)
	n := f.provision(t, "0221 111111", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	require.NoError(t, err)
	payload, mac, ok := strings.Cut(q.Token, ".")
	require.True(t, ok)
	require.Len(t, mac, 43, "a SHA-256 MAC is 43 characters of unpadded base64url")

	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// 32 bytes leave 2 unused bits in the last character: flipping one of
	// them decodes to the same MAC under a lenient decoder.
	last := strings.IndexByte(alphabet, mac[len(mac)-1])
	trailing := mac[:len(mac)-1] + string(alphabet[last^1])
	variants := map[string]string{
		"PaddedMAC":       payload + "." + mac + "=",
		"TrailingBits":    payload + "." + trailing,
		"NewlineInMAC":    payload + "." + mac[:10] + "\n" + mac[10:],
		"CarriageReturn":  payload + "\r." + mac,
		"PaddedPayload":   payload + strings.Repeat("=", (4-len(payload)%4)%4+4) + "." + mac,
		"TwoDots":         payload + ".." + mac,
		"TrailingDot":     q.Token + ".",
		"LeadingSpace":    " " + q.Token,
		"EmptyPayload":    "." + mac,
		"EmptyMAC":        payload + ".",
		"PayloadNotJSON":  "bm90LWpzb24." + mac,
		"PayloadJSONNull": "bnVsbA." + mac,
	}
	// The standard alphabet is another spelling only if the token has a
	// character where the two alphabets differ (most tokens do; a random
	// one may not, and must not make the test fail).
	if std := strings.NewReplacer("-", "+", "_", "/").Replace(q.Token); std != q.Token {
		variants["StdAlphabet"] = std
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			require.NotEqual(t, q.Token, v)
			nsBefore, evsBefore := f.snapshot(t)
			_, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: v, IdempotencyKey: "spelling-" + name})
			require.Error(t, err)
			require.Equal(t, "quote", numberdesk.ErrorField(err), "%v", err)
			nsAfter, evsAfter := f.snapshot(t)
			require.Equal(t, nsBefore, nsAfter)
			require.Equal(t, evsBefore, evsAfter)
		})
	}
	// The one spelling works.
	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, 1, res.Activated())
}

// Config.QuoteKey must have at least 32 bytes, and the Service keeps its own
// copy: a caller that reuses its slice afterwards does not change the
// signatures.
func TestQuoteKey(t *testing.T) {
	for _, size := range []int{1, 16, 31} {
		_, err := numbers.NewService(numbers.Config{Store: newFixture(t).store, QuoteKey: bytes.Repeat([]byte{7}, size)})
		requireCode(t, err, numberdesk.CodeInvalid, "QuoteKey")
		require.NotEmpty(t, numberdesk.ErrorMessage(err))
	}
	key := bytes.Repeat([]byte{42}, 32)
	f := newFixture(t, func(c *numbers.Config) { c.QuoteKey = key })
	n := f.provision(t, "0221 111111", 0)[0]
	q, err := f.svc.Quote(bg, f.owner, []numberdesk.NumberID{n.ID})
	require.NoError(t, err)
	for i := range key {
		key[i] = 0 // the caller wipes or reuses its buffer
	}
	res, err := f.svc.Activate(bg, f.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	require.Equal(t, 1, res.Activated())

	// Two services with the same key accept each other's tokens (nodes that
	// share a store); one with another key does not.
	other := bytes.Repeat([]byte{42}, 32)
	g := newFixture(t, func(c *numbers.Config) { c.QuoteKey = other })
	m := g.provision(t, "0221 222222", 0)[0]
	q2, err := g.svc.Quote(bg, g.owner, []numberdesk.NumberID{m.ID})
	require.NoError(t, err)
	twin, err := numbers.NewService(numbers.Config{Store: g.store, Clock: g.clock, QuoteKey: bytes.Repeat([]byte{42}, 32)})
	require.NoError(t, err)
	stranger, err := numbers.NewService(numbers.Config{Store: g.store, Clock: g.clock, QuoteKey: bytes.Repeat([]byte{43}, 32)})
	require.NoError(t, err)
	_, err = stranger.Activate(bg, g.owner, numbers.ActivateRequest{QuoteToken: q2.Token})
	requireCode(t, err, numberdesk.CodePrecondition, "quote")
	res, err = twin.Activate(bg, g.owner, numbers.ActivateRequest{QuoteToken: q2.Token})
	require.NoError(t, err)
	require.Equal(t, 1, res.Activated())
}

// A Service needs a Store: CodeInvalid on Field "Store", not a panic.
func TestNewServiceWithoutStore(t *testing.T) {
	_, err := numbers.NewService(numbers.Config{})
	requireCode(t, err, numberdesk.CodeInvalid, "Store")
}
