-- Requests to delete an endpoint, waiting for a second person's confirmation on a card, with the same compare-and-set,
-- lease and outbox guarantees as rollouts.
CREATE TABLE deletions (
  id           text        PRIMARY KEY,
  endpoint     text        NOT NULL,
  phase        text        NOT NULL,
  pending      boolean     NOT NULL GENERATED ALWAYS AS (phase IN ('awaiting_approval', 'deleting')) STORED,
  version      integer     NOT NULL,
  requested_at timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  next_run_at  timestamptz,
  state        json        NOT NULL,
  card         json,
  lease_owner  text,
  lease_until  timestamptz
);
-- One pending request per endpoint, refused by the database itself across bot instances.
CREATE UNIQUE INDEX deletions_pending_endpoint_key ON deletions (lower(endpoint)) WHERE pending;
CREATE INDEX deletions_due_idx ON deletions (next_run_at) WHERE pending;

-- The outbox serves deletions too: its rollout_id is the id of the rollout or deletion a message is about (ids are
-- UUIDs, so they never collide), and messages of one subject still go in order.
ALTER TABLE outbox DROP CONSTRAINT outbox_rollout_id_fkey;
