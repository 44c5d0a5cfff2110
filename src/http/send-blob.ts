// Sends a stored blob as an HTTP response (streamed; small ones as one buffer, remembered:
// src/storage/small-blobs.ts): Content-Type, strong ETag (the content hash),
// If-None-Match -> 304, single byte ranges (206, 416; If-Range), Content-Disposition with the
// file name. Shared by the public media URLs and the dialects' download routes.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { BlobStore, ByteRange } from '../storage/blob-store.ts';
import { readSmallBlob, SMALL_BLOB_BYTES } from '../storage/small-blobs.ts';
import { notFound } from '../core/errors.ts';

export interface BlobFile { hash: string; size: number; mime: string; filename: string }

/** One "bytes=a-b" / "bytes=a-" / "bytes=-n" range; null: ignore the header; 'unsatisfiable': 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or another unit: the whole file
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null; // syntactically invalid: ignored (RFC 9110)
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const matches = (header: string | undefined, etag: string) =>
  header !== undefined && header.split(',').some((t) => { const s = t.trim(); return s === '*' || s === etag || s === `W/${etag}`; });

export async function sendBlob(req: FastifyRequest, reply: FastifyReply, blobs: BlobStore, f: BlobFile,
  opts: { cacheControl: string; disposition: 'inline' | 'attachment' }): Promise<FastifyReply> {
  const etag = `"${f.hash}"`;
  reply.header('ETag', etag);
  reply.header('Cache-Control', opts.cacheControl);
  reply.header('Accept-Ranges', 'bytes');
  reply.header('X-Content-Type-Options', 'nosniff');
  // files are served as they are: never run as a page of this origin (e.g. an uploaded SVG's scripts)
  reply.header('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
  if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
  let range = parseRange(req.headers.range, f.size);
  const ifRange = req.headers['if-range'];
  if (range && ifRange !== undefined && ifRange !== etag) range = null; // changed since: the whole file
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${f.size}`);
    return reply.code(416).type('text/plain').send('range not satisfiable');
  }
  // small contents (thumbnails) go out as one buffer, from memory when recently served or rendered
  let body: Buffer | Readable | undefined;
  if (f.size <= SMALL_BLOB_BYTES) {
    const whole = await readSmallBlob(blobs, f.hash);
    body = whole && range ? whole.subarray(range.start, range.end + 1) : whole;
  } else {
    body = await blobs.open(f.hash, range ?? undefined);
  }
  if (!body) throw notFound('the content is missing from the blob store');
  reply.header('Content-Type', f.mime);
  reply.header('Content-Disposition', `${opts.disposition}; filename*=UTF-8''${encodeURIComponent(f.filename)}`);
  if (range) {
    reply.code(206);
    reply.header('Content-Range', `bytes ${range.start}-${range.end}/${f.size}`);
    reply.header('Content-Length', String(range.end - range.start + 1));
  } else {
    reply.header('Content-Length', String(f.size));
  }
  return reply.send(body);
}
