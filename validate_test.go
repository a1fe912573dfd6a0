package numberdesk_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// requireSameVerdict checks that the native validator and the js/wasm tag
// subset agree on v: both accept it, or both name the same field with the
// same message.
func requireSameVerdict(t *testing.T, v any) {
	t.Helper()
	native := numberdesk.Validate("op", v)
	subset := numberdesk.ValidateSubset("op", v)
	if native == nil || subset == nil {
		require.Equal(t, native, subset, "%#v", v)
		return
	}
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(subset), "%v", subset)
	require.Equal(t, numberdesk.ErrorField(native), numberdesk.ErrorField(subset), "%#v", v)
	require.Equal(t, numberdesk.ErrorMessage(native), numberdesk.ErrorMessage(subset), "%#v", v)
}

// The browser build validates with a small subset of validator's tags; it
// must agree with github.com/go-playground/validator on every request type.
func TestValidateAgreesWithTagSubset(t *testing.T) {
	values := []any{
		numbers.ProvisionRequest{},
		numbers.ProvisionRequest{Number: "0221 1"},
		numbers.ProvisionRequest{Number: "0221 1", ExtensionFrom: "1a"},
		numbers.ProvisionRequest{Number: "0221 1", ExtensionFrom: "1.5"},
		numbers.ProvisionRequest{Number: "0221 1", ExtensionFrom: "-1"},
		numbers.ProvisionRequest{Number: "0221 1", ExtensionFrom: "123456"},
		numbers.ProvisionRequest{Number: "0221 1", ExtensionTo: "x"},
		numbers.ProvisionRequest{Number: "0221 1", Origin: "stolen"},
		numbers.ProvisionRequest{Number: "0221 1", Origin: numbers.OriginPorted},
		numbers.ProvisionRequest{Number: "0221 1", Origin: numbers.OriginPorted, PortingDate: time.Now()},
		numbers.ProvisionRequest{Number: "0221 1", Options: []string{"a", ""}},
		numbers.ProvisionRequest{Number: "0221 1", Options: make([]string, 17)},
		numbers.ProvisionRequest{Number: "ääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääää"},
		numbers.ProvisionRequest{Number: "ääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääää"},
		numbers.Query{},
		numbers.Query{Statuses: []numbers.Status{numbers.StatusActive, "x"}},
		numbers.Query{Statuses: make([]numbers.Status, 5)},
		numbers.Query{UsageTypes: []routing.UsageType{"fax"}},
		numbers.Query{Sort: "price"},
		numbers.Query{Offset: -1},
		numbers.Query{Limit: 1001},
		numbers.Query{Limit: 1000},
		numbers.ActivateRequest{},
		numbers.ActivateRequest{QuoteToken: "t", IdempotencyKey: "key\n"},
		numbers.ActivateRequest{QuoteToken: "t", IdempotencyKey: string(make([]byte, 256))},
		numbers.DeactivateRequest{},
		numbers.SwapRequest{Old: "a"},
		numbers.SwapRequest{Old: "a", New: "b", IdempotencyKey: "ok-key"},
	}
	for _, v := range values {
		requireSameVerdict(t, v)
	}
}

func FuzzValidateAgreesWithTagSubset(f *testing.F) {
	f.Add("0221 123456", "10", "19", "new", "festnetz_flat", "active", 0, 50, "key")
	f.Add("", "1.5", "", "ported", "", "gone", -1, 5000, "k\x00")
	f.Fuzz(func(t *testing.T, number, from, to, origin, option, status string, offset, limit int, key string) {
		requireSameVerdict(t, numbers.ProvisionRequest{Number: number, ExtensionFrom: from, ExtensionTo: to,
			Origin: numbers.Origin(origin), Options: []string{option}})
		requireSameVerdict(t, numbers.Query{Statuses: []numbers.Status{numbers.Status(status)}, Search: number,
			Sort: numbers.SortKey(origin), Offset: offset, Limit: limit})
		requireSameVerdict(t, numbers.ActivateRequest{QuoteToken: number, IdempotencyKey: key})
	})
}

// A field kept out of JSON is named in snake case, as every other error of
// the SDK names it: a malformed idempotency key is field "idempotency_key"
// (natively and in the browser's tag subset alike).
func TestValidateNamesHeaderFieldsInSnakeCase(t *testing.T) {
	type req struct {
		Number         string `json:"number" validate:"required"`
		IdempotencyKey string `json:"-" validate:"omitempty,max=4,printascii"`
	}
	for name, validate := range map[string]func(string, any) error{"native": numberdesk.Validate, "subset": numberdesk.ValidateSubset} {
		err := validate("op", req{Number: "1", IdempotencyKey: "zu lang"})
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), name)
		require.Equal(t, "idempotency_key", err.(*numberdesk.Error).Field, name)
	}
	for in, want := range map[string]string{"IdempotencyKey": "idempotency_key", "ID": "id", "QuoteToken": "quote_token", "StaffID": "staff_id", "X": "x"} {
		require.Equal(t, want, numberdesk.SnakeCase(in), in)
	}
}

// Every time a request carries, at any depth, is bounded to what the SDK can
// store and encode (years 1–9999, in its own zone and in UTC); the field is
// its JSON path. Both validators agree.
func TestValidateBoundsEveryTime(t *testing.T) {
	type window struct {
		From time.Time  `json:"from"`
		To   *time.Time `json:"to"`
	}
	type req struct {
		Name    string    `json:"name" validate:"required"`
		At      time.Time `json:"at"`
		Windows []window  `json:"windows"`
	}
	ok := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		r     req
		field string
	}{
		"all good":          {req{Name: "x", At: ok, Windows: []window{{From: ok, To: &ok}}}, ""},
		"zero is fine":      {req{Name: "x"}, ""},
		"top level":         {req{Name: "x", At: far}, "at"},
		"in a slice":        {req{Name: "x", At: ok, Windows: []window{{From: ok}, {From: far}}}, "windows[1].from"},
		"behind a pointer":  {req{Name: "x", Windows: []window{{To: &far}}}, "windows[0].to"},
		"tags come first":   {req{At: far}, "name"},
		"year 0 is refused": {req{Name: "x", At: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, "at"},
	}
	for name, c := range cases {
		for vname, validate := range map[string]func(string, any) error{"native": numberdesk.Validate, "subset": numberdesk.ValidateSubset} {
			err := validate("op", c.r)
			if c.field == "" {
				require.NoError(t, err, "%s (%s)", name, vname)
				continue
			}
			require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%s (%s)", name, vname)
			require.Equal(t, c.field, err.(*numberdesk.Error).Field, "%s (%s)", name, vname)
		}
	}
}
