package efax_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/staff"
)

// Every eligibility rule, for Send: who may be chosen for which number, and
// the German message when not. A refused Send changes nothing.
func TestSendEligibilityRules(t *testing.T) {
	type pick func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID)
	ids := func(es ...*staff.Employee) []numberdesk.StaffID {
		out := make([]numberdesk.StaffID, len(es))
		for i, e := range es {
			out[i] = e.ID
		}
		return out
	}
	cases := []struct {
		name  string
		pick  pick
		setup func(t *testing.T, f *fixture)
		code  numberdesk.Code // "" = sent
		field string
		want  string // the confirmation or a part of the error message
	}{
		{"personal fax: its holder", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.personal.ID, ids(f.anna)
		}, nil, "", "", "Die Zugangsdaten wurden an Anna Berg versendet."},
		{"personal fax: anybody else is refused", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.personal.ID, ids(f.jonas)
		}, nil, numberdesk.CodeInvalid, "staff[0]", "Für die persönliche Faxnummer 0221 123456-20 erhält nur Anna Berg die Zugangsdaten, nicht Jonas Weber."},
		{"personal fax: the holder and somebody else", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.personal.ID, ids(f.anna, f.mia)
		}, nil, numberdesk.CodeInvalid, "staff[1]", "erhält nur Anna Berg die Zugangsdaten, nicht Mia Klein."},
		{"personal fax without a holder", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.personal.ID, ids(f.anna)
		}, func(t *testing.T, f *fixture) {
			_, err := f.nums.Unassign(context.Background(), f.owner, f.personal.ID, f.anna.ID, false)
			require.NoError(t, err)
		}, numberdesk.CodePrecondition, "staff", "Die persönliche Faxnummer 0221 123456-20 ist keinem Mitarbeiter zugeordnet."},
		{"shared fax: two members", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.jonas, f.anna, f.jonas)
		}, nil, "", "", "Die Zugangsdaten wurden an Anna Berg und Jonas Weber versendet."},
		{"shared fax: a locked member", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.anna, f.lena)
		}, nil, numberdesk.CodePrecondition, "staff", "Lena Graf ist gesperrt und kann keine Zugangsdaten erhalten."},
		{"shared fax: a member without e-mail", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.paul)
		}, nil, numberdesk.CodePrecondition, "staff", "Für Paul Neu ist keine E-Mail-Adresse hinterlegt."},
		{"shared fax: every refusal is named", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.paul, f.lena, f.mia)
		}, nil, numberdesk.CodeInvalid, "staff[2]",
			"Für Paul Neu ist keine E-Mail-Adresse hinterlegt. Lena Graf ist gesperrt und kann keine Zugangsdaten erhalten. Mia Klein ist kein Mitglied der gemeinsamen Faxnummer 0221 123456-21."},
		{"shared fax: a non-member", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.mia)
		}, nil, numberdesk.CodeInvalid, "staff[0]", "Mia Klein ist kein Mitglied der gemeinsamen Faxnummer 0221 123456-21."},
		{"shared fax: a non-member after a duplicate is named by its place in the request", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, ids(f.anna, f.anna, f.mia)
		}, nil, numberdesk.CodeInvalid, "staff[2]", "Mia Klein ist kein Mitglied der gemeinsamen Faxnummer 0221 123456-21."},
		{"shared fax: an unknown employee", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, []numberdesk.StaffID{f.anna.ID, numberdesk.NewStaffID()}
		}, nil, numberdesk.CodeNotFound, "staff", "Der Mitarbeiter wurde nicht gefunden."},
		{"a voice number", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.voice.ID, ids(f.jonas)
		}, nil, numberdesk.CodePrecondition, "number", "Die Rufnummer 0221 123456-22 ist keine Faxnummer."},
		{"a fax number pending deactivation", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.pending.ID, ids(f.jonas)
		}, nil, numberdesk.CodePrecondition, "number", "nur für aktive Faxnummern; die Faxnummer 0221 123456-23 hat den Status „Zur Deaktivierung vorgemerkt“."},
		{"a new number", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.spare.ID, ids(f.jonas)
		}, nil, numberdesk.CodePrecondition, "number", "keine Faxnummer"},
		{"an unknown number", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return numberdesk.NewNumberID(), ids(f.anna)
		}, nil, numberdesk.CodeNotFound, "number", "Die Rufnummer wurde nicht gefunden."},
		{"no number", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) { return "", ids(f.anna) },
			nil, numberdesk.CodeInvalid, "number", "Bitte wählen Sie eine Faxnummer."},
		{"nobody", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) { return f.shared.ID, nil },
			nil, numberdesk.CodeInvalid, "staff", "Bitte wählen Sie mindestens einen Mitarbeiter."},
		{"an empty ID", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			return f.shared.ID, []numberdesk.StaffID{f.anna.ID, ""}
		}, nil, numberdesk.CodeInvalid, "staff", "Bitte wählen Sie mindestens einen Mitarbeiter."},
		{"too many", func(f *fixture) (numberdesk.NumberID, []numberdesk.StaffID) {
			out := make([]numberdesk.StaffID, efax.MaxRecipients+1)
			for i := range out {
				out[i] = numberdesk.NewStaffID()
			}
			return f.shared.ID, out
		}, nil, numberdesk.CodeInvalid, "staff", "Bitte wählen Sie höchstens 100 Mitarbeiter."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			number, staffIDs := c.pick(f)
			before := len(f.events(t))
			conf, err := f.fax.Send(context.Background(), f.owner, efax.SendRequest{Number: number, Staff: staffIDs})
			if c.code == "" {
				require.NoError(t, err)
				require.Equal(t, c.want, conf.Message)
				require.Len(t, f.events(t, efax.EventCredentialsSent), len(conf.Recipients))
				return
			}
			require.Nil(t, conf)
			require.Equal(t, c.code, numberdesk.ErrorCode(err), "%v", err)
			require.Equal(t, c.field, numberdesk.ErrorField(err), "%v", err)
			require.Contains(t, numberdesk.ErrorMessage(err), c.want)
			require.Len(t, f.events(t), before, "a refused Send appends nothing")
			cs, err := f.st.FindCredentials(context.Background(), f.owner.Tenant, efax.CredentialFilter{})
			require.NoError(t, err)
			require.Empty(t, cs, "a refused Send stores nothing")
		})
	}
}

