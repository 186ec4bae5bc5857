-- Price administration: batches of price changes and a history that says what kind
-- of change each row is.
--
-- A batch is one administrative act over many prices: a bulk update, a CSV import,
-- or the revert of an earlier batch. Its materials' changes are rows of
-- price_history carrying its id, so the history, filtered by batch, shows exactly
-- what it did. `payload` keeps what a revert needs (each material's price and
-- whether the batch created the tenant's row) in its own versioned format
-- (`format`), read by catalog::price_admin::stored; never the API's types.
CREATE TABLE price_batches (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('bulk', 'import', 'revert')),
    format      smallint NOT NULL CHECK (format > 0),
    payload     jsonb NOT NULL,
    count       integer NOT NULL CHECK (count > 0),
    -- The batch this one reverts.
    reverts     uuid,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, reverts) REFERENCES price_batches (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);
-- The batch list, newest first, paged by (created_at, id).
CREATE INDEX price_batches_recent ON price_batches (tenant_id, created_at DESC, id DESC);

ALTER TABLE price_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE price_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON price_batches
    USING (tenant_id = app_current_tenant())
    WITH CHECK (tenant_id = app_current_tenant());
-- No UPDATE or DELETE: a batch, once applied, is a fact; a revert is a new batch.
GRANT SELECT, INSERT ON price_batches TO ventanas_app, ventanas_platform;

-- What kind of change each history row is, the batch it belongs to, and whether
-- it withdrew the tenant's own price (the row was deactivated, so the default
-- applies again from then on; `new_price` is then the price the row had).
ALTER TABLE price_history
    ADD COLUMN kind text NOT NULL DEFAULT 'edit'
        CHECK (kind IN ('edit', 'bulk', 'import', 'revert', 'seed')),
    ADD COLUMN batch_id uuid,
    ADD COLUMN withdrawn boolean NOT NULL DEFAULT false,
    ADD FOREIGN KEY (tenant_id, batch_id) REFERENCES price_batches (tenant_id, id),
    ADD CHECK ((batch_id IS NOT NULL) = (kind IN ('bulk', 'import', 'revert')));
CREATE INDEX price_history_recent ON price_history (tenant_id, changed_at DESC, id DESC);
CREATE INDEX price_history_batch ON price_history (tenant_id, batch_id) WHERE batch_id IS NOT NULL;

-- The history is append-only through the API: the runtime role may add rows, never
-- change or remove them. (Rows still go when their material is deleted, by the
-- foreign key's cascade; materials are deactivated, never deleted, by the API.)
REVOKE UPDATE, DELETE ON price_history FROM ventanas_app, ventanas_platform;

-- Existing rows: onboarding copies were recorded without a user; they are seeds.
-- FORCE makes the policies apply to the owner too, and no tenant is bound here.
ALTER TABLE price_history NO FORCE ROW LEVEL SECURITY;
UPDATE price_history SET kind = 'seed' WHERE changed_by IS NULL;
ALTER TABLE price_history FORCE ROW LEVEL SECURITY;

-- The global history is the platform's: the same append-only rule.
REVOKE UPDATE, DELETE ON global_price_history FROM ventanas_app, ventanas_platform;

-- A price "as of" a moment reads the latest change of a code at or before it.
CREATE INDEX global_price_history_as_of ON global_price_history (code, changed_at DESC, id DESC);
