package wasm

import (
	"strings"
	"testing"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// Every count a page shows groups its digits like the pager: "10.131
// Ereignisse" in German, "10,131 events" in English.
func TestCountTextGroupsDigits(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	for _, c := range []struct {
		lang i18n.Lang
		key  string
		n    int
		want string
	}{
		{i18n.DE, "log.count", 10131, "10.131 Ereignisse"},
		{i18n.EN, "log.count", 10131, "10,131 events"},
		{i18n.DE, "log.count", 999, "999 Ereignisse"},
		{i18n.DE, "log.count", 1000, "1.000 Ereignisse"},
		{i18n.DE, "log.count", 1, "1 Ereignis"},
		{i18n.DE, "emp.count", 1000, "1.000 Mitarbeiter"},
		{i18n.EN, "emp.count", 1234567, "1,234,567 employees"},
	} {
		i18n.SetLang(c.lang)
		if got := countText(c.key, c.n); got != c.want {
			t.Errorf("%s countText(%s, %d) = %q, want %q", c.lang, c.key, c.n, got, c.want)
		}
		// the same grouping as the overview's pager
		if c.n > 1 && !strings.Contains(PageInfo(0, 1, c.n, false), FormatCount(c.n)) {
			t.Errorf("the pager groups %d otherwise", c.n)
		}
	}
}

// One name per role on every screen: the actor switch, the employees
// list and the event log all say what RoleName says, in the seed page's
// terms ("Administrator-Konto").
func TestRoleNamesAreTheSameEverywhere(t *testing.T) {
	defer i18n.SetLang(i18n.Current())
	for _, l := range i18n.Langs {
		i18n.SetLang(l)
		for _, r := range []numberdesk.Role{numberdesk.RoleOwner, numberdesk.RoleManager, numberdesk.RoleEmployee} {
			e := &staff.Employee{ID: "x", FirstName: "A", LastName: "B", Role: r}
			name := RoleName(r)
			if name == "" || strings.HasPrefix(name, "role.") {
				t.Fatalf("%s: no name for %s", l, r)
			}
			if got := roleLabel(e); got != "A B ("+name+")" {
				t.Errorf("%s actor switch: %q, want %q", l, got, name)
			}
			if got := employeeRows([]*staff.Employee{e}, nil)[0].Role; got != name {
				t.Errorf("%s employees list: %q, want %q", l, got, name)
			}
			// no second catalog entry a screen could use instead
			if i18n.Has(i18n.Key(pagesPrefix + "role." + string(r))) {
				t.Errorf("a second key for %s: pages.role.%s", r, r)
			}
		}
	}
	i18n.SetLang(i18n.DE)
	if RoleName(numberdesk.RoleOwner) != "Administrator-Konto" || RoleName(numberdesk.RoleManager) != "Manager" || RoleName(numberdesk.RoleEmployee) != "Mitarbeiter" {
		t.Errorf("German role names: %q, %q, %q", RoleName(numberdesk.RoleOwner), RoleName(numberdesk.RoleManager), RoleName(numberdesk.RoleEmployee))
	}
}

func TestUpdateBannerIsTranslated(t *testing.T) {
	if de, en := i18n.In(i18n.DE, "shell.update"), i18n.In(i18n.EN, "shell.update"); de != "Update verfügbar – neu laden" || en == de || en == "" {
		t.Errorf("update banner: %q / %q", de, en)
	}
}
