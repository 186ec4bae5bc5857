-- Each tenant's own calendar: the day a quote is sent, dated and expires, and the day
-- a tax rate is in force, are the shop's local days. The zone is a quote setting;
-- tenants without settings are in Mexico City's zone.

ALTER TABLE quote_settings ADD COLUMN time_zone text NOT NULL DEFAULT 'America/Mexico_City';

-- The tenant's zone. Runs with the caller's rights, so row-level security applies: it
-- sees the settings of the bound tenant only, and anything else gets the default.
CREATE FUNCTION tenant_time_zone(tenant uuid) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT time_zone FROM quote_settings WHERE tenant_id = tenant),
                    'America/Mexico_City')
$$;

-- The tenant's local date of a moment.
CREATE FUNCTION tenant_date(tenant uuid, at timestamptz) RETURNS date
    LANGUAGE sql STABLE AS $$
    SELECT (at AT TIME ZONE tenant_time_zone(tenant))::date
$$;
