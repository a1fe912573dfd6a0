-- Employees, call records and the delivery state of the outbox (SQLite).

-- The staff of a tenant. The *_key columns are lower-cased by the store (Go's
-- strings.ToLower: SQLite's lower() folds ASCII only) and compared and sorted
-- byte for byte: email_key makes addresses unique per tenant regardless of
-- case; last_key, first_key and email_key are the list order and, with the
-- e-mail, what a search looks in. Booleans are 0 or 1.
CREATE TABLE employees (
    tenant_id         TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    first_name        TEXT    NOT NULL,
    last_name         TEXT    NOT NULL,
    email             TEXT    NOT NULL,
    email_key         TEXT    NOT NULL,
    first_key         TEXT    NOT NULL,
    last_key          TEXT    NOT NULL,
    role              TEXT    NOT NULL,
    locked            INTEGER NOT NULL CHECK (locked IN (0, 1)),
    pref_missed_calls INTEGER NOT NULL CHECK (pref_missed_calls IN (0, 1)),
    pref_faxes        INTEGER NOT NULL CHECK (pref_faxes IN (0, 1)),
    pref_voicemail    INTEGER NOT NULL CHECK (pref_voicemail IN (0, 1)),
    pref_other        INTEGER NOT NULL CHECK (pref_other IN (0, 1)),
    created_at        INTEGER,
    updated_at        INTEGER,
    version           INTEGER NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX employees_order ON employees (tenant_id, last_key, first_key, email_key, id);

-- Call records, the fax journal and voicemail, newest first. at is never
-- NULL (the zero time is stored as year 1, -62135596800000000), so that the
-- indexes serve the order and the time ranges; holder is NULL for none.
CREATE TABLE records (
    tenant_id TEXT    NOT NULL,
    id        TEXT    NOT NULL,
    number_id TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    direction TEXT    NOT NULL,
    caller    TEXT    NOT NULL,
    callee    TEXT    NOT NULL,
    duration  INTEGER NOT NULL,         -- nanoseconds
    result    TEXT    NOT NULL,
    pages     INTEGER NOT NULL,
    holder    TEXT,
    PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX records_at     ON records (tenant_id, at DESC, id);
CREATE INDEX records_number ON records (tenant_id, number_id, at DESC, id);
CREATE INDEX records_holder ON records (tenant_id, holder, at DESC, id);

-- The outbox: the delivery state of every event, on the event's row, so that
-- an appended event is pending by the very INSERT that appends it. Events
-- appended before this migration start pending too (at least once: nothing
-- has delivered them yet).
ALTER TABLE events ADD COLUMN state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed'));
ALTER TABLE events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN next_attempt INTEGER;     -- NULL: due at once
ALTER TABLE events ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN delivered_at INTEGER;
ALTER TABLE events ADD COLUMN lease_owner TEXT;         -- the worker that claimed the event, until lease_until
ALTER TABLE events ADD COLUMN lease_until INTEGER;

-- What ClaimDeliveries scans, oldest first: the pending events only.
CREATE INDEX events_pending ON events (seq) WHERE state = 'pending';
-- FindDeliveries by state (the failed ones of a tenant).
CREATE INDEX events_state ON events (tenant_id, state, seq);
