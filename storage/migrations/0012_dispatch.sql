-- The dispatch centre (指挥中心, issue 15). A role `dispatcher`, town-wide (zone_id NULL) or
-- for one zone (分中心, zone_id set): it rules on what a handler cannot decide alone.
-- SQLite cannot change a CHECK, so role_grants is rebuilt with the new role; the unique index
-- now counts the zone too (one person may be the dispatcher of two zones).
CREATE TABLE role_grants_new (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN
                     ('admin', 'grid_worker', 'department', 'representative', 'dispatcher')),
    grid_id        INTEGER REFERENCES grids(id),
    department_id  INTEGER REFERENCES departments(id),
    zone_id        INTEGER REFERENCES zones(id),
    display_name   TEXT NOT NULL DEFAULT '',
    granted_at     TEXT NOT NULL,
    granted_by     TEXT NOT NULL DEFAULT '',
    CHECK (role <> 'grid_worker' OR grid_id IS NOT NULL),
    CHECK (role <> 'department' OR department_id IS NOT NULL)
);
INSERT INTO role_grants_new SELECT id, user_id, role, grid_id, department_id, zone_id,
    display_name, granted_at, granted_by FROM role_grants;
DROP TABLE role_grants;
ALTER TABLE role_grants_new RENAME TO role_grants;
CREATE UNIQUE INDEX role_grants_unique
    ON role_grants(user_id, role, IFNULL(grid_id, 0), IFNULL(department_id, 0),
                   IFNULL(zone_id, 0));
CREATE INDEX role_grants_grid ON role_grants(grid_id, role);
CREATE INDEX role_grants_department ON role_grants(department_id, role);
CREATE INDEX role_grants_role_zone ON role_grants(role, zone_id);

-- What a handler asks the dispatch centre to rule on: a 退回 (reject: the case is not theirs)
-- or a 延期 (extend: a later deadline to resolve, `new_due_at`; at most two asked per case).
-- One pending request of each kind per case. `requested_by` and `decided_by` are staff
-- user ids (NULL once the person erased their data); the reason stays with the case.
CREATE TABLE dispatch_requests (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id),
    kind          TEXT NOT NULL CHECK (kind IN ('reject', 'extend')),
    requested_by  INTEGER,
    reason        TEXT NOT NULL,
    due_before    TEXT,
    new_due_at    TEXT,
    status        TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'refused', 'rerouted', 'withdrawn')),
    decided_by    INTEGER,
    decided_at    TEXT,
    created_at    TEXT NOT NULL,
    CHECK (kind <> 'extend' OR new_due_at IS NOT NULL)
);
CREATE UNIQUE INDEX dispatch_requests_pending
    ON dispatch_requests(complaint_id, kind) WHERE status = 'pending';
CREATE INDEX dispatch_requests_status ON dispatch_requests(status, created_at);
CREATE INDEX dispatch_requests_by ON dispatch_requests(requested_by);

-- /board: open work of a zone, soonest deadline first.
CREATE INDEX complaints_open_board ON complaints(status, grid_id, resolve_due_at);
