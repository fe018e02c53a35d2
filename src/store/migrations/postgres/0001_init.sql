-- cosell-connector store, Postgres. Runs with search_path set to the store's schema.

CREATE TABLE connection (
  id text PRIMARY KEY,
  name text NOT NULL,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
  paused_reason text,
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE link (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL,
  referral_id text,
  opportunity_id text,
  salesforce_object text NOT NULL CHECK (salesforce_object IN ('opportunity', 'lead')),
  engagement_id text,
  base jsonb,
  pc_etag text,
  sf_system_modstamp text,
  state text NOT NULL CHECK (state IN ('synced', 'pending', 'error', 'conflict', 'paused')),
  last_error jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX link_referral_id_unique ON link (connection_id, referral_id) WHERE referral_id IS NOT NULL;
CREATE UNIQUE INDEX link_opportunity_id_unique ON link (connection_id, opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX link_connection_state ON link (connection_id, state, id);

CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL,
  link_id bigint REFERENCES link (id) ON DELETE SET NULL,
  referral_id text,
  opportunity_id text,
  at timestamptz NOT NULL,
  sync_trigger text NOT NULL,
  direction text NOT NULL,
  outcome text NOT NULL,
  changes jsonb NOT NULL DEFAULT '[]',
  error jsonb,
  message text NOT NULL
);
CREATE INDEX audit_connection_at ON audit (connection_id, at DESC, id DESC);
CREATE INDEX audit_link_at ON audit (link_id, at DESC, id DESC);

CREATE TABLE inbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text NOT NULL,
  dedup_key text NOT NULL,
  received_at timestamptz NOT NULL,
  event_name text NOT NULL,
  resource_id text,
  body text NOT NULL,
  processed_at timestamptz
);
CREATE UNIQUE INDEX inbox_dedup_unique ON inbox (connection_id, dedup_key);
CREATE INDEX inbox_unprocessed ON inbox (connection_id, id) WHERE processed_at IS NULL;

CREATE TABLE cursor (
  connection_id text NOT NULL,
  source text NOT NULL,
  value text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, source)
);

CREATE TABLE dead_letter (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  connection_id text,
  job_name text NOT NULL,
  job_key text NOT NULL,
  payload jsonb,
  attempts integer NOT NULL,
  error_kind text NOT NULL,
  error_message text NOT NULL,
  failed_at timestamptz NOT NULL
);
CREATE INDEX dead_letter_connection ON dead_letter (connection_id, id);

CREATE TABLE secret (
  connection_id text NOT NULL,
  name text NOT NULL,
  ciphertext text NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (connection_id, name)
);
