-- E-Fax-App credentials (SQLite).

-- One login of the E-Fax-App per fax number and employee. hash is the
-- argon2id PHC string of the current secret ('' once revoked); sealed is the
-- secret sealed with AES-256-GCM until its delivery (NULL after delivery or
-- revocation). The plaintext secret is never stored. username is unique
-- store-wide: the fax-app backend logs in without naming a tenant. Times are
-- UTC microseconds (NULL for none).
CREATE TABLE efax_credentials (
    tenant_id     TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    number_id     TEXT    NOT NULL,
    staff_id      TEXT    NOT NULL,
    username      TEXT    NOT NULL UNIQUE,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'revoked')),
    generation    INTEGER NOT NULL CHECK (generation > 0),
    hash          TEXT    NOT NULL,
    sealed        BLOB,
    issued_at     INTEGER,
    rotated_at    INTEGER,
    delivered_at  INTEGER,
    revoked_at    INTEGER,
    reason        TEXT    NOT NULL,
    last_login_at INTEGER,
    failures      INTEGER NOT NULL CHECK (failures >= 0),
    locked_until  INTEGER,
    updated_at    INTEGER,
    version       INTEGER NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number_id, staff_id)
) STRICT, WITHOUT ROWID;

-- The logins of an employee (locks, deletions).
CREATE INDEX efax_credentials_staff ON efax_credentials (tenant_id, staff_id);
