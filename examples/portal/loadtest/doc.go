// Package loadtest holds the portal's load-and-kill test (its tests only):
// two portal server processes, built from examples/portal, on one
// PostgreSQL database, each running the dispatcher and ApplyDue, under the
// load of 50 concurrent API clients for 30 seconds, while one process is
// killed with SIGKILL and started again. Afterwards the test checks on the
// database that every number's state is what its last event says, that the
// billing feed balances (no line billed twice at once, no interval closed
// that was not opened, every billed number with exactly one open interval),
// that every event was delivered at least once and that an SMTP sink which
// de-duplicates by event received every mail exactly once; it reports the
// throughput and the p50/p99 latency per route.
//
// It needs PostgreSQL (NUMBERDESK_POSTGRES_DSN; skipped without it, failed
// on CI) and is skipped with -short. Run it with `make loadtest`. A small
// test beside it (on SQLite, always run) shows that the ledger check finds
// each kind of damage it looks for.
package loadtest
