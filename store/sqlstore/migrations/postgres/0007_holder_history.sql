-- The holder history: a call record belongs to whoever held the number when
-- the call happened. numbers.holders_since is the instant from which the
-- current holders hold the number (NULL: since before the history was kept);
-- UpdateNumbers adds a period of the previous holders whenever it moves
-- holders_since forward, in the same statement. Like number_holders, no
-- foreign key (see 0001).
ALTER TABLE numbers ADD COLUMN holders_since timestamptz;

CREATE TABLE number_holder_periods (
    tenant_id text COLLATE "C" NOT NULL,
    number_id text COLLATE "C" NOT NULL,
    from_at   timestamptz,              -- NULL: since before the history was kept
    to_at     timestamptz NOT NULL,     -- exclusive; unique per number, as holders_since only goes forward
    holders   jsonb NOT NULL,           -- array of staff IDs, in order, never empty
    PRIMARY KEY (tenant_id, number_id, to_at)
);
