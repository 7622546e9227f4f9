-- Deliberation meetings (议事会): a revision that the reminders follow (every edit bumps it),
-- when and by whom a result was recorded, representatives' bookings (reserved seats), and one
-- live booking per person and meeting.
ALTER TABLE meetings ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN cancelled_at TEXT;
ALTER TABLE meetings ADD COLUMN result_at TEXT;
ALTER TABLE meetings ADD COLUMN result_by INTEGER;
ALTER TABLE meeting_bookings ADD COLUMN representative INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meeting_bookings ADD COLUMN updated_at TEXT;
CREATE UNIQUE INDEX meeting_bookings_live ON meeting_bookings(meeting_id, person_id)
    WHERE status IN ('booked', 'waitlisted');
CREATE INDEX meetings_status_start ON meetings(status, starts_at);
CREATE INDEX meeting_topics_meeting ON meeting_topics(meeting_id, id);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions(meeting_id, position);
