package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// maxAttempts bounds the attempts of one request across both servers after
// transport errors (the first included).
const maxAttempts = 6

// sample is one HTTP attempt.
type sample struct {
	route     string
	server    int
	status    int // 0: no response (transport error)
	err       string
	end       time.Time // when the response (or the error) came
	dur       time.Duration
	replayed  bool // Idempotent-Replayed: true
	retry     bool // a repetition after a transport error
	detail    string
	operation string
}

// recorder keeps every sample.
type recorder struct {
	mu      sync.Mutex
	samples []sample
}

func (r *recorder) add(s sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

func (r *recorder) all() []sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.samples)
}

// outcome is how a logical operation ended.
type outcome int

const (
	outcomeOK         outcome = iota // every request 2xx
	outcomeDomain                    // an expected domain error: 404, 409, 412
	outcomeUnexpected                // another 4xx
	outcomeServer                    // 5xx
	outcomeTransport                 // no response after maxAttempts
)

var outcomeNames = [...]string{"ok", "domain", "unexpected_4xx", "5xx", "transport"}

// expectedDomain are the statuses a race makes expected: a number changed
// by another client (409 precondition or conflict, 412 stale If-Match, 404
// of a quote's number that is gone).
func expectedDomain(status int) bool {
	return status == http.StatusNotFound || status == http.StatusConflict || status == http.StatusPreconditionFailed
}

func classify(status int) outcome {
	switch {
	case status >= 200 && status < 300:
		return outcomeOK
	case status >= 500:
		return outcomeServer
	case expectedDomain(status):
		return outcomeDomain
	}
	return outcomeUnexpected
}

// opStats counts the logical operations by kind and outcome.
type opStats struct {
	mu     sync.Mutex
	counts map[string]*[len(outcomeNames)]int
}

func (o *opStats) add(kind string, out outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[string]*[len(outcomeNames)]int{}
	}
	c := o.counts[kind]
	if c == nil {
		c = new([len(outcomeNames)]int)
		o.counts[kind] = c
	}
	c[out]++
}

// fleet is the clients' shared, approximate view of the load's numbers:
// the status each had in the last response that showed it. Clients pick
// numbers that suit an operation by it; a stale view only makes more
// expected domain errors.
type fleet struct {
	mu     sync.Mutex
	ids    []numberdesk.NumberID
	status map[numberdesk.NumberID]numbers.Status
}

func newFleet(ns []*numbers.Number) *fleet {
	f := &fleet{status: map[numberdesk.NumberID]numbers.Status{}}
	for _, n := range ns {
		f.ids = append(f.ids, n.ID)
		f.status[n.ID] = n.Status
	}
	return f
}

// note records the statuses of numbers in a response.
func (f *fleet) note(ns ...*numbers.Number) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range ns {
		if n == nil {
			continue
		}
		if _, ok := f.status[n.ID]; ok {
			f.status[n.ID] = n.Status
		}
	}
}

// forget drops what the view knows of numbers a command found in another
// state: they are picked by status again once an overview shows them.
func (f *fleet) forget(ids ...numberdesk.NumberID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		if _, ok := f.status[id]; ok {
			f.status[id] = ""
		}
	}
}

func (f *fleet) set(id numberdesk.NumberID, s numbers.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.status[id]; ok {
		f.status[id] = s
	}
}

// pick returns up to n distinct numbers: mostly of the wanted statuses, now
// and then any (so that the view cannot starve an operation).
func (f *fleet) pick(r *rand.Rand, n int, want ...numbers.Status) []numberdesk.NumberID {
	f.mu.Lock()
	defer f.mu.Unlock()
	var cand []numberdesk.NumberID
	if r.IntN(10) > 0 {
		for _, id := range f.ids {
			if slices.Contains(want, f.status[id]) {
				cand = append(cand, id)
			}
		}
	}
	if len(cand) == 0 {
		cand = f.ids
	}
	out := make([]numberdesk.NumberID, 0, n)
	for _, i := range r.Perm(len(cand)) {
		if len(out) == n {
			break
		}
		out = append(out, cand[i])
	}
	return out
}

