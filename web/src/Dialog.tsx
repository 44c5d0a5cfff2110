// Modal dialogs on the native <dialog> (focus stays inside, Escape closes, focus returns after).
// The element marked data-autofocus gets the focus when the dialog opens (showModal() would give it
// to the first focusable element, and React's autoFocus runs before showModal, so it is lost).
import { useEffect, useRef, useState, type ReactNode } from 'react';

export function Modal({ title, onClose, children }: { title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const back = document.activeElement as HTMLElement | null;
    d?.showModal();
    d?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => { d?.close(); back?.focus?.(); };
  }, []);
  return (
    <dialog ref={ref} className="modal" aria-label={title} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

export function PromptDialog({ title, label, initial = '', submit = 'OK', onSubmit, onClose }: {
  title: string; label: string; initial?: string; submit?: string; onSubmit(v: string): Promise<void> | void; onClose(): void;
}) {
  const [value, setValue] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try { await onSubmit(value.trim()); onClose(); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
      }}>
        <label>{label}<input data-autofocus value={value} onChange={(e) => setValue(e.target.value)} required onFocus={(e) => {
          const dot = e.target.value.lastIndexOf('.');
          e.target.setSelectionRange(0, dot > 0 ? dot : e.target.value.length);
        }} /></label>
        {error && <p className="error-text" role="alert">{error}</p>}
        <div className="buttons">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy || value.trim() === ''}>{submit}</button>
        </div>
      </form>
    </Modal>
  );
}

export function ConfirmDialog({ title, message, confirm, danger, onConfirm, onClose }: {
  title: string; message: ReactNode; confirm: string; danger?: boolean; onConfirm(): Promise<void> | void; onClose(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal title={title} onClose={onClose}>
      <p>{message}</p>
      {error && <p className="error-text" role="alert">{error}</p>}
      <div className="buttons">
        {/* a dangerous action starts on Cancel (Enter does not destroy), another on its button */}
        <button type="button" data-autofocus={danger ? true : undefined} onClick={onClose}>Cancel</button>
        <button type="button" data-autofocus={danger ? undefined : true} className={danger ? 'danger' : 'primary'} disabled={busy} onClick={async () => {
          setBusy(true);
          setError(null);
          try { await onConfirm(); onClose(); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
        }}>{confirm}</button>
      </div>
    </Modal>
  );
}
