package smtpmail_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/notify"
)

// The login data of an efax.EventCredentialsDelivery are read from the
// event's Transient field only: a delivery whose Data carry a secret (as
// they did before Secret) is refused permanently, without the secret in the
// error, and sends nothing; with the Delivery in Transient the mail holds
// the revealed secret.
func TestCredentialsMailOnlyFromTransient(t *testing.T) {
	ctx := context.Background()
	srv := newSMTPServer(t, nil)
	n := newNotifier(t, srv.Config())
	const secret = "23456789abcdefghjkmnpqrstuvw"
	d := efax.Delivery{Credential: efax.NewCredentialID(), Employee: numberdesk.NewStaffID(), Name: "Anna Berg",
		To: "anna@muster.example", Number: "0221 123456-20", E164: "+4922112345620", Username: "4922112345620-abcdefgh",
		Secret: efax.SecretOf(secret)}
	data, err := json.Marshal(map[string]any{"to": d.To, "name": d.Name, "number": d.Number, "username": d.Username, "secret": secret})
	require.NoError(t, err)
	tenant := numberdesk.NewTenantID()
	e := numberdesk.Event{ID: numberdesk.NewEventID(), Tenant: tenant, Type: efax.EventCredentialsDelivery,
		Actor: numberdesk.System(tenant), Data: data}

	err = n.Notify(ctx, e)
	require.True(t, notify.IsPermanent(err), "%v", err)
	require.Equal(t, numberdesk.CodeInvalid, numberdesk.ErrorCode(err))
	require.NotContains(t, err.Error(), secret)
	require.Empty(t, srv.Received())

	e.Data, err = json.Marshal(d)
	require.NoError(t, err)
	require.NotContains(t, string(e.Data), secret)
	e.Transient = d
	require.NoError(t, n.Notify(ctx, e))
	got := srv.Received()
	require.Len(t, got, 1)
	m := parseMail(t, got[0].Raw)
	require.Contains(t, m.Text, "Passwort: "+secret+"\r\n")
}
