-- Core: projects, users, memberships, API keys, the asset tree, and the two change feeds.

CREATE TABLE settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
-- The JWT signing secret is shared by every server on this database (the app tier is stateless).
INSERT INTO settings(key, value)
VALUES ('jwt_secret', encode(sha256((gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text)::bytea), 'hex'));

CREATE TABLE projects (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gid        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  name       text NOT NULL,
  created_on timestamptz NOT NULL DEFAULT now(),
  updated_on timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  gid        uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  email      text NOT NULL,
  name       text NOT NULL DEFAULT '',
  created_on timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE memberships (
  project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
  created_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- API keys: looked up by their sha256. A key belongs to one user in one project. Uplynk's
-- msg/sig scheme is an HMAC keyed with the key itself, so the server must be able to recompute
-- it: key_sealed holds the key encrypted (AES-256-GCM) under the key-sealing secret.
INSERT INTO settings(key, value)
VALUES ('key_seal_secret', encode(sha256((gen_random_uuid()::text || clock_timestamp()::text || gen_random_uuid()::text)::bytea), 'hex'));
CREATE TABLE api_keys (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_hash   text NOT NULL UNIQUE,
  key_sealed text NOT NULL,
  user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  project_id bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  created_on timestamptz NOT NULL DEFAULT now(),
  revoked_on timestamptz
);

-- The asset tree. `path` is the materialized path of internal ids, '/<root id>/.../<own id>/',
-- in the "C" collation, so a subtree is one btree range: path >= P AND path < P_upper.
CREATE SEQUENCE assets_id_seq;
CREATE TABLE assets (
  id           bigint PRIMARY KEY DEFAULT nextval('assets_id_seq'),
  gid          uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  project_id   bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  parent_id    bigint REFERENCES assets(id),
  path         text COLLATE "C" NOT NULL,
  depth        int NOT NULL,
  name         text NOT NULL,
  pathname     text NOT NULL,
  is_file      boolean NOT NULL,
  type         text,
  mime         text,
  size         bigint,
  content_hash text,
  version      int NOT NULL DEFAULT 1,
  info         jsonb NOT NULL DEFAULT '{}',
  title        jsonb NOT NULL DEFAULT '{}',
  description  jsonb NOT NULL DEFAULT '{}',
  transforms   jsonb,
  status       text NOT NULL DEFAULT 'published',
  created_on   timestamptz NOT NULL DEFAULT now(),
  updated_on   timestamptz NOT NULL DEFAULT now(),
  -- trash: deleted_on is set on every asset of a deleted subtree; deleted_root is the asset whose
  -- delete put it there, so that undeleting that asset restores exactly what it trashed.
  deleted_on   timestamptz,
  deleted_root bigint
);
ALTER SEQUENCE assets_id_seq OWNED BY assets.id;
CREATE INDEX assets_path ON assets (path);
-- Equal names: unique among the live children of one parent (case-sensitive).
CREATE UNIQUE INDEX assets_live_sibling_name ON assets (parent_id, name) WHERE deleted_on IS NULL;
-- All children of a parent (live or trashed): the FK check of a subtree DELETE (permanent_delete)
-- needs an index on parent_id that is not partial. (003 creates the same index IF NOT EXISTS.)
CREATE INDEX assets_parent_id ON assets (parent_id, id);
CREATE INDEX assets_children_order ON assets (parent_id, is_file, lower(name), name) WHERE deleted_on IS NULL;
CREATE INDEX assets_live_pathname ON assets (project_id, pathname) WHERE deleted_on IS NULL;
CREATE UNIQUE INDEX assets_one_root ON assets (project_id) WHERE parent_id IS NULL;
CREATE INDEX assets_content_hash ON assets (content_hash) WHERE content_hash IS NOT NULL;

-- The project feed: one strictly increasing cursor per project. Cursors are handed out by
-- incrementing project_cursors.cursor inside the writing transaction; the row lock is held to
-- commit, so events become visible in cursor order and a reader never sees a gap that fills later.
CREATE TABLE project_cursors (
  project_id bigint PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
  cursor     bigint NOT NULL DEFAULT 0,
  pruned_to  bigint NOT NULL DEFAULT 0   -- events with cursor <= pruned_to were removed by retention
);

CREATE TABLE changes (
  project_id bigint NOT NULL,
  cursor     bigint NOT NULL,
  action     text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  data_type  text NOT NULL,
  data_key   text NOT NULL,
  data       jsonb,
  created_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, cursor)
);
CREATE INDEX changes_created ON changes (created_on);

-- The global (cc) feed: jobs, projects, memberships. Same scheme with a single counter row.
CREATE TABLE cc_cursor (
  id        int PRIMARY KEY CHECK (id = 1),
  cursor    bigint NOT NULL DEFAULT 0,
  pruned_to bigint NOT NULL DEFAULT 0
);
INSERT INTO cc_cursor(id) VALUES (1);

CREATE TABLE cc_changes (
  cursor     bigint PRIMARY KEY,
  project_id bigint,           -- whose members may see it (NULL: everyone concerned by data_key)
  action     text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
  data_type  text NOT NULL,
  data_key   text NOT NULL,
  data       jsonb,
  created_on timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cc_changes_created ON cc_changes (created_on);

-- emit_changes: append one project event per key, in the caller's transaction. Keys come from
-- SQL (array_agg over a RETURNING), so a million-row mutation never ships its ids to the app.
-- Returns the last cursor used (NULL when keys is empty). Also NOTIFYs listeners on commit.
CREATE FUNCTION emit_changes(p bigint, act text, dtype text, keys text[], payload jsonb DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n    bigint := coalesce(cardinality(keys), 0);
  last bigint;
BEGIN
  IF n = 0 THEN RETURN NULL; END IF;
  UPDATE project_cursors SET cursor = cursor + n WHERE project_id = p RETURNING cursor INTO last;
  IF last IS NULL THEN
    RAISE EXCEPTION 'project % has no cursor row', p;
  END IF;
  INSERT INTO changes(project_id, cursor, action, data_type, data_key, data)
  SELECT p, last - n + u.o, act, dtype, u.k, payload
  FROM unnest(keys) WITH ORDINALITY AS u(k, o);
  PERFORM pg_notify('assetlib_changes', json_build_object('p', p, 'to', last)::text);
  RETURN last;
END $$;

-- emit_cc_change: append one global event. project_id scopes who may read it.
CREATE FUNCTION emit_cc_change(p bigint, act text, dtype text, key text, payload jsonb DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE last bigint;
BEGIN
  UPDATE cc_cursor SET cursor = cursor + 1 WHERE id = 1 RETURNING cursor INTO last;
  INSERT INTO cc_changes(cursor, project_id, action, data_type, data_key, data)
  VALUES (last, p, act, dtype, key, payload);
  PERFORM pg_notify('assetlib_cc_changes', json_build_object('p', p, 'to', last)::text);
  RETURN last;
END $$;
