-- tenant_time_zone in PL/pgSQL rather than SQL, with the same result, rights and
-- volatility. A SQL function whose query takes a parameter cannot be planned by
-- Citus when the table it reads is distributed ("could not create distributed plan:
-- possibly caused by the use of parameters in SQL functions"); PL/pgSQL hands the
-- parameter to the planner as a value. Row-level security still applies: the
-- function runs with the caller's rights and sees the bound tenant's settings only.
CREATE OR REPLACE FUNCTION tenant_time_zone(tenant uuid) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN COALESCE((SELECT time_zone FROM quote_settings WHERE tenant_id = tenant),
                    'America/Mexico_City');
END;
$$;
