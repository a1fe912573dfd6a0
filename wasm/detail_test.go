package wasm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/wasm/demo"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// detailOfSeed lays out the detail view of the seed number display at the
// demo's clock, as DetailDialog does.
func detailOfSeed(t *testing.T, d *demo.Demo, display string) NumberDetail {
	t.Helper()
	ctx := context.Background()
	api := Local{d}
	p, err := api.Overview(ctx, numbers.Query{Limit: 100})
	require.NoError(t, err)
	for _, n := range p.Numbers {
		if n.Display() != display {
			continue
		}
		evs, err := api.History(ctx, n.ID)
		require.NoError(t, err)
		names, err := api.Names(ctx)
		require.NoError(t, err)
		settings, err := api.Routing(ctx, n.ID)
		require.NoError(t, err)
		return DetailOf(n, evs, settings, names, api.Location(), demoNames)
	}
	t.Fatalf("no number %s in the seed", display)
	return NumberDetail{}
}

// requested returns the effective instant of the last deactivation request
// in the history of the number display.
func requested(t *testing.T, d *demo.Demo, display string) time.Time {
	t.Helper()
	evs, err := Local{d}.Events(context.Background(), numberdesk.EventFilter{Types: []numberdesk.EventType{numbers.EventDeactivationRequested}})
	require.NoError(t, err)
	var at time.Time
	for _, e := range evs {
		var data numbers.EventData
		require.NoError(t, e.Decode(&data))
		if data.Display == display {
			at = data.After.DeactivationAt
		}
	}
	require.False(t, at.IsZero(), "no deactivation of %s", display)
	return at
}

// The Kündigungsdatum is the last day of the deactivation: of a pending
// one, and of the one that made a number inactive, whether ApplyDue has
// stored that yet or not (time decides).
func TestDetailCancellationDate(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	i18n.SetLang(i18n.DE)
	now := time.Now()
	clock := func() time.Time { return now }
	d, err := demo.Seed(context.Background(), 0, demo.Config{Clock: clock})
	require.NoError(t, err)
	loc := d.Location()
	day := func(effective time.Time) string { return numbers.FormatDate(numbers.NoticeDate(effective, loc)) }

	pending := detailOfSeed(t, d, "0221 123456-15")
	require.Equal(t, numbers.StatusDeactivationPending, pending.Status)
	require.Equal(t, day(requested(t, d, "0221 123456-15")), pending.Cancellation)
	require.Contains(t, pending.CancellationNote, "vorgemerkt")

	inactive := detailOfSeed(t, d, "0221 123456-16")
	require.Equal(t, numbers.StatusInactive, inactive.Status)
	require.NotEmpty(t, inactive.Cancellation)
	require.Equal(t, day(requested(t, d, "0221 123456-16")), inactive.Cancellation)
	require.Contains(t, inactive.CancellationNote, "wirksam geworden")
	require.NotEmpty(t, inactive.Activated) // it was active once

	// Past 15's effective instant, without ApplyDue: inactive, and the
	// view still names the date it ended.
	effective := requested(t, d, "0221 123456-15")
	now = effective.Add(time.Minute)
	lapsed := detailOfSeed(t, d, "0221 123456-15")
	require.Equal(t, numbers.StatusInactive, lapsed.Status)
	require.Equal(t, day(effective), lapsed.Cancellation)
	require.Equal(t, numbers.EventDeactivated, lapsed.History[0].Type, "the lapse is the newest event")

	// Numbers without a deactivation have none.
	for _, display := range []string{"0221 123456-10", "0221 123456-19"} {
		v := detailOfSeed(t, d, display)
		require.Empty(t, v.Cancellation, display)
		require.Empty(t, v.CancellationNote, display)
	}
}

