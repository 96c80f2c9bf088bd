-- Sift schema, version 4 (SQLite): cheap reads.
-- project_revisions: the project's data revision is the sum of its rows' revisions; every write that adds items or
-- changes live annotations bumps one row (stripe = annotator id mod 16 for answers, 0 for imports), so a reader can
-- tell with one indexed read whether anything it cached is out of date. (Striped like the PostgreSQL store, where one
-- hot row would serialise concurrent submits.)
CREATE TABLE project_revisions (
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    stripe      INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    PRIMARY KEY (project_id, stripe)
) WITHOUT ROWID;

-- No index for keyset paging (WHERE +project_id = ? AND id > ? ORDER BY id LIMIT ?): the page walks the rowid, which
-- costs nothing on the write path (an index would cost every claim and submit an insert).