// Recipients shows the dialog's choice: the fixed holder of a personal fax
// number; the members of a shared one with the reasons they cannot be
// chosen.
func TestRecipients(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	el, err := f.fax.Recipients(ctx, f.owner, f.personal.ID)
	require.NoError(t, err)
	require.True(t, el.Fixed)
	require.Equal(t, "0221 123456-20", el.Display)
	require.Equal(t, []efax.Candidate{{Staff: f.anna.ID, Name: "Anna Berg", Email: "anna@muster.example", Eligible: true}}, el.Candidates)
	require.Empty(t, el.Message)

	f.send(t, f.shared, f.anna)
	el, err = f.fax.Recipients(ctx, f.mia.Actor(), f.shared.ID)
	require.NoError(t, err)
	require.False(t, el.Fixed)
	var names, reasons []string
	for _, c := range el.Candidates {
		names = append(names, c.Name)
		reasons = append(reasons, c.Reason)
		require.Equal(t, c.Reason == "", c.Eligible)
	}
	require.Equal(t, []string{"Anna Berg", "Lena Graf", "Paul Neu", "Jonas Weber"}, names, "sorted by last name")
	require.Equal(t, []string{"", "Lena Graf ist gesperrt und kann keine Zugangsdaten erhalten.", "Für Paul Neu ist keine E-Mail-Adresse hinterlegt.", ""}, reasons)
	require.NotNil(t, el.Candidates[0].Credential, "Anna has a login: sending again rotates it")
	require.Equal(t, 1, el.Candidates[0].Credential.Generation)
	require.Nil(t, el.Candidates[3].Credential)

	_, err = f.nums.Unassign(ctx, f.owner, f.personal.ID, f.anna.ID, false)
	require.NoError(t, err)
	el, err = f.fax.Recipients(ctx, f.owner, f.personal.ID)
	require.NoError(t, err)
	require.Empty(t, el.Candidates)
	require.Equal(t, "Die persönliche Faxnummer 0221 123456-20 ist keinem Mitarbeiter zugeordnet. Bitte ordnen Sie sie zuerst einem Mitarbeiter zu.", el.Message)

	_, err = f.fax.Recipients(ctx, f.owner, f.voice.ID)
	require.Equal(t, numberdesk.CodePrecondition, numberdesk.ErrorCode(err))
}

