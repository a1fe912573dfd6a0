package smtpmail_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
	"github.com/numberdesk/numberdesk/staff"
)

// An SMTP notifier sends a German e-mail for every staff.EventNotification.
// The dispatcher calls Notify and retries transient failures; a Permanent
// error (an SMTP 5xx reply) is dead-lettered instead.
func ExampleNew() {
	n, err := smtpmail.New(smtpmail.Config{
		Host:     "smtp.example.de",
		Port:     587, // STARTTLS, required by default
		Username: "portal@example.de",
		Password: "geheim",
		From:     "zentrale@example.de",
		FromName: "Telefonanlage Beispiel GmbH",
		Timeout:  20 * time.Second,
	})
	if err != nil {
		log.Fatal(numberdesk.ErrorField(err), ": ", numberdesk.ErrorMessage(err))
	}

	e, err := numberdesk.NewEvent(staff.EventNotification, numberdesk.System(numberdesk.NewTenantID()), time.Now(), "",
		staff.Notification{
			To:       "erika.mustermann@example.de",
			Name:     "Erika Mustermann",
			Category: staff.CategoryMissedCall,
			Number:   "0221 123456-10",
			Caller:   "0171 2345678",
			At:       time.Now(),
		})
	if err != nil {
		log.Fatal(err)
	}
	switch err := n.Notify(context.Background(), e); {
	case err == nil:
		fmt.Println("gesendet, Message-ID", n.MessageID(e.ID))
	case notify.IsPermanent(err):
		fmt.Println("unzustellbar (SMTP", smtpmail.ReplyCode(err), "):", err)
	default:
		fmt.Println("später erneut versuchen:", err)
	}
}
