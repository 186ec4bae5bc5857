-- Clients: the shop's customers, whom quotes are addressed to.

CREATE TABLE clients (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Mexican tax id (RFC): 12 characters for companies, 13 for people.
    rfc         text CHECK (rfc ~ '^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$'),
    email       text CHECK (length(email) BETWEEN 3 AND 254),
    phone       text CHECK (length(phone) BETWEEN 1 AND 40),
    address     text CHECK (length(address) <= 500),
    notes       text CHECK (length(notes) <= 2000),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX clients_name ON clients (tenant_id, lower(name));
CREATE TRIGGER clients_touch BEFORE UPDATE ON clients
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

ALTER TABLE clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE clients FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clients
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON clients TO ventanas_app, ventanas_platform;