// apiClient is one API client: its own cookie jar (one session, valid on
// both processes, which share the database) and connections. It talks to
// its home process; after a transport error it switches to the other one
// and repeats the request there (a POST with the same Idempotency-Key),
// and it goes home again once the test saw its home process restarted (as
// a load balancer's health check would).
type apiClient struct {
	id      int
	role    numberdesk.Role
	staff   numberdesk.StaffID
	servers []*portal
	up      []atomic.Int64 // per server: generation, increased when it is ready again
	home    int
	cur     int
	leftGen int64
	http    *http.Client
	rng     *rand.Rand
	rec     *recorder
	ops     *opStats
	fleet   *fleet
	staffs  []numberdesk.StaffID // whom numbers are assigned to
	op      string               // the operation running, for the samples
}

func newAPIClient(id int, servers []*portal, up []atomic.Int64, home int, seed uint64, rec *recorder, ops *opStats, fl *fleet) *apiClient {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	return &apiClient{
		id: id, servers: servers, up: up, home: home, cur: home,
		http: &http.Client{Jar: jar, Transport: tr, Timeout: 2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		rng: rand.New(rand.NewPCG(seed, uint64(id))), rec: rec, ops: ops, fleet: fl,
	}
}

func (c *apiClient) close() { c.http.CloseIdleConnections() }

// response is an HTTP response read completely.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) decode(v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("decoding %d response: %w: %.200s", r.status, err, r.body)
	}
	return nil
}

// do sends one request (route names it in the report), repeating it on the
// other server after a transport error, at most maxAttempts times. A POST
// carries key as its Idempotency-Key on every attempt.
func (c *apiClient) do(ctx context.Context, route, method, path string, in any, header map[string]string) (*response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = b
	}
	var lastErr error
	for attempt := range maxAttempts {
		if c.cur != c.home && c.up[c.home].Load() > c.leftGen {
			c.cur = c.home
		}
		server := c.cur
		base := c.servers[server].base
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body == nil {
			req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		if method != http.MethodGet {
			req.Header.Set("Origin", base) // same-origin for CrossOriginProtection
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		start := time.Now()
		res, err := c.http.Do(req)
		var rb []byte
		if err == nil {
			rb, err = io.ReadAll(res.Body)
			_ = res.Body.Close()
		}
		end := time.Now()
		s := sample{route: route, server: server, end: end, dur: end.Sub(start), retry: attempt > 0, operation: c.op}
		if err != nil {
			s.err = err.Error()
			c.rec.add(s)
			lastErr = err
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// Switch to the other process and repeat there at once: only
			// one process is ever killed, so the other answers (no pause
			// in seconds that a busy machine could outlast).
			if c.cur == c.home {
				c.leftGen = c.up[c.home].Load()
			}
			c.cur = 1 - c.cur
			continue
		}
		s.status = res.StatusCode
		s.replayed = res.Header.Get("Idempotent-Replayed") == "true"
		if res.StatusCode >= 400 && !expectedDomain(res.StatusCode) {
			s.detail = fmt.Sprintf("%.300s", rb)
		}
		c.rec.add(s)
		return &response{status: res.StatusCode, header: res.Header, body: rb}, nil
	}
	return nil, fmt.Errorf("%w: %s %s after %d attempts: %v", errTransport, method, path, maxAttempts, lastErr)
}

// post sends a POST with a new Idempotency-Key (the same on every attempt).
func (c *apiClient) post(ctx context.Context, route, path string, in any) (*response, error) {
	return c.do(ctx, route, http.MethodPost, path, in, map[string]string{"Idempotency-Key": uuid.NewString()})
}

// login starts the client's session on its home process: POST /login of
// the demo mode with the staff ID, same-origin.
func (c *apiClient) login(ctx context.Context, staff numberdesk.StaffID, role numberdesk.Role) error {
	c.staff, c.role = staff, role
	base := c.servers[c.home].base
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"staff": {string(staff)}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("login of %s: status %d", staff, res.StatusCode)
	}
	u, _ := url.Parse(base)
	if len(c.http.Jar.Cookies(u)) == 0 {
		return errors.New("login: no session cookie")
	}
	return nil
}

// finish counts the operation by the last response (or error).
func (c *apiClient) finish(kind string, res *response, err error) {
	switch {
	case err != nil && errors.Is(err, errTransport):
		c.ops.add(kind, outcomeTransport)
	case err != nil:
		c.ops.add(kind, outcomeUnexpected)
	default:
		c.ops.add(kind, classify(res.status))
	}
}

// The operations. Owners run all of them, managers assign, routing and the
// overview.
var (
	ownerOps   = []string{"activate", "deactivate", "withdraw", "swap", "assign", "routing", "overview"}
	managerOps = []string{"assign", "routing", "overview"}
)

