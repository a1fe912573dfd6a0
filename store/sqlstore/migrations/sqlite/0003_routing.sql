-- Routing settings and the tenant-wide block list (SQLite).

-- The routing of a number: its plan and the manual overrides of its rules,
-- as the JSON text of routing.Plan and []routing.Override. A number without
-- a row routes by the default plan. version counts the saves (optimistic
-- concurrency, checked by the UPDATE).
CREATE TABLE routing_settings (
    tenant_id  TEXT    NOT NULL,
    number_id  TEXT    NOT NULL,
    plan       TEXT    NOT NULL,
    overrides  TEXT,                   -- NULL: none
    updated_at INTEGER,
    version    INTEGER NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, number_id)
) STRICT, WITHOUT ROWID;

-- The block list ("Sperrliste") of a tenant, as the JSON text of
-- routing.Blocklist. A tenant without a row has an empty list (version 0).
CREATE TABLE blocklists (
    tenant_id  TEXT    NOT NULL PRIMARY KEY,
    list       TEXT    NOT NULL,
    updated_at INTEGER,
    version    INTEGER NOT NULL CHECK (version > 0)
) STRICT, WITHOUT ROWID;