// TestPermissionMatrix calls every method of the Service as every role. The
// seed: "Soll ein Mitarbeiter die App nutzen, muss er die Zugangsdaten aus
// dem Administrator-Konto bekommen": the owner sends; a manager configures
// everything but money, so it may too; an employee may not send to itself;
// the system (cron) may revoke and reconcile but not send. The owner of
// another tenant gets not_found for this tenant's numbers. "" means allowed.
func TestPermissionMatrix(t *testing.T) {
	const (
		ok   = numberdesk.Code("")
		perm = numberdesk.CodePermission
		nf   = numberdesk.CodeNotFound
	)
	roles := []string{"owner", "manager", "holder", "employee", "system", "foreign"}
	ctx := context.Background()
	matrix := []struct {
		name string
		call func(f *fixture, a numberdesk.Actor) error
		want [6]numberdesk.Code
	}{
		{"efax.Recipients", func(f *fixture, a numberdesk.Actor) error {
			_, err := f.fax.Recipients(ctx, a, f.personal.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"efax.Send", func(f *fixture, a numberdesk.Actor) error {
			_, err := f.fax.Send(ctx, a, efax.SendRequest{Number: f.personal.ID, Staff: []numberdesk.StaffID{f.anna.ID}})
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"efax.Credentials", func(f *fixture, a numberdesk.Actor) error {
			_, err := f.fax.Credentials(ctx, a, f.personal.ID)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, perm, nf}},
		{"efax.Revoke", func(f *fixture, a numberdesk.Actor) error {
			return f.fax.Revoke(ctx, a, f.personal.ID, f.anna.ID)
		}, [6]numberdesk.Code{ok, ok, perm, perm, ok, nf}},
		{"efax.Reconcile", func(f *fixture, a numberdesk.Actor) error {
			_, err := f.fax.Reconcile(ctx, a)
			return err
		}, [6]numberdesk.Code{ok, ok, perm, perm, ok, ok}},
	}
	for _, m := range matrix {
		for i, role := range roles {
			t.Run(m.name+"/"+role, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t)
				f.send(t, f.personal, f.anna)
				_, foreign, err := f.staff.CreateTenant(ctx, staff.TenantRequest{Name: "B", Owner: staff.Person{FirstName: "O", LastName: "B", Email: "o@b.example"}})
				require.NoError(t, err)
				actor := map[string]numberdesk.Actor{"owner": f.owner, "manager": f.mia.Actor(), "holder": f.anna.Actor(),
					"employee": f.jonas.Actor(), "system": f.system, "foreign": foreign.Actor()}[role]
				before := len(f.events(t))
				err = m.call(f, actor)
				require.Equal(t, m.want[i], numberdesk.ErrorCode(err), "%s as %s: %v", m.name, role, err)
				if err != nil {
					require.Len(t, f.events(t), before, "a refused call changes nothing")
				}
			})
		}
	}
}

// A Send stores the secret only as an argon2id PHC string and the sealed
// copy; the event names the recipient but holds no secret; the Notifier
// delivers the secret once and erases the sealed copy.
func TestSendDeliverAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	conf := f.send(t, f.personal, f.anna)
	require.Equal(t, "Die Zugangsdaten wurden an Anna Berg versendet.", conf.Message)
	require.Len(t, conf.Recipients, 1)
	r := conf.Recipients[0]
	require.Equal(t, efax.Username(f.owner.Tenant, f.personal.ID, f.anna.ID, f.personal.E164), r.Username)
	require.Regexp(t, `^4922112345620-[a-z2-7]{8}$`, r.Username)
	require.False(t, r.Rotated)

	c := f.credential(t, f.personal, f.anna)
	require.Regexp(t, `^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`, c.Hash)
	require.NotEmpty(t, c.Sealed)
	require.True(t, c.DeliveredAt.IsZero())
	sent := f.events(t, efax.EventCredentialsSent)
	require.Len(t, sent, 1)
	var d efax.EventData
	require.NoError(t, sent[0].Decode(&d))
	require.Equal(t, efax.EventData{Credential: c.ID, Username: c.Username, Employee: f.anna.ID, Generation: 1,
		Display: "0221 123456-20", Name: "Anna Berg", To: "anna@muster.example"}, d)

	ds := f.dispatch(t)
	require.Len(t, ds, 1)
	require.Equal(t, "anna@muster.example", ds[0].To)
	require.Equal(t, "Anna Berg", ds[0].Name)
	require.Equal(t, "0221 123456-20", ds[0].Number)
	require.Len(t, ds[0].Secret.Reveal(), efax.SecretLength)
	require.NotContains(t, ds[0].String(), ds[0].Secret.Reveal())
	c = f.credential(t, f.personal, f.anna)
	require.Nil(t, c.Sealed, "the sealed secret is erased once delivered")
	require.Equal(t, f.clock(), c.DeliveredAt)
	require.Len(t, f.events(t, efax.EventCredentialsDelivered), 1)
	require.Empty(t, f.dispatch(t), "nothing is delivered twice")

	login, err := f.fax.Authenticate(ctx, ds[0].Username, ds[0].Secret.Reveal())
	require.NoError(t, err)
	require.Equal(t, &efax.Login{Credential: c.ID, Tenant: f.owner.Tenant, Number: f.personal.ID, E164: "+4922112345620",
		Staff: f.anna.ID, Username: c.Username}, login)
	require.Len(t, f.events(t, efax.EventLoginSucceeded), 1)
	require.Equal(t, f.clock(), f.credential(t, f.personal, f.anna).LastLoginAt)

	// A redelivered EventCredentialsSent (at least once) finds no sealed
	// secret and sends nothing.
	rec := &recorder{}
	require.NoError(t, f.fax.Notifier(rec).Notify(ctx, sent[0]))
	require.Empty(t, rec.events)

	// The UI's list: metadata only.
	list, err := f.fax.Credentials(ctx, f.owner, f.personal.ID)
	require.NoError(t, err)
	require.Equal(t, []*efax.Credential{&f.credential(t, f.personal, f.anna).Credential}, list)
}

