-- The State Council's holiday notice for a year, imported by an admin (`minhu calendar
-- import`): the holidays and make-up working days (调休) of every year it lists. A year
-- with rows here overrides the packages' calendars; its other days follow the plain week.
CREATE TABLE calendar_days (
    day         TEXT PRIMARY KEY,                 -- local date, YYYY-MM-DD
    year        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name        TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL
);
CREATE INDEX calendar_days_year ON calendar_days(year);

-- Admins were warned once that a year has no official data (60 days ahead).
CREATE TABLE calendar_warnings (
    year       INTEGER PRIMARY KEY,
    warned_at  TEXT NOT NULL
);
