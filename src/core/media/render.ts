// The sharp pipeline of one dam/transform rendition. Geometry (in this order, each optional):
//   crop=w,h     keep that fraction of the source, centred on the hotspot (clamped to the edges)
//   resize       width=W: scale to W wide; height=H: scale to H high; fit=W,H: scale to fit inside
//                the W x H canvas (less numeric padding), placed by the hotspot, rest background;
//                fill=W,H: scale to cover that box and cut it around the hotspot
//   padding      t,r,b,l pixels around the picture (fit/fill: inside the canvas; auto sides take
//                the leftover space); dpr multiplies sizes and padding
//   background   white | transparent | rrggbb for padding and transparent areas (jpg: never transparent)
// The output is encoded into one buffer (transform.ts stores it); libvips reads the source on demand (sequential), and
// JPEG sources shrink on load, so a render never holds a decoded copy of a large source.
import { loadSharp } from './sharp.ts';
import type { Metadata, Sharp } from 'sharp';

interface RGBA { r: number; g: number; b: number; alpha: number }
import type { OutputType } from './formats.ts';
import { invalid, rule } from '../errors.ts';
import type { Pad, TransformOptions } from './options.ts';

/** The largest rendition (canvas) in pixels, and the largest intermediate (a fill before its cut). */
export const MAX_OUTPUT_PIXELS = 50_000_000;
const MAX_INTERMEDIATE_PIXELS = 250_000_000;
/** Sources above this many pixels are refused (sharp's default limit, 16383 x 16383). */
export const MAX_SOURCE_PIXELS = 268_402_689;

export interface Rendition { image: Sharp; width: number; height: number }

