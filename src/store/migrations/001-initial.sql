-- Samples, audit, conversation references and processed activity ids.
-- Names are compared case-insensitively through lower(…) indexes, so the stored spelling is the user's own.

CREATE TABLE samples (
  endpoint    text        NOT NULL,
  name        text        NOT NULL,
  -- JSON text exactly as it will be sent, so it is text and not jsonb (jsonb would reorder keys and drop spacing).
  payload     text        NOT NULL,
  description text,
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX samples_endpoint_name_key ON samples (lower(endpoint), lower(name));

CREATE TABLE audit (
  id                  bigserial   PRIMARY KEY,
  at                  timestamptz NOT NULL,
  actor_id            text        NOT NULL,
  actor_name          text        NOT NULL,
  actor_aad_object_id text,
  action              text        NOT NULL,
  target              text,
  outcome             text        NOT NULL,
  detail              text,
  correlation_id      text        NOT NULL
);
-- `audit <endpoint>` filters on lower(target), so that is what the index holds.
CREATE INDEX audit_target_at_idx ON audit (lower(target), at DESC, id DESC);
CREATE INDEX audit_at_idx ON audit (at DESC, id DESC);

CREATE TABLE conversations (
  conversation_id text        PRIMARY KEY,
  kind            text        NOT NULL,
  reference       jsonb       NOT NULL,
  updated_at      timestamptz NOT NULL
);

-- Redelivered Bot Framework activities arrive within minutes; SqlStore deletes rows older than its retention
-- (default 7 days) itself, at most once an hour, from markActivityProcessed.
CREATE TABLE processed_activities (
  activity_id  text        PRIMARY KEY,
  processed_at timestamptz NOT NULL
);
CREATE INDEX processed_activities_processed_at_idx ON processed_activities (processed_at);
