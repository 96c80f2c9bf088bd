-- Sift schema, version 7 (SQLite): model annotators (issue 12). Times are UTC ticks; booleans 0/1.
-- A model annotator answers through its own user (role 4, model: disabled, no token), so its accepted answers are
-- annotations like anyone's. No API key is stored anywhere: key_env names the environment variable that holds it.
-- worker_owner/worker_until: the lease on running the annotator (one process at a time, so its concurrency holds).
CREATE TABLE model_annotators (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES projects(id),
    user_id        INTEGER NOT NULL UNIQUE REFERENCES users(id),
    name           TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    key_env        TEXT,
    concurrency    INTEGER NOT NULL,
    timeout_ms     INTEGER NOT NULL,
    retries        INTEGER NOT NULL,
    price_in       REAL    NOT NULL,
    price_out      REAL    NOT NULL,
    enabled        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    last_error     TEXT,
    last_error_at  INTEGER,
    worker_owner   TEXT,
    worker_until   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, name)
);

-- Every answer a model annotator gave on one of its tasks and what the router made of it.
-- outcome: 0 accepted (annotation_id is the annotation it became), 1 sent to people, 2 declined.
CREATE TABLE model_answers (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects(id),
    annotator_id     INTEGER NOT NULL REFERENCES model_annotators(id),
    item_id          INTEGER NOT NULL REFERENCES items(id),
    task_id          INTEGER NOT NULL UNIQUE REFERENCES tasks(id),
    outcome          INTEGER NOT NULL,
    labels_json      TEXT    NOT NULL,
    stated           REAL,
    calibrated       REAL,
    decision         TEXT    NOT NULL,
    reason           TEXT,
    money            REAL    NOT NULL,
    input_tokens     INTEGER NOT NULL,
    output_tokens    INTEGER NOT NULL,
    seconds          REAL    NOT NULL,
    provenance_json  TEXT    NOT NULL,
    annotation_id    INTEGER REFERENCES annotations(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX model_answers_annotator ON model_answers (annotator_id, id);
CREATE INDEX model_answers_item ON model_answers (project_id, item_id);

-- Pre-annotation: the model answer whose labels a task was handed out with (the first record of a task wins).
CREATE TABLE suggestions_shown (
    task_id          INTEGER PRIMARY KEY REFERENCES tasks(id),
    project_id       INTEGER NOT NULL REFERENCES projects(id),
    model_answer_id  INTEGER NOT NULL REFERENCES model_answers(id),
    shown_at         INTEGER NOT NULL
);
