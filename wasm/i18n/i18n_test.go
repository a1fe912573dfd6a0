package i18n_test

import (
	"errors"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"test.hello":                  {DE: "Hallo {1}, {2}", EN: "Hello {1}, {2}"},
		"test.de_only":                {DE: "Nur Deutsch"},
		"err.precondition.test_field": {DE: "x", EN: "English for the field"},
	})
}

func TestLookup(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	if got := i18n.T("test.hello", "Max", "Erika"); got != "Hallo Max, Erika" {
		t.Fatal(got)
	}
	i18n.SetLang(i18n.EN)
	if got := i18n.T("test.hello", "Max", "Erika"); got != "Hello Max, Erika" {
		t.Fatal(got)
	}
	if got := i18n.T("test.de_only"); got != "Nur Deutsch" {
		t.Fatal(got)
	}
	if got := i18n.T("test.unknown"); got != "test.unknown" {
		t.Fatal(got)
	}
	i18n.SetLang("fr")
	if i18n.Current() != i18n.DE {
		t.Fatal("unknown languages fall back to German")
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	i18n.Register(map[i18n.Key]i18n.Text{"test.hello": {DE: "again"}})
}

func TestError(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	field := numberdesk.E(numberdesk.CodePrecondition, "op", "test_field", "Deutsche Meldung.")
	other := numberdesk.E(numberdesk.CodePrecondition, "op", "other", "Andere Meldung.")
	internal := numberdesk.Internal("op", errors.New("boom"))
	if got := i18n.Error(field); got != "Deutsche Meldung." {
		t.Fatal(got)
	}
	i18n.SetLang(i18n.EN)
	if got := i18n.Error(field); got != "English for the field" {
		t.Fatal(got)
	}
	if got := i18n.Error(other); got != "Andere Meldung." {
		t.Fatal("untranslated errors keep the German message:", got)
	}
	if got := i18n.Error(internal); got != "An unexpected error occurred. Please try again." {
		t.Fatal(got)
	}
	if got := i18n.Error(errors.New("plain")); got != "An unexpected error occurred. Please try again." {
		t.Fatal(got)
	}
}
