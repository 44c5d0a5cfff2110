-- Servers cache dam/transform answers ((project, asset, version, options) -> rendition) and what a
-- public media URL serves (token -> content, type, size, name) in memory, and drop that cache on
-- this notification, sent at commit by any change a cached answer depends on: an asset trashed or
-- restored (deleted_on), given a new version (version, content_hash), renamed (a rendition's
-- default file name is the asset's), permanently deleted; a media link removed (unpublish, new
-- version, cascades) or rendered again (force). Creating a link (publish, a first render) sends
-- nothing: no cached answer depends on a link that did not exist. See src/core/media/cache.ts.
--
-- Statement-level where a statement may touch many rows (a bulk delete of 1,000,000 assets sends
-- one notification per batch, not per row); the rename trigger is per row but only fires for a row
-- whose name changed (the WHEN is checked without calling the function; an update of a title or of
-- a subtree's pathnames after a rename leaves every other row's name as it was).
-- Idempotent: main briefly had this file as 010_media_cache.sql (22:31-22:33 UTC, 2026-11-30); a
-- database migrated then runs it again under this name.
CREATE OR REPLACE FUNCTION notify_media_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('assetlib_media', TG_TABLE_NAME);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS assets_media_changed ON assets;
DROP TRIGGER IF EXISTS assets_media_renamed ON assets;
DROP TRIGGER IF EXISTS media_links_changed ON media_links;
CREATE TRIGGER assets_media_changed AFTER UPDATE OF deleted_on, version, content_hash OR DELETE OR TRUNCATE ON assets
  FOR EACH STATEMENT EXECUTE FUNCTION notify_media_changed();
CREATE TRIGGER assets_media_renamed AFTER UPDATE OF name ON assets
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION notify_media_changed();
CREATE TRIGGER media_links_changed AFTER UPDATE OR DELETE OR TRUNCATE ON media_links
  FOR EACH STATEMENT EXECUTE FUNCTION notify_media_changed();
