-- Alert incidents: one row per condition from the moment it was seen until it cleared.
CREATE TABLE incident (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  fix TEXT NOT NULL,
  facts TEXT NOT NULL DEFAULT '{}',
  opened_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  closed_at TEXT,
  notifications TEXT NOT NULL DEFAULT '{}'
);
-- At most one open incident of a kind per connection.
CREATE UNIQUE INDEX incident_open_unique ON incident (connection_id, kind) WHERE closed_at IS NULL;
CREATE INDEX incident_connection_opened ON incident (connection_id, opened_at DESC, id DESC);

-- The alert evaluator asks for the newest webhook delivery and the newest reconcile-driven change.
CREATE INDEX inbox_connection_received ON inbox (connection_id, received_at DESC);
CREATE INDEX audit_connection_trigger_at ON audit (connection_id, sync_trigger, at DESC);
