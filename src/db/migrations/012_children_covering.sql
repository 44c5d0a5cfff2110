-- The children of a folder by id, with their trash state in the index (issue 12 §3). A bulk job
-- over {children: folder} reads the folder's live children to materialise its batches; with
-- deleted_on in the index that is an index-only scan (on pages the visibility map marks
-- all-visible) instead of a visit to every child's heap row: 1,000,000 children 750-810 ->
-- 450-500 ms (6 runs each, PostgreSQL 18; bench/profile-bulk.ts). The key is unchanged, so every
-- plan that used the index still does; each entry is 8 bytes larger.
CREATE INDEX assets_parent_id_covering ON assets (parent_id, id) INCLUDE (deleted_on);
DROP INDEX assets_parent_id;
ALTER INDEX assets_parent_id_covering RENAME TO assets_parent_id;
