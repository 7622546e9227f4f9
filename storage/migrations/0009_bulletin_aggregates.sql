-- Pre-aggregates for bulletins (issue 14): what every complaint contributes to a bulletin's
-- figures, summed per UTC day and per UTC month of arrival and per grid, category, handler
-- and origin. Triggers keep the sums in the same transaction as every write that changes a
-- complaint (filing, acceptance, transfer, reopening, rating, escalation, erasure by
-- /deleteme) or links a patrol ticket to one; `minhu db reaggregate` (storage.aggregates)
-- rebuilds them from the raw rows. Days are UTC days so the sums need no time zone: a
-- bulletin's local days read whole UTC months and days from here and the hours at either
-- end from the raw rows (storage/aggregates.py).

-- One complaint's contribution, as it is now, to its day ('d', '2026-03-05') and its month
-- ('m', '2026-03'). `origin` and every count are the expressions of
-- storage.rankings.GROUPS_SQL, the raw reference; the two figures that depend on the moment a
-- bulletin is made (a deadline passed without acceptance or resolution) are read from the
-- open cases (the partial indexes below), so here only what is already done counts.
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
       status <> 'rejected' AND escalated_at IS NOT NULL AS overdue
FROM complaints;

CREATE VIEW complaint_facts AS
SELECT 'd' AS span, day AS bucket, * FROM complaint_fact
UNION ALL
SELECT 'm', substr(day, 1, 7), * FROM complaint_fact;

CREATE TABLE complaint_sums (
    span           TEXT NOT NULL,                  -- 'd': a UTC day, 'm': a UTC month
    bucket         TEXT NOT NULL,                  -- '2026-03-05' or '2026-03'
    grid_id        INTEGER NOT NULL,
    category_id    INTEGER NOT NULL,
    department_id  INTEGER NOT NULL,               -- 0: the grid handles it
    origin         INTEGER NOT NULL,               -- 0 residents, 1 patrol, 2 representatives
    received       INTEGER NOT NULL,
    handled        INTEGER NOT NULL,
    ack_done       INTEGER NOT NULL,
    ack_on_time    INTEGER NOT NULL,
    resolve_done   INTEGER NOT NULL,
    resolve_on_time INTEGER NOT NULL,
    rated          INTEGER NOT NULL,
    rating_sum     INTEGER NOT NULL,
    closed         INTEGER NOT NULL,
    no_reply       INTEGER NOT NULL,
    relapses       INTEGER NOT NULL,
    overdue        INTEGER NOT NULL,
    PRIMARY KEY (span, bucket, grid_id, category_id, department_id, origin)
) WITHOUT ROWID;

-- Inserting (id, sign) here adds (+1) or takes away (-1) complaint id's present contribution:
-- every trigger below takes a complaint out before a change and puts it back after it.
CREATE VIEW complaint_sum_changes AS SELECT 0 AS id, 0 AS sign WHERE 0;

CREATE TRIGGER complaint_sum_change INSTEAD OF INSERT ON complaint_sum_changes
BEGIN
    INSERT INTO complaint_sums
    SELECT span, bucket, grid_id, category_id, department_id, origin,
           NEW.sign * received, NEW.sign * handled, NEW.sign * ack_done,
           NEW.sign * ack_on_time, NEW.sign * resolve_done, NEW.sign * resolve_on_time,
           NEW.sign * rated, NEW.sign * rating_sum, NEW.sign * closed, NEW.sign * no_reply,
           NEW.sign * relapses, NEW.sign * overdue
    FROM complaint_facts WHERE id = NEW.id
    ON CONFLICT DO UPDATE SET
        received = received + excluded.received, handled = handled + excluded.handled,
        ack_done = ack_done + excluded.ack_done,
        ack_on_time = ack_on_time + excluded.ack_on_time,
        resolve_done = resolve_done + excluded.resolve_done,
        resolve_on_time = resolve_on_time + excluded.resolve_on_time,
        rated = rated + excluded.rated, rating_sum = rating_sum + excluded.rating_sum,
        closed = closed + excluded.closed, no_reply = no_reply + excluded.no_reply,
        relapses = relapses + excluded.relapses, overdue = overdue + excluded.overdue;
    DELETE FROM complaint_sums
    WHERE NEW.sign < 0 AND received = 0
      AND (span, bucket, grid_id, category_id, department_id, origin) IN (
          SELECT span, bucket, grid_id, category_id, department_id, origin
          FROM complaint_facts WHERE id = NEW.id);
END;

CREATE TRIGGER complaint_sums_insert AFTER INSERT ON complaints
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.id, 1); END;

CREATE TRIGGER complaint_sums_before_update BEFORE UPDATE ON complaints
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.id, -1); END;

CREATE TRIGGER complaint_sums_after_update AFTER UPDATE ON complaints
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.id, 1); END;

CREATE TRIGGER complaint_sums_delete BEFORE DELETE ON complaints
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.id, -1); END;

-- A patrol ticket changes its complaint's origin (residents' case → hazard found on patrol);
-- a patrol with no ticket (complaint_id NULL) changes nothing.
CREATE TRIGGER complaint_sums_patrol_before_insert BEFORE INSERT ON patrols
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.complaint_id, -1); END;

CREATE TRIGGER complaint_sums_patrol_after_insert AFTER INSERT ON patrols
BEGIN INSERT INTO complaint_sum_changes VALUES (NEW.complaint_id, 1); END;

CREATE TRIGGER complaint_sums_patrol_before_update BEFORE UPDATE OF complaint_id ON patrols
BEGIN INSERT INTO complaint_sum_changes
    SELECT id, -1 FROM complaints WHERE id IN (OLD.complaint_id, NEW.complaint_id); END;

CREATE TRIGGER complaint_sums_patrol_after_update AFTER UPDATE OF complaint_id ON patrols
BEGIN INSERT INTO complaint_sum_changes
    SELECT id, 1 FROM complaints WHERE id IN (OLD.complaint_id, NEW.complaint_id); END;

CREATE TRIGGER complaint_sums_patrol_before_delete BEFORE DELETE ON patrols
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.complaint_id, -1); END;

CREATE TRIGGER complaint_sums_patrol_after_delete AFTER DELETE ON patrols
BEGIN INSERT INTO complaint_sum_changes VALUES (OLD.complaint_id, 1); END;

-- The open cases, whose judgement waits on a deadline (read with the moment of the bulletin).
CREATE INDEX complaints_ack_open ON complaints(created_at, ack_due_at, grid_id, category_id,
    department_id, kind, accepted_at, status) WHERE accepted_at IS NULL AND status <> 'rejected';
CREATE INDEX complaints_resolve_open ON complaints(created_at, resolve_due_at, grid_id,
    category_id, department_id, kind, status)
    WHERE status NOT IN ('rejected', 'resolved', 'closed');

-- Patrols of a period, read without touching the table.
CREATE INDEX patrols_period ON patrols(at, worker_id, grid_id, hazard_found);

-- The sums of the complaints already there.
INSERT INTO complaint_sums
SELECT span, bucket, grid_id, category_id, department_id, origin, SUM(received),
       SUM(handled), SUM(ack_done), SUM(ack_on_time), SUM(resolve_done), SUM(resolve_on_time),
       SUM(rated), SUM(rating_sum), SUM(closed), SUM(no_reply), SUM(relapses), SUM(overdue)
FROM complaint_facts GROUP BY span, bucket, grid_id, category_id, department_id, origin;
