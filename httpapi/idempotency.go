package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/numberdesk/numberdesk"
)

// storedReply is what the idempotency record of a request keeps: enough to
// send the same response again.
type storedReply struct {
	Status int             `json:"status"`
	ETag   string          `json:"etag,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
}

// idempotencyKey is the Idempotency-Key header's value: an RFC 8941 string
// ("…") or a bare token, of 1 to 255 printable ASCII characters.
func idempotencyKey(v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	ok := v != "" && len(v) <= 255
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x20 && v[i] < 0x7f
	}
	if !ok {
		return "", numberdesk.E(numberdesk.CodeInvalid, "httpapi", "idempotency_key", "Der Idempotency-Key muss 1 bis 255 druckbare ASCII-Zeichen haben.")
	}
	return v, nil
}

// idempotent serves a POST with an Idempotency-Key: op and the record of
// its response run in one transaction of the store, so that the effect and
// the record commit together. A stored record of the same request is sent
// again (Idempotent-Replayed: true); one of another request is 422. While
// a request with the key runs on this node, another is 409 with
// Retry-After: 1; on another node it waits for the first one's row locks,
// then gets its stored response. A failed request stores nothing: the
// client may correct it and send it again with the key.
func (h *handler) idempotent(w http.ResponseWriter, r *http.Request, actor numberdesk.Actor, pattern, header string, op operation) {
	key, err := idempotencyKey(header)
	if err != nil {
		h.writeProblem(w, r, err)
		return
	}
	var body []byte
	if r.Body != nil {
		if body, err = io.ReadAll(r.Body); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				err = errTooLarge
			}
			h.writeProblem(w, r, err)
			return
		}
	}
	compact := new(bytes.Buffer)
	if json.Compact(compact, body) != nil {
		compact.Reset()
		compact.Write(body)
	}
	name := "http " + pattern
	// The key is bound to the request and to who sent it, with the role
	// it had: an actor whose role changed since gets no stored result.
	fp := numberdesk.Fingerprint(name, struct {
		Staff       numberdesk.StaffID
		Role        numberdesk.Role
		Path, Query string
		Body        []byte
	}{actor.Staff, actor.Role, r.URL.Path, r.URL.RawQuery, compact.Bytes()})

	flight := string(actor.Tenant) + "\x00" + key
	h.mu.Lock()
	busy := h.inflight[flight]
	h.inflight[flight] = true
	h.mu.Unlock()
	if busy {
		e := *errInProgress
		e.retryAfterSec = 1
		h.writeProblem(w, r, &e)
		return
	}
	defer func() {
		h.mu.Lock()
		delete(h.inflight, flight)
		h.mu.Unlock()
	}()

	st, ctx := h.cfg.Store, r.Context()
	var (
		out      storedReply
		replayed bool
	)
	for attempt := 0; ; attempt++ {
		replayed = false
		keyRace := false
		err = st.InTx(ctx, func(ctx context.Context) error {
			done, err := numberdesk.Replay(ctx, st, actor.Tenant, name, key, fp, &out)
			if done || err != nil {
				replayed = done
				return err
			}
			req := r.WithContext(ctx)
			req.Body = io.NopCloser(bytes.NewReader(body))
			rep, err := op(req, actor)
			if err != nil {
				return err
			}
			out = storedReply{Status: rep.status, ETag: rep.etag}
			if rep.body != nil {
				if out.Body, err = json.Marshal(rep.body); err != nil {
					return err
				}
			}
			err = numberdesk.Remember(ctx, st, actor.Tenant, name, key, fp, &out, h.now())
			keyRace = numberdesk.ErrorCode(err) == numberdesk.CodeConflict
			return err
		})
		// Another node stored the key first: run again, and find its
		// response.
		if !keyRace || attempt == 3 {
			break
		}
	}
	if err != nil {
		// The first request's effect may be why this one failed.
		if err = numberdesk.ReplayAfter(ctx, st, actor.Tenant, name, key, fp, &out, err); err != nil {
			h.writeProblem(w, r, err)
			return
		}
		replayed = true
	}
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	if out.ETag != "" {
		hd.Set("ETag", out.ETag)
	}
	if replayed {
		hd.Set("Idempotent-Replayed", "true")
	}
	if len(out.Body) == 0 {
		w.WriteHeader(out.Status)
		return
	}
	hd.Set("Content-Type", "application/json")
	w.WriteHeader(out.Status)
	_, _ = w.Write(append(bytes.Clone(out.Body), '\n'))
}

func (h *handler) now() time.Time { return h.cfg.Clock.Now() }
