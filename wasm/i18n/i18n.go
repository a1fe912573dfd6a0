// Package i18n is the tiny message catalog of the reference UI: keys mapped
// to a German text (the default) and an English one.
//
// Every screen registers its own keys from its own file with Register (in an
// init function), so that screens can be added without touching a shared
// catalog; a key registered twice panics at start-up. T looks a key up in
// the current language (SetLang); a text may hold placeholders {1}, {2}, …
// that T replaces with its arguments. A key without an English text falls
// back to German, an unknown key returns the key itself, so a missing text is
// visible but never crashes.
//
// SDK errors carry a German Message and a stable Code and Field; Error
// translates them to English by "err.<code>.<field>" (or "err.<code>") keys
// where one is registered, and keeps the German message otherwise.
package i18n

import (
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/numberdesk/numberdesk"
)

// Lang is a UI language.
type Lang string

// The languages of the UI. German is the default.
const (
	DE Lang = "de"
	EN Lang = "en"
)

// Langs lists the languages in the order the switch shows them.
var Langs = []Lang{DE, EN}

// Parse returns the language named s, or DE for anything unknown.
func Parse(s string) Lang {
	if Lang(s) == EN {
		return EN
	}
	return DE
}

// Key names a text of the catalog, e.g. "overview.title".
type Key string

// Text is one entry of the catalog.
type Text struct {
	DE string // required
	EN string // optional: DE is used when empty
}

var (
	mu      sync.RWMutex
	catalog = map[Key]Text{}
	current = DE
)

// Register adds texts to the catalog. It panics if a key is registered
// twice or has no German text: both are programming errors found at start-up.
func Register(texts map[Key]Text) {
	mu.Lock()
	defer mu.Unlock()
	for k, t := range texts {
		if _, dup := catalog[k]; dup {
			panic("i18n: key registered twice: " + string(k))
		}
		if t.DE == "" {
			panic("i18n: key without German text: " + string(k))
		}
		catalog[k] = t
	}
}

// SetLang sets the current language.
func SetLang(l Lang) {
	mu.Lock()
	current = Parse(string(l))
	mu.Unlock()
}

// Current returns the current language.
func Current() Lang {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Has reports whether k is registered.
func Has(k Key) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := catalog[k]
	return ok
}

// T returns the text of k in the current language with {1}, {2}, …
// replaced by args.
func T(k Key, args ...string) string { return In(Current(), k, args...) }

// In returns the text of k in language l with {1}, {2}, … replaced by args.
func In(l Lang, k Key, args ...string) string {
	mu.RLock()
	t, ok := catalog[k]
	mu.RUnlock()
	if !ok {
		return string(k)
	}
	s := t.DE
	if l == EN && t.EN != "" {
		s = t.EN
	}
	return fill(s, args)
}

func fill(s string, args []string) string {
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i+1)+"}", a)
	}
	return s
}

// Error returns the message of err for the UI in the current language: the
// SDK's German message, or in English the text registered for
// "err.<code>.<field>", else "err.<code>", else the German message. A
// non-SDK error gets the generic text of "err.internal".
func Error(err error) string {
	if err == nil {
		return ""
	}
	var e *numberdesk.Error
	if !errors.As(err, &e) {
		return T("err.internal")
	}
	l := Current()
	if l != DE {
		if k := Key("err." + string(e.Code) + "." + e.Field); e.Field != "" && Has(k) {
			return In(l, k)
		}
		if k := Key("err." + string(e.Code)); Has(k) && e.Code != numberdesk.CodePrecondition && e.Code != numberdesk.CodeInvalid {
			return In(l, k)
		}
	}
	if e.Message == "" || e.Code == numberdesk.CodeInternal {
		return T("err.internal")
	}
	return e.Message
}

func init() {
	Register(map[Key]Text{
		"err.internal":   {DE: "Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es erneut.", EN: "An unexpected error occurred. Please try again."},
		"err.not_found":  {DE: "Der Eintrag wurde nicht gefunden.", EN: "The item was not found."},
		"err.conflict":   {DE: "Der Eintrag wurde inzwischen geändert. Bitte laden Sie neu.", EN: "The item was changed meanwhile. Please reload."},
		"err.permission": {DE: "Für diese Aktion fehlt Ihnen die Berechtigung.", EN: "You are not allowed to do this."},
	})
}
