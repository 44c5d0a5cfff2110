-- 005 hardening (issue 11): share roles are stored as given; Oracle's `downloader` is a role of its
-- own (its access is decided in src/core/libraries/access.ts).
ALTER TABLE library_shares DROP CONSTRAINT IF EXISTS library_shares_role_check;
ALTER TABLE library_shares ADD CONSTRAINT library_shares_role_check
  CHECK (role IN ('viewer', 'downloader', 'contributor', 'manager'));
