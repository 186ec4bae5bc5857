-- Change notifications (webhooks, issue #9; src/webhooks).
--
-- A tenant registers endpoints (webhooks). A change to its prices records an event
-- and one delivery per subscribed webhook in the change's own transaction (the
-- transactional outbox): a change that commits is delivered at least once, one that
-- rolls back leaves nothing to send. The delivery worker sends due deliveries and
-- records every attempt on them.
--
-- Every table with tenant data has ENABLE + FORCE row-level security like the
-- others. The worker, which serves every tenant, finds its work through two tables
-- that hold no tenant data at all:
--   webhook_queue           which tenant's delivery is due when, and who holds it;
--   webhook_global_changes  price changes of the default catalogue, to be announced
--                           to the tenants that inherit them.
-- It then binds each tenant in turn (TenantTx) to read and write that tenant's rows,
-- so even the worker's own queries see one tenant at a time.

-- A tenant's endpoints. The signing secret is not stored: it is derived from a
-- server key (webhooks.signing_key) and (id, secret_nonce), and rotating it draws a
-- new nonce (secret_version counts the rotations).
CREATE TABLE webhooks (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL,
    url                text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    events             text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 16),
    secret_nonce       bytea NOT NULL CHECK (length(secret_nonce) = 32),
    secret_version     integer NOT NULL DEFAULT 1 CHECK (secret_version >= 1),
    created_by         uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    secret_rotated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
CREATE INDEX webhooks_by_age ON webhooks (tenant_id, created_at, id);

-- What happened, once per tenant, whichever webhooks receive it. `data` is stored
-- in its own versioned shape (`format`, see src/webhooks/stored.rs), never as an API
-- type: it outlives the code that wrote it. `global_change_id` names the platform
-- change an event announces, so announcing it again (after a crash) adds nothing.
CREATE TABLE webhook_events (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL,
    type              text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    format            smallint NOT NULL CHECK (format >= 1),
    data              jsonb NOT NULL,
    global_change_id  bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, global_change_id)
);

-- One event's delivery to one webhook, with its attempts so far. Deleting a webhook
-- deletes its deliveries (and so their place in the queue): nothing more is sent.
CREATE TABLE webhook_deliveries (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL,
    webhook_id        uuid NOT NULL,
    event_id          uuid NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status_code  smallint CHECK (last_status_code BETWEEN 100 AND 999),
    last_error        text CHECK (length(last_error) <= 1000),
    last_attempt_at   timestamptz,
    next_attempt_at   timestamptz,
    delivered_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, webhook_id, event_id),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, event_id) REFERENCES webhook_events (tenant_id, id) ON DELETE CASCADE,
    -- Only a pending delivery has a next attempt; only a delivered one a time of it.
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (tenant_id, webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (tenant_id, event_id);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['webhooks', 'webhook_events', 'webhook_deliveries']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
                 USING (tenant_id = app_current_tenant())
                 WITH CHECK (tenant_id = app_current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO ventanas_app, ventanas_platform', t);
    END LOOP;
END
$$;

-- The worker's index of pending deliveries: ids and times only (no URL, no payload,
-- nothing a tenant wrote), so it can be read across tenants without row-level
-- security. A row lives exactly as long as its delivery is pending: written with
-- the delivery, deleted with its last attempt (or with the delivery). A worker
-- claims due rows with FOR UPDATE SKIP LOCKED and holds them until `lease_until`
-- under a `lease_token` of its own: other instances skip them meanwhile, and if the
-- instance dies they are due again when the lease ends. A worker records an attempt
-- only while its token still holds the row. The key checks against the delivery
-- (foreign keys ignore row-level security), so a row names a real delivery.
CREATE TABLE webhook_queue (
    tenant_id    uuid NOT NULL,
    delivery_id  uuid NOT NULL,
    due_at       timestamptz NOT NULL,
    lease_until  timestamptz,
    lease_token  uuid,
    PRIMARY KEY (tenant_id, delivery_id),
    FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_queue_due ON webhook_queue (due_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_queue TO ventanas_app, ventanas_platform;

-- Price changes of the default catalogue that tenants inheriting the code are to be
-- told about. Written by the platform in the change's own transaction (so a rolled
-- back change announces nothing); the worker (runtime role) announces each one to
-- every tenant in turn, in tenant id order, remembering the last tenant done
-- (`after_tenant`) so a crash resumes where it stopped. Global catalogue data only,
-- which every tenant can read anyway.
CREATE TABLE webhook_global_changes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL,
    old_price     numeric(12, 2),
    new_price     numeric(12, 2) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    after_tenant  uuid,
    lease_until   timestamptz,
    done_at       timestamptz
);
CREATE INDEX webhook_global_changes_pending ON webhook_global_changes (id) WHERE done_at IS NULL;
GRANT INSERT ON webhook_global_changes TO ventanas_platform;
GRANT SELECT, UPDATE ON webhook_global_changes TO ventanas_app;
