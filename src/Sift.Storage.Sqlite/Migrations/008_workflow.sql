-- Sift schema, version 8 (SQLite): the annotation workflow (issue 14): gold items, reviews, the relabel queue.
-- gold_items: items an admin marked gold (honeypots) with their known label; handed out blind among ordinary tasks.
CREATE TABLE gold_items (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    project_id  INTEGER NOT NULL REFERENCES projects(id),
    label       TEXT    NOT NULL,
    marked_at   INTEGER NOT NULL
);
CREATE INDEX gold_items_project ON gold_items (project_id, item_id);

-- A reviewer's decision on an item (labels_json: the decided labels; previous_json: the resolved labels it replaced, or
-- null when the item had none). The latest review of an item is its override.
CREATE TABLE reviews (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES projects(id),
    item_id        INTEGER NOT NULL REFERENCES items(id),
    reviewer_id    INTEGER NOT NULL REFERENCES users(id),
    labels_json    TEXT    NOT NULL,
    previous_json  TEXT,
    rationale      TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX reviews_item ON reviews (project_id, item_id, id);

-- Likely-mislabeled items waiting for one more answer (confident learning), with what the trainer measured.
CREATE TABLE relabel_queue (
    project_id   INTEGER NOT NULL REFERENCES projects(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    given        TEXT    NOT NULL,
    suggested    TEXT    NOT NULL,
    wrong        REAL    NOT NULL,
    model_version INTEGER NOT NULL,
    PRIMARY KEY (project_id, item_id)
) WITHOUT ROWID;
