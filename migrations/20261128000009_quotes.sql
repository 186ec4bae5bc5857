-- Saved quotes: a quote is addressed to a client, numbered per tenant, and moves
-- through draft -> sent -> accepted / rejected / expired. Each version keeps what was
-- asked (items, per-quote rate overrides) and what was answered (the priced result);
-- sending a version freezes it, and a trigger refuses any later change to it.

-- The last quote number handed out per tenant (quote numbers are gap-free per tenant
-- under concurrency: the row lock serialises the increments).
CREATE TABLE quote_counters (
    tenant_id    uuid PRIMARY KEY REFERENCES tenants (id),
    last_number  bigint NOT NULL CHECK (last_number > 0)
);

CREATE TABLE quotes (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    number       bigint NOT NULL CHECK (number > 0),
    client_id    uuid NOT NULL,
    title        text CHECK (length(title) BETWEEN 1 AND 200),
    notes        text CHECK (length(notes) <= 2000),
    -- 'expired' is not stored: a 'sent' quote past valid_until reads as expired
    -- (quotes::store::STATUS), so expiry needs no background job.
    status       text NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'rejected')),
    -- The current version: the draft being edited, or the last one sent.
    version      integer NOT NULL CHECK (version >= 1),
    -- Of the current version, for lists.
    total        numeric(14, 2) NOT NULL CHECK (total >= 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    valid_until  date,
    created_by   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id),
    CHECK (status = 'draft' OR valid_until IS NOT NULL)
);
CREATE INDEX quotes_recent ON quotes (tenant_id, updated_at DESC);
CREATE INDEX quotes_client ON quotes (tenant_id, client_id);
CREATE TRIGGER quotes_touch BEFORE UPDATE ON quotes
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE TABLE quote_versions (
    tenant_id    uuid NOT NULL,
    quote_id     uuid NOT NULL,
    version      integer NOT NULL CHECK (version >= 1),
    -- The request as the API takes it: items, loose materials, rate overrides.
    request      jsonb NOT NULL,
    -- The priced quote as the API shows it.
    result       jsonb NOT NULL,
    total        numeric(14, 2) NOT NULL CHECK (total >= 0),
    priced_at    timestamptz NOT NULL,
    -- Set when the version is sent; from then on it never changes.
    sent_at      timestamptz,
    valid_until  date,
    created_by   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, quote_id, version),
    FOREIGN KEY (tenant_id, quote_id) REFERENCES quotes (tenant_id, id) ON DELETE CASCADE
);

CREATE FUNCTION quote_versions_frozen() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sent_at IS NOT NULL THEN
        RAISE EXCEPTION 'quote version % of % was sent and is frozen', OLD.version, OLD.quote_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'quote_versions_frozen';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER quote_versions_frozen BEFORE UPDATE OR DELETE ON quote_versions
    FOR EACH ROW EXECUTE FUNCTION quote_versions_frozen();

-- Who did what to a quote, and when.
CREATE TABLE quote_events (
    tenant_id  uuid NOT NULL,
    quote_id   uuid NOT NULL,
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    version    integer NOT NULL,
    action     text NOT NULL CHECK (action IN ('created', 'edited', 'sent', 'accepted', 'rejected',
                                              'revised')),
    user_id    uuid NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, quote_id, seq),
    FOREIGN KEY (tenant_id, quote_id) REFERENCES quotes (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['quote_counters', 'quotes', 'quote_versions', 'quote_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I
                            USING (tenant_id = app_current_tenant())
                            WITH CHECK (tenant_id = app_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO ventanas_app, ventanas_platform', t);
    END LOOP;
END;
$$;

-- The shop's details printed on its quotes, and its logo.
CREATE TABLE company_profiles (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants (id),
    legal_name  text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 200),
    rfc         text CHECK (rfc ~ '^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$'),
    address     text CHECK (length(address) <= 500),
    phone       text CHECK (length(phone) BETWEEN 1 AND 40),
    email       text CHECK (length(email) BETWEEN 3 AND 254),
    website     text CHECK (length(website) <= 200),
    logo        bytea CHECK (length(logo) <= 524288),
    logo_type   text CHECK (logo_type IN ('image/png', 'image/jpeg')),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid,
    CHECK ((logo IS NULL) = (logo_type IS NULL))
);
CREATE TRIGGER company_profiles_touch BEFORE UPDATE ON company_profiles
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
ALTER TABLE company_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE company_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON company_profiles
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON company_profiles TO ventanas_app, ventanas_platform;
