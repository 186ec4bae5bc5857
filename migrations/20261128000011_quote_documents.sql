-- What a sent version was addressed to and by: the title, notes, client and company
-- details at the moment of sending, so its PDF never changes afterwards (the frozen
-- trigger of quote_versions protects it like the figures).
ALTER TABLE quote_versions ADD COLUMN document jsonb;
ALTER TABLE quote_versions ADD CONSTRAINT quote_versions_sent_valid
    CHECK ((sent_at IS NULL) = (valid_until IS NULL));
ALTER TABLE quote_versions ADD CONSTRAINT quote_versions_sent_document
    CHECK (sent_at IS NULL OR document IS NOT NULL);
