-- The /broadcast conversation's steps were numbered 30–38; each conversation now has its own
-- range (issue 13) and /broadcast's is 500–549, same steps in the same order. PTB persists the
-- step's number, so a broadcast draft open at the upgrade resumes at the step it was at.
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 470 AS TEXT)
WHERE name = 'broadcast' AND state IN ('30', '31', '32', '33', '34', '35', '36', '37', '38');
