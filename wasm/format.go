package wasm

// Shared formatting of counts and role names, so that every screen says
// the same: counts with the language's thousands separator ("10.131
// Ereignisse", "10,131 events": FormatCount), and one name per role
// (RoleName, the keys "role.<role>" of the shell's catalog, in the seed
// page's terms: "Administrator-Konto", "Manager", "Mitarbeiter").

import (
	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// RoleName returns the name of a role in the current language, the same
// on every screen (actor switch, employees list, event log, overview).
func RoleName(r numberdesk.Role) string { return i18n.T(i18n.Key("role." + string(r))) }

// countText returns the text key of the pages' catalog with the count n
// formatted by FormatCount ("10.131 Ereignisse"), or key.one for 1.
func countText(key string, n int) string {
	if n == 1 {
		return pt(key + ".one")
	}
	return pt(key, FormatCount(n))
}

func init() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"role.system": {DE: "System", EN: "System"},
		// The shell's update banner and save warning.
		"shell.update":            {DE: "Update verfügbar – neu laden", EN: "Update available – reload"},
		"shell.save_failed_title": {DE: "Achtung, nicht gespeichert.", EN: "Warning: not saved."},
	})
}
