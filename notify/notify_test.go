package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

func TestPermanent(t *testing.T) {
	require.NoError(t, notify.Permanent(nil))
	require.False(t, notify.IsPermanent(nil))

	cause := errors.New("550 mailbox unavailable")
	require.False(t, notify.IsPermanent(cause))

	err := notify.Permanent(cause)
	require.True(t, notify.IsPermanent(err))
	require.Equal(t, cause.Error(), err.Error(), "the message is kept")
	require.ErrorIs(t, err, cause)
	require.True(t, notify.IsPermanent(fmt.Errorf("deliver: %w", err)), "through wraps")
	require.True(t, notify.IsPermanent(errors.Join(io.EOF, err)), "through joins")
	require.Equal(t, err, notify.Permanent(err), "wrapping twice changes nothing")

	typed := notify.Permanent(numberdesk.E(numberdesk.CodeInvalid, "op", "to", "Ungültig."))
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(typed))
	require.Equal(t, "to", numberdesk.ErrorField(typed))
}

func TestNotifierFunc(t *testing.T) {
	var got numberdesk.EventID
	var n notify.Notifier = notify.NotifierFunc(func(_ context.Context, e numberdesk.Event) error {
		got = e.ID
		return io.ErrUnexpectedEOF
	})
	e := numberdesk.Event{ID: numberdesk.NewEventID()}
	require.ErrorIs(t, n.Notify(context.Background(), e), io.ErrUnexpectedEOF)
	require.Equal(t, e.ID, got)
}

func testEvent(i int) numberdesk.Event {
	e, err := numberdesk.NewEvent("test.event", numberdesk.System(numberdesk.NewTenantID()), time.Now(), "", map[string]int{"i": i})
	if err != nil {
		panic(err) // a map of ints always has a JSON form
	}
	return e
}

func TestRecorderDeduplicates(t *testing.T) {
	var r notify.Recorder
	require.Empty(t, r.Events())
	a, b := testEvent(1), testEvent(2)
	for _, e := range []numberdesk.Event{a, b, a, a, b} {
		require.NoError(t, r.Notify(context.Background(), e))
	}
	got := r.Events()
	require.Len(t, got, 2)
	require.Equal(t, a.ID, got[0].ID, "in arrival order")
	require.Equal(t, b.ID, got[1].ID)
	require.Equal(t, 3, r.Duplicates())

	got[0].Data[0] = 'X'
	require.JSONEq(t, `{"i":1}`, string(r.Events()[0].Data), "Events returns copies")
}

func TestRecorderWaitFor(t *testing.T) {
	var r notify.Recorder
	require.NoError(t, r.WaitFor(context.Background(), 0))

	// A deadline that is meant to expire: nothing is ever notified.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, r.WaitFor(ctx, 1), context.DeadlineExceeded)

	done := make(chan error, 1)
	go func() { done <- r.WaitFor(context.Background(), 3) }()
	e := testEvent(0)
	for range 5 {
		require.NoError(t, r.Notify(context.Background(), e)) // duplicates do not count
	}
	// WaitFor must not return with one distinct event of three. A busy
	// machine can only make an early return less likely to be seen here,
	// never make this check fail.
	select {
	case err := <-done:
		t.Fatalf("WaitFor returned early: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	require.NoError(t, r.Notify(context.Background(), testEvent(1)))
	require.NoError(t, r.Notify(context.Background(), testEvent(2)))
	// No wall-clock bound: if WaitFor never returned, the test would hang
	// and fail at the test binary's deadline.
	require.NoError(t, <-done)
}

func TestRecorderConcurrent(t *testing.T) {
	var r notify.Recorder
	events := make([]numberdesk.Event, 100)
	for i := range events {
		events[i] = testEvent(i)
	}
	var wg sync.WaitGroup
	waitErrs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range events {
				_ = r.Notify(context.Background(), events[(i+w*13)%len(events)])
				_ = r.Events()
				_ = r.Duplicates()
			}
		})
		// Every event is notified in the end, so every WaitFor returns
		// nil; no deadline that a busy machine could outrun.
		wg.Go(func() { waitErrs <- r.WaitFor(context.Background(), len(events)) })
	}
	wg.Wait()
	close(waitErrs)
	for err := range waitErrs {
		require.NoError(t, err)
	}
	require.Len(t, r.Events(), len(events))
	require.Equal(t, 7*len(events), r.Duplicates())
}
