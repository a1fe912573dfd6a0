package otel_test

import (
	"log"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/otel"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// A program wires the Telemetry in: the services get it as their Observer
// and the decorated store, the dispatcher the decorated outbox.
func Example() {
	tel, err := otel.New(otel.Config{
		TracerProvider: sdktrace.NewTracerProvider(), // with the program's exporter
		MeterProvider:  sdkmetric.NewMeterProvider(), // with the program's reader
	})
	if err != nil {
		log.Fatal(err)
	}
	base := memstore.New()
	st := tel.Store(base)
	nums, err := numbers.NewService(numbers.Config{Store: st, Observer: tel})
	if err != nil {
		log.Fatal(err)
	}
	_ = staff.NewService(staff.Config{Store: st, Numbers: nums, Observer: tel})
	_ = &notify.Dispatcher{Outbox: tel.Outbox(base), Notifier: &notify.Recorder{}}
	// Output:
}
