package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/notify"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store"
)

// noticeSpace is the UUID namespace of the notices' event IDs.
var noticeSpace = uuid.MustParse("8f0b6a52-4c1e-4a57-9d0e-5d2b5c1f7e21")

// deactivationNotices wraps next: every event goes on to next, and a
// deactivation request (numbers.EventDeactivationRequested) first makes a
// confirmation for the person who asked for it, the portal's
// "Kündigungsbestätigung": a staff.EventNotification of
// staff.CategoryOther, which the SMTP notifier renders as the mail
// "Mitteilung zu <Rufnummer>" with the deactivation dialog's text
// (numbers.Deactivation.Message). It goes to the employee's current
// address unless the employee is locked, deleted or has switched off
// "andere Ereignisse". Its event ID is derived from the request's, so a
// repeated delivery carries the same Message-ID.
//
// The SDK sends no mail about deactivations itself (its notifications are
// the PBX's: missed calls, faxes, voicemail); a vendor whose contracts need
// a confirmation of the cancellation in text form sends one like this.
// A non-empty intro (the brand's Mail.DeactivationIntro) is the mail's
// first paragraph.
func deactivationNotices(st store.Store, next notify.Notifier, intro string) notify.Notifier {
	return notify.NotifierFunc(func(ctx context.Context, e numberdesk.Event) error {
		if e.Type == numbers.EventDeactivationRequested && e.Actor.Staff != "" {
			n, err := deactivationNotice(ctx, st, e, intro)
			if err != nil {
				return err
			}
			if n != nil {
				if err := next.Notify(ctx, *n); err != nil {
					return err
				}
			}
		}
		return next.Notify(ctx, e)
	})
}

// deactivationNotice returns the confirmation of the deactivation request
// e, or nil if nobody gets one.
func deactivationNotice(ctx context.Context, st store.Store, e numberdesk.Event, intro string) (*numberdesk.Event, error) {
	var data numbers.EventData
	if err := e.Decode(&data); err != nil {
		return nil, notify.Permanent(err)
	}
	if data.After == nil || data.After.DeactivationAt.IsZero() {
		return nil, notify.Permanent(fmt.Errorf("portal: deactivation request %s without its date", e.ID))
	}
	emp, err := st.FindEmployeeByID(ctx, e.Tenant, e.Actor.Staff)
	switch {
	case numberdesk.ErrorCode(err) == numberdesk.CodeNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	case emp.Locked || !emp.Preferences.Wants(staff.CategoryOther):
		return nil, nil
	}
	t, err := st.FindTenantByID(ctx, e.Tenant)
	if err != nil {
		return nil, err
	}
	num, err := st.FindNumberByID(ctx, e.Tenant, e.Number)
	if err != nil {
		return nil, err
	}
	loc := t.Location()
	d := numbers.Deactivation{Number: num, EffectiveAt: data.After.DeactivationAt,
		NoticeDate: numbers.NoticeDate(data.After.DeactivationAt, loc)}
	at := e.At.In(loc)
	text := fmt.Sprintf("Sie haben am %s um %s Uhr die Deaktivierung der Rufnummer %s beauftragt.\n\n%s\n\n"+
		"Bis dahin bleibt die Rufnummer nutzbar. In der Rufnummern-Übersicht können Sie die Deaktivierung bis dahin zurücknehmen.",
		numbers.FormatDate(at), at.Format("15:04"), num.Display(), d.Message())
	if intro = strings.TrimSpace(intro); intro != "" {
		text = intro + "\n\n" + text
	}
	n, err := numberdesk.NewEvent(staff.EventNotification, e.Actor, e.At, e.Number, staff.Notification{
		Employee: emp.ID, To: emp.Email, Name: emp.Name(), Category: staff.CategoryOther,
		Number: num.Display(), At: e.At, Text: text,
	})
	if err != nil {
		return nil, notify.Permanent(err)
	}
	n.ID = numberdesk.EventID(uuid.NewSHA1(noticeSpace, []byte(e.ID)).String())
	return &n, nil
}
