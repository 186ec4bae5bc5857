-- Idempotency keys for every creating POST (src/http/idempotency): a retry with the
-- same Idempotency-Key returns the first answer instead of creating again.
--
-- A record is claimed ('in_progress') before the endpoint runs and completed ('done')
-- with the answer afterwards; only successful (2xx) answers are kept. The request
-- itself is never stored: `fingerprint` is an HMAC-SHA256, keyed with a server
-- secret (idempotency.secret), of the caller, method, path and body. A body may hold
-- a password (creating a user, onboarding a tenant), so nothing unkeyed may be
-- derived from it. Records expire 24 hours after the claim; expired ones are deleted
-- when the same scope next claims a key.

-- The onboarding-only table stored an unsalted SHA-256 of a body holding the first
-- admin's plaintext password. Its rows expire within a day anyway: drop them with it.
DROP TABLE idempotency_keys;

-- Keys of tenant requests, scoped to the tenant under row-level security. The tenant
-- defaults to the one bound to the transaction; WITH CHECK refuses any other.
CREATE TABLE idempotency_keys (
    tenant_id     uuid NOT NULL DEFAULT app_current_tenant() REFERENCES tenants (id),
    key           text NOT NULL CHECK (key ~ '^[!-~]{1,255}$'),
    fingerprint   bytea NOT NULL CHECK (length(fingerprint) = 32),
    state         text NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'done')),
    status        smallint CHECK (status BETWEEN 200 AND 299),
    content_type  text,
    etag          text,
    location      text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key),
    -- A completed record has its answer; a claim has none yet.
    CHECK ((state = 'done') = (status IS NOT NULL AND body IS NOT NULL))
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (tenant_id, expires_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ventanas_app;

-- Keys of platform requests (onboarding, the default catalogue): the platform
-- operator is one scope. The runtime role has no access.
CREATE TABLE platform_idempotency_keys (
    key           text PRIMARY KEY CHECK (key ~ '^[!-~]{1,255}$'),
    fingerprint   bytea NOT NULL CHECK (length(fingerprint) = 32),
    state         text NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'done')),
    status        smallint CHECK (status BETWEEN 200 AND 299),
    content_type  text,
    etag          text,
    location      text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CHECK ((state = 'done') = (status IS NOT NULL AND body IS NOT NULL))
);
CREATE INDEX platform_idempotency_keys_expiry ON platform_idempotency_keys (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_idempotency_keys TO ventanas_platform;
