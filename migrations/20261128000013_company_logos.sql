-- Logos by content: every logo a tenant uploads is kept under its SHA-256, and the
-- company profile points at the current one. A sent quote version records the hash of
-- the logo it was sent with, so its PDF keeps that logo after the shop changes or
-- removes it.

CREATE TABLE company_logos (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    content_type  text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes         bytea NOT NULL CHECK (length(bytes) <= 524288),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, sha256)
);
ALTER TABLE company_logos ENABLE ROW LEVEL SECURITY;
ALTER TABLE company_logos FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_logos
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON company_logos TO ventanas_app, ventanas_platform;

ALTER TABLE company_profiles ADD COLUMN logo_sha256 bytea;
ALTER TABLE company_profiles ADD CONSTRAINT company_profiles_logo_fkey
    FOREIGN KEY (tenant_id, logo_sha256) REFERENCES company_logos (tenant_id, sha256);

INSERT INTO company_logos (tenant_id, sha256, content_type, bytes)
SELECT tenant_id, sha256(logo), logo_type, logo FROM company_profiles WHERE logo IS NOT NULL
ON CONFLICT DO NOTHING;
UPDATE company_profiles SET logo_sha256 = sha256(logo) WHERE logo IS NOT NULL;

ALTER TABLE company_profiles DROP COLUMN logo, DROP COLUMN logo_type;
