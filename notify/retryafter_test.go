package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

func TestRetryAfter(t *testing.T) {
	require.NoError(t, notify.RetryAfter(nil, time.Minute))
	_, ok := notify.RetryAfterOf(nil)
	require.False(t, ok)

	cause := errors.New("HTTP 429")
	for _, d := range []time.Duration{0, -time.Second} {
		require.Equal(t, cause, notify.RetryAfter(cause, d), "no positive hint: err unchanged")
	}
	_, ok = notify.RetryAfterOf(cause)
	require.False(t, ok)

	err := notify.RetryAfter(cause, 2*time.Minute)
	require.Equal(t, cause.Error(), err.Error(), "the message is kept")
	require.ErrorIs(t, err, cause)
	require.False(t, notify.IsPermanent(err), "a hint does not make an error permanent")
	d, ok := notify.RetryAfterOf(fmt.Errorf("deliver: %w", err))
	require.True(t, ok, "through wraps")
	require.Equal(t, 2*time.Minute, d)
	d, ok = notify.RetryAfterOf(errors.Join(io.EOF, err))
	require.True(t, ok, "through joins")
	require.Equal(t, 2*time.Minute, d)

	typed := notify.RetryAfter(numberdesk.E(numberdesk.CodeInternal, "op", "url", "Später."), time.Second)
	require.Equal(t, "url", numberdesk.ErrorField(typed))
}

// The dispatcher retries an error with a hint no sooner than the hint says,
// and no sooner than its back-off either; a permanent error with a hint is
// still dead-lettered.
func TestDispatcherHonoursRetryAfter(t *testing.T) {
	f := newOutbox(t, 3)
	later, soon, never := f.ids[0], f.ids[1], f.ids[2]
	calls := map[numberdesk.EventID]int{}
	n := notify.NotifierFunc(func(_ context.Context, e numberdesk.Event) error {
		if calls[e.ID]++; calls[e.ID] > 1 {
			return nil
		}
		switch e.ID {
		case later:
			return notify.RetryAfter(errors.New("HTTP 429"), 10*time.Minute)
		case soon:
			return notify.RetryAfter(errors.New("HTTP 503"), time.Millisecond) // shorter than the back-off
		}
		return notify.Permanent(notify.RetryAfter(errors.New("HTTP 410"), time.Minute))
	})
	d := f.dispatcher(n) // back-off: 1 s
	start := f.clock()
	res, err := d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, notify.Result{Retried: 2, Failed: 1}, res)

	ds, _, err := f.store.FindDeliveries(context.Background(), f.tenant, notify.DeliveryFilter{})
	require.NoError(t, err)
	next := map[numberdesk.EventID]notify.Delivery{}
	for _, d := range ds {
		next[d.Event] = d
	}
	require.Equal(t, start.Add(10*time.Minute), next[later].NextAttempt, "the hint, longer than the back-off")
	require.Equal(t, start.Add(time.Second), next[soon].NextAttempt, "the back-off, longer than the hint")
	require.Equal(t, notify.StateFailed, next[never].State)
	require.Equal(t, "HTTP 429", next[later].LastError)

	f.advance(2 * time.Second)
	res, err = d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, notify.Result{Delivered: 1}, res, "only the event whose back-off has passed")
	require.Equal(t, 2, calls[soon])
	require.Equal(t, 1, calls[later])

	f.advance(10 * time.Minute)
	res, err = d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, notify.Result{Delivered: 1}, res)
	require.Equal(t, 2, calls[later])
	require.Equal(t, 1, calls[never])
}
