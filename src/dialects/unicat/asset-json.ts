// The Unicat asset object (API-SPEC §1.4) rendered from an AssetRow (src/core/assets/read.ts).
// Extensions (documented in docs/dialects/unicat.md): parent, is_deleted, created_on, version.
import type { AssetRow } from '../../core/assets/read.ts';

export interface UnicatAsset {
  gid: string;
  pathname: string;
  path: string;
  name: string;
  is_file: boolean;
  type: string | null;
  childcount: number;
  status: string;
  info: Record<string, unknown>;
  transforms: unknown;
  title: Record<string, string>;
  description: Record<string, string>;
  updated_on: number;
  created_on: number;
  parent: string | null;
  is_deleted: boolean;
  version: number;
}

export function toUnicatAsset(row: AssetRow): UnicatAsset {
  return {
    gid: row.gid,
    pathname: row.pathname,
    path: row.parent_pathname ?? '',
    name: row.name,
    is_file: row.is_file,
    type: row.is_file ? row.type : null,
    childcount: row.is_file ? 0 : row.filecount + row.foldercount,
    status: row.is_deleted ? 'deleted' : row.status,
    info: row.is_file
      ? { ...row.info, filesize: row.size ?? 0, mime: row.mime }
      : { filecount: row.filecount, foldercount: row.foldercount },
    transforms: row.transforms ?? null,
    title: row.title ?? {},
    description: row.description ?? {},
    updated_on: row.updated_on,
    created_on: row.created_on,
    parent: row.parent_gid,
    is_deleted: row.is_deleted,
    version: row.version,
  };
}

/** `data.assets`: the rows a use case answered, by gid. */
export function assetsData(rows: AssetRow[]): Record<string, UnicatAsset> {
  return Object.fromEntries(rows.map((r) => [r.gid, toUnicatAsset(r)]));
}
