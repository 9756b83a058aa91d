import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { client } from './client/workerClient';
import { useStore } from './state/store';
import { App } from './ui/App';
import './ui/app.css';

/** Read-only handle for end-to-end tests (state inspection, fault injection). */
(window as unknown as { __camsteer: unknown }).__camsteer = { store: useStore, client };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
