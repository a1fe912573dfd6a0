package numbers

import "github.com/numberdesk/numberdesk/phone"

// FormatNational formats an E.164 number in the German national format,
// e.g. "+4922112345610" → "0221 12345610". See package phone.
func FormatNational(e164 string) string { return phone.E164(e164).National() }
