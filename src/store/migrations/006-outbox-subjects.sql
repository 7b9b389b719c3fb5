-- The outbox serves rollouts and deletion requests alike: a message is about a subject, named by its kind and id, not
-- by a rollout id. Messages already written keep their ids, attempts, leases and sent marks, so none is lost or sent
-- again, and the index that orders a subject's messages follows the renamed column.
ALTER TABLE outbox RENAME COLUMN rollout_id TO subject_id;
ALTER TABLE outbox ADD COLUMN subject_kind text;
UPDATE outbox SET subject_kind =
  CASE WHEN EXISTS (SELECT 1 FROM deletions WHERE deletions.id = outbox.subject_id) THEN 'deletion' ELSE 'rollout' END;
ALTER TABLE outbox ALTER COLUMN subject_kind SET NOT NULL;
