package loadtest

import (
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/sqlstore"
	"github.com/numberdesk/numberdesk/wasm/demo"
)

// The load.
const (
	clientCount  = 50
	loadDuration = 30 * time.Second // wall clock; figures are reported, never asserted
	killAfter    = 10 * time.Second
	// killGrace is how long after the restarted process is ready a 5xx or
	// a transport error still counts as part of the kill.
	killGrace = 5 * time.Second

	// The load's own numbers: a block of 200 in a Stammnummer of their own,
	// half of them activated before the load starts.
	loadBlock     = "0221 777000"
	loadBlockE164 = "+49221777000"
	loadFrom      = "100"
	loadTo        = "299"
	preActivated  = 100
)

// The test waits on conditions (a process answers, the outbox is drained,
// a process has stopped) without deadlines of its own: a slow, busy machine
// makes it slower, never red, and a condition that never comes is the test
// binary's -timeout. The drain includes the dispatcher's lease (1 minute by
// default): the events the killed process had claimed are delivered again
// only once their lease has run out.

// secret is the -secret of both processes (quote tokens and cursors signed
// by one are accepted by the other).
const secret = "the load test's secret, the same on both portal processes"

// TestLoadAndKill: two portal processes on one PostgreSQL schema, both
// running the dispatcher and ApplyDue, serve 50 concurrent API clients for
// 30 s (activate, deactivate, withdraw, swap, assign, routing saves,
// overview reads); after 10 s one is killed with SIGKILL and started again
// with the same flags. Afterwards, with every delivery done and both
// processes stopped: every number's state is what its last event says;
// the billing feed balances (per number and per line: intervals open and
// close in turn, never overlap, a billed number has exactly one open
// interval); every event was delivered, and the SMTP sink received the mail
// of every mail-producing event, exactly once after de-duplication by
// event; no 5xx and no transport error happened outside the kill. The
// throughput and p50/p99 per route are reported.
func TestLoadAndKill(t *testing.T) {
	if testing.Short() {
		t.Skip("load-and-kill test: builds and runs two portal processes for about a minute")
	}
	dsn := postgresSchema(t)
	// The processes' connections carry an application_name of their own,
	// so that the test can count them.
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	appName := "numberdesk-loadtest-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	q := u.Query()
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()
	dsn = u.String()
	testStart := time.Now()
	ctx := t.Context()
	dir := t.TempDir()

	bin := buildPortal(t, dir)
	t.Logf("built the portal in %v", time.Since(testStart).Round(time.Millisecond))
	mail := newSink(t)
	web := webDir(t, dir)
	args := []string{"-db", dsn, "-secret", secret, "-demo", "-smtp", mail.url(), "-web", web}
	procs := []*portal{
		newPortal(t, "portal-A", bin, dir, args...),
		newPortal(t, "portal-B", bin, dir, args...),
	}
	failWithLogs := func(format string, args ...any) {
		t.Helper()
		for _, p := range procs {
			t.Logf("---- %s, end of its log:\n%s", p.name, p.logTail(40))
		}
		t.Fatalf(format, args...)
	}
	// Both start at once: the first seeds the demo tenant, the other finds it.
	for _, p := range procs {
		require.NoError(t, p.start())
	}
	var ready sync.WaitGroup
	readyErr := make([]error, len(procs))
	for i, p := range procs {
		ready.Go(func() { readyErr[i] = p.waitReady(ctx) })
	}
	ready.Wait()
	if err := errors.Join(readyErr...); err != nil {
		failWithLogs("%v", err)
	}

	db, err := sql.Open("pgx", strings.Replace(dsn, appName, appName+"-checker", 1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() }) // before the schema is dropped
	st := sqlstore.New(db, sqlstore.Postgres)
	tenant := demo.TenantID

	// The demo tenant's accounts: the owner runs every command, the
	// manager assigns and saves routing; numbers go to anyone not locked.
	es, _, err := st.FindEmployees(ctx, tenant, staff.Filter{})
	require.NoError(t, err)
	var owner, manager numberdesk.StaffID
	var assignees []numberdesk.StaffID
	for _, e := range es {
		switch e.Role {
		case numberdesk.RoleOwner:
			owner = e.ID
		case numberdesk.RoleManager:
			manager = e.ID
		}
		if !e.Locked {
			assignees = append(assignees, e.ID)
		}
	}
	require.NotEmpty(t, owner, "the demo tenant's owner")
	require.NotEmpty(t, manager, "the demo tenant's manager")

	// Set-up through the API: the load's block, half of it activated.
	rec := &recorder{}
	ops := &opStats{}
	up := make([]atomic.Int64, len(procs))
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	setup := newAPIClient(-1, procs, up, 0, seed, &recorder{}, &opStats{}, nil)
	defer setup.close()
	require.NoError(t, setup.login(ctx, owner, numberdesk.RoleOwner))
	res, err := setup.post(ctx, "setup", "/api/v1/numbers", map[string]any{
		"number": loadBlock, "extension_from": loadFrom, "extension_to": loadTo})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.status, "provisioning the load's block: %s", res.body)
	var provisioned struct {
		Items []*numbers.Number `json:"items"`
	}
	require.NoError(t, res.decode(&provisioned))
	require.Len(t, provisioned.Items, 200)
	var ids []numberdesk.NumberID
	for _, n := range provisioned.Items[:preActivated] {
		ids = append(ids, n.ID)
	}
	res, err = setup.post(ctx, "setup", "/api/v1/quotes", map[string]any{"numbers": ids})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, res.status, "%s", res.body)
	var quote struct {
		Token string `json:"token"`
	}
	require.NoError(t, res.decode(&quote))
	res, err = setup.post(ctx, "setup", "/api/v1/activations", map[string]any{"quote_token": quote.Token})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	var activated numbers.ActivateResult
	require.NoError(t, res.decode(&activated))
	require.Equal(t, preActivated, activated.Activated())
	for _, n := range provisioned.Items[:preActivated] {
		n.Status = numbers.StatusActive
	}
	fl := newFleet(provisioned.Items)

	// The clients, logged in on their home process.
	clients := make([]*apiClient, clientCount)
	for i := range clients {
		c := newAPIClient(i, procs, up, i%len(procs), seed, rec, ops, fl)
		c.staffs = assignees
		staffID, role := owner, numberdesk.RoleOwner
		if i%4 == 3 {
			staffID, role = manager, numberdesk.RoleManager
		}
		require.NoError(t, c.login(ctx, staffID, role))
		clients[i] = c
		defer c.close()
	}

	// The load, and the kill of process B after killAfter. The load lasts
	// loadDuration, and at least killGrace beyond the restart (on a slow
	// machine the restart may take long).
	victim := procs[1]
	loadStart := time.Now()
	loadEnd := loadStart.Add(loadDuration)
	var killAt, readyAt time.Time
	var restartErr error
	var pastRestart atomic.Bool
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		defer pastRestart.Store(true)
		timer := time.NewTimer(killAfter)
		defer timer.Stop()
		<-timer.C
		killAt = time.Now()
		victim.kill()
		if restartErr = victim.start(); restartErr != nil {
			return
		}
		if restartErr = victim.waitReady(ctx); restartErr != nil {
			return
		}
		readyAt = time.Now()
		up[1].Add(1)
		timer.Reset(killGrace)
		<-timer.C
	}()
	// The processes' PostgreSQL connections, sampled during the load.
	var peakConns atomic.Int64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			var n int64
			if db.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", appName).Scan(&n) == nil && n > peakConns.Load() {
				peakConns.Store(n)
			}
			select {
			case <-sampling:
				return
			case <-tick.C:
			}
		}
	}()
	var load sync.WaitGroup
	for _, c := range clients {
		load.Go(func() {
			for (time.Now().Before(loadEnd) || !pastRestart.Load()) && ctx.Err() == nil {
				c.step(ctx)
			}
		})
	}
	load.Wait()
	loadElapsed := time.Since(loadStart)
	close(sampling)
	<-sampled
	<-killed
	if restartErr != nil {
		failWithLogs("restarting %s: %v", victim.name, restartErr)
	}

	// Every delivery done: no pending event left in the outbox (the events
	// the killed process had claimed come back once their lease runs out).
	drainStart := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		_, pending, err := st.FindDeliveries(ctx, tenant, notify.DeliveryFilter{States: []notify.State{notify.StatePending}, Limit: 1})
		if err == nil && pending == 0 {
			break
		}
		for _, p := range procs {
			if done, werr := p.exited(); done {
				failWithLogs("%s exited while the outbox drained: %v", p.name, werr)
			}
		}
		select {
		case <-ctx.Done():
			failWithLogs("the test ended with %d pending deliveries in the outbox (last error %v)", pending, err)
		case <-tick.C:
		}
	}
	drainElapsed := time.Since(drainStart)

	// Both processes stop gracefully.
	var stops sync.WaitGroup
	stopErr := make([]error, len(procs))
	for i, p := range procs {
		stops.Go(func() { stopErr[i] = p.stop() })
	}
	stops.Wait()
	if err := errors.Join(stopErr...); err != nil {
		failWithLogs("%v", err)
	}

	// ---- The invariants, on the database.
	now := time.Now()
	var p problems
	require.NoError(t, checkLedger(ctx, st, tenant, now, &p))
	byState, _, err := checkDeliveries(ctx, st, tenant, &p)
	require.NoError(t, err)
	want, err := expectedMails(ctx, st, tenant)
	require.NoError(t, err)
	got, received, broken := mail.counts()
	duplicates := 0
	for id, n := range got {
		duplicates += n - 1
		if _, ok := want[id]; !ok {
			p.addf("the sink received %d mail(s) for event %s, which should have none", n, id)
		}
	}
	for id, typ := range want {
		if got[id] == 0 {
			p.addf("no mail for event %s (%s)", id, typ)
		}
	}
	for _, b := range broken {
		p.addf("a mail without its event: %s", b)
	}
	p.count("mails expected", len(want))

	// 5xx and transport errors: only around the kill.
	samples := rec.all()
	windowEnd := readyAt.Add(killGrace)
	inWindow := func(s sample) bool { return !s.end.Before(killAt) && !s.end.After(windowEnd) }
	var (
		fivexxIn, fivexxOut, transIn, transOut, unexpected, replayed, retries int
		perServer                                                             [2][2]int // server × before/after the restart
	)
	var outside []string
	for _, s := range samples {
		if s.retry {
			retries++
		}
		if s.replayed {
			replayed++
		}
		if s.status != 0 {
			phase := 0
			if !readyAt.IsZero() && s.end.After(readyAt) {
				phase = 1
			}
			perServer[s.server][phase]++
		}
		switch {
		case s.status == 0 && inWindow(s):
			transIn++
		case s.status == 0:
			transOut++
			outside = append(outside, fmt.Sprintf("transport error at +%v on %s: %s %s", s.end.Sub(loadStart).Round(time.Millisecond), procs[s.server].name, s.route, s.err))
		case s.status >= 500 && inWindow(s):
			fivexxIn++
		case s.status >= 500:
			fivexxOut++
			outside = append(outside, fmt.Sprintf("%d at +%v on %s: %s %s", s.status, s.end.Sub(loadStart).Round(time.Millisecond), procs[s.server].name, s.route, s.detail))
		case classify(s.status) == outcomeUnexpected:
			unexpected++
			if unexpected <= 10 {
				t.Errorf("unexpected %d on %s (%s): %s", s.status, s.route, s.operation, s.detail)
			}
		}
	}

	// ---- The report.
	var b strings.Builder
	total := len(samples)
	opsTotal := 0
	kinds := make([]string, 0, len(ops.counts))
	for k, c := range ops.counts {
		kinds = append(kinds, k)
		for _, n := range c {
			opsTotal += n
		}
	}
	sort.Strings(kinds)
	fmt.Fprintf(&b, "load: %d clients for %v on 2 processes; %s killed at +%v, ready again at +%v (down %v)\n",
		clientCount, loadElapsed.Round(time.Millisecond), victim.name, killAt.Sub(loadStart).Round(time.Millisecond),
		readyAt.Sub(loadStart).Round(time.Millisecond), readyAt.Sub(killAt).Round(time.Millisecond))
	fmt.Fprintf(&b, "throughput: %d operations (%.0f ops/s), %d HTTP requests (%.0f req/s)\n",
		opsTotal, float64(opsTotal)/loadElapsed.Seconds(), total, float64(total)/loadElapsed.Seconds())
	fmt.Fprintf(&b, "%-38s %7s %7s %7s %5s %5s %6s %8s %10s %10s\n", "route", "reqs", "2xx", "domain", "4xx?", "5xx", "transp", "req/s", "p50", "p99")
	for _, r := range summarize(samples) {
		fmt.Fprintf(&b, "%-38s %7d %7d %7d %5d %5d %6d %8.1f %10s %10s\n", r.route, r.requests, r.ok, r.domain, r.other4xx, r.s5xx,
			r.transport, float64(r.requests)/loadElapsed.Seconds(), ms(r.p50), ms(r.p99))
	}
	fmt.Fprintf(&b, "%-12s", "operation")
	for _, n := range outcomeNames {
		fmt.Fprintf(&b, " %14s", n)
	}
	b.WriteString("\n")
	for _, k := range kinds {
		fmt.Fprintf(&b, "%-12s", k)
		for _, n := range ops.counts[k] {
			fmt.Fprintf(&b, " %14d", n)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "errors: expected domain errors (404/409/412) %d; transport errors %d in the kill window, %d outside; 5xx %d in the kill window, %d outside; other 4xx %d\n",
		countDomain(samples), transIn, transOut, fivexxIn, fivexxOut, unexpected)
	fmt.Fprintf(&b, "expected domain errors by status: %v\n", domainByStatus(samples))
	fmt.Fprintf(&b, "latency of all routes (p50 / p99): before the kill %s, in the kill window %s, after it %s\n",
		phaseLatency(samples, func(s sample) bool { return s.end.Before(killAt) }),
		phaseLatency(samples, inWindow),
		phaseLatency(samples, func(s sample) bool { return s.end.After(windowEnd) }))
	fmt.Fprintf(&b, "retries after a transport error %d, of which replayed by idempotency key %d\n", retries, replayed)
	fmt.Fprintf(&b, "requests answered: %s %d before / %d after the restart; %s %d before / %d after\n",
		procs[0].name, perServer[0][0], perServer[0][1], procs[1].name, perServer[1][0], perServer[1][1])
	fmt.Fprintf(&b, "outbox: %v; drained %v after the load; mails received %d, distinct events %d, expected %d, duplicates %d\n",
		byState, drainElapsed.Round(time.Millisecond), received, len(got), len(want), duplicates)
	fmt.Fprintf(&b, "checked: %v\n", p.checked)
	fmt.Fprintf(&b, "PostgreSQL connections of both processes: at most %d (sampled every 200 ms during the load)\n", peakConns.Load())
	fmt.Fprintf(&b, "log lines with level=ERROR or \"ERROR\": %s %d, %s %d\n", procs[0].name, procs[0].logCount("ERROR"), procs[1].name, procs[1].logCount("ERROR"))
	fmt.Fprintf(&b, "whole test %v", time.Since(testStart).Round(time.Millisecond))
	t.Log("\n" + b.String())

	defer func() {
		if t.Failed() {
			for _, p := range procs {
				t.Logf("---- %s, end of its log:\n%s", p.name, p.logTail(40))
			}
		}
	}()
	for _, s := range outside {
		t.Errorf("outside the kill window: %s", s)
	}
	if len(p.list) > 0 {
		t.Errorf("%d invariant violations:\n%s", p.n, strings.Join(p.list, "\n"))
	}
	// The load did what it is for: each operation succeeded at least once,
	// and the restarted process served requests.
	for _, k := range ownerOps {
		if c := ops.counts[k]; c == nil || c[outcomeOK] == 0 {
			t.Errorf("operation %s never succeeded", k)
		}
	}
	if perServer[1][1] == 0 {
		t.Errorf("%s served no request after its restart", victim.name)
	}
}

// domainByStatus counts the expected domain errors by status.
func domainByStatus(samples []sample) map[int]int {
	m := map[int]int{}
	for _, s := range samples {
		if s.status != 0 && classify(s.status) == outcomeDomain {
			m[s.status]++
		}
	}
	return m
}

// phaseLatency is the p50 / p99 of the answered requests that match.
func phaseLatency(samples []sample, match func(sample) bool) string {
	var ds []time.Duration
	for _, s := range samples {
		if s.status != 0 && match(s) {
			ds = append(ds, s.dur)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return fmt.Sprintf("%s / %s (%d requests)", ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), len(ds))
}

// countDomain counts the expected domain errors.
func countDomain(samples []sample) int {
	n := 0
	for _, s := range samples {
		if s.status != 0 && classify(s.status) == outcomeDomain {
			n++
		}
	}
	return n
}
