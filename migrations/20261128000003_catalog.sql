-- Materials and prices: the global default catalogue and each tenant's own rows.

-- The global default catalogue. Every tenant reads it as its fallback; only the
-- platform role writes it.
CREATE TABLE global_materials (
    code          text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Za-z0-9._-]{0,63}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category      text NOT NULL CHECK (category IN ('glass', 'profile', 'hardware', 'consumable')),
    unit          text NOT NULL CHECK (unit IN ('m2', 'm', 'piece', 'cartridge', 'kg', 'l')),
    price         numeric(12, 2) NOT NULL CHECK (price >= 0),
    bar_length_m  numeric(6, 3) CHECK (bar_length_m > 0),
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER global_materials_touch BEFORE UPDATE ON global_materials
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
GRANT SELECT ON global_materials TO ventanas_app;
GRANT SELECT, INSERT, UPDATE ON global_materials TO ventanas_platform;

CREATE TABLE global_price_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL REFERENCES global_materials (code),
    old_price   numeric(12, 2),
    new_price   numeric(12, 2) NOT NULL,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX global_price_history_code ON global_price_history (code, changed_at);
GRANT SELECT ON global_price_history TO ventanas_app;
GRANT SELECT, INSERT ON global_price_history TO ventanas_platform;

-- A tenant's own materials: its copies of the default glass prices, overrides of
-- other defaults, and materials only it sells.
CREATE TABLE materials (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    code          text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Za-z0-9._-]{0,63}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    category      text NOT NULL CHECK (category IN ('glass', 'profile', 'hardware', 'consumable')),
    unit          text NOT NULL CHECK (unit IN ('m2', 'm', 'piece', 'cartridge', 'kg', 'l')),
    price         numeric(12, 2) NOT NULL CHECK (price >= 0),
    bar_length_m  numeric(6, 3) CHECK (bar_length_m > 0),
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    uuid,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);
CREATE TRIGGER materials_touch BEFORE UPDATE ON materials
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Who changed which price, when, from what to what.
CREATE TABLE price_history (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    material_id  uuid NOT NULL,
    code         text NOT NULL,
    old_price    numeric(12, 2),
    new_price    numeric(12, 2) NOT NULL,
    changed_by   uuid,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, material_id) REFERENCES materials (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX price_history_material ON price_history (tenant_id, code, changed_at);
