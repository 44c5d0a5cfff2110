// Asset names, and file types from names and mime types.
import { invalid } from '../errors.ts';

export const MAX_NAME_LENGTH = 255;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Name rules: a non-empty string of at most 255 characters, without '/' or control characters,
 * and not '.' or '..'. Names are case-sensitive; two live children of one folder never share a
 * name (checked by the callers, refused with a 422 conflict).
 */
export function checkName(raw: unknown, field = 'name'): string {
  if (typeof raw !== 'string') throw invalid(`${field} must be a string`, { field });
  if (raw.length === 0) throw invalid(`${field} must not be empty`, { field });
  if ([...raw].length > MAX_NAME_LENGTH) throw invalid(`${field} must be at most ${MAX_NAME_LENGTH} characters`, { field });
  if (raw.includes('/')) throw invalid(`${field} must not contain '/'`, { field });
  if (CONTROL.test(raw)) throw invalid(`${field} must not contain control characters`, { field });
  if (raw === '.' || raw === '..') throw invalid(`${field} must not be '.' or '..'`, { field });
  return raw;
}

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  tif: 'image/tiff', tiff: 'image/tiff', bmp: 'image/bmp', heic: 'image/heic', avif: 'image/avif', ico: 'image/x-icon',
  mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', avi: 'video/x-msvideo', mkv: 'video/x-matroska',
  mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', m4a: 'audio/mp4', flac: 'audio/flac',
  pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', md: 'text/markdown', html: 'text/html', xml: 'application/xml',
  json: 'application/json', zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar', '7z': 'application/x-7z-compressed',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
};
const DOCUMENT = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt']);
const ARCHIVE = new Set(['zip', 'gz', 'tar', '7z']);

export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 && i < name.length - 1 ? name.slice(i + 1).toLowerCase() : '';
}

/**
 * Part types that say nothing about the content: none, octet-stream, and text/plain, which a
 * multipart parser reports for a file part without a Content-Type (RFC 7578's default; the
 * vendor's Python client sends its files that way).
 */
function isGenericMime(m: string | undefined): boolean {
  return !m || m === 'application/octet-stream' || m === 'text/plain' || !/^[\w.+-]+\/[\w.+-]+$/.test(m);
}

/**
 * The mime type (the client's part type unless it is missing or generic; else the type sniffed
 * from the content's magic bytes; else from the extension; else the generic part type) and the
 * file type: image | video | audio (from the mime type), document, archive, text, or file.
 */
export function fileKind(name: string, clientMime: string | undefined, sniffedMime?: string): { mime: string; type: string; format: string } {
  const format = extensionOf(name);
  const generic = isGenericMime(clientMime);
  const fallback = clientMime === 'text/plain' ? 'text/plain' : 'application/octet-stream';
  const mime = (generic ? sniffedMime ?? MIME_BY_EXT[format] : clientMime!.toLowerCase()) ?? fallback;
  const major = mime.split('/')[0];
  let type = 'file';
  if (major === 'image' || major === 'video' || major === 'audio') type = major;
  else if (DOCUMENT.has(format) || mime === 'application/pdf') type = 'document';
  else if (ARCHIVE.has(format)) type = 'archive';
  else if (major === 'text') type = 'text';
  return { mime, type, format };
}
