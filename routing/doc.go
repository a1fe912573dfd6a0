// Package routing decides where a call to a voice number goes.
//
// A number has a usage type (UsageType, "Verwendungstyp"); only voice
// numbers have a routing Plan: forwarding rules ("Weiterleitungsregeln")
// checked by priority, then the mandatory base rule ("Basisregel"). The
// package holds the plan types, their validation (Validate), the call-time
// decision (Evaluate), the schedule overview (Preview), German public
// holidays per state (Holidays) and an importer for Asterisk/FreePBX time
// specs (ParseAsteriskTimeSpec). Everything here is pure: no I/O, no clock,
// no global mutable state except a cache of holiday tables; it compiles
// for js/wasm and runs in the browser as it does on the server.
//
// # Rules, priority and fall-through
//
// Each Rule has a priority (1 is checked first; priorities are unique, and
// Evaluate breaks ties by position), an Enabled switch, a time Condition, an
// optional CallerFilter and one or more Targets. A call is routed so:
//
//  1. The tenant's Blocklist ("Sperrliste") is checked first; a listed
//     caller is rejected ("nicht erreichbar") and no rule is considered.
//  2. Rules are considered in priority order. A rule applies if it is
//     enabled, its condition holds at the time of the call and its filter
//     (if any) lists the caller. An Override may force a rule on (ignoring
//     Enabled and the condition, not the filter) or off.
//  3. An applying rule rings its targets in order. Targets with Parallel
//     set ring together with the target before them ("Paralleles
//     Klingeln"). A target that answers ends the routing. A busy, offline
//     or DND target is skipped at once; one that rings unanswered is left
//     after its ring duration. A target with unlimited duration ("nach
//     Unbegrenzt") that rings unanswered keeps ringing until the caller
//     hangs up, so nothing after it is reached.
//  4. If no target of the rule answered, the call falls through to the
//     next applying rule ("bei besetzt", "bei Nichterreichbarkeit", "bei
//     Nichtannahme" are all this fall-through), and after the last rule to
//     the base rule: a mailbox, the holder's mailbox, or the ringing tone
//     ("Freizeichen").
//
// A ring group rings all its members; it answers if one of them answers,
// and is busy if none rang and one is busy (so a group whose members are
// all busy is busy and the call falls through).
//
// # Time conditions
//
// Conditions are stored as local wall-clock values: a weekday set, dates
// (with or without a year), times of day as "HH:MM" (minutes since
// midnight), a period of two local date-times, or a German state for its
// public holidays. They never hold a UTC offset; the zone is the tenant's
// IANA zone, passed to Evaluate and Preview. The same plan therefore means
// "09:00 local" in winter and in summer.
//
// Time windows are half-open, [start, end): 08:00–18:00 holds from 08:00:00
// up to 17:59:59.999 and not at 18:00. An end before the start crosses
// midnight: 22:00–06:00 runs into the next day, and the part after midnight
// belongs to the day the window started on. So "Fr 22:00–06:00" holds on
// Saturday 03:00 and not on Friday 03:00, and "Mo–Fr 22:00–06:00" holds
// on Saturday morning but not on Monday morning. The same holds for date
// and holiday windows: a window 20:00–02:00 on 24 December holds until 25
// December 02:00. 00:00–24:00 (or no window) is the whole day.
//
// # Daylight saving time
//
// A window is a predicate on the local wall clock of the instant being
// evaluated: at instant t, take the date and time of day t shows in the
// tenant's zone, and check that date (or the day before, for the part of a
// window after midnight) and that time against the rule. Consequences:
//
//   - Boundaries flip at the local minute, whatever the UTC offset; a rule
//     written as 08:00 starts at 08:00 in winter and in summer.
//   - Spring forward (Europe/Berlin: 02:00 → 03:00): no instant shows a
//     wall time in the gap, so a window starting in the gap (02:30–05:00)
//     becomes true at the first instant after the gap (03:00 CEST), not at
//     03:30 as time.Date(…, 2, 30, …) would suggest; a window lying wholly
//     in the gap never holds that night.
//   - Fall back (03:00 → 02:00): the repeated wall times occur twice, and a
//     window covering them holds in both occurrences.
//   - Days are 23 or 25 hours long on those nights: an all-day rule holds
//     for 23 h or 25 h, an overnight window 22:00–06:00 for 7 h or 9 h.
//
// A period ("nach Zeitraum", CondPeriod) is not recurring, so its two
// bounds are single instants: each is the first instant at which the wall
// clock shows the bound — the first occurrence if the bound lies in a
// repeated hour, the end of the gap if it lies in a skipped one — and the
// period holds in [first(From), first(To)).
//
// Public holidays (CondHolidays) are whole local days (00:00–24:00 local,
// 25 h on a fall-back day) unless windows narrow them. The holidays of all
// 16 states come from github.com/rickar/cal/v2 with corrections (see
// Holidays); Easter is computed, never listed by hand.
//
// # Preview and overrides
//
// Preview lists the instants at which the active rule changes ("Mo 18:00 →
// Basisregel") for an ordinary caller with every target answering; at any
// instant it agrees with Evaluate under AllAnswer. An Override forces a
// rule on or off until the rule's own condition next changes
// (UntilNextChange, like FreePBX's temporary override), until a time, or
// permanently.
//
// # Performance
//
// Evaluate does not allocate in the steady state: options are plain
// values, the trace goes into a caller-owned buffer (WithTrace), holiday
// tables are cached per state and year. BenchmarkEvaluate measures a
// realistic ten-rule plan with holidays and a caller filter.
//
// On the call path, Compile a plan once per version and evaluate the
// Compiled: it orders the rules, resolves conditions and splits caller
// filters once, so an evaluation does only what the call needs, and gives
// exactly Evaluate's Decisions (a differential test compares them on
// random plans, calls and instants). CompileBlocklist does the same for the
// block list (WithCompiledBlocklist). BenchmarkEvaluateVsStraightforward
// compares the compiled plan, Evaluate and a plain hand-written evaluator.
package routing
