-- Failed-login throttling that cannot tell known shops from unknown ones.
--
-- login_attempts was keyed by (tenant_id, email): a slug that names no shop had no
-- row to count in, so only real shops ever answered 429 and the lockout revealed
-- which slugs exist. Attempts are now counted under a name that exists whatever the
-- slug: `key`, an HMAC-SHA256 of the slug and email as given at login, keyed with a
-- server secret (derived from idempotency.secret), so the table reveals neither
-- shops nor emails. It holds no tenant data and is reached without a tenant bound,
-- before the slug is even looked up; unknown slugs create no tenant rows.
--
-- An attempt is counted before its password is checked (an upsert that returns the
-- new count), so concurrent guesses cannot outrun the limit. `attempts` counts the
-- attempts within the window that ends at `expires_at`; the attempt that spends the
-- last allowed one sets `expires_at` to the end of the lockout. Expired rows are
-- deleted a few at a time by later attempts (see auth::repo::reserve_attempt).
CREATE TABLE login_throttle (
    key         bytea PRIMARY KEY CHECK (length(key) = 32),
    attempts    integer NOT NULL CHECK (attempts > 0),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX login_throttle_expiry ON login_throttle (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO ventanas_app;

-- Its counts are short-lived by nature (a lockout lasts minutes): dropping them
-- unlocks whoever is locked at the moment of the upgrade, no more.
DROP TABLE login_attempts;