// Sending again rotates: the old secret stops working at once, the username
// stays, the confirmation says it was rotated.
func TestSendAgainRotates(t *testing.T) {
	f := newFixture(t)
	user, old := f.sendAndDeliver(t, f.shared, f.anna)
	_, err := f.fax.Authenticate(context.Background(), user, old)
	require.NoError(t, err)
	conf := f.send(t, f.shared, f.anna, f.jonas)
	require.Equal(t, "Die Zugangsdaten wurden an Anna Berg und Jonas Weber versendet.", conf.Message)
	require.True(t, conf.Recipients[0].Rotated)
	require.False(t, conf.Recipients[1].Rotated)
	requireAuthFails(t, f.fax, user, old) // before the new one is delivered, too
	ds := f.dispatch(t)
	require.Len(t, ds, 2)
	require.Equal(t, user, ds[0].Username, "the username is stable")
	require.True(t, ds[0].Rotated)
	require.NotEqual(t, old, ds[0].Secret.Reveal())
	requireAuthFails(t, f.fax, user, old)
	_, err = f.fax.Authenticate(context.Background(), user, ds[0].Secret.Reveal())
	require.NoError(t, err)
	_, err = f.fax.Authenticate(context.Background(), ds[1].Username, ds[1].Secret.Reveal())
	require.NoError(t, err)
	require.Equal(t, 2, f.credential(t, f.shared, f.anna).Generation)

	// A rotation before the first delivery: the stale event delivers
	// nothing, the new one the new secret.
	f.send(t, f.shared, f.jonas)
	f.send(t, f.shared, f.jonas)
	ds = f.dispatch(t)
	require.Len(t, ds, 1)
	require.Equal(t, 3, f.credential(t, f.shared, f.jonas).Generation)
	_, err = f.fax.Authenticate(context.Background(), ds[0].Username, ds[0].Secret.Reveal())
	require.NoError(t, err)
}

