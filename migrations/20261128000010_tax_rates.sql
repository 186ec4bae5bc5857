-- Tax rates as data with effective dates (IVA 16 % general, 8 % in the northern border
-- region, ...). A quote names a code; the rate in force on the day it is priced
-- applies. A tenant's rows for a code replace the defaults of that code entirely.
-- Clients get a standing discount that their new quotes start with.

CREATE TABLE global_tax_rates (
    code        text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$'),
    valid_from  date NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rate        numeric(6, 4) NOT NULL CHECK (rate BETWEEN 0 AND 1),
    PRIMARY KEY (code, valid_from)
);
GRANT SELECT ON global_tax_rates TO ventanas_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON global_tax_rates TO ventanas_platform;

CREATE TABLE tax_rates (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$'),
    valid_from  date NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rate        numeric(6, 4) NOT NULL CHECK (rate BETWEEN 0 AND 1),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code, valid_from)
);
ALTER TABLE tax_rates ENABLE ROW LEVEL SECURITY;
ALTER TABLE tax_rates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tax_rates
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tax_rates TO ventanas_app, ventanas_platform;

-- The tax code quotes use unless they say otherwise (NULL: the plain tax_rate).
ALTER TABLE quote_settings ADD COLUMN tax_code text
    CHECK (tax_code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$');

ALTER TABLE clients ADD COLUMN discount_rate numeric(6, 4) NOT NULL DEFAULT 0
    CHECK (discount_rate BETWEEN 0 AND 1);
