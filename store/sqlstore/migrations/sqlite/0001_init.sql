-- NumberDesk schema, SQLite. Times are INTEGER microseconds since 1970 UTC;
-- NULL is the zero time. Tables are STRICT: a column holds only its type.

CREATE TABLE tenants (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at INTEGER
) STRICT;

CREATE TABLE numbers (
    tenant_id       TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    e164            TEXT    NOT NULL,
    base            TEXT    NOT NULL,
    extension       TEXT    NOT NULL,
    origin          TEXT    NOT NULL,
    porting_date    INTEGER,
    status          TEXT    NOT NULL,
    usage_type      TEXT    NOT NULL,
    options         TEXT,               -- JSON array of option codes; NULL: none
    billing_line    TEXT    NOT NULL,
    billed_since    INTEGER,
    deactivation_at INTEGER,
    created_at      INTEGER,
    updated_at      INTEGER,
    version         INTEGER NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, e164)            -- also the default order of the overview
) STRICT;

CREATE INDEX numbers_status     ON numbers (tenant_id, status, e164);
CREATE INDEX numbers_usage_type ON numbers (tenant_id, usage_type, e164);
CREATE INDEX numbers_due        ON numbers (tenant_id, status, deactivation_at);

-- The holders of a number (one; the members of a shared fax number), in order.
CREATE TABLE number_holders (
    tenant_id TEXT    NOT NULL,
    number_id TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    staff_id  TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, number_id, position),
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX number_holders_staff ON number_holders (tenant_id, staff_id, number_id);

-- The outbox and audit log. AUTOINCREMENT: a Seq is never used twice.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL,
    tenant_id    TEXT NOT NULL,
    type         TEXT NOT NULL,
    at           INTEGER,
    actor_tenant TEXT NOT NULL,
    actor_staff  TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    number_id    TEXT,
    data         TEXT,                  -- JSON
    UNIQUE (tenant_id, id)
) STRICT;

CREATE INDEX events_tenant ON events (tenant_id, seq);
CREATE INDEX events_number ON events (tenant_id, number_id, seq);

CREATE TABLE idempotency (
    tenant_id   TEXT NOT NULL,
    key         TEXT NOT NULL,
    op          TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result      TEXT,                   -- JSON, as the command returned it
    created_at  INTEGER,
    PRIMARY KEY (tenant_id, key)
) STRICT, WITHOUT ROWID;
