-- A paused rollout now waits for a person (continue from the traffic Azure has, or restore the start) instead of
-- ending, so it is active: it keeps the endpoint's one active rollout, and `rollback` acts on it. Where an endpoint
-- already has a newer rollout, its older paused ones end as failed (they were ends when they paused).
UPDATE rollouts SET phase = 'failed'
WHERE phase = 'paused'
  AND EXISTS (
    SELECT 1 FROM rollouts newer
    WHERE lower(newer.endpoint) = lower(rollouts.endpoint) AND newer.requested_at > rollouts.requested_at
  );

-- Dropping the generated column drops the indexes that use it; they are made again below.
ALTER TABLE rollouts DROP COLUMN active;
ALTER TABLE rollouts ADD COLUMN active boolean NOT NULL
  GENERATED ALWAYS AS (phase NOT IN ('completed', 'rejected', 'failed', 'expired', 'rolled_back')) STORED;
CREATE UNIQUE INDEX rollouts_active_endpoint_key ON rollouts (lower(endpoint)) WHERE active;
CREATE INDEX rollouts_due_idx ON rollouts (next_run_at) WHERE active;
CREATE INDEX rollouts_ended_idx ON rollouts (lower(endpoint), updated_at DESC) WHERE NOT active;

-- The audit row names the person as separation of duties knows them: Entra tenant and UPN besides the object id.
ALTER TABLE audit ADD COLUMN actor_upn text;
ALTER TABLE audit ADD COLUMN actor_tenant_id text;
