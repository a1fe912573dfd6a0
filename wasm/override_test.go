package wasm

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/routing"
)

func TestOverrideChoices(t *testing.T) {
	now := time.Date(2026, 7, 15, 9, 30, 0, 0, time.UTC)
	var over []routing.Override
	require.Equal(t, overrideChoice(""), overrideChoiceOf(over, "buero"))

	over = withOverrideChoice(over, "buero", "force_off/next_change", now)
	require.Equal(t, []routing.Override{{RuleID: "buero", Mode: routing.ForceOff, Until: routing.UntilNextChange, SetAt: now}}, over)
	require.Equal(t, overrideChoice("force_off/next_change"), overrideChoiceOf(over, "buero"))

	// Unchanged: the switch keeps the time it was set.
	require.Equal(t, over, withOverrideChoice(over, "buero", "force_off/next_change", now.Add(time.Hour)))
	// Another choice replaces it; "" removes it; a choice the dialog does not offer changes nothing.
	over = withOverrideChoice(over, "buero", "force_on/permanent", now)
	require.Len(t, over, 1)
	require.Equal(t, routing.ForceOn, over[0].Mode)
	require.Equal(t, over, withOverrideChoice(over, "buero", "force_on/time", now))
	require.Empty(t, withOverrideChoice(over, "buero", "", now))

	// A stored switch until a fixed time is shown as kept and stays as it is.
	at := now.Add(48 * time.Hour)
	timed := []routing.Override{{RuleID: "urlaub", Mode: routing.ForceOn, Until: routing.UntilTime, At: at}}
	require.Equal(t, overrideKeep, overrideChoiceOf(timed, "urlaub"))
	require.Equal(t, timed, withOverrideChoice(timed, "urlaub", overrideKeep, now))
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	require.Equal(t, "eingeschaltet bis 17.07.2026 11:30", overrideLabel(overrideKeep, &timed[0], berlin))

	// The switch of a deleted rule goes with it.
	both := slices.Concat(timed, over)
	require.Equal(t, over, overridesOfRules(both, []ruleForm{{ID: "buero"}}))
}

// The preview follows the switches: office hours switched off send a
// weekday-morning call to the base rule.
func TestEvaluateAtWithOverride(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	plan := routing.Plan{
		Rules: []routing.Rule{{ID: "buero", Name: "Bürozeiten", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets:   []routing.Target{{Kind: routing.TargetExternal, Ref: "+4922112345", RingSeconds: 20}}}},
		Base: routing.BaseRule{Kind: routing.BaseRingingTone},
	}
	at := time.Date(2026, 7, 15, 10, 0, 0, 0, berlin) // a Wednesday
	require.Equal(t, "buero", evaluateAt(plan, ordinaryCall, at, berlin, nil).RuleID)
	off := withOverrideChoice(nil, "buero", "force_off/permanent", at.Add(-time.Hour))
	p := evaluateAt(plan, ordinaryCall, at, berlin, nil, off...)
	require.Empty(t, p.RuleID)
	require.Empty(t, p.Changes, "switched off for good: no change in the week ahead")
}
