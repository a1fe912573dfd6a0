-- NumberDesk schema, PostgreSQL. Text that is sorted or compared uses the "C"
-- collation (byte order, as in Go), whatever the database's locale.

CREATE TABLE tenants (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    time_zone  text NOT NULL,
    created_at timestamptz
);

CREATE TABLE numbers (
    tenant_id       text COLLATE "C" NOT NULL,
    id              text COLLATE "C" NOT NULL,
    e164            text COLLATE "C" NOT NULL,
    base            text NOT NULL,
    extension       text NOT NULL,
    origin          text NOT NULL,
    porting_date    timestamptz,
    status          text COLLATE "C" NOT NULL,
    usage_type      text COLLATE "C" NOT NULL,
    options         jsonb,              -- array of option codes; NULL: none
    billing_line    text NOT NULL,
    billed_since    timestamptz,
    deactivation_at timestamptz,
    created_at      timestamptz,
    updated_at      timestamptz,
    version         bigint NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    -- Checked at the end of each statement, so that one UPDATE may swap the
    -- E.164s of two numbers. Also the default order of the overview.
    CONSTRAINT numbers_e164_key UNIQUE (tenant_id, e164) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE INDEX numbers_status     ON numbers (tenant_id, status, e164);
CREATE INDEX numbers_usage_type ON numbers (tenant_id, usage_type, e164);
CREATE INDEX numbers_due        ON numbers (tenant_id, status, deactivation_at);

-- The holders of a number (one; the members of a shared fax number), in order.
-- They are written only with their number, in the same statement. No foreign
-- key: its check is a trigger per row (about 50 µs each), whose plan, cached
-- per session, stays a sequential scan while a fresh table fills (measured:
-- 49 ms for 34 holders at 20,000 numbers).
CREATE TABLE number_holders (
    tenant_id text COLLATE "C" NOT NULL,
    number_id text COLLATE "C" NOT NULL,
    position  integer NOT NULL,
    staff_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, number_id, position)
);

CREATE INDEX number_holders_staff ON number_holders (tenant_id, staff_id, number_id);

-- The outbox and audit log.
CREATE TABLE events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           text COLLATE "C" NOT NULL,
    tenant_id    text COLLATE "C" NOT NULL,
    type         text COLLATE "C" NOT NULL,
    at           timestamptz,
    actor_tenant text NOT NULL,
    actor_staff  text NOT NULL,
    actor_role   text NOT NULL,
    number_id    text COLLATE "C",
    data         jsonb,
    UNIQUE (tenant_id, id)
);

CREATE INDEX events_tenant ON events (tenant_id, seq);
CREATE INDEX events_number ON events (tenant_id, number_id, seq);

CREATE TABLE idempotency (
    tenant_id   text COLLATE "C" NOT NULL,
    key         text COLLATE "C" NOT NULL,
    op          text NOT NULL,
    fingerprint text NOT NULL,
    result      json,                   -- kept byte for byte: a replay returns the same body
    created_at  timestamptz,
    PRIMARY KEY (tenant_id, key)
);
