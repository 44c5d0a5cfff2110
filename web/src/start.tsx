// The console's React tree, loaded by main.ts once the first page of the folder is on its way.
import { Component, StrictMode, type ReactNode } from 'react';
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
createRoot(document.getElementById('root')!).render(<StrictMode><Boundary><App /></Boundary></StrictMode>);
