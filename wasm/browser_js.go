//go:build js && wasm

package wasm

import (
	"context"
	"strconv"
	"syscall/js"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/httpapi/client"
)

// transport is the browser's fetch; memory keeps what stays readable
// offline in localStorage.
var (
	transport client.Transport = client.Fetch{}
	memory    Memory           = localMemory{}
)

// OfflineKey is the localStorage key of what server mode keeps readable
// offline (Remote's Memory).
const OfflineKey = "numberdesk/offline"

// localMemory is a Memory in localStorage. A full storage keeps the
// previous blob: offline reading is a convenience.
type localMemory struct{}

func (localMemory) Load() []byte {
	v := js.Global().Get("localStorage").Call("getItem", OfflineKey)
	if v.IsNull() {
		return nil
	}
	return []byte(v.String())
}

func (localMemory) Save(blob []byte) {
	ls := js.Global().Get("localStorage")
	if blob == nil {
		ls.Call("removeItem", OfflineKey)
		return
	}
	defer func() { _ = recover() }() // QuotaExceededError
	ls.Call("setItem", OfflineKey, string(blob))
}

// toLogin sends the browser to the login page (a page of the server, not
// of the app).
func toLogin() { js.Global().Get("location").Call("assign", LoginPath) }

// logout posts to the server's logout (which ends the session: record and
// cookie) and goes to the login page. It is a fetch, not a form: the
// PWA's Content-Security-Policy allows no form action.
func logout(ctx context.Context) {
	if _, err := transport.RoundTrip(ctx, &client.Request{Method: "POST", Path: LogoutPath}); err != nil {
		app.Log("numberdesk: logout:", err)
	}
	toLogin()
}

// lastSeq is the newest event sequence number the change feed reported:
// a new feed resumes after it.
var lastSeq int64

// changed is the change feed's news: the tenant's newest event is seq.
func changed(ctx app.Context, seq int64) {
	setOffline(ctx, false)
	if seq > lastSeq {
		lastSeq = seq
		bump(ctx)
	}
}

// feedRetry is how long the feed waits before it opens again after the
// server refused it.
const feedRetry = 5 * time.Second

// feed follows the API's change feed (server-sent events) and the
// browser's online and offline events for as long as a Shell is mounted.
// Its callbacks only dispatch to the UI goroutine: they must not block
// (syscall/js).
type feed struct {
	es      js.Value
	esFuncs []js.Func
	window  []listener
	stopped bool
}

type listener struct {
	event string
	fn    js.Func
}

// listen adds h as the handler of event on target, run on the UI
// goroutine.
func listen(ctx app.Context, target js.Value, event string, h func(ctx app.Context, e js.Value)) js.Func {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := js.Undefined()
		if len(args) > 0 {
			e = args[0]
		}
		ctx.Dispatch(func(ctx app.Context) { h(ctx, e) })
		return nil
	})
	target.Call("addEventListener", event, fn)
	return fn
}

// startFeed opens the change feed (after lastSeq) and listens to the
// browser's online and offline events.
func startFeed(ctx app.Context) *feed {
	f := &feed{}
	f.open(ctx)
	w := js.Global()
	f.window = []listener{
		{"offline", listen(ctx, w, "offline", func(ctx app.Context, _ js.Value) { setOffline(ctx, true) })},
		// Back online, the pages reload and find out.
		{"online", listen(ctx, w, "online", func(ctx app.Context, _ js.Value) { bump(ctx) })},
	}
	return f
}

func (f *feed) open(ctx app.Context) {
	url := ChangesPath
	if lastSeq > 0 {
		url += "?after=" + strconv.FormatInt(lastSeq, 10)
	}
	f.es = js.Global().Get("EventSource").New(url)
	f.esFuncs = []js.Func{
		listen(ctx, f.es, "changed", func(ctx app.Context, e js.Value) {
			seq, _ := strconv.ParseInt(e.Get("lastEventId").String(), 10, 64)
			changed(ctx, seq)
		}),
		listen(ctx, f.es, "open", func(ctx app.Context, _ js.Value) { setOffline(ctx, false) }),
		listen(ctx, f.es, "error", f.failed),
	}
}

// failed handles the feed's error event.
func (f *feed) failed(ctx app.Context, _ js.Value) {
	if f.stopped {
		return
	}
	if f.es.Get("readyState").Int() != 2 { // CONNECTING: the browser retries
		setOffline(ctx, true)
		return
	}
	// CLOSED: the server refused the feed (the session ended, the account
	// was locked). Asking who we are leads to the login page on a 401;
	// otherwise the feed opens again in a while.
	f.closeSource()
	_ = onServer(ctx, func(c context.Context, _ API) error { _, err := remote.C.Me(c); return err })
	ctx.After(feedRetry, func(ctx app.Context) {
		if !f.stopped {
			f.open(ctx)
		}
	})
}

func (f *feed) closeSource() {
	f.es.Call("close")
	for _, fn := range f.esFuncs {
		fn.Release()
	}
	f.esFuncs = nil
}

// stop closes the feed and removes the window's listeners.
func (f *feed) stop() {
	if f == nil || f.stopped {
		return
	}
	f.stopped = true
	if f.esFuncs != nil {
		f.closeSource()
	}
	w := js.Global()
	for _, l := range f.window {
		w.Call("removeEventListener", l.event, l.fn)
		l.fn.Release()
	}
}
