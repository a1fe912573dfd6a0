-- The overview's search by extension ("Durchwahl"): the numbers of one
-- extension in E.164 order, so that a page of them is read, not all. The
-- search by the start of a number is a range of the unique (tenant_id, e164)
-- index.
CREATE INDEX numbers_extension ON numbers (tenant_id, extension, e164);
-- The overview sorted by creation (a NULL created_at, the zero time, first)
-- and by deactivation date: the page is read in index order.
CREATE INDEX numbers_created ON numbers (tenant_id, created_at NULLS FIRST, e164);
CREATE INDEX numbers_deactivation ON numbers (tenant_id, deactivation_at, e164);
