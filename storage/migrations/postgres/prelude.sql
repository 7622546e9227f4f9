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
-- TOTAL: SQLite's sum that is 0.0 over no rows, always a float.
CREATE OR REPLACE FUNCTION minhu_total(state double precision, value double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT state + COALESCE(value, 0) $$;
CREATE OR REPLACE AGGREGATE total(double precision)
    (SFUNC = minhu_total, STYPE = double precision, INITCOND = '0');
CREATE OR REPLACE FUNCTION minhu_total_true(state double precision, value boolean)
    RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT state + COALESCE(value::int, 0) $$;
CREATE OR REPLACE AGGREGATE total(boolean)
    (SFUNC = minhu_total_true, STYPE = double precision, INITCOND = '0');
