-- The owner's per-employee grant to edit the routing of the numbers the
-- employee holds ("darf Routing bearbeiten") (PostgreSQL). Existing employees
-- start without the grant.
ALTER TABLE employees ADD COLUMN routing_edit boolean NOT NULL DEFAULT false;
