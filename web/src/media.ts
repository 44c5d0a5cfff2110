// Thumbnails, previews and downloads through the DAM API (/dam/p/{project}/...). Until that API
// answers, thumbnailUrl rejects and the console shows type icons.
import type { Asset } from './types.ts';

export async function thumbnailUrl(_asset: Asset, _width: number): Promise<string> {
  throw new Error('no thumbnails yet');
}

export async function downloadUrl(_asset: Asset): Promise<string> {
  throw new Error('download is not available on this server yet');
}
