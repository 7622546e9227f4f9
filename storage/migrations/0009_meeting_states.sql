-- The meetings' conversations numbered their steps again, in 200-299 (no two conversations of
-- the bot share a step number). A conversation saved at an old number resumes at the same
-- step: meeting_topic 60 -> 200, newmeeting 61-71 -> 210-220, meeting_edit 72-73 -> 230-231,
-- meeting_result 80-87 -> 240-247. States are JSON numbers stored as text.
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 140 AS TEXT)
 WHERE name = 'meeting_topic' AND state = '60';
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 149 AS TEXT)
 WHERE name = 'newmeeting' AND state IN ('61', '62', '63', '64', '65', '66', '67', '68', '69',
                                         '70', '71');
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 158 AS TEXT)
 WHERE name = 'meeting_edit' AND state IN ('72', '73');
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 160 AS TEXT)
 WHERE name = 'meeting_result' AND state IN ('80', '81', '82', '83', '84', '85', '86', '87');
