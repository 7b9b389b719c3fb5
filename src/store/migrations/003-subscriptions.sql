-- Channels that take approvals and notifications, for one endpoint or (endpoint NULL) for all of them.
CREATE TABLE subscriptions (
  channel_id  text        NOT NULL,
  service_url text        NOT NULL,
  tenant_id   text,
  endpoint    text,
  created_by  json        NOT NULL,
  created_at  timestamptz NOT NULL
);
-- One subscription per channel and endpoint (or all): '' stands for "all endpoints" in the key only.
CREATE UNIQUE INDEX subscriptions_channel_endpoint_key ON subscriptions (channel_id, lower(coalesce(endpoint, '')));
CREATE INDEX subscriptions_endpoint_idx ON subscriptions (lower(endpoint));