// step runs one random operation.
func (c *apiClient) step(ctx context.Context) {
	ops := managerOps
	if c.role == numberdesk.RoleOwner {
		ops = ownerOps
	}
	kind := ops[c.rng.IntN(len(ops))]
	c.op = kind
	var (
		res *response
		err error
	)
	switch kind {
	case "activate":
		res, err = c.activate(ctx)
	case "deactivate":
		res, err = c.deactivate(ctx)
	case "withdraw":
		res, err = c.withdraw(ctx)
	case "swap":
		res, err = c.swap(ctx)
	case "assign":
		res, err = c.assign(ctx)
	case "routing":
		res, err = c.saveRouting(ctx)
	case "overview":
		res, err = c.overview(ctx)
	}
	c.finish(kind, res, err)
}

// forgetOn forgets the numbers of a command that met another state (409).
func (c *apiClient) forgetOn(res *response, ids ...numberdesk.NumberID) {
	if res != nil && res.status == http.StatusConflict {
		c.fleet.forget(ids...)
	}
}

func numberPath(id numberdesk.NumberID, rest string) string {
	return "/api/v1/numbers/" + url.PathEscape(string(id)) + rest
}

// activate: the cost overview of 1 to 3 new or inactive numbers, then its
// acceptance.
func (c *apiClient) activate(ctx context.Context) (*response, error) {
	ids := c.fleet.pick(c.rng, 1+c.rng.IntN(3), numbers.StatusNew, numbers.StatusInactive)
	res, err := c.post(ctx, "POST /api/v1/quotes", "/api/v1/quotes", map[string]any{"numbers": ids})
	if err != nil || res.status != http.StatusCreated {
		c.forgetOn(res, ids...)
		return res, err
	}
	var q struct {
		Token string `json:"token"`
	}
	if err := res.decode(&q); err != nil {
		return nil, err
	}
	res, err = c.post(ctx, "POST /api/v1/activations", "/api/v1/activations", map[string]any{"quote_token": q.Token})
	if err != nil || res.status != http.StatusOK {
		c.forgetOn(res, ids...)
		return res, err
	}
	var out numbers.ActivateResult
	if err := res.decode(&out); err != nil {
		return nil, err
	}
	for _, r := range out.Results {
		if r.Outcome == numbers.OutcomeActivated {
			c.fleet.set(r.Number, numbers.StatusActive)
		}
	}
	return res, nil
}

func (c *apiClient) deactivate(ctx context.Context) (*response, error) {
	id := c.fleet.pick(c.rng, 1, numbers.StatusActive)[0]
	res, err := c.post(ctx, "POST /api/v1/numbers/{id}/deactivate", numberPath(id, "/deactivate"), struct{}{})
	if err == nil && res.status == http.StatusOK {
		var d struct {
			Number *numbers.Number `json:"number"`
		}
		if err := res.decode(&d); err != nil {
			return nil, err
		}
		c.fleet.note(d.Number)
	}
	c.forgetOn(res, id)
	return res, err
}

func (c *apiClient) withdraw(ctx context.Context) (*response, error) {
	id := c.fleet.pick(c.rng, 1, numbers.StatusDeactivationPending)[0]
	res, err := c.post(ctx, "POST /api/v1/numbers/{id}/withdraw", numberPath(id, "/withdraw"), struct{}{})
	if err == nil && res.status == http.StatusOK {
		var n numbers.Number
		if err := res.decode(&n); err != nil {
			return nil, err
		}
		c.fleet.note(&n)
	}
	c.forgetOn(res, id)
	return res, err
}

func (c *apiClient) swap(ctx context.Context) (*response, error) {
	old := c.fleet.pick(c.rng, 1, numbers.StatusActive, numbers.StatusDeactivationPending)[0]
	var nw numberdesk.NumberID
	for nw == "" || nw == old {
		nw = c.fleet.pick(c.rng, 1, numbers.StatusNew, numbers.StatusInactive)[0]
	}
	res, err := c.post(ctx, "POST /api/v1/numbers/{id}/swap", numberPath(old, "/swap"), map[string]any{"new": nw})
	if err == nil && res.status == http.StatusOK {
		var r struct {
			Old *numbers.Number `json:"old"`
			New *numbers.Number `json:"new"`
		}
		if err := res.decode(&r); err != nil {
			return nil, err
		}
		c.fleet.note(r.Old, r.New)
	}
	c.forgetOn(res, old, nw)
	return res, err
}

