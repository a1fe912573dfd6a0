-- The owner's per-employee grant to edit the routing of the numbers the
-- employee holds ("darf Routing bearbeiten") (SQLite). Booleans are 0 or 1;
-- existing employees start without the grant.
ALTER TABLE employees ADD COLUMN routing_edit INTEGER NOT NULL DEFAULT 0 CHECK (routing_edit IN (0, 1));
