// Sign-in with an email and an API key (the demo credentials are printed at the first start).
import { useState } from 'react';
import { signIn } from './api.ts';

export function SignIn() {
  const [email, setEmail] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main className="signin">
      <form aria-labelledby="signin-title" onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try { await signIn(email.trim(), key.trim()); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
      }}>
        <h1 id="signin-title">assetlib</h1>
        <p className="muted">Sign in with your email and an API key. On a new server, the demo user and key are printed in the server's log at the first start.</p>
        <label>Email<input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus /></label>
        <label>API key<input type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} required /></label>
        {error && <p className="error-text" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
