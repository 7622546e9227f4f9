-- Delivery engine and broadcasts: audience, progress message, figures; outbox per broadcast.
ALTER TABLE broadcasts ADD COLUMN audience_kind TEXT NOT NULL DEFAULT 'everyone';
ALTER TABLE broadcasts ADD COLUMN audience_ref INTEGER;
ALTER TABLE broadcasts ADD COLUMN audience_label TEXT NOT NULL DEFAULT '';
ALTER TABLE broadcasts ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN progress_chat_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN progress_message_id INTEGER;
ALTER TABLE broadcasts ADD COLUMN finished_at TEXT;
CREATE INDEX outbox_broadcast ON outbox(broadcast_id, state);
CREATE INDEX outbox_chat ON outbox(chat_id, state);
