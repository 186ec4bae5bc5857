-- The platform operator's own tables. The runtime role has no access at all.

-- Platform API keys, stored only as SHA-256 hashes of the whole key.
CREATE TABLE platform_api_keys (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    key_hash      bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
GRANT SELECT, INSERT, UPDATE ON platform_api_keys TO ventanas_platform;

-- Replays of onboarding requests: a retried POST with the same Idempotency-Key
-- returns the first answer instead of creating a second tenant.
CREATE TABLE idempotency_keys (
    key           text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    status        smallint NOT NULL,
    response      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, DELETE ON idempotency_keys TO ventanas_platform;
