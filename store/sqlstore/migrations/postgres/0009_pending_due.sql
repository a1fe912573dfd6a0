-- The server's background work finds the tenants with due deactivations
-- (Store.FindDueTenants, across tenants) before it runs ApplyDue for each:
-- only the pending numbers are in this index, by deactivation date, with
-- their tenant, so that the query reads the due ones and nothing else.
CREATE INDEX numbers_pending_due ON numbers (deactivation_at, tenant_id) WHERE status = 'deactivation_pending';