func (c *apiClient) assign(ctx context.Context) (*response, error) {
	id := c.fleet.pick(c.rng, 1, numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending)[0]
	emp := c.staffs[c.rng.IntN(len(c.staffs))]
	res, err := c.post(ctx, "POST /api/v1/numbers/{id}/assign", numberPath(id, "/assign"),
		map[string]any{"employee": emp, "purge_previous": c.rng.IntN(4) == 0})
	if err == nil && res.status == http.StatusOK {
		var r struct {
			Number *numbers.Number `json:"number"`
		}
		if err := res.decode(&r); err != nil {
			return nil, err
		}
		c.fleet.note(r.Number)
	}
	c.forgetOn(res, id)
	return res, err
}

// saveRouting reads a number's routing and replaces it, based on the
// version read (If-Match).
func (c *apiClient) saveRouting(ctx context.Context) (*response, error) {
	id := c.fleet.pick(c.rng, 1, numbers.StatusNew, numbers.StatusActive, numbers.StatusDeactivationPending)[0]
	res, err := c.do(ctx, "GET /api/v1/numbers/{id}/routing", http.MethodGet, numberPath(id, "/routing"), nil, nil)
	if err != nil || res.status != http.StatusOK {
		return res, err
	}
	etag := res.header.Get("ETag")
	plan := routing.Plan{
		Rules: []routing.Rule{{
			ID: "last", Name: "Lasttest", Priority: 1, Enabled: true,
			Condition: routing.Weekly(routing.MonFri, routing.Window{Start: routing.At(8, 0), End: routing.At(18, 0)}),
			Targets: []routing.Target{
				{Kind: routing.TargetExternal, Ref: "+4915112345678", RingSeconds: 10 + c.rng.IntN(50)},
			},
		}},
		Base: routing.BaseRule{Kind: routing.BaseHolderMailbox},
	}
	return c.do(ctx, "PUT /api/v1/numbers/{id}/routing", http.MethodPut, numberPath(id, "/routing"),
		map[string]any{"plan": plan}, map[string]string{"If-Match": etag})
}

// overview reads a page of the load's block, now and then by status; what
// it shows refreshes the fleet's view.
func (c *apiClient) overview(ctx context.Context) (*response, error) {
	q := url.Values{"search": {loadBlockE164}, "limit": {"100"}}
	switch c.rng.IntN(5) {
	case 0:
		q.Set("status", string(numbers.StatusActive))
	case 1:
		q["status"] = []string{string(numbers.StatusNew), string(numbers.StatusInactive)}
	case 2:
		q.Set("status", string(numbers.StatusDeactivationPending))
	case 3:
		q.Set("sort", "status")
		q.Set("desc", "true")
	}
	res, err := c.do(ctx, "GET /api/v1/numbers", http.MethodGet, "/api/v1/numbers?"+q.Encode(), nil, nil)
	if err == nil && res.status == http.StatusOK {
		var page struct {
			Items []*numbers.Number `json:"items"`
		}
		if err := res.decode(&page); err != nil {
			return nil, err
		}
		c.fleet.note(page.Items...)
	}
	return res, err
}

// ---------------------------------------------------------------------------
// The report

// routeStats are the figures of one route.
type routeStats struct {
	route                                           string
	requests, ok, domain, other4xx, s5xx, transport int
	replayed, retries                               int
	p50, p99                                        time.Duration
}

// percentile returns the p-th percentile (nearest rank) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*p+0.999999) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// summarize returns the figures per route, by route; latencies count the
// attempts that got a response.
func summarize(samples []sample) []routeStats {
	by := map[string]*routeStats{}
	lat := map[string][]time.Duration{}
	for _, s := range samples {
		r := by[s.route]
		if r == nil {
			r = &routeStats{route: s.route}
			by[s.route] = r
		}
		r.requests++
		if s.retry {
			r.retries++
		}
		if s.replayed {
			r.replayed++
		}
		if s.status == 0 {
			r.transport++
			continue
		}
		lat[s.route] = append(lat[s.route], s.dur)
		switch classify(s.status) {
		case outcomeOK:
			r.ok++
		case outcomeDomain:
			r.domain++
		case outcomeServer:
			r.s5xx++
		default:
			r.other4xx++
		}
	}
	out := make([]routeStats, 0, len(by))
	for route, r := range by {
		ds := lat[route]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		r.p50, r.p99 = percentile(ds, 0.50), percentile(ds, 0.99)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].route < out[j].route })
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
