-- Dispute mediation (矛盾调解, issue 18). To be renumbered 0020 on merge.
-- A role `mediator` (调解员: grid workers, 调委会 members, 司法所 staff), for one zone
-- (zone_id) or the whole town; SQLite cannot change a CHECK, so role_grants is rebuilt as
-- 0012 did (the lead merges the other new roles of this wave into the same list).
CREATE TABLE role_grants_new (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN
                     ('admin', 'grid_worker', 'department', 'representative', 'dispatcher',
                      'mediator')),
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

-- A mediation case. Confidential: its words (summary, terms, reason) are read only by its
-- parties, its mediator, the dispatch centre and admins; bulletins read kind, grid, status,
-- outcome and times alone. `mediator_id` and `opened_by` are staff ids (the office's record).
-- Deadlines: first contact (a session scheduled) within 2 working days, a result within 30
-- days; `contact_escalated_at` / `result_escalated_at` say the dispatch centre was told.
CREATE TABLE mediations (
    id                    INTEGER PRIMARY KEY,
    number                TEXT NOT NULL UNIQUE,         -- TJ-2026-000001
    grid_id               INTEGER NOT NULL REFERENCES grids(id),
    kind                  TEXT NOT NULL CHECK (kind IN
                            ('neighbour', 'family', 'property', 'land', 'labour', 'other')),
    summary               TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                            ('pending', 'active', 'declined', 'succeeded', 'partial',
                             'failed')),
    mediator_id           INTEGER,
    opened_by             INTEGER,                      -- staff who opened it from a case
    complaint_id          INTEGER REFERENCES complaints(id),
    opened_at             TEXT NOT NULL,
    contact_due_at        TEXT NOT NULL,
    result_due_at         TEXT NOT NULL,
    contacted_at          TEXT,
    contact_escalated_at  TEXT,
    result_escalated_at   TEXT,
    terms                 TEXT,
    terms_photo           TEXT,
    referral              TEXT CHECK (referral IN ('justice', 'court', 'arbitration',
                                                   'petition')),
    reason                TEXT,
    closed_at             TEXT,
    followup_at           TEXT,                         -- when both parties are asked (回访)
    relapsed              INTEGER NOT NULL DEFAULT 0    -- a party said the agreement broke
);
CREATE INDEX mediations_mediator ON mediations(mediator_id, status);
CREATE INDEX mediations_opened ON mediations(opened_at);

-- The two sides. The applicant is a resident of the bot; the other side is named in words
-- (`name`) or is a resident who accepted a one-time invitation link (`invite_code`,
-- cleared once used). Consent (自愿): who recorded it (`consent_by`: the party themselves,
-- or the mediator who asked them in person) and when. `kept` is the party's answer to the
-- follow-up (回访): 1 kept, 0 broken. /deleteme: name and person go, the answer stays.
CREATE TABLE mediation_parties (
    id            INTEGER PRIMARY KEY,
    mediation_id  INTEGER NOT NULL REFERENCES mediations(id) ON DELETE CASCADE,
    side          TEXT NOT NULL CHECK (side IN ('applicant', 'other')),
    person_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    name          TEXT,
    invite_code   TEXT UNIQUE,
    consent       TEXT NOT NULL DEFAULT 'pending'
                    CHECK (consent IN ('pending', 'accepted', 'declined')),
    consent_by    INTEGER,
    consent_at    TEXT,
    kept          INTEGER,
    answered_at   TEXT,
    UNIQUE (mediation_id, side)
);
CREATE INDEX mediation_parties_person ON mediation_parties(person_id)
    WHERE person_id IS NOT NULL;

-- Sessions the mediator schedules: when, where, who else helps (家属, 乡贤: words), and
-- who came (attended_applicant / attended_other: NULL until recorded).
CREATE TABLE mediation_sessions (
    id                  INTEGER PRIMARY KEY,
    mediation_id        INTEGER NOT NULL REFERENCES mediations(id) ON DELETE CASCADE,
    starts_at           TEXT NOT NULL,
    place               TEXT NOT NULL,
    helpers             TEXT NOT NULL DEFAULT '',
    attended_applicant  INTEGER,
    attended_other      INTEGER,
    created_at          TEXT NOT NULL
);
CREATE INDEX mediation_sessions_case ON mediation_sessions(mediation_id);
