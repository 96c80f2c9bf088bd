-- Sift schema, version 5 (SQLite): item content, answer provenance, the evidence stream.
-- Item content: a kind and, for kinds other than text, a JSON object (ItemContentJson); text rows keep their text
-- column as their content and need no data change. The text column stays the feature and display text.
ALTER TABLE items ADD COLUMN content_kind TEXT NOT NULL DEFAULT 'text' CHECK (content_kind IN ('text', 'pair'));
ALTER TABLE items ADD COLUMN content_json TEXT;

-- Provenance of an answer (Provenance as SiftJson.Compact writes it). Answers stored before this version get a
-- person's provenance when the store migrates (built in C#, so the JSON is the canonical one).
ALTER TABLE annotations ADD COLUMN provenance_json TEXT;

-- The evidence stream: per project, seq 1, 2, 3, … with no gaps, appended in the transaction of the write it records.
-- SQLite has one writer at a time, so the next seq is max(seq) + 1 read inside that write transaction.
CREATE TABLE evidence (
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    json        TEXT    NOT NULL,
    PRIMARY KEY (project_id, seq)
) WITHOUT ROWID;
