package main

import (
	"context"
	"strings"
	"testing"
)

// The main job runs through and prints the overview and the event log.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Summe monatlich 20,70 € zzgl. 19 % MwSt. = 24,63 €",
		"3 Rufnummern aktiviert.",
		"1 Rufnummer(n) deaktiviert.",
		"Die Rufnummer 0221 123456-11 wurde durch 0221 987654 ersetzt.",
		"Rufnummern-Übersicht (11)",
		"Ereignisprotokoll (23)",
		"Die Rufnummer 0221 123456-12 nutzt jetzt Max Muster.",
		"E-Mail an max@muster.example: Verpasster Anruf auf 0221 123456-12 von 0171 2345678",
		"staff.notification",
		"number.swapped_in",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
