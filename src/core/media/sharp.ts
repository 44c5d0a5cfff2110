// sharp (libvips, a native library) loads on the first media call instead of at start: loading
// it (the library, its libc detection) was about a fifth of a start's CPU (docs/BENCHMARKS.md
// "Start"). Every use in the core goes through loadSharp().
import type SharpModule from 'sharp';

type Sharp = typeof SharpModule;
let loading: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  return (loading ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false); // no decoded images kept between renders: memory stays bounded by the renders running
    return sharp;
  }));
}
