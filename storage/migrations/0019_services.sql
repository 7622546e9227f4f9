-- The 15-minute service circle (15分钟服务圈, issue 17): service points (健康小屋, 驿站, 心理咨询室,
-- 党群服务中心 …) imported from CSV or GeoJSON (`minhu import-services`) and edited by admins
-- (`/servicepoint`); their staff (providers) take bookings; residents book slots.
CREATE TABLE service_points (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,          -- the import's key
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,                 -- bot.services.rules.KINDS
    address        TEXT NOT NULL DEFAULT '',
    latitude       REAL,                          -- WGS-84; NULL: listed by grid only
    longitude      REAL,
    grid_id        INTEGER REFERENCES grids(id) ON DELETE SET NULL,
    hours          TEXT NOT NULL DEFAULT '{}',    -- JSON {"0": [[510, 690], …], …} minutes, 0 = Mon
    holidays_closed INTEGER NOT NULL DEFAULT 1,   -- closed on the official holidays
    phone          TEXT NOT NULL DEFAULT '',
    services       TEXT NOT NULL DEFAULT '[]',    -- JSON list of what it offers
    accessibility  TEXT NOT NULL DEFAULT '',
    slot_minutes   INTEGER NOT NULL DEFAULT 0,    -- 0: no appointments
    slot_capacity  INTEGER NOT NULL DEFAULT 1,
    private        INTEGER NOT NULL DEFAULT 0,    -- a booking's topic is for its staff only
    visible        INTEGER NOT NULL DEFAULT 1,    -- 0: hidden by an admin
    is_demo        INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);
CREATE INDEX service_points_grid ON service_points(grid_id);

-- A point's staff (counsellor, provider): they get its bookings and mark who came.
CREATE TABLE service_staff (
    point_id   INTEGER NOT NULL REFERENCES service_points(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (point_id, user_id)
);
CREATE INDEX service_staff_user ON service_staff(user_id);

-- A resident's booking of a slot. `topic` is theirs and the point's staff's only (private
-- points: never in a reminder, a list or any notice but the staff's). /deleteme deletes it.
CREATE TABLE service_bookings (
    id          INTEGER PRIMARY KEY,
    point_id    INTEGER NOT NULL REFERENCES service_points(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    starts_at   TEXT NOT NULL,
    topic       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'booked',   -- booked | cancelled | attended | no_show
    created_at  TEXT NOT NULL,
    changed_at  TEXT
);
CREATE INDEX service_bookings_slot ON service_bookings(point_id, starts_at);
CREATE INDEX service_bookings_person ON service_bookings(person_id);
