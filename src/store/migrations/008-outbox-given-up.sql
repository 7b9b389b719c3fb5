-- A message Teams keeps refusing is given up rather than retried forever (it held back every later message of its
-- subject): it is marked done (sent_at) and given_up, keeping its last error, so it is never mistaken for delivered.
ALTER TABLE outbox ADD COLUMN given_up boolean NOT NULL DEFAULT false;
