package phone

// AreaCodePrefix is an entry of the generated area code table.
type AreaCodePrefix struct {
	Prefix string // digits an NSN starts with
	Len    int    // length of its area code
}

// AreaCodePrefixes returns the entries of the area code table, for tests.
func AreaCodePrefixes() []AreaCodePrefix {
	var ps []AreaCodePrefix
	for i := 0; i < len(areaCodes); i += areaWidth {
		e := areaCodes[i : i+areaWidth]
		ps = append(ps, AreaCodePrefix{trimKey(e[:areaKeyLen]), int(e[areaKeyLen] - '0')})
	}
	return ps
}
