// Messages for the user: errors from the server as readable text, and short confirmations.
import { useEffect, useState } from 'react';

export interface Note { id: number; kind: 'error' | 'info'; text: string }
let notes: Note[] = [];
let next = 1;
const listeners = new Set<(n: Note[]) => void>();
const emit = () => { for (const l of listeners) l(notes); };

export function notify(kind: Note['kind'], text: string): void {
  const n = { id: next++, kind, text };
  notes = [...notes.slice(-4), n];
  emit();
  if (kind === 'info') setTimeout(() => dismiss(n.id), 6000);
}
export const notifyError = (e: unknown) => notify('error', e instanceof Error ? e.message : String(e));
export function dismiss(id: number): void {
  notes = notes.filter((n) => n.id !== id);
  emit();
}
export function useNotes(): Note[] {
  const [n, setN] = useState(notes);
  useEffect(() => { listeners.add(setN); return () => { listeners.delete(setN); }; }, []);
  return n;
}
