package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/webhook"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// A vendor sends its billing system every number event as a signed
// webhook, sends each tenant's events to the endpoints the tenant
// configured, and keeps sending e-mails: one outbox Dispatcher delivers to
// both. The billing system verifies every webhook and processes each
// webhook-id once.
func ExampleNew() {
	ctx := context.Background()
	st := memstore.New() // the vendor's store: its outbox

	// The receiver (here in-process). It is given the secret once.
	secret := webhook.NewSecret() // the vendor stores secret.Reveal()
	verifier, err := webhook.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	billing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		p, err := verifier.Parse(r.Header, body) // the raw bytes, never re-encoded
		if err != nil {
			http.Error(w, "invalid webhook", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if id := r.Header.Get(webhook.HeaderID); !seen[id] { // at least once: de-duplicate
			seen[id] = true
			fmt.Println("billing:", p.Type)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer billing.Close()

	// The vendor's side.
	hooks, err := webhook.New(webhook.Config{
		Endpoints: []webhook.Endpoint{{
			Name:    "billing",
			URL:     billing.URL + "/numberdesk",
			Secrets: []webhook.Secret{secret}, // during a rotation: {newSecret, secret}
			Types:   []numberdesk.EventType{"number.*"},
		}},
		Tenants: webhook.TenantEndpointsFunc(func(ctx context.Context, tenant numberdesk.TenantID) ([]webhook.Endpoint, error) {
			return nil, nil // from the vendor's storage: the endpoints the tenant configured (see Endpoint.Check)
		}),
		Timeout:             10 * time.Second,
		AllowPrivateTargets: true, // the receiver of this example listens on 127.0.0.1
	})
	if err != nil {
		log.Fatal(numberdesk.ErrorField(err), ": ", numberdesk.ErrorMessage(err))
	}
	mail := &notify.Recorder{} // stands in for smtpmail.New(...)
	// With the E-Fax-App: Notifier: fax.Notifier(both(mail, hooks)).
	d := &notify.Dispatcher{Outbox: st, Notifier: both(mail, hooks)}

	tenant := numberdesk.NewTenantID()
	for _, typ := range []numberdesk.EventType{"number.activated", "staff.notification"} {
		e, err := numberdesk.NewEvent(typ, numberdesk.System(tenant), time.Now(), "", nil)
		if err != nil {
			log.Fatal(err)
		}
		if err := st.AppendEvents(ctx, e); err != nil { // in a command's transaction
			log.Fatal(err)
		}
	}
	res, err := d.RunOnce(ctx) // in production: go d.Run(ctx, time.Second)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("delivered:", res.Delivered, "mails:", len(mail.Events()))
	// Output:
	// billing: number.activated
	// delivered: 2 mails: 2
}

// both delivers each event to the mail notifier and to the webhooks. It
// returns a transient error while either failed transiently, so that the
// dispatcher retries the event (the webhook Notifier then sends it only to
// the endpoints that do not have it yet; the mail may go again, and mail
// systems de-duplicate by its Message-ID), and a permanent one once both
// failures are permanent.
func both(mail, hooks notify.Notifier) notify.Notifier {
	return notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		mailErr, hookErr := mail.Notify(ctx, e), hooks.Notify(ctx, e)
		switch {
		case mailErr == nil:
			return hookErr
		case hookErr == nil:
			return mailErr
		case notify.IsPermanent(mailErr) && notify.IsPermanent(hookErr):
			return errors.Join(mailErr, hookErr)
		case notify.IsPermanent(mailErr):
			return fmt.Errorf("%v\n%w", mailErr, hookErr) // retried for the webhooks
		}
		return fmt.Errorf("%w\n%v", mailErr, hookErr) // retried for the mail
	})
}

// Sign computes the webhook-signature header; this is the test vector of
// Standard Webhooks.
func ExampleSign() {
	sig, err := webhook.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sig)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
}

// A receiver verifies the raw body with the headers; a secret never shows
// when printed.
func ExampleVerifier_Verify() {
	secret := webhook.Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	v, err := webhook.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	v.Clock = func() time.Time { return time.Unix(1614265330+60, 0) } // a minute later
	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set(webhook.HeaderTimestamp, "1614265330")
	h.Set(webhook.HeaderSignature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	fmt.Println(v.Verify(h, []byte(`{"test": 2432232314}`)))
	fmt.Println(numberdesk.ErrorField(v.Verify(h, []byte(`{"test":2432232314}`))))

	v.Clock = func() time.Time { return time.Unix(1614265330, 0).Add(10 * time.Minute) }
	err = v.Verify(h, []byte(`{"test": 2432232314}`))
	fmt.Println(errors.Is(err, webhook.ErrTooOld))
	fmt.Println(secret)
	// Output:
	// <nil>
	// webhook-signature
	// true
	// [redacted]
}
