-- PostgreSQL's form of 0018's triggers: the ledger never below zero, and append-only.

-- @replaces CREATE TRIGGER points_ledger_never_negative
CREATE FUNCTION points_ledger_never_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.amount < 0 AND (SELECT COALESCE(SUM(amount), 0) FROM points_ledger
                           WHERE person_id = NEW.person_id) + NEW.amount < 0 THEN
        RAISE EXCEPTION 'points balance would be negative' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER points_ledger_never_negative BEFORE INSERT ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION points_ledger_never_negative();

-- @replaces CREATE TRIGGER points_ledger_append_only
CREATE FUNCTION points_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the points ledger is append-only' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER points_ledger_append_only BEFORE UPDATE ON points_ledger
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
