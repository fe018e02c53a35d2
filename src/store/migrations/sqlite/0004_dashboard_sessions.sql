-- Dashboard sign-ins: a pending "Sign in with Microsoft" (kind sign_in) or a signed-in browser (kind session).
-- Only a hash of the browser's cookie value is kept, so a copy of the database cannot be used to sign in.
CREATE TABLE dashboard_session (
  id_hash TEXT PRIMARY KEY,
  connection_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX dashboard_session_expires ON dashboard_session (expires_at);
