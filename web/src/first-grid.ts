// What the first grid does not need waits for it: the live feed (socket.io's code, its socket and
// the re-read of the visible pages once it is live), the detail panel's larger preview and
// libraries, and the virtual grid's margin (the rows rendered above and below the view, and their
// pictures). The gate opens once the first list is rendered, its page's thumbnails have been looked
// up (thumbnailsAnswered) and every picture of a tile in view has loaded and decoded, or failed
// (waitForPicture), and the frame showing them has been painted; or after CAP_MS at the latest
// (the sign-in form, a slow picture). Nothing is lost by waiting: the feed re-reads what is on
// screen when it goes live.
import { useSyncExternalStore } from 'react';

const CAP_MS = 3000;
let done = false;
let answered = false;
let rendered = false;
let pictures = 0;
const listeners = new Set<() => void>();
let resolveGate!: () => void;
/** Resolves once the first grid is on screen (or CAP_MS after the page started). */
export const afterFirstGrid: Promise<void> = new Promise<void>((resolve) => { resolveGate = resolve; });
function open() {
  if (done) return;
  done = true;
  clearTimeout(cap);
  resolveGate();
  for (const l of listeners) l();
}
const cap = setTimeout(open, CAP_MS);
// once everything is there, the gate opens after the next frame has been painted (a task after
// its animation frame), so that the grid shows before the work that waits for it begins
let painting = false;
const check = () => {
  if (done || painting || !(answered && rendered && pictures === 0)) return;
  painting = true;
  requestAnimationFrame(() => setTimeout(open, 0));
};

/** Whether the first grid is on screen (or CAP_MS has passed), as React state. */
export function useAfterFirstGrid(): boolean {
  return useSyncExternalStore((l) => { listeners.add(l); return () => { listeners.delete(l); }; }, () => done);
}

/** The first list's page has had its thumbnails looked up. */
export function thumbnailsAnswered(): void {
  answered = true;
  check();
}

/** A list has rendered the tiles in view of its first page (their pictures have registered). */
export function gridRendered(): void {
  if (done || rendered) return;
  rendered = true;
  // a frame later: the tiles' pictures of this commit register in their own effects, and a
  // lookup answered meanwhile has rendered its URLs
  requestAnimationFrame(check);
}

/** A tile in view waits for its picture: the gate stays closed until the returned function is
 *  called (loaded and decoded, failed, or gone). */
export function waitForPicture(): () => void {
  if (done) return () => undefined;
  pictures++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    pictures--;
    check();
  };
}
