// Uploads in progress: three files at a time, each with its progress; the total over all.
import { upload } from './api.ts';

export interface UploadItem { id: number; name: string; size: number; sent: number; state: 'waiting' | 'sending' | 'done' | 'failed'; error?: string; abort?: () => void }

let items: UploadItem[] = [];
let next = 1;
const listeners = new Set<() => void>();
const emit = () => { items = [...items]; for (const l of listeners) l(); };
export const uploads = () => items;
export function onUploads(fn: () => void): () => void { listeners.add(fn); return () => { listeners.delete(fn); }; }

const CONCURRENCY = 3;
const queue: { item: UploadItem; folder: string; file: File }[] = [];
let running = 0;

function pump(): void {
  while (running < CONCURRENCY && queue.length > 0) {
    const { item, folder, file } = queue.shift()!;
    running++;
    const set = (patch: Partial<UploadItem>) => { const i = items.findIndex((x) => x.id === item.id); if (i >= 0) { items[i] = { ...items[i], ...patch }; emit(); } };
    const up = upload(folder, file, (sent) => set({ sent }));
    set({ state: 'sending', abort: up.abort });
    up.done.then(() => set({ state: 'done', sent: file.size, abort: undefined }), (e: Error) => set({ state: 'failed', error: e.message, abort: undefined }))
      .finally(() => { running--; pump(); });
  }
}

export function startUploads(folder: string, files: File[]): void {
  for (const file of files) {
    const item: UploadItem = { id: next++, name: file.name, size: file.size, sent: 0, state: 'waiting' };
    items.push(item);
    queue.push({ item, folder, file });
  }
  emit();
  pump();
}

export function clearFinished(): void {
  items = items.filter((i) => i.state === 'waiting' || i.state === 'sending');
  emit();
}
