// What an uploaded file is: its content type from the content (magic bytes), and for images the
// media info the vendor stores in the asset's `info` (dam/info): format, pages, width, height,
// resolution, transparent, animated, colors, colorspace, metadata. Read from the stored blob
// after the upload streamed into the store; sharp reads only what it needs from the file.
import { fileTypeFromStream } from 'file-type';
import { loadSharp } from './sharp.ts';
import type { Metadata } from 'sharp';
import type { BlobStore, StoredBlob } from '../../storage/blob-store.ts';
import { IMAGE_INPUT_MIMES } from './formats.ts';
import { fileKind } from '../assets/names.ts';

/** Files that have no local path are probed through a stream (sharp buffers it): up to this size. */
const STREAM_PROBE_LIMIT = 64 * 1024 * 1024;

export interface MediaInfo {
  pages: number;
  width: number;
  height: number;
  resolution: [number, number];
  transparent: boolean;
  animated: boolean;
  colors: string;
  colorspace: string;
  metadata: Record<string, unknown>;
}

/** The content type file-type reads from the first bytes, or undefined (text formats such as SVG). */
export async function sniffMime(blobs: BlobStore, hash: string): Promise<string | undefined> {
  const stream = await blobs.open(hash, { start: 0, end: 64 * 1024 - 1 });
  if (!stream) return undefined;
  try {
    return (await fileTypeFromStream(stream))?.mime;
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
}

const COLORSPACE: Record<string, string> = { srgb: 'srgb', rgb16: 'srgb', rgb: 'rgb', 'b-w': 'gray', grey16: 'gray', cmyk: 'cmyk', lab: 'lab' };

/** ImageMagick's image types, as the vendor reports them in `colors`. */
function colorsOf(m: Metadata): string {
  const matte = m.hasAlpha ? 'matte' : '';
  if (m.space === 'cmyk') return `colorseparation${matte}`;
  if (m.space === 'b-w' || m.space === 'grey16') return `grayscale${matte}`;
  if (m.isPalette) return `palette${matte}`;
  return `truecolor${matte}`;
}

function plain(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (Buffer.isBuffer(v)) return undefined; // binary tags (maker notes, thumbnails) stay out
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

type ExifReader = (b: Buffer) => Record<string, unknown>;
/**
 * exif-reader, loaded on first use: a checkout whose node_modules predate the package (a
 * worktree not yet `npm install`ed) still starts and stores media info without EXIF tags.
 */
let exifReader: Promise<ExifReader | undefined> | undefined;
const loadExifReader = () => (exifReader ??= import('exif-reader').then((m) => m.default as unknown as ExifReader, () => undefined));

const POINTER_TAGS = new Set(['ExifTag', 'GPSTag', 'InteroperabilityTag', 'InteropTag']);

/** Embedded metadata as flat "group:Tag" keys (EXIF), with the ICC/XMP/IPTC presence and orientation. */
async function metadataOf(m: Metadata): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const read = m.exif ? await loadExifReader() : undefined;
  if (m.exif && read) {
    try {
      const tags = read(m.exif) as unknown as Record<string, Record<string, unknown> | boolean | undefined>;
      for (const [group, values] of Object.entries(tags)) {
        if (!values || typeof values !== 'object' || group === 'Thumbnail') continue;
        for (const [k, v] of Object.entries(values)) {
          if (POINTER_TAGS.has(k)) continue;
          const p = plain(v);
          if (p !== undefined) out[`exif:${k}`] = p;
        }
      }
    } catch { /* unreadable EXIF: left out */ }
  }
  if (m.orientation) out['exif:Orientation'] = m.orientation;
  if (m.icc) out['icc:profile'] = true;
  if (m.xmp) out['xmp:present'] = true;
  if (m.iptc) out['iptc:present'] = true;
  // text chunks of PNG files (tEXt/iTXt), e.g. Comment, Software
  for (const c of m.comments ?? []) out[`png:${c.keyword}`] = c.text;
  return JSON.parse(JSON.stringify(out).replace(/\\u0000/g, '')) as Record<string, unknown>;
}

/** Reads image info with sharp from the stored blob, or undefined when it is not a readable image. */
export async function imageInfo(blobs: BlobStore, blob: StoredBlob, mime: string): Promise<MediaInfo | undefined> {
  if (!IMAGE_INPUT_MIMES.has(mime)) return undefined;
  let input: string | Buffer | undefined = await blobs.localPath?.(blob.hash);
  if (!input) {
    if (blob.size > STREAM_PROBE_LIMIT) return undefined;
    const s = await blobs.open(blob.hash);
    if (!s) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    input = Buffer.concat(chunks);
  }
  let m: Metadata;
  try {
    m = await (await loadSharp())(input, { limitInputPixels: false, animated: true }).metadata();
  } catch {
    return undefined;
  }
  const pages = m.pages ?? 1;
  const density = m.density ?? 72;
  return {
    pages,
    width: m.width ?? 0,
    height: m.pageHeight ?? m.height ?? 0, // one frame of an animation
    resolution: [density, density],
    transparent: Boolean(m.hasAlpha),
    animated: pages > 1 && (m.format === 'gif' || m.format === 'webp' || m.format === 'png'),
    colors: colorsOf(m),
    colorspace: COLORSPACE[m.space ?? ''] ?? m.space ?? 'unknown',
    metadata: await metadataOf(m),
  };
}

/** What an upload is: the sniffed content type and, for images, the media info (see fileKind). */
export interface UploadProbe { sniffedMime?: string; info?: MediaInfo }

/**
 * Probes a stored upload before its row is written: the content type from the bytes (used when
 * the client sent none or a generic one), then the image info for the type that results.
 */
export async function probeUpload(blobs: BlobStore, blob: StoredBlob, name: string, clientMime: string | undefined): Promise<UploadProbe> {
  const sniffedMime = await sniffMime(blobs, blob.hash);
  const { mime } = fileKind(name, clientMime, sniffedMime);
  const imageMime = sniffedMime && IMAGE_INPUT_MIMES.has(sniffedMime) ? sniffedMime : mime;
  return { sniffedMime, info: await imageInfo(blobs, blob, imageMime) };
}
