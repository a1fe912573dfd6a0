package numberdesk

import (
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	return v
})

// messages are the German texts for the validation tags the SDK uses.
var messages = map[string]string{
	"required":    "Bitte füllen Sie dieses Feld aus.",
	"required_if": "Bitte füllen Sie dieses Feld aus.",
	"oneof":       "Der Wert ist nicht zulässig.",
	"numeric":     "Bitte geben Sie nur Ziffern ein.",
	"max":         "Die Eingabe ist zu lang.",
	"min":         "Die Eingabe ist zu kurz.",
	"email":       "Die E-Mail-Adresse ist ungültig.",
	"printascii":  "Die Eingabe enthält unzulässige Zeichen.",
	"gte":         "Der Wert ist zu klein.",
	"lte":         "Der Wert ist zu groß.",
}

// Validate checks the `validate` struct tags of v (github.com/go-playground/validator)
// and returns the first violation as a CodeInvalid *Error for op, whose Field
// is the JSON name of the field (with its path for nested fields, e.g.
// "options[2]").
func Validate(op string, v any) error {
	err := validate().Struct(v)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) || len(verrs) == 0 {
		return Internal(op, err)
	}
	fe := verrs[0]
	field := fe.Namespace()
	if _, rest, ok := strings.Cut(field, "."); ok {
		field = rest // drop the struct's own name
	}
	msg, ok := messages[fe.Tag()]
	if !ok {
		msg = "Die Eingabe ist ungültig."
	}
	return &Error{Code: CodeInvalid, Op: op, Field: field, Message: msg}
}
