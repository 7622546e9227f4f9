-- Run before every upgrade on PostgreSQL (idempotent): what SQLite's dialect takes for
-- granted and the storage modules use, made so on PostgreSQL.

-- SUM over a comparison counts the rows where it holds (SQLite's comparisons are 0 or 1).
CREATE OR REPLACE FUNCTION minhu_count_true(state bigint, value boolean) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN state ELSE COALESCE(state, 0) + value::int END $$;
CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = minhu_count_true, STYPE = bigint);
-- MIN and MAX over a comparison: whether it holds for every row, for any row.
CREATE OR REPLACE AGGREGATE min(boolean) (SFUNC = booland_statefunc, STYPE = boolean);
CREATE OR REPLACE AGGREGATE max(boolean) (SFUNC = boolor_statefunc, STYPE = boolean);
