import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { notifyError } from './notify.ts';
import './styles.css';

// errors nobody caught still reach the user as a message, never a blank page
window.addEventListener('unhandledrejection', (e) => notifyError(e.reason));
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
