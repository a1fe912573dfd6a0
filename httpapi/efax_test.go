package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
)

// faxFixture provisions and activates the number as one of usage held by
// holders (through the services, not the API), and returns its ID.
func faxFixture(t *testing.T, e *env, number string, usage routing.UsageType, holders ...numberdesk.StaffID) numberdesk.NumberID {
	t.Helper()
	ctx := context.Background()
	ns, err := e.nums.Provision(ctx, e.owner, numbers.ProvisionRequest{Number: number})
	require.NoError(t, err)
	id := ns[0].ID
	q, err := e.nums.Quote(ctx, e.owner, []numberdesk.NumberID{id})
	require.NoError(t, err)
	_, err = e.nums.Activate(ctx, e.owner, numbers.ActivateRequest{QuoteToken: q.Token})
	require.NoError(t, err)
	if len(holders) > 0 {
		_, err = e.nums.Assign(ctx, e.owner, numbers.AssignRequest{Number: id, Employee: holders[0]})
		require.NoError(t, err)
	}
	_, err = e.nums.SetUsageType(ctx, e.owner, numbers.SetUsageTypeRequest{Number: id, UsageType: usage, Confirm: true})
	require.NoError(t, err)
	for i := 1; i < len(holders); i++ {
		_, err = e.nums.AddMember(ctx, e.owner, id, holders[i])
		require.NoError(t, err)
	}
	return id
}

func faxURL(id numberdesk.NumberID, rest string) string {
	return "/api/v1/numbers/" + string(id) + "/efax" + rest
}

// crossTenantNumber checks that the foreign tenant's number and a random ID
// get the same 404 from the request built by do.
func crossTenantNumber(t *testing.T, e *env, do func(id numberdesk.NumberID) *resp) {
	t.Helper()
	ns, err := e.nums.Provision(context.Background(), e.foreign, numbers.ProvisionRequest{Number: "0228 9999"})
	if err != nil { // provisioned by an earlier call
		page, oerr := e.nums.Overview(context.Background(), e.foreign, numbers.Query{Search: "+492289999", Limit: 1})
		require.NoError(t, oerr)
		ns = page.Numbers
	}
	require.NotEmpty(t, ns)
	pf := expectProblem(t, do(ns[0].ID), http.StatusNotFound, "not_found", "number")
	pr := expectProblem(t, do(numberdesk.NewNumberID()), http.StatusNotFound, "not_found", "number")
	sameProblem(t, pf, pr)
}

type recipientsBody struct {
	efax.Eligibility
	ConfirmLabel string `json:"confirm_label"`
}

type credentialPage struct {
	Items []efax.Credential `json:"items"`
	Total int               `json:"total"`
}

func credentialsOf(t *testing.T, e *env, id numberdesk.NumberID) []efax.Credential {
	t.Helper()
	r := e.get(t, e.owner, faxURL(id, "/credentials"))
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var p credentialPage
	r.json(t, &p)
	require.Len(t, p.Items, p.Total)
	return p.Items
}

