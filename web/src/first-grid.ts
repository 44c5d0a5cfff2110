// What the first grid does not need waits for it: the live feed (socket.io's code, its socket and
// the re-read of the visible pages once it is live) and the detail panel's larger preview and
// libraries start once the first list's thumbnails have been looked up and the pictures then in the
// page have loaded and decoded, or after CAP_MS at the latest (a screen without thumbnails, the
// sign-in form, a slow picture). Nothing is lost by waiting: the feed re-reads what is on screen
// when it goes live.
const CAP_MS = 3000;
let open!: () => void;
/** Resolves once the first grid is on screen (or CAP_MS after the page started). */
export const afterFirstGrid: Promise<void> = new Promise<void>((resolve) => { open = resolve; });
const cap = setTimeout(() => open(), CAP_MS);
let shown = false;

/** The first list's thumbnails are known: open the gate once the next frame's pictures have decoded. */
export function firstGridShown(): void {
  if (shown) return;
  shown = true;
  // two frames: React renders the URLs the lookup answered, then the <img> elements are in the page
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const pictures = [...document.querySelectorAll<HTMLImageElement>('img.thumb')];
    void Promise.all(pictures.map((img) => img.decode().catch(() => undefined))).then(() => { clearTimeout(cap); open(); });
  }));
}
