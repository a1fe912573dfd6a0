//go:build !js

package numberdesk

import (
	"errors"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(fieldName)
	return v
})

// Validate checks the `validate` struct tags of v with
// github.com/go-playground/validator and returns the first violation as a
// CodeInvalid *Error for op, whose Field is the JSON name of the field (with
// its path for nested fields, e.g. "options[2]"); then checkTimes: every
// time the request carries must be storable (year 1 to 9999).
//
// The js/wasm build uses checkTags instead (validate_js.go), which understands
// the subset of tags the SDK uses; TestValidateAgreesWithTagSubset proves both
// give the same answers for every request type of the SDK.
func Validate(op string, v any) error {
	err := validate().Struct(v)
	if err == nil {
		return checkTimes(op, v)
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
	return invalidField(op, field, fe.Tag())
}
