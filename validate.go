package numberdesk

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// messages are the German texts for the validation tags the SDK uses.
var messages = map[string]string{
	"required":    "Bitte füllen Sie dieses Feld aus.",
	"required_if": "Bitte füllen Sie dieses Feld aus.",
	"oneof":       "Der Wert ist nicht zulässig.",
	"number":      "Bitte geben Sie nur Ziffern ein.",
	"max":         "Die Eingabe ist zu lang.",
	"min":         "Die Eingabe ist zu kurz.",
	"printascii":  "Die Eingabe enthält unzulässige Zeichen.",
	"gte":         "Der Wert ist zu klein.",
	"lte":         "Der Wert ist zu groß.",
}

// fieldName is the name a validation error gives a struct field: its JSON
// name; a field without one, its Go name as JSON would use it; a field kept
// out of JSON (`json:"-"`, e.g. an idempotency key that travels in a header)
// its Go name in snake case, "IdempotencyKey" → "idempotency_key", the name
// under which every other error reports it.
func fieldName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "":
		return f.Name
	case "-":
		return snakeCase(f.Name)
	}
	return name
}

// snakeCase returns "IdempotencyKey" as "idempotency_key" and "ID" as "id".
func snakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		upper := unicode.IsUpper(r)
		if upper && i > 0 && (!unicode.IsUpper(rs[i-1]) || i+1 < len(rs) && !unicode.IsUpper(rs[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func invalidField(op, field, tag string) *Error {
	msg, ok := messages[tag]
	if !ok {
		msg = "Die Eingabe ist ungültig."
	}
	return &Error{Code: CodeInvalid, Op: op, Field: field, Message: msg}
}

// The tag subset checkTags understands, with the semantics of
// github.com/go-playground/validator/v10: required, omitempty, required_if,
// max, min, gte, lte, number, oneof, printascii and dive. omitempty must
// come first; dive applies the tags after it to each element of a slice.

var errUnsupported = errors.New("numberdesk: unsupported validate tag")

// checkTags returns the JSON path and tag of the first violated `validate`
// tag of the struct v, in field order, or "" if there is none. It reports
// errUnsupported for tags outside the subset.
func checkTags(v any) (field, tag string, err error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return "", "", errUnsupported
	}
	return checkStruct(rv, "")
}

var timeType = reflect.TypeFor[time.Time]()

func checkStruct(rv reflect.Value, prefix string) (string, string, error) {
	t := rv.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		path := prefix + fieldName(f)
		tags := f.Tag.Get("validate")
		fv := rv.Field(i)
		if tags == "" || tags == "-" {
			if fv.Kind() == reflect.Struct && fv.Type() != timeType {
				if p, tag, err := checkStruct(fv, path+"."); tag != "" || err != nil {
					return p, tag, err
				}
			}
			continue
		}
		if p, tag, err := checkField(rv, fv, path, strings.Split(tags, ",")); tag != "" || err != nil {
			return p, tag, err
		}
	}
	return "", "", nil
}

// checkField applies tags to fv, a field of the struct parent.
func checkField(parent, fv reflect.Value, path string, tags []string) (string, string, error) {
	if len(tags) > 0 && tags[0] == "omitempty" {
		if fv.IsZero() {
			return "", "", nil
		}
		tags = tags[1:]
	}
	for i, tag := range tags {
		if tag == "dive" {
			if fv.Kind() != reflect.Slice {
				return "", "", errUnsupported
			}
			for j := range fv.Len() {
				if p, t, err := checkField(parent, fv.Index(j), path+"["+strconv.Itoa(j)+"]", tags[i+1:]); t != "" || err != nil {
					return p, t, err
				}
			}
			return "", "", nil
		}
		name, param, _ := strings.Cut(tag, "=")
		ok, err := checkTag(parent, fv, name, param)
		if err != nil {
			return "", "", err
		}
		if !ok {
			return path, name, nil
		}
	}
	return "", "", nil
}

func hasValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
		return !v.IsNil()
	}
	return !v.IsZero()
}

func checkTag(parent, v reflect.Value, name, param string) (bool, error) {
	switch name {
	case "required":
		return hasValue(v), nil
	case "required_if":
		other, want, ok := strings.Cut(param, " ")
		sib := parent.FieldByName(other)
		if !ok || !sib.IsValid() || sib.Kind() != reflect.String {
			return false, errUnsupported
		}
		return sib.String() != want || hasValue(v), nil
	case "max", "min", "gte", "lte":
		n, err := strconv.ParseInt(param, 10, 64)
		if err != nil {
			return false, errUnsupported
		}
		var size int64
		switch v.Kind() {
		case reflect.String:
			size = int64(utf8.RuneCountInString(v.String()))
		case reflect.Slice, reflect.Map, reflect.Array:
			size = int64(v.Len())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			size = v.Int()
		default:
			return false, errUnsupported
		}
		if name == "max" || name == "lte" {
			return size <= n, nil
		}
		return size >= n, nil
	case "number", "printascii":
		if v.Kind() != reflect.String {
			return false, errUnsupported
		}
		s := v.String()
		if name == "number" && s == "" {
			return false, nil
		}
		for i := 0; i < len(s); i++ {
			if name == "number" && (s[i] < '0' || s[i] > '9') || name == "printascii" && (s[i] < 0x20 || s[i] > 0x7e) {
				return false, nil
			}
		}
		return true, nil
	case "oneof":
		var s string
		switch v.Kind() {
		case reflect.String:
			s = v.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			s = strconv.FormatInt(v.Int(), 10)
		default:
			return false, errUnsupported
		}
		for _, o := range strings.Fields(param) {
			if o == s {
				return true, nil
			}
		}
		return false, nil
	}
	return false, errUnsupported
}

// validateSubset is Validate by checkTags.
func validateSubset(op string, v any) error {
	field, tag, err := checkTags(v)
	if err != nil {
		return Internal(op, err)
	}
	if tag == "" {
		return checkTimes(op, v)
	}
	return invalidField(op, field, tag)
}

// checkTimes is the rule Validate applies after the tags: every time the
// request carries (in a field, a nested struct, a pointer or a slice) is
// zero or an instant the SDK can store and put into an event: its RFC 3339
// form exists (year 1 to 9999, in its own zone and in UTC). The first one
// that is not is CodeInvalid with its JSON path as Field.
func checkTimes(op string, v any) error {
	if path := badTime(reflect.ValueOf(v), ""); path != "" {
		return &Error{Code: CodeInvalid, Op: op, Field: path, Message: "Das Datum liegt außerhalb des zulässigen Bereichs (Jahr 1 bis 9999)."}
	}
	return nil
}

// badTime returns the path of the first time in rv outside the storable
// range, or "".
func badTime(rv reflect.Value, path string) string {
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return ""
		}
		return badTime(rv.Elem(), path)
	case reflect.Slice, reflect.Array:
		for i := range rv.Len() {
			if p := badTime(rv.Index(i), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case reflect.Struct:
		if rv.Type() == timeType {
			t := rv.Interface().(time.Time)
			if _, err := t.MarshalJSON(); t.IsZero() || err == nil && t.UTC().Year() >= 1 && t.UTC().Year() <= 9999 && t.Year() >= 1 {
				return ""
			}
			return path
		}
		t := rv.Type()
		prefix := path
		if prefix != "" {
			prefix += "."
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if p := badTime(rv.Field(i), prefix+fieldName(f)); p != "" {
					return p
				}
			}
		}
	}
	return ""
}
