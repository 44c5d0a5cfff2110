// dam/transform options: the slash-separated name=value list of Unicat's reference page, parsed,
// validated and put in a canonical form (the rendition's cache key). Accepted forms:
//   /fill=400,300  /fit=400,300  /width=400[,300]  /height=[400,]300   (the vendor client's form)
//   /resize=fill/width=400/height=300                                   (the SDK's argument names)
//   /name=seo-name /key=2x /type=jpg|png|gif (+ webp, avif) /force=true /optimize=true
//   /hs=0.5,0.3 (or hotspot=) /crop=0.5,0.5 /padding=10,auto,10,auto /q=80 (or quality=)
//   /bg=white|transparent|rrggbb (or background=) /dpr=2
import { createHash } from 'node:crypto';
import { invalid } from '../errors.ts';
import { OUTPUT_TYPES, type OutputType } from './formats.ts';

export type ResizeMode = 'width' | 'height' | 'fit' | 'fill';
export type Pad = number | 'auto';

export interface TransformOptions {
  name?: string;
  key?: string;
  force: boolean;
  optimize: boolean;
  resize?: ResizeMode;
  width?: number;
  height?: number;
  type?: OutputType;
  hotspot?: [number, number];
  crop?: [number, number];
  padding?: [Pad, Pad, Pad, Pad];
  quality?: number;
  background?: string; // 'white' | 'transparent' | 'rrggbb'
  dpr: number;
}

/** The largest width or height an option may ask for (the vendor client clamps to the same). */
export const MAX_DIMENSION = 5000;
export const MAX_PADDING = 1000;
export const MAX_DPR = 4;

const ALIASES: Record<string, string> = { hs: 'hotspot', q: 'quality', bg: 'background' };
const KNOWN = new Set(['name', 'key', 'force', 'optimize', 'resize', 'width', 'height', 'fit', 'fill', 'type', 'hotspot', 'crop', 'padding', 'quality', 'background', 'dpr']);
// eslint-disable-next-line no-control-regex
const BAD_NAME = /[\u0000-\u001f\u007f/\\?#%]/;

const bad = (option: string, message: string, value?: string) => invalid(`option ${option}: ${message}`, { option, value });

function bool(option: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw bad(option, 'must be true or false', v);
}

function numbers(option: string, v: string, count: number[]): number[] {
  const parts = v.split(',');
  if (!count.includes(parts.length) || parts.some((p) => !/^\s*-?\d+(\.\d+)?\s*$/.test(p))) {
    throw bad(option, `must be ${count.map((c) => (c === 1 ? 'a number' : `${c} comma-separated numbers`)).join(' or ')}`, v);
  }
  return parts.map(Number);
}

function dimension(option: string, n: number, v: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIMENSION) throw bad(option, `sizes must be whole numbers from 1 to ${MAX_DIMENSION}`, v);
  return n;
}

function fraction(option: string, n: number, v: string, zeroOk: boolean): number {
  if (!(n <= 1 && (zeroOk ? n >= 0 : n > 0))) throw bad(option, `values must be ${zeroOk ? 'from 0' : 'above 0'} to 1`, v);
  return n;
}

function label(option: string, v: string, max: number): string {
  if (v.length === 0 || v.length > max || BAD_NAME.test(v) || v.startsWith('.')) {
    throw bad(option, `must be 1 to ${max} characters without / \\ ? # % or control characters, not starting with '.'`, v);
  }
  return v;
}

