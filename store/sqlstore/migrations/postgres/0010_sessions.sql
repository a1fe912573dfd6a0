-- Cookie sessions of the server mode (httpapi.Sessions), PostgreSQL.

-- One row per session, keyed by the hex SHA-256 of the session's ID: the ID
-- itself (the cookie's value) is never stored. Every server process reads
-- and ends the sessions here, so a login on one node is valid on all and a
-- logout on one is seen by all.
CREATE TABLE sessions (
    hash       text COLLATE "C" PRIMARY KEY,
    tenant_id  text COLLATE "C" NOT NULL,
    staff_id   text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

-- The purge of expired sessions (Store.DeleteExpiredSessions) deletes by
-- expiry across all tenants.
CREATE INDEX sessions_expires ON sessions (expires_at);
