-- Quote versions get a stored format of their own (src/quotes/stored): the JSON in
-- request, result and document is no longer the API's shape but format 1, and the
-- format number sits beside it. Every existing row is brought to format 1 in full:
-- fields that later versions of the API added, and that older rows lack, are
-- written with the values those rows were always read with (empty names, no cut
-- plans, no offcuts, no loose materials), so every version reads and prints exactly
-- as before. Sent versions are frozen by a trigger; this conversion changes their
-- encoding only, so the trigger is set aside for it. Row-level security is forced
-- even on the owner, who binds no tenant here and would see no row: the owner is
-- released from it for this one statement, inside the migration's transaction.

ALTER TABLE quote_versions ADD COLUMN format smallint;

ALTER TABLE quote_versions DISABLE TRIGGER quote_versions_frozen;
ALTER TABLE quote_versions NO FORCE ROW LEVEL SECURITY;

UPDATE quote_versions v SET
    format = 1,
    request = jsonb_build_object('material_items', '[]'::jsonb) || v.request,
    result = jsonb_build_object('cut_plans', '[]'::jsonb) || v.result || jsonb_build_object(
        'totals', jsonb_build_object('offcuts', '0.00') || (v.result -> 'totals'),
        'items', COALESCE(
            (SELECT jsonb_agg(jsonb_build_object('name', '') || e.item ORDER BY e.n)
               FROM jsonb_array_elements(v.result -> 'items') WITH ORDINALITY AS e (item, n)),
            '[]'::jsonb),
        'material_items', COALESCE(
            (SELECT jsonb_agg(jsonb_build_object('name', '') || e.item ORDER BY e.n)
               FROM jsonb_array_elements(v.result -> 'material_items') WITH ORDINALITY AS e (item, n)),
            '[]'::jsonb));

ALTER TABLE quote_versions FORCE ROW LEVEL SECURITY;
ALTER TABLE quote_versions ENABLE TRIGGER quote_versions_frozen;

ALTER TABLE quote_versions ALTER COLUMN format SET NOT NULL;
-- Widened with each new format; a row of a format the code cannot read is refused.
ALTER TABLE quote_versions ADD CONSTRAINT quote_versions_format_known CHECK (format IN (1));
COMMENT ON COLUMN quote_versions.format IS
    'Stored format of request, result and document (src/quotes/stored); new rows use the newest';
