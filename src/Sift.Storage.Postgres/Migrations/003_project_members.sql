-- Sift schema, version 3 (PostgreSQL): project membership. Annotators and reviewers reach only the projects they are
-- members of; admins and auditors reach every project and are never listed here.
CREATE TABLE project_members (
    project_id  bigint  NOT NULL REFERENCES projects(id),
    user_id     bigint  NOT NULL REFERENCES users(id),
    added_at    bigint  NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id, project_id);

-- An upgraded database keeps working as before: every annotator and reviewer (role 1 or 2, disabled ones too) becomes
-- a member of every project that exists now. added_at is the later of the two creation times, so no clock is read.
INSERT INTO project_members (project_id, user_id, added_at)
SELECT p.id, u.id, greatest(p.created_at, u.created_at)
FROM projects p CROSS JOIN users u
WHERE u.role IN (1, 2);
