-- Submissions: one row per confirmed form, keyed by the draft's random id and written in the
-- transaction of the record it created, so pressing the same confirm button again (after a
-- crash, a restart or a lost conversation state) files nothing and answers with that record.
-- No personal data: a key, the kind of record and its id.
CREATE TABLE submissions (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    record_id   INTEGER NOT NULL,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;