// The view shows the number in both forms, its facts and its history newest
// first, in the event log's words.
func TestDetailFactsAndHistory(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	i18n.SetLang(i18n.DE)
	d, err := demo.Seed(context.Background(), 0, demo.Config{})
	require.NoError(t, err)
	v := detailOfSeed(t, d, "0221 123456-18")
	require.Equal(t, "0221 123456-18", v.Display)
	require.Equal(t, "+4922112345618", v.E164)
	require.Equal(t, "aktiv", v.StatusLabel)
	require.Equal(t, "gemeinsame Faxnummer", v.Usage)
	require.Equal(t, "Max Muster, Erika Beispiel", v.Holders)
	require.Equal(t, "neu bestellt", v.Origin)
	require.Empty(t, v.PortingDate)
	require.NotEmpty(t, v.Activated)
	require.NotEmpty(t, v.History)
	labels := map[numberdesk.EventType]string{}
	for i, r := range v.History {
		if i > 0 {
			require.GreaterOrEqual(t, v.History[i-1].Seq, r.Seq, "newest first")
		}
		labels[r.Type] = r.Label
	}
	require.Equal(t, eventLabel(numbers.EventProvisioned), labels[numbers.EventProvisioned])
	require.Equal(t, eventLabel(numbers.EventActivated), labels[numbers.EventActivated])
	require.Contains(t, labels, numbers.EventAssigned)
	require.Equal(t, numbers.EventProvisioned, v.History[len(v.History)-1].Type, "the oldest last")

	ported := detailOfSeed(t, d, "030 4455667")
	require.Equal(t, "portiert", ported.Origin)
	require.NotEmpty(t, ported.PortingDate)
	require.Empty(t, ported.Activated)
}

// The routing summary says what the plan does: the first rule that applies
// with its targets, then the base rule; no routing for other usage types;
// no calls for a number that is not active.
func TestRoutingSummary(t *testing.T) {
	defer i18n.SetLang(i18n.DE)
	i18n.SetLang(i18n.DE)
	active := &numbers.Number{Status: numbers.StatusActive, UsageType: routing.UsageVoice}
	plan := &routing.Settings{Plan: demo.OfficeHours()}
	got := RoutingSummary(active, plan, demoNames)
	require.Len(t, got, 2)
	require.Equal(t, "Regel „Bürozeiten“ (Mo–Fr 08:00–18:00): Anrufe klingeln bei Endgerät „Tischtelefon Max“ (20 s), dann externe Rufnummer 0151 12345678 (30 s).", got[0])
	require.Equal(t, "Sonst (Basisregel): eigene Mailbox.", got[1])

	// A switched-off rule does not count; the next one by priority does.
	p := demo.OfficeHours()
	p.Rules[0].Enabled = false
	p.Rules = append(p.Rules, routing.Rule{ID: "immer", Name: "Immer", Priority: 2, Enabled: true, Condition: routing.Always(),
		Targets: []routing.Target{{Kind: routing.TargetMailbox, Ref: "mb-zentrale"}}},
		routing.Rule{ID: "spaet", Name: "Spät", Priority: 3, Enabled: true, Condition: routing.Always(),
			Targets: []routing.Target{{Kind: routing.TargetRingGroup, Ref: "rg-vertrieb", RingSeconds: 15}}})
	got = RoutingSummary(active, &routing.Settings{Plan: p}, demoNames)
	require.True(t, strings.HasPrefix(got[0], "Regel „Immer“ (immer (ohne Regel)): Anrufe klingeln bei Mailbox"), got[0])
	require.Contains(t, got[0], "Dazu kommt eine weitere Regel.")

	require.Equal(t, []string{"Alle Anrufe gehen an: Mailbox (Standardansage)."},
		RoutingSummary(active, &routing.Settings{Plan: routing.DefaultPlan()}, demoNames))
	fax := &numbers.Number{Status: numbers.StatusActive, UsageType: routing.UsageFaxPersonal}
	require.Equal(t, []string{"Nur Sprach-Rufnummern haben ein Routing; diese ist eine persönliche Faxnummer."}, RoutingSummary(fax, nil, nil))
	inactive := &numbers.Number{Status: numbers.StatusInactive, UsageType: routing.UsageVoice}
	require.Equal(t, []string{"Die Rufnummer ist nicht aktiv: Anrufe werden nicht zugestellt."},
		RoutingSummary(inactive, &routing.Settings{Plan: routing.DefaultPlan()}, nil))
	// A new number set up before its activation: what will happen.
	fresh := &numbers.Number{Status: numbers.StatusNew, UsageType: routing.UsageVoice}
	got = RoutingSummary(fresh, plan, demoNames)
	require.Len(t, got, 3)
	require.Equal(t, "Die Rufnummer ist nicht aktiv: Anrufe werden nicht zugestellt.", got[0])
	require.Contains(t, got[1], "Bürozeiten")

	i18n.SetLang(i18n.EN)
	got = RoutingSummary(active, plan, demoNames)
	require.True(t, strings.HasPrefix(got[0], "Rule “Bürozeiten”"), got[0])
	require.Equal(t, "Otherwise (base rule): the holder's mailbox.", got[1])
}
