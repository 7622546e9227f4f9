-- PostgreSQL's form of 0009's views and triggers (the tables and indexes come from 0009
-- itself). A flag is a 0/1 integer, as SQLite's comparisons give; every trigger adds or takes
-- away a complaint's contribution through complaint_sum_changes, as on SQLite.

-- @replaces CREATE VIEW complaint_fact
CREATE VIEW complaint_fact AS
SELECT id, substr(created_at, 1, 10) AS day, grid_id, category_id,
       COALESCE(department_id, 0) AS department_id,
       CASE WHEN kind IN ('suggestion', 'rectification') THEN 2
            WHEN EXISTS (SELECT 1 FROM patrols p WHERE p.complaint_id = complaints.id)
            THEN 1
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
       (status <> 'rejected' AND escalated_at IS NOT NULL)::int AS overdue
FROM complaints;

-- @replaces CREATE VIEW complaint_sum_changes
CREATE VIEW complaint_sum_changes AS SELECT 0::bigint AS id, 0::bigint AS sign WHERE false;

-- @replaces CREATE TRIGGER complaint_sum_change
CREATE FUNCTION complaint_sum_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO complaint_sums
    SELECT span, bucket, grid_id, category_id, department_id, origin,
           NEW.sign * received, NEW.sign * handled, NEW.sign * ack_done,
           NEW.sign * ack_on_time, NEW.sign * resolve_done, NEW.sign * resolve_on_time,
           NEW.sign * rated, NEW.sign * rating_sum, NEW.sign * closed, NEW.sign * no_reply,
           NEW.sign * relapses, NEW.sign * overdue
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
        overdue = complaint_sums.overdue + excluded.overdue;
    DELETE FROM complaint_sums s
    WHERE NEW.sign < 0 AND s.received = 0
      AND (s.span, s.bucket, s.grid_id, s.category_id, s.department_id, s.origin) IN (
          SELECT f.span, f.bucket, f.grid_id, f.category_id, f.department_id, f.origin
          FROM complaint_facts f WHERE f.id = NEW.id);
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_sum_change INSTEAD OF INSERT ON complaint_sum_changes
    FOR EACH ROW EXECUTE FUNCTION complaint_sum_change();

-- @replaces CREATE TRIGGER complaint_sums_insert
-- One function for every trigger that moves a complaint's contribution: its arguments are
-- the row ('NEW', 'OLD' or 'BOTH'), the column holding the complaint's id, and the sign.
CREATE FUNCTION complaint_sums_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    column_name text := TG_ARGV[1];
    sign bigint := TG_ARGV[2]::bigint;
    old_id bigint;
    new_id bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_id := (to_jsonb(OLD) ->> column_name)::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_id := (to_jsonb(NEW) ->> column_name)::bigint;
    END IF;
    IF TG_ARGV[0] = 'NEW' THEN
        INSERT INTO complaint_sum_changes VALUES (new_id, sign);
    ELSIF TG_ARGV[0] = 'OLD' THEN
        INSERT INTO complaint_sum_changes VALUES (old_id, sign);
    ELSE
        INSERT INTO complaint_sum_changes
            SELECT id, sign FROM complaints WHERE id IN (old_id, new_id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER complaint_sums_insert AFTER INSERT ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'id', '1');

-- @replaces CREATE TRIGGER complaint_sums_before_update
CREATE TRIGGER complaint_sums_before_update BEFORE UPDATE ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_after_update
CREATE TRIGGER complaint_sums_after_update AFTER UPDATE ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'id', '1');

-- @replaces CREATE TRIGGER complaint_sums_delete
CREATE TRIGGER complaint_sums_delete BEFORE DELETE ON complaints
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_before_insert
CREATE TRIGGER complaint_sums_patrol_before_insert BEFORE INSERT ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'complaint_id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_after_insert
CREATE TRIGGER complaint_sums_patrol_after_insert AFTER INSERT ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('NEW', 'complaint_id', '1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_before_update
CREATE TRIGGER complaint_sums_patrol_before_update BEFORE UPDATE OF complaint_id ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('BOTH', 'complaint_id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_after_update
CREATE TRIGGER complaint_sums_patrol_after_update AFTER UPDATE OF complaint_id ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('BOTH', 'complaint_id', '1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_before_delete
CREATE TRIGGER complaint_sums_patrol_before_delete BEFORE DELETE ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'complaint_id', '-1');

-- @replaces CREATE TRIGGER complaint_sums_patrol_after_delete
CREATE TRIGGER complaint_sums_patrol_after_delete AFTER DELETE ON patrols
    FOR EACH ROW EXECUTE FUNCTION complaint_sums_touch('OLD', 'complaint_id', '1');
