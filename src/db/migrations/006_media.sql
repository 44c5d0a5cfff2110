-- Media: public links to a file's content (dam/publish) and to its renditions (dam/transform).
-- One row per (asset, source version, options); options is '' for the original. The token is the
-- unguessable part of the public URL /media/<token>/<filename>. A rendition row exists from the
-- moment its render commits (blob_hash set); `renders` counts how often it was rendered (force
-- renders again), so that "identical concurrent requests render once" is checkable in SQL.
-- Rows go with their asset (ON DELETE CASCADE); a new upload version deletes the asset's rows.
CREATE TABLE media_links (
  token       text PRIMARY KEY,
  project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  asset_id    bigint NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  version     int NOT NULL,
  options     text NOT NULL,
  filename    text NOT NULL,
  mime        text NOT NULL,
  blob_hash   text NOT NULL,
  size        bigint NOT NULL,
  width       int,
  height      int,
  renders     int NOT NULL DEFAULT 0,
  created_on  timestamptz NOT NULL DEFAULT now(),
  rendered_on timestamptz,
  UNIQUE (asset_id, version, options)
);
CREATE INDEX media_links_blob ON media_links (blob_hash);
