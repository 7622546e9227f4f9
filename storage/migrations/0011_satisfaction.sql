-- Satisfaction as 12345 measures it (issue 15): after 办结 the resident answers 满意 /
-- 基本满意 / 不满意. 满意 and 基本满意 close the case (`satisfaction`; the stars stay as an
-- optional detail in `rating`); 不满意 with a reason sends it back for 重办 to the same handler
-- (`redo_count` + 1, a 'redo' event holding the reason) and clears the answer, so the case's
-- `satisfaction` is always the answer to its last 办结. A case closed without an answer
-- (close_reason 'no_reply') has none: bulletins count it as not satisfied.
ALTER TABLE complaints ADD COLUMN satisfaction TEXT
    CHECK (satisfaction IS NULL OR satisfaction IN ('satisfied', 'basic'));
ALTER TABLE complaints ADD COLUMN redo_count INTEGER NOT NULL DEFAULT 0;

-- The bulletin figures, each summed like those of 0009 (storage.rankings.GROUPS_SQL is the
-- raw reference):
-- - sat_judged: cases the 满意率 is taken over — closed (answered or not), or sent back for
--   重办 and not closed again (a 不满意 still being redone);
-- - satisfied, basic: closed with that answer (满意率 = (satisfied + basic) / sat_judged);
-- - redone: sent back for 重办 at least once; ever_resolved: 办结 at least once
--   (重办率 = redone / ever_resolved).
ALTER TABLE complaint_sums ADD COLUMN sat_judged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaint_sums ADD COLUMN satisfied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaint_sums ADD COLUMN basic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaint_sums ADD COLUMN redone INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaint_sums ADD COLUMN ever_resolved INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER complaint_sum_change;
DROP VIEW complaint_facts;
DROP VIEW complaint_fact;

CREATE VIEW complaint_fact AS
SELECT id, substr(created_at, 1, 10) AS day, grid_id, category_id,
       COALESCE(department_id, 0) AS department_id,
       CASE WHEN kind IN ('suggestion', 'rectification') THEN 2
            WHEN EXISTS (SELECT 1 FROM patrols p WHERE p.complaint_id = complaints.id)
            THEN 1
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

-- The cases before this version: a confirmed close answered with stars (4–5 满意, 3 基本满意,
-- 1–2 no answer of satisfaction: counted as not satisfied); each "not fixed" after 办结 in
-- the history was a send-back for 重办.
UPDATE complaints SET satisfaction = CASE WHEN rating >= 4 THEN 'satisfied'
                                          WHEN rating = 3 THEN 'basic' END
WHERE status = 'closed' AND close_reason = 'confirmed';
UPDATE complaints SET redo_count = (
    SELECT COUNT(*) FROM complaint_events e
    WHERE e.complaint_id = complaints.id AND e.kind = 'reopened' AND e.from_status = 'resolved')
WHERE id IN (SELECT complaint_id FROM complaint_events
             WHERE kind = 'reopened' AND from_status = 'resolved');

-- The sums again, with the new figures.
DELETE FROM complaint_sums;
INSERT INTO complaint_sums
SELECT span, bucket, grid_id, category_id, department_id, origin, SUM(received),
       SUM(handled), SUM(ack_done), SUM(ack_on_time), SUM(resolve_done), SUM(resolve_on_time),
       SUM(rated), SUM(rating_sum), SUM(closed), SUM(no_reply), SUM(relapses), SUM(overdue),
       SUM(sat_judged), SUM(satisfied), SUM(basic), SUM(redone), SUM(ever_resolved)
FROM complaint_facts GROUP BY span, bucket, grid_id, category_id, department_id, origin;
