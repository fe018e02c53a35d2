-- cosell-connector store, SQLite. Instants are ISO-8601 UTC text with milliseconds (they sort as text);
-- JSON columns are text.

CREATE TABLE connection (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
  paused_reason TEXT,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE link (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL,
  referral_id TEXT,
  opportunity_id TEXT,
  salesforce_object TEXT NOT NULL CHECK (salesforce_object IN ('opportunity', 'lead')),
  engagement_id TEXT,
  base TEXT,
  pc_etag TEXT,
  sf_system_modstamp TEXT,
  state TEXT NOT NULL CHECK (state IN ('synced', 'pending', 'error', 'conflict', 'paused')),
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX link_referral_id_unique ON link (connection_id, referral_id) WHERE referral_id IS NOT NULL;
CREATE UNIQUE INDEX link_opportunity_id_unique ON link (connection_id, opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX link_connection_state ON link (connection_id, state, id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL,
  link_id INTEGER REFERENCES link (id) ON DELETE SET NULL,
  referral_id TEXT,
  opportunity_id TEXT,
  at TEXT NOT NULL,
  sync_trigger TEXT NOT NULL,
  direction TEXT NOT NULL,
  outcome TEXT NOT NULL,
  changes TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  message TEXT NOT NULL
);
CREATE INDEX audit_connection_at ON audit (connection_id, at DESC, id DESC);
CREATE INDEX audit_link_at ON audit (link_id, at DESC, id DESC);

CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  received_at TEXT NOT NULL,
  event_name TEXT NOT NULL,
  resource_id TEXT,
  body TEXT NOT NULL,
  processed_at TEXT
);
CREATE UNIQUE INDEX inbox_dedup_unique ON inbox (connection_id, dedup_key);
CREATE INDEX inbox_unprocessed ON inbox (connection_id, id) WHERE processed_at IS NULL;

CREATE TABLE cursor (
  connection_id TEXT NOT NULL,
  source TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, source)
);

CREATE TABLE dead_letter (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connection_id TEXT,
  job_name TEXT NOT NULL,
  job_key TEXT NOT NULL,
  payload TEXT,
  attempts INTEGER NOT NULL,
  error_kind TEXT NOT NULL,
  error_message TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
CREATE INDEX dead_letter_connection ON dead_letter (connection_id, id);

CREATE TABLE secret (
  connection_id TEXT NOT NULL,
  name TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_id, name)
);
