-- Employees, call records and the delivery state of the outbox (PostgreSQL).

-- The staff of a tenant. The *_key columns are lower-cased by the store (Go's
-- strings.ToLower, so umlauts fold too, whatever the database's locale) and
-- compared and sorted in byte order: email_key makes addresses unique per
-- tenant regardless of case; last_key, first_key and email_key are the list
-- order and, with the e-mail, what a search looks in.
CREATE TABLE employees (
    tenant_id         text COLLATE "C" NOT NULL,
    id                text COLLATE "C" NOT NULL,
    first_name        text NOT NULL,
    last_name         text NOT NULL,
    email             text NOT NULL,
    email_key         text COLLATE "C" NOT NULL,
    first_key         text COLLATE "C" NOT NULL,
    last_key          text COLLATE "C" NOT NULL,
    role              text COLLATE "C" NOT NULL,
    locked            boolean NOT NULL,
    pref_missed_calls boolean NOT NULL,
    pref_faxes        boolean NOT NULL,
    pref_voicemail    boolean NOT NULL,
    pref_other        boolean NOT NULL,
    created_at        timestamptz,
    updated_at        timestamptz,
    version           bigint NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT employees_email_key UNIQUE (tenant_id, email_key)
);

CREATE INDEX employees_order ON employees (tenant_id, last_key, first_key, email_key, id);

-- Call records, the fax journal and voicemail, newest first. at is never
-- NULL (the zero time is stored as year 1), so that the indexes serve the
-- order and the time ranges; holder is NULL for none.
CREATE TABLE records (
    tenant_id text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    number_id text COLLATE "C" NOT NULL,
    kind      text COLLATE "C" NOT NULL,
    at        timestamptz NOT NULL,
    direction text NOT NULL,
    caller    text NOT NULL,
    callee    text NOT NULL,
    duration  bigint NOT NULL,          -- nanoseconds
    result    text NOT NULL,
    pages     bigint NOT NULL,
    holder    text COLLATE "C",
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX records_at     ON records (tenant_id, at DESC, id);
CREATE INDEX records_number ON records (tenant_id, number_id, at DESC, id);
CREATE INDEX records_holder ON records (tenant_id, holder, at DESC, id);

-- The outbox: the delivery state of every event, on the event's row, so that
-- an appended event is pending by the very INSERT that appends it. Events
-- appended before this migration start pending too (at least once: nothing
-- has delivered them yet).
ALTER TABLE events
    ADD COLUMN state        text COLLATE "C" NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    ADD COLUMN attempts     bigint NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt timestamptz,    -- NULL: due at once
    ADD COLUMN last_error   text NOT NULL DEFAULT '',
    ADD COLUMN delivered_at timestamptz,
    ADD COLUMN lease_owner  text COLLATE "C", -- the worker that claimed the event, until lease_until
    ADD COLUMN lease_until  timestamptz;

-- What ClaimDeliveries scans, oldest first: the pending events only.
CREATE INDEX events_pending ON events (seq) WHERE state = 'pending';
-- FindDeliveries by state (the failed ones of a tenant).
CREATE INDEX events_state ON events (tenant_id, state, seq);
