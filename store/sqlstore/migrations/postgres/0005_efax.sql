-- E-Fax-App credentials (PostgreSQL).

-- One login of the E-Fax-App per fax number and employee. hash is the
-- argon2id PHC string of the current secret ('' once revoked); sealed is the
-- secret sealed with AES-256-GCM until its delivery (NULL after delivery or
-- revocation). The plaintext secret is never stored. username is unique
-- store-wide: the fax-app backend logs in without naming a tenant.
CREATE TABLE efax_credentials (
    tenant_id     text COLLATE "C" NOT NULL,
    id            text COLLATE "C" NOT NULL,
    number_id     text COLLATE "C" NOT NULL,
    staff_id      text COLLATE "C" NOT NULL,
    username      text COLLATE "C" NOT NULL,
    status        text COLLATE "C" NOT NULL CHECK (status IN ('active', 'revoked')),
    generation    bigint NOT NULL CHECK (generation > 0),
    hash          text NOT NULL,
    sealed        bytea,
    issued_at     timestamptz,
    rotated_at    timestamptz,
    delivered_at  timestamptz,
    revoked_at    timestamptz,
    reason        text COLLATE "C" NOT NULL,
    last_login_at timestamptz,
    failures      bigint NOT NULL CHECK (failures >= 0),
    locked_until  timestamptz,
    updated_at    timestamptz,
    version       bigint NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT efax_credentials_pair UNIQUE (tenant_id, number_id, staff_id),
    CONSTRAINT efax_credentials_username UNIQUE (username)
);

-- The logins of an employee (locks, deletions).
CREATE INDEX efax_credentials_staff ON efax_credentials (tenant_id, staff_id);
