-- A letter's body as its template wrote it, in the letters' markup (headings, paragraphs,
-- lists): the source its PDF is laid out from, since the stored text and HTML are renderings.
-- NULL for letters written before it was kept.
ALTER TABLE letters ADD COLUMN body TEXT;
