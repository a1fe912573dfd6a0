package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// With AppConfig.Metrics the portal serves Prometheus metrics on a
// listener of its own (not on the public handler): the commands by op and
// code, their duration, the outbox backlog.
func TestMetricsListener(t *testing.T) {
	a := newApp(t, AppConfig{Demo: true, Metrics: "127.0.0.1:0"})
	require.NotEmpty(t, a.MetricsAddr())
	b := serve(t, a)
	res, _ := b.postForm("/login", url.Values{"staff": {string(employee(t, a, "Anna Admin").ID)}}, nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	require.Equal(t, http.StatusCreated, b.api(http.MethodPost, "/api/v1/numbers", map[string]any{"number": "0221 5550100"}, nil))

	get, err := http.Get("http://" + a.MetricsAddr() + MetricsPath)
	require.NoError(t, err)
	defer get.Body.Close()
	raw, err := io.ReadAll(get.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, get.StatusCode)
	text := string(raw)
	var commands []string
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, "numberdesk_commands_total{") {
			commands = append(commands, l)
		}
	}
	require.NotEmpty(t, commands, "no numberdesk_commands_total in\n%s", text)
	found := false
	for _, l := range commands {
		found = found || strings.Contains(l, `numberdesk_op="numbers.Provision"`) && strings.Contains(l, `numberdesk_code="ok"`)
	}
	require.True(t, found, "no ok numbers.Provision in %v", commands)
	require.Contains(t, text, "numberdesk_command_duration_seconds_bucket{")
	require.Contains(t, text, "numberdesk_outbox_backlog")

	// Not on the public handler.
	_, page := b.get(MetricsPath)
	require.NotContains(t, page, "numberdesk_commands_total")

	// Off by default.
	require.Empty(t, newApp(t, AppConfig{Demo: true}).MetricsAddr())
}
