package efax_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// FuzzSend: any Send request (numbers and recipients picked from the
// fixture or made up, any idempotency key, any actor) either issues logins
// or is refused with a *numberdesk.Error that changes nothing in the whole
// store; nothing panics. A keyed Send replays: the same request again
// returns the same Confirmation and changes nothing (no second rotation).
//
// Each input runs on a fresh copy of the fixture's store, restored from a
// snapshot taken once, in which Jonas has a delivered login for the shared
// fax number and Anna one for the personal number whose secret still awaits
// delivery (a Send to either rotates it).
func FuzzSend(f *testing.F) {
	base := memstore.New()
	fx := newFixtureOn(f, base)
	fx.sendAndDeliver(f, fx.shared, fx.jonas)
	fx.send(f, fx.personal, fx.anna) // not delivered yet
	_, otherOwner, err := fx.staff.CreateTenant(context.Background(), staff.TenantRequest{Name: "Andere GmbH",
		Owner: staff.Person{FirstName: "Otto", LastName: "Andere", Email: "otto@andere.example"}})
	require.NoError(f, err)
	snap, err := base.Snapshot()
	require.NoError(f, err)
	blank := fx.st.(*noMail).blank

	numbersPool := []numberdesk.NumberID{fx.personal.ID, fx.shared.ID, fx.voice.ID, fx.pending.ID, fx.spare.ID}
	staffPool := []numberdesk.StaffID{fx.anna.ID, fx.jonas.ID, fx.lena.ID, fx.paul.ID, fx.mia.ID, fx.owner.Staff, otherOwner.ID, "", numberdesk.NewStaffID()}
	actors := []numberdesk.Actor{fx.owner, fx.mia.Actor(), fx.anna.Actor(), fx.lena.Actor(), fx.system, otherOwner.Actor()}

	f.Add(uint8(0), "", []byte{0}, "", "", uint8(0))                        // rotate Anna's personal login
	f.Add(uint8(1), "", []byte{0, 1}, "", "k-1", uint8(1))                  // shared: Anna and Jonas (rotated), keyed, as manager
	f.Add(uint8(1), "", []byte{0, 0, 0}, "", "", uint8(0))                  // the same recipient three times
	f.Add(uint8(1), "", []byte{2}, "", "", uint8(0))                        // Lena is locked
	f.Add(uint8(1), "", []byte{3}, "", "", uint8(0))                        // Paul has no e-mail
	f.Add(uint8(0), "", []byte{1}, "", "", uint8(0))                        // Jonas does not hold the personal number
	f.Add(uint8(1), "", []byte{4, 5}, "", "", uint8(0))                     // the manager and the owner are not members
	f.Add(uint8(1), "", []byte{6}, "", "", uint8(0))                        // another tenant's owner
	f.Add(uint8(1), "", []byte{7}, "", "", uint8(0))                        // an empty ID
	f.Add(uint8(1), "", []byte{8}, "", "", uint8(0))                        // an unknown employee
	f.Add(uint8(1), "", []byte{}, "", "", uint8(0))                         // nobody
	f.Add(uint8(2), "", []byte{1}, "", "", uint8(0))                        // a voice number
	f.Add(uint8(3), "", []byte{1}, "", "", uint8(0))                        // deactivation pending
	f.Add(uint8(4), "", []byte{0}, "", "", uint8(0))                        // a new number
	f.Add(uint8(0), "kaputt", []byte{0}, "", "", uint8(0))                  // a malformed number ID
	f.Add(uint8(0), "", []byte{0}, "", "", uint8(2))                        // an employee may not send
	f.Add(uint8(0), "", []byte{0}, "", "", uint8(3))                        // a locked actor
	f.Add(uint8(0), "", []byte{0}, "", "", uint8(4))                        // the system may not send
	f.Add(uint8(0), "", []byte{0}, "", "", uint8(5))                        // another tenant's owner
	f.Add(uint8(0), "", []byte{0}, "", "schlüssel", uint8(0))               // a key that is not ASCII (was accepted)
	f.Add(uint8(0), "", []byte{0}, "", strings.Repeat("k", 300), uint8(0))  // a key that is too long (was accepted)
	f.Add(uint8(1), "", []byte{0}, strings.Repeat("x,", 101), "", uint8(0)) // more than MaxRecipients
	f.Fuzz(func(t *testing.T, pickN uint8, number string, picks []byte, raw string, key string, actor uint8) {
		req := efax.SendRequest{Number: numberdesk.NumberID(number), IdempotencyKey: key}
		if number == "" {
			req.Number = numbersPool[int(pickN)%len(numbersPool)]
		}
		for _, p := range picks {
			req.Staff = append(req.Staff, staffPool[int(p)%len(staffPool)])
		}
		if raw != "" {
			for _, id := range strings.Split(raw, ",") {
				req.Staff = append(req.Staff, numberdesk.StaffID(id))
			}
		}
		a := actors[int(actor)%len(actors)]

		st, err := memstore.Restore(snap)
		require.NoError(t, err)
		cfg := fx.cfg
		cfg.Store = &noMail{Store: st, blank: blank}
		svc, err := efax.New(cfg)
		require.NoError(t, err)
		before, err := st.Snapshot()
		require.NoError(t, err)

		conf, err := svc.Send(context.Background(), a, req)
		if err != nil {
			var e *numberdesk.Error
			require.True(t, errors.As(err, &e), "not a *numberdesk.Error: %v", err)
			require.NotEmpty(t, numberdesk.ErrorMessage(err), "%v", err)
			after, err2 := st.Snapshot()
			require.NoError(t, err2)
			require.Equal(t, string(before), string(after), "an error changed the store: %v", err)
			return
		}
		distinct := map[numberdesk.StaffID]bool{}
		for _, id := range req.Staff {
			distinct[id] = true
		}
		require.Len(t, conf.Recipients, len(distinct))
		for _, r := range conf.Recipients {
			require.True(t, distinct[r.Staff], "a recipient that was not asked for: %s", r.Staff)
			c, err := st.FindCredentialByID(context.Background(), a.Tenant, r.Credential)
			require.NoError(t, err)
			require.Equal(t, req.Number, c.Number)
			require.Equal(t, r.Staff, c.Staff)
			require.Equal(t, efax.StatusActive, c.Status)
		}
		if key != "" {
			after, err := st.Snapshot()
			require.NoError(t, err)
			again, err := svc.Send(context.Background(), a, req)
			require.NoError(t, err, "a keyed Send replays")
			want, _ := json.Marshal(conf)
			got, _ := json.Marshal(again)
			require.JSONEq(t, string(want), string(got))
			replayed, err := st.Snapshot()
			require.NoError(t, err)
			require.Equal(t, string(after), string(replayed), "a replay changes nothing")
		}
	})
}

