package webhook

import (
	"maps"
	"sync"

	"github.com/numberdesk/numberdesk"
)

// maxPending is how many events a Notifier remembers the done endpoints of
// (see progress).
const maxPending = 10_000

// progress remembers, for each event whose delivery failed transiently at
// some endpoint, the endpoints that are done with it: those that answered
// 2xx (a nil outcome) and those that failed permanently. A retry of the
// event by this process then reaches only the endpoints not done, and the
// permanent failures are still reported once nothing transient is left. It
// forgets an event once its outcome is final, and the events remembered
// longest once there are more than limit (default maxPending): those, like
// every event after a restart, are delivered to every endpoint again, which
// at-least-once delivery allows. The zero value is ready to use.
type progress struct {
	mu     sync.Mutex
	limit  int
	events map[numberdesk.EventID]map[string]*EndpointError
	order  []numberdesk.EventID // in the order first remembered; may hold forgotten ones
}

// outcomes returns a copy of the outcomes remembered for the event id, by
// endpoint key.
func (p *progress) outcomes(id numberdesk.EventID) map[string]*EndpointError {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.events[id])
}

// remember records the outcome of the endpoint key for the event id.
func (p *progress) remember(id numberdesk.EventID, key string, outcome *EndpointError) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.events == nil {
		p.events = make(map[numberdesk.EventID]map[string]*EndpointError)
	}
	limit := p.limit
	if limit <= 0 {
		limit = maxPending
	}
	m, ok := p.events[id]
	if !ok {
		for len(p.events) >= limit {
			delete(p.events, p.order[0])
			p.order = p.order[1:]
		}
		if len(p.order) >= 2*limit { // mostly forgotten ones: compact
			live := make([]numberdesk.EventID, 0, len(p.events))
			for _, o := range p.order {
				if _, ok := p.events[o]; ok {
					live = append(live, o)
				}
			}
			p.order = live
		}
		m = make(map[string]*EndpointError)
		p.events[id] = m
		p.order = append(p.order, id)
	}
	m[key] = outcome
}

// forget drops what is remembered of the event id.
func (p *progress) forget(id numberdesk.EventID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.events, id)
}

// pending returns how many events are remembered (for tests).
func (p *progress) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.events)
}
