-- One serialization key per deal, whatever id a trigger knows: the key of the job that first recorded the deal.
ALTER TABLE link ADD COLUMN deal_key text;

-- What each deal sync of a `cosell sync` run did, so the command reports it wherever the job ran.
CREATE TABLE sync_outcome (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id text NOT NULL,
  connection_id text NOT NULL,
  outcome jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX sync_outcome_run ON sync_outcome (run_id, id);
