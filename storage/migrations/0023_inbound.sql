-- Several workers (issue 20, PostgreSQL only; the tables are empty on SQLite). The webhook
-- receiver (`minhu receive`) stores each update here, committed before Telegram gets its 200;
-- a retry of the same update_id is ignored. `chat_key` is the update's ordering key
-- ('chat:ID', 'user:ID' or 'global'): one chat's updates are handled one after another, in
-- update_id order, by whichever worker holds the chat's lease. A handled update keeps only
-- its id (its body, which may hold a person's words, is emptied) until the leader prunes it.
CREATE TABLE inbound_updates (
    update_id    INTEGER NOT NULL PRIMARY KEY,
    chat_key     TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    done_at      TEXT
);
CREATE INDEX inbound_updates_pending ON inbound_updates (chat_key, update_id)
    WHERE done_at IS NULL;

-- Which worker handles a chat, until when (seconds since the epoch). A row is made with the
-- chat's first update, free (lease_until 0); a worker takes free or expired rows (SELECT …
-- FOR UPDATE SKIP LOCKED), renews its own by heartbeat and frees a chat it has emptied.
CREATE TABLE chat_leases (
    chat_key     TEXT NOT NULL PRIMARY KEY,
    worker       TEXT NOT NULL DEFAULT '',
    lease_until  REAL NOT NULL DEFAULT 0
);

-- The flood gate across workers: one token bucket per scope ('bot', or 'chat:ID'), refilled
-- at the scope's rate; every process takes a token here before a message-producing request,
-- so the bot's 30 msg/s and each chat's limit hold for all the workers together.
CREATE TABLE flood_buckets (
    scope   TEXT NOT NULL PRIMARY KEY,
    tokens  REAL NOT NULL,
    stamp   REAL NOT NULL               -- seconds since the epoch of the last take
);