func TestEfaxRecipients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := faxFixture(t, e, "0221 5550", routing.UsageFaxShared, e.employee2.Staff, e.employee.Staff)
	personal := faxFixture(t, e, "0221 5551", routing.UsageFaxPersonal, e.employee.Staff)
	voice := faxFixture(t, e, "0221 5552", routing.UsageVoice)

	for _, a := range []numberdesk.Actor{e.owner, e.manager} {
		r := e.get(t, a, faxURL(shared, "/recipients"))
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var b recipientsBody
		r.json(t, &b)
		require.Equal(t, httpapi.ConfirmSendCredentials, b.ConfirmLabel)
		require.Equal(t, "Zugangsdaten an Mitarbeiter versenden", b.ConfirmLabel)
		require.Equal(t, shared, b.Number)
		require.Equal(t, "+492215550", b.E164)
		require.Equal(t, routing.UsageFaxShared, b.UsageType)
		require.False(t, b.Fixed)
		require.Len(t, b.Candidates, 2)
		require.Equal(t, "Emil Muster", b.Candidates[0].Name) // by name
		require.True(t, b.Candidates[0].Eligible)
		require.Nil(t, b.Candidates[0].Credential)
	}

	// A personal fax number: its holder, fixed; locked, not eligible.
	_, err := e.people.SetLocked(context.Background(), e.owner, e.employee.Staff, true)
	require.NoError(t, err)
	r := e.get(t, e.owner, faxURL(personal, "/recipients"))
	require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
	var b recipientsBody
	r.json(t, &b)
	require.True(t, b.Fixed)
	require.Len(t, b.Candidates, 1)
	require.Equal(t, e.employee.Staff, b.Candidates[0].Staff)
	require.False(t, b.Candidates[0].Eligible)
	require.Contains(t, b.Candidates[0].Reason, "gesperrt")

	expectProblem(t, e.get(t, e.owner, faxURL(voice, "/recipients")), http.StatusConflict, "precondition", "number")
	expectProblem(t, e.get(t, e.employee2, faxURL(shared, "/recipients")), http.StatusForbidden, "permission", "")
	expectProblem(t, e.get(t, anonymous, faxURL(shared, "/recipients")), http.StatusUnauthorized, "unauthenticated", "")
	crossTenantNumber(t, e, func(id numberdesk.NumberID) *resp { return e.get(t, e.owner, faxURL(id, "/recipients")) })
	expectProblem(t, e.get(t, e.foreign, faxURL(shared, "/recipients")), http.StatusNotFound, "not_found", "number")
}

func TestEfaxSend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := faxFixture(t, e, "0221 5550", routing.UsageFaxShared, e.employee.Staff, e.employee2.Staff)
	send := func(as numberdesk.Actor, staffIDs []numberdesk.StaffID, header ...string) *resp {
		return e.post(t, as, faxURL(shared, "/send"), map[string]any{"staff": staffIDs}, header...)
	}
	confirmation := func(r *resp) efax.Confirmation {
		t.Helper()
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		var c efax.Confirmation
		r.json(t, &c)
		return c
	}

	c := confirmation(send(e.owner, []numberdesk.StaffID{e.employee.Staff}))
	require.Equal(t, shared, c.Number)
	require.Equal(t, "0221 5550", c.Display)
	require.Equal(t, "Die Zugangsdaten wurden an Emil Muster versendet.", c.Message)
	require.Len(t, c.Recipients, 1)
	require.False(t, c.Recipients[0].Rotated)
	require.NotContains(t, string(send(e.manager, []numberdesk.StaffID{e.employee2.Staff}).Body), "secret")
	creds := credentialsOf(t, e, shared)
	require.Len(t, creds, 2)

	// Under an Idempotency-Key a retry does not rotate again.
	first := send(e.owner, []numberdesk.StaffID{e.employee.Staff}, "Idempotency-Key", "send-emil")
	c = confirmation(first)
	require.True(t, c.Recipients[0].Rotated)
	again := send(e.owner, []numberdesk.StaffID{e.employee.Staff}, "Idempotency-Key", "send-emil")
	require.Equal(t, http.StatusOK, again.Code)
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, first.Body, again.Body)
	generation := func(id numberdesk.StaffID) int {
		for _, c := range credentialsOf(t, e, shared) {
			if c.Staff == id {
				return c.Generation
			}
		}
		return 0
	}
	require.Equal(t, 2, generation(e.employee.Staff))
	expectProblem(t, send(e.owner, []numberdesk.StaffID{e.employee2.Staff}, "Idempotency-Key", "send-emil"),
		http.StatusUnprocessableEntity, "invalid", "idempotency_key")
	require.Equal(t, 1, generation(e.employee2.Staff))

	// All or none: a locked member, a non-member, an unknown employee.
	_, err := e.people.SetLocked(context.Background(), e.owner, e.employee2.Staff, true)
	require.NoError(t, err)
	p := expectProblem(t, send(e.owner, []numberdesk.StaffID{e.employee.Staff, e.employee2.Staff}), http.StatusConflict, "precondition", "staff")
	require.Contains(t, p.Detail, "Erna Muster ist gesperrt")
	p = expectProblem(t, send(e.owner, []numberdesk.StaffID{e.employee.Staff, e.manager.Staff}), http.StatusUnprocessableEntity, "invalid", "staff[1]")
	require.Contains(t, p.Detail, "kein Mitglied")
	pf := expectProblem(t, send(e.owner, []numberdesk.StaffID{e.foreign.Staff}), http.StatusNotFound, "not_found", "staff")
	pr := expectProblem(t, send(e.owner, []numberdesk.StaffID{randomStaff()}), http.StatusNotFound, "not_found", "staff")
	sameProblem(t, pf, pr)
	require.Equal(t, 2, generation(e.employee.Staff))

	expectProblem(t, send(e.employee, []numberdesk.StaffID{e.employee.Staff}), http.StatusForbidden, "permission", "")
	expectProblem(t, send(anonymous, []numberdesk.StaffID{e.employee.Staff}), http.StatusUnauthorized, "unauthenticated", "")
	crossTenantNumber(t, e, func(id numberdesk.NumberID) *resp {
		return e.post(t, e.owner, faxURL(id, "/send"), map[string]any{"staff": []any{e.employee.Staff}})
	})
	voice := faxFixture(t, e, "0221 5552", routing.UsageVoice, e.employee.Staff)
	expectProblem(t, e.post(t, e.owner, faxURL(voice, "/send"), map[string]any{"staff": []any{e.employee.Staff}}),
		http.StatusConflict, "precondition", "number")

	for _, c := range []struct {
		body        any
		status      int
		code, field string
	}{
		{map[string]any{"staff": []string{}}, http.StatusUnprocessableEntity, "invalid", "staff"},
		{map[string]any{}, http.StatusUnprocessableEntity, "invalid", "staff"},
		{map[string]any{"staff": slices.Repeat([]numberdesk.StaffID{e.employee.Staff}, 101)}, http.StatusOK, "", ""}, // duplicates count once
		{`{"staff": "` + string(e.employee.Staff) + `"}`, http.StatusBadRequest, "malformed", "staff"},
		{`{"staff": [], "idempotency_key": "k"}`, http.StatusBadRequest, "malformed", "idempotency_key"},
		{strings.Repeat("[", 10), http.StatusBadRequest, "malformed", ""},
	} {
		r := e.do(t, req{as: e.owner, method: http.MethodPost, path: faxURL(shared, "/send"), body: c.body, invalid: true})
		if c.status == http.StatusOK {
			confirmation(r)
			continue
		}
		expectProblem(t, r, c.status, c.code, c.field)
	}
}

func TestEfaxCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	personal := faxFixture(t, e, "0221 5551", routing.UsageFaxPersonal, e.employee.Staff)
	require.Empty(t, credentialsOf(t, e, personal))
	_, err := e.fax.Send(context.Background(), e.owner, efax.SendRequest{Number: personal, Staff: []numberdesk.StaffID{e.employee.Staff}})
	require.NoError(t, err)

	for _, a := range []numberdesk.Actor{e.owner, e.manager} {
		r := e.get(t, a, faxURL(personal, "/credentials"))
		require.Equal(t, http.StatusOK, r.Code, "%s", r.Body)
		require.NotContains(t, string(r.Body), "argon2")
		var p credentialPage
		r.json(t, &p)
		require.Len(t, p.Items, 1)
		c := p.Items[0]
		require.Equal(t, e.employee.Staff, c.Staff)
		require.Equal(t, personal, c.Number)
		require.Equal(t, efax.StatusActive, c.Status)
		require.Equal(t, 1, c.Generation)
		require.True(t, c.DeliveredAt.IsZero()) // no dispatcher ran
	}
	// Reassigned away: the login is revoked when listed.
	_, err = e.nums.Assign(context.Background(), e.owner, numbers.AssignRequest{Number: personal, Employee: e.employee2.Staff})
	require.NoError(t, err)
	c := credentialsOf(t, e, personal)[0]
	require.Equal(t, efax.StatusRevoked, c.Status)
	require.Equal(t, efax.ReasonNotHolder, c.Reason)

	expectProblem(t, e.get(t, e.employee2, faxURL(personal, "/credentials")), http.StatusForbidden, "permission", "")
	expectProblem(t, e.get(t, anonymous, faxURL(personal, "/credentials")), http.StatusUnauthorized, "unauthenticated", "")
	crossTenantNumber(t, e, func(id numberdesk.NumberID) *resp { return e.get(t, e.owner, faxURL(id, "/credentials")) })
}

func TestEfaxRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := faxFixture(t, e, "0221 5550", routing.UsageFaxShared, e.employee.Staff, e.employee2.Staff)
	_, err := e.fax.Send(context.Background(), e.owner, efax.SendRequest{Number: shared, Staff: []numberdesk.StaffID{e.employee.Staff}})
	require.NoError(t, err)
	u := faxURL(shared, "/credentials/"+string(e.employee.Staff))

	expectProblem(t, e.deleteReq(t, e.employee, u), http.StatusForbidden, "permission", "")
	expectProblem(t, e.deleteReq(t, anonymous, u), http.StatusUnauthorized, "unauthenticated", "")
	crossTenantNumber(t, e, func(id numberdesk.NumberID) *resp {
		return e.deleteReq(t, e.owner, faxURL(id, "/credentials/"+string(e.employee.Staff)))
	})
	require.Equal(t, efax.StatusActive, credentialsOf(t, e, shared)[0].Status)

	r := e.deleteReq(t, e.manager, u)
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Empty(t, r.Body)
	c := credentialsOf(t, e, shared)[0]
	require.Equal(t, efax.StatusRevoked, c.Status)
	require.Equal(t, efax.ReasonManual, c.Reason)
	require.Equal(t, e.now, c.RevokedAt)
	// Revoked before: a no-op.
	r = e.deleteReq(t, e.owner, u)
	require.Equal(t, http.StatusNoContent, r.Code, "%s", r.Body)
	require.Equal(t, c, credentialsOf(t, e, shared)[0])

	// No login at all: 404, for a member, another tenant's employee or an
	// unknown one alike.
	pm := expectProblem(t, e.deleteReq(t, e.owner, faxURL(shared, "/credentials/"+string(e.employee2.Staff))), http.StatusNotFound, "not_found", "staff")
	pf := expectProblem(t, e.deleteReq(t, e.owner, faxURL(shared, "/credentials/"+string(e.foreign.Staff))), http.StatusNotFound, "not_found", "staff")
	pr := expectProblem(t, e.deleteReq(t, e.owner, faxURL(shared, "/credentials/"+string(randomStaff()))), http.StatusNotFound, "not_found", "staff")
	sameProblem(t, pm, pf)
	sameProblem(t, pf, pr)
}

// TestEfaxDisabled: without an efax.Service the routes do not exist.
func TestEfaxDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	shared := faxFixture(t, e, "0221 5550", routing.UsageFaxShared, e.employee.Staff)
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
		return numberdesk.TenantID(r.Header.Get(hdrTenant)), numberdesk.StaffID(r.Header.Get(hdrStaff)), nil
	})
	api, err := httpapi.New(httpapi.Config{Store: e.st, Numbers: e.nums, Staff: e.people, Auth: auth})
	require.NoError(t, err)
	for _, route := range httpapi.Routes(api) {
		require.NotContains(t, route, "/efax/")
	}
	without := *e
	without.api = api
	for _, rq := range []req{
		{as: e.owner, method: http.MethodGet, path: faxURL(shared, "/recipients")},
		{as: e.owner, method: http.MethodPost, path: faxURL(shared, "/send"), body: map[string]any{"staff": []any{e.employee.Staff}}},
		{as: e.owner, method: http.MethodGet, path: faxURL(shared, "/credentials")},
		{as: e.owner, method: http.MethodDelete, path: faxURL(shared, "/credentials/"+string(e.employee.Staff))},
	} {
		expectProblem(t, without.do(t, rq), http.StatusNotFound, "not_found", "")
	}
	require.Empty(t, credentialsOf(t, e, shared))
}
