-- Sift schema, version 4 (PostgreSQL): cheap reads.
-- project_revisions: the project's data revision is the sum of its rows' revisions; every write that adds items or
-- changes live annotations bumps one row (stripe = annotator id mod 16 for answers, 0 for imports), so a reader can
-- tell with one indexed read whether anything it cached is out of date. Striped because a row stays locked until its
-- transaction commits: one row per project would serialise concurrent submits, commit flush included.
CREATE TABLE project_revisions (
    project_id  bigint  NOT NULL REFERENCES projects(id),
    stripe      integer NOT NULL,
    revision    bigint  NOT NULL,
    PRIMARY KEY (project_id, stripe)
);

-- Keyset paging of the annotation and hand-out logs: WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?.
CREATE INDEX annotations_project ON annotations (project_id, id);
CREATE INDEX tasks_project ON tasks (project_id, id);
