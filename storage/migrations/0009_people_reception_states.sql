-- Conversation states renumbered (issue 13: each conversation's states in its capability's
-- range, reception 400-449, people 450-499). A conversation saved open by the older bot resumes
-- at the same step under its new number. Onboarding was never saved (it runs before consent).
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 440 AS TEXT)
    WHERE name = 'settings' AND state IN ('20', '21', '22', '23');
UPDATE ptb_conversations SET state = '400' WHERE name = 'reception_book' AND state = '110';
UPDATE ptb_conversations SET state = CAST(CAST(state AS INTEGER) + 290 AS TEXT)
    WHERE name = 'reception_rep' AND state IN ('120', '121', '122', '123');
UPDATE ptb_conversations SET state = '420' WHERE name = 'reception_outcome' AND state = '124';
