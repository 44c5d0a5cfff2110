-- Search and selections.
--
-- Full text: one row per asset in asset_search, kept by triggers on assets that never fire for
-- the columns a subtree move/delete rewrites (path, pathname, depth, deleted_*), so the GIN index
-- costs nothing to those 1,000,000-row updates. The vector is weighted
-- A = name (as written and split on punctuation), B = titles (all languages),
-- C = descriptions and the string values of info.metadata,
-- and holds the 'simple' lexemes (exact words) merged with the stems of a few stemming configs.
-- Keep asset_search_configs in step with STORED_CONFIGS in src/core/search/search.ts.

-- children selections (including trashed ones) page by (parent_id, id); also serves the
-- parent_id foreign key checks of deletes.
CREATE INDEX IF NOT EXISTS assets_parent_id ON assets (parent_id, id);

-- The stored stemming configurations; a language code maps to one of them or to nothing.
CREATE FUNCTION asset_search_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(split_part(split_part(lang, '-', 1), '_', 1))
    WHEN 'en' THEN 'english' WHEN 'nl' THEN 'dutch' WHEN 'de' THEN 'german'
    WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish' WHEN 'it' THEN 'italian' END::regconfig
$$;

-- simple lexemes of t, plus the vectors of the given configurations; a configuration's vector is
-- appended only when it differs from those already in (for "file 12 jpg" most stemmers change
-- nothing): smaller rows, same matches
CREATE FUNCTION asset_search_part(t text, cfgs regconfig[]) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  out  tsvector;
  w    tsvector;
  seen tsvector[];
  cfg  regconfig;
BEGIN
  IF t IS NULL OR t = '' THEN RETURN ''::tsvector; END IF;
  out := to_tsvector('simple'::regconfig, t);
  seen := ARRAY[strip(out)];
  FOREACH cfg IN ARRAY cfgs LOOP
    w := to_tsvector(cfg, t);
    IF NOT (strip(w) = ANY(seen)) THEN
      out := out || w;
      seen := seen || strip(w);
    END IF;
  END LOOP;
  RETURN out;
END $$;

-- PL/pgSQL rather than SQL: these bodies cannot be inlined (parameters used several times), and a
-- non-inlined SQL function call costs ~6x more per row than this.
-- Titles, descriptions and metadata (language text) get the stems of all six stored
-- configurations; the name (a file name, mostly) those of English and of the languages the
-- asset's titles and descriptions are in: each configuration costs ~3-8 us per asset inserted.
CREATE FUNCTION asset_search_vector(name text, title jsonb, description jsonb, info jsonb) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  b text; c text; m text;
  all_cfgs  regconfig[] := ARRAY['english', 'dutch', 'german', 'french', 'spanish', 'italian']::regconfig[];
  name_cfgs regconfig[] := ARRAY['english']::regconfig[];
BEGIN
  IF jsonb_typeof(title) = 'object' AND title <> '{}' THEN
    SELECT string_agg(v, ' ') INTO b FROM jsonb_each_text(title) AS j(k, v);
    name_cfgs := name_cfgs || ARRAY(SELECT asset_search_config(k) FROM jsonb_object_keys(title) AS k WHERE asset_search_config(k) IS NOT NULL);
  END IF;
  IF jsonb_typeof(description) = 'object' AND description <> '{}' THEN
    SELECT string_agg(v, ' ') INTO c FROM jsonb_each_text(description) AS j(k, v);
    name_cfgs := name_cfgs || ARRAY(SELECT asset_search_config(k) FROM jsonb_object_keys(description) AS k WHERE asset_search_config(k) IS NOT NULL);
  END IF;
  IF jsonb_typeof(info) = 'object' AND info ? 'metadata' THEN
    SELECT string_agg(x #>> '{}', ' ') INTO m
    FROM jsonb_path_query(info, 'strict $.metadata.** ? (@.type() == "string")', '{}', true) AS x;
  END IF;
  RETURN setweight(to_tsvector('simple'::regconfig, coalesce(name, ''))
                   || asset_search_part(regexp_replace(coalesce(name, ''), '[^[:alnum:]]+', ' ', 'g'), name_cfgs), 'A')
      || setweight(asset_search_part(b, all_cfgs), 'B')
      || setweight(asset_search_part(concat_ws(' ', c, m), all_cfgs), 'C');
END $$;

CREATE TABLE asset_search (
  asset_id   bigint PRIMARY KEY,
  project_id bigint NOT NULL,     -- an asset never changes project
  tsv        tsvector NOT NULL
);
CREATE INDEX asset_search_tsv ON asset_search USING gin (tsv);

INSERT INTO asset_search(asset_id, project_id, tsv)
SELECT id, project_id, asset_search_vector(name, title, description, info) FROM assets;

-- the trash of a project: a q-only search counts and ranks in asset_search alone and removes the
-- trashed ids with an anti-join on this (small) index, instead of joining 1,000,000 assets rows.
-- Only rows with deleted_on set enter it (subtree moves of live assets never touch it).
CREATE INDEX assets_trashed ON assets (project_id, id) WHERE deleted_on IS NOT NULL;

-- inserts: one set-based statement per INSERT statement (transition table)
CREATE FUNCTION asset_search_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO asset_search(asset_id, project_id, tsv)
  SELECT n.id, n.project_id, asset_search_vector(n.name, n.title, n.description, n.info) FROM asset_search_new n
  ON CONFLICT (asset_id) DO UPDATE SET tsv = excluded.tsv;
  RETURN NULL;
END $$;
CREATE TRIGGER assets_search_ins AFTER INSERT ON assets
  REFERENCING NEW TABLE AS asset_search_new FOR EACH STATEMENT EXECUTE FUNCTION asset_search_ins();

-- updates: only statements that SET one of the searched columns fire this (subtree moves,
-- deletes and undeletes do not), and only rows whose searched text really changed do work
CREATE FUNCTION asset_search_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE asset_search SET tsv = asset_search_vector(NEW.name, NEW.title, NEW.description, NEW.info)
  WHERE asset_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER assets_search_upd AFTER UPDATE OF name, title, description, info ON assets
  FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.title IS DISTINCT FROM NEW.title
        OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.info->'metadata' IS DISTINCT FROM NEW.info->'metadata')
  EXECUTE FUNCTION asset_search_upd();

-- permanent deletes: set-based, one statement per DELETE statement
CREATE FUNCTION asset_search_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM asset_search s USING asset_search_old o WHERE s.asset_id = o.id;
  RETURN NULL;
END $$;
CREATE TRIGGER assets_search_del AFTER DELETE ON assets
  REFERENCING OLD TABLE AS asset_search_old FOR EACH STATEMENT EXECUTE FUNCTION asset_search_del();
