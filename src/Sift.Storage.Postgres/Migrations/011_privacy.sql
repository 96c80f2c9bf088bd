-- Sift schema, version 11 (PostgreSQL): redaction before the queue (governance issue).
-- items.text holds the redacted view of a redacted item (what annotators, the featurizer and model annotators read);
-- item_originals holds its original text, readable by admins only, until the retention policy purges it. The hash and
-- the findings per kind are in the import's "redaction" evidence event. Projects stored before this version keep their
-- settings (no "privacy" key: no redaction).
CREATE TABLE item_originals (
    item_id     bigint  PRIMARY KEY REFERENCES items(id),
    project_id  bigint  NOT NULL REFERENCES projects(id),
    text        text    NOT NULL,
    sha256      text    NOT NULL
);
CREATE INDEX item_originals_project ON item_originals (project_id, item_id);
