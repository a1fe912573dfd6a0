package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// The change feed's timing defaults (Config.StreamPoll, StreamKeepAlive).
const (
	DefaultStreamPoll      = time.Second
	DefaultStreamKeepAlive = 15 * time.Second
)

// stream: GET /api/v1/changes, server-sent events that tell a client its
// tenant changed, so that it reloads what it shows (another admin's
// change appears without a reload). Each change is
//
//	id: <seq>
//	event: changed
//	data: {"seq":<seq>}
//
// with the sequence number of the tenant's newest event; nothing else of
// the event, so that every role may follow the feed (an employee reloads
// its own numbers; owner and manager read the log for details). The feed
// starts after Last-Event-ID or ?after=<seq> (a reconnecting EventSource
// resumes), else after the tenant's newest event. It reads the store every
// Config.StreamPoll (several nodes need no broadcast), comments a
// keep-alive every Config.StreamKeepAlive, verifies the actor again with
// every change (a locked or deleted employee's feed ends) and ends when the
// client goes or the server shuts down.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	a, err := h.actor(r)
	if err != nil {
		h.writeProblem(w, r, err)
		return
	}
	after, err := streamStart(r)
	if err != nil {
		h.writeProblem(w, r, err)
		return
	}
	ctx := r.Context()
	if after < 0 {
		if after, err = h.newestSeq(ctx, a.Tenant); err != nil {
			h.writeProblem(w, r, err)
			return
		}
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a server's WriteTimeout must not end the feed
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: %d\n\n", h.cfg.StreamPoll.Milliseconds()*2)
	if rc.Flush() != nil {
		return
	}
	poll, keep := time.NewTicker(h.cfg.StreamPoll), time.NewTicker(h.cfg.StreamKeepAlive)
	defer poll.Stop()
	defer keep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-poll.C:
			seq, err := h.newestSeq(ctx, a.Tenant)
			if err != nil || seq <= after {
				continue // a failed read: the next poll tries again
			}
			if _, err := h.cfg.Staff.Actor(ctx, a.Tenant, a.Staff); err != nil {
				return // locked, deleted: no more changes for this actor
			}
			after = seq
			fmt.Fprintf(w, "id: %d\nevent: changed\ndata: {\"seq\":%d}\n\n", seq, seq)
		}
		if rc.Flush() != nil {
			return
		}
	}
}

// streamStart is the seq the feed starts after: Last-Event-ID, else the
// after parameter, else -1 (the newest).
func streamStart(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	field := "Last-Event-ID"
	if v == "" {
		v, field = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, numberdesk.E(numberdesk.CodeInvalid, "httpapi.Changes", field, "Bitte geben Sie eine nicht negative ganze Zahl an.")
	}
	return n, nil
}

// newestSeq is the seq of the tenant's newest event, 0 if it has none.
func (h *handler) newestSeq(ctx context.Context, tenant numberdesk.TenantID) (int64, error) {
	evs, err := h.cfg.Store.FindEvents(ctx, tenant, numberdesk.EventFilter{Desc: true, Limit: 1})
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	return evs[0].Seq, nil
}
