package server

import (
	"testing"

	"github.com/numberdesk/numberdesk/internal/testdb"
)

// postgresSchema is testdb.PostgresSchema.
func postgresSchema(t *testing.T) string { return testdb.PostgresSchema(t) }

// On PostgreSQL too, processes that start at once seed one tenant.
func TestNewAppsStartingAtOnceSeedOncePostgres(t *testing.T) {
	testStartingAtOnce(t, postgresSchema(t), testSecret)
}
