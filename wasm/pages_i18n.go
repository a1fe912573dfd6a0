package wasm

// The texts of the edit dialog, the employees page and the event log, in
// German (the default) and English.

import (
	"fmt"

	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// pagesLangFn returns the current language ("de" or "en"); the shell's
// language switch sets it (i18n.SetLang). Tests replace it.
var pagesLangFn = func() string { return string(i18n.Current()) }

func pagesLang() string {
	if l := pagesLangFn(); l == "en" {
		return l
	}
	return "de"
}

// pt returns the text of key in the current language, formatted with args
// (fmt verbs). An unknown key returns the key, so a missing text is
// visible but never crashes.
func pt(key string, args ...any) string {
	k := i18n.Key(pagesPrefix + key)
	if !i18n.Has(k) {
		return key
	}
	s := i18n.In(i18n.Lang(pagesLang()), k)
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// pagesPrefix keeps the keys of these pages apart from the other screens'
// in the shared catalog.
const pagesPrefix = "pages."

// The texts are registered with the shared catalog (i18n.Register) under
// pagesPrefix; they use fmt verbs, which pt fills.
func init() {
	all := map[i18n.Key]i18n.Text{}
	for _, m := range []map[string][2]string{pagesTexts, logTexts, employeesTexts} {
		for k, v := range m {
			all[i18n.Key(pagesPrefix+k)] = i18n.Text{DE: v[0], EN: v[1]}
		}
	}
	i18n.Register(all)
}

// pagesTexts maps a key to its German and English text.
var pagesTexts = map[string][2]string{
	// targets and the base rule
	"target.device":        {"Endgerät", "device"},
	"target.mailbox":       {"Mailbox", "mailbox"},
	"target.ring_group":    {"Rufgruppe", "ring group"},
	"target.external":      {"externe Rufnummer", "external number"},
	"ring.unlimited":       {"unbegrenzt", "unlimited"},
	"base.mailbox.default": {"Mailbox (Standardansage)", "mailbox (standard announcement)"},
	"base.holder_mailbox":  {"eigene Mailbox", "the holder's mailbox"},
	"base.ringing_tone":    {"Freizeichen", "ringing tone"},
	"filter.anonymous":     {"anonyme Anrufe", "anonymous calls"},
	"filter.only":          {"nur", "only"},
	"targets.parallel":     {"parallel mit", "in parallel with"},
	"targets.then":         {"dann", "then"},
	"rule.disabled":        {"deaktiviert", "switched off"},

	// the live preview
	"outcome.rule":            {"Regel „%s“", "Rule “%s”"},
	"outcome.base":            {"Basisregel", "Base rule"},
	"outcome.rejected":        {"abgewiesen (Sperrliste)", "rejected (block list)"},
	"trace.rule":              {"Regel „%s“", "Rule “%s”"},
	"reason.matched":          {"greift", "applies"},
	"reason.forced_on":        {"manuell eingeschaltet", "switched on manually"},
	"reason.disabled":         {"deaktiviert", "switched off"},
	"reason.forced_off":       {"manuell ausgeschaltet", "switched off manually"},
	"reason.condition_false":  {"Zeitbedingung nicht erfüllt", "time condition not met"},
	"reason.filter_rejected":  {"Anruffilter trifft nicht zu", "caller filter does not match"},
	"reason.blocked":          {"Sperrliste", "block list"},
	"preview.err.date":        {"Bitte geben Sie ein Datum an (TT.MM.JJJJ).", "Please enter a date."},
	"preview.err.time":        {"Bitte geben Sie eine Uhrzeit an (HH:MM).", "Please enter a time (HH:MM)."},
	"preview.title":           {"Wohin geht ein Anruf jetzt?", "Where does a call go now?"},
	"preview.date":            {"Datum", "Date"},
	"preview.time":            {"Uhrzeit", "Time"},
	"preview.caller":          {"Anrufer (leer: beliebige Rufnummer, „anonym“)", "Caller (empty: any number, “anonymous”)"},
	"preview.now":             {"Jetzt", "Now"},
	"preview.when":            {"Zeitpunkt", "Instant"},
	"preview.goes":            {"Der Anruf geht an", "The call goes to"},
	"preview.trace":           {"Geprüfte Regeln", "Rules checked"},
	"preview.changes":         {"Nächste Wechsel (7 Tage)", "Next changes (7 days)"},
	"preview.nochanges":       {"Keine Wechsel in den nächsten 7 Tagen.", "No changes in the next 7 days."},
	"preview.invalid":         {"Der Plan ist noch nicht gültig:", "The plan is not valid yet:"},
	"preview.unsaved":         {"Die Vorschau zeigt den Stand im Formular, auch vor dem Speichern.", "The preview shows the form as it is, before saving too."},
	"preview.novoice":         {"Nur Rufnummern vom Typ „Sprache“ haben ein Routing.", "Only voice numbers have routing."},
	"preview.zone":            {"Zeitzone des Kontos: %s", "Account time zone: %s"},
	"preview.utc":             {"entspricht", "equals"},
	"edit.title":              {"Rufnummer %s bearbeiten", "Edit number %s"},
	"edit.usage":              {"Verwendungstyp", "Usage type"},
	"edit.usage.confirm":      {"Ich bestätige: Mit dem Wechsel des Verwendungstyps geht der Routingplan dieser Rufnummer verloren.", "I confirm that the routing plan of this number is lost when the usage type changes."},
	"edit.routing":            {"Routing", "Routing"},
	"edit.rules":              {"Weiterleitungsregeln", "Forwarding rules"},
	"edit.norules":            {"Noch keine Weiterleitungsregel: Alle Anrufe gehen an die Basisregel.", "No forwarding rule yet: every call goes to the base rule."},
	"edit.rule":               {"Regel %d", "Rule %d"},
	"edit.priority":           {"Priorität %d", "Priority %d"},
	"edit.rule.name":          {"Name der Regel", "Rule name"},
	"edit.rule.enabled":       {"aktiv", "enabled"},
	"edit.rule.kind":          {"Weiterleitungstyp", "Forwarding type"},
	"edit.rule.up":            {"Priorität erhöhen", "Raise priority"},
	"edit.rule.down":          {"Priorität senken", "Lower priority"},
	"edit.rule.delete":        {"Regel löschen", "Delete rule"},
	"edit.kind.always":        {"Weiterleitung ohne Regel", "Always"},
	"edit.kind.weekdays":      {"Zeitsteuerung nach Wochentag", "By weekday"},
	"edit.kind.dates":         {"Zeitsteuerung nach Datum", "By date"},
	"edit.kind.period":        {"Zeitsteuerung nach Zeitraum", "By period"},
	"edit.kind.holidays":      {"an gesetzlichen Feiertagen", "On public holidays"},
	"edit.days":               {"Wochentage", "Weekdays"},
	"edit.windows":            {"Uhrzeiten", "Times"},
	"edit.window.from":        {"von", "from"},
	"edit.window.to":          {"bis", "to"},
	"edit.window.add":         {"Zeitfenster hinzufügen", "Add time window"},
	"edit.window.remove":      {"Zeitfenster entfernen", "Remove time window"},
	"edit.window.allday":      {"Ohne Zeitfenster gilt der ganze Tag.", "Without a time window the whole day counts."},
	"edit.dates":              {"Daten (TT.MM. jährlich oder TT.MM.JJJJ, durch Komma getrennt)", "Dates (DD.MM. yearly or DD.MM.YYYY, comma separated)"},
	"edit.period.from":        {"Beginn", "From"},
	"edit.period.to":          {"Ende", "Until"},
	"edit.state":              {"Bundesland", "State"},
	"edit.filter":             {"Anruffilter aktivieren", "Enable caller filter"},
	"edit.filter.anonymous":   {"Filter für anonyme Anrufe", "Filter for anonymous calls"},
	"edit.filter.numbers":     {"Filter für Anrufe von bestimmten Einzelrufnummern, Orts- und / oder Ländervorwahlen (z. B. 0043*)", "Filter for calls from numbers or prefixes (e.g. 0043*)"},
	"edit.targets":            {"Weiterleitungsziele", "Targets"},
	"edit.target.kind":        {"Art des Ziels", "Target kind"},
	"edit.target.ref":         {"Ziel", "Target"},
	"edit.target.ring":        {"Klingeldauer", "Ring duration"},
	"edit.target.ring.sec":    {"nach %d Sekunden", "after %d seconds"},
	"edit.target.ring.unl":    {"nach Unbegrenzt", "unlimited"},
	"edit.target.parallel":    {"Paralleles Klingeln", "Ring in parallel"},
	"edit.target.add":         {"Neues Weiterleitungsziel anlegen", "Add target"},
	"edit.target.remove":      {"Ziel entfernen", "Remove target"},
	"edit.target.external.ph": {"z. B. 0171 2345678", "e.g. +49 171 2345678"},
	"edit.rule.add":           {"Neue Weiterleitung anlegen", "Add forwarding rule"},
	"edit.rule.add.office":    {"Bürozeiten (Mo–Fr 08:00–18:00) anlegen", "Add office hours (Mon–Fri 08:00–18:00)"},
	"edit.base":               {"Basisregel", "Base rule"},
	"edit.base.hint":          {"Greift, wenn keine Weiterleitung Anwendung findet oder die Ziele nicht erreichbar sind.", "Applies when no rule applies or its targets cannot be reached."},
	"edit.base.mailbox":       {"Mailbox", "Mailbox"},
	"edit.base.mailbox.std":   {"Standard-Mailbox mit Standardansage", "Standard mailbox"},
	"edit.save":               {"Speichern", "Save"},
	"edit.cancel":             {"Abbrechen", "Cancel"},
	"edit.discard.title":      {"Änderungen verwerfen?", "Discard changes?"},
	"edit.discard.text":       {"Ihre Änderungen an der Rufnummer %s sind noch nicht gespeichert. Verwerfen Sie sie, bleiben die bisherigen Einstellungen.", "Your changes to the number %s are not saved. If you discard them, the current settings stay."},
	"edit.discard":            {"Verwerfen", "Discard"},
	"edit.discard.keep":       {"Weiter bearbeiten", "Keep editing"},
	"edit.close":              {"Schließen", "Close"},
	"edit.saved":              {"Die Einstellungen der Rufnummer %s wurden gespeichert.", "The settings of number %s were saved."},
	"edit.saved.title":        {"Rufnummer gespeichert", "Number saved"},
	"edit.inactive":           {"Eine inaktive Rufnummer kann nicht bearbeitet werden.", "An inactive number cannot be edited."},
	"edit.nonvoice":           {"Nur Rufnummern vom Typ „Sprache“ haben ein Routing. Für diesen Verwendungstyp gibt es keine weiteren Einstellungen.", "Only voice numbers have routing."},
	"edit.spec":               {"Zeitangabe aus Asterisk/FreePBX übernehmen", "Take over an Asterisk/FreePBX time spec"},
	"edit.spec.label":         {"Zeitangabe (Uhrzeit,Wochentage,Tage,Monate)", "Time spec (times,weekdays,days,months)"},
	"edit.spec.apply":         {"Übernehmen", "Apply"},
	"edit.log":                {"Änderungen dieser Rufnummer im Ereignisprotokoll ansehen", "See this number's changes in the event log"},
	"edit.summary":            {"Zusammenfassung", "Summary"},
}

// logTexts are the texts of the event log.
var logTexts = map[string][2]string{
	// event types
	"event.number.provisioned":            {"Rufnummer angelegt", "Number provisioned"},
	"event.number.activated":              {"Rufnummer aktiviert", "Number activated"},
	"event.number.deactivation_requested": {"Zur Deaktivierung vorgemerkt", "Deactivation requested"},
	"event.number.deactivation_withdrawn": {"Deaktivierung zurückgenommen", "Deactivation withdrawn"},
	"event.number.deactivated":            {"Rufnummer deaktiviert", "Number deactivated"},
	"event.number.swapped_out":            {"Rufnummer ausgetauscht (bisherige)", "Number swapped out"},
	"event.number.swapped_in":             {"Rufnummer ausgetauscht (neue)", "Number swapped in"},
	"event.number.assigned":               {"Mitarbeiter zugeordnet", "Employee assigned"},
	"event.number.unassigned":             {"Zuordnung aufgehoben", "Assignment removed"},
	"event.number.usage_type_changed":     {"Verwendungstyp geändert", "Usage type changed"},
	"event.number.routing_changed":        {"Routing geändert", "Routing changed"},
	"event.tenant.blocklist_changed":      {"Sperrliste geändert", "Block list changed"},
	"event.tenant.created":                {"Konto angelegt", "Account created"},
	"event.staff.created":                 {"Mitarbeiter angelegt", "Employee created"},
	"event.staff.updated":                 {"Mitarbeiter geändert", "Employee changed"},
	"event.staff.locked":                  {"Mitarbeiter gesperrt", "Employee locked"},
	"event.staff.unlocked":                {"Mitarbeiter entsperrt", "Employee unlocked"},
	"event.staff.deleted":                 {"Mitarbeiter gelöscht", "Employee deleted"},
	"event.staff.notification":            {"Benachrichtigung", "Notification"},
	"event.efax.credentials_revoked":      {"E-Fax-Zugangsdaten widerrufen", "E-fax credentials revoked"},

	// the type filter
	"log.type.all":          {"Alle Ereignisse", "All events"},
	"log.type.activation":   {"Aktivierung", "Activation"},
	"log.type.deactivation": {"Deaktivierung", "Deactivation"},
	"log.type.swap":         {"Rufnummerntausch", "Swap"},
	"log.type.assignment":   {"Zuordnung", "Assignment"},
	"log.type.usage":        {"Verwendungstyp", "Usage type"},
	"log.type.routing":      {"Routing", "Routing"},
	"log.type.staff":        {"Mitarbeiter", "Employees"},
	"log.type.efax":         {"E-Fax-App", "E-fax app"},
	"log.type.provisioned":  {"Anlage", "Provisioning"},

	// the page
	"log.title":             {"Protokoll", "Event log"},
	"log.intro":             {"Alle Änderungen an Rufnummern und Mitarbeitern, die neuesten zuerst.", "Every change of numbers and employees, newest first."},
	"log.filter.type":       {"Ereignis", "Event"},
	"log.filter.number":     {"Rufnummer", "Number"},
	"log.filter.number.ph":  {"z. B. 0221 123456-10", "e.g. 0221 123456-10"},
	"log.filter.reset":      {"Filter zurücksetzen", "Reset filters"},
	"log.col.at":            {"Zeitpunkt", "When"},
	"log.col.event":         {"Ereignis", "Event"},
	"log.col.number":        {"Rufnummer", "Number"},
	"log.col.actor":         {"Von", "By"},
	"log.col.details":       {"Details", "Details"},
	"log.empty":             {"Keine Ereignisse für diesen Filter.", "No events match the filter."},
	"log.count":             {"%s Ereignisse", "%s events"},
	"log.count.one":         {"1 Ereignis", "1 event"},
	"log.more":              {"Weitere laden", "Load more"},
	"log.actor.system":      {"System", "System"},
	"log.routing.dropped":   {"Routing gelöscht", "Routing dropped"},
	"log.routing.rules":     {"Regeln: %d → %d", "Rules: %d → %d"},
	"log.purged":            {"%d Einträge gelöscht", "%d records deleted"},
	"log.deactivation.at":   {"zum %s", "effective %s"},
	"log.counterpart":       {"Tausch mit %s", "swapped with %s"},
	"log.consent":           {"Zustimmung: „%s“", "consent: “%s”"},
	"log.staff.prefs":       {"Benachrichtigungen", "notifications"},
	"log.staff.routing.on":  {"darf Routing bearbeiten", "may edit routing"},
	"log.staff.routing.off": {"darf Routing nicht mehr bearbeiten", "may no longer edit routing"},
	"log.staff.data":        {"Stammdaten", "personal data"},

	// statuses, usage types, roles, notification categories
	"status.new":                  {"neu", "new"},
	"status.active":               {"aktiv", "active"},
	"status.deactivation_pending": {"Zur Deaktivierung vorgemerkt", "deactivation pending"},
	"status.inactive":             {"inaktiv", "inactive"},
	"usage.voice":                 {"Sprache", "Voice"},
	"usage.conference":            {"Konferenz", "Conference"},
	"usage.fax_personal":          {"persönliche Faxnummer", "Personal fax number"},
	"usage.fax_shared":            {"gemeinsame Faxnummer", "Shared fax number"},
	"pref.missed_call":            {"verpasste Anrufe", "missed calls"},
	"pref.fax":                    {"Faxe", "faxes"},
	"pref.voicemail":              {"Sprachnachrichten", "voicemail"},
	"pref.other":                  {"andere Ereignisse", "other events"},
}
