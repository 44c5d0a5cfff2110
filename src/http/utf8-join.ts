// One answer's bytes from many pieces of text, encoded once and copied once: a /sync/get page is
// 10,000 events' stored JSON between an envelope. Joining them as a JavaScript string first built
// a rope of 20,000 pieces that the send had to flatten, measure (Content-Length) and encode again:
// ~10 ms per 1.5 MB page against ~2 ms for this (docs/BENCHMARKS.md, issue 12 §3).

/** Kept between calls: most answers fit, so the encode needs no allocation of its own. */
let scratch = Buffer.allocUnsafeSlow(1 << 20);
/** A larger answer gets a one-off scratch instead of keeping it. */
const KEEP_AT_MOST = 8 << 20;

/** prefix + items joined by `separator` (one ASCII character) + suffix, as UTF-8 bytes. */
export function joinUtf8(prefix: string, items: readonly string[], separator: string, suffix: string): Buffer {
  const sep = separator.charCodeAt(0);
  if (separator.length !== 1 || sep > 0x7f) throw new Error('joinUtf8: the separator must be one ASCII character');
  let units = prefix.length + suffix.length + items.length;
  for (let i = 0; i < items.length; i++) units += items[i].length;
  // a UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4)
  const bound = units * 3;
  let buf = scratch;
  if (bound > buf.length) {
    buf = Buffer.allocUnsafeSlow(bound);
    if (bound <= KEEP_AT_MOST) scratch = buf;
  }
  let at = buf.write(prefix, 0);
  for (let i = 0; i < items.length; i++) {
    if (i > 0) buf[at++] = sep;
    at += buf.write(items[i], at);
  }
  at += buf.write(suffix, at);
  const out = Buffer.allocUnsafe(at);
  buf.copy(out, 0, 0, at);
  return out;
}
