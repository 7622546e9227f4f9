-- The escalation ladder (issue 15): after 催办 at the deadline and a 催办 each working day
-- while overdue, the zone's admins get a 通报 after N working days; `reported_at` says when
-- (the daily 催办 and the 通报 themselves are rows of `timers`, kinds 'urge' and 'report').
ALTER TABLE complaints ADD COLUMN reported_at TEXT;

-- One digest a working day for dispatchers and admins (new, overdue, awaiting their ruling),
-- a row before it is due: created for the next digest moment, sent once, or skipped when the
-- bot was down over its whole day. No personal data.
CREATE TABLE ladder_digests (
    day      TEXT PRIMARY KEY,          -- the local working day, YYYY-MM-DD
    due_at   TEXT NOT NULL,             -- UTC
    since    TEXT NOT NULL,             -- "new" counts cases filed from this moment (UTC)
    state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'skipped')),
    done_at  TEXT
);
CREATE INDEX ladder_digests_due ON ladder_digests(state, due_at);
