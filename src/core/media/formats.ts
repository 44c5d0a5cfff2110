// The image formats sharp reads (media info, transform sources) and writes (transform types).

/** Content types whose media info is read at upload and that dam/transform accepts as a source. */
export const IMAGE_INPUT_MIMES = new Set([
  'image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif', 'image/tiff', 'image/svg+xml', 'image/heic', 'image/heif',
]);

/** Output types of dam/transform: the vendor's jpg, png, gif, and (assetlib extension) webp, avif. */
export const OUTPUT_TYPES = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
} as const;
export type OutputType = keyof typeof OUTPUT_TYPES;

/** The default output type for a source: its own format when writable, else png (e.g. svg, tiff). */
export function defaultOutputType(sourceMime: string): OutputType {
  switch (sourceMime) {
    case 'image/jpeg': return 'jpg';
    case 'image/gif': return 'gif';
    case 'image/webp': return 'webp';
    case 'image/avif': return 'avif';
    default: return 'png';
  }
}
