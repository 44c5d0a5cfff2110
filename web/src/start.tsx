// The console's React tree, loaded by main.ts once the first page of the folder is on its way.
import { Component, StrictMode, startTransition, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { notifyError } from './notify.ts';

/** A rendering error shows what happened and a way out, never a blank page. */
class Boundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) { return { error }; }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <main className="signin" role="alert">
        <div>
          <h1>Something went wrong</h1>
          <p>{this.state.error.message}</p>
          <button type="button" onClick={() => location.reload()}>Reload</button>
        </div>
      </main>
    );
  }
}

// errors nobody caught still reach the user as a message, never a blank page
window.addEventListener('unhandledrejection', (e) => notifyError(e.reason));
// The first render as a transition: React renders it in slices and yields between them, so the
// answers of prefetch.ts (the folder's first page, then its thumbnails lookup) are handled while
// it renders instead of after (a plain render ran 300-600 ms without a break on a loaded machine,
// and dam/transforms went out only after it).
const root = createRoot(document.getElementById('root')!);
startTransition(() => root.render(<StrictMode><Boundary><App /></Boundary></StrictMode>));
