-- The command centre's screen (issue 19): a web page for dispatchers, admins and zone leaders.
-- Nothing here holds a token itself: links, sessions and kiosk links keep a SHA-256 hash of
-- theirs, so a copy of the database opens no screen. No resident's data.

-- The key that signs login links, made once (MINHU_WEB_SECRET, when set, is used instead).
CREATE TABLE dashboard_secret (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  TEXT NOT NULL
);

-- A one-time login link the bot sent to a staff member (/dashboard): 10 minutes, used once.
CREATE TABLE dashboard_links (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX dashboard_links_user ON dashboard_links(user_id);

-- A wall screen's link (kiosk), made by an admin: it opens a session each time it is used,
-- until revoked. `zones`: the scope it shows, '' for the whole town, else '1,3'.
CREATE TABLE dashboard_kiosks (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL DEFAULT '',
    zones       TEXT NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- A browser's session: a staff member's (12 hours) or a kiosk's (until the kiosk is revoked).
-- The scope is worked out again from the person's grants (or the kiosk) at every request.
CREATE TABLE dashboard_sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER,
    kiosk_id    INTEGER REFERENCES dashboard_kiosks(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT,                   -- NULL: a kiosk's, until revoked
    revoked_at  TEXT,
    CHECK (user_id IS NOT NULL OR kiosk_id IS NOT NULL)
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions(user_id);
