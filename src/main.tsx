import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installTestHandle } from './client/testHooks';
import { client } from './client/workerClient';
import { useStore } from './state/store';
import { App } from './ui/App';
import './ui/app.css';

if (__TEST_HOOKS__) installTestHandle(useStore, (msg) => client.sendTestHook(msg));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
