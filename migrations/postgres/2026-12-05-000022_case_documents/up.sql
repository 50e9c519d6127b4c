-- The customer's own information (issue 13 §5): documents added to a case,
-- by the customer or by staff. Information and logged contact are events on
-- the timeline only (case_events), like notes. A document's bytes are kept
-- apart from its description, in the database (case_document_contents) or,
-- with DOCUMENTS_DIR set, in a file named by the document's id; `storage`
-- says which, so a change of setting never loses an earlier document.
CREATE TABLE case_documents (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    -- The name the client gave, cleaned of control characters: shown, never
    -- used as a path.
    filename TEXT NOT NULL,
    -- What the bytes are, recognised from the bytes themselves.
    document_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    -- Lower-case hex.
    sha256 TEXT NOT NULL,
    -- customer: the customer (and the partner who posted the case) may see it; staff: staff only.
    visibility TEXT NOT NULL,
    -- database or folder.
    storage TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_by_role TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX case_documents_by_case ON case_documents (case_id, id);

CREATE TABLE case_document_contents (
    document_id BIGINT PRIMARY KEY REFERENCES case_documents (id),
    content BYTEA NOT NULL
);
