-- Routing settings and the tenant-wide block list (PostgreSQL).

-- The routing of a number: its plan and the manual overrides of its rules,
-- as the JSON of routing.Plan and []routing.Override. A number without a row
-- routes by the default plan. version counts the saves (optimistic
-- concurrency, checked by the UPDATE).
CREATE TABLE routing_settings (
    tenant_id  text COLLATE "C" NOT NULL,
    number_id  text COLLATE "C" NOT NULL,
    plan       jsonb NOT NULL,
    overrides  jsonb,                  -- NULL: none
    updated_at timestamptz,
    version    bigint NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, number_id)
);

-- The block list ("Sperrliste") of a tenant, as the JSON of
-- routing.Blocklist. A tenant without a row has an empty list (version 0).
CREATE TABLE blocklists (
    tenant_id  text COLLATE "C" NOT NULL PRIMARY KEY,
    list       jsonb NOT NULL,
    updated_at timestamptz,
    version    bigint NOT NULL CHECK (version > 0)
);
