-- Rollouts, the leases that say which bot process drives each, and the messages their transitions send (an outbox).
-- JSON values are `json`, not `jsonb`: jsonb refuses \u0000, which a container's log tail can hold, and nothing
-- queries inside them.

CREATE TABLE rollouts (
  id           text        PRIMARY KEY,
  endpoint     text        NOT NULL,
  phase        text        NOT NULL,
  -- Only the ends are named (FINAL_PHASES in src/ports/rollouts.ts), so a phase added later counts as active, and
  -- stays one per endpoint, without a migration. A new end needs one.
  active       boolean     NOT NULL
               GENERATED ALWAYS AS (phase NOT IN ('completed', 'rejected', 'failed', 'expired', 'rolled_back', 'paused'))
               STORED,
  -- Compare-and-set: every change is `UPDATE … WHERE id = $1 AND version = <the version the change was made from>`.
  version      integer     NOT NULL,
  requested_at timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  next_run_at  timestamptz,
  -- The rest of the Rollout (model, plan, step, people, approvals, smoke test, timeline…), dates as ISO strings.
  state        json        NOT NULL,
  -- The posted card's reference, outside the versioned state: storing it must not make a concurrent transition's
  -- compare-and-set fail.
  card         json,
  lease_owner  text,
  lease_until  timestamptz
);
-- The database itself refuses a second active rollout on an endpoint, atomically across bot instances.
CREATE UNIQUE INDEX rollouts_active_endpoint_key ON rollouts (lower(endpoint)) WHERE active;
CREATE INDEX rollouts_due_idx ON rollouts (next_run_at) WHERE active;
CREATE INDEX rollouts_ended_idx ON rollouts (lower(endpoint), updated_at DESC) WHERE NOT active;

CREATE TABLE outbox (
  id              bigserial   PRIMARY KEY,
  rollout_id      text        NOT NULL REFERENCES rollouts (id),
  draft           json        NOT NULL,
  created_at      timestamptz NOT NULL,
  -- Claims so far: one that ended in a crash, with neither markSent nor markFailed, counts too.
  attempts        integer     NOT NULL DEFAULT 0,
  last_error      text,
  -- Null until an attempt fails: a new message is due at once, whatever the clocks of the bot instances say.
  next_attempt_at timestamptz,
  sent_at         timestamptz,
  lease_owner     text,
  lease_until     timestamptz
);
-- claimOutbox looks for the oldest unsent message of each rollout.
CREATE INDEX outbox_unsent_idx ON outbox (rollout_id, id) WHERE sent_at IS NULL;
