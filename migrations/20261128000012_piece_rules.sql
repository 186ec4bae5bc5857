-- The better rules of DOMAIN.md that work from pieces: glass billed from the BOM's
-- glass pieces (sides rounded up to the supplier's step, a minimum area per piece),
-- and profiles cut from shared bars per job. Also the tenant's rounding of amounts. BOM lines may give a piece count and
-- piece sizes as formulas (in cm); quote settings choose the rules.

ALTER TABLE bom_lines
    ADD COLUMN pieces_formula text CHECK (length(pieces_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_width_formula text CHECK (length(piece_width_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_height_formula text CHECK (length(piece_height_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_length_formula text CHECK (length(piece_length_formula) BETWEEN 1 AND 256);
ALTER TABLE global_bom_lines
    ADD COLUMN pieces_formula text CHECK (length(pieces_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_width_formula text CHECK (length(piece_width_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_height_formula text CHECK (length(piece_height_formula) BETWEEN 1 AND 256),
    ADD COLUMN piece_length_formula text CHECK (length(piece_length_formula) BETWEEN 1 AND 256);

ALTER TABLE quote_settings DROP CONSTRAINT quote_settings_profile_rule_check;
ALTER TABLE quote_settings ADD CONSTRAINT quote_settings_profile_rule_check
    CHECK (profile_rule IN ('whole_bars_per_line', 'per_metre', 'cut_plan_per_job'));
ALTER TABLE quote_settings
    ADD COLUMN glass_rule text NOT NULL DEFAULT 'window_area'
        CHECK (glass_rule IN ('window_area', 'bom_pieces')),
    ADD COLUMN glass_step_cm numeric(6, 2) NOT NULL DEFAULT 0
        CHECK (glass_step_cm BETWEEN 0 AND 100),
    ADD COLUMN glass_min_area_m2 numeric(6, 3) NOT NULL DEFAULT 0
        CHECK (glass_min_area_m2 BETWEEN 0 AND 10),
    ADD COLUMN kerf_mm integer NOT NULL DEFAULT 4 CHECK (kerf_mm BETWEEN 0 AND 20),
    ADD COLUMN trim_mm integer NOT NULL DEFAULT 10 CHECK (trim_mm BETWEEN 0 AND 500),
    -- How shown amounts are rounded to cents: half away from zero, or half to even.
    ADD COLUMN rounding text NOT NULL DEFAULT 'half_up' CHECK (rounding IN ('half_up', 'half_even'));