// A Send key is checked like every idempotency key of the SDK (at most 255
// bytes of printable ASCII, else CodeInvalid on Field "idempotency_key"),
// before anything is read or hashed. FuzzSend found that Send took any key:
// memstore kept it, while sqlstore refused a NUL byte or invalid UTF-8 as
// CodeInvalid on Field "key", so the backends disagreed.
func TestSendKeyIsCheckedLikeEveryKey(t *testing.T) {
	base := memstore.New()
	fx := newFixtureOn(t, base)
	before, err := base.Snapshot()
	require.NoError(t, err)
	for _, key := range []string{"schlüssel", "a\x00b", "\xff\xfe", "tab\tkey", strings.Repeat("k", 256)} {
		_, err := fx.fax.Send(context.Background(), fx.owner, efax.SendRequest{Number: fx.personal.ID, Staff: []numberdesk.StaffID{fx.anna.ID}, IdempotencyKey: key})
		require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err), "%q: %v", key, err)
		require.Equal(t, "idempotency_key", numberdesk.ErrorField(err), "%q: %v", key, err)
	}
	after, err := base.Snapshot()
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
	_, err = fx.fax.Send(context.Background(), fx.owner, efax.SendRequest{Number: fx.personal.ID, Staff: []numberdesk.StaffID{fx.anna.ID},
		IdempotencyKey: strings.Repeat("k", 255)})
	require.NoError(t, err, "255 bytes of printable ASCII are a key")
}
