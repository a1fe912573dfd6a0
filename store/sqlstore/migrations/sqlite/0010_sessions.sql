-- Cookie sessions of the server mode (httpapi.Sessions), SQLite.

-- One row per session, keyed by the hex SHA-256 of the session's ID: the ID
-- itself (the cookie's value) is never stored. Every server process reads
-- and ends the sessions here, so a login on one node is valid on all and a
-- logout on one is seen by all. Times are UTC microseconds.
CREATE TABLE sessions (
    hash       TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL,
    staff_id   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The purge of expired sessions (Store.DeleteExpiredSessions) deletes by
-- expiry across all tenants.
CREATE INDEX sessions_expires ON sessions (expires_at);
