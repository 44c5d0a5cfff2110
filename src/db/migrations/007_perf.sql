-- Performance (issue 12). See docs/perf-plans.md.

-- library_assets_order (library_id, added_on, asset_id) served no query (the member listing sorts
-- the members it counts anyway), and it made the membership probes depend on luck: once
-- library_assets is ANALYZEd empty, every index looks equally cheap, and PostgreSQL picked this
-- one for "library_id = $1 AND asset_id = $2", reading all of a library's members per probe.
-- The primary key (library_id, asset_id) and library_assets_asset (asset_id) remain.
DROP INDEX IF EXISTS library_assets_order;
