-- The write a deal sync is making to the other side, stored before the call and cleared with the sync's audit entry:
-- when the job dies in between, the next sync finds which of these changes landed and audits them.
ALTER TABLE link ADD COLUMN pending_write jsonb;
