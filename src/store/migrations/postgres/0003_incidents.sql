-- Alert incidents: one row per condition from the moment it was seen until it cleared.
CREATE TABLE incident (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  summary text NOT NULL,
  fix text NOT NULL,
  facts jsonb NOT NULL DEFAULT '{}',
  opened_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  closed_at timestamptz,
  notifications jsonb NOT NULL DEFAULT '{}'
);
-- At most one open incident of a kind per connection.
CREATE UNIQUE INDEX incident_open_unique ON incident (connection_id, kind) WHERE closed_at IS NULL;
CREATE INDEX incident_connection_opened ON incident (connection_id, opened_at DESC, id DESC);

-- The alert evaluator asks for the newest webhook delivery and the newest reconcile-driven change.
CREATE INDEX inbox_connection_received ON inbox (connection_id, received_at DESC);
CREATE INDEX audit_connection_trigger_at ON audit (connection_id, sync_trigger, at DESC);
