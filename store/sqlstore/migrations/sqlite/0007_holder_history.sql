-- The holder history: a call record belongs to whoever held the number when
-- the call happened. numbers.holders_since is the instant from which the
-- current holders hold the number (NULL: since before the history was kept);
-- UpdateNumbers adds a period of the previous holders whenever it moves
-- holders_since forward, in the same transaction.
ALTER TABLE numbers ADD COLUMN holders_since INTEGER;

CREATE TABLE number_holder_periods (
    tenant_id TEXT    NOT NULL,
    number_id TEXT    NOT NULL,
    from_at   INTEGER,                  -- NULL: since before the history was kept
    to_at     INTEGER NOT NULL,         -- exclusive; unique per number, as holders_since only goes forward
    holders   TEXT    NOT NULL,         -- JSON array of staff IDs, in order, never empty
    PRIMARY KEY (tenant_id, number_id, to_at),
    FOREIGN KEY (tenant_id, number_id) REFERENCES numbers (tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
