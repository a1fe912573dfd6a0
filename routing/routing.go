package routing

// UsageType is what a number is used for ("Verwendungstyp").
type UsageType string

// The usage types. Only voice numbers have a routing plan.
const (
	UsageVoice       UsageType = "voice"        // "Sprache", the default
	UsageConference  UsageType = "conference"   // "Konferenz"
	UsageFaxPersonal UsageType = "fax_personal" // "persönliche Faxnummer": exactly one holder
	UsageFaxShared   UsageType = "fax_shared"   // "gemeinsame Faxnummer": several members
)

// UsageTypes lists the usage types in display order.
var UsageTypes = []UsageType{UsageVoice, UsageConference, UsageFaxPersonal, UsageFaxShared}

// Valid reports whether u is a defined usage type.
func (u UsageType) Valid() bool {
	switch u {
	case UsageVoice, UsageConference, UsageFaxPersonal, UsageFaxShared:
		return true
	}
	return false
}

// Label returns the German label of u.
func (u UsageType) Label() string {
	switch u {
	case UsageVoice:
		return "Sprache"
	case UsageConference:
		return "Konferenz"
	case UsageFaxPersonal:
		return "persönliche Faxnummer"
	case UsageFaxShared:
		return "gemeinsame Faxnummer"
	}
	return string(u)
}

// IsFax reports whether u is a fax usage type.
func (u UsageType) IsFax() bool { return u == UsageFaxPersonal || u == UsageFaxShared }

// MaxHolders returns how many holders a number of usage type u may have:
// one, except a shared fax number, which may have any number of members (0).
func (u UsageType) MaxHolders() int {
	if u == UsageFaxShared {
		return 0
	}
	return 1
}
