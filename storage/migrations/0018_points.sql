-- Volunteer points (志愿积分, the “朝夕”共 scheme, issue 17): volunteer activities with sign-up,
-- a waiting list, check-in and check-out by the organiser's codes; an append-only points
-- ledger; family links (朝夕: grandparents earn, grandchildren redeem); a redemption catalogue
-- with vouchers a provider checks once; an opt-in to be named in the honour roll.

CREATE TABLE volunteer_activities (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    task             TEXT NOT NULL,             -- what to do
    place            TEXT NOT NULL,
    starts_at        TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    places           INTEGER NOT NULL CHECK (places > 0),
    points_per_hour  INTEGER NOT NULL CHECK (points_per_hour >= 0),
    zone_id          INTEGER NOT NULL REFERENCES zones(id),
    community_id     INTEGER REFERENCES communities(id),  -- NULL: the whole zone
    campaign         TEXT NOT NULL DEFAULT '',  -- e.g. 环境综合整治 第3轮
    checkin_code     TEXT NOT NULL UNIQUE,      -- the organiser gives it at the start
    checkout_code    TEXT NOT NULL UNIQUE,      -- and this one at the end
    status           TEXT NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'cancelled', 'confirmed')),
    created_by       INTEGER NOT NULL,          -- the organiser (staff; their work record)
    created_at       TEXT NOT NULL,
    confirmed_at     TEXT
);
CREATE INDEX volunteer_activities_start ON volunteer_activities(status, starts_at);

-- A volunteer's place: booked or waiting (in the order people joined), cancelled, and after
-- the organiser's confirmation attended (the minutes served, credited once) or no_show.
CREATE TABLE volunteer_signups (
    id             INTEGER PRIMARY KEY,
    activity_id    INTEGER NOT NULL REFERENCES volunteer_activities(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN
                       ('booked', 'waitlisted', 'cancelled', 'attended', 'no_show')),
    code           TEXT NOT NULL UNIQUE,        -- the volunteer's own code (the organiser types it)
    checked_in_at  TEXT,
    checked_out_at TEXT,
    minutes        INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX volunteer_signups_live ON volunteer_signups(activity_id, person_id)
    WHERE status IN ('booked', 'waitlisted');
CREATE INDEX volunteer_signups_activity ON volunteer_signups(activity_id, status, id);
CREATE INDEX volunteer_signups_person ON volunteer_signups(person_id);

-- The ledger: every credit (+) and debit (-) is a row with its cause; the balance is the sum.
-- Rows are never changed (a correction is a new row); a row that would take a balance below
-- zero is refused here as well as by the service. A cause with a reference (an activity's
-- signup, a redemption, its refund) is written once.
CREATE TABLE points_ledger (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    amount     INTEGER NOT NULL CHECK (amount <> 0),
    cause      TEXT NOT NULL CHECK (cause IN
                   ('activity', 'redeem', 'refund', 'gift_out', 'gift_in', 'correction')),
    ref        TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    by_id      INTEGER,                          -- who caused it (staff for a correction)
    at         TEXT NOT NULL
);
CREATE INDEX points_ledger_person ON points_ledger(person_id, id);
CREATE UNIQUE INDEX points_ledger_once ON points_ledger(cause, ref, person_id)
    WHERE cause IN ('activity', 'redeem', 'refund', 'gift_out', 'gift_in');

CREATE TRIGGER points_ledger_never_negative BEFORE INSERT ON points_ledger
WHEN NEW.amount < 0 AND (SELECT COALESCE(SUM(amount), 0) FROM points_ledger
                         WHERE person_id = NEW.person_id) + NEW.amount < 0
BEGIN SELECT RAISE(ABORT, 'points balance would be negative'); END;

CREATE TRIGGER points_ledger_append_only BEFORE UPDATE ON points_ledger
BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only'); END;

-- The catalogue (admins): a course, an activity or small goods; what it costs, how many are
-- left, who may redeem (a zone's residents, or anyone), and who checks its vouchers.
CREATE TABLE points_items (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    points       INTEGER NOT NULL CHECK (points > 0),
    stock        INTEGER NOT NULL CHECK (stock >= 0),
    zone_id      INTEGER REFERENCES zones(id),   -- NULL: anyone in the town
    provider_id  INTEGER,                        -- checks its vouchers (/redeem), with admins
    active       INTEGER NOT NULL DEFAULT 1,
    created_by   INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);

-- A redemption: points and one unit of stock reserved together; a voucher code the provider
-- checks once. `key` is the pressed button's, so a second press reserves nothing more.
CREATE TABLE points_redemptions (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    item_id         INTEGER NOT NULL REFERENCES points_items(id),
    person_id       INTEGER REFERENCES people(id) ON DELETE SET NULL,   -- whose points
    beneficiary_id  INTEGER REFERENCES people(id) ON DELETE SET NULL,   -- for whom
    points          INTEGER NOT NULL,
    code            TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'used')),
    created_at      TEXT NOT NULL,
    used_at         TEXT,
    used_by         INTEGER
);
CREATE INDEX points_redemptions_person ON points_redemptions(person_id);
CREATE INDEX points_redemptions_beneficiary ON points_redemptions(beneficiary_id);

-- Family (朝夕): a one-time code one member gives, the other accepts; a link is two rows.
CREATE TABLE family_invites (
    code        TEXT PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX family_invites_person ON family_invites(person_id);

CREATE TABLE family_links (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    linked_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, member_id),
    CHECK (person_id <> member_id)
);
CREATE INDEX family_links_member ON family_links(member_id);

-- Honour: a volunteer who agrees is named among the top volunteers; others are counted only.
CREATE TABLE volunteer_honour (
    person_id  INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    named      INTEGER NOT NULL DEFAULT 0,
    at         TEXT NOT NULL
);
