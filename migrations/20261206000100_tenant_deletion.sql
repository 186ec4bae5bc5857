-- Deleting a shop, in two steps: a soft delete (the shop is inactive, its users cannot
-- log in, and the platform can restore it), then, after the grace period,
-- `ventanas tenants purge` removes every row of it.
ALTER TABLE tenants
    ADD COLUMN deleted_at timestamptz,
    ADD CONSTRAINT tenants_deleted_inactive CHECK (deleted_at IS NULL OR NOT active);

-- Sent quote versions stay frozen, with one exception: the purge of a deleted shop,
-- by a member of the table's owner role (the runtime and platform roles are not),
-- that names the shop in `app.purging_tenant` for its transaction.
CREATE OR REPLACE FUNCTION quote_versions_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sent_at IS NOT NULL AND NOT (
        TG_OP = 'DELETE'
        AND current_setting('app.purging_tenant', true) = OLD.tenant_id::text
        AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
        AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = OLD.tenant_id AND t.deleted_at IS NOT NULL)
    ) THEN
        RAISE EXCEPTION 'quote version % of % was sent and is frozen', OLD.version, OLD.quote_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'quote_versions_frozen';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
