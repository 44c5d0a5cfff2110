// What the first grid does not need waits for it: the live feed (socket.io's code, its socket and
// the re-read of the visible pages once it is live), the detail panel's larger preview and
// libraries, and the pictures of the tiles rendered around the view (the virtual grid's margin)
// start once the first list's thumbnails have been looked up and the pictures then in the page
// have loaded and decoded, or after CAP_MS at the latest (a screen without thumbnails, the sign-in
// form, a slow picture). Nothing is lost by waiting: the feed re-reads what is on screen when it
// goes live.
import { useSyncExternalStore } from 'react';

const CAP_MS = 3000;
let done = false;
const listeners = new Set<() => void>();
let open!: () => void;
/** Resolves once the first grid is on screen (or CAP_MS after the page started). */
export const afterFirstGrid: Promise<void> = new Promise<void>((resolve) => {
  open = () => {
    if (done) return;
    done = true;
    resolve();
    for (const l of listeners) l();
  };
});
const cap = setTimeout(() => open(), CAP_MS);
let shown = false;

/** Whether the first grid is on screen (or CAP_MS has passed), as React state. */
export function useAfterFirstGrid(): boolean {
  return useSyncExternalStore((l) => { listeners.add(l); return () => { listeners.delete(l); }; }, () => done);
}

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
