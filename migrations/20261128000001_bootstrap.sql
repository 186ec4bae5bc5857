-- Bootstrap: helper functions every later migration relies on.
--
-- Runs as the owner role. The runtime role (ventanas_app) and the platform role
-- (ventanas_platform) are created beforehand by deploy/db/roles.sql; a missing role
-- makes the GRANTs below fail loudly, which is what we want.

-- The tenant bound to the current transaction, or NULL when none is bound.
-- After a transaction that used set_config(..., true) ends, the setting reads ''
-- rather than NULL, so NULLIF turns both "never set" and "reset" into NULL, and
-- `tenant_id = app_current_tenant()` is then never true: an unbound connection sees
-- nothing and can write nothing.
CREATE FUNCTION app_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ventanas_app, ventanas_platform;
GRANT EXECUTE ON FUNCTION app_current_tenant() TO ventanas_app, ventanas_platform;

-- Keeps updated_at honest without relying on every UPDATE statement to set it.
CREATE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
