package wasm

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// The localStorage keys and go-app state names of the portal.
const (
	// StorageKey holds the demo's state (demo.Demo.Save) in the compact
	// form of demo.Compact (a JSON string: deflate and base64, a sixth of
	// the JSON, so that 10,000 numbers fit); plain JSON, as older versions
	// stored it, still loads.
	StorageKey = "numberdesk/demo"
	// LangState is the go-app state (persisted) of the UI language.
	LangState = "numberdesk/lang"
	// RevisionState is the go-app state that counts the demo's successful
	// commands; pages observe it to reload their data (ObserveRevision).
	RevisionState = "numberdesk/revision"
)

// The query hooks of the contract: "/?demo-numbers=N" resets the demo with
// a seed of N numbers, "/?demo=reset" to the standard seed.
const (
	QueryNumbers = "demo-numbers"
	QueryDemo    = "demo"
)

var (
	backend  *demo.Demo
	revision int
	// storeErr is the last failure to persist, shown by the shell.
	storeErr string
)

// Backend returns the demo backend, loading it on first use: the state
// saved in localStorage (or a fresh seed if there is none or it is
// unreadable), after the query hooks, with due deactivations applied. Call
// it from event handlers and OnMount only (never while prerendering).
func Backend(ctx app.Context) *demo.Demo {
	if backend != nil {
		return backend
	}
	seed, seeded := -1, false
	if u := ctx.Page().URL(); u != nil {
		q := u.Query()
		if v := q.Get(QueryNumbers); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				seed = n
			}
		} else if q.Get(QueryDemo) == "reset" {
			seed = 0
		}
		if seed >= 0 && app.IsClient {
			// Strip the hook so that a reload keeps the state.
			c := *u
			c.RawQuery = ""
			ctx.Page().ReplaceURL(&c)
		}
	}
	if seed < 0 && ctx.LocalStorage().Contains(StorageKey) {
		var raw json.RawMessage
		if err := ctx.LocalStorage().Get(StorageKey, &raw); err == nil {
			if d, err := loadSaved(ctx, raw); err == nil {
				backend = d
			} else {
				app.Log("numberdesk: saved demo state unreadable, seeding anew:", err)
			}
		}
	}
	if backend == nil {
		d, err := demo.Seed(ctx, max(seed, 0), demoConfig())
		if err != nil {
			// The seed is fixed data: this is a programming error.
			panic(err)
		}
		backend = d
		seeded = true
	}
	due, _ := backend.ApplyDue(ctx)
	if sent, _ := backend.Deliver(ctx); seeded || len(due) > 0 || sent > 0 {
		save(ctx) // once: a fresh seed with its outbox delivered
	}
	return backend
}

// ResetDemo replaces the demo by a fresh seed of total numbers (0: the
// standard seed), saves it and tells every page to reload.
func ResetDemo(ctx app.Context, total int) error {
	d, err := demo.Seed(ctx, total, demoConfig())
	if err != nil {
		return err
	}
	backend = d
	save(ctx)
	bump(ctx)
	return nil
}

// loadSaved restores the demo from the value stored under StorageKey: a
// JSON string in the compact form, or the plain JSON object of older
// versions.
func loadSaved(ctx context.Context, raw json.RawMessage) (*demo.Demo, error) {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
	}
	data, err := demo.Expand(s)
	if err != nil {
		return nil, err
	}
	return demo.Load(ctx, data, demoConfig())
}

// save writes the demo's state to localStorage (compacted). If that fails
// (the quota), storeErr makes the shell show a warning that the changes
// will be lost on a reload.
func save(ctx app.Context) {
	data, err := backend.Save()
	var packed string
	if err == nil {
		packed, err = demo.Compact(data)
	}
	if err == nil {
		err = ctx.LocalStorage().Set(StorageKey, packed)
	}
	if err != nil {
		storeErr = i18n.T("shell.save_failed")
		app.Log("numberdesk: saving the demo failed:", err)
		return
	}
	storeErr = ""
}

func bump(ctx app.Context) {
	revision++
	ctx.SetState(RevisionState, revision)
}

// Do runs a command on the backend: in server mode on the server's API,
// else on the demo, after which the outbox is delivered (demo.Deliver) and
// the demo saved to localStorage. On success every page observing the
// revision reloads. A panic in fn is recovered and reported as
// CodeInternal, so that no command crashes the app. The returned error is
// for the UI (see FieldErrors, i18n.Error): a lost connection is
// errOffline, and a session that ended leads to the login page.
func Do(ctx app.Context, fn func(ctx context.Context, d API) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			app.Log("numberdesk: command panicked:", r)
			err = numberdesk.E(numberdesk.CodeInternal, "wasm.Do", "", "Es ist ein unerwarteter Fehler aufgetreten.")
		}
	}()
	if ServerMode() {
		if err := onServer(ctx, fn); err != nil {
			return err
		}
		bump(ctx)
		return nil
	}
	d := Backend(ctx)
	if err = fn(ctx, Local{d}); err != nil {
		return err
	}
	if _, err := d.Deliver(ctx); err != nil {
		app.Log("numberdesk: outbox:", err) // the command itself succeeded
	}
	save(ctx)
	bump(ctx)
	return nil
}

// Read runs a query on the backend, recovering a panic as CodeInternal. It
// neither saves nor bumps the revision (unless it finds the connection
// lost or back).
func Read(ctx app.Context, fn func(ctx context.Context, d API) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			app.Log("numberdesk: query panicked:", r)
			err = numberdesk.E(numberdesk.CodeInternal, "wasm.Read", "", "Es ist ein unerwarteter Fehler aufgetreten.")
		}
	}()
	if ServerMode() {
		return onServer(ctx, fn)
	}
	return fn(ctx, Local{Backend(ctx)})
}

// UseLang makes the calling component follow the UI language: it loads the
// persisted language into *lang and re-renders the component when the
// language switch changes it. Call it in OnMount of every component that
// shows texts; render them with i18n.T. onChange, if given, runs after a
// change (to rebuild texts a component computed in advance).
func UseLang(ctx app.Context, lang *i18n.Lang, onChange ...func(ctx app.Context)) {
	ctx.ObserveState(LangState, lang).OnChange(func() {
		i18n.SetLang(*lang)
		for _, f := range onChange {
			f(ctx)
		}
	})
	if *lang != "" {
		i18n.SetLang(*lang)
	}
}

// SetLang switches the UI language, persists it and re-renders every
// component that called UseLang.
func SetLang(ctx app.Context, l i18n.Lang) {
	i18n.SetLang(l)
	ctx.Page().SetLang(string(i18n.Current()))
	ctx.SetState(LangState, i18n.Current()).Persist()
}

// ObserveRevision calls reload (on the UI goroutine) after every successful
// command (Do) and demo reset. Call it in OnMount; *rev receives the count.
func ObserveRevision(ctx app.Context, rev *int, reload func(ctx app.Context)) {
	ctx.ObserveState(RevisionState, rev).OnChange(func() { reload(ctx) })
}
