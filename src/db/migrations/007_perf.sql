-- Performance (issue 12). See docs/perf-plans.md.

-- library_assets_order (library_id, added_on, asset_id) served no query (the member listing sorts
-- the members it counts anyway), and it made the membership probes depend on luck: once
-- library_assets is ANALYZEd empty, every index looks equally cheap, and PostgreSQL picked this
-- one for "library_id = $1 AND asset_id = $2", reading all of a library's members per probe.
-- The primary key (library_id, asset_id) and library_assets_asset (asset_id) remain.
DROP INDEX IF EXISTS library_assets_order;

-- Servers cache the actor of a JWT (key + user -> user, project, role) in memory and drop the
-- cache on this notification, sent at commit by any change to what an actor is made of:
-- a key revoked, a membership changed or removed, a user or project changed or deleted.
-- See src/core/actor-cache.ts.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('assetlib_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER api_keys_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER memberships_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER projects_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON projects
  FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
