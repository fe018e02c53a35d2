-- One serialization key per deal, whatever id a trigger knows: the key of the job that first recorded the deal.
ALTER TABLE link ADD COLUMN deal_key TEXT;

-- What each deal sync of a `cosell sync` run did, so the command reports it wherever the job ran.
CREATE TABLE sync_outcome (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX sync_outcome_run ON sync_outcome (run_id, id);
