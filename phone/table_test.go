package phone

import (
	"strings"
	"testing"
)

// TestTables checks the shape of the generated tables: fixed width, keys
// of digits, sorted and prefix-free, as find requires.
func TestTables(t *testing.T) {
	tests := []struct {
		name          string
		table         string
		width, keyLen int
		min           int
	}{
		{"areaCodes", areaCodes, areaWidth, areaKeyLen, 1000},
		{"countryCodes", countryCodes, countryKeyLen, countryKeyLen, 200},
	}
	for _, tt := range tests {
		if len(tt.table)%tt.width != 0 || len(tt.table)/tt.width < tt.min {
			t.Fatalf("%s: %d bytes, not %d entries of %d", tt.name, len(tt.table), tt.min, tt.width)
		}
		var prev string
		for i := 0; i < len(tt.table); i += tt.width {
			e := tt.table[i : i+tt.width]
			key := trimKey(e[:tt.keyLen])
			if key == "" || !allDigits(key) || strings.TrimRight(e[:tt.keyLen], " ") != key {
				t.Fatalf("%s: bad entry %q", tt.name, e)
			}
			if tt.width > tt.keyLen {
				if l := int(e[tt.keyLen] - '0'); l < 2 || l > 5 {
					t.Fatalf("%s: entry %q: code length %d", tt.name, e, l)
				}
			}
			if prev != "" && (prev >= key || strings.HasPrefix(key, prev)) {
				t.Fatalf("%s: %q after %q: not sorted or not prefix-free", tt.name, key, prev)
			}
			prev = key
			// find finds the entry by its key and by any longer number.
			for _, s := range []string{key, key + "0", key + "99999999"} {
				if got, ok := find(tt.table, tt.width, tt.keyLen, s); !ok || got != e {
					t.Fatalf("%s: find(%q) = %q, %v; want %q", tt.name, s, got, ok, e)
				}
			}
		}
	}
}

func TestFind(t *testing.T) {
	for _, s := range []string{"", "0", "00", "2", "21", "28", "999", "0049"} {
		if e, ok := find(countryCodes, countryKeyLen, countryKeyLen, s); ok {
			t.Errorf("find(countryCodes, %q) = %q", s, e)
		}
	}
	for _, s := range []string{"", "0", "1", "01", "31", "110", "99"} {
		if e, ok := find(areaCodes, areaWidth, areaKeyLen, s); ok {
			t.Errorf("find(areaCodes, %q) = %q", s, e)
		}
	}
	if got := areaCodeLen("30"); got != 2 {
		t.Errorf(`areaCodeLen("30") = %d, want 2`, got)
	}
	if got := areaCodeLen("332"); got != 0 {
		t.Errorf(`areaCodeLen("332") = %d, want 0 (shorter than its code)`, got)
	}
}
