-- The live folders by id (issue 12 §3). A trash batch asks whether any of its ids is a live folder:
-- when none is (the common bulk case: thousands of files), each file is its own subtree and its
-- own deleted_root, and the batch is one UPDATE of the files (src/core/assets/trash.ts,
-- TRASH_FILES_SQL) instead of the general statement that classifies roots and probes subtrees
-- (101 against 106 ms median per 5,000 files, interleaved: docs/jobs.md). Folders are few, so the index is
-- small, and a file's row never enters it: trashing files does not touch it.
CREATE INDEX IF NOT EXISTS assets_live_folders ON assets (id) WHERE NOT is_file AND deleted_on IS NULL;
