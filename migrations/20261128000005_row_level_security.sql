-- Row-level security on every tenant-owned table.
--
-- ENABLE turns the policies on; FORCE applies them to the table owner too, so a
-- mistake that runs tenant code as the owner still cannot cross tenants. Each policy
-- checks both the rows a statement may see (USING) and the rows it may write
-- (WITH CHECK) against the tenant bound to the current transaction.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'memberships', 'sessions', 'login_attempts',
                             'materials', 'price_history']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
                 USING (tenant_id = app_current_tenant())
                 WITH CHECK (tenant_id = app_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO ventanas_app, ventanas_platform', t);
    END LOOP;
END
$$;
