-- Representatives and grid workers: the life of an assignment (交办) and its timers,
-- suggestions and rectification items filed by representatives, reception days at liaison
-- stations, and patrol records.

-- Assignments: when each step happened (the status says where it is now).
ALTER TABLE assignments ADD COLUMN accepted_at TEXT;
ALTER TABLE assignments ADD COLUMN done_at TEXT;
ALTER TABLE assignments ADD COLUMN verified_at TEXT;
ALTER TABLE assignments ADD COLUMN escalated_at TEXT;
ALTER TABLE assignments ADD COLUMN recheck_result TEXT CHECK (recheck_result IN ('held', 'failed'));
ALTER TABLE assignments ADD COLUMN rechecked_at TEXT;
CREATE INDEX assignments_assignee ON assignments(assignee_id, status);
CREATE INDEX assignments_department ON assignments(department_id, status);
CREATE INDEX assignments_status_due ON assignments(status, due_at);
CREATE INDEX assignment_events_assignment ON assignment_events(assignment_id, id);

-- What must happen to an assignment later is a row first: a reminder before the deadline,
-- escalation at it, the re-check (回头看) after verification.
CREATE TABLE assignment_timers (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('remind', 'due', 'recheck')),
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    due_at         TEXT NOT NULL,
    dedupe_key     TEXT NOT NULL UNIQUE,
    state          TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'done', 'cancelled')),
    created_at     TEXT NOT NULL,
    done_at        TEXT
);
CREATE INDEX assignment_timers_due ON assignment_timers(state, due_at);
CREATE INDEX assignment_timers_assignment ON assignment_timers(assignment_id, state);

-- Suggestions (意见建议) and rectification items (督促整改) are complaints; this says which
-- representative filed them and from what: a visit announced or not (暗访), or a reception.
CREATE TABLE supervision_items (
    complaint_id       INTEGER PRIMARY KEY REFERENCES complaints(id) ON DELETE CASCADE,
    representative_id  INTEGER NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('announced', 'unannounced', 'reception')),
    booking_id         INTEGER REFERENCES reception_bookings(id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL
);
CREATE INDEX supervision_items_representative ON supervision_items(representative_id, created_at);

-- Liaison stations (联络站) and points (联络点): a code makes loading them idempotent.
ALTER TABLE liaison_stations ADD COLUMN code TEXT;
ALTER TABLE liaison_stations ADD COLUMN is_demo INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX liaison_stations_code ON liaison_stations(code);

-- Reception days: how long a session lasts, when it was published; one booking per person.
ALTER TABLE reception_sessions ADD COLUMN duration_minutes INTEGER NOT NULL DEFAULT 120;
ALTER TABLE reception_sessions ADD COLUMN created_at TEXT;
CREATE INDEX reception_sessions_starts ON reception_sessions(status, starts_at);
CREATE INDEX reception_sessions_representative ON reception_sessions(representative_id, starts_at);
ALTER TABLE reception_bookings ADD COLUMN outcome_at TEXT;
ALTER TABLE reception_bookings ADD COLUMN complaint_id INTEGER REFERENCES complaints(id);
CREATE UNIQUE INDEX reception_bookings_once ON reception_bookings(session_id, person_id);

-- Patrols: a typed address when no location was shared; looked up by worker and month.
ALTER TABLE patrols ADD COLUMN address TEXT;
CREATE INDEX patrols_worker ON patrols(worker_id, at);
CREATE INDEX patrols_grid ON patrols(grid_id, at);