// Revoke ends a login; Send re-issues it under the same username.
func TestRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	user, secret := f.sendAndDeliver(t, f.personal, f.anna)
	require.NoError(t, f.fax.Revoke(ctx, f.owner, f.personal.ID, f.anna.ID))
	requireAuthFails(t, f.fax, user, secret)
	c := f.credential(t, f.personal, f.anna)
	require.Equal(t, efax.StatusRevoked, c.Status)
	require.Equal(t, efax.ReasonManual, c.Reason)
	require.Empty(t, c.Hash)
	require.Nil(t, c.Sealed)
	require.Len(t, f.events(t, efax.EventCredentialsRevoked), 1)
	require.NoError(t, f.fax.Revoke(ctx, f.owner, f.personal.ID, f.anna.ID), "revoking again is a no-op")
	require.Len(t, f.events(t, efax.EventCredentialsRevoked), 1)
	err := f.fax.Revoke(ctx, f.owner, f.shared.ID, f.anna.ID)
	require.Equal(t, numberdesk.CodeNotFound, numberdesk.ErrorCode(err))
	require.Equal(t, "staff", numberdesk.ErrorField(err))

	user2, secret2 := f.sendAndDeliver(t, f.personal, f.anna)
	require.Equal(t, user, user2)
	requireAuthFails(t, f.fax, user, secret)
	_, err = f.fax.Authenticate(ctx, user, secret2)
	require.NoError(t, err)
}

// recorder is a Notifier that keeps what it gets.
type recorder struct{ events []numberdesk.Event }

func (r *recorder) Notify(_ context.Context, e numberdesk.Event) error {
	r.events = append(r.events, e)
	return nil
}

// German names join as "A", "A und B", "A, B und C".
func TestConfirmationJoinsNames(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.staff.SetLocked(ctx, f.owner, f.lena.ID, false)
	require.NoError(t, err)
	conf := f.send(t, f.shared, f.lena, f.jonas, f.anna)
	require.Equal(t, "Die Zugangsdaten wurden an Anna Berg, Lena Graf und Jonas Weber versendet.", conf.Message)
	require.True(t, strings.HasPrefix(conf.Message, "Die Zugangsdaten wurden an "))
	var got []string
	for _, r := range conf.Recipients {
		got = append(got, r.Name)
	}
	require.Equal(t, []string{"Anna Berg", "Lena Graf", "Jonas Weber"}, got)
}

// A Send retried with its idempotency key returns the first Confirmation
// and issues nothing: the first mail's password keeps working. The key with
// another request is refused; concurrent retries issue once.
func TestSendIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	req := efax.SendRequest{Number: f.shared.ID, Staff: []numberdesk.StaffID{f.anna.ID}, IdempotencyKey: "send-1"}
	first, err := f.fax.Send(ctx, f.owner, req)
	require.NoError(t, err)
	ds := f.dispatch(t)
	require.Len(t, ds, 1)

	var wg sync.WaitGroup
	results := make([]*efax.Confirmation, 16)
	for i := range results {
		wg.Go(func() {
			c, err := f.fax.Send(ctx, f.owner, req)
			assert.NoError(t, err)
			results[i] = c
		})
	}
	wg.Wait()
	for _, c := range results {
		require.Equal(t, first, c)
	}
	require.Equal(t, 1, f.credential(t, f.shared, f.anna).Generation, "a replay must not rotate")
	require.Empty(t, f.dispatch(t), "a replay sends no second mail")
	_, err = f.fax.Authenticate(ctx, ds[0].Username, ds[0].Secret.Reveal())
	require.NoError(t, err, "the first mail's password still works")

	// The same key for another request changes nothing.
	other := req
	other.Staff = []numberdesk.StaffID{f.jonas.ID}
	_, err = f.fax.Send(ctx, f.owner, other)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	var e *numberdesk.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "idempotency_key", e.Field)
	require.Empty(t, f.dispatch(t))

	// Concurrent first runs of one key: one issue, one answer.
	fresh := efax.SendRequest{Number: f.shared.ID, Staff: []numberdesk.StaffID{f.jonas.ID}, IdempotencyKey: "send-2"}
	for i := range results {
		wg.Go(func() {
			c, err := f.fax.Send(ctx, f.owner, fresh)
			assert.NoError(t, err)
			results[i] = c
		})
	}
	wg.Wait()
	for _, c := range results {
		require.Equal(t, results[0], c)
	}
	require.Equal(t, 1, f.credential(t, f.shared, f.jonas).Generation)
	require.Len(t, f.dispatch(t), 1)
}
