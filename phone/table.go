package phone

import "strings"

//go:generate go run -modfile=internal/gen/gen.mod internal/gen/main.go

// Widths of the entries of the generated tables in areacodes_gen.go.
const (
	areaKeyLen    = 5              // prefix, padded with spaces
	areaWidth     = areaKeyLen + 1 // and the length of the code
	countryKeyLen = 3
)

// areaCodeLen returns the length of the German area code (or mobile or
// service prefix) at the start of the national significant number nsn, or 0
// if it is unknown.
func areaCodeLen(nsn string) int {
	e, ok := find(areaCodes, areaWidth, areaKeyLen, nsn)
	if !ok {
		return 0
	}
	l := int(e[areaKeyLen] - '0')
	if l > len(nsn) {
		return 0
	}
	return l
}

// countryCode returns the country calling code at the start of digits, or
// "" if it starts with none.
func countryCode(digits string) string {
	e, ok := find(countryCodes, countryKeyLen, countryKeyLen, digits)
	if !ok {
		return ""
	}
	return trimKey(e)
}

// isCountryCode reports whether digits is a country calling code.
func isCountryCode(digits string) bool {
	return digits != "" && countryCode(digits) == digits
}

// find returns the entry of table whose key is a prefix of s. The table
// holds entries of width bytes, sorted, each starting with a key of keyLen
// bytes padded with spaces; the keys are prefix-free. Binary search for the
// last key not above s: no other key can be a prefix of s.
func find(table string, width, keyLen int, s string) (entry string, ok bool) {
	key := func(i int) string {
		return trimKey(table[i*width : i*width+keyLen])
	}
	lo, hi := 0, len(table)/width // the answer is below hi
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key(m) <= s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 || !strings.HasPrefix(s, key(lo-1)) {
		return "", false
	}
	return table[(lo-1)*width : lo*width], true
}

// trimKey returns the key k without its padding.
func trimKey(k string) string {
	return strings.TrimRight(k, " ")
}
