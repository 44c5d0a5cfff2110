-- Libraries (Uplynk's word; Oracle says collection): a named, owned, shareable set of references
-- to assets of one project. See docs/libraries.md.

CREATE TABLE libraries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gid         uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  owner_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  allow_copy  boolean NOT NULL DEFAULT false,
  is_ad       boolean NOT NULL DEFAULT false,
  created     timestamptz NOT NULL DEFAULT now(),
  modified    timestamptz NOT NULL DEFAULT now(),
  modified_by bigint REFERENCES users(id) ON DELETE SET NULL,
  -- trash: a trashed library answers as not found to everyone; its owner can list and restore it
  deleted_on  timestamptz
);
CREATE INDEX libraries_owner ON libraries (project_id, owner_id, created);

-- Shares: the owner (or a manager) shares a library with another member of the project.
CREATE TABLE library_shares (
  library_id bigint NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('viewer', 'contributor', 'manager')),
  shared_by  bigint REFERENCES users(id) ON DELETE SET NULL,
  created_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (library_id, user_id)
);
CREATE INDEX library_shares_user ON library_shares (user_id);

-- Members: references to assets. asset_gid and project_id are denormalised so that the feed
-- events of a cascade (an asset permanently deleted) can be written without the asset row.
CREATE TABLE library_assets (
  library_id bigint NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  asset_id   bigint NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  asset_gid  uuid NOT NULL,
  project_id bigint NOT NULL,
  added_on   timestamptz NOT NULL DEFAULT now(),
  added_by   bigint REFERENCES users(id) ON DELETE SET NULL,
  PRIMARY KEY (library_id, asset_id)
);
CREATE INDEX library_assets_asset ON library_assets (asset_id);
CREATE INDEX library_assets_order ON library_assets (library_id, added_on, asset_id);

-- Feed events for members, written by statement-level triggers over the transition tables: one
-- emit_changes per project per statement, whatever wrote the rows (the membership operation, or
-- the ON DELETE CASCADE of a permanently deleted asset). Key: '<library gid>/<asset gid>'.
-- Rows whose library or project feed is already gone (a project being deleted) emit nothing.
CREATE FUNCTION library_assets_emit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM emit_changes(x.project_id, 'INSERT', 'libraries_assets', x.keys)
  FROM (SELECT n.project_id, array_agg(l.gid::text || '/' || n.asset_gid::text) AS keys
        FROM new_rows n JOIN libraries l ON l.id = n.library_id
        GROUP BY n.project_id) x;
  RETURN NULL;
END $$;

CREATE FUNCTION library_assets_emit_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM emit_changes(x.project_id, 'DELETE', 'libraries_assets', x.keys)
  FROM (SELECT o.project_id, array_agg(l.gid::text || '/' || o.asset_gid::text) AS keys
        FROM old_rows o JOIN libraries l ON l.id = o.library_id
        WHERE EXISTS (SELECT 1 FROM project_cursors pc WHERE pc.project_id = o.project_id)
        GROUP BY o.project_id) x;
  RETURN NULL;
END $$;

CREATE TRIGGER library_assets_after_insert AFTER INSERT ON library_assets
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION library_assets_emit_insert();
CREATE TRIGGER library_assets_after_delete AFTER DELETE ON library_assets
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION library_assets_emit_delete();
