-- Bulletins (晾晒). Indexes for the period aggregates: complaints by the day they arrived
-- (covering the grid, category and kind, so last year's counts never read the table),
-- assignments by deadline, patrol tickets by complaint.
CREATE INDEX complaints_period ON complaints(created_at, grid_id, category_id, kind);
CREATE INDEX patrols_complaint ON patrols(complaint_id) WHERE complaint_id IS NOT NULL;
CREATE INDEX assignments_due ON assignments(due_at, assignee_id);
CREATE INDEX meetings_start ON meetings(starts_at);
CREATE INDEX supervision_items_created ON supervision_items(created_at);

-- One row per published bulletin, written with its outbox rows in one transaction. A
-- scheduled bulletin is unique per period, so a restart or a second scheduler run can never
-- publish it twice; one published on demand (/bulletin) is not limited.
-- (The table laid out in 0001 was never written; it is rebuilt here.)
DROP TABLE bulletins;
CREATE TABLE bulletins (
    id             INTEGER PRIMARY KEY,
    period_kind    TEXT NOT NULL CHECK (period_kind IN ('week', 'month', 'quarter', 'year')),
    period_start   TEXT NOT NULL,                  -- local date, inclusive
    period_end     TEXT NOT NULL,                  -- local date, exclusive
    trigger        TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    chat_id        INTEGER,                        -- the channel or group; NULL: none set
    language       TEXT NOT NULL DEFAULT 'zh-CN',
    messages       INTEGER NOT NULL DEFAULT 0,     -- outbox rows written for it
    chart          BLOB,                           -- PNG of the main ranking
    chart_file_id  TEXT,                           -- Telegram's id once uploaded
    created_by     INTEGER,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX bulletins_scheduled ON bulletins(period_kind, period_start)
    WHERE trigger = 'schedule';

-- The bulletin's messages as rendered and split at publishing; outbox rows point here, so a
-- zone's part sent to thousands of followers is stored once.
CREATE TABLE bulletin_parts (
    id           INTEGER PRIMARY KEY,
    bulletin_id  INTEGER NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
    audience     TEXT NOT NULL,                    -- 'chat', or 'zone:<code>'
    language     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    text         TEXT NOT NULL,
    UNIQUE (bulletin_id, audience, language, position)
);
