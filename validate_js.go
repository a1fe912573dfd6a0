//go:build js

package numberdesk

// Validate checks the `validate` struct tags of v and returns the first
// violation as a CodeInvalid *Error for op. In the browser it uses the small
// checkTags instead of github.com/go-playground/validator, which would add
// about 1.3 MB (gzip) to the wasm binary; see validate_native.go.
func Validate(op string, v any) error { return validateSubset(op, v) }
