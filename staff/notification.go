package staff

import (
	"time"

	"github.com/numberdesk/numberdesk"
)

// EventNotification is an event that asks for a message to one employee,
// appended in the same transaction as what it reports (transactional
// outbox). Its Data is a Notification; a Notifier (package notify) delivers
// it, for example as a German e-mail.
const EventNotification numberdesk.EventType = "staff.notification"

// Notification is the payload of an EventNotification: who gets a message
// about what. It is addressed when it is created, so a later change of the
// employee does not redirect it.
type Notification struct {
	Employee numberdesk.StaffID `json:"employee"`
	To       string             `json:"to"`   // e-mail address
	Name     string             `json:"name"` // "First Last"
	Category Category           `json:"category"`
	// Number is the German display of the number concerned ("0221 123456-10").
	Number string `json:"number,omitempty"`
	// Caller is who called or faxed, in German display; "" for anonymous.
	Caller   string        `json:"caller,omitempty"`
	At       time.Time     `json:"at"`
	Pages    int           `json:"pages,omitempty"`    // faxes
	Duration time.Duration `json:"duration,omitempty"` // voicemail
	// Text is a free German text for CategoryOther.
	Text string `json:"text,omitempty"`
}
