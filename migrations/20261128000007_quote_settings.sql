-- Per-tenant quote settings: default overhead and tax rates, currency, validity, and
-- the pricing rules that differ from the original app's. A tenant without a row
-- uses the classic defaults (25 % profit, 15 % indirect, 16 % IVA, whole bars).

CREATE TABLE quote_settings (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants (id),
    profit_rate        numeric(6, 4) NOT NULL CHECK (profit_rate BETWEEN 0 AND 10),
    indirect_rate      numeric(6, 4) NOT NULL CHECK (indirect_rate BETWEEN 0 AND 10),
    tax_rate           numeric(6, 4) NOT NULL CHECK (tax_rate BETWEEN 0 AND 1),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    validity_days      integer NOT NULL CHECK (validity_days BETWEEN 1 AND 365),
    profile_rule       text NOT NULL CHECK (profile_rule IN ('whole_bars_per_line', 'per_metre')),
    waste_on_hardware  boolean NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         uuid
);

ALTER TABLE quote_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE quote_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON quote_settings
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON quote_settings TO ventanas_app, ventanas_platform;
