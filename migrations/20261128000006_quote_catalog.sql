-- The quoting catalogue: colours and colour prices, products with their bills of
-- materials, and labour rates. Like materials, each has global default rows (read by
-- every tenant, written only by the platform role) and tenant rows under RLS.

CREATE TABLE global_colours (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    active      boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Price per unit of a material in a colour (profiles change price with the finish).
CREATE TABLE global_colour_prices (
    material_code  text NOT NULL REFERENCES global_materials (code),
    colour_code    text NOT NULL REFERENCES global_colours (code),
    price          numeric(12, 2) NOT NULL CHECK (price >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (material_code, colour_code)
);

CREATE TABLE global_products (
    code            text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Za-z0-9._-]{0,63}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('window', 'door', 'other')),
    window_type     text CHECK (window_type IN ('fija', 'corrediza', 'abatible', 'oscilobatiente', 'proyectante')),
    door_type       text CHECK (length(door_type) BETWEEN 1 AND 50),
    aluminium_line  text CHECK (length(aluminium_line) BETWEEN 1 AND 50),
    min_width_cm    numeric(8, 2) NOT NULL CHECK (min_width_cm > 0),
    max_width_cm    numeric(8, 2) NOT NULL CHECK (max_width_cm >= min_width_cm),
    min_height_cm   numeric(8, 2) NOT NULL CHECK (min_height_cm > 0),
    max_height_cm   numeric(8, 2) NOT NULL CHECK (max_height_cm >= min_height_cm),
    active          boolean NOT NULL DEFAULT true,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE global_bom_lines (
    product_code      text NOT NULL REFERENCES global_products (code) ON DELETE CASCADE,
    position          integer NOT NULL CHECK (position >= 0),
    description       text NOT NULL CHECK (length(description) <= 200),
    material_code     text NOT NULL REFERENCES global_materials (code),
    kind              text NOT NULL CHECK (kind IN ('glass', 'profile', 'hardware', 'consumable')),
    quantity_formula  text NOT NULL CHECK (length(quantity_formula) BETWEEN 1 AND 256),
    waste_factor      numeric(6, 3) NOT NULL CHECK (waste_factor >= 1),
    PRIMARY KEY (product_code, position)
);

-- Labour per m² of window by window type: rate × complexity.
CREATE TABLE global_labour_rates (
    window_type  text PRIMARY KEY CHECK (window_type IN ('fija', 'corrediza', 'abatible', 'oscilobatiente', 'proyectante')),
    rate         numeric(12, 2) NOT NULL CHECK (rate >= 0),
    complexity   numeric(6, 3) NOT NULL CHECK (complexity > 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON global_colours, global_colour_prices, global_products, global_bom_lines,
                global_labour_rates TO ventanas_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON global_colours, global_colour_prices, global_products,
                global_bom_lines, global_labour_rates TO ventanas_platform;

-- Tenant rows: a tenant's own colours, colour prices, products and labour rates
-- override the defaults of the same code.

CREATE TABLE colours (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,15}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    active      boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code)
);

CREATE TABLE colour_prices (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    material_code  text NOT NULL,
    colour_code    text NOT NULL,
    price          numeric(12, 2) NOT NULL CHECK (price >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, material_code, colour_code)
);

CREATE TABLE products (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL,
    code            text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Za-z0-9._-]{0,63}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('window', 'door', 'other')),
    window_type     text CHECK (window_type IN ('fija', 'corrediza', 'abatible', 'oscilobatiente', 'proyectante')),
    door_type       text CHECK (length(door_type) BETWEEN 1 AND 50),
    aluminium_line  text CHECK (length(aluminium_line) BETWEEN 1 AND 50),
    min_width_cm    numeric(8, 2) NOT NULL CHECK (min_width_cm > 0),
    max_width_cm    numeric(8, 2) NOT NULL CHECK (max_width_cm >= min_width_cm),
    min_height_cm   numeric(8, 2) NOT NULL CHECK (min_height_cm > 0),
    max_height_cm   numeric(8, 2) NOT NULL CHECK (max_height_cm >= min_height_cm),
    active          boolean NOT NULL DEFAULT true,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      uuid,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE bom_lines (
    tenant_id         uuid NOT NULL,
    product_id        uuid NOT NULL,
    position          integer NOT NULL CHECK (position >= 0),
    description       text NOT NULL CHECK (length(description) <= 200),
    material_code     text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('glass', 'profile', 'hardware', 'consumable')),
    quantity_formula  text NOT NULL CHECK (length(quantity_formula) BETWEEN 1 AND 256),
    waste_factor      numeric(6, 3) NOT NULL CHECK (waste_factor >= 1),
    PRIMARY KEY (tenant_id, product_id, position),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE labour_rates (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    window_type  text NOT NULL CHECK (window_type IN ('fija', 'corrediza', 'abatible', 'oscilobatiente', 'proyectante')),
    rate         numeric(12, 2) NOT NULL CHECK (rate >= 0),
    complexity   numeric(6, 3) NOT NULL CHECK (complexity > 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, window_type)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['colours', 'colour_prices', 'products', 'bom_lines', 'labour_rates']
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
