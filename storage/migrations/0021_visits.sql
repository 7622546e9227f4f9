-- Home visits (网格走亲, issue 18): grid workers keep a register of households that need visits
-- (独居老人, 困难家庭, 残疾人, 留守儿童, 重点关注 — the kinds are configured, MINHU_VISIT_KINDS),
-- each with its cadence in days, and log their visits. A household is registered only with its
-- oral consent, recorded with who and when (`consent_by`, `consent_at`). name, address, phone,
-- emergency contact and notes are the household's personal data: seen only by the grid's
-- workers, the dispatchers and admins. A household is usually not a bot user; `person_id` is the
-- resident who linked it by sharing their own contact (/link) — their /mydata exports it and
-- their /deleteme erases it. Erasure (or consent withdrawn) clears every personal field and the
-- visits' notes and photos, and stops the visits; the row stays, anonymised, for coverage figures.
CREATE TABLE households (
    id                 INTEGER PRIMARY KEY,
    grid_id            INTEGER NOT NULL REFERENCES grids(id),
    kind               TEXT NOT NULL,              -- a configured kind's Chinese name
    cadence_days       INTEGER NOT NULL CHECK (cadence_days BETWEEN 1 AND 366),
    name               TEXT,                       -- NULL once erased
    address            TEXT,
    phone              TEXT,
    emergency_contact  TEXT,
    notes              TEXT,
    consent_by         INTEGER NOT NULL,           -- the worker who recorded the oral consent
    consent_at         TEXT NOT NULL,
    registered_by      INTEGER NOT NULL,
    registered_at      TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'erased')),
    erased_at          TEXT,
    person_id          INTEGER REFERENCES people(id) ON DELETE SET NULL
);
CREATE INDEX households_grid ON households(grid_id, status);
CREATE INDEX households_phone ON households(phone) WHERE phone IS NOT NULL;

-- One visit: where (a location, or "at the door"), what was found (ok / help / hazard), a
-- note, a photo or none, and the case it opened (需要帮助, 发现隐患). A worker's visits are the
-- office's work record (their /mydata lists them).
CREATE TABLE visits (
    id             INTEGER PRIMARY KEY,
    household_id   INTEGER NOT NULL REFERENCES households(id),
    worker_id      INTEGER NOT NULL,
    grid_id        INTEGER NOT NULL REFERENCES grids(id),
    at             TEXT NOT NULL,
    latitude       REAL,
    longitude      REAL,
    finding        TEXT NOT NULL CHECK (finding IN ('ok', 'help', 'hazard')),
    note           TEXT NOT NULL DEFAULT '',
    photo_file_id  TEXT,
    complaint_id   INTEGER REFERENCES complaints(id)
);
CREATE INDEX visits_household ON visits(household_id, at);
CREATE INDEX visits_at ON visits(at);
CREATE INDEX visits_worker ON visits(worker_id);

-- What is due later for a household is a row first: the reminder on its due day ('due'), the
-- worker's 催办 once it is overdue ('overdue'), the dispatchers' notice ('escalate', again each
-- week while still overdue). A visit cancels the pending rows and adds the next ones.
CREATE TABLE visit_timers (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('due', 'overdue', 'escalate')),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    due_at        TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    dedupe_key    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    done_at       TEXT
);
CREATE INDEX visit_timers_due ON visit_timers(state, due_at);
