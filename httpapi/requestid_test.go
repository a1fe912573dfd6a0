package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
)

// The request's ID (X-Request-ID) reaches the services through the
// context (numberdesk.WithRequestID), so that their log lines name it.
func TestRequestIDReachesServiceLogs(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	nums, err := numbers.NewService(numbers.Config{Store: e.st, Clock: func() time.Time { return e.now },
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	e.api, err = httpapi.New(httpapi.Config{Store: e.st, Numbers: nums, Staff: e.people, Efax: e.fax, Auth: e.auth})
	require.NoError(t, err)

	r := e.post(t, e.owner, "/api/v1/numbers", map[string]any{"number": "0221 555123"})
	require.Equal(t, http.StatusCreated, r.Code, "%s", r.Body)
	id := r.Header.Get("X-Request-ID")
	require.NotEmpty(t, id)

	var line map[string]any
	for l := range strings.Lines(logs.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		if m["op"] == "numbers.Provision" {
			line = m
		}
	}
	require.NotNil(t, line, "no log line of numbers.Provision in %s", logs.String())
	require.Equal(t, id, line["request_id"])
	require.Equal(t, string(e.owner.Tenant), line["tenant"])
}
