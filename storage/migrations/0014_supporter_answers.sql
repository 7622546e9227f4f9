-- "Me too" supporters answer their own satisfaction question (issue 15): after each 办结 a
-- supporter says 满意 / 基本满意 / 不满意 for themselves. The answer is theirs alone: it never
-- closes the case nor sends it back (the reporter's answer does), it is told to the handler,
-- and a new 办结 (after a 重办) asks again — `answered_at` earlier than the case's
-- `resolved_at` means "not answered yet for this 办结". /mydata exports both; /deleteme
-- erases the row with the rest of the person's "me too".
ALTER TABLE complaint_supporters ADD COLUMN satisfaction TEXT
    CHECK (satisfaction IS NULL OR satisfaction IN ('satisfied', 'basic', 'unsatisfied'));
ALTER TABLE complaint_supporters ADD COLUMN answered_at TEXT;
-- A supporter who says 不满意 may say why (optional, once per answer): told to the handler.
ALTER TABLE complaint_supporters ADD COLUMN reason TEXT;
