-- Minhu schema, version 1. Every time is UTC ISO-8601 text ("2026-11-26T10:00:00+00:00").
-- Tables for later capabilities (meetings, assignments, outbox, bulletins) are laid out here
-- so the whole product fits one design; later migrations may extend them.

-- Geography: zone 片区 -> community 村社 -> grid 网格.
CREATE TABLE zones (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    is_demo     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    zone_id     INTEGER NOT NULL REFERENCES zones(id),
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'community' CHECK (kind IN ('village', 'community')),
    is_demo     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX communities_zone ON communities(zone_id);
CREATE TABLE grids (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    is_demo       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX grids_community ON grids(community_id);

CREATE TABLE departments (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT ''
);

-- Complaint categories with their routing and deadlines (working days).
CREATE TABLE categories (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    is_hazard      INTEGER NOT NULL DEFAULT 0,
    department_id  INTEGER REFERENCES departments(id),
    ack_days       INTEGER NOT NULL DEFAULT 1,
    resolve_days   INTEGER NOT NULL DEFAULT 5,
    sort           INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 1
);

-- A person exists only after consenting to the privacy notice.
CREATE TABLE people (
    id               INTEGER PRIMARY KEY,          -- Telegram user id
    first_name       TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT 'zh-CN',
    grid_id          INTEGER REFERENCES grids(id),
    consented_at     TEXT NOT NULL,
    consent_version  INTEGER NOT NULL DEFAULT 1,
    mute_broadcasts  INTEGER NOT NULL DEFAULT 0,
    blocked_at       TEXT,                          -- set when Telegram says the user blocked us
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX people_grid ON people(grid_id);

-- Roles are granted by user id (staff may be granted before they first open the bot).
CREATE TABLE role_grants (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN
                     ('admin', 'grid_worker', 'department', 'representative')),
    grid_id        INTEGER REFERENCES grids(id),
    department_id  INTEGER REFERENCES departments(id),
    zone_id        INTEGER REFERENCES zones(id),
    display_name   TEXT NOT NULL DEFAULT '',
    granted_at     TEXT NOT NULL,
    granted_by     TEXT NOT NULL DEFAULT '',
    CHECK (role <> 'grid_worker' OR grid_id IS NOT NULL),
    CHECK (role <> 'department' OR department_id IS NOT NULL)
);
CREATE UNIQUE INDEX role_grants_unique
    ON role_grants(user_id, role, IFNULL(grid_id, 0), IFNULL(department_id, 0));
CREATE INDEX role_grants_grid ON role_grants(grid_id, role);
CREATE INDEX role_grants_department ON role_grants(department_id, role);

-- Named counters, e.g. the per-year complaint sequence 'complaint:2026'.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

-- Complaints, hazard reports, representatives' suggestions and rectification items.
CREATE TABLE complaints (
    id               INTEGER PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,         -- MH-2026-000123
    kind             TEXT NOT NULL DEFAULT 'complaint'
                       CHECK (kind IN ('complaint', 'hazard', 'suggestion', 'rectification')),
    category_id      INTEGER NOT NULL REFERENCES categories(id),
    grid_id          INTEGER NOT NULL REFERENCES grids(id),
    reporter_id      INTEGER REFERENCES people(id) ON DELETE SET NULL,
    anonymous        INTEGER NOT NULL DEFAULT 0,
    description      TEXT NOT NULL,
    address          TEXT,
    latitude         REAL,
    longitude        REAL,
    status           TEXT NOT NULL DEFAULT 'submitted'
                       CHECK (status IN ('submitted', 'accepted', 'resolved', 'closed',
                                         'rejected', 'transferred', 'reopened', 'escalated')),
    department_id    INTEGER REFERENCES departments(id),  -- routed to a department, else the grid
    ack_due_at       TEXT,
    resolve_due_at   TEXT,
    accepted_at      TEXT,
    resolved_at      TEXT,
    closed_at        TEXT,
    close_reason     TEXT,
    rating           INTEGER CHECK (rating BETWEEN 1 AND 5),
    parent_id        INTEGER REFERENCES complaints(id),   -- a relapse points at the original
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX complaints_reporter ON complaints(reporter_id, created_at);
CREATE INDEX complaints_grid_status ON complaints(grid_id, status, category_id);
CREATE INDEX complaints_created ON complaints(created_at);
CREATE INDEX complaints_department ON complaints(department_id, status);

CREATE TABLE complaint_photos (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL DEFAULT '',
    position        INTEGER NOT NULL,
    stage           TEXT NOT NULL DEFAULT 'report'     -- 'report' or 'resolution'
);
CREATE INDEX complaint_photos_complaint ON complaint_photos(complaint_id);

CREATE TABLE complaint_events (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    actor_id      INTEGER,                 -- NULL: the system or an erased resident
    kind          TEXT NOT NULL,           -- submitted, accepted, note, resolved, ...
    from_status   TEXT,
    to_status     TEXT,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, at);

-- "Me too" (+1) support from other residents.
CREATE TABLE complaint_supporters (
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    PRIMARY KEY (complaint_id, person_id)
);

-- Deliberation meetings 议事会.
CREATE TABLE meetings (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    topic               TEXT NOT NULL DEFAULT '',
    zone_id             INTEGER REFERENCES zones(id),
    community_id        INTEGER REFERENCES communities(id),
    place               TEXT NOT NULL,
    starts_at           TEXT NOT NULL,
    duration_minutes    INTEGER NOT NULL,
    capacity            INTEGER NOT NULL CHECK (capacity >= 1),
    reserved_seats      INTEGER NOT NULL DEFAULT 0,
    registration_until  TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'open'
                          CHECK (status IN ('open', 'cancelled', 'held')),
    result_summary      TEXT,
    attendance          INTEGER,
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE TABLE meeting_bookings (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    status      TEXT NOT NULL CHECK (status IN ('booked', 'waitlisted', 'cancelled')),
    code        TEXT NOT NULL UNIQUE,
    checked_in_at TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX meeting_bookings_meeting ON meeting_bookings(meeting_id, status, created_at);
CREATE TABLE meeting_topics (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE meeting_decisions (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    text        TEXT NOT NULL,
    position    INTEGER NOT NULL
);

-- Assignments 交办 (to a representative, department or grid worker).
CREATE TABLE assignments (
    id              INTEGER PRIMARY KEY,
    subject_kind    TEXT NOT NULL CHECK (subject_kind IN ('complaint', 'decision', 'text')),
    complaint_id    INTEGER REFERENCES complaints(id),
    decision_id     INTEGER REFERENCES meeting_decisions(id),
    text            TEXT NOT NULL DEFAULT '',
    assignee_id     INTEGER,
    department_id   INTEGER REFERENCES departments(id),
    status          TEXT NOT NULL DEFAULT 'assigned' CHECK (status IN
                      ('assigned', 'accepted', 'done', 'verified', 'returned', 'cancelled')),
    due_at          TEXT NOT NULL,
    assigned_by     INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE TABLE assignment_events (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id),
    at             TEXT NOT NULL,
    actor_id       INTEGER,
    kind           TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    photo_file_id  TEXT
);

-- Reception days 接待日 at liaison stations.
CREATE TABLE liaison_stations (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    address  TEXT NOT NULL DEFAULT '',
    zone_id  INTEGER REFERENCES zones(id),
    kind     TEXT NOT NULL DEFAULT 'point' CHECK (kind IN ('station', 'point'))
);
CREATE TABLE reception_sessions (
    id                 INTEGER PRIMARY KEY,
    station_id         INTEGER NOT NULL REFERENCES liaison_stations(id),
    representative_id  INTEGER NOT NULL,
    starts_at          TEXT NOT NULL,
    slots              INTEGER NOT NULL CHECK (slots >= 1),
    status             TEXT NOT NULL DEFAULT 'open'
);
CREATE TABLE reception_bookings (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES reception_sessions(id),
    person_id   INTEGER REFERENCES people(id) ON DELETE CASCADE,
    topic       TEXT NOT NULL,
    outcome     TEXT,
    created_at  TEXT NOT NULL
);

-- Patrols and hazard checks by grid workers.
CREATE TABLE patrols (
    id            INTEGER PRIMARY KEY,
    worker_id     INTEGER NOT NULL,
    grid_id       INTEGER NOT NULL REFERENCES grids(id),
    at            TEXT NOT NULL,
    latitude      REAL,
    longitude     REAL,
    photo_file_id TEXT,
    hazard_found  INTEGER NOT NULL DEFAULT 0,
    complaint_id  INTEGER REFERENCES complaints(id),
    note          TEXT NOT NULL DEFAULT ''
);

-- The outbox: every message that is not a direct reply is a row first.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    lane          INTEGER NOT NULL DEFAULT 1,       -- 0 direct, 1 personal, 2 bulk
    kind          TEXT NOT NULL,
    template      TEXT NOT NULL,
    context       TEXT NOT NULL DEFAULT '{}',       -- JSON
    due_at        TEXT NOT NULL,
    expires_at    TEXT,
    dedupe_key    TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dead', 'dropped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    broadcast_id  INTEGER,
    created_at    TEXT NOT NULL,
    sent_at       TEXT
);
CREATE INDEX outbox_due ON outbox(state, lane, due_at);

CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY,
    created_by    INTEGER NOT NULL,
    audience      TEXT NOT NULL,                    -- JSON description
    text          TEXT NOT NULL,
    photo_file_id TEXT,
    urgent        INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'draft',
    created_at    TEXT NOT NULL
);

CREATE TABLE bulletins (
    id            INTEGER PRIMARY KEY,
    period_kind   TEXT NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    published_at  TEXT,
    UNIQUE (period_kind, period_start)
);

-- Zone subscriptions (result notices, bulletins).
CREATE TABLE subscriptions (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    zone_id    INTEGER NOT NULL REFERENCES zones(id),
    PRIMARY KEY (person_id, zone_id)
);

-- python-telegram-bot persistence: conversation states and per-user data.
CREATE TABLE ptb_conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,                           -- JSON array
    state  TEXT NOT NULL,                           -- JSON
    PRIMARY KEY (name, key)
);
CREATE TABLE ptb_user_data (
    user_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    data     TEXT NOT NULL
);
CREATE TABLE ptb_chat_data (
    chat_id  INTEGER PRIMARY KEY,
    data     TEXT NOT NULL
);
CREATE TABLE ptb_bot_data (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    data  TEXT NOT NULL
);
