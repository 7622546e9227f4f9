-- Filing for someone (代办, issue 16): a grid worker or a window clerk files a report for a
-- resident who phoned or came in. The complaint's reporter is the staff member who filed it
-- (they hear each step and relay it); this row says for whom, with the resident's oral
-- consent (who recorded it, when). `name` and `phone` are the resident's personal data:
-- `phone` is normalised (11-digit mobile or a landline with its area code, digits only) and
-- matched when a resident shares their own Telegram contact — the case then joins their /my
-- (`person_id`, `linked_at`; the complaint's reporter becomes them). Their /deleteme clears
-- name, phone and the link; the row stays as the office's record of the filing.
CREATE TABLE complaint_proxies (
    complaint_id  INTEGER PRIMARY KEY REFERENCES complaints(id) ON DELETE CASCADE,
    name          TEXT,                      -- NULL once the linked resident erased it
    phone         TEXT,                      -- NULL: none given, or erased
    consent_by    INTEGER NOT NULL,          -- the staff member who recorded the consent
    consent_at    TEXT NOT NULL,
    filed_by      INTEGER NOT NULL,          -- the staff member who filed it
    filed_at      TEXT NOT NULL,
    person_id     INTEGER REFERENCES people(id) ON DELETE SET NULL,  -- the resident, linked
    linked_at     TEXT
);
CREATE INDEX complaint_proxies_phone ON complaint_proxies(phone)
    WHERE phone IS NOT NULL AND person_id IS NULL;
CREATE INDEX complaint_proxies_person ON complaint_proxies(person_id)
    WHERE person_id IS NOT NULL;
CREATE INDEX complaint_proxies_filed_by ON complaint_proxies(filed_by);

-- The bulletins count a case filed by proxy under origin 3 (代办) in `complaint_sums`: the
-- view of 0011 again, with that origin (storage.rankings.ORIGIN is the raw reference).
DROP TRIGGER complaint_sum_change;
DROP VIEW complaint_facts;
DROP VIEW complaint_fact;

CREATE VIEW complaint_fact AS
SELECT id, substr(created_at, 1, 10) AS day, grid_id, category_id,
       COALESCE(department_id, 0) AS department_id,
       CASE WHEN kind IN ('suggestion', 'rectification') THEN 2
            WHEN EXISTS (SELECT 1 FROM patrols p WHERE p.complaint_id = complaints.id)
            THEN 1
            WHEN EXISTS (SELECT 1 FROM complaint_proxies x WHERE x.complaint_id = complaints.id)
            THEN 3
            ELSE 0 END AS origin,
       1 AS received,
       status <> 'rejected' AS handled,
       status <> 'rejected' AND accepted_at IS NOT NULL AS ack_done,
       COALESCE(status <> 'rejected' AND accepted_at IS NOT NULL
                AND accepted_at <= ack_due_at, 0) AS ack_on_time,
       status IN ('resolved', 'closed') AS resolve_done,
       COALESCE(status IN ('resolved', 'closed') AND resolved_at <= resolve_due_at, 0)
           AS resolve_on_time,
       rating IS NOT NULL AS rated,
       COALESCE(rating, 0) AS rating_sum,
       status = 'closed' AS closed,
       COALESCE(status = 'closed' AND close_reason = 'no_reply', 0) AS no_reply,
       status <> 'rejected' AND parent_id IS NOT NULL AS relapses,
       status <> 'rejected' AND escalated_at IS NOT NULL AS overdue,
       status = 'closed' OR (status <> 'rejected' AND redo_count > 0) AS sat_judged,
       COALESCE(status = 'closed' AND satisfaction = 'satisfied', 0) AS satisfied,
       COALESCE(status = 'closed' AND satisfaction = 'basic', 0) AS basic,
       status <> 'rejected' AND redo_count > 0 AS redone,
       status <> 'rejected' AND resolved_at IS NOT NULL AS ever_resolved
FROM complaints;

CREATE VIEW complaint_facts AS
SELECT 'd' AS span, day AS bucket, * FROM complaint_fact
UNION ALL
SELECT 'm', substr(day, 1, 7), * FROM complaint_fact;

CREATE TRIGGER complaint_sum_change INSTEAD OF INSERT ON complaint_sum_changes
BEGIN
    INSERT INTO complaint_sums
    SELECT span, bucket, grid_id, category_id, department_id, origin,
           NEW.sign * received, NEW.sign * handled, NEW.sign * ack_done,
           NEW.sign * ack_on_time, NEW.sign * resolve_done, NEW.sign * resolve_on_time,
           NEW.sign * rated, NEW.sign * rating_sum, NEW.sign * closed, NEW.sign * no_reply,
           NEW.sign * relapses, NEW.sign * overdue, NEW.sign * sat_judged,
           NEW.sign * satisfied, NEW.sign * basic, NEW.sign * redone, NEW.sign * ever_resolved
    FROM complaint_facts WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET
        received = received + excluded.received, handled = handled + excluded.handled,
        ack_done = ack_done + excluded.ack_done,
        ack_on_time = ack_on_time + excluded.ack_on_time,
        resolve_done = resolve_done + excluded.resolve_done,
        resolve_on_time = resolve_on_time + excluded.resolve_on_time,
        rated = rated + excluded.rated, rating_sum = rating_sum + excluded.rating_sum,
        closed = closed + excluded.closed, no_reply = no_reply + excluded.no_reply,
        relapses = relapses + excluded.relapses, overdue = overdue + excluded.overdue,
        sat_judged = sat_judged + excluded.sat_judged,
        satisfied = satisfied + excluded.satisfied, basic = basic + excluded.basic,
        redone = redone + excluded.redone,
        ever_resolved = ever_resolved + excluded.ever_resolved;
    DELETE FROM complaint_sums
    WHERE NEW.sign < 0 AND received = 0
      AND (span, bucket, grid_id, category_id, department_id, origin) IN (
          SELECT span, bucket, grid_id, category_id, department_id, origin
          FROM complaint_facts WHERE id = NEW.id);
END;

-- The proxy row moves its complaint from origin 0 to 3 (it is written in the complaint's own
-- transaction, after the complaint); clearing the resident's name or phone changes nothing.
CREATE TRIGGER complaint_sums_proxy_before_insert BEFORE INSERT ON complaint_proxies
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.complaint_id, -1); END;

CREATE TRIGGER complaint_sums_proxy_after_insert AFTER INSERT ON complaint_proxies
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.complaint_id, 1); END;

CREATE TRIGGER complaint_sums_proxy_before_delete BEFORE DELETE ON complaint_proxies
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.complaint_id, -1); END;

CREATE TRIGGER complaint_sums_proxy_after_delete AFTER DELETE ON complaint_proxies
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.complaint_id, 1); END;
