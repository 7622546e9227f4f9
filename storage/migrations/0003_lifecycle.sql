-- Complaint lifecycle: escalation, who resolved it, and timers (anything due later is a row).
ALTER TABLE complaints ADD COLUMN escalated_at TEXT;
ALTER TABLE complaints ADD COLUMN resolution_note TEXT;
CREATE INDEX complaints_status_due ON complaints(status, resolve_due_at);

-- Timers: reminders before deadlines, escalation at them, closing unanswered resolutions,
-- the 30-day follow-up (回头看). Rebuilt into jobs from these rows at start-up.
CREATE TABLE timers (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,        -- ack_remind, ack_due, resolve_remind, resolve_due,
                                        -- auto_close, followup
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    due_at        TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    created_at    TEXT NOT NULL,
    done_at       TEXT
);
CREATE INDEX timers_due ON timers(state, due_at);
CREATE INDEX timers_complaint ON timers(complaint_id, state);
