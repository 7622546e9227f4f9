-- What a broadcast's progress message in the admin's chat shows now (a digest of its text),
-- shared by every process (issue 20: several workers). The worker that handled the confirm
-- shows the message and the leader's job edits it as sending goes on; each takes the right to
-- an edit here first, so no process edits it to the text it already has (Telegram answers that
-- with 400 "message is not modified").
ALTER TABLE broadcasts ADD COLUMN progress_shown TEXT;