/** Parses the options path ("fill=400,300/type=jpg"); throws `invalid` naming the bad option. */
export function parseTransformOptions(raw: string | undefined): TransformOptions {
  const o: TransformOptions = { force: false, optimize: false, dpr: 1 };
  const seen = new Map<string, string>();
  for (const seg of (raw ?? '').split('/')) {
    if (seg === '') continue;
    const eq = seg.indexOf('=');
    if (eq <= 0) throw invalid(`options are name=value, separated by '/': got "${seg}"`, { option: seg });
    const given = seg.slice(0, eq);
    const name = ALIASES[given] ?? given;
    if (!KNOWN.has(name)) throw bad(given, 'unknown option', seg.slice(eq + 1));
    if (seen.has(name)) throw bad(given, 'given twice');
    seen.set(name, seg.slice(eq + 1));
  }
  const get = (k: string) => seen.get(k);
  let v: string | undefined;
  if ((v = get('name')) !== undefined) o.name = label('name', v, 200);
  if ((v = get('key')) !== undefined) o.key = label('key', v, 100);
  if ((v = get('force')) !== undefined) o.force = bool('force', v);
  if ((v = get('optimize')) !== undefined) o.optimize = bool('optimize', v);
  if ((v = get('type')) !== undefined) {
    const t = v === 'jpeg' ? 'jpg' : v;
    if (!(t in OUTPUT_TYPES)) throw bad('type', `must be one of ${Object.keys(OUTPUT_TYPES).join(', ')}`, v);
    o.type = t as OutputType;
  }

  const modes = (['width', 'height', 'fit', 'fill'] as const).filter((m) => seen.has(m));
  if ((v = get('resize')) !== undefined) {
    if (!['width', 'height', 'fit', 'fill'].includes(v)) throw bad('resize', 'must be width, height, fit or fill', v);
    o.resize = v as ResizeMode;
    if (seen.has('fit') || seen.has('fill')) throw bad('resize', 'give the size in width= and height= with resize=');
    const w = get('width');
    const h = get('height');
    if (w !== undefined) o.width = dimension('width', numbers('width', w, [1])[0], w);
    if (h !== undefined) o.height = dimension('height', numbers('height', h, [1])[0], h);
    if (o.resize !== 'height' && o.width === undefined) throw bad('width', `is required with resize=${o.resize}`);
    if (o.resize !== 'width' && o.height === undefined) throw bad('height', `is required with resize=${o.resize}`);
  } else if (modes.length > 1) {
    throw invalid(`give one of width, height, fit, fill (got ${modes.join(', ')})`, { option: modes[1] });
  } else if (modes.length === 1) {
    const mode = modes[0];
    const raw = get(mode)!;
    const ns = numbers(mode, raw, mode === 'fit' || mode === 'fill' ? [2] : [1, 2]).map((n) => dimension(mode, n, raw));
    o.resize = mode;
    if (ns.length === 2) [o.width, o.height] = ns;
    else if (mode === 'width') o.width = ns[0];
    else o.height = ns[0];
  }

  if ((v = get('hotspot')) !== undefined) {
    const [x, y] = numbers('hs', v, [2]);
    o.hotspot = [fraction('hs', x, v, true), fraction('hs', y, v, true)];
  }
  if ((v = get('crop')) !== undefined) {
    const [w, h] = numbers('crop', v, [2]);
    o.crop = [fraction('crop', w, v, false), fraction('crop', h, v, false)];
  }
  if ((v = get('padding')) !== undefined) {
    const parts = v.split(',');
    if (parts.length !== 4) throw bad('padding', 'must be top,right,bottom,left (each a number or auto)', v);
    o.padding = parts.map((p) => {
      if (p === 'auto') return 'auto';
      const n = Number(p);
      if (!/^\d+$/.test(p) || n > MAX_PADDING) throw bad('padding', `each side is auto or a whole number from 0 to ${MAX_PADDING}`, v);
      return n;
    }) as [Pad, Pad, Pad, Pad];
  }
  if ((v = get('quality')) !== undefined) {
    const [q] = numbers('q', v, [1]);
    if (!Number.isInteger(q) || q < 0 || q > 100) throw bad('q', 'must be a whole number from 0 to 100', v);
    o.quality = q;
  }
  if ((v = get('background')) !== undefined) {
    const c = v.replace(/^#/, '').toLowerCase();
    if (c !== 'white' && c !== 'transparent' && !/^[0-9a-f]{6}$/.test(c)) throw bad('bg', 'must be white, transparent or a rrggbb colour', v);
    o.background = c;
  }
  if ((v = get('dpr')) !== undefined) {
    const [d] = numbers('dpr', v, [1]);
    if (!(d >= 1 && d <= MAX_DPR)) throw bad('dpr', `must be from 1 to ${MAX_DPR}`, v);
    o.dpr = d;
  }
  return o;
}

/** The options that shape the pixels, in a fixed order: equal strings render equal files. */
export function renderKey(o: TransformOptions, type: OutputType): string {
  const parts: string[] = [`type=${type}`];
  if (o.resize) parts.push(`resize=${o.resize}`, `size=${o.width ?? ''},${o.height ?? ''}`);
  if (o.hotspot) parts.push(`hs=${o.hotspot.join(',')}`);
  if (o.crop) parts.push(`crop=${o.crop.join(',')}`);
  if (o.padding) parts.push(`padding=${o.padding.join(',')}`);
  if (o.quality !== undefined) parts.push(`q=${o.quality}`);
  if (o.background) parts.push(`bg=${o.background}`);
  if (o.dpr !== 1) parts.push(`dpr=${o.dpr}`);
  if (o.optimize) parts.push('optimize');
  return parts.join('/');
}

/**
 * The rendition's file name: "<name>@<key>.<type>", name defaulting to the source name without its
 * extension and key to a short hash of the render options (as the vendor documents).
 */
export function renditionFilename(sourceName: string, o: TransformOptions, type: OutputType, key: string): string {
  const dot = sourceName.lastIndexOf('.');
  const base = o.name ?? (dot > 0 ? sourceName.slice(0, dot) : sourceName);
  const k = o.key ?? createHash('sha256').update(key).digest('hex').slice(0, 12);
  return `${base}@${k}.${type}`;
}
