-- PostgreSQL's form of 0017's views and triggers (0011's, with origin 3, 代办).

-- @replaces DROP TRIGGER complaint_sum_change
DROP TRIGGER complaint_sum_change ON complaint_sum_changes;

-- @replaces CREATE VIEW complaint_fact
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
       (status <> 'rejected')::int AS handled,
       (status <> 'rejected' AND accepted_at IS NOT NULL)::int AS ack_done,
       COALESCE((status <> 'rejected' AND accepted_at IS NOT NULL
                 AND accepted_at <= ack_due_at)::int, 0) AS ack_on_time,
       (status IN ('resolved', 'closed'))::int AS resolve_done,
       COALESCE((status IN ('resolved', 'closed') AND resolved_at <= resolve_due_at)::int, 0)
           AS resolve_on_time,
       (rating IS NOT NULL)::int AS rated,
       COALESCE(rating, 0) AS rating_sum,
       (status = 'closed')::int AS closed,
       COALESCE((status = 'closed' AND close_reason = 'no_reply')::int, 0) AS no_reply,
       (status <> 'rejected' AND parent_id IS NOT NULL)::int AS relapses,
       (status <> 'rejected' AND escalated_at IS NOT NULL)::int AS overdue,
       (status = 'closed' OR (status <> 'rejected' AND redo_count > 0))::int AS sat_judged,
       COALESCE((status = 'closed' AND satisfaction = 'satisfied')::int, 0) AS satisfied,
       COALESCE((status = 'closed' AND satisfaction = 'basic')::int, 0) AS basic,
       (status <> 'rejected' AND redo_count > 0)::int AS redone,
       (status <> 'rejected' AND resolved_at IS NOT NULL)::int AS ever_resolved
FROM complaints;

-- @replaces CREATE TRIGGER complaint_sum_change
CREATE OR REPLACE FUNCTION complaint_sum_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_sums
    SELECT span, bucket, grid_id, category_id, department_id, origin,
           NEW.sign * received, NEW.sign * handled, NEW.sign * ack_done,
           NEW.sign * ack_on_time, NEW.sign * resolve_done, NEW.sign * resolve_on_time,
           NEW.sign * rated, NEW.sign * rating_sum, NEW.sign * closed, NEW.sign * no_reply,
           NEW.sign * relapses, NEW.sign * overdue, NEW.sign * sat_judged,
           NEW.sign * satisfied, NEW.sign * basic, NEW.sign * redone, NEW.sign * ever_resolved
    FROM complaint_facts f WHERE f.id = NEW.id
    ON CONFLICT (span, bucket, grid_id, category_id, department_id, origin) DO UPDATE SET
        received = complaint_sums.received + excluded.received,
        handled = complaint_sums.handled + excluded.handled,
        ack_done = complaint_sums.ack_done + excluded.ack_done,
        ack_on_time = complaint_sums.ack_on_time + excluded.ack_on_time,
        resolve_done = complaint_sums.resolve_done + excluded.resolve_done,
        resolve_on_time = complaint_sums.resolve_on_time + excluded.resolve_on_time,
        rated = complaint_sums.rated + excluded.rated,
        rating_sum = complaint_sums.rating_sum + excluded.rating_sum,
        closed = complaint_sums.closed + excluded.closed,
        no_reply = complaint_sums.no_reply + excluded.no_reply,
        relapses = complaint_sums.relapses + excluded.relapses,
        overdue = complaint_sums.overdue + excluded.overdue,
        sat_judged = complaint_sums.sat_judged + excluded.sat_judged,
        satisfied = complaint_sums.satisfied + excluded.satisfied,
        basic = complaint_sums.basic + excluded.basic,
        redone = complaint_sums.redone + excluded.redone,
        ever_resolved = complaint_sums.ever_resolved + excluded.ever_resolved;
    DELETE FROM complaint_sums s
    WHERE NEW.sign < 0 AND s.received = 0
      AND (s.span, s.bucket, s.grid_id, s.category_id, s.department_id, s.origin) IN (
          SELECT f.span, f.bucket, f.grid_id, f.category_id, f.department_id, f.origin
          FROM complaint_facts f WHERE f.id = NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_sum_change INSTEAD OF INSERT ON complaint_sum_changes
    FOR EACH ROW EXECUTE FUNCTION complaint_sum_change();

-- @replaces CREATE TRIGGER complaint_sums_proxy_before_insert
CREATE TRIGGER complaint_sums_proxy_before_insert BEFORE INSERT ON complaint_proxies
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'complaint_id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_proxy_after_insert
CREATE TRIGGER complaint_sums_proxy_after_insert AFTER INSERT ON complaint_proxies
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'complaint_id', '1');

-- @replaces CREATE TRIGGER complaint_sums_proxy_before_delete
CREATE TRIGGER complaint_sums_proxy_before_delete BEFORE DELETE ON complaint_proxies
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'complaint_id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_proxy_after_delete
CREATE TRIGGER complaint_sums_proxy_after_delete AFTER DELETE ON complaint_proxies
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'complaint_id', '1');
