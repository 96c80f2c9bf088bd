-- Sift schema, version 5 (PostgreSQL): item content, answer provenance, the evidence stream.
-- Item content: a kind and, for kinds other than text, a JSON object (ItemContentJson); text rows keep their text
-- column as their content and need no data change. The text column stays the feature and display text.
ALTER TABLE items
    ADD COLUMN content_kind text NOT NULL DEFAULT 'text' CHECK (content_kind IN ('text', 'pair')),
    ADD COLUMN content_json text;

-- Provenance of an answer (Provenance as SiftJson.Compact writes it). Answers stored before this version get a
-- person's provenance when the store migrates (built in C#, so the JSON is the canonical one).
ALTER TABLE annotations ADD COLUMN provenance_json text;

-- The evidence stream: per project, seq 1, 2, 3, … with no gaps, appended in the transaction of the write it records.
CREATE TABLE evidence (
    project_id  bigint  NOT NULL REFERENCES projects(id),
    seq         bigint  NOT NULL,
    kind        text    NOT NULL,
    at          bigint  NOT NULL,
    json        text    NOT NULL,
    PRIMARY KEY (project_id, seq)
);

-- The project's evidence head: the last seq handed out. A transaction that appends updates this row (as its last
-- statement, so the row lock is held only until the commit): appenders of one project take turns, in any number of
-- processes, and seq stays gap-free in commit order (a rolled-back transaction gives its numbers back).
CREATE TABLE evidence_heads (
    project_id  bigint  PRIMARY KEY REFERENCES projects(id),
    seq         bigint  NOT NULL
);
INSERT INTO evidence_heads (project_id, seq) SELECT id, 0 FROM projects;
