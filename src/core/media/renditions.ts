// The renditions a page of files already has (dam/transforms, an assetlib extension): for a list
// of storage pathnames and one options path, each file's public rendition when it was rendered
// (by dam/transform, or in the background after its upload: prerender.ts), else why not. Nothing
// is rendered here: a list view asks once for its page and dam/transform only for the files
// answered `pending`. One statement for the whole list.
import type { Db } from '../../db/pool.ts';
import type { Actor } from '../keys.ts';
import { defineStatement, run } from '../../db/statement.ts';
import { requirePermission } from '../access.ts';
import { invalid, tooLarge } from '../errors.ts';
import { parseStoragePath } from './source.ts';
import { parseTransformOptions, renderKey, renditionFilename } from './options.ts';
import { defaultOutputType, IMAGE_INPUT_MIMES, OUTPUT_TYPES, type OutputType } from './formats.ts';

/** The most files one call names (a list view's page is 200). */
export const MAX_RENDITION_LOOKUP = 1000;

export type RenditionAnswer =
  | { status: 'ready'; token: string; filename: string; width: number | null; height: number | null; mime: string; size: number }
  /** none yet: dam/transform renders it (or a background render is on its way) */
  | { status: 'pending' }
  /** it cannot have one: not_found, not_a_file, wrong_version (with the current version), unsupported_type */
  | { status: 'unavailable'; reason: string; version?: number };

interface Row {
  o: number;
  gid: string | null;
  name: string;
  version: number;
  has_content: boolean;
  mime: string | null;
  live: boolean;
  token: string | null;
  filename: string | null;
  rkey: string | null;
  width: number | null;
  height: number | null;
  link_mime: string | null;
  size: string | null;
}

/** Each named asset of the project (in order), and its links at its current version whose render key is one of `keys`. */
export const renditionLookup = defineStatement<{ gids: string[]; projectId: number; keys: string[] }, Row>({
  name: 'media-renditions',
  summary: 'the renditions (by render key) of a list of assets at their current versions, with what decides whether they can have one',
  render: (p) => ({
    text: `SELECT x.o, a.gid::text AS gid, a.name, a.version, (a.is_file AND a.content_hash IS NOT NULL) AS has_content, a.mime,
            (a.deleted_on IS NULL) AS live, l.token, l.filename, l.rkey, l.width, l.height, l.mime AS link_mime, l.size
     FROM unnest($1::uuid[]) WITH ORDINALITY AS x(gid, o)
     -- each asset probed by its gid and its links by (asset, version) (LATERAL ... OFFSET 0: from 49
     -- gids on, a plain join had PostgreSQL read the project's whole assets table: docs/perf-plans.md)
     LEFT JOIN LATERAL (SELECT a.id, a.gid, a.name, a.version, a.is_file, a.content_hash, a.mime, a.deleted_on
                        FROM assets a WHERE a.gid = x.gid AND a.project_id = $2 OFFSET 0) a ON true
     LEFT JOIN LATERAL (SELECT m.token, m.filename, split_part(m.options, '/file=', 1) AS rkey, m.width, m.height, m.mime, m.size
                        FROM media_links m WHERE m.asset_id = a.id AND m.version = a.version AND m.options <> ''
                          AND split_part(m.options, '/file=', 1) = ANY($3::text[]) OFFSET 0) l ON true
     ORDER BY x.o`,
    values: [p.gids, p.projectId, p.keys],
  }),
  samples: [{ label: 'two files, a webp thumbnail', params: { gids: ['6f1c2a8e-0000-4000-8000-0000000000d1', '6f1c2a8e-0000-4000-8000-0000000000d2'], projectId: 1, keys: ['type=webp/resize=width/size=320,/q=80'] } }],
});

/**
 * dam/transforms: for each storage pathname "<gid>~<version>.<ext>" of `files`, its rendition for
 * `optionsPath` when one exists (the rendition of the same pixels under an older name of the file
 * counts), `pending` when dam/transform would render one, else `unavailable` with the reason.
 * Answers are keyed by the pathnames as sent. A malformed pathname is `invalid` for the whole call.
 */
export async function findRenditions(db: Db, actor: Actor, files: unknown, optionsPath: unknown): Promise<Map<string, RenditionAnswer>> {
  requirePermission(actor, 'asset.read');
  if (!Array.isArray(files)) throw invalid('files must be a list of storage pathnames', { field: 'files' });
  if (files.length > MAX_RENDITION_LOOKUP) throw tooLarge(`files holds more than ${MAX_RENDITION_LOOKUP} entries`, { field: 'files', limit: MAX_RENDITION_LOOKUP });
  if (typeof optionsPath !== 'string') throw invalid('options must be a dam/transform options path, e.g. width=320/type=webp', { field: 'options' });
  const o = parseTransformOptions(optionsPath);
  if (o.force) throw invalid('option force: not in a lookup (dam/transform renders)', { option: 'force' });
  const wanted = files.map((f) => ({ file: String(f), ...parseStoragePath(f) }));
  // the output type follows the source's format when the options name none: every candidate key
  const types: OutputType[] = o.type ? [o.type] : (Object.keys(OUTPUT_TYPES) as OutputType[]);
  const keyOf = (type: OutputType) => renderKey(o, type);
  const rows = wanted.length === 0 ? [] : await run(db, renditionLookup, { gids: wanted.map((w) => w.gid), projectId: actor.projectId, keys: types.map(keyOf) });
  const byOrdinal = new Map<number, Row[]>();
  for (const r of rows) {
    const list = byOrdinal.get(Number(r.o));
    if (list) list.push(r); else byOrdinal.set(Number(r.o), [r]);
  }
  const out = new Map<string, RenditionAnswer>();
  wanted.forEach((w, i) => {
    const links = byOrdinal.get(i + 1) ?? [];
    const a = links[0];
    let answer: RenditionAnswer;
    if (!a?.gid || !a.live) answer = { status: 'unavailable', reason: 'not_found' };
    else if (!a.has_content) answer = { status: 'unavailable', reason: 'not_a_file' };
    else if (a.version !== w.version) answer = { status: 'unavailable', reason: 'wrong_version', version: a.version };
    else if (!a.mime || !IMAGE_INPUT_MIMES.has(a.mime)) answer = { status: 'unavailable', reason: 'unsupported_type' };
    else {
      const type = o.type ?? defaultOutputType(a.mime);
      const rkey = keyOf(type);
      const filename = renditionFilename(a.name, o, type, rkey);
      const mine = links.filter((l) => l.token && l.rkey === rkey);
      const l = mine.find((x) => x.filename === filename) ?? mine[0];
      answer = l
        ? { status: 'ready', token: l.token!, filename: l.filename!, width: l.width, height: l.height, mime: l.link_mime!, size: Number(l.size) }
        : { status: 'pending' };
    }
    out.set(w.file, answer);
  });
  return out;
}
