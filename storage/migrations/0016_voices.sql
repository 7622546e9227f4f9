-- Voice notes (issue 16): a resident may say what is wrong instead of typing it, in /report or
-- by sending a voice message outside any conversation. Staff play them by Telegram's file id.
-- A voice is the person's own: /deleteme erases the voice notes of their reports (the photos
-- and the place stay, like the rest of the problem).
CREATE TABLE complaint_voices (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL DEFAULT '',
    duration        INTEGER NOT NULL,      -- seconds, as Telegram reported it
    position        INTEGER NOT NULL
);
CREATE INDEX complaint_voices_complaint ON complaint_voices(complaint_id);
