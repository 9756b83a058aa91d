import { useEffect } from 'react';
import { client } from '../client/workerClient';
import { restoreAndPersist } from '../client/persist';
import { loadBuiltInPhotos } from '../client/photos';
import { BACKEND_ORDER, type BackendChoice } from '../protocol/messages';
import { useStore } from '../state/store';
import { AuditView } from './AuditView';
import { CompareGrid } from './CompareGrid';
import { ErrorBanner } from './ErrorBanner';
import { Header } from './Header';
import { LibraryPanel } from './LibraryPanel';
import { ReproducePanel } from './ReproducePanel';
import { SteerView } from './SteerView';

/** `?backend=wasm` (or webgpu, webgl, cpu, auto) overrides the saved backend choice. */
function backendFromUrl(): BackendChoice | null {
  const b = new URLSearchParams(location.search).get('backend');
  return b === 'auto' || (BACKEND_ORDER as readonly string[]).includes(b ?? '') ? (b as BackendChoice) : null;
}

export function App() {
  const view = useStore((s) => s.view);
  useEffect(() => {
    const s = useStore.getState();
    const fromUrl = backendFromUrl();
    if (fromUrl) s.setBackendChoice(fromUrl);
    client.start(fromUrl ?? s.backendChoice);
    Promise.all([loadBuiltInPhotos(), restoreAndPersist()])
      .then(async ([builtIn, uploads]) => {
        const photos = [...builtIn, ...uploads];
        useStore.getState().setPhotos(photos);
        await client.setImages(photos);
      })
      .catch((e: Error) => useStore.getState().setError({ code: 'input', message: e.message }));
  }, []);

  return (
    <div className="app">
      <Header />
      <ErrorBanner />
      {view === 'steer' ? (
        <SteerView />
      ) : (
        <main className="layout layout-compare">
          <section className="col col-left">
            <LibraryPanel />
          </section>
          <section className="col col-mid">
            {view === 'audit' ? (
              <AuditView />
            ) : (
              <>
                <ReproducePanel />
                <CompareGrid />
              </>
            )}
          </section>
        </main>
      )}
    </div>
  );
}
