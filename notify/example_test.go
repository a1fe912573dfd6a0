package notify_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
)

// A Recorder stands in for a real Notifier in tests: it keeps each event
// once and counts redeliveries.
func ExampleRecorder() {
	var rec notify.Recorder
	actor := numberdesk.System(numberdesk.NewTenantID())
	activated, _ := numberdesk.NewEvent("number.activated", actor, time.Now(), numberdesk.NewNumberID(), nil) // no data: no error
	assigned, _ := numberdesk.NewEvent("number.assigned", actor, time.Now(), numberdesk.NewNumberID(), nil)

	ctx := context.Background()
	for _, e := range []numberdesk.Event{activated, assigned, activated} { // at least once
		_ = rec.Notify(ctx, e)
	}
	if err := rec.WaitFor(ctx, 2); err != nil {
		log.Fatal(err)
	}
	for _, e := range rec.Events() {
		fmt.Println(e.Type)
	}
	fmt.Println("Duplikate:", rec.Duplicates())
	// Output:
	// number.activated
	// number.assigned
	// Duplikate: 1
}
