-- 005 hardening (issue 11): Uplynk's strict authentication mode (UPLYNK_AUTH=strict) accepts each
-- signature once. The signatures used are kept until their timestamp leaves the accepted window,
-- here and not in a server's memory, so that every server of a deployment refuses a replay.
CREATE TABLE uplynk_used_sigs (
  sig        bytea PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX uplynk_used_sigs_expires ON uplynk_used_sigs (expires_at);