function colour(bg: string | undefined, type: OutputType): RGBA {
  const c = bg ?? (type === 'jpg' ? 'white' : 'transparent');
  if (c === 'white') return { r: 255, g: 255, b: 255, alpha: 1 };
  if (c === 'transparent') return type === 'jpg' ? { r: 255, g: 255, b: 255, alpha: 1 } : { r: 0, g: 0, b: 0, alpha: 0 };
  return { r: parseInt(c.slice(0, 2), 16), g: parseInt(c.slice(2, 4), 16), b: parseInt(c.slice(4, 6), 16), alpha: 1 };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** Where a picture of `size` sits on a `total` canvas between pads a and b (auto takes the rest). */
function place(total: number, size: number, a: Pad, b: Pad, A: number, B: number, frac: number): number {
  const extra = total - size - A - B;
  if (a === 'auto' && b !== 'auto') return A + extra;
  if (b === 'auto' && a !== 'auto') return A;
  return A + Math.round(extra * frac);
}

function encode(img: Sharp, type: OutputType, o: TransformOptions): Sharp {
  const q = o.quality === undefined ? undefined : Math.max(1, o.quality);
  switch (type) {
    case 'jpg': return img.jpeg({ quality: q ?? 80, mozjpeg: o.optimize });
    case 'png': return img.png({ compressionLevel: o.optimize ? 9 : 6, adaptiveFiltering: o.optimize, ...(q === undefined ? {} : { palette: true, quality: q }) });
    case 'gif': return img.gif({ effort: o.optimize ? 10 : 7 });
    case 'webp': return img.webp({ quality: q ?? 80, effort: o.optimize ? 6 : 4 });
    case 'avif': return img.avif({ quality: q ?? 50, effort: o.optimize ? 7 : 4 });
  }
}

/**
 * Builds the rendition pipeline for a source (a local file, or its bytes) and returns it with the
 * output size, after checking the sizes (invalid: the options ask for too much; rule: the source
 * is not a readable image).
 */
export async function planRendition(input: string | Buffer, o: TransformOptions, type: OutputType): Promise<Rendition> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: MAX_SOURCE_PIXELS }).metadata();
  } catch (err) {
    throw rule(`the source is not a readable image: ${(err as Error).message}`, { reason: 'unreadable' });
  }
  let w = meta.autoOrient?.width ?? meta.width ?? 0;
  let h = meta.autoOrient?.height ?? meta.pageHeight ?? meta.height ?? 0;
  if (w < 1 || h < 1) throw rule('the source has no pixels', { reason: 'unreadable' });
  if (w * h > MAX_SOURCE_PIXELS) throw rule(`the source has more than ${MAX_SOURCE_PIXELS} pixels`, { reason: 'too_large' });

  const dpr = o.dpr;
  const TW = o.width === undefined ? undefined : Math.round(o.width * dpr);
  const TH = o.height === undefined ? undefined : Math.round(o.height * dpr);
  const P: [Pad, Pad, Pad, Pad] = o.padding ?? [0, 0, 0, 0];
  const [pt, pr, pb, pl] = P.map((p) => (p === 'auto' ? 0 : Math.round(p * dpr)));
  const [hx, hy] = o.hotspot ?? [0.5, 0.5];

  // vector sources are rasterised at the density the output needs, not scaled up afterwards
  let density: number | undefined;
  if (meta.format === 'svg' && (TW || TH)) {
    const k = clamp(Math.max((TW ?? 0) / (w * (o.crop?.[0] ?? 1)), (TH ?? 0) / (h * (o.crop?.[1] ?? 1))), 1, 10);
    if (k > 1) { density = 72 * k; w = Math.round(w * k); h = Math.round(h * k); }
  }
  let img = sharp(input, { sequentialRead: true, limitInputPixels: MAX_SOURCE_PIXELS, failOn: 'none', ...(density ? { density } : {}) }).autoOrient();

  let cw = w;
  let ch = h;
  if (o.crop) {
    cw = Math.max(1, Math.round(w * o.crop[0]));
    ch = Math.max(1, Math.round(h * o.crop[1]));
    img = img.extract({ left: clamp(Math.round(hx * w - cw / 2), 0, w - cw), top: clamp(Math.round(hy * h - ch / 2), 0, h - ch), width: cw, height: ch });
  }

  let rw = cw; // the picture's size on the canvas
  let rh = ch;
  let canvasW: number;
  let canvasH: number;
  let left = pl;
  let top = pt;
  const box = () => {
    const bw = TW! - pl - pr;
    const bh = TH! - pt - pb;
    if (bw < 1 || bh < 1) throw invalid('option padding: the padding leaves no room for the picture', { option: 'padding' });
    return [bw, bh];
  };
  switch (o.resize) {
    case 'width': rw = TW!; rh = Math.max(1, Math.round((ch * TW!) / cw)); break;
    case 'height': rh = TH!; rw = Math.max(1, Math.round((cw * TH!) / ch)); break;
    case 'fit': {
      const [bw, bh] = box();
      const s = Math.min(bw / cw, bh / ch);
      rw = clamp(Math.round(cw * s), 1, bw);
      rh = clamp(Math.round(ch * s), 1, bh);
      break;
    }
    case 'fill': {
      const [bw, bh] = box();
      const s = Math.max(bw / cw, bh / ch);
      const sw = Math.max(bw, Math.round(cw * s));
      const sh = Math.max(bh, Math.round(ch * s));
      if (sw * sh > MAX_INTERMEDIATE_PIXELS) throw invalid('the fill would scale the source beyond 250 megapixels before cutting', { option: 'fill' });
      img = img.resize(sw, sh, { fit: 'fill' })
        .extract({ left: clamp(Math.round(hx * sw - bw / 2), 0, sw - bw), top: clamp(Math.round(hy * sh - bh / 2), 0, sh - bh), width: bw, height: bh });
      rw = bw;
      rh = bh;
      break;
    }
    default: break;
  }
  if (o.resize === 'fit' || o.resize === 'fill') {
    canvasW = TW!;
    canvasH = TH!;
    left = place(canvasW, rw, P[3], P[1], pl, pr, hx);
    top = place(canvasH, rh, P[0], P[2], pt, pb, hy);
  } else {
    canvasW = rw + pl + pr;
    canvasH = rh + pt + pb;
  }
  if (canvasW * canvasH > MAX_OUTPUT_PIXELS || rw * rh > MAX_OUTPUT_PIXELS) {
    throw invalid(`the rendition would be ${canvasW} x ${canvasH} pixels: at most ${MAX_OUTPUT_PIXELS / 1e6} megapixels`, { width: canvasW, height: canvasH });
  }
  if (o.resize && o.resize !== 'fill' && (rw !== cw || rh !== ch)) img = img.resize(rw, rh, { fit: 'fill' });

  const bg = colour(o.background, type);
  const right = canvasW - rw - left;
  const bottom = canvasH - rh - top;
  if (left || right || top || bottom) img = img.extend({ left, right, top, bottom, background: bg });
  if (type === 'jpg' || bg.alpha === 1) img = img.flatten({ background: bg });
  return { image: encode(img, type, o), width: canvasW, height: canvasH };
}
